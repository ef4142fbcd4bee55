--TEST--
smtpdiag_send_test(): a server that hangs up after 354, stalls mid-DATA or trickles bytes is bounded by the deadline
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta_data_close', 'mta_data_stall', 'mta_slow']);
$p = $srv['ports'];
// Big enough that the stalled server's socket buffers fill while we write.
$big = str_repeat(str_repeat('x', 70) . "\n", 60000);
$cases = [
    'close after 354' => [$p['mta_data_close'], send_msg(), ['timeout' => 5.0]],
    'stall mid-DATA, phase_timeout 1' => [$p['mta_data_stall'], send_msg(['body' => $big]), ['timeout' => 5.0, 'phase_timeout' => 1.0]],
    'stall mid-DATA, timeout 1.5' => [$p['mta_data_stall'], send_msg(['body' => $big]), ['timeout' => 1.5]],
    'slow server, timeout 2' => [$p['mta_slow'], send_msg(), ['timeout' => 2.0]],
    'slow server, phase_timeout 1' => [$p['mta_slow'], send_msg(), ['timeout' => 5.0, 'phase_timeout' => 1.0]],
];
foreach ($cases as $name => [$port, $msg, $opts]) {
    $t = microtime(true);
    $r = smtpdiag_send_test(send_cfg($port), $msg, $opts + ['ehlo_name' => 'client.test']);
    $elapsed = microtime(true) - $t;
    echo "$name: ", send_summary($r), "\n";
    echo '  error=', var_export($r['error'], true), "\n";
    if ($name === 'close after 354') {
        printf("  within bound: %s\n", var_export($elapsed < 1.0, true));  // no waiting at all
    } else {
        // The whole call: within timeout + 250 ms, and not ended early.
        $floor = isset($opts['phase_timeout']) ? $opts['phase_timeout'] : $opts['timeout'] - 0.1;
        $ok = $elapsed < $opts['timeout'] + 0.25 && $elapsed >= $floor;
        printf("  within bound: %s\n", var_export($ok, true));
        if (!$ok) printf("  elapsed %.3f s\n", $elapsed);
    }
    if (isset($opts['phase_timeout'])) {
        // The phase's own clock: from its start (the end of the message, or the
        // connection for the greeting) to the timeout note in the transcript.
        $tr = $r['transcript'];
        $start = 0.0;
        foreach ($tr as $l) if ($l['text'] === 'end of message') $start = $l['t_ms'];
        $phase = (end($tr)['t_ms'] - $start) / 1000;
        $ok = $phase >= $opts['phase_timeout'] - 0.05 && $phase < $opts['phase_timeout'] + 0.25;
        printf("  ended by phase_timeout: %s\n", var_export($ok, true));
        if (!$ok) printf("  phase %.3f s\n", $phase);
    }
    printf("  elapsed_ms agrees: %s\n", var_export(abs($r['elapsed_ms'] / 1000 - $elapsed) < 0.25, true));
    echo '  last: ', implode(' | ', array_slice(send_transcript($r), -3)), "\n";
}
$log = smtpdiag_test_server_stop($srv);
echo "-- the server saw\n";
foreach (['mta_data_close', 'mta_data_stall', 'mta_slow'] as $b) {
    foreach (server_sessions($log, $b) as $s) echo "$b: ", implode(' | ', $s) ?: '(no command)', "\n";
}
echo 'close after 354 logged: ', var_export(str_contains($log, "] close after 354\n"), true), "\n";
?>
--EXPECTF--
close after 354: ok=false stage=data findings=connection_lost reply=354 NULL "End data with <CR><LF>.<CR><LF>"
  error='the server closed the connection%S'
  within bound: true
  elapsed_ms agrees: true
  last: C: [message: 274 bytes, 10 lines, <%s@example.test>] | *: end of message | *: closed: the server closed the connection%S
stall mid-DATA, phase_timeout 1: ok=false stage=data findings=smtp_timeout reply=354 NULL "End data with <CR><LF>.<CR><LF>"
  error='no reply to the message within %d ms'
  within bound: true
  ended by phase_timeout: true
  elapsed_ms agrees: true
  last: C: [message: 4320267 bytes, 60009 lines, <%s@example.test>] | *: end of message | *: timeout: no reply to the message within %d ms
stall mid-DATA, timeout 1.5: ok=false stage=data findings=smtp_timeout reply=354 NULL "End data with <CR><LF>.<CR><LF>"
  error='no reply to the message before the deadline'
  within bound: true
  elapsed_ms agrees: true
  last: C: [message: 4320267 bytes, 60009 lines, <%s@example.test>] | *: end of message | *: timeout: no reply to the message before the deadline
slow server, timeout 2: ok=false stage=banner findings=greeting_timeout reply=null
  error='no greeting before the deadline'
  within bound: true
  elapsed_ms agrees: true
  last: *: timeout: no greeting before the deadline
slow server, phase_timeout 1: ok=false stage=banner findings=greeting_timeout reply=null
  error='no greeting within %d ms'
  within bound: true
  ended by phase_timeout: true
  elapsed_ms agrees: true
  last: *: timeout: no greeting within %d ms
-- the server saw
mta_data_close: EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=274 | RCPT TO:<rcpt@example.test> | DATA
mta_data_stall: EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=4320267 | RCPT TO:<rcpt@example.test> | DATA
mta_data_stall: EHLO client.test | MAIL FROM:<sender@example.test> BODY=8BITMIME SIZE=4320267 | RCPT TO:<rcpt@example.test> | DATA
mta_slow: (no command)
mta_slow: (no command)
close after 354 logged: true
