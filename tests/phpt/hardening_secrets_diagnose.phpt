--TEST--
smtpdiag_diagnose() and smtpdiag_diagnose_many(): passwords, tokens and their base64 forms appear nowhere in results, findings, errors or backtraces
--EXTENSIONS--
smtpdiag
--INI--
zend.exception_ignore_args=0
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
// A fixture server lives 60 s at most: each block gets its own, so that the
// test also finishes under valgrind (tests/hardening), where TLS is slow.
$log = '';
function with_server(callable $fn): void {
    global $log;
    $srv = smtpdiag_test_server(['mta', 'mta_tls']);
    try {
        $fn($srv['ports']);
    } finally {
        $log .= smtpdiag_test_server_stop($srv);
    }
}
const WRONG = 'Wr0ng-Diagn0se!Guess';
// No traffic beyond loopback: a DNS server that is not there, no API hosts.
// A generous deadline: under valgrind (tests/hardening) TLS is slow; normally it takes ms.
const OPTS = ['timeout' => 30, 'ehlo_name' => 'client.test', 'api_hosts' => [], 'check_domain' => false,
    'dns_servers' => ['127.0.0.1:9']];

$secrets = [MTA_PASSWORD, MTA_TOKEN, WRONG];
$leaks = 0;
/* Every form a credential could take on the wire or in a log. */
function forms(string $secret): array {
    return [
        'secret' => $secret,
        'base64(secret)' => base64_encode($secret),
        'base64(\0user\0secret)' => base64_encode("\0" . MTA_USER . "\0" . $secret),
        'base64(user\0secret)' => base64_encode(MTA_USER . "\0" . $secret),
        'base64(xoauth2)' => base64_encode('user=' . MTA_USER . "\x01auth=Bearer " . $secret . "\x01\x01"),
    ];
}
function leaks(string $where, string $text): void {
    global $secrets, $leaks;
    foreach ($secrets as $s) {
        foreach (forms($s) as $form => $needle) {
            if (str_contains($text, $needle)) {
                echo "LEAK of $form in $where\n";
                $leaks++;
            }
        }
    }
    if (str_contains($text, base64_encode(MTA_USER))) {
        echo "LEAK of base64(user) in $where\n";
        $leaks++;
    }
}
/* The whole result, every way a caller could print it. */
function check_result(string $name, array $r): void {
    leaks("$name (var_export)", var_export($r, true));
    leaks("$name (json)", (string)json_encode($r, JSON_INVALID_UTF8_SUBSTITUTE));
    leaks("$name (print_r)", print_r($r, true));
}
function auth_lines(array $r): string {
    $lines = array_filter(array_map(fn($l) => $l['dir'] . ': ' . $l['text'], $r['auth']['transcript'] ?? []),
        fn($l) => preg_match('/^C: (AUTH|\[redacted\])/', $l));
    return $lines ? implode(' | ', $lines) : '(no AUTH sent)';
}

$insecure = ['encryption' => 'none', 'allow_insecure_auth' => true];
$starttls = ['encryption' => 'starttls', 'verify_peer' => false, 'allow_insecure_auth' => true];
$implicit = ['encryption' => 'tls', 'verify_peer' => false, 'allow_insecure_auth' => true];
$blocks = [[
    'plain/PLAIN' => ['mta', $insecure, send_auth('plain')],
    'plain/LOGIN' => ['mta', $insecure, send_auth('login')],
    'plain/XOAUTH2' => ['mta', $insecure, send_auth('xoauth2', MTA_TOKEN)],
    'plain/LOGIN wrong' => ['mta', $insecure, send_auth('login', WRONG)],
], [
    'starttls/PLAIN wrong' => ['mta', $starttls, send_auth('plain', WRONG)],
    'starttls/XOAUTH2' => ['mta', $starttls, send_auth('xoauth2', MTA_TOKEN)],
    'implicit/LOGIN' => ['mta_tls', $implicit, send_auth('login')],
    'no opt-in (nothing sent)' => ['mta', ['encryption' => 'none'], send_auth('plain')],
]];
$config = fn(array $p, string $b, array $cfg, array $auth) =>
    ['host' => '127.0.0.1', 'port' => $p[$b], 'auth' => $auth, 'from' => 'sender@example.test'] + $cfg;
foreach ($blocks as $cases) {
    with_server(function (array $p) use ($cases, $config) {
        foreach ($cases as $name => [$b, $cfg, $auth]) {
            $r = smtpdiag_diagnose($config($p, $b, $cfg, $auth), OPTS);
            echo "$name: auth ok=", var_export($r['auth']['ok'] ?? null, true), ' ', auth_lines($r), "\n";
            check_result("diagnose $name", $r);
        }
    });
}
with_server(function (array $p) use ($blocks, $config) {
    // With a test message as well: the send session carries the credentials too.
    $r = smtpdiag_diagnose($config($p, ...$blocks[0]['plain/PLAIN']), OPTS + ['send' => send_msg()]);
    echo 'with send: auth ok=', var_export($r['auth']['ok'] ?? null, true), ' send ok=', var_export($r['send']['ok'] ?? null, true), "\n";
    check_result('diagnose with send', $r);
});
with_server(function (array $p) use ($blocks, $config) {
    $configs = [];
    foreach (array_merge(...$blocks) as [$b, $cfg, $auth]) $configs[] = $config($p, $b, $cfg, $auth);
    $many = smtpdiag_diagnose_many($configs, OPTS + ['concurrency' => 4]);
    echo 'diagnose_many: ', count($many), " results\n";
    foreach ($many as $i => $r) check_result("diagnose_many[$i]", $r);
});
echo "-- the server did receive the credentials (so the checks above mean something)\n";
var_dump(substr_count($log, 'C: AUTH PLAIN ' . base64_encode("\0" . MTA_USER . "\0" . MTA_PASSWORD) . "\n") > 0,
    substr_count($log, 'C: ' . base64_encode(MTA_PASSWORD) . "\n") > 0);

