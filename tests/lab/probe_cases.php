<?php
/*
 * Fault-lab assertions for smtpdiag_probe(): run inside sd-client by
 * tests/lab/run-probe-faults.sh after it applied the case's fault.
 *
 *   php -d extension=... probe_cases.php CASE
 *
 * Prints one "ok - ..." / "not ok - ..." line per assertion and exits 1 on
 * any failure. Every call must also return within its timeout + 250 ms.
 */
declare(strict_types=1);

$case = $argv[1] ?? '';
$failures = 0;

function check(bool $cond, string $what, $got = null): void {
    global $failures, $case;
    if ($cond) {
        echo "ok - $case: $what\n";
    } else {
        $failures++;
        echo "not ok - $case: $what", $got !== null ? ' (got ' . json_encode($got, JSON_UNESCAPED_SLASHES) . ')' : '', "\n";
    }
}

function probe(string $host, array $opts = []): array {
    $opts += ['timeout' => 8.0];
    $t = microtime(true);
    $r = smtpdiag_probe($host, $opts);
    $elapsed = microtime(true) - $t;
    check($elapsed <= $opts['timeout'] + 0.25, sprintf('returned within timeout + 250 ms (%.2f s)', $elapsed), $elapsed);
    return $r;
}

function port(array $r, string $address, int $port): array {
    foreach ($r['ports'] as $p) {
        if ($p['address'] === $address && $p['port'] === $port) return $p;
    }
    return ['state' => 'missing', 'blocked_at' => null, 'icmp' => null, 'errno' => null, 'smtp' => null];
}

function codes(array $r): array { return array_column($r['findings'], 'code'); }

function evidence(array $r, string $code): array {
    foreach ($r['findings'] as $f) {
        if ($f['code'] === $code) return $f['evidence'];
    }
    return [];
}

/*
 * The early verdict (ext/net/reach_board.h): with a 10 s connect timeout, a
 * silent port whose host answered elsewhere is called dropped after its SYN
 * went unanswered twice, seconds before the timeout, with the same answer
 * and evidence saying so; with early_verdict off the timeout is waited out.
 */
function early_verdict_checks(string $code, float $within, callable $same, array $ports): void {
    $t = microtime(true);
    $r = probe('mail.lab.test', ['timeout' => 12.0, 'connect_timeout' => 10.0]);
    $took = microtime(true) - $t;
    check($took < $within, sprintf('connect_timeout 10 s: answered in %.2f s, under %.1f s (early verdict)', $took, $within), $took);
    check($same($r), 'the early answer is the same answer');
    $ev = evidence($r, $code);
    check(($ev['gave_up_early'] ?? null) === true && ($ev['syns_unanswered'] ?? 0) >= 2,
        "$code evidence: given up early after at least 2 unanswered SYNs", $ev);

    $t = microtime(true);
    $r = probe('mail.lab.test', ['ports' => $ports, 'timeout' => 6.0, 'connect_timeout' => 4.0, 'early_verdict' => false]);
    $took = microtime(true) - $t;
    check($took >= 4.0, sprintf('early_verdict false: the whole 4 s connect timeout is waited (%.2f s)', $took), $took);
    check($same($r), 'early_verdict false: the same answer');
    check(!array_key_exists('gave_up_early', evidence($r, $code)), "early_verdict false: $code not marked early", evidence($r, $code));
}

const V4 = '198.51.100.25';
const V6 = '2001:db8:2::25';
const R1 = ['192.0.2.1', '2001:db8:1::1'];
const R2 = ['203.0.113.2', '2001:db8:3::2'];
const ME = ['192.0.2.10', '2001:db8:1::10'];

