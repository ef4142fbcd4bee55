<?php
/*
 * The hostile-server suite: every misbehaviour of tests/lab/scriptsmtp.py and
 * tests/hardening/garbage_dns.py (both on loopback, started by run.sh) is met
 * through the extension's public functions. For each case:
 *   - no crash (this process survives to print the summary),
 *   - every call returns within its deadline + 250 ms,
 *   - memory stays bounded (peak RSS no more than 16 MiB over the start)
 *     and the open file descriptors return to where they were,
 *   - the result names what happened (error code, finding, detail).
 *
 *   php -d extension=smtpdiag.so hostile.php PORTS_JSON DNS_PORT CERT_DIR SERVER_LOG
 *
 * PORTS_JSON maps behaviour names to loopback ports. Ends with
 * "hostile: N passed, N failed".
 */

[$_, $portsJson, $dnsPort, $certDir, $serverLog] = $argv + [null, null, null, null, null];
$ports = json_decode((string)$portsJson, true);
if (!is_array($ports) || !$dnsPort) {
    fwrite(STDERR, "usage: hostile.php PORTS_JSON DNS_PORT CERT_DIR SERVER_LOG\n");
    exit(2);
}
const T = 3.0;            // each call's timeout (s)
const SLACK = 0.25;       // what the deadline may be overrun by
const RSS_BUDGET = 16 << 20;

$passed = $failed = 0;

function status(string $key): int {
    preg_match('/^' . $key . ':\s+(\d+) kB/m', (string)file_get_contents('/proc/self/status'), $m);
    return (int)($m[1] ?? 0) * 1024;
}
function fds(): int { return count(scandir('/proc/self/fd')) - 2; }

function codes(array $r): array { return array_column($r['findings'], 'code'); }

/* Runs $fn (returning [result, timeout]), times it, checks the budget, then
 * hands the result to $check, which returns a list of problems. */
function check_case(string $name, callable $fn, callable $check): void {
    global $passed, $failed, $baseRss, $baseFds;
    $t = microtime(true);
    try {
        [$r, $timeout] = $fn();
    } catch (Throwable $e) {
        $failed++;
        echo "not ok - $name: ", get_class($e), ': ', $e->getMessage(), "\n";
        return;
    }
    $elapsed = microtime(true) - $t;
    $problems = $check($r);
    if ($elapsed > $timeout + SLACK) $problems[] = sprintf('took %.3f s, deadline %.2f s + 0.25', $elapsed, $timeout);
    $grown = status('VmHWM') - $baseRss;
    if ($grown > RSS_BUDGET) $problems[] = sprintf('peak RSS grew by %.1f MiB', $grown / 1048576);
    if (fds() !== $baseFds) $problems[] = 'open descriptors: ' . fds() . ", started with $baseFds";
    if ($problems) {
        $failed++;
        echo "not ok - $name: ", implode('; ', $problems), "\n";
    } else {
        $passed++;
        printf("ok - %s (%.2f s)\n", $name, $elapsed);
    }
}

// Every call names the loopback DNS server: nothing may reach another resolver.
function local_dns(): array { global $dnsPort; return ['dns_servers' => ["127.0.0.1:$dnsPort"]]; }
function probe(int $port, array $opts = []): callable {
    return fn() => [smtpdiag_probe('127.0.0.1', $opts + local_dns() + ['ports' => [$port], 'timeout' => T, 'ehlo_name' => 'client.test']), T];
}
function send(int $port, string $enc = 'none', array $opts = []): callable {
    return fn() => [smtpdiag_send_test(['host' => '127.0.0.1', 'port' => $port, 'encryption' => $enc, 'verify_peer' => false],
        ['from' => 'from@example.test', 'to' => 'to@example.test'], $opts + local_dns() + ['timeout' => T, 'ehlo_name' => 'client.test']), T];
}

/* Expectations on a probe of one port: its error code, a finding, and a
 * piece of the error text. */
function probe_expect(?string $error, ?string $finding, ?string $text = null): callable {
    return function (array $r) use ($error, $finding, $text): array {
        $p = $r['ports'][0] ?? null;
        if (!$p || !$p['smtp']) return ['no SMTP observation: ' . json_encode($p)];
        $s = $p['smtp'];
        $out = [];
        if ($s['error_code'] !== $error) $out[] = 'error_code ' . var_export($s['error_code'], true) . ", expected $error";
        if ($finding !== null && !in_array($finding, codes($r), true)) $out[] = 'findings ' . implode(',', codes($r)) . ", expected $finding";
        $all = ($s['error'] ?? '') . ' ' . ($p['tls']['error'] ?? '');
        if ($text !== null && stripos($all, $text) === false) $out[] = "error text '$all' does not say '$text'";
        return $out;
    };
}
function send_expect(string $finding, ?string $text = null): callable {
    return function (array $r) use ($finding, $text): array {
        $out = [];
        if ($r['ok']) $out[] = 'ok=true';
        if (!in_array($finding, codes($r), true)) $out[] = 'findings ' . implode(',', codes($r)) . ", expected $finding";
        if ($text !== null && stripos((string)$r['error'], $text) === false) $out[] = "error '{$r['error']}' does not say '$text'";
        return $out;
    };
}

