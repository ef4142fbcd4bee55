--TEST--
smtpdiag_send_test(): relay_denied vs recipient_rejected does not depend on the order of the recipients
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta']);
foreach ([['relay@elsewhere.test', 'nouser@example.test'], ['nouser@example.test', 'relay@elsewhere.test']] as $to) {
    $r = smtpdiag_send_test(send_cfg($srv['ports']['mta']), send_msg(['to' => $to]), SEND_OPTS);
    echo implode(',', array_column($r['findings'], 'code')), "\n";
}
smtpdiag_test_server_stop($srv);
?>
--EXPECT--
relay_denied
relay_denied
