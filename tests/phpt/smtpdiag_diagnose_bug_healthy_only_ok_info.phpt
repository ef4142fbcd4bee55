--TEST--
smtpdiag_diagnose(): a healthy result (ok, no root cause) carries no critical or warning finding about a certificate the settings never verify
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta']);
$opts = ['timeout' => 3, 'ehlo_name' => 'client.test', 'api_hosts' => [], 'check_domain' => false, 'family' => 'ipv4'];
// The fixture's certificate is self-signed for CN=localhost, but these
// settings send in clear text (encryption none, auto_tls off) or with
// verify_peer off: PHPMailer never judges it, and mail leaves.
foreach (['encryption none' => send_cfg($srv['ports']['mta']),
          'STARTTLS, verify_peer false' => send_cfg($srv['ports']['mta'], ['encryption' => 'starttls', 'verify_peer' => false])] as $name => $cfg) {
    $r = smtpdiag_diagnose($cfg, $opts);
    $loud = array_map(fn($f) => "{$f['code']}:{$f['severity']}", array_filter($r['findings'], fn($f) => !in_array($f['severity'], ['ok', 'info'], true)));
    printf("%s: ok=%s root=%s louder than info: %s\n", $name, var_export($r['ok'], true), $r['root_cause'] ?? 'null', implode(',', $loud) ?: 'none');
}
smtpdiag_test_server_stop($srv);
?>
--EXPECT--
encryption none: ok=true root=null louder than info: none
STARTTLS, verify_peer false: ok=true root=null louder than info: none
