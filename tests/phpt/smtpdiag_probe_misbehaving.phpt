--TEST--
smtpdiag_probe() names what a misbehaving server did, within the deadline
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/smtp_server.inc';
$kinds = ['busy421', 'reject554', 'silent', 'close', 'inject', 'multiline_mixed', 'longline', 'normal'];
$srv = smtpdiag_test_server($kinds);
$ports = $srv['ports'];
$t = microtime(true);
// 'normal' listed as implicit TLS via port 465 semantics is covered in the
// lab; here 465 is not used, so every port is plain + STARTTLS.
$r = smtpdiag_probe('127.0.0.1', ['ports' => array_values($ports), 'timeout' => 1.5, 'ehlo_name' => 'client.test']);
$elapsed = microtime(true) - $t;
$log = smtpdiag_test_server_stop($srv);
$byPort = array_column($r['ports'], null, 'port');
foreach ($ports as $kind => $port) {
    $s = $byPort[$port]['smtp'];
    printf("%-16s state=%s code=%s stage=%s error=%s\n", $kind, $byPort[$port]['state'],
        var_export($s['banner_code'], true), $s['stage'], var_export($s['error_code'], true));
}
$codes = [];
foreach ($r['findings'] as $f) $codes[$f['evidence']['port'] ?? 0][] = $f['code'];
foreach ($ports as $kind => $port) printf("%-16s %s\n", $kind, implode(',', $codes[$port] ?? ['-']));
// The hostile banner is kept as text; control bytes never pass.
var_dump($byPort[$ports['reject554']]['smtp']['banner']);
// STARTTLS injection: after the pipelined bytes we sent nothing more.
preg_match_all('/^\[inject\] C: (.*)$/m', $log, $m);
var_dump($m[1]);
// The call ends at its deadline (silent server) and not much later.
var_dump($elapsed < 1.5 + 0.25, $elapsed > 1.3);
?>
--EXPECT--
busy421          state=open code=421 stage=greeting error='server_busy'
reject554        state=open code=554 stage=greeting error='greeting_rejected'
silent           state=open code=NULL stage=greeting error='greeting_timeout'
close            state=open code=NULL stage=greeting error='closed'
inject           state=open code=220 stage=tls error='starttls_injection'
multiline_mixed  state=open code=NULL stage=greeting error='bad_reply'
longline         state=open code=NULL stage=greeting error='bad_reply'
normal           state=open code=220 stage=done error=NULL
busy421          server_busy
reject554        greeting_rejected
silent           greeting_timeout
close            smtp_protocol_error
inject           smtp_protocol_error
multiline_mixed  smtp_protocol_error
longline         smtp_protocol_error
normal           -
string(42) "5.7.1 <script>alert(1)</script> no service"
array(2) {
  [0]=>
  string(16) "EHLO client.test"
  [1]=>
  string(8) "STARTTLS"
}
bool(true)
bool(true)
