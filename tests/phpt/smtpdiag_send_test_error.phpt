--TEST--
smtpdiag_send_test() rejects bad arguments (injection, unknown keys, wrong types, ranges) before any I/O, never echoing values
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/send.inc';
$srv = smtpdiag_test_server(['mta']);
$port = $srv['ports']['mta'];
$cfg = send_cfg($port, ['allow_insecure_auth' => true, 'auth' => send_auth('plain')]);
$msg = send_msg();
$opts = SEND_OPTS;

function attempt(string $name, array $config, array $message, array $options, ?string $bad = null): void {
    try {
        smtpdiag_send_test($config, $message, $options);
        echo "$name: no error\n";
    } catch (ValueError | TypeError $e) {
        echo "$name: ", get_class($e), ': ', $e->getMessage(), "\n";
        if ($bad !== null) {
            // Neither the value nor the part after the control byte comes back.
            $tail = (string)substr($bad, strcspn($bad, "\r\n\0\x1b\x7f") + 1);
            if (str_contains($e->getMessage(), $bad) || ($tail !== '' && str_contains($e->getMessage(), $tail))) echo "  ECHOED the value\n";
        }
    }
}

echo "-- CR, LF and NUL in every field\n";
foreach (["\r" => 'CR', "\n" => 'LF', "\0" => 'NUL'] as $c => $cn) {
    $inj = $c . 'RCPT TO:<evil@evil.test>';
    $fields = [
        'host' => [['host' => '127.0.0.1' . $inj] + $cfg, $msg, $opts],
        'from' => [$cfg, ['from' => 'a@example.test' . $inj] + $msg, $opts],
        'to' => [$cfg, ['to' => 'b@example.test' . $inj] + $msg, $opts],
        'to (list)' => [$cfg, ['to' => ['ok@example.test', 'b@example.test' . $inj]] + $msg, $opts],
        'from (display name)' => [$cfg, ['from' => 'Eve' . $inj . ' <a@example.test>'] + $msg, $opts],
        'subject' => [$cfg, ['subject' => 'hi' . $inj] + $msg, $opts],
        'subject (UTF-8)' => [$cfg, ['subject' => 'Grüße' . $inj] + $msg, $opts],
        'header name' => [$cfg, ['headers' => ['X-Evil' . $inj => 'v']] + $msg, $opts],
        'header value' => [$cfg, ['headers' => ['X-Evil' => 'v' . $inj]] + $msg, $opts],
        'ehlo_name' => [$cfg, $msg, ['ehlo_name' => 'client.test' . $inj] + $opts],
        'auth username' => [['auth' => ['username' => MTA_USER . $inj] + send_auth('plain')] + $cfg, $msg, $opts],
        'auth password' => [['auth' => send_auth('plain', MTA_PASSWORD . $inj)] + $cfg, $msg, $opts],
        'auth token' => [['auth' => send_auth('xoauth2', MTA_TOKEN . $inj)] + $cfg, $msg, $opts],
    ];
    foreach ($fields as $f => [$c1, $m1, $o1]) {
        $bad = match ($f) {
            'host' => $c1['host'], 'from', 'from (display name)' => $m1['from'], 'to' => $m1['to'], 'to (list)' => $m1['to'][1],
            'subject', 'subject (UTF-8)' => $m1['subject'], 'header name' => array_key_first($m1['headers']), 'header value' => $m1['headers']['X-Evil'],
            'ehlo_name' => $o1['ehlo_name'], 'auth username' => $c1['auth']['username'],
            'auth password' => $c1['auth']['password'], 'auth token' => $c1['auth']['token'],
        };
        attempt("$cn in $f", $c1, $m1, $o1, $bad);
    }
}

attempt('DEL in to', $cfg, ['to' => "b@example.test\x7f"] + $msg, $opts, "b@example.test\x7f");
attempt('DEL in header value', $cfg, ['headers' => ['X-A' => "v\x7f"]] + $msg, $opts, "v\x7f");
attempt('ESC in subject', $cfg, ['subject' => "a\x1b[31m"] + $msg, $opts, "a\x1b[31m");

