<?php
/*
 * The fault matrix of smtpdiag_diagnose() in the lab: every scenario is a
 * real setup (nft faults on the client and the routers, misbehaving servers,
 * the certificate matrix, DNS records, Postfix policies) with the root cause
 * and the key evidence it must produce. Run by tests/lab/run-diagnose-matrix.sh
 * inside sd-client; the scenario table below is the single source of truth
 * (the runner asks `list` for it).
 *
 *   php diagnose_cases.php list                          name|phase|faults|user|store|ini|settle|phpmailer
 *   php -d extension=... diagnose_cases.php run NAME     the assertions ("ok - " / "not ok - " lines)
 *   php diagnose_cases.php phpmailer NAME                the same settings through PHPMailer, the way
 *                                                        WordPress uses it (no extension needed)
 *   php diagnose_cases.php describe|cafile NAME          the setup in words / the scenario's ca_file
 *
 * `run` also prints "# matrix NAME<TAB>ROOT<TAB>SECONDS" and `phpmailer`
 * "# phpmailer NAME<TAB>MESSAGE<TAB>SECONDS" for the comparison table.
 * Environment: SMTPDIAG_LAB_DIR (default /tmp/smtpdiag-lab); the runner
 * sets SSL_CERT_FILE (OpenSSL's default store) per scenario: `store` lab =
 * the lab root, system = Debian's bundle (which lacks the lab root).
 */
declare(strict_types=1);

const USER = 'user@lab.test';
const PASSWORD = 'labpass';
const WRONG_PASSWORD = 'Wr0ng-Passw0rd!';
const EHLO = 'client.lab.test';
const SYSTEM_CA = '/etc/ssl/certs/ca-certificates.crt';
const PHPMAILER = '/usr/share/php/libphp-phpmailer/autoload.php';
const MAIL4 = '198.51.100.25';
const MAIL6 = '2001:db8:2::25';
const ME4 = '192.0.2.10';
const R1_4 = '192.0.2.1';
const R2_4 = '203.0.113.2';

$labDir = getenv('SMTPDIAG_LAB_DIR') ?: '/tmp/smtpdiag-lab';
$mode = $argv[1] ?? '';
$case = $argv[2] ?? '';
$failures = 0;

function check(bool $cond, string $what, $got = null): void {
    global $failures, $case;
    if ($cond) {
        echo "ok - $case: $what\n";
    } else {
        $failures++;
        echo "not ok - $case: $what", func_num_args() > 2 ? ' (got ' . json_encode($got, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR) . ')' : '', "\n";
    }
}

function finding(array $r, string $code): ?array {
    foreach ($r['findings'] as $f) if ($f['code'] === $code) return $f;
    return null;
}

function codes(array $r): array { return array_column($r['findings'], 'code'); }

/* Every finding in a result, the parts' own too (probe, auth, send, certificate, domain), keyed by where. */
function all_findings(array $r, string $path = ''): \Generator {
    foreach ($r as $k => $v) {
        if (!is_array($v)) continue;
        if ($k === 'findings' && array_is_list($v)) {
            foreach ($v as $i => $f) if (is_array($f) && isset($f['code'])) yield ($path === '' ? '' : "$path.") . "findings[$i]" => $f;
        } else {
            yield from all_findings($v, ($path === '' ? '' : "$path.") . $k);
        }
    }
}

function ports(array $r, int $port): array {
    return array_values(array_filter($r['probe']['ports'], fn($p) => $p['port'] === $port));
}

function port(array $r, string $address, int $port): array {
    foreach ($r['probe']['ports'] as $p) if ($p['address'] === $address && $p['port'] === $port) return $p;
    return ['state' => 'missing', 'errno' => null, 'icmp' => null, 'blocked_at' => null, 'smtp' => null, 'tls' => null];
}

/* The client's command lines in a send/auth transcript. */
function commands(?array $s): array {
    if ($s === null) return [];
    return array_values(array_map(fn($l) => $l['text'], array_filter($s['transcript'], fn($l) => $l['dir'] === 'C')));
}

/* A config: Postfix submission with STARTTLS and the lab account, From a fully configured domain. */
function cfg(array $over = []): array {
    $c = array_replace(['host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'starttls',
        'auth' => ['username' => USER, 'password' => PASSWORD], 'from' => 'user@ok.lab.test'], $over);
    return array_filter($c, fn($v) => $v !== null);
}

/*
 * The scenarios. Fields: what (the setup, for the table), config, options
 * (over the defaults below), root (the expected root cause, null = healthy),
 * check (more assertions), faults, user (run as), store (SSL_CERT_FILE: lab
 * or system), ini (php -d for both smtpdiag and PHPMailer), phase (parallel:
 * no fault, run together; serial: one at a time with its faults), settle
 * (seconds to wait first so the routers' ICMP rate limits have refilled),
 * phpmailer (false: not compared), run (a custom body instead of one call).
 */
