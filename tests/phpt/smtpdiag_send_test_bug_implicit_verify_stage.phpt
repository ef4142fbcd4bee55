--TEST--
smtpdiag_send_test(): an implicit TLS certificate failure has the same stage as an implicit TLS handshake failure
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta_tls', 'mta']);
$r1 = smtpdiag_send_test(send_cfg($srv['ports']['mta_tls'], ['encryption' => 'tls']), send_msg(), SEND_OPTS);
$r2 = smtpdiag_send_test(send_cfg($srv['ports']['mta'], ['encryption' => 'tls']), send_msg(), SEND_OPTS);
smtpdiag_test_server_stop($srv);
echo $r1['findings'][0]['code'], ' ', $r1['stage'], "\n", $r2['findings'][0]['code'], ' ', $r2['stage'], "\n";
?>
--EXPECT--
cert_self_signed connect
encryption_expects_starttls connect