echo "-- unknown keys\n";
attempt('config', $cfg + ['hots' => 'x'], $msg, $opts);
attempt('config auth', ['auth' => send_auth('plain') + ['realm' => 'x']] + $cfg, $msg, $opts);
attempt('message', $cfg, $msg + ['cc' => 'x@example.test'], $opts);
attempt('options', $cfg, $msg, $opts + ['retries' => 3]);
attempt('options (probe-only key)', $cfg, $msg, $opts + ['ports' => [25]]);
attempt('integer key', $cfg + [0 => 'x'], $msg, $opts);
attempt('control bytes in a key', $cfg + ["evil\r\nkey" => 1], $msg, $opts);

echo "-- wrong types\n";
attempt('host int', ['host' => 127] + $cfg, $msg, $opts);
attempt('port string', ['port' => '25'] + $cfg, $msg, $opts);
attempt('port float', ['port' => 25.0] + $cfg, $msg, $opts);
attempt('encryption bool', ['encryption' => true] + $cfg, $msg, $opts);
attempt('auto_tls int', ['auto_tls' => 1] + $cfg, $msg, $opts);
attempt('verify_peer string', ['verify_peer' => 'yes'] + $cfg, $msg, $opts);
attempt('allow_insecure_auth string', ['allow_insecure_auth' => 'true'] + $cfg, $msg, $opts);
attempt('auth string', ['auth' => 'user:pass'] + $cfg, $msg, $opts);
attempt('auth password int', ['auth' => ['username' => MTA_USER, 'password' => 1234]] + $cfg, $msg, $opts);
attempt('from int', $cfg, ['from' => 42] + $msg, $opts);
attempt('to int', $cfg, ['to' => 42] + $msg, $opts);
attempt('to list of int', $cfg, ['to' => [42]] + $msg, $opts);
attempt('subject array', $cfg, ['subject' => ['x']] + $msg, $opts);
attempt('body array', $cfg, ['body' => ['x']] + $msg, $opts);
attempt('headers string', $cfg, ['headers' => 'X-A: b'] + $msg, $opts);
attempt('header value int', $cfg, ['headers' => ['X-A' => 1]] + $msg, $opts);
attempt('timeout string', $cfg, $msg, ['timeout' => 'soon'] + $opts);
attempt('phase_timeout string', $cfg, $msg, ['phase_timeout' => '1'] + $opts);
attempt('dns_servers string', $cfg, $msg, ['dns_servers' => '127.0.0.1'] + $opts);

