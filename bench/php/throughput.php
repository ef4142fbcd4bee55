<?php
/*
 * Comparison 3: probe many servers (STARTTLS on 587, certificate chain
 * verified against the lab CA; the targets are IP addresses, so no name is
 * checked by any tool), one JSON line with probes, ok, wall and CPU seconds
 * of the loop itself (getrusage, PHP start-up excluded).
 *   php [-d extension=smtpdiag.so] throughput.php probe|many|stream RANGE [CONCURRENCY]
 * probe:  smtpdiag_probe() per address, one after another (ports [587], no trace)
 * many:   smtpdiag_diagnose_many() over all addresses (port 587 STARTTLS, no
 *         AUTH, check_domain false, api_hosts []), CONCURRENCY at a time
 * stream: PHP's stream_socket_client + stream_socket_enable_crypto, the way
 *         PHPMailer talks, one after another
 */
require __DIR__ . '/common.php';

$mode = $argv[1] ?? 'probe';
$targets = address_range($argv[2] ?? '198.51.100.40-239');
$concurrency = (int)($argv[3] ?? 32);
$common = ['timeout' => 10.0, 'connect_timeout' => 5.0, 'ca_file' => lab_ca(), 'ehlo_name' => EHLO_NAME];

function reply($fp): string {
    $all = '';
    while (($line = fgets($fp, 4096)) !== false) {
        $all .= $line;
        if (strlen($line) < 4 || $line[3] !== '-') break;
    }
    return $all;
}

function stream_probe(string $ip): bool {
    $ctx = stream_context_create(['ssl' => ['cafile' => lab_ca(), 'verify_peer' => true, 'verify_peer_name' => false]]);
    $fp = @stream_socket_client("tcp://$ip:587", $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $ctx);
    if (!$fp) return false;
    stream_set_timeout($fp, 10);
    $ok = str_starts_with(reply($fp), '220');
    $ok = $ok && fwrite($fp, 'EHLO ' . EHLO_NAME . "\r\n") && str_starts_with(reply($fp), '250');
    $ok = $ok && fwrite($fp, "STARTTLS\r\n") && str_starts_with(reply($fp), '220');
    $ok = $ok && @stream_socket_enable_crypto($fp, true, STREAM_CRYPTO_METHOD_TLS_CLIENT) === true;
    $ok = $ok && fwrite($fp, 'EHLO ' . EHLO_NAME . "\r\n") && str_starts_with(reply($fp), '250');
    if ($ok) { fwrite($fp, "QUIT\r\n"); reply($fp); }
    fclose($fp);
    return $ok;
}

$ok = 0;
$extra = [];
[$u0, $s0] = rusage_s();
$t0 = microtime(true);
switch ($mode) {
    case 'probe':
        foreach ($targets as $ip) {
            $r = smtpdiag_probe($ip, $common + ['ports' => [587], 'trace' => false, 'tls' => true]);
            $p = $r['ports'][0] ?? null;
            if (($p['state'] ?? '') === 'open' && ($p['tls']['ok'] ?? false) && ($p['tls']['verified'] ?? false)
                && ($p['smtp']['stage'] ?? '') === 'done') $ok++;
            elseif (!isset($extra['first_failure'])) $extra['first_failure'] = $p;
        }
        break;
    case 'many':
        $configs = array_map(fn($ip) => ['host' => $ip, 'port' => 587, 'encryption' => 'starttls', 'from' => FROM], $targets);
        $rs = smtpdiag_diagnose_many($configs, $common + ['check_domain' => false, 'api_hosts' => [], 'concurrency' => $concurrency]);
        $handshakes = 0;
        $roots = [];
        foreach ($rs as $r) {
            $p587 = array_values(array_filter($r['probe']['ports'], fn($p) => $p['port'] === 587))[0] ?? null;
            if (($p587['tls']['ok'] ?? false) && $r['certificate'] !== null) $ok++;
            foreach ($r['probe']['ports'] as $p) if ($p['tls']['ok'] ?? false) $handshakes++;
            if (($r['auth']['tls']['ok'] ?? false) || ($r['auth']['tls']['protocol'] ?? null)) $handshakes++;
            $roots[$r['root_cause'] ?? 'null'] = ($roots[$r['root_cause'] ?? 'null'] ?? 0) + 1;
        }
        $extra['tls_handshakes'] = $handshakes;
        $extra['root_causes'] = $roots;
        $extra['concurrency'] = $concurrency;
        break;
    case 'stream':
        foreach ($targets as $ip) if (stream_probe($ip)) $ok++;
        break;
    default:
        fwrite(STDERR, "unknown mode $mode\n");
        exit(2);
}
$wall = microtime(true) - $t0;
[$u1, $s1] = rusage_s();
echo json_encode(['tool' => $mode, 'probes' => count($targets), 'ok' => $ok, 'wall_s' => $wall,
    'user_s' => $u1 - $u0, 'sys_s' => $s1 - $s0] + $extra, JSON_UNESCAPED_SLASHES), "\n";
