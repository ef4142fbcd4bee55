<?php
/*
 * The RFC 7208 conformance suite (openspf rfc7208-tests.yml, 203 cases)
 * against smtpdiag_check_spf(), with every zone served by a real local DNS
 * server (spf_dns_server.py, one port per YAML document).
 *
 *   php -d extension=modules/smtpdiag.so tests/spf/run_suite.php SUITE.yml
 *
 * A case with a list of results passes on any of them; where the suite
 * gives an explanation other than DEFAULT it must match too. Prints one
 * line per failing case and "spf suite: N passed, N failed".
 */
declare(strict_types=1);

$suite = $argv[1] ?? '';
if (!is_file($suite)) {
    fwrite(STDERR, "spf suite: $suite not found\n");
    exit(2);
}
$base = 25300 + (getmypid() % 200) * 20;
$json = shell_exec('/usr/bin/python3 -c ' . escapeshellarg('import sys, yaml, json; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))') . ' ' . escapeshellarg($suite));
$docs = json_decode((string)$json, true);
if (!is_array($docs)) {
    fwrite(STDERR, "spf suite: cannot read the YAML (python3-yaml missing?)\n");
    exit(2);
}
$proc = proc_open(['/usr/bin/python3', __DIR__ . '/spf_dns_server.py', $suite, (string)$base],
    [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => STDERR], $pipes);
$ready = fgets($pipes[1]);
if (!str_starts_with((string)$ready, 'ready')) {
    fwrite(STDERR, "spf suite: DNS server did not start\n");
    exit(2);
}

$passed = $failed = 0;
$t0 = microtime(true);
foreach ($docs as $i => $doc) {
    foreach ($doc['tests'] ?? [] as $name => $case) {
        $want = (array)$case['result'];
        $opts = ['dns_servers' => ["127.0.0.1:" . ($base + $i)], 'timeout' => 2.0, 'helo' => (string)$case['helo']];
        $sender = (string)($case['mailfrom'] ?? '');
        try {
            $r = smtpdiag_check_spf((string)$case['host'], $sender, $opts);
            $got = $r['result'];
            $ok = in_array($got, $want, true);
            $exp = $case['explanation'] ?? null;
            if ($ok && $exp !== null && $exp !== 'DEFAULT' && $got === 'fail' && $r['explanation'] !== $exp) {
                $ok = false;
                $got .= " (explanation " . json_encode($r['explanation']) . ", want " . json_encode($exp) . ")";
            }
        } catch (Throwable $e) {
            $ok = false;
            $got = get_class($e) . ': ' . $e->getMessage();
            $r = ['error' => null];
        }
        if ($ok) {
            $passed++;
        } else {
            $failed++;
            printf("not ok - %s / %s: got %s, want %s%s\n", $doc['description'], $name, $got, implode('|', $want),
                !empty($r['error']) ? " [{$r['error']}]" : '');
        }
    }
}
fclose($pipes[0]);
fclose($pipes[1]);
proc_close($proc);
printf("spf suite (%.1f s): %d passed, %d failed\n", microtime(true) - $t0, $passed, $failed);
exit($failed ? 1 : 0);
