--TEST--
smtpdiag_diagnose() and smtpdiag_diagnose_many() reject bad arguments (unknown keys, encryption, CR/LF/NUL, items, concurrency) before any I/O, never echoing values
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
// Every config points at a live server: if anything got as far as I/O,
// its log would show a connection.
$srv = smtpdiag_test_server(['mta']);
$cfg = ['host' => '127.0.0.1', 'port' => $srv['ports']['mta'], 'encryption' => 'none', 'from' => 'sender@example.test'];
$opt = ['timeout' => 2, 'api_hosts' => [], 'check_domain' => false, 'family' => 'ipv4'];
$msg = send_msg();

function attempt(string $name, callable $call, ?string $bad = null): void {
    try {
        $call();
        echo "$name: no error\n";
    } catch (ValueError | TypeError $e) {
        echo "$name: ", get_class($e), ': ', $e->getMessage(), "\n";
        if ($bad !== null) {
            // Neither the value nor what follows the control byte comes back.
            $tail = (string)substr($bad, strcspn($bad, "\r\n\0") + 1);
            if (str_contains($e->getMessage(), $bad) || ($tail !== '' && str_contains($e->getMessage(), $tail))) echo "  ECHOED the value\n";
        }
    }
}
$d = fn(array $c, array $o = []) => fn() => smtpdiag_diagnose($c, $o + $GLOBALS['opt']);
$m = fn(array $cs, array $o = []) => fn() => smtpdiag_diagnose_many($cs, $o + $GLOBALS['opt']);

echo "-- unknown keys\n";
attempt('config', $d($cfg + ['hots' => 'x']));
attempt('config auth', $d(['auth' => send_auth('plain') + ['realm' => 'x']] + $cfg));
attempt('config integer key', $d($cfg + [0 => 'x']));
attempt('config control bytes in a key', $d($cfg + ["evil\r\nkey" => 1]));
attempt('options', $d($cfg, ['retries' => 3]));
attempt('options (probe-only key)', $d($cfg, ['ports' => [25]]));
attempt('options (send_test-only key)', $d($cfg, ['phase_timeout' => 1]));
attempt('options (diagnose_many-only key)', $d($cfg, ['concurrency' => 2]));
attempt('send message', $d($cfg, ['send' => $msg + ['cc' => 'x@example.test']]));
attempt('many: config', $m([$cfg, $cfg + ['hots' => 'x']]));
attempt('many: options', $m([$cfg], ['retries' => 3]));

echo "-- encryption\n";
attempt('ssl', $d(['encryption' => 'ssl'] + $cfg));
attempt('STARTTLS (case)', $d(['encryption' => 'STARTTLS'] + $cfg));
attempt('bool', $d(['encryption' => true] + $cfg));
attempt('many: second item', $m([$cfg, ['encryption' => 'ssl'] + $cfg]));

echo "-- CR, LF and NUL\n";
foreach (["\r" => 'CR', "\n" => 'LF', "\0" => 'NUL'] as $c => $cn) {
    $inj = $c . 'RCPT TO:<evil@evil.test>';
    $fields = [
        'host' => [['host' => 'mail.example.test' . $inj] + $cfg, [], 'mail.example.test' . $inj],
        'from' => [['from' => 'a@example.test' . $inj] + $cfg, [], 'a@example.test' . $inj],
        'auth username' => [['auth' => ['username' => MTA_USER . $inj] + send_auth('plain')] + $cfg, [], MTA_USER . $inj],
        'auth password' => [['auth' => send_auth('plain', MTA_PASSWORD . $inj)] + $cfg, [], MTA_PASSWORD . $inj],
        'ehlo_name' => [$cfg, ['ehlo_name' => 'client.test' . $inj], 'client.test' . $inj],
        'api_hosts' => [$cfg, ['api_hosts' => ['api.example.test', 'api.example.test' . $inj]], 'api.example.test' . $inj],
        'dkim_selectors' => [$cfg, ['dkim_selectors' => ['s1' . $inj]], 's1' . $inj],
        'send from' => [$cfg, ['send' => ['from' => 'a@example.test' . $inj] + $msg], 'a@example.test' . $inj],
        'send to' => [$cfg, ['send' => ['to' => 'b@example.test' . $inj] + $msg], 'b@example.test' . $inj],
        'send to (list)' => [$cfg, ['send' => ['to' => ['ok@example.test', 'b@example.test' . $inj]] + $msg], 'b@example.test' . $inj],
        'send subject' => [$cfg, ['send' => ['subject' => 'hi' . $inj] + $msg], 'hi' . $inj],
        'send header value' => [$cfg, ['send' => ['headers' => ['X-Evil' => 'v' . $inj]] + $msg], 'v' . $inj],
    ];
    foreach ($fields as $f => [$c1, $o1, $bad]) attempt("$cn in $f", $d($c1, $o1), $bad);
    attempt("$cn in many: host of item 2", $m([$cfg, ['host' => 'mail.example.test' . $inj] + $cfg]), 'mail.example.test' . $inj);
}

