--TEST--
smtpdiag_send_test(): header lines holding RFC 2047 encoded words are at most 76 characters
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta']);
$r = smtpdiag_send_test(send_cfg($srv['ports']['mta']),
    send_msg(['subject' => str_repeat('ü', 60), 'from' => str_repeat('Zoë ', 20) . '<zoe@example.test>', 'headers' => ['X-Long-Header-Name' => str_repeat('é', 60)]]), SEND_OPTS);
$log = smtpdiag_test_server_stop($srv);
[$head] = explode("\r\n\r\n", server_messages($log, 'mta')[0], 2);
foreach (explode("\r\n", $head) as $line) {
    if (str_contains($line, '=?UTF-8?') && strlen($line) > 76) echo strlen($line), ': ', $line, "\n";
}
echo "done\n";
?>
--EXPECT--
done
