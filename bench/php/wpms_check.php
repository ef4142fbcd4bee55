<?php
/*
 * Comparison 1 (a): a PHPMailer-based connection check the way WP Mail
 * SMTP's preflight does it, with Debian's PHPMailer: PHPMailer's SMTP class
 * connects, EHLO, STARTTLS (or ssl:// for implicit TLS), EHLO, AUTH, each
 * step bounded by 10 s; when that fails, the alternate SMTP ports one
 * after another, 5 s each (connect, EHLO, STARTTLS where the port uses it).
 *   php wpms_check.php CASE
 */
require __DIR__ . '/common.php';
require '/usr/share/php/libphp-phpmailer/autoload.php';

use PHPMailer\PHPMailer\SMTP;

function attempt(int $port, string $enc, int $timeout, bool $auth): array {
    $smtp = new SMTP();
    $smtp->Timeout = $timeout;
    $smtp->Timelimit = $timeout;
    $opts = ['ssl' => ['cafile' => lab_ca(), 'verify_peer' => true, 'verify_peer_name' => true]];
    $host = ($enc === 'tls' ? 'ssl://' : '') . LAB_HOST;
    $stage = 'connect';
    $ok = $smtp->connect($host, $port, $timeout, $opts);
    if ($ok) { $stage = 'ehlo'; $ok = $smtp->hello(EHLO_NAME); }
    if ($ok && $enc === 'starttls') {
        $stage = 'starttls';
        $ok = $smtp->startTLS();
        if ($ok) { $stage = 'ehlo2'; $ok = $smtp->hello(EHLO_NAME); }
    }
    if ($ok && $auth) { $stage = 'auth'; $ok = $smtp->authenticate(LAB_USER, LAB_PASS); }
    $err = $smtp->getError();
    if ($ok) $smtp->quit();
    $smtp->close();
    return [$ok, $ok ? 'ok' : "$stage: " . trim(($err['error'] ?? '') . ' ' . ($err['detail'] ?? ''))];
}

$case = $argv[1] ?? 'healthy';
[$port, $enc] = case_config($case);
$t = microtime(true);
[$ok, $msg] = attempt($port, $enc, 10, true);
$answer = "$port: $msg";
if (!$ok) {
    foreach ([587 => 'starttls', 465 => 'tls', 25 => 'starttls', 2525 => 'none'] as $p => $e) {
        if ($p === $port) continue;
        [, $m] = attempt($p, $e, 5, false);
        $answer .= " | $p: $m";
    }
}
bench_log('phpmailer_check', $case, microtime(true) - $t, $answer);
