<?php
/*
 * The certificate matrix for smtpdiag_check_certificate(), run inside
 * sd-client by tests/lab/run-cert-cases.sh with SSL_CERT_FILE = the lab
 * root (so the lab root is the "system store"):
 *
 *   php -n -d extension=... cert_cases.php CASE     one case
 *   php -n cert_cases.php --list                    the case names
 *
 * Cases: NAME/starttls and NAME/implicit for every certificate in CERTS
 * (served by scriptsmtp.py on 3000+N / 3100+N, see lab.sh), stale_bundle/*,
 * bundle_updated and starttls_inject. Per certificate case:
 *   a. exact 'errors', exact finding codes, exact 'ok';
 *   b. 'verified' == the verdict of `openssl verify -CAfile root.pem
 *      -untrusted NAME-chain.pem -verify_hostname HOST|-verify_ip IP NAME.pem`
 *      (and verify_error == openssl's error text);
 *   c. 'php_accepts' == whether PHP's own stream TLS (php_tls_client.php,
 *      a separate `php -n` process without the extension) gets through.
 * Prints one "ok - ..." / "not ok - ..." line per assertion, exits 1 on any failure.
 */
declare(strict_types=1);

const V4 = '198.51.100.26';
const V6 = '2001:db8:2::26';

/*
 * NAME => [N, host to connect to, expected errors, expected ok].
 * N: STARTTLS on 3000+N, implicit TLS on 3100+N.
 */
const CERTS = [
    'valid'      => [1,  'valid.lab.test',      [],                    true],
    'expired'    => [2,  'expired.lab.test',    ['expired'],           false],
    'notyet'     => [3,  'notyet.lab.test',     ['not_yet_valid'],     false],
    // The brief: ok is true only for valid / wild / ipsan. An expiring
    // certificate still works (expiring_soon is a warning), so the
    // implementation says ok = true here; see the report.
    // ok: PHPMailer connects and nothing is critical; expiring_soon is a warning.
    'expiring'   => [4,  'expiring.lab.test',   ['expiring_soon'],     true],
    'wrongname'  => [5,  'wrongname.lab.test',  ['hostname_mismatch'], false],
    'wild'       => [6,  'wild.lab.test',       [],                    true],
    'wildmiss'   => [7,  'wildmiss.lab.test',   ['hostname_mismatch'], false],
    'ipsan'      => [8,  V4,                    [],                    true],
    'selfsigned' => [9,  'selfsigned.lab.test', ['self_signed'],       false],
    'noint'      => [10, 'noint.lab.test',      ['incomplete_chain'],  false],
    'rsa1024'    => [11, 'rsa1024.lab.test',    ['weak_key'],          false],
    'sha1'       => [12, 'sha1.lab.test',       ['weak_signature'],    false],
    'tls10'      => [13, 'tls10.lab.test',      ['protocol_mismatch'], false],
    'tls11'      => [14, 'tls11.lab.test',      ['protocol_mismatch'], false],
    'noaia'      => [15, 'noaia.lab.test',      ['incomplete_chain'],  false],
    'aia404'     => [16, 'aia404.lab.test',     ['incomplete_chain'],  false],
];

$labDir = rtrim(getenv('SMTPDIAG_LAB_DIR') ?: '/tmp/smtpdiag-lab', '/');
$certDir = "$labDir/certs";
$root = "$certDir/root.pem";
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

function all_cases(): array {
    $out = [];
    foreach (array_keys(CERTS) as $n) { $out[] = "$n/starttls"; $out[] = "$n/implicit"; }
    return array_merge($out, ['stale_bundle/starttls', 'stale_bundle/implicit', 'bundle_updated', 'starttls_inject']);
}

if (($argv[1] ?? '') === '--list') {
    echo implode("\n", all_cases()), "\n";
    exit(0);
}

$case = $argv[1] ?? '';
$failures = 0;

function j($v): string { return json_encode($v, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE); }

function check(bool $cond, string $what, $got = null): void {
    global $failures, $case;
    if ($cond) {
        echo "ok - $case: $what\n";
    } else {
        $failures++;
        echo "not ok - $case: $what", func_num_args() > 2 ? ' (got ' . j($got) . ')' : '', "\n";
    }
}

function sorted(array $a): array { sort($a); return array_values($a); }

function finding_code(string $error): string {
    return match ($error) {
        'protocol_mismatch' => 'tls_protocol_mismatch',
        'ca_bundle_stale' => 'ca_bundle_stale',
        default => "cert_$error",
    };
}

function codes(array $r): array { return array_column($r['findings'], 'code'); }

