--TEST--
smtpdiag_send_test(): passwords, tokens and their base64 forms appear nowhere in results, findings or exceptions
--EXTENSIONS--
smtpdiag
--INI--
zend.exception_ignore_args=0
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta', 'mta_tls']);
$p = $srv['ports'];
const WRONG = 'Wr0ng-Pa55word!Guess';

function forbidden(string $secret): array {
    return [
        'secret' => $secret,
        'base64(secret)' => base64_encode($secret),
        'base64(\0user\0secret)' => base64_encode("\0" . MTA_USER . "\0" . $secret),
        'base64(user\0secret)' => base64_encode(MTA_USER . "\0" . $secret),
        'base64(xoauth2)' => base64_encode('user=' . MTA_USER . "\x01auth=Bearer " . $secret . "\x01\x01"),
    ];
}
$secrets = [MTA_PASSWORD, MTA_TOKEN, WRONG];
$leaks = 0;
function leaks(string $where, string $text): void {
    global $secrets, $leaks;
    foreach ($secrets as $s) {
        foreach (forbidden($s) as $form => $needle) {
            if (str_contains($text, $needle)) {
                echo "LEAK of $form in $where\n";
                $leaks++;
            }
        }
    }
    // The LOGIN username step is redacted as well.
    if (str_contains($text, base64_encode(MTA_USER))) {
        echo "LEAK of base64(user) in $where\n";
        $leaks++;
    }
}

$insecure = ['allow_insecure_auth' => true];
$starttls = ['encryption' => 'starttls', 'verify_peer' => false, 'allow_insecure_auth' => true];
$implicit = ['encryption' => 'tls', 'verify_peer' => false, 'allow_insecure_auth' => true];
$cases = [
    'plain/PLAIN' => ['mta', $insecure, send_auth('plain')],
    'plain/LOGIN' => ['mta', $insecure, send_auth('login')],
    'plain/XOAUTH2' => ['mta', $insecure, send_auth('xoauth2', MTA_TOKEN)],
    'plain/auto' => ['mta', $insecure, send_auth('auto')],
    'plain/PLAIN wrong' => ['mta', $insecure, send_auth('plain', WRONG)],
    'plain/LOGIN wrong' => ['mta', $insecure, send_auth('login', WRONG)],
    'plain/XOAUTH2 wrong' => ['mta', $insecure, send_auth('xoauth2', WRONG)],
    'starttls/PLAIN' => ['mta', $starttls, send_auth('plain')],
    'starttls/LOGIN' => ['mta', $starttls, send_auth('login')],
    'starttls/XOAUTH2' => ['mta', $starttls, send_auth('xoauth2', MTA_TOKEN)],
    'starttls/LOGIN wrong' => ['mta', $starttls, send_auth('login', WRONG)],
    'implicit/PLAIN' => ['mta_tls', $implicit, send_auth('plain')],
    'implicit/XOAUTH2 wrong' => ['mta_tls', $implicit, send_auth('xoauth2', WRONG)],
    // No credentials may leave without verified TLS unless opted in:
    'plain, no opt-in' => ['mta', [], send_auth('plain')],
    'plain, no opt-in, LOGIN' => ['mta', [], send_auth('login')],
    'starttls unverified, no opt-in' => ['mta', ['encryption' => 'starttls', 'verify_peer' => false], send_auth('plain')],
    'starttls, verify_peer on, self-signed' => ['mta', ['encryption' => 'starttls'], send_auth('plain')],
];
foreach ($cases as $name => [$b, $cfg, $auth]) {
    $r = smtpdiag_send_test(send_cfg($p[$b], $cfg + ['auth' => $auth]), send_msg(), SEND_OPTS);
    echo "$name: ", send_summary($r), ' mechanism=', var_export($r['auth_mechanism'], true),
        ' tls=', $r['tls'] === null ? 'none' : $r['tls']['mode'] . ($r['tls']['verified'] ? '/verified' : '/unverified'), "\n";
    $auth = array_values(array_filter(send_transcript($r), fn($l) => preg_match('/^C: (AUTH|\[redacted\])/', $l)));
    echo '  ', $auth ? implode(' | ', $auth) : '(no AUTH sent)', "\n";
    leaks("result of $name", var_export($r, true));
    foreach ($r['findings'] as $f) leaks("finding {$f['code']} of $name", json_encode($f));
}
$log = smtpdiag_test_server_stop($srv);

echo "-- the server did receive the credentials (so the checks above mean something)\n";
$b64plain = base64_encode("\0" . MTA_USER . "\0" . MTA_PASSWORD);
$b64x = base64_encode('user=' . MTA_USER . "\x01auth=Bearer " . MTA_TOKEN . "\x01\x01");
var_dump(substr_count($log, "C: AUTH PLAIN $b64plain\n"), substr_count($log, 'C: ' . base64_encode(MTA_PASSWORD) . "\n"),
    substr_count($log, "C: AUTH XOAUTH2 $b64x\n"));
echo "-- sessions without the opt-in or with an unverified certificate sent no AUTH\n";
$sessions = server_sessions($log, 'mta');
foreach (array_slice($sessions, -4) as $s) echo implode(' | ', $s), "\n";

echo "-- exceptions\n";
$good = ['host' => '127.0.0.1', 'port' => $p['mta'], 'encryption' => 'none', 'allow_insecure_auth' => true,
    'auth' => send_auth('plain')];
