--TEST--
smtpdiag_send_test(): when one recipient of several is refused, the finding's evidence is that RCPT's reply, not QUIT's
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta']);
$r = smtpdiag_send_test(send_cfg($srv['ports']['mta']), send_msg(['to' => ['a@example.test', 'nouser@example.test']]), SEND_OPTS);
smtpdiag_test_server_stop($srv);
$e = finding($r, 'recipient_rejected')['evidence'];
echo $e['reply_code'], ' ', $e['reply_enhanced'], "\n";
?>
--EXPECT--
550 5.1.1
