--TEST--
smtpdiag_send_test(): a STARTTLS answered 454 is not reported as "does not offer STARTTLS"
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta_starttls454']);
$r = smtpdiag_send_test(send_cfg($srv['ports']['mta_starttls454'], ['encryption' => 'starttls']), send_msg(), SEND_OPTS);
smtpdiag_test_server_stop($srv);
$d = finding($r, 'starttls_unavailable')['detail'];
var_dump(str_contains($d, '454'), str_ends_with($d, 'does not offer STARTTLS.'));
?>
--EXPECT--
bool(true)
bool(false)