echo "-- exceptions: messages and backtraces\n";
// Validation fails before any I/O: no server needed.
$good = ['host' => '127.0.0.1', 'port' => 1, 'encryption' => 'none', 'allow_insecure_auth' => true,
    'auth' => send_auth('plain')];
$tries = [
    'diagnose: unknown option' => fn() => smtpdiag_diagnose($good, OPTS + ['retries' => 3]),
    'diagnose: control byte in password' => fn() => smtpdiag_diagnose(['auth' => send_auth('plain', MTA_PASSWORD . "\r\nQUIT")] + $good, OPTS),
    'diagnose: control byte in token' => fn() => smtpdiag_diagnose(['auth' => send_auth('xoauth2', MTA_TOKEN . "\0")] + $good, OPTS),
    'diagnose: bad send message' => fn() => smtpdiag_diagnose($good, OPTS + ['send' => send_msg(['to' => 'not an address'])]),
    'diagnose_many: one bad config' => fn() => smtpdiag_diagnose_many([$good, ['auth' => send_auth('plain', WRONG) + ['secret' => MTA_PASSWORD]] + $good], OPTS),
    'diagnose_many: not an array' => fn() => smtpdiag_diagnose_many([$good, MTA_PASSWORD], OPTS),
];
foreach ($tries as $name => $fn) {
    try {
        $fn();
        echo "$name: no exception\n";
    } catch (Throwable $e) {
        echo "$name: ", get_class($e), "\n";
        leaks("$name message", $e->getMessage());
        leaks("$name trace string", $e->getTraceAsString());
        leaks("$name trace", var_export($e->getTrace(), true));
        leaks("$name string", (string)$e);
        $frame = $e->getTrace()[0] ?? [];
        echo '  ', $frame['function'] ?? '?', '(', implode(', ', array_map(fn($a) => is_object($a) ? get_class($a) : gettype($a), $frame['args'] ?? [])), ")\n";
    }
}
// Called directly (not through a closure), the first argument is scrubbed too.
foreach (['smtpdiag_diagnose' => [['auth' => send_auth('plain', MTA_PASSWORD . "\n")] + $good, OPTS],
          'smtpdiag_diagnose_many' => [[['auth' => send_auth('plain', MTA_PASSWORD . "\n")] + $good], OPTS]] as $fn => $args) {
    try {
        $fn(...$args);
    } catch (ValueError $e) {
        echo preg_replace('/^#0 \S+\(\d+\)/', '#0 FILE(LINE)', $e->getTraceAsString()), "\n";
        leaks("direct $fn trace", var_export($e->getTrace(), true) . $e->getTraceAsString() . $e);
    }
}
echo "leaks: $leaks\n";
?>
--EXPECT--
plain/PLAIN: auth ok=true C: AUTH PLAIN [redacted]
plain/LOGIN: auth ok=true C: AUTH LOGIN | C: [redacted] | C: [redacted]
plain/XOAUTH2: auth ok=true C: AUTH XOAUTH2 [redacted]
plain/LOGIN wrong: auth ok=false C: AUTH LOGIN | C: [redacted] | C: [redacted]
starttls/PLAIN wrong: auth ok=false C: AUTH PLAIN [redacted]
starttls/XOAUTH2: auth ok=true C: AUTH XOAUTH2 [redacted]
implicit/LOGIN: auth ok=true C: AUTH LOGIN | C: [redacted] | C: [redacted]
no opt-in (nothing sent): auth ok=false (no AUTH sent)
with send: auth ok=true send ok=true
diagnose_many: 8 results
-- the server did receive the credentials (so the checks above mean something)
bool(true)
bool(true)
-- exceptions: messages and backtraces
diagnose: unknown option: ValueError
  smtpdiag_diagnose(SensitiveParameterValue, array)
diagnose: control byte in password: ValueError
  smtpdiag_diagnose(SensitiveParameterValue, array)
diagnose: control byte in token: ValueError
  smtpdiag_diagnose(SensitiveParameterValue, array)
diagnose: bad send message: ValueError
  smtpdiag_diagnose(SensitiveParameterValue, array)
diagnose_many: one bad config: ValueError
  smtpdiag_diagnose_many(SensitiveParameterValue, array)
diagnose_many: not an array: TypeError
  smtpdiag_diagnose_many(SensitiveParameterValue, array)
#0 FILE(LINE): smtpdiag_diagnose(Object(SensitiveParameterValue), Array)
#1 {main}
#0 FILE(LINE): smtpdiag_diagnose_many(Object(SensitiveParameterValue), Array)
#1 {main}
leaks: 0