function scenarios(): array {
    $cert = fn(string $name, int $port, array $over = []) => cfg(['host' => "$name.lab.test", 'port' => $port] + $over);
    $certCheck = function (string $error) {
        return function (array $r) use ($error) {
            $c = $r['certificate'];
            check($c !== null, 'the configured port\'s certificate was judged');
            check(in_array($error, $c['errors'] ?? [], true), "certificate errors include $error", $c['errors'] ?? null);
            check(($c['php_accepts'] ?? null) === false, 'PHP would refuse it (php_accepts false)', $c['php_accepts'] ?? null);
            check(($r['auth']['stage'] ?? null) !== 'auth' && !preg_grep('/^AUTH/i', commands($r['auth'])), 'no credentials were sent', commands($r['auth']));
        };
    };
    return [
        // ---------------------------------------------------------------- healthy
        'healthy' => [
            'what' => 'mail.lab.test:587 STARTTLS + AUTH, From user@ok.lab.test (SPF, DMARC p=none, DKIM "lab")',
            'config' => cfg(), 'root' => null,
            'check' => function (array $r) {
                $a = $r['auth'];
                check($a['ok'] === true && $a['stage'] === 'done' && $a['auth_mechanism'] === 'PLAIN', 'AUTH PLAIN accepted, then QUIT', [$a['stage'], $a['auth_mechanism']]);
                check(($a['tls']['verified'] ?? false) === true && ($a['tls']['mode'] ?? null) === 'starttls', 'the session used verified STARTTLS', $a['tls']);
                check(!preg_grep('/^(MAIL|RCPT|DATA)/i', commands($a)), 'no mail was sent (no MAIL/RCPT/DATA)', commands($a));
                check($r['send'] === null, 'send is null without the send option');
                $c = $r['certificate'];
                check($c !== null && $c['errors'] === [] && $c['verified'] === true && $c['php_accepts'] === true, 'certificate verified, PHP accepts it', $c === null ? null : [$c['errors'], $c['php_accepts']]);
                foreach ([MAIL4, MAIL6] as $ad) check(port($r, $ad, 587)['state'] === 'open', "$ad:587 open");
                $d = $r['domain'];
                check($d['domain'] === 'ok.lab.test' && $d['spf']['result'] === 'pass', 'SPF of ok.lab.test passes for the relay', $d['spf']['result'] ?? null);
                check(($d['dmarc']['found_at'] ?? null) === '_dmarc.ok.lab.test' && ($d['dmarc']['policy'] ?? null) === 'none', 'DMARC p=none found', $d['dmarc']);
                $dk = array_values(array_filter($d['dkim'], fn($k) => $k['selector'] === 'lab'))[0] ?? null;
                check(($dk['found'] ?? false) === true && ($dk['key_bits'] ?? 0) === 2048, 'DKIM key lab._domainkey found (2048 bits)', $dk);
                $ok = finding($r, 'smtp_ok');
                check($ok !== null && str_contains($ok['detail'], 'AUTH PLAIN accepted') && str_contains($ok['detail'], 'TLSv1'), 'smtp_ok names TLS and AUTH', $ok['detail'] ?? null);
                check(count($r['https']) === 1 && $r['https'][0]['host'] === 'mail.lab.test', 'api_hosts []: only the mail host is tried over HTTPS', array_column($r['https'], 'host'));
                check($r['environment']['openssl'] === true && $r['environment']['user'] === 'root', 'environment: openssl loaded, user root', [$r['environment']['openssl'], $r['environment']['user']]);
            },
        ],
        'healthy_implicit_465' => [
            'what' => 'mail.lab.test:465 implicit TLS + AUTH',
            'config' => cfg(['port' => 465, 'encryption' => 'tls']), 'root' => null,
            'check' => function (array $r) {
                check(($r['auth']['tls']['mode'] ?? null) === 'implicit' && $r['auth']['auth_mechanism'] === 'PLAIN', 'implicit TLS session, AUTH PLAIN accepted', $r['auth']['tls']);
                check(($r['certificate']['mode'] ?? null) === 'implicit' && $r['certificate']['php_accepts'] === true, 'certificate judged on the implicit port', $r['certificate']['mode'] ?? null);
            },
        ],

        // ---------------------------------------------------------------- DNS
        'dns_nxdomain' => [
            'what' => 'host nope.lab.test (NXDOMAIN)',
            'config' => cfg(['host' => 'nope.lab.test']), 'root' => 'dns_nxdomain',
            'check' => function (array $r) {
                check($r['probe']['dns']['status'] === 'nxdomain' && $r['probe']['ports'] === [], 'probe: DNS nxdomain, no port tried', $r['probe']['dns']);
                check(str_contains($r['findings'][0]['detail'], 'nope.lab.test'), 'the finding names the host', $r['findings'][0]['detail']);
                check(in_array($r['auth']['stage'], ['dns', 'connect'], true) && commands($r['auth']) === [], 'the session never connected', $r['auth']['stage']);
            },
        ],
        'dns_no_address' => [
            'what' => 'host lab.test (exists: MX and TXT, no A/AAAA)',
            'config' => cfg(['host' => 'lab.test']), 'root' => 'dns_no_address',
            'check' => function (array $r) {
                check($r['probe']['addresses'] === [] && $r['probe']['ports'] === [], 'no address, no port tried', $r['probe']['addresses']);
            },
        ],
        'dns_error' => [
            'what' => 'host smtp.example.com (the lab\'s DNS server answers REFUSED outside .test)',
            'config' => cfg(['host' => 'smtp.example.com']), 'root' => 'dns_error',
            'check' => function (array $r) {
                check($r['probe']['dns']['status'] === 'refused', 'probe: DNS status refused (an answer, not silence)', $r['probe']['dns']);
                // The relay's address is unknown: nothing can be said about SPF alignment.
                check(finding($r, 'dmarc_misaligned') === null, 'no dmarc_misaligned for a correctly configured From domain', codes($r));
            },
        ],
        'dns_timeout' => [
            'what' => 'fault dns_down (the DNS server drops every query)',
            'config' => cfg(), 'faults' => ['dns_down'], 'phase' => 'serial', 'root' => 'dns_timeout',
            'check' => function (array $r) {
                check($r['probe']['dns']['status'] === 'timeout', 'probe: DNS timeout', $r['probe']['dns']);
                check($r['probe']['ports'] === [], 'no port tried without an address');
                // A resolver that does not answer says nothing about the records.
                $claims = array_values(array_intersect(codes($r), ['dmarc_missing', 'dmarc_invalid', 'dkim_missing', 'spf_missing', 'mx_missing']));
                check($claims === [], 'no finding claims a missing or invalid record while DNS is down', array_map(fn($c) => [$c, finding($r, $c)['detail']], $claims));
            },
        ],

        // ---------------------------------------------------------------- ports
        'port_blocked_upstream_icmp' => [
            'what' => 'fault upstream_prohibited_587 (second router: ICMP admin-prohibited for 587)',
            'config' => cfg(), 'faults' => ['upstream_prohibited_587'], 'phase' => 'serial', 'settle' => 8,
            'root' => 'port_blocked_upstream',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['icmp_from'] ?? null) === R2_4 && ($ev['icmp_type'] ?? null) === 3 && ($ev['icmp_code'] ?? null) === 13, 'evidence: ICMP 3/13 from ' . R2_4, $ev);
                check(($ev['blocked_at_hop'] ?? null) === 2, 'evidence: blocked at hop 2', $ev['blocked_at_hop'] ?? null);
                check(finding($r, 'connection_lost') === null, 'no connection_lost for a connection that never opened', codes($r));
                foreach ($r['probe']['ports'] as $p) check($p['port'] === 587 || $p['state'] === 'open', "{$p['address']}:{$p['port']} open (only 587 is blocked)", $p['state']);
            },
        ],
        'all_smtp_ports_blocked_icmp' => [
            'what' => 'fault upstream_prohibited (second router: ICMP admin-prohibited for all SMTP ports)',
            'config' => cfg(), 'faults' => ['upstream_prohibited'], 'phase' => 'serial', 'settle' => 8,
            'root' => 'all_smtp_ports_blocked',
            'check' => function (array $r) {
                // The router rate-limits its ICMP (kernel default: a burst of 6,
                // then 1/s), so a port may see silence instead of 3/13: filtered
                // is honest then; open or blocked on this host is not.
                foreach ($r['probe']['ports'] as $p) check(in_array($p['state'], ['blocked_upstream', 'filtered'], true), "{$p['address']}:{$p['port']} blocked upstream (or filtered)", [$p['state'], $p['errno'], $p['icmp'], $p['blocked_at']]);
                $icmp = array_filter($r['probe']['ports'], fn($p) => ($p['icmp']['from'] ?? null) === R2_4 && ($p['icmp']['code'] ?? null) === 13);
                check($icmp !== [], 'at least one IPv4 port answered by ICMP 3/13 from ' . R2_4);
            },
        ],
        'all_smtp_ports_blocked_icmp_again' => [
            'what' => 'fault upstream_prohibited, diagnosed twice in a row (routers rate-limit ICMP)',
            'config' => cfg(), 'faults' => ['upstream_prohibited'], 'phase' => 'serial', 'settle' => 8, 'phpmailer' => false,
            'root' => 'all_smtp_ports_blocked',
            'run' => function (array $sc, callable $diagnose) {
                $first = $diagnose($sc);
                check($first['root_cause'] === 'all_smtp_ports_blocked', 'first run: all_smtp_ports_blocked', $first['root_cause']);
                // "Run again" at once, as a user does: the routers' ICMP rate
                // limit now swallows some answers; nothing about the path changed.
                return $diagnose($sc);
            },
            'check' => function (array $r) {
                foreach ($r['probe']['ports'] as $p) check(!in_array($p['state'], ['open', 'blocked_local'], true), "second run: {$p['address']}:{$p['port']} not reported open or blocked on this host", [$p['state'], $p['errno'], $p['blocked_at']]);
            },
        ],
        'port_refused' => [
            'what' => 'script.lab.test:2525 (closed: RST), encryption none',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2525, 'encryption' => 'none', 'auto_tls' => true, 'auth' => null]),
            'root' => 'port_refused',
            'check' => function (array $r) {
                $f = $r['findings'][0];
                check(($f['evidence']['port'] ?? null) === 2525 && ($f['evidence']['errno'] ?? null) === 'ECONNREFUSED', 'evidence: port 2525 ECONNREFUSED', $f['evidence']);
                foreach (ports($r, 2525) as $p) check($p['state'] === 'refused' && $p['blocked_at'] === null, "{$p['address']}:2525 refused by the server itself", [$p['state'], $p['blocked_at']]);
                check(str_contains($f['fix'], 'Port 587 is open'), 'the fix names an open port', $f['fix']);
            },
        ],
        'host_unreachable' => [
            'what' => '198.51.100.99 (nothing there: the last router answers ICMP host unreachable)',
            'config' => cfg(['host' => '198.51.100.99', 'verify_peer' => false, 'auth' => null, 'encryption' => 'none']),
            'options' => ['timeout' => 8.0, 'connect_timeout' => 5.0], 'root' => 'host_unreachable',
            'check' => function (array $r) {
                foreach ($r['probe']['ports'] as $p) check($p['state'] !== 'open', "{$p['address']}:{$p['port']} not reported open (no host answers)", [$p['state'], $p['errno'], $p['icmp'], $p['smtp']['error'] ?? null]);
                check($r['ok'] === false, 'not reported as healthy');
            },
        ],
        'port_blocked_local' => [
            'what' => 'fault local_drop_465 (client drops its SYNs to 465), port 465 SSL',
            'config' => cfg(['port' => 465, 'encryption' => 'tls']), 'faults' => ['local_drop_465'], 'phase' => 'serial', 'settle' => 6,
            'root' => 'port_blocked_local',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['port'] ?? null) === 465 && ($ev['blocked_at_hop'] ?? null) === 0 && ($ev['blocked_at_local'] ?? null) === true, 'evidence: port 465 blocked at hop 0 (this host)', $ev);
                check(($ev['blocked_at_address'] ?? null) === ME4, 'evidence names this host\'s address', $ev['blocked_at_address'] ?? null);
                foreach ([MAIL4, MAIL6] as $ad) check(port($r, $ad, 587)['state'] === 'open', "$ad:587 still open");
                check(str_contains($r['findings'][0]['fix'], 'Port 587 is open'), 'the fix names the working alternative', $r['findings'][0]['fix']);
            },
        ],
        'port_blocked_local_user' => [
            'what' => 'fault user_block_587 (per-user rule for sdlab), php as sdlab',
            'config' => cfg(), 'faults' => ['user_block_587'], 'user' => 'sdlab', 'phase' => 'serial', 'settle' => 6,
            'root' => 'port_blocked_local',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['port'] ?? null) === 587 && ($ev['blocked_at_local'] ?? null) === true, 'evidence: 587 blocked on this host', $ev);
                check($r['environment']['user'] === 'sdlab', 'environment names the user (sdlab)', $r['environment']['user']);
                foreach ([25, 465] as $p) check(port($r, MAIL4, $p)['state'] === 'open', "port $p still open for sdlab");
            },
        ],
        'user_block_587_as_root' => [
            'what' => 'fault user_block_587, php as root (the rule does not match root)',
            'config' => cfg(), 'faults' => ['user_block_587'], 'phase' => 'serial', 'root' => null,
        ],
        'all_smtp_ports_blocked_user' => [
            'what' => 'fault user_block (sdlab: 25/465/587/2525 dropped), php as sdlab',
            'config' => cfg(), 'faults' => ['user_block'], 'user' => 'sdlab', 'phase' => 'serial', 'settle' => 6,
            'root' => 'all_smtp_ports_blocked',
            'check' => function (array $r) {
                foreach ($r['probe']['ports'] as $p) check($p['state'] === 'blocked_local', "{$p['address']}:{$p['port']} blocked_local", $p['state']);
                $f = finding($r, 'port_blocked_local');
                check($f !== null && ($f['evidence']['port'] ?? null) === 587 && $f['severity'] === 'critical', 'the configured port\'s port_blocked_local follows, critical', $f['evidence'] ?? null);
                check($f === null || !str_contains($f['detail'], 'other ports to the same address pass'), 'port_blocked_local does not claim other ports pass (all are blocked)', $f['detail'] ?? null);
            },
        ],
        'port_blocked_upstream' => [
            'what' => 'fault upstream_drop_587 (first router drops 587 only)',
            'config' => cfg(), 'faults' => ['upstream_drop_587'], 'phase' => 'serial', 'settle' => 6,
            'root' => 'port_blocked_upstream',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['port'] ?? null) === 587 && ($ev['blocked_at_hop'] ?? null) === 1 && ($ev['blocked_at_address'] ?? null) === R1_4 && ($ev['blocked_at_local'] ?? null) === false, 'evidence: 587 dropped after hop 1 (' . R1_4 . ')', $ev);
                foreach ([25, 465, 2525] as $p) check(port($r, MAIL4, $p)['state'] === 'open', "port $p still open");
            },
        ],
        'port_filtered' => [
            'what' => 'fault server_drop_587 (the server host itself drops 587)',
            'config' => cfg(), 'faults' => ['server_drop_587'], 'phase' => 'serial', 'settle' => 6,
            'root' => 'port_filtered',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['port'] ?? null) === 587 && ($ev['errno'] ?? null) === 'ETIMEDOUT', 'evidence: 587 ETIMEDOUT', $ev);
                // 25, 465 and 2525 of the same addresses answer, so the silence on
                // 587 is called early, and the detail says on what grounds rather
                // than claiming a kernel timeout that never came.
                $detail = $r['findings'][0]['detail'];
                check(($ev['gave_up_early'] ?? null) === true, 'evidence: given up early (the same address answered other ports)', $ev);
                check((bool) preg_match('/\d+ SYNs unanswered in \d+ ms, while the same address answered another port (within \d+ ms|in under 1 ms); not waited out/', $detail)
                    && !str_contains($detail, 'ETIMEDOUT'), 'detail gives the early verdict\'s grounds, not ETIMEDOUT', $detail);
                foreach (ports($r, 587) as $p) check($p['state'] === 'filtered', "{$p['address']}:587 filtered (not placed on this host or a router)", [$p['state'], $p['blocked_at']]);
            },
        ],
        'smtp_redirected' => [
            'what' => 'fault redirect_587 (first router DNATs 587 for mail.lab.test to script.lab.test)',
            'config' => cfg(), 'faults' => ['redirect_587'], 'phase' => 'serial', 'root' => 'smtp_redirected',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['greeting_name'] ?? null) === 'script.lab.test' && ($ev['names'] ?? null) === 'DNS:script.lab.test', 'evidence: greeting and certificate both name script.lab.test', $ev);
                check(!preg_grep('/^AUTH/i', commands($r['auth'])), 'no credentials sent to the interceptor', commands($r['auth']));
            },
        ],
        'all_smtp_ports_blocked' => [
            'what' => 'fault upstream_drop_all (first router drops 25/465/587/2525)',
            'config' => cfg(), 'faults' => ['upstream_drop_all'], 'phase' => 'serial', 'settle' => 6,
            'root' => 'all_smtp_ports_blocked',
            'check' => function (array $r) {
                check(str_contains($r['findings'][0]['detail'], '25, 465, 587, 2525'), 'the finding lists the ports tried', $r['findings'][0]['detail']);
                foreach ($r['probe']['ports'] as $p) check($p['state'] === 'blocked_upstream' && ($p['blocked_at']['hop'] ?? null) === 1, "{$p['address']}:{$p['port']} blocked_upstream at hop 1", [$p['state'], $p['blocked_at']]);
            },
        ],
        'ipv6_unreachable' => [
            'what' => 'fault ipv6_blackhole (first router drops all IPv6)',
            'config' => cfg(), 'faults' => ['ipv6_blackhole'], 'phase' => 'serial', 'settle' => 6,
            'root' => 'ipv6_unreachable',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['ipv4_address'] ?? null) === MAIL4 && ($ev['ipv6_addresses'] ?? null) === MAIL6, 'evidence: IPv4 works, IPv6 fails', $ev);
                check(port($r, MAIL4, 587)['state'] === 'open' && port($r, MAIL6, 587)['state'] !== 'open', '587: v4 open, v6 not', [port($r, MAIL4, 587)['state'], port($r, MAIL6, 587)['state']]);
                check(str_contains($r['findings'][0]['fix'], MAIL4), 'the fix offers the IPv4 address', $r['findings'][0]['fix']);
            },
        ],
        'concurrency' => [
            'what' => 'fault upstream_drop_all, connect_timeout 5 s: every port at once',
            'config' => cfg(), 'options' => ['timeout' => 10.0, 'connect_timeout' => 5.0], 'faults' => ['upstream_drop_all'],
            'phase' => 'serial', 'settle' => 2, 'phpmailer' => false, 'root' => 'all_smtp_ports_blocked',
            'check' => function (array $r, float $elapsed) {
                $n = count($r['probe']['ports']) + 1;
                check($elapsed < 6.0, sprintf('returned in %.2f s, under 6 s (one after another, %d connects x 5 s = %d s)', $elapsed, $n, 5 * $n), $elapsed);
            },
        ],

        // ---------------------------------------------------------------- encryption
        'encryption_expects_starttls' => [
            'what' => 'mail.lab.test:587 with encryption SSL (implicit TLS)',
            'config' => cfg(['encryption' => 'tls']), 'root' => 'encryption_expects_starttls',
            'check' => function (array $r) {
                check(($r['findings'][0]['evidence']['port'] ?? null) === 587, 'evidence: port 587', $r['findings'][0]['evidence']);
                check(str_contains($r['findings'][0]['fix'], 'STARTTLS'), 'the fix says STARTTLS', $r['findings'][0]['fix']);
                check(!preg_grep('/^AUTH/i', commands($r['auth'])), 'no credentials sent');
            },
        ],
        'encryption_expects_implicit_tls' => [
            'what' => 'mail.lab.test:465 with encryption STARTTLS',
            'config' => cfg(['port' => 465, 'encryption' => 'starttls']), 'root' => 'encryption_expects_implicit_tls',
            'check' => function (array $r) {
                check(($r['findings'][0]['evidence']['port'] ?? null) === 465, 'evidence: port 465', $r['findings'][0]['evidence']);
                foreach ([MAIL4, MAIL6] as $ad) {
                    $t = port($r, $ad, 465)['tls'];
                    check(($t['mode'] ?? null) === 'implicit' && ($t['ok'] ?? false), "$ad:465 completes implicit TLS", $t);
                }
            },
        ],
        'encryption_expects_implicit_tls_nonstandard' => [
            'what' => 'valid.lab.test:3101 (implicit TLS on a port that is not 465) with encryption STARTTLS',
            'config' => cfg(['host' => 'valid.lab.test', 'port' => 3101, 'encryption' => 'starttls']), 'root' => 'encryption_expects_implicit_tls',
            'check' => function (array $r, float $elapsed) {
                check($elapsed < 5.0, sprintf('named when the session gave up on the greeting (connect_timeout 3 s), not at the 6 s deadline (%.2f s)', $elapsed), $elapsed);
                check(($r['findings'][0]['evidence']['port'] ?? null) === 3101, 'evidence: port 3101', $r['findings'][0]['evidence']);
                check(!in_array('smtp_greeting_timeout', [$r['root_cause']], true), 'not reported as a greeting timeout', $r['root_cause']);
                check(finding($r, 'greeting_timeout') === null, 'the missing clear-text greeting is the root cause\'s symptom, not a second finding', codes($r));
                $p = ports($r, 3101);
                check($p !== [], 'port 3101 probed', $p);
                foreach ($p as $x) {
                    check(($x['tls']['mode'] ?? null) === 'implicit' && ($x['tls']['ok'] ?? false), "{$x['address']}:3101 completes implicit TLS", $x['tls']);
                }
                check(!preg_grep('/^AUTH/i', commands($r['auth'])), 'no credentials sent', commands($r['auth']));
            },
        ],
        'starttls_unavailable' => [
            'what' => 'script.lab.test:2604 (never offers STARTTLS), encryption STARTTLS',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2604]), 'root' => 'starttls_unavailable',
            'check' => function (array $r) {
                foreach (ports($r, 2604) as $p) check(($p['smtp']['starttls'] ?? null) === false && ($p['smtp']['banner_code'] ?? null) === 220, "{$p['address']}:2604 greets, no STARTTLS in EHLO", $p['smtp']);
                check(!preg_grep('/^AUTH/i', commands($r['auth'])), 'the password was not sent in clear text', commands($r['auth']));
            },
        ],
        'tls_handshake_failed' => [
            'what' => 'script.lab.test:2607 (accepts, closes at once), encryption SSL',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2607, 'encryption' => 'tls']), 'root' => 'tls_handshake_failed',
            'check' => function (array $r) {
                check(($r['findings'][0]['evidence']['port'] ?? null) === 2607, 'evidence: port 2607', $r['findings'][0]['evidence']);
                check(str_contains($r['findings'][0]['detail'], 'implicit'), 'the detail names the TLS mode', $r['findings'][0]['detail']);
            },
        ],
        'tls_protocol_mismatch' => [
            'what' => 'tls10.lab.test:3013 (the server speaks TLS 1.0 only), STARTTLS',
            'config' => $cert('tls10', 3013), 'root' => 'tls_protocol_mismatch',
            'check' => function (array $r) {
                check(($r['certificate']['protocol'] ?? null) === 'TLSv1', 'certificate check negotiated TLSv1 (allowed for diagnosis only)', $r['certificate']['protocol'] ?? null);
                check(($r['certificate']['tls_versions'] ?? null) === ['TLSv1'], 'TLSv1 is all it speaks', $r['certificate']['tls_versions'] ?? null);
                check(($r['certificate']['php_accepts'] ?? null) === false, 'PHP would refuse it');
            },
        ],

        // ---------------------------------------------------------------- greeting / protocol
        'greeting_timeout' => [
            'what' => 'script.lab.test:2606 (accepts, never greets)',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2606]), 'root' => 'greeting_timeout',
            'check' => function (array $r, float $elapsed) {
                check($elapsed < 5.0, sprintf('named when the session gave up on the greeting (connect_timeout 3 s), not at the 6 s deadline (%.2f s)', $elapsed), $elapsed);
                foreach (ports($r, 2606) as $p) check($p['state'] === 'open' && ($p['smtp']['banner_code'] ?? null) === null, "{$p['address']}:2606 open, no greeting", [$p['state'], $p['smtp']['banner_code'] ?? null]);
                check(($r['findings'][0]['evidence']['port'] ?? null) === 2606, 'evidence: port 2606', $r['findings'][0]['evidence']);
            },
        ],
        'server_busy' => [
            'what' => 'script.lab.test:2602 (greets 421 and closes)',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2602]), 'root' => 'server_busy',
            'check' => function (array $r) {
                check(str_contains($r['findings'][0]['detail'], '421') && str_contains($r['findings'][0]['detail'], 'Service not available'), 'the detail quotes the 421 greeting', $r['findings'][0]['detail']);
            },
        ],
        'greeting_rejected' => [
            'what' => 'script.lab.test:2612 (greets 554)',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2612]), 'root' => 'greeting_rejected',
            'check' => function (array $r) {
                check(str_contains($r['findings'][0]['detail'], '554') && str_contains($r['findings'][0]['detail'], 'No SMTP service here'), 'the detail quotes the 554 greeting', $r['findings'][0]['detail']);
            },
        ],
        'smtp_protocol_error_inject' => [
            'what' => 'script.lab.test:2603 (plaintext injected after the STARTTLS reply)',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2603]), 'root' => 'smtp_protocol_error',
            'check' => function (array $r) {
                check(str_contains($r['findings'][0]['detail'], 'after the STARTTLS reply'), 'the detail says bytes came after the STARTTLS reply', $r['findings'][0]['detail']);
                $cmds = commands($r['auth']);
                $i = array_search('STARTTLS', $cmds, true);
                check($i !== false && $i === count($cmds) - 1, 'nothing was sent after STARTTLS (no command, no credentials)', $cmds);
            },
        ],
        'smtp_protocol_error_mixed' => [
            'what' => 'script.lab.test:2609 (greeting "220-a / 250-b / 220 c")',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2609]), 'root' => 'smtp_protocol_error',
            'check' => function (array $r) {
                check(str_contains($r['findings'][0]['detail'], 'mixed'), 'the detail names the mixed reply codes', $r['findings'][0]['detail']);
            },
        ],
        'connection_lost' => [
            'what' => 'script.lab.test:2607 (accepts, closes at once), STARTTLS',
            'config' => cfg(['host' => 'script.lab.test', 'port' => 2607]), 'root' => 'connection_lost',
            'check' => function (array $r) {
                check(($r['findings'][0]['evidence']['stage'] ?? null) === 'banner', 'evidence: lost while waiting for the greeting', $r['findings'][0]['evidence']);
            },
        ],

        // ---------------------------------------------------------------- certificates
        'cert_expired' => [
            'what' => 'expired.lab.test:3002 (expired 5 days ago), STARTTLS',
            'config' => $cert('expired', 3002), 'root' => 'cert_expired',
            'check' => function (array $r) use ($certCheck) {
                $certCheck('expired')($r);
                check(($r['findings'][0]['evidence']['days_left'] ?? 0) < 0, 'evidence: days_left negative', $r['findings'][0]['evidence']['days_left'] ?? null);
            },
        ],
        'cert_not_yet_valid' => [
            'what' => 'notyet.lab.test:3003 (valid from now + 5 days)',
            'config' => $cert('notyet', 3003), 'root' => 'cert_not_yet_valid',
            'check' => $certCheck('not_yet_valid'),
        ],
        'cert_hostname_mismatch' => [
            'what' => 'wrongname.lab.test:3005 (certificate for other.lab.test)',
            'config' => $cert('wrongname', 3005), 'root' => 'cert_hostname_mismatch',
            'check' => function (array $r) use ($certCheck) {
                $certCheck('hostname_mismatch')($r);
                check(($r['findings'][0]['evidence']['names'] ?? null) === 'DNS:other.lab.test', 'evidence: the names the certificate covers', $r['findings'][0]['evidence']['names'] ?? null);
            },
        ],
        'cert_self_signed' => [
            'what' => 'selfsigned.lab.test:3009 (self-signed, sent alone)',
            'config' => $cert('selfsigned', 3009), 'root' => 'cert_self_signed',
            'check' => $certCheck('self_signed'),
        ],
        'cert_untrusted' => [
            'what' => 'valid.lab.test:3001, neither the system store nor PHP\'s CA has the lab root',
            'config' => $cert('valid', 3001), 'store' => 'system', 'options' => ['ca_file' => SYSTEM_CA], 'root' => 'cert_untrusted',
            'check' => function (array $r) use ($certCheck) {
                $certCheck('untrusted')($r);
                check(($r['certificate']['verified'] ?? null) === false, 'the system store does not verify it either (not a stale bundle)');
            },
        ],
        'cert_incomplete_chain' => [
            'what' => 'noint.lab.test:3010 (intermediate not sent)',
            'config' => $cert('noint', 3010), 'root' => 'cert_incomplete_chain',
            'check' => function (array $r) use ($certCheck) {
                $certCheck('incomplete_chain')($r);
                // The intermediate its AIA names was fetched, and completes the chain.
                check(($r['certificate']['intermediate']['verifies'] ?? null) === true, 'the chain verifies with the published intermediate', $r['certificate']['intermediate'] ?? null);
                check(str_contains($r['findings'][0]['detail'], 'it completes the chain'), 'the root cause says so', $r['findings'][0]['detail']);
            },
        ],
        'cert_followups_in_diagnose_many' => [
            'what' => 'smtpdiag_diagnose_many: noint.lab.test:3010 (intermediate not sent) and tls10.lab.test:3013 (TLS 1.0 only) in one batch',
            'config' => $cert('noint', 3010), 'root' => 'cert_incomplete_chain', 'phpmailer' => false,
            'run' => function (array $sc) use ($cert) {
                // The certificate's follow-ups (the published intermediate
                // fetched, the old versions tried) run in a batch too, on the
                // batch's loop: the same answers as one diagnose gives.
                $o = options($sc);
                $t = microtime(true);
                [$noint, $tls10] = smtpdiag_diagnose_many([$sc['config'], $cert('tls10', 3013)], $o);
                $took = microtime(true) - $t;
                check($took <= $o['timeout'] + 0.25, sprintf('the batch returned within timeout + 250 ms (%.2f s)', $took), $took);
                check($tls10['root_cause'] === 'tls_protocol_mismatch', 'tls10: tls_protocol_mismatch', $tls10['root_cause']);
                check(($tls10['certificate']['tls_versions'] ?? null) === ['TLSv1'], 'tls10: the versions it speaks were tried (TLSv1 only)', $tls10['certificate']['tls_versions'] ?? null);
                return $noint;
            },
            'check' => function (array $r) {
                check(($r['certificate']['intermediate']['fetched'] ?? null) === true, 'noint: the intermediate its AIA names was fetched', $r['certificate']['intermediate'] ?? null);
                check(($r['certificate']['intermediate']['verifies'] ?? null) === true, 'noint: and completes the chain', $r['certificate']['intermediate'] ?? null);
                check(str_contains($r['findings'][0]['detail'], 'it completes the chain'), 'noint: the root cause says so', $r['findings'][0]['detail']);
            },
        ],
        'ca_bundle_stale' => [
            'what' => 'valid.lab.test:3001, system store has the lab root, PHP\'s CA (ca_file) is Debian\'s bundle',
            'config' => $cert('valid', 3001), 'options' => ['ca_file' => SYSTEM_CA], 'root' => 'ca_bundle_stale',
            'check' => function (array $r) {
                $c = $r['certificate'];
                check(($c['verified'] ?? null) === true && ($c['php_verified'] ?? null) === false, 'verified by the system store, not by PHP\'s bundle', [$c['verified'] ?? null, $c['php_verified'] ?? null]);
                check(($r['findings'][0]['evidence']['php_ca'] ?? null) === SYSTEM_CA, 'evidence names PHP\'s CA file', $r['findings'][0]['evidence']['php_ca'] ?? null);
                check(finding($r, 'cert_untrusted') === null, 'not reported as cert_untrusted', codes($r));
            },
        ],
        'cert_weak_key' => [
            'what' => 'rsa1024.lab.test:3111 (RSA 1024), implicit TLS',
            'config' => $cert('rsa1024', 3111, ['encryption' => 'tls']), 'root' => 'cert_weak_key',
            'check' => fn(array $r) => check(str_contains($r['findings'][0]['detail'], '1024'), 'the detail names the key size', $r['findings'][0]['detail']),
        ],
        'cert_weak_signature' => [
            'what' => 'sha1.lab.test:3012 (SHA-1 signature)',
            'config' => $cert('sha1', 3012), 'root' => 'cert_weak_signature',
            'check' => fn(array $r) => check(str_contains($r['findings'][0]['detail'], 'sha1'), 'the detail names the signature', $r['findings'][0]['detail']),
        ],

        // ---------------------------------------------------------------- AUTH
        'auth_failed' => [
            'what' => 'mail.lab.test:587, wrong password',
            'config' => cfg(['auth' => ['username' => USER, 'password' => WRONG_PASSWORD]]), 'root' => 'auth_failed',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['reply_code'] ?? null) === 535 && ($ev['stage'] ?? null) === 'auth', 'evidence: 535 at AUTH', $ev);
                check(($r['auth']['tls']['verified'] ?? false) === true, 'credentials went over verified TLS');
            },
        ],
        'auth_requires_tls' => [
            'what' => 'mail.lab.test:2525 (no TLS, no AUTH), encryption none, credentials set',
            'config' => cfg(['port' => 2525, 'encryption' => 'none', 'auto_tls' => true]), 'root' => 'auth_requires_tls',
            'check' => function (array $r) {
                check(!preg_grep('/^AUTH/i', commands($r['auth'])), 'no AUTH command was sent in clear text', commands($r['auth']));
                check(str_contains($r['findings'][0]['fix'], 'STARTTLS'), 'the fix says to use STARTTLS/SSL', $r['findings'][0]['fix']);
            },
        ],
        'auth_not_offered' => [
            'what' => 'mail.lab.test:25 STARTTLS (no AUTH on port 25), credentials set',
            'config' => cfg(['port' => 25]), 'root' => 'auth_not_offered',
            'check' => function (array $r) {
                check(($r['auth']['tls']['verified'] ?? false) === true && !preg_grep('/^AUTH/i', commands($r['auth'])), 'TLS done, no AUTH attempted', commands($r['auth']));
            },
        ],

        'auth_mechanism_unsupported' => [
            'what' => 'mail.lab.test:587 with XOAUTH2 (the server offers PLAIN LOGIN)',
            'config' => cfg(['auth' => ['username' => USER, 'token' => 'ya29.lab-token', 'mechanism' => 'xoauth2']]), 'root' => 'auth_mechanism_unsupported',
            'check' => function (array $r) {
                check(str_contains($r['findings'][0]['detail'], 'PLAIN LOGIN'), 'the detail lists what the server offers', $r['findings'][0]['detail']);
            },
        ],

        // ---------------------------------------------------------------- the message
        'relay_denied' => [
            'what' => 'mail.lab.test:2526 without AUTH, send to someone@example.test',
            'config' => cfg(['port' => 2526, 'auth' => null, 'from' => 'bob@ok.lab.test']),
            'options' => ['send' => ['from' => 'bob@ok.lab.test', 'to' => 'someone@example.test']], 'root' => 'relay_denied',
            'check' => function (array $r) {
                check(($r['send']['stage'] ?? null) === 'rcpt_to' && ($r['send']['reply']['code'] ?? null) === 554, 'send: 554 at RCPT TO', [$r['send']['stage'] ?? null, $r['send']['reply'] ?? null]);
                check(str_contains($r['findings'][0]['detail'], 'Relay access denied'), 'the detail quotes the reply', $r['findings'][0]['detail']);
            },
        ],
        'sender_rejected' => [
            'what' => 'mail.lab.test:2527 (sender must be the login; smtpd_delay_reject=no), From alice@lab.test',
            'config' => cfg(['port' => 2527]),
            'options' => ['send' => ['from' => 'alice@lab.test', 'to' => 'user@lab.test']], 'root' => 'sender_rejected',
            'check' => function (array $r) {
                check(($r['send']['stage'] ?? null) === 'mail_from' && ($r['send']['reply']['code'] ?? null) === 553, 'send: 553 at MAIL FROM', [$r['send']['stage'] ?? null, $r['send']['reply'] ?? null]);
            },
        ],
        'sender_rejected_at_rcpt' => [
            'what' => 'mail.lab.test:2526 (the same policy, Postfix\'s default smtpd_delay_reject=yes: refused at RCPT TO)',
            'config' => cfg(['port' => 2526]),
            'options' => ['send' => ['from' => 'alice@lab.test', 'to' => 'user@lab.test']], 'root' => 'sender_rejected',
            'check' => function (array $r) {
                check(($r['send']['stage'] ?? null) === 'rcpt_to' && str_contains($r['send']['reply']['text'] ?? '', 'Sender address rejected'), 'send: "Sender address rejected" answered at RCPT TO', $r['send']['reply'] ?? null);
                check(finding($r, 'relay_denied') === null, 'not reported as relay_denied', codes($r));
            },
        ],
        'recipient_rejected' => [
            'what' => 'mail.lab.test:2526, send to nobody@lab.test (550 5.1.1)',
            'config' => cfg(['port' => 2526]),
            'options' => ['send' => ['from' => 'user@lab.test', 'to' => 'nobody@lab.test']], 'root' => 'recipient_rejected',
            'check' => function (array $r) {
                check(($r['send']['reply']['code'] ?? null) === 550 && ($r['send']['reply']['enhanced'] ?? null) === '5.1.1', 'send: 550 5.1.1', $r['send']['reply'] ?? null);
                check(str_contains($r['findings'][0]['detail'], 'nobody@lab.test'), 'the detail names the recipient', $r['findings'][0]['detail']);
            },
        ],

        'message_too_big' => [
            'what' => 'mail.lab.test:587, a 10.4 MB message (Postfix message_size_limit 10240000)',
            'config' => cfg(), 'options' => ['send' => ['from' => 'user@lab.test', 'to' => 'user@lab.test']], 'big_body' => true,
            'root' => 'message_rejected',
            'check' => function (array $r) {
                check(($r['send']['reply']['code'] ?? null) === 552 && str_contains($r['send']['reply']['text'] ?? '', 'size'), 'send: 552 message size exceeds the limit', $r['send']['reply'] ?? null);
                check(finding($r, 'sender_rejected') === null, 'not reported as a refused sender', codes($r));
            },
        ],

        // ---------------------------------------------------------------- domain / PHP
        'spf_fail' => [
            'what' => 'the healthy path, From user@lab.test (SPF "ip4:192.0.2.10 -all" lacks the relay)',
            'config' => cfg(['from' => 'user@lab.test']), 'root' => 'spf_fail',
            'check' => function (array $r) {
                $ev = $r['findings'][0]['evidence'];
                check(($ev['domain'] ?? null) === 'lab.test' && ($ev['result'] ?? null) === 'fail' && in_array($ev['ip'] ?? null, [MAIL4, MAIL6], true), 'evidence: lab.test fails for the relay\'s address', $ev);
                check(str_contains($r['findings'][0]['fix'], 'ip4:' . MAIL4) || str_contains($r['findings'][0]['fix'], MAIL4), 'the fix names the address to add', $r['findings'][0]['fix']);
                check($r['auth']['ok'] === true, 'the session itself works (mail leaves, then fails SPF)');
            },
        ],
        'spf_permerror' => [
            'what' => 'the healthy path, From user@permerror.lab.test (SPF with a typo: "includes:")',
            'config' => cfg(['from' => 'user@permerror.lab.test']), 'root' => 'spf_permerror',
            'check' => fn(array $r) => check(str_contains($r['findings'][0]['detail'], 'includes'), 'the detail names the bad term', $r['findings'][0]['detail']),
        ],
        'spf_too_many_lookups' => [
            'what' => 'the healthy path, From user@lookups.lab.test (SPF needs 11 DNS lookups)',
            'config' => cfg(['from' => 'user@lookups.lab.test']), 'root' => 'spf_too_many_lookups',
            'check' => fn(array $r) => check(($r['domain']['spf']['result'] ?? null) === 'permerror', 'domain: SPF permerror', $r['domain']['spf']['result'] ?? null),
        ],
        'dmarc_misaligned' => [
            'what' => 'the healthy path, From user@reject.lab.test (DMARC p=reject, no SPF, no DKIM)',
            'config' => cfg(['from' => 'user@reject.lab.test']), 'root' => 'dmarc_misaligned',
            'check' => fn(array $r) => check(($r['findings'][0]['evidence']['policy'] ?? null) === 'reject', 'evidence: policy reject', $r['findings'][0]['evidence']),
        ],
        'php_function_disabled' => [
            'what' => 'php -d disable_functions=stream_socket_client,fsockopen',
            'config' => cfg(), 'ini' => ['disable_functions' => 'stream_socket_client,fsockopen'], 'root' => 'php_function_disabled',
            'check' => function (array $r) {
                check($r['environment']['disabled_functions'] === ['stream_socket_client', 'fsockopen'], 'environment lists the disabled functions', $r['environment']['disabled_functions']);
            },
        ],
        'php_stream_socket_client_disabled' => [
            'what' => 'php -d disable_functions=stream_socket_client (PHPMailer falls back to fsockopen)',
            'config' => cfg(), 'ini' => ['disable_functions' => 'stream_socket_client'], 'root' => null,
            'check' => function (array $r) {
                check($r['environment']['disabled_functions'] === ['stream_socket_client'], 'environment lists the disabled function', $r['environment']['disabled_functions']);
            },
        ],
    ];
}

