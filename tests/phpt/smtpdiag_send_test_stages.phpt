--TEST--
smtpdiag_send_test(): each stage failing in turn gives its stage, finding and reply
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$kinds = ['busy421', 'reject554', 'mta', 'mta_ehlo500', 'mta_helo_refused', 'mta_notls', 'mta_starttls454',
    'mta_auth534', 'mta_auth538', 'mta_data554', 'mta_data451', 'mta_eom550'];
$srv = smtpdiag_test_server($kinds);
$p = $srv['ports'];
$insecure = ['allow_insecure_auth' => true];
$cases = [
    'greeting 421' => [$p['busy421'], [], []],
    'greeting 554' => [$p['reject554'], [], []],
    'EHLO 500, HELO 250' => [$p['mta_ehlo500'], [], []],
    'EHLO and HELO refused' => [$p['mta_helo_refused'], [], []],
    'STARTTLS not offered' => [$p['mta_notls'], ['encryption' => 'starttls'], []],
    'STARTTLS 454' => [$p['mta_starttls454'], ['encryption' => 'starttls'], []],
    'AUTH 535' => [$p['mta'], $insecure + ['auth' => send_auth('plain', 'wrong-password')], []],
    'AUTH 534 5.7.9' => [$p['mta_auth534'], $insecure + ['auth' => send_auth()], []],
    'AUTH 538' => [$p['mta_auth538'], $insecure + ['auth' => send_auth()], []],
    'MAIL 550' => [$p['mta'], [], ['from' => 'badsender@example.test']],
    'RCPT 550 5.1.1' => [$p['mta'], [], ['to' => 'nouser@example.test']],
    'RCPT 554 5.7.1 relay' => [$p['mta'], [], ['to' => 'relay@elsewhere.test']],
    'RCPT 450 4.2.1' => [$p['mta'], [], ['to' => 'busy@example.test']],
    'RCPT multiline 550' => [$p['mta'], [], ['to' => 'multi@example.test']],
    'DATA 554' => [$p['mta_data554'], [], []],
    'DATA 451' => [$p['mta_data451'], [], []],
    'end of data 550' => [$p['mta_eom550'], [], []],
    'one of three refused' => [$p['mta'], [], ['to' => ['a@example.test', 'nouser@example.test', 'b@example.test']]],
];
$results = [];
foreach ($cases as $name => [$port, $cfg, $msg]) {
    $r = smtpdiag_send_test(send_cfg($port, $cfg), send_msg($msg), SEND_OPTS);
    $results[$name] = $r;
    echo "$name: ", send_summary($r), "\n";
    echo '  timings=', implode(',', array_keys($r['timings'])), ' error=', var_export($r['error'], true),
        ' message_id=', $r['message_id'] === null ? 'null' : 'set', "\n";
}
$log = smtpdiag_test_server_stop($srv);

