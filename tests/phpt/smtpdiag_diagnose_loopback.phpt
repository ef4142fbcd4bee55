--TEST--
smtpdiag_diagnose() against loopback servers: healthy vs broken, the result's shape; smtpdiag_diagnose_many() order and concurrency
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta', 'mta_tls', 'mta_notls', 'mta_auth538', 'silent', 'busy421', 'reject554', 'plain465', 'inject']);
$p = $srv['ports'];
// The fixture's self-signed certificate (CN=localhost) as PHP's CA: the
// healthy paths verify for real.
$ca = sys_get_temp_dir() . '/smtpdiag-phpt-' . proc_get_status($srv['proc'])['pid'] . '/server.pem';
// A CA that has nothing to do with the server: its certificate is untrusted.
$otherCa = tempnam(sys_get_temp_dir(), 'smtpdiag-ca');
$k = openssl_pkey_new(['private_key_bits' => 2048, 'private_key_type' => OPENSSL_KEYTYPE_RSA]);
openssl_x509_export(openssl_csr_sign(openssl_csr_new(['commonName' => 'Unrelated CA'], $k, ['digest_alg' => 'sha256']), null, $k, 1, ['digest_alg' => 'sha256']), $pem);
file_put_contents($otherCa, $pem);
// A port nobody listens on.
$tmp = stream_socket_server('tcp://127.0.0.1:0');
$closed = (int)substr(strrchr(stream_socket_get_name($tmp, false), ':'), 1);
fclose($tmp);

$opts = ['timeout' => 3, 'connect_timeout' => 1.5, 'ehlo_name' => 'client.test', 'api_hosts' => [], 'check_domain' => false,
    'ca_file' => $ca, 'warn_days' => 0, 'family' => 'ipv4'];
function cfg(int $port, array $x = []): array {
    $c = array_replace(['host' => 'localhost', 'port' => $port, 'encryption' => 'starttls', 'auth' => send_auth('plain')], $x);
    return array_filter($c, fn($v) => $v !== null);
}

function diagnose(array $config, array $options): array {
    $t = microtime(true);
    $r = smtpdiag_diagnose($config, $options);
    $e = microtime(true) - $t;
    if ($e > $options['timeout'] + 0.25) echo "  TOO SLOW: ", round($e, 2), " s\n";
    return $r;
}

function summary(string $name, array $r): void {
    $first = $r['findings'][0] ?? ['code' => '-', 'severity' => '-'];
    $sev = array_unique(array_column($r['findings'], 'severity'));
    sort($sev);
    printf("%s: root=%s ok=%s\n", $name, $r['root_cause'] ?? 'null', var_export($r['ok'], true));
    if ($r['root_cause'] === null) {
        echo '  findings ok/info only: ', var_export(array_diff($sev, ['ok', 'info']) === [], true), "\n";
    } else {
        echo "  first finding: {$first['code']} {$first['severity']}\n";
    }
}

echo "-- healthy\n";
$r = diagnose(cfg($p['mta']), $opts);
summary('starttls + AUTH', $r);
var_dump(array_keys($r));
$ok = array_values(array_filter($r['findings'], fn($f) => $f['code'] === 'smtp_ok'))[0];
echo '  smtp_ok: ', preg_replace('/TLSv1\.[23]/', 'TLSv1.x', $ok['detail']), "\n";
echo '  auth: stage=', $r['auth']['stage'], ' mechanism=', $r['auth']['auth_mechanism'], ' tls verified=', var_export($r['auth']['tls']['verified'], true), "\n";
echo '  commands: ', implode(' | ', array_map(fn($l) => preg_replace('/^AUTH PLAIN \S+$/', 'AUTH PLAIN <credentials>', $l['text']),
    array_filter($r['auth']['transcript'], fn($l) => $l['dir'] === 'C'))), "\n";
echo '  certificate: php_accepts=', var_export($r['certificate']['php_accepts'], true), ' errors=', json_encode($r['certificate']['errors']), "\n";
$conf = array_values(array_filter($r['probe']['ports'], fn($x) => $x['port'] === $p['mta']))[0];
echo '  probe: configured port ', $conf['state'], ', ', count($r['probe']['ports']), " ports tried (25, 465, 587, 2525 and the configured one)\n";
echo '  domain=', var_export($r['domain'], true), ' send=', var_export($r['send'], true), ' https=', implode(',', array_column($r['https'], 'host')), "\n";
echo '  environment: ', implode(',', array_keys($r['environment'])), "\n";
echo '  elapsed_ms is a float > 0: ', var_export(is_float($r['elapsed_ms']) && $r['elapsed_ms'] > 0, true), "\n";
echo '  password nowhere in the result: ', var_export(!str_contains(json_encode($r), MTA_PASSWORD), true), "\n";

summary('implicit TLS + AUTH', diagnose(cfg($p['mta_tls'], ['encryption' => 'tls']), $opts));