function scenario(string $name): array {
    $all = scenarios();
    if (!isset($all[$name])) {
        fwrite(STDERR, "unknown scenario $name\n");
        exit(2);
    }
    $sc = $all[$name] + ['faults' => [], 'user' => null, 'store' => 'lab', 'ini' => [], 'phase' => 'parallel',
        'settle' => 0, 'phpmailer' => true, 'options' => [], 'check' => null, 'run' => null, 'big_body' => false];
    // 10400 lines of 998 bytes: over Postfix's message_size_limit (10240000).
    if ($sc['big_body']) $sc['options']['send']['body'] = str_repeat(str_repeat('x', 998) . "\n", 10400);
    return $sc;
}

function options(array $sc): array {
    global $labDir;
    return array_replace(['timeout' => 6.0, 'connect_timeout' => 3.0, 'ca_file' => "$labDir/certs/root.pem",
        'ehlo_name' => EHLO, 'api_hosts' => [], 'dkim_selectors' => ['lab']], $sc['options']);
}

function oneline(string $s): string {
    return trim(preg_replace('/\s+/', ' ', $s));
}

// ---------------------------------------------------------------------------

if ($mode === 'list') {
    foreach (array_keys(scenarios()) as $name) {
        $sc = scenario($name);
        $ini = implode(';', array_map(fn($k, $v) => "$k=$v", array_keys($sc['ini']), $sc['ini']));
        echo implode('|', [$name, $sc['phase'], implode(',', $sc['faults']), $sc['user'] ?? '', $sc['store'], $ini,
            $sc['settle'], $sc['phpmailer'] ? 1 : 0]), "\n";
    }
    exit(0);
}