// Warm up (first-call allocations: OpenSSL tables, the PSL), then measure.
smtpdiag_probe('127.0.0.1', ['ports' => [$ports['normal']], 'timeout' => T, 'dns_servers' => ["127.0.0.1:$dnsPort"]]);
smtpdiag_check_domain('nx.test', ['timeout' => T, 'dns_servers' => ["127.0.0.1:$dnsPort"]]);
$baseRss = status('VmHWM');
$baseFds = fds();

$p = $ports;
echo "# SMTP servers (scriptsmtp.py)\n";
check_case('one byte per 500 ms: probe', probe($p['slow']), probe_expect('greeting_timeout', 'greeting_timeout'));
check_case('one byte per 500 ms: send', send($p['slow']), send_expect('greeting_timeout'));
check_case('1 MiB line: probe', probe($p['long_line']), probe_expect('bad_reply', 'smtp_protocol_error', 'line_too_long'));
check_case('1 MiB line: send', send($p['long_line']), send_expect('smtp_protocol_error', 'line_too_long'));
check_case('endless multiline reply: probe', probe($p['endless_multiline']), probe_expect('bad_reply', 'smtp_protocol_error', 'reply_too_large'));
check_case('endless multiline reply: send', send($p['endless_multiline']), send_expect('smtp_protocol_error', 'reply_too_large'));
check_case('NUL and 0xFF in the greeting: probe', probe($p['binary']), function (array $r): array {
    $out = probe_expect(null, null)($r);
    $b = $r['ports'][0]['smtp']['banner'] ?? '';
    if (strpbrk($b, "\x00\xff") !== false) $out[] = 'raw NUL/0xFF bytes in the banner';
    if (!str_contains($b, '\\x00') || !str_contains($b, '\\xFF')) $out[] = "banner does not show the bytes escaped: $b";
    if (json_encode($r) === false) $out[] = 'result is not valid UTF-8 for json_encode';
    return $out;
});
check_case('NUL and 0xFF in the greeting: send', send($p['binary']), fn($r) => $r['ok'] ? [] : ['send failed: ' . implode(',', codes($r))]);
check_case('mixed codes in one reply: probe', probe($p['mixed_codes']), probe_expect('bad_reply', 'smtp_protocol_error', 'mixed_reply_codes'));
check_case('mixed codes in one reply: send', send($p['mixed_codes']), send_expect('smtp_protocol_error', 'mixed_reply_codes'));
check_case('bytes pipelined after STARTTLS 220: probe', probe($p['starttls_inject']), probe_expect('starttls_injection', 'smtp_protocol_error', 'after the STARTTLS reply'));
check_case('bytes pipelined after STARTTLS 220: send', send($p['starttls_inject'], 'starttls'), send_expect('smtp_protocol_error', 'after the STARTTLS reply'));
check_case('TLS alert mid-handshake: probe', probe($p['tls_alert']), probe_expect('tls_failed', 'tls_handshake_failed', 'alert'));
check_case('TLS alert mid-handshake: send', send($p['tls_alert'], 'starttls'), send_expect('tls_handshake_failed', 'alert'));
// A reset reads as the server hanging up (ext/smtp/connection.cpp), named as a reset.
check_case('RST mid-reply: probe', probe($p['rst_mid_reply']), probe_expect('closed', 'smtp_protocol_error', 'reset'));
check_case('RST mid-reply: send', send($p['rst_mid_reply']), send_expect('connection_lost', 'reset'));
check_case('accept, then close: probe', probe($p['accept_close']), probe_expect('closed', 'smtp_protocol_error', 'closed'));
check_case('accept, then close: send', send($p['accept_close']), send_expect('connection_lost', 'closed'));
check_case('100,000 EHLO keywords: probe', probe($p['ehlo_flood']), probe_expect('bad_reply', 'smtp_protocol_error', 'reply_too_large'));
check_case('100,000 EHLO keywords: send', send($p['ehlo_flood']), send_expect('smtp_protocol_error', 'reply_too_large'));
check_case('truncated reply: probe', probe($p['truncated']), probe_expect('closed', 'smtp_protocol_error', 'middle of a reply'));
check_case('truncated reply: send', send($p['truncated']), send_expect('connection_lost', 'middle of a reply'));
check_case('oversized reply (1 MiB): probe', probe($p['oversized']), probe_expect('bad_reply', 'smtp_protocol_error', 'reply_too_large'));
check_case('oversized reply (1 MiB): send', send($p['oversized']), send_expect('smtp_protocol_error', 'reply_too_large'));
check_case('certificate chain of 50: probe', probe($p['chain50']), function (array $r): array {
    $out = probe_expect(null, null)($r);
    $tls = $r['ports'][0]['tls'] ?? null;
    if (!$tls || !$tls['ok']) $out[] = 'TLS did not complete: ' . json_encode($tls);
    elseif ($tls['verified']) $out[] = 'an untrusted chain verified';
    return $out;
});
check_case('certificate chain of 50: check_certificate', fn() => [smtpdiag_check_certificate('127.0.0.1', $p['chain50'], ['timeout' => T, 'mode' => 'starttls'] + local_dns()), T],
    function (array $r): array {
        $c = codes($r);
        return array_intersect($c, ['cert_untrusted', 'cert_self_signed', 'cert_incomplete_chain']) ? []
            : ['findings ' . implode(',', $c) . ', expected the chain to be named untrusted'];
    });
