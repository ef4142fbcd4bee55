<?php
/*
 * Comparison 1 (b): a Post SMTP-style port test: every SMTP port one after
 * another with fsockopen() (10 s connect timeout; ssl:// on 465), then the
 * greeting and EHLO with a 10 s read timeout, then QUIT.
 *   php postsmtp_loop.php CASE
 */
require __DIR__ . '/common.php';

function read_reply($fp): string {
    $all = '';
    while (($line = fgets($fp, 4096)) !== false) {
        $all .= $line;
        if (strlen($line) < 4 || $line[3] !== '-') break;
    }
    return $all;
}

$case = $argv[1] ?? 'healthy';
stream_context_set_default(['ssl' => ['cafile' => lab_ca(), 'verify_peer' => true, 'verify_peer_name' => true]]);
$t = microtime(true);
$out = [];
foreach ([25, 465, 587, 2525] as $port) {
    $fp = @fsockopen(($port === 465 ? 'ssl://' : '') . LAB_HOST, $port, $errno, $errstr, 10);
    if (!$fp) { $out[] = "$port: $errstr ($errno)"; continue; }
    stream_set_timeout($fp, 10);
    $greeting = read_reply($fp);
    fwrite($fp, 'EHLO ' . EHLO_NAME . "\r\n");
    $ehlo = read_reply($fp);
    fwrite($fp, "QUIT\r\n");
    read_reply($fp);
    fclose($fp);
    $out[] = "$port: " . (str_starts_with($greeting, '220') && str_starts_with($ehlo, '250') ? 'ok' : 'no EHLO reply');
}
bench_log('postsmtp_loop', $case, microtime(true) - $t, implode(' | ', $out));
