<?php
/*
 * Comparison 1 (and 4): one smtpdiag_diagnose() call the way a site runs it.
 *   php -d extension=smtpdiag.so diagnose.php CASE equal|default
 * equal:   connect_timeout 10 s (the baselines' connect timeout), timeout 15 s
 * default: smtpdiag's own defaults (timeout 10 s, connect_timeout 5 s)
 */
require __DIR__ . '/common.php';

[$case, $mode] = [$argv[1] ?? 'healthy', $argv[2] ?? 'equal'];
[$port, $enc] = case_config($case);
$timeouts = $mode === 'equal' ? ['timeout' => 15.0, 'connect_timeout' => 10.0] : ['timeout' => 10.0, 'connect_timeout' => 5.0];
$t = microtime(true);
$r = smtpdiag_diagnose(
    ['host' => LAB_HOST, 'port' => $port, 'encryption' => $enc,
     'auth' => ['username' => LAB_USER, 'password' => LAB_PASS], 'from' => FROM],
    $timeouts + ['ca_file' => lab_ca(), 'ehlo_name' => EHLO_NAME, 'api_hosts' => [], 'dkim_selectors' => ['lab']]
);
$s = microtime(true) - $t;
$first = $r['findings'][0] ?? null;
bench_log("smtpdiag_$mode", $case, $s, sprintf('root_cause=%s elapsed_ms=%.0f peak_zend=%d | %s',
    $r['root_cause'] ?? 'null', $r['elapsed_ms'], memory_get_peak_usage(), $first ? $first['detail'] : ''));