check_case('certificate chain of 50, root trusted: check_certificate',
    fn() => [smtpdiag_check_certificate('127.0.0.1', $p['chain50'], ['timeout' => T, 'mode' => 'starttls', 'ca_file' => "$certDir/chain50-root.pem"] + local_dns()), T],
    function (array $r): array {
        $c = codes($r);
        // 50 deep is within OpenSSL's default limit (100): it must verify.
        return array_intersect($c, ['cert_untrusted', 'cert_self_signed', 'cert_incomplete_chain', 'tls_handshake_failed'])
            ? ['findings ' . implode(',', $c) . ' for a chain whose root is trusted'] : [];
    });

// The injected bytes were refused: after them, the client sent nothing in clear.
$log = (string)file_get_contents($serverLog);
$injected = preg_match_all('/starttls_inject NOTE after injected STARTTLS reply: (.*)$/m', $log, $m) ? $m[1] : [];
if ($injected && !array_filter($injected, fn($l) => !str_contains($l, 'closed without sending anything'))) {
    $passed++;
    echo 'ok - STARTTLS injection refused: the client sent nothing after the pipelined bytes (', count($injected), " sessions)\n";
} else {
    $failed++;
    echo "not ok - STARTTLS injection: the server saw: ", json_encode($injected), "\n";
}

echo "# DNS server answering garbage (garbage_dns.py)\n";
$dns = ['dns_servers' => ["127.0.0.1:$dnsPort"], 'timeout' => T];
$dnsCases = [
    // name => [probe findings (any of), domain findings (any of; [] = none required)]
    'garbage' => [['dns_timeout', 'dns_error'], ['dns_timeout', 'dns_error']],
    'badid' => [['dns_timeout'], ['dns_timeout']],
    'short' => [['dns_timeout', 'dns_error'], ['dns_timeout', 'dns_error']],
    'truncated' => [['dns_timeout', 'dns_error'], ['dns_timeout', 'dns_error']],
    'loop' => [['dns_error', 'dns_timeout'], ['dns_error', 'dns_timeout']],
    'badcount' => [['dns_error', 'dns_timeout'], ['dns_error', 'dns_timeout']],
    'silent' => [['dns_timeout'], ['dns_timeout']],
    'oversized' => [null, []],
    'slow' => [null, []],
];
foreach ($dnsCases as $label => [$probeWant, $domainWant]) {
    check_case("DNS $label: probe", fn() => [smtpdiag_probe("$label.test", $dns + ['ports' => [9]]), T],
        function (array $r) use ($probeWant, $label): array {
            if ($probeWant === null) {
                // Answers that parse: addresses (loopback only), ports refused.
                return $r['dns']['status'] === 'ok' || in_array('dns_timeout', codes($r), true) ? []
                    : ['dns ' . json_encode($r['dns'])];
            }
            return array_intersect($probeWant, codes($r)) ? []
                : ["findings " . implode(',', codes($r)) . ' (dns ' . $r['dns']['status'] . '), expected one of ' . implode('|', $probeWant)];
        });
    check_case("DNS $label: check_domain", fn() => [smtpdiag_check_domain("$label.test", $dns), T],
        function (array $r) use ($domainWant): array {
            if (!$domainWant) return [];
            return array_intersect($domainWant, codes($r)) ? []
                : ['findings ' . implode(',', codes($r)) . ', expected one of ' . implode('|', $domainWant)];
        });
}
check_case('DNS garbage: diagnose', fn() => [smtpdiag_diagnose(['host' => 'garbage.test', 'port' => 587], $dns + ['check_domain' => false, 'api_hosts' => []]), T],
    fn($r) => array_intersect(['dns_timeout', 'dns_error'], codes($r)) ? [] : ['findings ' . implode(',', codes($r))]);

printf("# peak RSS grew by %.1f MiB over the whole suite\n", (status('VmHWM') - $baseRss) / 1048576);
echo "hostile: $passed passed, $failed failed\n";
exit($failed ? 1 : 0);