function finding(array $r, string $code): ?array {
    foreach ($r['findings'] as $f) if ($f['code'] === $code) return $f;
    return null;
}

/* Runs a command without a shell; [exit status, stdout + stderr]. */
function run(array $cmd, ?array $env = null): array {
    $p = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['redirect', 1]], $pipes, null, $env);
    if (!is_resource($p)) return [-1, 'proc_open failed'];
    $out = stream_get_contents($pipes[1]);
    fclose($pipes[1]);
    return [proc_close($p), $out];
}

function certcheck(string $host, int $port, array $opts): array {
    $opts += ['timeout' => 8.0];
    $t = microtime(true);
    $r = smtpdiag_check_certificate($host, $port, $opts);
    $elapsed = microtime(true) - $t;
    check($elapsed <= $opts['timeout'] + 0.25, sprintf('returned within timeout + 250 ms (%.2f s)', $elapsed), $elapsed);
    return $r;
}

/* PHP's own stream TLS against the same server, in a php without smtpdiag. */
function php_client(string $host, int $port, string $mode, string $cafile): array {
    global $root;
    [$rc, $out] = run([PHP_BINARY, '-n', __DIR__ . '/php_tls_client.php', $host, (string)$port, $mode, $cafile],
                      array_merge(getenv(), ['SSL_CERT_FILE' => $root]));
    $res = json_decode(trim($out), true);
    if ($rc !== 0 || !is_array($res)) return ['ok' => null, 'error' => "client failed (exit $rc): $out"];
    return $res;
}

/* `openssl verify` on the lab's PEM files: [verified, error text or null, raw output]. */
function openssl_cli_verify(string $name, string $host): array {
    global $certDir, $root;
    $cmd = ['openssl', 'verify', '-CAfile', $root, '-untrusted', "$certDir/$name-chain.pem"];
    array_push($cmd, ...(filter_var($host, FILTER_VALIDATE_IP) ? ['-verify_ip', $host] : ['-verify_hostname', $host]));
    $cmd[] = "$certDir/$name.pem";
    [$rc, $out] = run($cmd);
    $ok = $rc === 0 && str_contains($out, "$name.pem: OK");
    $err = preg_match('/^error \d+ at \d+ depth lookup: (.*)$/m', $out, $m) ? trim($m[1]) : null;
    return [$ok, $err, trim($out)];
}

/* `openssl verify` of LEAF with an extra intermediate given: true when OK. */
function openssl_verify_with(string $ca, string $intermediate, string $leaf, string $host): bool|string {
    [$rc, $out] = run(['openssl', 'verify', '-CAfile', $ca, '-untrusted', $intermediate, '-verify_hostname', $host, $leaf]);
    return $rc === 0 && str_contains($out, ': OK') ? true : trim($out);
}

function pem_count(string $file): int { return substr_count((string)file_get_contents($file), '-----BEGIN CERTIFICATE-----'); }

