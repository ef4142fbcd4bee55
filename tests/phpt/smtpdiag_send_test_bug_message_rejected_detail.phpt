--TEST--
smtpdiag_send_test(): message_rejected's detail separates the reply from the error, and does not blame the server for a local refusal
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta_data554', 'mta_nosmtputf8']);
$r = smtpdiag_send_test(send_cfg($srv['ports']['mta_data554']), send_msg(), SEND_OPTS);
$d1 = finding($r, 'message_rejected')['detail'];
$r = smtpdiag_send_test(send_cfg($srv['ports']['mta_nosmtputf8']), send_msg(['to' => 'ünï@example.test']), SEND_OPTS);
$d2 = finding($r, 'message_rejected')['detail'];
smtpdiag_test_server_stop($srv);
var_dump(str_contains($d1, 'blocklistedDATA'), str_contains($d2, 'greets'), str_contains($d2, 'XOAUTH2an address'));
?>
--EXPECT--
bool(false)
bool(false)
bool(false)