echo "-- broken\n";
$cases = [
    'wrong password' => [cfg($p['mta'], ['auth' => send_auth('plain', 'Wrong-Passw0rd')]), []],
    'AUTH answered 538' => [cfg($p['mta_auth538']), []],
    'no STARTTLS offered' => [cfg($p['mta_notls']), []],
    'SSL on a plain port' => [cfg($p['plain465'], ['encryption' => 'tls']), []],
    'never greets' => [cfg($p['silent']), ['timeout' => 2]],
    'greets 421' => [cfg($p['busy421']), []],
    'greets 554' => [cfg($p['reject554']), []],
    'injects after STARTTLS' => [cfg($p['inject']), []],
    'closed port' => [cfg($closed, ['encryption' => 'none', 'auth' => null]), []],
    'certificate not trusted' => [cfg($p['mta']), ['ca_file' => $otherCa]],
    'relay refused' => [cfg($p['mta']), ['send' => send_msg(['to' => 'relay@elsewhere.test'])]],
    'unknown recipient' => [cfg($p['mta']), ['send' => send_msg(['to' => 'nouser@example.test'])]],
    'sender refused' => [cfg($p['mta']), ['send' => send_msg(['from' => 'badsender@example.test'])]],
];
foreach ($cases as $name => [$c, $o]) {
    $r = diagnose($c, $o + $opts);
    summary($name, $r);
    if (isset($o['send'])) echo '  send: stage=', $r['send']['stage'], ' reply=', $r['send']['reply']['code'], "\n";
}
echo 'wrong password not echoed: ', var_export(!str_contains(json_encode(diagnose(cfg($p['mta'], ['auth' => send_auth('plain', 'Wrong-Passw0rd')]), $opts)), 'Wrong-Passw0rd'), true), "\n";

echo "-- smtpdiag_diagnose_many: input order\n";
$configs = ['b' => cfg($p['busy421']), 'h' => cfg($p['mta']), 's' => cfg($p['silent'])];
$rs = smtpdiag_diagnose_many($configs, ['timeout' => 1.5] + $opts);
var_dump(array_keys($rs));
echo implode(',', array_map(fn($x) => $x['root_cause'] ?? 'null', $rs)), "\n";
echo 'same shape as smtpdiag_diagnose(): ', var_export(array_keys($rs[1]) === array_keys($r), true), "\n";

echo "-- smtpdiag_diagnose_many: concurrency\n";
$two = [cfg($p['silent']), cfg($p['silent'])];
$t = microtime(true);
$rs = smtpdiag_diagnose_many($two, ['timeout' => 1.5, 'concurrency' => 1] + $opts);
$serial = microtime(true) - $t;
$t = microtime(true);
$rs2 = smtpdiag_diagnose_many($two, ['timeout' => 1.5, 'concurrency' => 2] + $opts);
$parallel = microtime(true) - $t;
echo 'concurrency 1: one after the other (>= 2.9 s): ', var_export($serial >= 2.9 && $serial < 3.6, true), "\n";
echo 'concurrency 2: together (< 2.2 s): ', var_export($parallel < 2.2, true), "\n";
echo implode(',', array_map(fn($x) => $x['root_cause'], [...$rs, ...$rs2])), "\n";
var_dump(smtpdiag_diagnose_many([], $opts));

smtpdiag_test_server_stop($srv);
unlink($otherCa);
?>
--EXPECTF--
-- healthy
starttls + AUTH: root=null ok=true
  findings ok/info only: true
array(11) {
  [0]=>
  string(2) "ok"
  [1]=>
  string(10) "root_cause"
  [2]=>
  string(8) "findings"
  [3]=>
  string(5) "probe"
  [4]=>
  string(11) "certificate"
  [5]=>
  string(6) "domain"
  [6]=>
  string(4) "auth"
  [7]=>
  string(4) "send"
  [8]=>
  string(11) "environment"
  [9]=>
  string(5) "https"
  [10]=>
  string(10) "elapsed_ms"
}
  smtp_ok: localhost port %d answers SMTP over TLSv1.x, AUTH PLAIN accepted; nothing on this path stops mail.
  auth: stage=done mechanism=PLAIN tls verified=true
  commands: EHLO client.test | STARTTLS | EHLO client.test | AUTH PLAIN <credentials> | QUIT
  certificate: php_accepts=true errors=[]
  probe: configured port open, 5 ports tried (25, 465, 587, 2525 and the configured one)
  domain=NULL send=NULL https=localhost
  environment: php_version,sapi,disabled_functions,openssl,openssl_cafile,openssl_capath,default_ca_file,default_ca_file_exists,user,uid,selinux,httpd_can_network_connect
  elapsed_ms is a float > 0: true
  password nowhere in the result: true
implicit TLS + AUTH: root=null ok=true
  findings ok/info only: true
-- broken
wrong password: root=auth_failed ok=false
  first finding: auth_failed critical
AUTH answered 538: root=auth_requires_tls ok=false
  first finding: auth_requires_tls critical
no STARTTLS offered: root=starttls_unavailable ok=false
  first finding: starttls_unavailable critical
SSL on a plain port: root=encryption_expects_starttls ok=false
  first finding: encryption_expects_starttls critical
never greets: root=greeting_timeout ok=false
  first finding: greeting_timeout critical
greets 421: root=server_busy ok=false
  first finding: server_busy critical
greets 554: root=greeting_rejected ok=false
  first finding: greeting_rejected critical
injects after STARTTLS: root=smtp_protocol_error ok=false
  first finding: smtp_protocol_error critical
closed port: root=port_refused ok=false
  first finding: port_refused critical
certificate not trusted: root=cert_self_signed ok=false
  first finding: cert_self_signed critical
relay refused: root=relay_denied ok=false
  first finding: relay_denied critical
  send: stage=rcpt_to reply=554
unknown recipient: root=recipient_rejected ok=false
  first finding: recipient_rejected critical
  send: stage=rcpt_to reply=550
sender refused: root=sender_rejected ok=false
  first finding: sender_rejected critical
  send: stage=mail_from reply=550
wrong password not echoed: true
-- smtpdiag_diagnose_many: input order
array(3) {
  [0]=>
  int(0)
  [1]=>
  int(1)
  [2]=>
  int(2)
}
server_busy,null,greeting_timeout
same shape as smtpdiag_diagnose(): true
-- smtpdiag_diagnose_many: concurrency
concurrency 1: one after the other (>= 2.9 s): true
concurrency 2: together (< 2.2 s): true
greeting_timeout,greeting_timeout,greeting_timeout,greeting_timeout
array(0) {
}