function cert_case(string $name, string $mode): void {
    global $root, $certDir;
    [$n, $host, $want, $wantOk] = CERTS[$name];
    $port = ($mode === 'starttls' ? 3000 : 3100) + $n;
    $r = certcheck($host, $port, ['ca_file' => $root, 'mode' => $mode]);

    check($r['error'] === null && $r['protocol'] !== null, "$host:$port: TLS session established", $r['error']);
    check($r['mode'] === $mode, "mode $mode", $r['mode']);
    check(in_array($r['address'], [V4, V6], true), 'address is the script server', $r['address']);
    $leafPem = (string)file_get_contents("$certDir/$name.pem");
    $fp = strtoupper(implode(':', str_split(openssl_x509_fingerprint($leafPem, 'sha256'), 2)));
    check(($r['certificate']['fingerprint_sha256'] ?? null) === $fp, "the server presented $name.pem", $r['certificate']['subject'] ?? null);
    check(count($r['chain']) === pem_count("$certDir/$name-chain.pem"), 'chain as sent: ' . pem_count("$certDir/$name-chain.pem") . ' certificate(s)', count($r['chain']));

    // a. exact codes
    check(sorted($r['errors']) === sorted($want), 'errors exactly ' . j($want), $r['errors']);
    $wantCodes = array_map('finding_code', $want);
    check(sorted(codes($r)) === sorted($wantCodes), 'finding codes exactly ' . j($wantCodes), codes($r));
    check($r['ok'] === $wantOk, 'ok is ' . j($wantOk), $r['ok']);

    // b. agreement with openssl verify
    [$ov, $oerr, $oout] = openssl_cli_verify($name, $host);
    check($r['verified'] === $ov, "verified agrees with openssl verify (" . ($ov ? 'OK' : $oerr) . ")",
          ['verified' => $r['verified'], 'verify_error' => $r['verify_error'], 'openssl' => $oout]);
    check($r['verify_error'] === $oerr, 'verify_error is openssl verify\'s error text', ['verify_error' => $r['verify_error'], 'openssl' => $oerr]);

    // c. agreement with PHP's own stream TLS
    $pc = php_client($host, $port, $mode, $root);
    check($pc['ok'] === $r['php_accepts'], 'php_accepts agrees with PHP stream TLS (' . ($pc['ok'] ? 'connects' : 'refuses') . ')',
          ['php_accepts' => $r['php_accepts'], 'php_verified' => $r['php_verified'], 'php_client' => $pc]);

    // per-certificate details
    $leaf = $r['certificate'] ?? [];
    switch ($name) {
        case 'expired':
            check(($leaf['days_left'] ?? 0) < 0, 'days_left negative', $leaf['days_left'] ?? null);
            break;
        case 'expiring':
            check(in_array($leaf['days_left'] ?? null, [2, 3], true), 'days_left 2..3', $leaf['days_left'] ?? null);
            $f = finding($r, 'cert_expiring_soon');
            check($f !== null && $f['severity'] === 'warning', 'cert_expiring_soon is a warning', $f['severity'] ?? null);
            break;
        case 'wrongname':
        case 'wildmiss':
            // f. the detail names what the certificate does cover
            $covers = $name === 'wrongname' ? 'DNS:other.lab.test' : 'DNS:*.other.test';
            $f = finding($r, 'cert_hostname_mismatch');
            check($f !== null && str_contains($f['detail'], $covers), "hostname_mismatch detail names $covers", $f['detail'] ?? null);
            break;
        case 'ipsan':
            check(($leaf['san'] ?? null) === ['IP:' . V4], 'SAN is IP:' . V4, $leaf['san'] ?? null);
            break;
        case 'rsa1024':
            check(($leaf['key'] ?? null) === ['type' => 'RSA', 'bits' => 1024], 'key RSA 1024', $leaf['key'] ?? null);
            break;
        case 'sha1':
            check(($leaf['signature_algorithm'] ?? null) === 'sha1WithRSAEncryption', 'signature sha1WithRSAEncryption', $leaf['signature_algorithm'] ?? null);
            break;
        case 'tls10':
            check($r['protocol'] === 'TLSv1', 'protocol TLSv1', $r['protocol']);
            check($r['tls_versions'] === ['TLSv1'], 'tls_versions exactly [TLSv1]', $r['tls_versions']);
            $f = finding($r, 'tls_protocol_mismatch');
            check($f !== null && str_contains($f['detail'], 'speaks only TLSv1;'), 'the finding names TLSv1 as all it speaks', $f['detail'] ?? null);
            break;
        case 'tls11':
            // The best version is 1.1; the follow-up finds 1.0 as well.
            check($r['protocol'] === 'TLSv1.1', 'protocol TLSv1.1', $r['protocol']);
            check($r['tls_versions'] === ['TLSv1.1', 'TLSv1'], 'tls_versions [TLSv1.1, TLSv1]', $r['tls_versions']);
            $f = finding($r, 'tls_protocol_mismatch');
            check($f !== null && str_contains($f['detail'], 'speaks only TLSv1.1 and TLSv1;'), 'the finding names TLSv1.1 and TLSv1', $f['detail'] ?? null);
            break;
        case 'noint':
        case 'noaia':
        case 'aia404':
            // Whether the chain would verify with the intermediate it lacks.
            $ic = $r['intermediate'];
            $f = finding($r, 'cert_incomplete_chain');
            check(is_array($ic), 'intermediate reported', $ic);
            if ($name === 'noint') {
                check(($ic['url'] ?? null) === 'http://aia.lab.test/intermediate.der', 'AIA URL found', $ic['url'] ?? null);
                check(($ic['fetched'] ?? null) === true && str_contains((string) ($ic['subject'] ?? ''), 'smtpdiag Lab Intermediate'),
                      'the intermediate was fetched', $ic);
                check(($ic['verifies'] ?? null) === true, 'the chain verifies with it', $ic);
                check($f !== null && str_contains($f['detail'], 'it completes the chain, which then verifies'),
                      'the finding says the chain would verify with it', $f['detail'] ?? null);
                check(($f['evidence']['chain_verifies_with_intermediate'] ?? null) === true, 'evidence chain_verifies_with_intermediate', $f['evidence'] ?? null);
                // The same answer openssl gives with that intermediate.
                global $certDir, $root;
                $ov = openssl_verify_with($root, "$certDir/intermediate.pem", "$certDir/noint.pem", 'noint.lab.test');
                check($ov === true, 'openssl verify agrees with the intermediate added', $ov);
            } elseif ($name === 'noaia') {
                check(is_array($ic) && array_key_exists('url', $ic) && $ic['url'] === null && ($ic['fetched'] ?? null) === false && ($ic['verifies'] ?? null) === false, 'no AIA: nothing fetched', $ic);
                check($f !== null && str_contains($f['detail'], 'does not say where its intermediate is published'),
                      'the finding says the answer is not known, and why', $f['detail'] ?? null);
            } else {
                check(($ic['url'] ?? null) === 'http://aia.lab.test/missing.der' && ($ic['fetched'] ?? null) === false, 'AIA URL tried, nothing fetched', $ic);
                check(str_contains((string) ($ic['error'] ?? ''), '404'), 'the error names HTTP 404', $ic['error'] ?? null);
                check($f !== null && str_contains($f['detail'], 'could not be fetched from http://aia.lab.test/missing.der'),
                      'the finding says it could not be fetched', $f['detail'] ?? null);
            }
            break;
        case 'valid':
        case 'wild':
            check($r['protocol'] === 'TLSv1.3', 'protocol TLSv1.3', $r['protocol']);
            break;
    }
}