echo "-- other values and types\n";
attempt('no host', $d(array_diff_key($cfg, ['host' => 1])));
attempt('port 0', $d(['port' => 0] + $cfg));
attempt('port 65536', $d(['port' => 65536] + $cfg));
attempt('from without @', $d(['from' => 'nobody'] + $cfg));
attempt('api_hosts not a host name', $d($cfg, ['api_hosts' => ['not a host']]));
attempt('api_hosts 33 entries', $d($cfg, ['api_hosts' => array_fill(0, 33, 'api.example.test')]));
attempt('api_hosts string', $d($cfg, ['api_hosts' => 'api.example.test']));
attempt('send string', $d($cfg, ['send' => 'yes']));
attempt('send without to', $d($cfg, ['send' => array_diff_key($msg, ['to' => 1])]));
attempt('check_domain string', $d($cfg, ['check_domain' => 'no']));
attempt('timeout 0', $d($cfg, ['timeout' => 0]));
attempt('family ipv5', $d($cfg, ['family' => 'ipv5']));

echo "-- smtpdiag_diagnose_many: items and concurrency\n";
attempt('string item', $m([$cfg, 'mail.example.test']));
attempt('int item', $m([$cfg, 25]));
attempt('null item', $m([$cfg, null]));
attempt('not an array', fn() => smtpdiag_diagnose_many('mail.example.test'));
attempt('concurrency 0', $m([$cfg], ['concurrency' => 0]));
attempt('concurrency -1', $m([$cfg], ['concurrency' => -1]));
attempt('concurrency 257', $m([$cfg], ['concurrency' => 257]));
attempt('concurrency string', $m([$cfg], ['concurrency' => '8']));
attempt('concurrency NAN', $m([$cfg], ['concurrency' => NAN]));

