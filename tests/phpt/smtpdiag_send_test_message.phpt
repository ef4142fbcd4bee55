--TEST--
smtpdiag_send_test(): the message as the server receives it (headers, RFC 2047, CRLF, dot-stuffing, quoted-printable)
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta']);
$port = $srv['ports']['mta'];

$plainBody = "unix\nmac\rwin\r\n.dot line\n.\n..two\n\nlast";
$longLine = str_repeat('0123456789=abcdefghi ', 95) . 'end';  // 1998 octets + "end"
$qpBody = "café au lait\n" . $longLine . "\n.after\n";
$messages = [
    send_msg([
        'from' => 'Bob "the" Builder <bob@example.test>',
        'to' => ['carol@example.test', 'Dave <dave@example.test>'],
        'subject' => 'plain ASCII subject',
        'body' => $plainBody,
        'headers' => ['X-Mailer' => 'phpt', 'Reply-To' => 'reply@example.test', 'X-Tab' => "a\tb"],
    ]),
    send_msg([
        'from' => 'Zoë Sender <zoe@example.test>',
        'to' => 'carol@example.test',
        'subject' => 'Grüße – ein Test ✓ ' . str_repeat('ü', 40),
        'body' => $qpBody,
        'headers' => ['X-Unicode' => 'café'],
    ]),
];
$results = [];
foreach ($messages as $m) {
    $t = time();
    $r = smtpdiag_send_test(send_cfg($port), $m, SEND_OPTS);
    $results[] = [$r, $t];
    echo send_summary($r), "\n";
}
$log = smtpdiag_test_server_stop($srv);
$raw = server_messages($log, 'mta');
echo 'messages received: ', count($raw), "\n";

function decode_words(string $v): string {
    $v = preg_replace('/\?=\r\n \=\?/', '?==?', $v);  // unfold between encoded words
    return preg_replace_callback('/=\?UTF-8\?B\?([A-Za-z0-9+\/=]*)\?=/', fn($m) => base64_decode($m[1]), $v);
}

foreach ($raw as $i => $data) {
    [$r, $t] = $results[$i];
    echo "-- message $i\n";
    // Only CRLF line ends, no line over 998 octets.
    var_dump(preg_match('/\r(?!\n)|(?<!\r)\n/', $data), str_ends_with($data, "\r\n"));
    $lines = explode("\r\n", substr($data, 0, -2));
    echo 'longest line: ', max(array_map('strlen', $lines)), "\n";
    [$head, $body] = explode("\r\n\r\n", $data, 2);
    $headers = preg_split('/\r\n(?![ \t])/', $head);
    foreach ($headers as $h) {
        [$name, $value] = explode(': ', $h, 2);
        if ($name === 'Date') {
            $ok = preg_match('/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/', $value)
                && abs(strtotime($value) - $t) <= 5;
            echo "Date: ", $ok ? 'RFC 5322, now' : "bad $value", "\n";
        } elseif ($name === 'Message-ID') {
            echo "Message-ID: ", $value === $r['message_id'] ? 'the result\'s message_id' : "mismatch $value", ' ',
                preg_match('/^<[0-9a-f]{24}\.\d+@example\.test>$/', $value) ? 'well-formed' : "malformed $value", "\n";
        } else {
            echo json_encode($h, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
        }
        if (str_contains($value, '=?UTF-8?B?')) echo "  decodes to: ", decode_words($value), "\n";
    }
    // On the wire: dot-stuffed. Unstuffed (and QP-decoded) it is the body sent, in CRLF.
    echo "wire body: ", json_encode($i === 0 ? $body : substr($body, 0, 40)), "\n";
    $unstuffed = preg_replace('/^\./m', '', $body);
    $sent = str_replace(["\r\n", "\r", "\n", "\0"], ["\0", "\n", "\n", "\n"], $messages[$i]['body']);
    $sent = str_replace("\n", "\r\n", $sent);
    if (!str_ends_with($sent, "\r\n")) $sent .= "\r\n";
    $decoded = $i === 1 ? quoted_printable_decode($unstuffed) : $unstuffed;
    var_dump($decoded === $sent);
    if ($i === 1) {
        echo 'QP lines at most 76: ', var_export(max(array_map('strlen', explode("\r\n", $body))) <= 76, true), "\n";
        echo 'dot-stuffed .after: ', var_export(str_contains($body, "\r\n..after\r\n"), true), "\n";
    }
}
?>
--EXPECT--
ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C"
messages received: 2
-- message 0
int(0)
bool(true)
longest line: 62
Date: RFC 5322, now
"From: \"Bob \\\"the\\\" Builder\" <bob@example.test>"
"To: <carol@example.test>,\r\n \"Dave\" <dave@example.test>"
"Subject: plain ASCII subject"
Message-ID: the result's message_id well-formed
"MIME-Version: 1.0"
"Content-Type: text/plain; charset=UTF-8"
"Content-Transfer-Encoding: 7bit"
"X-Mailer: phpt"
"Reply-To: reply@example.test"
"X-Tab: a\tb"
wire body: "unix\r\nmac\r\nwin\r\n..dot line\r\n..\r\n...two\r\n\r\nlast\r\n"
bool(true)
-- message 1
int(0)
bool(true)
longest line: 76
Date: RFC 5322, now
"From: =?UTF-8?B?Wm/DqyBTZW5kZXI=?= <zoe@example.test>"
  decodes to: Zoë Sender <zoe@example.test>
"To: <carol@example.test>"
"Subject: =?UTF-8?B?R3LDvMOfZSDigJMgZWluIFRlc3Qg4pyTIMO8w7zDvMO8w7zDvMO8?=\r\n =?UTF-8?B?w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8w7zDvMO8w7w=?=\r\n =?UTF-8?B?w7zDvMO8w7zDvMO8w7zDvMO8w7zDvA==?="
  decodes to: Grüße – ein Test ✓ üüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü
Message-ID: the result's message_id well-formed
"MIME-Version: 1.0"
"Content-Type: text/plain; charset=UTF-8"
"Content-Transfer-Encoding: quoted-printable"
"X-Unicode: =?UTF-8?B?Y2Fmw6k=?="
  decodes to: café
wire body: "caf=C3=A9 au lait\r\n0123456789=3Dabcdefgh"
bool(true)
QP lines at most 76: true
dot-stuffed .after: true