/* d. PHP's bundle (the system one) lacks the lab root, the "system store" has it. */
function stale_case(string $mode): void {
    $port = $mode === 'starttls' ? 3001 : 3101;
    $host = 'valid.lab.test';
    $r = certcheck($host, $port, ['ca_file' => SYSTEM_BUNDLE, 'mode' => $mode]);
    check($r['error'] === null && $r['protocol'] !== null, "$host:$port: TLS session established", $r['error']);
    check($r['verified'] === true, 'verified against the system store (lab root)', $r['verify_error']);
    check($r['php_ca'] === SYSTEM_BUNDLE, 'php_ca is the ca_file option', $r['php_ca']);
    check(sorted($r['errors']) === ['ca_bundle_stale'], 'errors exactly ["ca_bundle_stale"]', $r['errors']);
    check(in_array('ca_bundle_stale', codes($r), true), 'finding ca_bundle_stale', codes($r));
    check(!in_array('cert_untrusted', codes($r), true) && !in_array('untrusted', $r['errors'], true), 'no cert_untrusted', codes($r));
    check($r['php_accepts'] === false, 'php_accepts false', $r['php_accepts']);
    check($r['ok'] === false, 'ok false', $r['ok']);
    $f = finding($r, 'ca_bundle_stale');
    check($f !== null && str_contains($f['detail'], SYSTEM_BUNDLE), 'ca_bundle_stale detail names the bundle', $f['detail'] ?? null);
    $pc = php_client($host, $port, $mode, SYSTEM_BUNDLE);
    check($pc['ok'] === $r['php_accepts'], 'php_accepts agrees with PHP stream TLS with cafile=' . SYSTEM_BUNDLE . ' (' . ($pc['ok'] ? 'connects' : 'refuses') . ')',
          ['php_accepts' => $r['php_accepts'], 'php_client' => $pc]);
}

/* e. STARTTLS reply with injected plaintext lines (scriptsmtp starttls_inject on 2603). */
function inject_case(): void {
    global $root, $labDir;
    $log = "$labDir/scriptsmtp.log";
    clearstatcache();
    $offset = filesize($log);
    // 2603 is not a submission port: auto would try implicit TLS (DESIGN), so say STARTTLS.
    $r = certcheck('script.lab.test', 2603, ['ca_file' => $root, 'mode' => 'starttls']);
    check($r['mode'] === 'starttls', 'mode STARTTLS on 2603', $r['mode']);
    check($r['ok'] === false, 'ok false', $r['ok']);
    check($r['protocol'] === null && $r['certificate'] === null, 'no TLS session', [$r['protocol'], $r['certificate']]);
    check(is_string($r['error']) && str_contains($r['error'], 'after the STARTTLS reply'), "error names the injection", $r['error']);
    check(in_array('smtp_protocol_error', codes($r), true), 'finding smtp_protocol_error', codes($r));
    check($r['errors'] === [] && $r['php_accepts'] === false && $r['verified'] === false, 'no certificate verdicts', [$r['errors'], $r['php_accepts'], $r['verified']]);

    // The server's view: every 2603 connection of this call saw EHLO and
    // STARTTLS, then nothing (the client closed without a byte).
    $conns = [];
    $deadline = microtime(true) + 3.0;
    do {
        clearstatcache();
        $lines = explode("\n", (string)file_get_contents($log, false, null, $offset));
        $conns = [];
        foreach ($lines as $l) {
            $f = explode(' ', $l, 6);
            if (count($f) < 5 || !in_array($f[2], [V4 . ':2603', '[' . V6 . ']:2603'], true)) continue;
            $conns[$f[1]][] = [$f[4], $f[5] ?? ''];
        }
        $closed = $conns && count(array_filter($conns, fn($ev) => in_array('CLOSE', array_column($ev, 0), true))) === count($conns);
        if ($closed) break;
        usleep(100000);
    } while (microtime(true) < $deadline);
    check(count($conns) >= 1, 'scriptsmtp logged the connection(s) on 2603', count($conns));
    foreach ($conns as $cid => $ev) {
        $recv = array_values(array_map(fn($e) => $e[1], array_filter($ev, fn($e) => $e[0] === 'RECV')));
        check(count($recv) >= 2 && strtoupper(end($recv)) === 'STARTTLS', "$cid: STARTTLS was the client's last command", $recv);
        $notes = array_map(fn($e) => $e[1], array_filter($ev, fn($e) => $e[0] === 'NOTE'));
        check((bool)array_filter($notes, fn($n) => str_contains($n, 'client closed without sending anything')),
              "$cid: client sent nothing after the injected STARTTLS reply", $notes);
    }
}

