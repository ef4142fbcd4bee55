--TEST--
smtpdiag_send_test(): SMTPUTF8 only for non-ASCII addresses, and a clear failure when the server does not offer it
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta', 'mta_nosmtputf8']);
$p = $srv['ports'];
$cases = [
    'ASCII, offered' => ['mta', send_msg()],
    'non-ASCII display name only, not offered' => ['mta_nosmtputf8', send_msg(['from' => 'José <jose@example.test>'])],
    'non-ASCII sender, offered' => ['mta', send_msg(['from' => 'josé@exämple.test'])],
    'non-ASCII recipient, offered' => ['mta', send_msg(['to' => ['rcpt@example.test', 'ünï@example.test']])],
    'non-ASCII sender, not offered' => ['mta_nosmtputf8', send_msg(['from' => 'josé@exämple.test'])],
    'non-ASCII recipient, not offered' => ['mta_nosmtputf8', send_msg(['to' => 'ünï@example.test'])],
];
$results = [];
foreach ($cases as $name => [$b, $msg]) {
    $r = smtpdiag_send_test(send_cfg($p[$b]), $msg, SEND_OPTS);
    $results[$name] = $r;
    echo "$name: ", send_summary($r), "\n  error=", var_export($r['error'], true), "\n";
    $mail = array_values(array_filter(send_transcript($r), fn($l) => str_starts_with($l, 'C: MAIL') || str_starts_with($l, 'C: RCPT')));
    echo '  ', implode("\n  ", $mail ?: ['(no MAIL FROM)']), "\n";
}
$log = smtpdiag_test_server_stop($srv);
echo "-- what the servers saw\n";
foreach (['mta', 'mta_nosmtputf8'] as $b) {
    foreach (server_sessions($log, $b) as $s) echo "$b: ", implode(' | ', $s), "\n";
}
$f = finding($results['non-ASCII sender, not offered'], 'message_rejected');
echo "-- the finding\n";
var_dump(str_contains($f['detail'], 'SMTPUTF8'), $f['evidence']['stage']);
// The UTF-8 message still carries the address as is in From (RFC 6532).
$msgs = server_messages($log, 'mta');
var_dump(count($msgs), str_contains($msgs[1], "\r\nFrom: <josé@exämple.test>\r\n"));
?>
--EXPECT--
ASCII, offered: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
  error=NULL
  C: MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=274
  C: RCPT TO:<rcpt@example.test>
non-ASCII display name only, not offered: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
  error=NULL
  C: MAIL FROM:<jose@example.test> BODY=8BITMIME SIZE=293
  C: RCPT TO:<rcpt@example.test>
non-ASCII sender, offered: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
  error=NULL
  C: MAIL FROM:<josé@exämple.test> SMTPUTF8 BODY=8BITMIME SIZE=275
  C: RCPT TO:<rcpt@example.test>
non-ASCII recipient, offered: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
  error=NULL
  C: MAIL FROM:<sender@example.test> SMTPUTF8 BODY=8BITMIME SIZE=298
  C: RCPT TO:<rcpt@example.test>
  C: RCPT TO:<ünï@example.test>
non-ASCII sender, not offered: ok=false stage=mail_from findings=message_rejected reply=null
  error='an address is not ASCII and the server does not offer SMTPUTF8'
  (no MAIL FROM)
non-ASCII recipient, not offered: ok=false stage=mail_from findings=message_rejected reply=null
  error='an address is not ASCII and the server does not offer SMTPUTF8'
  (no MAIL FROM)
-- what the servers saw
mta: EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=274 | RCPT TO:<rcpt@example.test> | DATA | QUIT
mta: EHLO client.test | MAIL FROM:<josé@exämple.test> SMTPUTF8 BODY=8BITMIME SIZE=275 | RCPT TO:<rcpt@example.test> | DATA | QUIT
mta: EHLO client.test | MAIL FROM:<sender@example.test> SMTPUTF8 BODY=8BITMIME SIZE=298 | RCPT TO:<rcpt@example.test> | RCPT TO:<ünï@example.test> | DATA | QUIT
mta_nosmtputf8: EHLO client.test | MAIL FROM:<jose@example.test> BODY=8BITMIME SIZE=293 | RCPT TO:<rcpt@example.test> | DATA | QUIT
mta_nosmtputf8: EHLO client.test | QUIT
mta_nosmtputf8: EHLO client.test | QUIT
-- the finding
bool(true)
string(9) "mail_from"
int(3)
bool(true)