$log = smtpdiag_test_server_stop($srv);
echo "-- the server saw ", substr_count($log, '] connect'), " connection(s)\n";
?>
--EXPECTF--
-- unknown keys
config: ValueError: smtpdiag_diagnose(): Argument #1 ($config) contains unknown option "hots"
config auth: ValueError: smtpdiag_diagnose(): Argument #1 ($config) contains unknown option "realm"
config integer key: ValueError: smtpdiag_diagnose(): Argument #1 ($config) must have string keys, found integer key 0
config control bytes in a key: ValueError: smtpdiag_diagnose(): Argument #1 ($config) contains unknown option "evil??key"
options: ValueError: smtpdiag_diagnose(): Argument #2 ($options) contains unknown option "retries"
options (probe-only key): ValueError: smtpdiag_diagnose(): Argument #2 ($options) contains unknown option "ports"
options (send_test-only key): ValueError: smtpdiag_diagnose(): Argument #2 ($options) contains unknown option "phase_timeout"
options (diagnose_many-only key): ValueError: smtpdiag_diagnose(): Argument #2 ($options) contains unknown option "concurrency"
send message: ValueError: smtpdiag_diagnose(): Argument #2 ($options) contains unknown option "cc"
many: config: ValueError: smtpdiag_diagnose_many(): Argument #1 ($configs) contains unknown option "hots"
many: options: ValueError: smtpdiag_diagnose_many(): Argument #2 ($options) contains unknown option "retries"
-- encryption
ssl: ValueError: smtpdiag_diagnose(): Argument #1 ($config) option "encryption" must be one of 'none', 'starttls', 'tls'
STARTTLS (case): ValueError: smtpdiag_diagnose(): Argument #1 ($config) option "encryption" must be one of 'none', 'starttls', 'tls'
bool: TypeError: smtpdiag_diagnose(): Argument #1 ($config) option "encryption" must be of type string, bool given
many: second item: ValueError: smtpdiag_diagnose_many(): Argument #1 ($configs) option "encryption" must be one of 'none', 'starttls', 'tls'
-- CR, LF and NUL
CR in host: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "host" must not contain control characters (CR, LF, NUL...)
CR in from: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "from" must not contain control characters (CR, LF, NUL...)
CR in auth username: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "auth" "username" must not contain control characters (CR, LF, NUL...)
CR in auth password: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)
CR in ehlo_name: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)
CR in api_hosts: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "api_hosts" must contain strings of at most 255 bytes without control characters
CR in dkim_selectors: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "dkim_selectors" must contain strings of at most 255 bytes without control characters
CR in send from: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "from" must not contain control characters (CR, LF, NUL...)
CR in send to: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "to" must not contain control characters (CR, LF, NUL...)
CR in send to (list): ValueError: smtpdiag_diagnose(): Argument #2 ($options) "to" must not contain control characters (CR, LF, NUL...)
CR in send subject: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "subject" must not contain control characters (CR, LF, NUL...)
CR in send header value: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
CR in many: host of item 2: ValueError: smtpdiag_diagnose_many(): Argument #1 ($configs) "host" must not contain control characters (CR, LF, NUL...)
LF in host: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "host" must not contain control characters (CR, LF, NUL...)
LF in from: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "from" must not contain control characters (CR, LF, NUL...)
LF in auth username: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "auth" "username" must not contain control characters (CR, LF, NUL...)
LF in auth password: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)
LF in ehlo_name: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)
LF in api_hosts: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "api_hosts" must contain strings of at most 255 bytes without control characters
LF in dkim_selectors: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "dkim_selectors" must contain strings of at most 255 bytes without control characters
LF in send from: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "from" must not contain control characters (CR, LF, NUL...)
LF in send to: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "to" must not contain control characters (CR, LF, NUL...)
LF in send to (list): ValueError: smtpdiag_diagnose(): Argument #2 ($options) "to" must not contain control characters (CR, LF, NUL...)
LF in send subject: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "subject" must not contain control characters (CR, LF, NUL...)
LF in send header value: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
LF in many: host of item 2: ValueError: smtpdiag_diagnose_many(): Argument #1 ($configs) "host" must not contain control characters (CR, LF, NUL...)
NUL in host: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "host" must not contain control characters (CR, LF, NUL...)
NUL in from: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "from" must not contain control characters (CR, LF, NUL...)
NUL in auth username: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "auth" "username" must not contain control characters (CR, LF, NUL...)
NUL in auth password: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)
NUL in ehlo_name: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)
NUL in api_hosts: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "api_hosts" must contain strings of at most 255 bytes without control characters
NUL in dkim_selectors: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "dkim_selectors" must contain strings of at most 255 bytes without control characters
NUL in send from: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "from" must not contain control characters (CR, LF, NUL...)
NUL in send to: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "to" must not contain control characters (CR, LF, NUL...)
NUL in send to (list): ValueError: smtpdiag_diagnose(): Argument #2 ($options) "to" must not contain control characters (CR, LF, NUL...)
NUL in send subject: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "subject" must not contain control characters (CR, LF, NUL...)
NUL in send header value: ValueError: smtpdiag_diagnose(): Argument #2 ($options) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
NUL in many: host of item 2: ValueError: smtpdiag_diagnose_many(): Argument #1 ($configs) "host" must not contain control characters (CR, LF, NUL...)
-- other values and types
no host: ValueError: smtpdiag_diagnose(): Argument #1 ($config) must have a "host" string
port 0: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "port" must be between 1 and 65535
port 65536: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "port" must be between 1 and 65535
from without @: ValueError: smtpdiag_diagnose(): Argument #1 ($config) "from" %s
api_hosts not a host name: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "api_hosts" must contain host names
api_hosts 33 entries: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "api_hosts" must have at most 32 entries
api_hosts string: TypeError: smtpdiag_diagnose(): Argument #2 ($options) option "api_hosts" must be of type array, string given
send string: TypeError: smtpdiag_diagnose(): Argument #2 ($options) option "send" must be of type ?array, string given
send without to: ValueError: smtpdiag_diagnose(): Argument #2 ($options) must have a "to" address or list of addresses
check_domain string: TypeError: smtpdiag_diagnose(): Argument #2 ($options) option "check_domain" must be of type bool, string given
timeout 0: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "timeout" must be between 0.001 and 3600 seconds
family ipv5: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "family" must be one of 'any', 'ipv4', 'ipv6'
-- smtpdiag_diagnose_many: items and concurrency
string item: TypeError: smtpdiag_diagnose_many(): Argument #1 ($configs) must contain only arrays, string given
int item: TypeError: smtpdiag_diagnose_many(): Argument #1 ($configs) must contain only arrays, int given
null item: TypeError: smtpdiag_diagnose_many(): Argument #1 ($configs) must contain only arrays, null given
not an array: TypeError: smtpdiag_diagnose_many(): Argument #1 ($configs) must be of type array, string given
concurrency 0: ValueError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" must be between 1 and 256
concurrency -1: ValueError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" must be between 1 and 256
concurrency 257: ValueError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" must be between 1 and 256
concurrency string: TypeError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" must be of type %s, string given
concurrency NAN: TypeError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" must be of type int, float given
-- the server saw 0 connection(s)