if ($mode === 'describe' || $mode === 'cafile') {
    $sc = scenario($case);
    echo $mode === 'describe' ? $sc['what'] : options($sc)['ca_file'], "\n";
    exit(0);
}

if ($mode === 'run') {
    if (!function_exists('smtpdiag_diagnose')) {
        echo "not ok - $case: the smtpdiag extension is not loaded\n";
        exit(1);
    }
    $sc = scenario($case);
    $elapsed = 0.0;
    $diagnose = function (array $sc) use (&$elapsed): array {
        $o = options($sc);
        $t = microtime(true);
        $r = smtpdiag_diagnose($sc['config'], $o);
        $elapsed = microtime(true) - $t;
        check($elapsed <= $o['timeout'] + 0.25, sprintf('returned within timeout + 250 ms (%.2f s of %.1f s)', $elapsed, $o['timeout']), $elapsed);
        return $r;
    };
    $r = $sc['run'] ? ($sc['run'])($sc, $diagnose) : $diagnose($sc);
    $o = options($sc);

    // The shape, the root cause and the order of the findings.
    check(array_keys($r) === ['ok', 'root_cause', 'findings', 'probe', 'certificate', 'domain', 'auth', 'send', 'environment', 'https', 'elapsed_ms'],
        'result keys', array_keys($r));
    check($r['root_cause'] === $sc['root'], 'root_cause ' . json_encode($sc['root']), $r['root_cause']);
    check($r['ok'] === ($sc['root'] === null), 'ok is ' . var_export($sc['root'] === null, true), $r['ok']);
    check($r['elapsed_ms'] <= ($o['timeout'] + 0.25) * 1000, 'elapsed_ms within the deadline', $r['elapsed_ms']);
    $rank = ['critical' => 0, 'warning' => 1, 'info' => 2, 'ok' => 3];
    if ($sc['root'] !== null) {
        $first = $r['findings'][0] ?? null;
        check(($first['code'] ?? null) === $r['root_cause'] && ($first['severity'] ?? null) === 'critical', 'the root cause is the first finding, critical', $first === null ? null : [$first['code'], $first['severity']]);
        check(finding($r, 'smtp_ok') === null, 'no smtp_ok finding when something is wrong', codes($r));
    } else {
        $bad = array_values(array_filter($r['findings'], fn($f) => !in_array($f['severity'], ['ok', 'info'], true)));
        check($bad === [], 'healthy: findings are ok/info only', array_map(fn($f) => $f['code'] . ':' . $f['severity'], $bad));
        check(count(array_filter($r['findings'], fn($f) => $f['code'] === 'smtp_ok')) === 1, 'healthy: one smtp_ok finding', codes($r));
        check(($r['auth']['ok'] ?? null) === true && ($r['auth']['stage'] ?? null) === 'done', 'healthy: the configured session is ok, stage done (with or without credentials)', [$r['auth']['ok'] ?? null, $r['auth']['stage'] ?? null]);
    }
    // One fact, one finding: the probe (every address) and the session (one)
    // do not both report the same code for the configured port.
    $cport = $sc['config']['port'] ?? null;
    $perPort = array_count_values(array_map(fn($f) => $f['code'],
        array_filter($r['findings'], fn($f) => ($f['evidence']['port'] ?? null) === $cport)));
    check(array_filter($perPort, fn($n) => $n > 1) === [], 'no finding code twice for the configured port', $perPort);
    $sev = array_map(fn($f) => $rank[$f['severity']] ?? 9, array_slice($r['findings'], 1));
    $sorted = $sev;
    sort($sorted);
    check($sev === $sorted, 'findings after the root cause are most severe first', array_map(fn($f) => $f['code'] . ':' . $f['severity'], $r['findings']));
    $well = true;
    $holes = [];
    foreach (all_findings($r) as $where => $f) {
        $well = $well && is_string($f['code']) && $f['title'] !== '' && $f['detail'] !== '' && $f['fix'] !== '' && is_array($f['evidence']);
        foreach (['title', 'detail', 'fix'] as $k) {
            if (preg_match('/ \(\)|\{[a-z_]+\}|\bhop \?/', (string)$f[$k])) $holes[] = "$where {$f['code']}.$k: {$f[$k]}";
        }
    }
    check($well, 'every finding has a title, detail, fix and evidence (top level and the parts\' own)');
    check($holes === [], 'no finding text with an unfilled placeholder (top level and the parts\' own)', $holes);
    $pw = $sc['config']['auth']['password'] ?? $sc['config']['auth']['token'] ?? null;
    if ($pw !== null) check(!str_contains(json_encode($r, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR), $pw), 'the password (or token) appears nowhere in the result');
    if ($sc['check']) ($sc['check'])($r, $elapsed);

    printf("# matrix %s\t%s\t%.2f\n", $case, $r['root_cause'] ?? 'null', $elapsed);
    exit($failures ? 1 : 0);
}

