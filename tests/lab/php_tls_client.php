<?php
/*
 * PHP's own stream TLS, the way PHPMailer uses it, as a reference for
 * smtpdiag_check_certificate()'s 'php_accepts'. Run WITHOUT the smtpdiag
 * extension (php -n), inside sd-client, by cert_cases.php:
 *
 *   php -n php_tls_client.php HOST PORT starttls|implicit CAFILE
 *
 * starttls: tcp:// connect, read the greeting, EHLO, STARTTLS, 220, then
 *           stream_socket_enable_crypto() with PHPMailer's crypto method.
 * implicit: ssl:// connect (as PHPMailer's SMTPSecure = 'ssl'), read the greeting.
 * Both with verify_peer, verify_peer_name, cafile = CAFILE, peer_name = HOST.
 * Prints one JSON object: {"ok": bool, "stage": ..., "error": ..., "protocol": ...}.
 */
declare(strict_types=1);

[, $host, $port, $mode, $cafile] = $argv + [null, null, null, null, null];
if ($host === null || $port === null || !in_array($mode, ['starttls', 'implicit'], true) || $cafile === null) {
    fwrite(STDERR, "usage: php -n php_tls_client.php HOST PORT starttls|implicit CAFILE\n");
    exit(2);
}

$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings): bool {
    $warnings[] = $msg;
    return true;
});

function done(bool $ok, string $stage, ?string $error, $sock = null): void {
    global $warnings;
    $proto = null;
    if (is_resource($sock)) {
        $meta = stream_get_meta_data($sock);
        $proto = $meta['crypto']['protocol'] ?? null;
    }
    if (!$ok && $warnings) $error = trim(($error ?? '') . ' | ' . implode(' | ', $warnings), ' |');
    echo json_encode(['ok' => $ok, 'stage' => $stage, 'error' => $error, 'protocol' => $proto], JSON_UNESCAPED_SLASHES), "\n";
    exit(0);
}

/* One SMTP reply (all lines); null on EOF/timeout. */
function reply($sock): ?string {
    $all = '';
    while (($line = fgets($sock, 4096)) !== false) {
        $all .= $line;
        if (strlen($line) < 4 || $line[3] !== '-') return $all;
    }
    return $all === '' ? null : $all;
}

$ssl = [
    'verify_peer' => true,
    'verify_peer_name' => true,
    'allow_self_signed' => false,
    'cafile' => $cafile,
    'peer_name' => $host,
];
$ctx = stream_context_create(['ssl' => $ssl]);
$target = (filter_var($host, FILTER_VALIDATE_IP, FILTER_FLAG_IPV6) ? "[$host]" : $host) . ":$port";
$timeout = 10.0;

if ($mode === 'implicit') {
    $sock = stream_socket_client("ssl://$target", $errno, $errstr, $timeout, STREAM_CLIENT_CONNECT, $ctx);
    if ($sock === false) done(false, 'tls', "ssl:// connect failed: $errstr ($errno)");
    stream_set_timeout($sock, 10);
    $g = reply($sock);
    if ($g === null || strncmp($g, '220', 3) !== 0) done(false, 'greeting', 'no 220 greeting over TLS: ' . var_export($g, true), $sock);
    fwrite($sock, "QUIT\r\n");
    done(true, 'done', null, $sock);
}

$sock = stream_socket_client("tcp://$target", $errno, $errstr, $timeout, STREAM_CLIENT_CONNECT, $ctx);
if ($sock === false) done(false, 'connect', "connect failed: $errstr ($errno)");
stream_set_timeout($sock, 10);
$g = reply($sock);
if ($g === null || strncmp($g, '220', 3) !== 0) done(false, 'greeting', 'no 220 greeting: ' . var_export($g, true));
fwrite($sock, "EHLO php-client.lab.test\r\n");
$e = reply($sock);
if ($e === null || strncmp($e, '250', 3) !== 0) done(false, 'ehlo', 'EHLO refused: ' . var_export($e, true));
if (!preg_match('/^250[ -]STARTTLS\r?$/mi', $e)) done(false, 'ehlo', 'STARTTLS not offered');
fwrite($sock, "STARTTLS\r\n");
$s = reply($sock);
if ($s === null || strncmp($s, '220', 3) !== 0) done(false, 'starttls', 'STARTTLS refused: ' . var_export($s, true));
// PHPMailer's SMTP::startTLS() crypto method.
$method = STREAM_CRYPTO_METHOD_TLS_CLIENT;
if (defined('STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT')) {
    $method |= STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT | STREAM_CRYPTO_METHOD_TLSv1_1_CLIENT;
}
$r = stream_socket_enable_crypto($sock, true, $method);
if ($r !== true) done(false, 'tls', 'stream_socket_enable_crypto failed');
fwrite($sock, "EHLO php-client.lab.test\r\n");
$e = reply($sock);
if ($e === null || strncmp($e, '250', 3) !== 0) done(false, 'ehlo-tls', 'EHLO over TLS failed: ' . var_export($e, true), $sock);
fwrite($sock, "QUIT\r\n");
done(true, 'done', null, $sock);
