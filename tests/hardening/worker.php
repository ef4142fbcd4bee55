<?php
/*
 * Long-lived workers: the extension must not leak descriptors or memory
 * across calls in one process.
 *
 * CLI:  php -d extension=smtpdiag.so worker.php SMTP_PORT DNS_PORT [CALLS]
 *       Makes CALLS (default 1000) calls in this process, cycling through
 *       probe, send_test (STARTTLS + AUTH), check_certificate, check_domain
 *       and diagnose against loopback servers. Passes when the open file
 *       descriptors end where they started and RSS grows by less than
 *       1 MiB after a warm-up of 100 calls. Ends "worker: N passed, N failed".
 *
 * FPM:  the same file served by php-fpm makes ONE call per request (query
 *       string: i, smtp, dns) and answers JSON {pid, i, fds_before,
 *       fds_after, rss}; fpm_load.py drives it and judges per worker.
 */

function status_bytes(string $key): int {
    preg_match('/^' . $key . ':\s+(\d+) kB/m', (string)file_get_contents('/proc/self/status'), $m);
    return (int)($m[1] ?? 0) * 1024;
}
function open_fds(): int { return count(scandir('/proc/self/fd')) - 2; }

/* Call number $i; throws on a result that shows the servers were not reached. */
function one_call(int $i, int $smtp, int $dns): void {
    $net = ['timeout' => 5, 'dns_servers' => ["127.0.0.1:$dns"], 'ehlo_name' => 'worker.test'];
    switch ($i % 5) {
        case 0:
            $r = smtpdiag_probe('127.0.0.1', $net + ['ports' => [$smtp]]);
            if (($r['ports'][0]['tls']['ok'] ?? false) !== true) throw new RuntimeException('probe: no TLS: ' . json_encode($r['ports']));
            break;
        case 1:
            $r = smtpdiag_send_test(['host' => '127.0.0.1', 'port' => $smtp, 'encryption' => 'starttls', 'verify_peer' => false,
                'allow_insecure_auth' => true, 'auth' => ['username' => 'user@lab.test', 'password' => 'labpass']],
                ['from' => 'user@lab.test', 'to' => 'rcpt@example.test', 'subject' => "worker $i"], $net);
            if (!$r['ok']) throw new RuntimeException('send_test failed: ' . implode(',', array_column($r['findings'], 'code')));
            break;
        case 2:
            $r = smtpdiag_check_certificate('127.0.0.1', $smtp, $net + ['mode' => 'starttls']);
            if (empty($r['chain'] ?? $r['certificates'] ?? null) && empty($r['findings'])) throw new RuntimeException('check_certificate: nothing');
            break;
        case 3:
            $r = smtpdiag_check_domain('nx.test', $net);
            if (!in_array('mx_missing', array_column($r['findings'], 'code'), true)) throw new RuntimeException('check_domain: ' . json_encode(array_column($r['findings'], 'code')));
            break;
        case 4:
            $r = smtpdiag_diagnose(['host' => '127.0.0.1', 'port' => $smtp, 'encryption' => 'starttls', 'verify_peer' => false],
                $net + ['check_domain' => false, 'api_hosts' => []]);
            break;
    }
}

if (PHP_SAPI !== 'cli') {
    header('Content-Type: application/json');
    $i = (int)($_GET['i'] ?? 0);
    $before = open_fds();
    $error = null;
    try {
        one_call($i, (int)$_GET['smtp'], (int)$_GET['dns']);
    } catch (Throwable $e) {
        $error = $e->getMessage();
    }
    echo json_encode(['pid' => getmypid(), 'i' => $i, 'fds_before' => $before, 'fds_after' => open_fds(),
        'rss' => status_bytes('VmRSS'), 'error' => $error]);
    return;
}

[$_, $smtp, $dns, $calls] = $argv + [null, null, null, 1000];
if (!$smtp || !$dns) {
    fwrite(STDERR, "usage: worker.php SMTP_PORT DNS_PORT [CALLS]\n");
    exit(2);
}
$calls = (int)$calls;
$warmup = min(100, intdiv($calls, 5));
$passed = $failed = 0;
$fds0 = open_fds();
$errors = [];
$rssWarm = 0;
$t = microtime(true);
for ($i = 0; $i < $calls; $i++) {
    try {
        one_call($i, (int)$smtp, (int)$dns);
    } catch (Throwable $e) {
        $errors[] = "call $i: " . $e->getMessage();
    }
    if ($i + 1 === $warmup) {
        gc_collect_cycles();
        $rssWarm = status_bytes('VmRSS');
    }
}
gc_collect_cycles();
$rss = status_bytes('VmRSS');
$fds = open_fds();
printf("# %d calls in %.1f s; descriptors %d -> %d; RSS after %d calls %.2f MiB, at the end %.2f MiB (%+.1f KiB)\n",
    $calls, microtime(true) - $t, $fds0, $fds, $warmup, $rssWarm / 1048576, $rss / 1048576, ($rss - $rssWarm) / 1024);
$check = function (bool $ok, string $what) use (&$passed, &$failed) {
    $ok ? $passed++ : $failed++;
    echo $ok ? 'ok' : 'not ok', " - $what\n";
};
$check(!$errors, 'every call reached the servers' . ($errors ? ': ' . implode('; ', array_slice($errors, 0, 3)) . ' (' . count($errors) . ' errors)' : ''));
$check($fds === $fds0, "open descriptors return to $fds0 (now $fds)");
$check($rss - $rssWarm < 1048576, sprintf('RSS growth after warm-up under 1 MiB (%+.1f KiB)', ($rss - $rssWarm) / 1024));
echo "worker: $passed passed, $failed failed\n";
exit($failed ? 1 : 0);
