<?php
/*
 * Comparison 2: healthy smtpdiag_diagnose() calls timed in-process (PHP
 * start-up excluded, as the floor client's own timing excludes its start).
 * The first call of the process is printed with "first": true; then RUNS
 * calls with domain checks (the default) and RUNS without. One JSON line
 * per call, with the configured session's own stage timings. Then, to
 * say where the time goes, RUNS smtpdiag_probe() calls of every SMTP port
 * (as diagnose probes them) and RUNS without port 465, with each port's
 * connect, greeting and TLS times.
 *   php -d extension=smtpdiag.so rtt_diagnose.php RUNS
 */
require __DIR__ . '/common.php';

$runs = (int)($argv[1] ?? 10);
$config = ['host' => LAB_HOST, 'port' => 587, 'encryption' => 'starttls',
    'auth' => ['username' => LAB_USER, 'password' => LAB_PASS], 'from' => FROM];
$options = ['timeout' => 10.0, 'connect_timeout' => 5.0, 'ca_file' => lab_ca(), 'ehlo_name' => EHLO_NAME,
    'api_hosts' => [], 'dkim_selectors' => ['lab']];
$plan = [['full', true]];
for ($i = 0; $i < $runs; $i++) $plan[] = ['full', false];
for ($i = 0; $i < $runs; $i++) $plan[] = ['no_domain', false];
foreach ($plan as [$variant, $first]) {
    $o = $options + ($variant === 'no_domain' ? ['check_domain' => false] : []);
    [$u0, $s0] = rusage_s();
    $t = hrtime(true);
    $r = smtpdiag_diagnose($config, $o);
    $ms = (hrtime(true) - $t) / 1e6;
    [$u1, $s1] = rusage_s();
    $auth = $r['auth'] ?? [];
    $last = 0.0;
    foreach ($auth['transcript'] ?? [] as $l) $last = max($last, (float)$l['t_ms']);
    $slowest = 0.0;
    foreach ($r['probe']['ports'] as $p) $slowest = max($slowest, (float)($p['smtp']['stopped_ms'] ?? 0) + (float)($p['connect_ms'] ?? 0));
    echo json_encode(['variant' => $variant, 'first' => $first, 'ms' => $ms, 'elapsed_ms' => $r['elapsed_ms'],
        'cpu_ms' => 1000 * ($u1 - $u0 + $s1 - $s0), 'root_cause' => $r['root_cause'], 'auth_ok' => $auth['ok'] ?? null, 'auth_stage' => $auth['stage'] ?? null,
        'auth_timings' => $auth['timings'] ?? null, 'auth_last_ms' => $last, 'probe_slowest_ms' => $slowest,
        'dns_ms' => $r['probe']['dns']['ms'] ?? null], JSON_UNESCAPED_SLASHES), "\n";
}

$probeOptions = ['timeout' => 10.0, 'connect_timeout' => 5.0, 'ca_file' => lab_ca(), 'ehlo_name' => EHLO_NAME, 'trace' => false];
foreach (['probe_all' => [25, 465, 587, 2525], 'probe_no465' => [25, 587, 2525]] as $variant => $ports) {
    for ($i = 0; $i < $runs; $i++) {
        $t = hrtime(true);
        $r = smtpdiag_probe(LAB_HOST, $probeOptions + ['ports' => $ports]);
        $ms = (hrtime(true) - $t) / 1e6;
        $per = [];
        foreach ($r['ports'] as $p) {
            $per[] = ['address' => $p['address'], 'port' => $p['port'], 'state' => $p['state'], 'connect_ms' => $p['connect_ms'],
                'banner_ms' => $p['smtp']['banner_ms'] ?? null, 'tls_ms' => $p['tls']['handshake_ms'] ?? null];
        }
        echo json_encode(['variant' => $variant, 'first' => false, 'ms' => $ms, 'elapsed_ms' => $r['elapsed_ms'],
            'dns_ms' => $r['dns']['ms'] ?? null, 'ports' => $per], JSON_UNESCAPED_SLASHES), "\n";
    }
}