/* f. The extension keeps CA stores between calls (ext/tls/trust_cache.h):
 * a bundle updated in place, or replaced by another file, between two
 * calls of one process is what the next call judges with. */
function bundle_updated_case(): void {
    global $root;
    $host = 'valid.lab.test';
    $dir = sys_get_temp_dir() . '/smtpdiag-bundle-' . getmypid();
    @mkdir($dir, 0700);
    $bundle = "$dir/bundle.pem";
    $system = (string) file_get_contents(SYSTEM_BUNDLE);
    try {
        file_put_contents($bundle, $system);
        $r = certcheck($host, 3001, ['ca_file' => $bundle, 'mode' => 'starttls']);
        check($r['errors'] === ['ca_bundle_stale'] && $r['php_accepts'] === false, 'a bundle without the lab root: ca_bundle_stale', $r['errors']);
        $r = certcheck($host, 3001, ['ca_file' => $bundle, 'mode' => 'starttls']);
        check($r['errors'] === ['ca_bundle_stale'], 'the same again (from the cache)', $r['errors']);

        // Updated in place, as update-ca-certificates rewrites its bundle.
        file_put_contents($bundle, $system . file_get_contents($root));
        touch($bundle, time() + 5);
        clearstatcache();
        $r = certcheck($host, 3001, ['ca_file' => $bundle, 'mode' => 'starttls']);
        check($r['errors'] === [] && $r['php_accepts'] === true && $r['ok'] === true,
              'the bundle updated in place between calls is used by the next call', ['errors' => $r['errors'], 'php_accepts' => $r['php_accepts']]);
        $pc = php_client($host, 3001, 'starttls', $bundle);
        check($pc['ok'] === true, 'PHP stream TLS agrees (connects with the updated bundle)', $pc);

        // Replaced by another file (a new inode), the same size and time.
        $old = "$dir/old.pem";
        file_put_contents($old, $system);
        rename($old, $bundle);
        clearstatcache();
        $r = certcheck($host, 3001, ['ca_file' => $bundle, 'mode' => 'starttls']);
        check($r['errors'] === ['ca_bundle_stale'] && $r['php_accepts'] === false, 'the bundle replaced by one without the root: ca_bundle_stale again', $r['errors']);
    } finally {
        @unlink($bundle);
        @unlink("$dir/old.pem");
        @rmdir($dir);
    }
}

if (!function_exists('smtpdiag_check_certificate')) {
    echo "not ok - $case: smtpdiag extension not loaded\n";
    exit(1);
}
if (getenv('SSL_CERT_FILE') !== $root) {
    echo "not ok - $case: SSL_CERT_FILE must be $root (the lab root as the system store)\n";
    exit(1);
}

if (preg_match('~^([a-z0-9]+)/(starttls|implicit)$~', $case, $m) && isset(CERTS[$m[1]])) {
    cert_case($m[1], $m[2]);
} elseif (preg_match('~^stale_bundle/(starttls|implicit)$~', $case, $m)) {
    stale_case($m[1]);
} elseif ($case === 'bundle_updated') {
    bundle_updated_case();
} elseif ($case === 'starttls_inject') {
    inject_case();
} else {
    echo "not ok - unknown case '$case' (known: " . implode(' ', all_cases()) . ")\n";
    exit(1);
}
exit($failures ? 1 : 0);