echo "-- HELO fallback\n";
print_r(array_slice(send_transcript($results['EHLO 500, HELO 250']), 0, 5));
echo "-- STARTTLS not offered / refused: commands sent\n";
echo implode(' | ', server_commands($log, 'mta_notls')), "\n";
echo implode(' | ', server_commands($log, 'mta_starttls454')), "\n";
echo "-- 538: nothing after the refused AUTH but QUIT\n";
echo implode(' | ', array_map(fn($c) => preg_replace('/^(AUTH PLAIN) \S+$/', '$1 <credentials>', $c), server_commands($log, 'mta_auth538'))), "\n";
echo "-- 4xx and 5xx kept apart\n";
foreach (['RCPT 450 4.2.1', 'RCPT 550 5.1.1', 'DATA 451', 'DATA 554'] as $n) {
    echo "$n: ", $results[$n]['reply']['code'], ' ', $results[$n]['findings'][0]['evidence']['reply_code'], "\n";
}
echo "-- 534: the detail asks for an app password\n";
$f = finding($results['AUTH 534 5.7.9'], 'auth_failed');
var_dump(str_contains($f['detail'], 'app password'), str_contains($f['detail'], '534 5.7.9 Application-specific password required.'));
echo finding($results['AUTH 534 5.7.9'], 'auth_failed')['detail'], "\n";
echo "-- 535 detail\n";
echo finding($results['AUTH 535'], 'auth_failed')['detail'], "\n";
echo "-- relay / recipient details\n";
echo finding($results['RCPT 554 5.7.1 relay'], 'relay_denied')['detail'], "\n";
echo finding($results['RCPT 550 5.1.1'], 'recipient_rejected')['detail'], "\n";
echo "-- several recipients\n";
$r = $results['one of three refused'];
var_export($r['recipients']);
echo "\n", finding($r, 'recipient_rejected')['detail'], "\n";
$sessions = server_sessions($log, 'mta');
print_r(end($sessions));
echo "-- every finding is complete\n";
foreach ($results as $name => $r) {
    foreach ($r['findings'] as $f) {
        if (array_keys($f) !== ['code', 'severity', 'title', 'detail', 'fix', 'evidence'] || $f['title'] === $f['code']
            || $f['detail'] === '' || $f['fix'] === ''
            // A recipient refused while the mail went out is evidenced at rcpt_to.
            || ($f['evidence']['stage'] ?? null) !== ($r['ok'] && $f['code'] === 'recipient_rejected' ? 'rcpt_to' : $r['stage'])) {
            echo "$name: incomplete finding ", var_export($f, true), "\n";
        }
    }
}
echo "done\n";
?>
--EXPECTF--
greeting 421: ok=false stage=banner findings=server_busy reply=421 '4.3.2' "4.3.2 loopback busy, try later"
  timings=banner error='greeting 421' message_id=null
greeting 554: ok=false stage=banner findings=greeting_rejected reply=554 '5.7.1' "5.7.1 <script>alert(1)</script> no service"
  timings=banner error='greeting 554' message_id=null
EHLO 500, HELO 250: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
  timings=banner,ehlo,mail_from,rcpt_to,data,quit error=NULL message_id=set
EHLO and HELO refused: ok=false stage=ehlo findings=ehlo_rejected reply=550 '5.7.1' "5.7.1 HELO refused: your name is not welcome"
  timings=banner,ehlo error='EHLO and HELO refused' message_id=null
STARTTLS not offered: ok=false stage=starttls findings=starttls_unavailable reply=null
  timings=banner,ehlo,starttls error='the server does not offer STARTTLS' message_id=null
STARTTLS 454: ok=false stage=starttls findings=starttls_unavailable reply=454 '4.7.0' "4.7.0 TLS not available due to local problem"
  timings=banner,ehlo,starttls error='STARTTLS refused' message_id=null
AUTH 535: ok=false stage=auth findings=auth_failed reply=535 '5.7.8' "5.7.8 Authentication credentials invalid"
  timings=banner,ehlo,auth error='authentication failed' message_id=null
AUTH 534 5.7.9: ok=false stage=auth findings=auth_failed reply=534 '5.7.9' "5.7.9 Application-specific password required. Learn more at 5.7.9 https://support.example.test/app-passwords"
  timings=banner,ehlo,auth error='the server wants an app password (5.7.9), not the account password' message_id=null
AUTH 538: ok=false stage=auth findings=auth_requires_tls reply=538 '5.7.11' "5.7.11 Encryption required for requested authentication mechanism"
  timings=banner,ehlo,auth error='the server requires encryption before AUTH' message_id=null
MAIL 550: ok=false stage=mail_from findings=sender_rejected reply=550 '5.7.1' "5.7.1 <badsender@example.test>: Sender address rejected: not owned by user"
  timings=banner,ehlo,mail_from error='MAIL FROM refused' message_id=null
RCPT 550 5.1.1: ok=false stage=rcpt_to findings=recipient_rejected reply=550 '5.1.1' "5.1.1 <nouser@example.test>: Recipient address rejected: User unknown in virtual mailbox table"
  timings=banner,ehlo,mail_from,rcpt_to error='no recipient accepted' message_id=null
RCPT 554 5.7.1 relay: ok=false stage=rcpt_to findings=relay_denied reply=554 '5.7.1' "5.7.1 <relay@elsewhere.test>: Relay access denied"
  timings=banner,ehlo,mail_from,rcpt_to error='no recipient accepted' message_id=null