if ($mode === 'phpmailer') {
    // PHPMailer as WordPress uses it: isSMTP() with the plugin's settings,
    // SMTPAutoTLS left at its default (true), exceptions on, Timeout 10 s;
    // PHP's CA is openssl.cafile (the runner passes the scenario's ca_file).
    require PHPMAILER;
    $sc = scenario($case);
    $c = $sc['config'];
    $port = $c['port'] ?? 587;
    $enc = $c['encryption'] ?? ($port === 465 ? 'tls' : 'starttls');
    $m = new PHPMailer\PHPMailer\PHPMailer(true);
    $m->isSMTP();
    $m->Host = $c['host'];
    $m->Port = $port;
    $m->SMTPSecure = ['none' => '', 'starttls' => 'tls', 'tls' => 'ssl'][$enc];
    $m->Timeout = 10;
    if (isset($c['auth'])) {
        $m->SMTPAuth = true;
        $m->Username = $c['auth']['username'];
        $m->Password = $c['auth']['password'] ?? $c['auth']['token'];
        // XOAUTH2 in PHPMailer needs an OAuth token provider object; a plugin
        // that sets AuthType without one gets "Could not authenticate".
        if (($c['auth']['mechanism'] ?? 'auto') === 'xoauth2') $m->AuthType = 'XOAUTH2';
    }
    $send = $sc['options']['send'] ?? [];
    $t = microtime(true);
    try {
        $m->setFrom($send['from'] ?? $c['from'] ?? 'user@ok.lab.test');
        $m->addAddress($send['to'] ?? 'matrix@lab.test');
        $m->Subject = "smtpdiag matrix: $case";
        $m->Body = $send['body'] ?? "PHPMailer comparison run of the smtpdiag lab matrix.\n";
        $m->addCustomHeader('X-Smtpdiag-Matrix', $case);
        $m->send();
        $msg = 'sent';
    } catch (Throwable $e) {
        $msg = $m->ErrorInfo !== '' ? $m->ErrorInfo : $e->getMessage();
    }
    printf("# phpmailer %s\t%s\t%.2f\n", $case, oneline($msg), microtime(true) - $t);
    exit(0);
}

fwrite(STDERR, "usage: diagnose_cases.php list | run NAME | phpmailer NAME | describe NAME | cafile NAME\n");
exit(2);
