--TEST--
smtpdiag_send_test(): a successful send, the result's shape, encryption defaults and auto_tls
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta', 'mta_tls', 'mta_notls']);
$p = $srv['ports'];

$t = microtime(true);
$r = smtpdiag_send_test(send_cfg($p['mta'], ['host' => 'localhost', 'encryption' => 'starttls', 'verify_peer' => false,
    'allow_insecure_auth' => true, 'auth' => send_auth()]), send_msg(['to' => ['a@example.test', 'b@example.test']]),
    ['family' => 'ipv4'] + SEND_OPTS);
$elapsed = microtime(true) - $t;
echo send_summary($r), "\n";
var_dump(array_keys($r));
echo 'timings: ', implode(',', array_keys($r['timings'])), "\n";
$nonneg = array_filter($r['timings'], fn($v) => !is_float($v) || $v < 0);
echo 'timings are non-negative floats: ', var_export($nonneg === [], true), "\n";
echo 'message_id: ', preg_match('/^<[0-9a-f]{24}\.\d{10}@example\.test>$/', $r['message_id']) ? 'ok' : $r['message_id'], "\n";
var_export($r['recipients']);
echo "\n";
var_export(['address' => $r['address'], 'auth_mechanism' => $r['auth_mechanism'], 'error' => $r['error']]);
echo "\n";
var_dump(array_keys($r['tls']), $r['tls']['mode'], $r['tls']['ok'], $r['tls']['protocol'], $r['tls']['verified'], $r['tls']['verify_error']);
echo 'elapsed_ms: ', var_export($r['elapsed_ms'] > 0 && $r['elapsed_ms'] / 1000 <= $elapsed + 0.01, true), "\n";
// Transcript entries: dir, text, t_ms, in time order.
$keysOk = true;
$prev = 0.0;
foreach ($r['transcript'] as $l) {
    $keysOk = $keysOk && array_keys($l) === ['dir', 'text', 't_ms'] && in_array($l['dir'], ['C', 'S', '*'], true)
        && is_float($l['t_ms']) && $l['t_ms'] >= $prev;
    $prev = $l['t_ms'];
}
echo 'transcript entries well-formed and ordered: ', var_export($keysOk, true), "\n";
echo preg_replace('/<[0-9a-f]{24}\.\d{10}@/', '<ID@', implode("\n", array_filter(send_transcript($r), fn($l) => $l[0] === 'C' || $l[0] === '*'))), "\n";

echo "-- defaults: port other than 465 means STARTTLS\n";
$r = smtpdiag_send_test(['host' => '127.0.0.1', 'port' => $p['mta_notls']], send_msg(), SEND_OPTS);
echo send_summary($r), "\n";
echo "-- verify_peer defaults to true\n";
$r = smtpdiag_send_test(['host' => '127.0.0.1', 'port' => $p['mta']], send_msg(), SEND_OPTS);
echo send_summary($r), ' verify_error=', $r['tls']['verify_error'], "\n";
echo "-- auto_tls: STARTTLS when offered, plain when not\n";
$r = smtpdiag_send_test(send_cfg($p['mta'], ['auto_tls' => true, 'verify_peer' => false]), send_msg(), SEND_OPTS);
echo send_summary($r), ' tls=', $r['tls']['mode'] ?? 'none', "\n";
$r = smtpdiag_send_test(send_cfg($p['mta_notls'], ['auto_tls' => true, 'verify_peer' => false]), send_msg(), SEND_OPTS);
echo send_summary($r), ' tls=', $r['tls']['mode'] ?? 'none', "\n";
echo "-- encryption none, auto_tls off: no STARTTLS even when offered\n";
$r = smtpdiag_send_test(send_cfg($p['mta']), send_msg(), SEND_OPTS);
echo send_summary($r), ' tls=', $r['tls']['mode'] ?? 'none', "\n";
echo "-- implicit TLS\n";
$r = smtpdiag_send_test(send_cfg($p['mta_tls'], ['encryption' => 'tls', 'verify_peer' => false]), send_msg(), SEND_OPTS);
echo send_summary($r), ' tls=', $r['tls']['mode'], ' timings=', implode(',', array_keys($r['timings'])), "\n";
echo "-- implicit TLS against a STARTTLS port\n";
$r = smtpdiag_send_test(send_cfg($p['mta'], ['encryption' => 'tls', 'verify_peer' => false]), send_msg(), SEND_OPTS);
echo send_summary($r), "\n";

