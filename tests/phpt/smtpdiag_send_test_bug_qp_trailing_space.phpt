--TEST--
smtpdiag_send_test(): quoted-printable encodes white space at the end of the last line too
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta']);
smtpdiag_send_test(send_cfg($srv['ports']['mta']), send_msg(['body' => "café \t"]), SEND_OPTS);
$log = smtpdiag_test_server_stop($srv);
[, $body] = explode("\r\n\r\n", server_messages($log, 'mta')[0], 2);
echo json_encode($body), "\n";
?>
--EXPECT--
"caf=C3=A9 =09\r\n"