echo "-- values\n";
attempt('no host', array_diff_key($cfg, ['host' => 1]), $msg, $opts);
attempt('empty host', ['host' => ''] + $cfg, $msg, $opts);
attempt('port 0', ['port' => 0] + $cfg, $msg, $opts);
attempt('port -1', ['port' => -1] + $cfg, $msg, $opts);
attempt('port 65536', ['port' => 65536] + $cfg, $msg, $opts);
attempt('encryption ssl', ['encryption' => 'ssl'] + $cfg, $msg, $opts);
attempt('mechanism cram-md5', ['auth' => ['mechanism' => 'cram-md5'] + send_auth('plain')] + $cfg, $msg, $opts);
attempt('empty password', ['auth' => send_auth('plain', '')] + $cfg, $msg, $opts);
attempt('no username', ['auth' => ['password' => MTA_PASSWORD]] + $cfg, $msg, $opts);
attempt('xoauth2 without token', ['auth' => ['username' => MTA_USER, 'mechanism' => 'xoauth2']] + $cfg, $msg, $opts);
attempt('password over 1024 bytes', ['auth' => send_auth('plain', str_repeat('p', 1025))] + $cfg, $msg, $opts);
foreach (['192.0.2.1', 'mail.example.com', '198.51.100.7', '::ffff:192.0.2.1'] as $h) {
    attempt("allow_insecure_auth for $h", ['host' => $h] + $cfg, $msg, $opts);
}
// Loopback hosts may opt in: these pass validation and fail on a closed port.
$tmp = stream_socket_server('tcp://127.0.0.1:0');
$closed = (int)substr(strrchr(stream_socket_get_name($tmp, false), ':'), 1);
fclose($tmp);
foreach (['localhost', '127.0.0.2', '::1', '[::1]'] as $h) {
    $r = smtpdiag_send_test(['host' => $h, 'port' => $closed] + $cfg, $msg, ['timeout' => 2] + $opts);
    echo "allow_insecure_auth for $h: accepted, stage=", $r['stage'], ' ', implode(',', array_column($r['findings'], 'code')), "\n";
}
attempt('no from', $cfg, array_diff_key($msg, ['from' => 1]), $opts);
attempt('no to', $cfg, array_diff_key($msg, ['to' => 1]), $opts);
attempt('empty to list', $cfg, ['to' => []] + $msg, $opts);
attempt('101 recipients', $cfg, ['to' => array_fill(0, 101, 'x@example.test')] + $msg, $opts);
attempt('from without @', $cfg, ['from' => 'nobody'] + $msg, $opts);
attempt('to with unclosed <', $cfg, ['to' => 'Bob <bob@example.test'] + $msg, $opts);
attempt('to with a space', $cfg, ['to' => 'bob smith@example.test'] + $msg, $opts);
attempt('to of 255 characters', $cfg, ['to' => str_repeat('a', 242) . '@example.test'] + $msg, $opts);
attempt('subject over 900 bytes', $cfg, ['subject' => str_repeat('s', 901)] + $msg, $opts);
attempt('NUL in body', $cfg, ['body' => "a\0b"] + $msg, $opts);
attempt('reserved header From', $cfg, ['headers' => ['From' => 'x@example.test']] + $msg, $opts);
attempt('reserved header bcc', $cfg, ['headers' => ['bcc' => 'x@example.test']] + $msg, $opts);
attempt('reserved header Content-Type', $cfg, ['headers' => ['Content-Type' => 'text/html']] + $msg, $opts);
attempt('header name with colon', $cfg, ['headers' => ['X-A:b' => 'c']] + $msg, $opts);
attempt('integer header name', $cfg, ['headers' => ['v']] + $msg, $opts);
attempt('header value over 900 bytes', $cfg, ['headers' => ['X-A' => str_repeat('v', 901)]] + $msg, $opts);
attempt('timeout 0', $cfg, $msg, ['timeout' => 0] + $opts);
attempt('phase_timeout 0', $cfg, $msg, ['phase_timeout' => 0] + $opts);
attempt('family ipv5', $cfg, $msg, ['family' => 'ipv5'] + $opts);
attempt('ehlo_name with a space', $cfg, $msg, ['ehlo_name' => 'bad name'] + $opts);
attempt('missing ca_file', $cfg, $msg, ['ca_file' => '/nonexistent/ca.pem'] + $opts);