$log = smtpdiag_test_server_stop($srv);
echo "-- what the servers saw\n";
foreach (['mta', 'mta_notls', 'mta_tls'] as $b) {
    foreach (server_sessions($log, $b) as $s) {
        if ($s === [] || preg_match('/[^\x20-\x7e]/', implode('', $s))) {
            echo "$b: <binary: a TLS ClientHello>\n";
            continue;
        }
        echo "$b: ", implode(' | ', array_map(fn($c) => preg_replace('/^AUTH PLAIN \S+$/', 'AUTH PLAIN <credentials>', $c), $s)), "\n";
    }
}
?>
--EXPECT--
ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
array(13) {
  [0]=>
  string(2) "ok"
  [1]=>
  string(5) "stage"
  [2]=>
  string(5) "reply"
  [3]=>
  string(10) "transcript"
  [4]=>
  string(7) "timings"
  [5]=>
  string(10) "message_id"
  [6]=>
  string(8) "findings"
  [7]=>
  string(10) "recipients"
  [8]=>
  string(7) "address"
  [9]=>
  string(3) "tls"
  [10]=>
  string(14) "auth_mechanism"
  [11]=>
  string(5) "error"
  [12]=>
  string(10) "elapsed_ms"
}
timings: dns,banner,ehlo,starttls,auth,mail_from,rcpt_to,data,quit
timings are non-negative floats: true
message_id: ok
array (
  0 => 
  array (
    'address' => 'a@example.test',
    'accepted' => true,
    'code' => 250,
    'enhanced' => '2.1.5',
    'text' => '2.1.5 Ok',
  ),
  1 => 
  array (
    'address' => 'b@example.test',
    'accepted' => true,
    'code' => 250,
    'enhanced' => '2.1.5',
    'text' => '2.1.5 Ok',
  ),
)
array (
  'address' => '127.0.0.1',
  'auth_mechanism' => 'PLAIN',
  'error' => NULL,
)
array(6) {
  [0]=>
  string(4) "mode"
  [1]=>
  string(2) "ok"
  [2]=>
  string(8) "protocol"
  [3]=>
  string(6) "cipher"
  [4]=>
  string(8) "verified"
  [5]=>
  string(12) "verify_error"
}
string(8) "starttls"
bool(true)
string(7) "TLSv1.3"
bool(false)
string(23) "self-signed certificate"
elapsed_ms: true
transcript entries well-formed and ordered: true
C: EHLO client.test
C: STARTTLS
*: TLS handshake
*: TLS established: TLSv1.3 TLS_AES_256_GCM_SHA384
C: EHLO client.test
C: AUTH PLAIN [redacted]
C: MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=291
C: RCPT TO:<a@example.test>
C: RCPT TO:<b@example.test>
C: DATA
C: [message: 291 bytes, 11 lines, <ID@example.test>]
*: end of message
C: QUIT
-- defaults: port other than 465 means STARTTLS
ok=false stage=starttls findings=starttls_unavailable reply=null
-- verify_peer defaults to true
ok=false stage=starttls findings=cert_self_signed reply=null verify_error=self-signed certificate
-- auto_tls: STARTTLS when offered, plain when not
ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" tls=starttls
ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" tls=none
-- encryption none, auto_tls off: no STARTTLS even when offered
ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" tls=none
-- implicit TLS
ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" tls=implicit timings=banner,ehlo,mail_from,rcpt_to,data,quit
-- implicit TLS against a STARTTLS port
ok=false stage=connect findings=encryption_expects_starttls reply=null
-- what the servers saw
mta: EHLO client.test | STARTTLS | EHLO client.test | AUTH PLAIN <credentials> | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=291 | RCPT TO:<a@example.test> | RCPT TO:<b@example.test> | DATA | QUIT
mta: EHLO client.test | STARTTLS
mta: EHLO client.test | STARTTLS | EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=274 | RCPT TO:<rcpt@example.test> | DATA | QUIT
mta: EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=274 | RCPT TO:<rcpt@example.test> | DATA | QUIT
mta: <binary: a TLS ClientHello>
mta_notls: EHLO client.test | QUIT
mta_notls: EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=274 | RCPT TO:<rcpt@example.test> | DATA | QUIT
mta_tls: EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=274 | RCPT TO:<rcpt@example.test> | DATA | QUIT