$tries = [
    'bad to' => fn() => smtpdiag_send_test($good, send_msg(['to' => 'not an address'])),
    'bad option type' => fn() => smtpdiag_send_test($good, send_msg(), ['timeout' => 'soon']),
    'control byte in password' => fn() => smtpdiag_send_test(['auth' => send_auth('plain', MTA_PASSWORD . "\r\nQUIT")] + $good, send_msg()),
    'control byte in token' => fn() => smtpdiag_send_test(['auth' => send_auth('xoauth2', MTA_TOKEN . "\0")] + $good, send_msg()),
    'unknown auth key' => fn() => smtpdiag_send_test(['auth' => send_auth('plain') + ['secret' => MTA_PASSWORD]] + $good, send_msg()),
];
foreach ($tries as $name => $fn) {
    try {
        $fn();
        echo "$name: no exception\n";
    } catch (Throwable $e) {
        echo "$name: ", get_class($e), ': ', $e->getMessage(), "\n";
        leaks("$name message", $e->getMessage());
        leaks("$name trace string", $e->getTraceAsString());
        leaks("$name trace", var_export($e->getTrace(), true));
        leaks("$name string", (string)$e);
        $frame = $e->getTrace()[0] ?? [];
        echo '  ', $frame['function'] ?? '?', '(', implode(', ', array_map(fn($a) => is_object($a) ? get_class($a) : gettype($a), $frame['args'] ?? [])), ")\n";
    }
}
// A direct call (not through a closure) has the same sensitive first argument.
try {
    smtpdiag_send_test($good, send_msg(['to' => 'bad<']));
} catch (ValueError $e) {
    echo preg_replace('/^#0 \S+\(\d+\)/', '#0 FILE(LINE)', $e->getTraceAsString()), "\n";
    leaks('direct trace', var_export($e->getTrace(), true));
}
echo "leaks: $leaks\n";
?>
--EXPECT--
plain/PLAIN: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='PLAIN' tls=none
  C: AUTH PLAIN [redacted]
plain/LOGIN: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='LOGIN' tls=none
  C: AUTH LOGIN | C: [redacted] | C: [redacted]
plain/XOAUTH2: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='XOAUTH2' tls=none
  C: AUTH XOAUTH2 [redacted]
plain/auto: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='PLAIN' tls=none
  C: AUTH PLAIN [redacted]
plain/PLAIN wrong: ok=false stage=auth findings=auth_failed reply=535 '5.7.8' "5.7.8 Authentication credentials invalid" mechanism='PLAIN' tls=none
  C: AUTH PLAIN [redacted]
plain/LOGIN wrong: ok=false stage=auth findings=auth_failed reply=535 '5.7.8' "5.7.8 Authentication credentials invalid" mechanism='LOGIN' tls=none
  C: AUTH LOGIN | C: [redacted] | C: [redacted]
plain/XOAUTH2 wrong: ok=false stage=auth findings=auth_failed reply=535 '5.7.8' "5.7.8 Username and Password not accepted" mechanism='XOAUTH2' tls=none
  C: AUTH XOAUTH2 [redacted] | C: [redacted]
starttls/PLAIN: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='PLAIN' tls=starttls/unverified
  C: AUTH PLAIN [redacted]
starttls/LOGIN: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='LOGIN' tls=starttls/unverified
  C: AUTH LOGIN | C: [redacted] | C: [redacted]
starttls/XOAUTH2: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='XOAUTH2' tls=starttls/unverified
  C: AUTH XOAUTH2 [redacted]
starttls/LOGIN wrong: ok=false stage=auth findings=auth_failed reply=535 '5.7.8' "5.7.8 Authentication credentials invalid" mechanism='LOGIN' tls=starttls/unverified
  C: AUTH LOGIN | C: [redacted] | C: [redacted]
implicit/PLAIN: ok=true stage=done findings=- reply=250 '2.0.0' "2.0.0 Ok: queued as 4F2A1B3C" mechanism='PLAIN' tls=implicit/unverified
  C: AUTH PLAIN [redacted]
implicit/XOAUTH2 wrong: ok=false stage=auth findings=auth_failed reply=535 '5.7.8' "5.7.8 Username and Password not accepted" mechanism='XOAUTH2' tls=implicit/unverified
  C: AUTH XOAUTH2 [redacted] | C: [redacted]
plain, no opt-in: ok=false stage=auth findings=auth_requires_tls reply=null mechanism='PLAIN' tls=none
  (no AUTH sent)
plain, no opt-in, LOGIN: ok=false stage=auth findings=auth_requires_tls reply=null mechanism='LOGIN' tls=none
  (no AUTH sent)
starttls unverified, no opt-in: ok=false stage=auth findings=auth_requires_tls reply=null mechanism='PLAIN' tls=starttls/unverified
  (no AUTH sent)
starttls, verify_peer on, self-signed: ok=false stage=starttls findings=cert_self_signed reply=null mechanism=NULL tls=starttls/unverified
  (no AUTH sent)
-- the server did receive the credentials (so the checks above mean something)
int(4)
int(2)
int(2)
-- sessions without the opt-in or with an unverified certificate sent no AUTH
EHLO client.test | QUIT
EHLO client.test | QUIT
EHLO client.test | STARTTLS | EHLO client.test | QUIT
EHLO client.test | STARTTLS
-- exceptions
bad to: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must be an address of the form local@domain
  smtpdiag_send_test(SensitiveParameterValue, array)
bad option type: TypeError: smtpdiag_send_test(): Argument #3 ($options) option "timeout" must be of type float, string given
  smtpdiag_send_test(SensitiveParameterValue, array, array)
control byte in password: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)
  smtpdiag_send_test(SensitiveParameterValue, array)
control byte in token: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "token" must not contain control characters (CR, LF, NUL...)
  smtpdiag_send_test(SensitiveParameterValue, array)
unknown auth key: ValueError: smtpdiag_send_test(): Argument #1 ($config) contains unknown option "secret"
  smtpdiag_send_test(SensitiveParameterValue, array)
#0 FILE(LINE): smtpdiag_send_test(Object(SensitiveParameterValue), Array)
#1 {main}
leaks: 0