$log = smtpdiag_test_server_stop($srv);
echo 'server saw: ', trim($log) === '' ? 'nothing' : $log, "\n";
?>
--EXPECT--
-- CR, LF and NUL in every field
CR in host: ValueError: smtpdiag_send_test(): Argument #1 ($config) "host" must not contain control characters (CR, LF, NUL...)
CR in from: ValueError: smtpdiag_send_test(): Argument #2 ($message) "from" must not contain control characters (CR, LF, NUL...)
CR in to: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must not contain control characters (CR, LF, NUL...)
CR in to (list): ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must not contain control characters (CR, LF, NUL...)
CR in from (display name): ValueError: smtpdiag_send_test(): Argument #2 ($message) "from" must not contain control characters (CR, LF, NUL...)
CR in subject: ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must not contain control characters (CR, LF, NUL...)
CR in subject (UTF-8): ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must not contain control characters (CR, LF, NUL...)
CR in header name: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" names must be printable ASCII without spaces or ':'
CR in header value: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
CR in ehlo_name: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)
CR in auth username: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "username" must not contain control characters (CR, LF, NUL...)
CR in auth password: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)
CR in auth token: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "token" must not contain control characters (CR, LF, NUL...)
LF in host: ValueError: smtpdiag_send_test(): Argument #1 ($config) "host" must not contain control characters (CR, LF, NUL...)
LF in from: ValueError: smtpdiag_send_test(): Argument #2 ($message) "from" must not contain control characters (CR, LF, NUL...)
LF in to: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must not contain control characters (CR, LF, NUL...)
LF in to (list): ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must not contain control characters (CR, LF, NUL...)
LF in from (display name): ValueError: smtpdiag_send_test(): Argument #2 ($message) "from" must not contain control characters (CR, LF, NUL...)
LF in subject: ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must not contain control characters (CR, LF, NUL...)
LF in subject (UTF-8): ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must not contain control characters (CR, LF, NUL...)
LF in header name: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" names must be printable ASCII without spaces or ':'
LF in header value: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
LF in ehlo_name: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)
LF in auth username: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "username" must not contain control characters (CR, LF, NUL...)
LF in auth password: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)
LF in auth token: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "token" must not contain control characters (CR, LF, NUL...)
NUL in host: ValueError: smtpdiag_send_test(): Argument #1 ($config) "host" must not contain control characters (CR, LF, NUL...)
NUL in from: ValueError: smtpdiag_send_test(): Argument #2 ($message) "from" must not contain control characters (CR, LF, NUL...)
NUL in to: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must not contain control characters (CR, LF, NUL...)
NUL in to (list): ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must not contain control characters (CR, LF, NUL...)
NUL in from (display name): ValueError: smtpdiag_send_test(): Argument #2 ($message) "from" must not contain control characters (CR, LF, NUL...)
NUL in subject: ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must not contain control characters (CR, LF, NUL...)
NUL in subject (UTF-8): ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must not contain control characters (CR, LF, NUL...)
NUL in header name: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" names must be printable ASCII without spaces or ':'
NUL in header value: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
NUL in ehlo_name: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)
NUL in auth username: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "username" must not contain control characters (CR, LF, NUL...)
NUL in auth password: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)
NUL in auth token: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "token" must not contain control characters (CR, LF, NUL...)
DEL in to: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must not contain control characters (CR, LF, NUL...)
DEL in header value: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
ESC in subject: ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must not contain control characters (CR, LF, NUL...)
-- unknown keys
config: ValueError: smtpdiag_send_test(): Argument #1 ($config) contains unknown option "hots"
config auth: ValueError: smtpdiag_send_test(): Argument #1 ($config) contains unknown option "realm"
message: ValueError: smtpdiag_send_test(): Argument #2 ($message) contains unknown option "cc"
options: ValueError: smtpdiag_send_test(): Argument #3 ($options) contains unknown option "retries"
options (probe-only key): ValueError: smtpdiag_send_test(): Argument #3 ($options) contains unknown option "ports"
integer key: ValueError: smtpdiag_send_test(): Argument #1 ($config) must have string keys, found integer key 0
control bytes in a key: ValueError: smtpdiag_send_test(): Argument #1 ($config) contains unknown option "evil??key"
-- wrong types
host int: ValueError: smtpdiag_send_test(): Argument #1 ($config) must have a "host" string
port string: TypeError: smtpdiag_send_test(): Argument #1 ($config) "port" must be of type int, string given
port float: TypeError: smtpdiag_send_test(): Argument #1 ($config) "port" must be of type int, float given
encryption bool: TypeError: smtpdiag_send_test(): Argument #1 ($config) option "encryption" must be of type string, bool given
auto_tls int: TypeError: smtpdiag_send_test(): Argument #1 ($config) option "auto_tls" must be of type bool, int given
verify_peer string: TypeError: smtpdiag_send_test(): Argument #1 ($config) option "verify_peer" must be of type bool, string given
allow_insecure_auth string: TypeError: smtpdiag_send_test(): Argument #1 ($config) option "allow_insecure_auth" must be of type bool, string given
auth string: TypeError: smtpdiag_send_test(): Argument #1 ($config) "auth" must be of type ?array, string given
auth password int: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" must have a non-empty "password" string
from int: TypeError: smtpdiag_send_test(): Argument #2 ($message) "from" must contain strings, int given
to int: TypeError: smtpdiag_send_test(): Argument #2 ($message) "to" must contain strings, int given
to list of int: TypeError: smtpdiag_send_test(): Argument #2 ($message) "to" must contain strings, int given
subject array: TypeError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must be of type string, array given
body array: TypeError: smtpdiag_send_test(): Argument #2 ($message) "body" must be of type string, array given
headers string: TypeError: smtpdiag_send_test(): Argument #2 ($message) "headers" must be of type array, string given
header value int: TypeError: smtpdiag_send_test(): Argument #2 ($message) "headers" values must be strings, int given
timeout string: TypeError: smtpdiag_send_test(): Argument #3 ($options) option "timeout" must be of type float, string given
phase_timeout string: TypeError: smtpdiag_send_test(): Argument #3 ($options) option "phase_timeout" must be of type float, string given
dns_servers string: TypeError: smtpdiag_send_test(): Argument #3 ($options) option "dns_servers" must be of type array, string given
-- values
no host: ValueError: smtpdiag_send_test(): Argument #1 ($config) must have a "host" string
empty host: ValueError: smtpdiag_send_test(): Argument #1 ($config) "host" must not be empty
port 0: ValueError: smtpdiag_send_test(): Argument #1 ($config) "port" must be between 1 and 65535
port -1: ValueError: smtpdiag_send_test(): Argument #1 ($config) "port" must be between 1 and 65535
port 65536: ValueError: smtpdiag_send_test(): Argument #1 ($config) "port" must be between 1 and 65535
encryption ssl: ValueError: smtpdiag_send_test(): Argument #1 ($config) option "encryption" must be one of 'none', 'starttls', 'tls'
mechanism cram-md5: ValueError: smtpdiag_send_test(): Argument #1 ($config) option "mechanism" must be one of 'auto', 'plain', 'login', 'xoauth2'
empty password: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" must have a non-empty "password" string
no username: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" must have a non-empty "username" string
xoauth2 without token: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" must have a non-empty "token" string
password over 1024 bytes: ValueError: smtpdiag_send_test(): Argument #1 ($config) "auth" "password" must be at most 1024 bytes
allow_insecure_auth for 192.0.2.1: ValueError: smtpdiag_send_test(): Argument #1 ($config) "allow_insecure_auth" is only allowed for a loopback host (localhost, 127.0.0.1, ::1)
allow_insecure_auth for mail.example.com: ValueError: smtpdiag_send_test(): Argument #1 ($config) "allow_insecure_auth" is only allowed for a loopback host (localhost, 127.0.0.1, ::1)
allow_insecure_auth for 198.51.100.7: ValueError: smtpdiag_send_test(): Argument #1 ($config) "allow_insecure_auth" is only allowed for a loopback host (localhost, 127.0.0.1, ::1)
allow_insecure_auth for ::ffff:192.0.2.1: ValueError: smtpdiag_send_test(): Argument #1 ($config) "allow_insecure_auth" is only allowed for a loopback host (localhost, 127.0.0.1, ::1)
allow_insecure_auth for localhost: accepted, stage=connect port_refused
allow_insecure_auth for 127.0.0.2: accepted, stage=connect port_refused
allow_insecure_auth for ::1: accepted, stage=connect port_refused
allow_insecure_auth for [::1]: accepted, stage=connect port_refused
no from: ValueError: smtpdiag_send_test(): Argument #2 ($message) must have a "from" address
no to: ValueError: smtpdiag_send_test(): Argument #2 ($message) must have a "to" address or list of addresses
empty to list: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must list 1 to 100 addresses
101 recipients: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must list 1 to 100 addresses
from without @: ValueError: smtpdiag_send_test(): Argument #2 ($message) "from" must be an address of the form local@domain
to with unclosed <: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" has a '<' without a closing '>'
to with a space: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must be a plain address without spaces, quotes, brackets or control characters
to of 255 characters: ValueError: smtpdiag_send_test(): Argument #2 ($message) "to" must be at most 254 characters
subject over 900 bytes: ValueError: smtpdiag_send_test(): Argument #2 ($message) option "subject" must be at most 900 bytes
NUL in body: ValueError: smtpdiag_send_test(): Argument #2 ($message) "body" must be at most 10 MiB and contain no NUL byte
reserved header From: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" must not set from: smtpdiag writes it
reserved header bcc: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" must not set bcc: smtpdiag writes it
reserved header Content-Type: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" must not set content-type: smtpdiag writes it
header name with colon: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" names must be printable ASCII without spaces or ':'
integer header name: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" must map header names (1 to 76 characters) to values
header value over 900 bytes: ValueError: smtpdiag_send_test(): Argument #2 ($message) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)
timeout 0: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "timeout" must be between 0.001 and 3600 seconds
phase_timeout 0: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "phase_timeout" must be between 0.001 and 3600 seconds
family ipv5: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "family" must be one of 'any', 'ipv4', 'ipv6'
ehlo_name with a space: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "ehlo_name" must not contain spaces
missing ca_file: ValueError: smtpdiag_send_test(): Argument #3 ($options) option "ca_file" must name a readable PEM file
server saw: nothing