RCPT 450 4.2.1: ok=false stage=rcpt_to findings=recipient_rejected reply=450 '4.2.1' "4.2.1 <busy@example.test>: Recipient address rejected: mailbox busy, try again later"
  timings=banner,ehlo,mail_from,rcpt_to error='no recipient accepted' message_id=null
RCPT multiline 550: ok=false stage=rcpt_to findings=recipient_rejected reply=550 '5.1.1' "5.1.1 The email account that you tried to reach does not exist. 5.1.1 Please try double-checking the recipient's email 5.1.1 address for typos. x1si123 - gsmtp"
  timings=banner,ehlo,mail_from,rcpt_to error='no recipient accepted' message_id=null
DATA 554: ok=false stage=data findings=message_rejected reply=554 '5.7.1' "5.7.1 DATA refused: sending host is blocklisted"
  timings=banner,ehlo,mail_from,rcpt_to,data error='DATA refused' message_id=null
DATA 451: ok=false stage=data findings=message_rejected reply=451 '4.3.0' "4.3.0 Temporary DATA failure, try again later"
  timings=banner,ehlo,mail_from,rcpt_to,data error='DATA refused' message_id=null
end of data 550: ok=false stage=data findings=message_rejected reply=550 '5.7.1' "5.7.1 Message rejected as spam 5.7.1 see https://example.test/spam"
  timings=banner,ehlo,mail_from,rcpt_to,data error='message refused' message_id=null
one of three refused: ok=true stage=done findings=recipient_rejected reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
  timings=banner,ehlo,mail_from,rcpt_to,data,quit error=NULL message_id=set
-- HELO fallback
Array
(
    [0] => S: 220 localhost ESMTP phpt-mta
    [1] => C: EHLO client.test
    [2] => S: 500 5.5.1 EHLO not understood
    [3] => C: HELO client.test
    [4] => S: 250 localhost
)
-- STARTTLS not offered / refused: commands sent
EHLO client.test | QUIT
EHLO client.test | STARTTLS | QUIT
-- 538: nothing after the refused AUTH but QUIT
EHLO client.test | AUTH PLAIN <credentials> | QUIT
-- 4xx and 5xx kept apart
RCPT 450 4.2.1: 450 450
RCPT 550 5.1.1: 550 550
DATA 451: 451 451
DATA 554: 554 554
-- 534: the detail asks for an app password
bool(true)
bool(true)
AUTH PLAIN to 127.0.0.1 port %d was refused: 534 5.7.9 Application-specific password required. Learn more at 5.7.9 https://support.example.test/app-passwords. The server says an app password is required: create one in the mail account's security settings and use it instead of the account password.
-- 535 detail
AUTH PLAIN to 127.0.0.1 port %d was refused: 535 5.7.8 Authentication credentials invalid.
-- relay / recipient details
127.0.0.1 refused to relay: relay@elsewhere.test: 554 5.7.1 <relay@elsewhere.test>: Relay access denied.
RCPT TO was refused: nouser@example.test: 550 5.1.1 <nouser@example.test>: Recipient address rejected: User unknown in virtual mailbox table.
-- several recipients
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
    'address' => 'nouser@example.test',
    'accepted' => false,
    'code' => 550,
    'enhanced' => '5.1.1',
    'text' => '5.1.1 <nouser@example.test>: Recipient address rejected: User unknown in virtual mailbox table',
  ),
  2 => 
  array (
    'address' => 'b@example.test',
    'accepted' => true,
    'code' => 250,
    'enhanced' => '2.1.5',
    'text' => '2.1.5 Ok',
  ),
)
RCPT TO was refused: nouser@example.test: 550 5.1.1 <nouser@example.test>: Recipient address rejected: User unknown in virtual mailbox table.
Array
(
    [0] => EHLO client.test
    [1] => MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=316
    [2] => RCPT TO:<a@example.test>
    [3] => RCPT TO:<nouser@example.test>
    [4] => RCPT TO:<b@example.test>
    [5] => DATA
    [6] => QUIT
)
-- every finding is complete
done
