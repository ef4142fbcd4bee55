<?php
/*
 * Comparison 2: PHP's own implicit TLS (ssl://, what PHPMailer uses for
 * port 465): the handshake, then how long the greeting takes. One JSON line
 * per run (one warm-up first).
 *   php ssl_greeting.php RUNS
 */
require __DIR__ . '/common.php';

$runs = (int)($argv[1] ?? 5);
for ($i = -1; $i < $runs; $i++) {
    $ctx = stream_context_create(['ssl' => ['cafile' => lab_ca(), 'verify_peer' => true, 'peer_name' => LAB_HOST]]);
    $t0 = hrtime(true);
    $fp = stream_socket_client('ssl://198.51.100.25:465', $errno, $errstr, 10, STREAM_CLIENT_CONNECT, $ctx);
    if (!$fp) { fwrite(STDERR, "ssl_greeting: $errstr\n"); exit(1); }
    $t1 = hrtime(true);
    stream_set_timeout($fp, 10);
    $g = fgets($fp);
    $t2 = hrtime(true);
    fwrite($fp, "QUIT\r\n");
    fclose($fp);
    if ($i < 0) continue;
    echo json_encode(['php_ssl' => true, 'handshake' => ($t1 - $t0) / 1e6, 'greeting' => ($t2 - $t1) / 1e6,
        'ok' => str_starts_with((string)$g, '220')]), "\n";
}