switch ($case) {
    case 'healthy':
        $r = probe('mail.lab.test');
        check($r['dns']['status'] === 'ok', 'DNS ok', $r['dns']);
        check(count($r['addresses']) === 2, 'both an A and an AAAA address', $r['addresses']);
        foreach ([V4, V6] as $a) {
            foreach ([25, 465, 587, 2525] as $port) {
                $p = port($r, $a, $port);
                check($p['state'] === 'open' && $p['smtp']['banner_code'] === 220, "$a:$port open with a 220 greeting", $p['state']);
            }
            check(port($r, $a, 587)['tls']['ok'] === true && port($r, $a, 587)['tls']['mode'] === 'starttls', "$a:587 STARTTLS handshake");
            check(port($r, $a, 465)['tls']['mode'] === 'implicit' && port($r, $a, 465)['tls']['ok'], "$a:465 implicit TLS");
            check(in_array('PLAIN', port($r, $a, 587)['smtp']['auth'], true), "$a:587 AUTH learned after TLS", port($r, $a, 587)['smtp']['auth']);
        }
        check(!array_intersect(codes($r), ['port_filtered', 'port_blocked_local', 'port_blocked_upstream', 'all_smtp_ports_blocked']), 'no blocking finding', codes($r));
        break;

    case 'local_drop_465':
        $r = probe('mail.lab.test');
        foreach ([V4, V6] as $i => $a) {
            $p = port($r, $a, 465);
            check($p['state'] === 'blocked_local', "$a:465 blocked_local", $p['state']);
            check($p['errno'] === 'ETIMEDOUT', "$a:465 errno ETIMEDOUT", $p['errno']);
            check(($p['blocked_at']['hop'] ?? null) === 0 && ($p['blocked_at']['local'] ?? null) === true, "$a:465 blocked_at hop 0, local", $p['blocked_at']);
            check(($p['blocked_at']['address'] ?? null) === ME[$i], "$a:465 blocked_at names this host's address", $p['blocked_at']);
            check(port($r, $a, 587)['state'] === 'open', "$a:587 still open");
        }
        check(in_array('port_blocked_local', codes($r), true), 'finding port_blocked_local', codes($r));
        $f = array_values(array_filter($r['findings'], fn($f) => $f['code'] === 'port_blocked_local'))[0] ?? null;
        check($f !== null && str_contains($f['fix'], 'Port 587 is open'), 'the fix names the working alternative', $f['fix'] ?? null);
        early_verdict_checks('port_blocked_local', 4.0, fn(array $r) => port($r, V4, 465)['state'] === 'blocked_local'
            && port($r, V6, 465)['state'] === 'blocked_local' && port($r, V4, 587)['state'] === 'open', [465, 587]);
        break;

    case 'local_reject_587':
        $r = probe('mail.lab.test');
        foreach ([V4, V6] as $i => $a) {
            $p = port($r, $a, 587);
            check($p['state'] === 'blocked_local', "$a:587 blocked_local", $p['state']);
            check(($p['icmp']['from'] ?? null) !== null, "$a:587 ICMP error recorded", $p['icmp']);
            check(($p['blocked_at']['local'] ?? null) === true, "$a:587 blocked_at local", $p['blocked_at']);
        }
        break;

    case 'local_reset_587':
        $r = probe('mail.lab.test');
        foreach ([V4, V6] as $a) {
            $p = port($r, $a, 587);
            check($p['errno'] === 'ECONNREFUSED', "$a:587 ECONNREFUSED", $p['errno']);
            check($p['state'] === 'blocked_local', "$a:587 RST forged on this host -> blocked_local", $p['state']);
            check(($p['blocked_at']['hop'] ?? null) === 0, "$a:587 blocked_at hop 0", $p['blocked_at']);
        }
        break;

    case 'user_block':
        // Run as the unprivileged user: every SMTP port is dropped for it.
        $r = probe('mail.lab.test');
        foreach ([V4, V6] as $a) {
            foreach ([25, 465, 587, 2525] as $port) {
                $p = port($r, $a, $port);
                check($p['state'] === 'blocked_local' && ($p['blocked_at']['local'] ?? false), "$a:$port blocked_local for this user", [$p['state'], $p['blocked_at']]);
            }
        }
        check(in_array('all_smtp_ports_blocked', codes($r), true), 'all_smtp_ports_blocked', codes($r));
        break;

    case 'user_block_root':
        // Same rule, but root is not matched by it.
        $r = probe('mail.lab.test', ['ports' => [25, 587]]);
        check(port($r, V4, 587)['state'] === 'open', 'root is not blocked by the per-user rule', port($r, V4, 587)['state']);
        break;

    case 'upstream_drop_all':
        $r = probe('mail.lab.test');
        foreach ([V4, V6] as $i => $a) {
            foreach ([25, 465, 587, 2525] as $port) {
                $p = port($r, $a, $port);
                check($p['state'] === 'blocked_upstream', "$a:$port blocked_upstream", $p['state']);
                check(($p['blocked_at']['hop'] ?? null) === 1 && ($p['blocked_at']['address'] ?? null) === R1[$i] && $p['blocked_at']['local'] === false,
                    "$a:$port blocked_at hop 1 (" . R1[$i] . ")", $p['blocked_at']);
            }
        }
        check(codes($r)[0] === 'all_smtp_ports_blocked', 'all_smtp_ports_blocked ranks first', codes($r));
        // Port 443 of the same addresses answers: the SMTP ports' silence is a drop.
        early_verdict_checks('port_blocked_upstream', 4.0, fn(array $r) => codes($r)[0] === 'all_smtp_ports_blocked'
            && port($r, V4, 587)['state'] === 'blocked_upstream' && port($r, V6, 25)['state'] === 'blocked_upstream', [25, 587]);
        break;

    case 'upstream_prohibited':
        $r = probe('mail.lab.test');
        foreach ([V4, V6] as $i => $a) {
            $p = port($r, $a, 587);
            check($p['state'] === 'blocked_upstream', "$a:587 blocked_upstream", $p['state']);
            check(($p['icmp']['from'] ?? null) === R2[$i], "$a:587 ICMP from r2 " . R2[$i], $p['icmp']);
            $want = $i === 0 ? [3, 13] : [1, 1];
            check([$p['icmp']['type'] ?? null, $p['icmp']['code'] ?? null] === $want, "$a:587 ICMP admin-prohibited " . implode('/', $want), $p['icmp']);
            check(($p['blocked_at']['hop'] ?? null) === 2 && ($p['blocked_at']['address'] ?? null) === R2[$i], "$a:587 blocked_at hop 2", $p['blocked_at']);
            // Linux reports ICMP 3/13 as EHOSTUNREACH and ICMPv6 1/1 as EACCES:
            // the ICMP sender, not the errno, says it was a router.
            $errno = $i === 0 ? 'EHOSTUNREACH' : 'EACCES';
            check($p['errno'] === $errno, "$a:587 $errno", $p['errno']);
        }
        check(in_array('port_blocked_upstream', codes($r), true), 'finding port_blocked_upstream', codes($r));
        break;

    case 'closed_port':
        $r = probe('script.lab.test', ['ports' => [25, 2525]]);
        foreach (['198.51.100.26', '2001:db8:2::26'] as $a) {
            $p = port($r, $a, 2525);
            check($p['state'] === 'refused' && $p['errno'] === 'ECONNREFUSED', "$a:2525 refused", $p['state']);
            check($p['blocked_at'] === null, "$a:2525 has no blocked_at (the server itself said no)", $p['blocked_at']);
            check(port($r, $a, 25)['state'] === 'open', "$a:25 open");
        }
        check(in_array('port_refused', codes($r), true), 'finding port_refused', codes($r));
        break;

    case 'ipv6_blackhole':
        $r = probe('mail.lab.test', ['timeout' => 8.0, 'connect_timeout' => 4.0]);
        foreach ([25, 465, 587, 2525] as $port) {
            check(port($r, V4, $port)['state'] === 'open', V4 . ":$port open over IPv4");
            $p = port($r, V6, $port);
            check(in_array($p['state'], ['filtered', 'blocked_upstream'], true), V6 . ":$port dropped", $p['state']);
            check(($p['blocked_at']['hop'] ?? null) === 1, V6 . ":$port disappears after hop 1", $p['blocked_at']);
        }
        check(in_array('ipv6_unreachable', codes($r), true), 'finding ipv6_unreachable', codes($r));
        // IPv4 of the same name answers: IPv6's silence is called a black hole
        // after 3 s rather than at the connect timeout.
        early_verdict_checks('ipv6_unreachable', 5.0, fn(array $r) => in_array('ipv6_unreachable', codes($r), true)
            && in_array(port($r, V6, 587)['state'], ['filtered', 'blocked_upstream'], true) && port($r, V4, 587)['state'] === 'open', [587]);
        break;

    case 'nxdomain':
        $r = probe('nope.lab.test');
        check($r['dns']['status'] === 'nxdomain', 'DNS nxdomain', $r['dns']);
        check($r['ports'] === [] && codes($r) === ['dns_nxdomain'], 'only dns_nxdomain', codes($r));
        break;

    case 'dns_down':
        $r = probe('mail.lab.test', ['timeout' => 3.0]);
        check($r['dns']['status'] === 'timeout', 'DNS timeout', $r['dns']);
        check(codes($r) === ['dns_timeout'], 'finding dns_timeout', codes($r));
        break;

    case 'dns_unreachable_server':
        // No DNS server at that (lab) address at all.
        $r = probe('mail.lab.test', ['timeout' => 3.0, 'dns_servers' => ['198.51.100.99']]);
        check(in_array($r['dns']['status'], ['timeout', 'unreachable'], true), 'DNS timeout/unreachable', $r['dns']);
        check(codes($r) === ['dns_timeout'], 'finding dns_timeout', codes($r));
        break;

    default:
        fwrite(STDERR, "unknown case $case\n");
        exit(2);
}
exit($failures ? 1 : 0);
