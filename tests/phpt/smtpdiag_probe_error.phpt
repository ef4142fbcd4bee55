--TEST--
smtpdiag_probe() rejects bad arguments with errors naming them, before any I/O
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/smtp_server.inc';
$srv = smtpdiag_test_server(['normal']);
$port = $srv['ports']['normal'];

$cases = [
    ['', []],
    ["127.0.0.1\r\nMAIL FROM:<x>", []],
    ["localhost\0evil", []],
    ['exämple.com', []],
    [str_repeat('a', 64) . '.example', []],
    ['a..b', []],
    ['host name', []],
    ['[not-an-ip]', []],
    ['127.0.0.1', ['ports' => [0]]],
    ['127.0.0.1', ['ports' => [65536]]],
    ['127.0.0.1', ['ports' => []]],
    ['127.0.0.1', ['ports' => ['25']]],
    ['127.0.0.1', ['ports' => 25]],
    ['127.0.0.1', ['bogus' => 1]],
    ['127.0.0.1', ["evil\r\nkey" => 1]],
    ['127.0.0.1', [0 => 1]],
    ['127.0.0.1', ['timeout' => 0]],
    ['127.0.0.1', ['timeout' => 'ten']],
    ['127.0.0.1', ['timeout' => NAN]],
    ['127.0.0.1', ['connect_timeout' => -1]],
    ['127.0.0.1', ['family' => 'ipv5']],
    ['127.0.0.1', ['dns_servers' => ['not an ip']]],
    ['127.0.0.1', ['dns_servers' => '127.0.0.1']],
    ['127.0.0.1', ['ca_file' => '/nonexistent/ca.pem']],
    ['127.0.0.1', ['ehlo_name' => "me\r\nRCPT TO:<x>"]],
    ['127.0.0.1', ['ehlo_name' => "bad name"]],
    ['127.0.0.1', ['tls' => 'yes']],
    ['127.0.0.1', ['trace' => 1]],
    ['127.0.0.1', ['early_verdict' => 'no']],
];
foreach ($cases as [$host, $opts]) {
    if (!isset($opts['ports']) && $host === '127.0.0.1') $opts['ports'] = [$port];
    try {
        smtpdiag_probe($host, $opts);
        echo "no error\n";
    } catch (ValueError | TypeError $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
$log = smtpdiag_test_server_stop($srv);
echo 'server saw: ', trim($log) === '' ? 'nothing' : $log, "\n";
?>
--EXPECT--
ValueError: smtpdiag_probe(): Argument #1 ($host) must not be empty
ValueError: smtpdiag_probe(): Argument #1 ($host) must not contain control characters (CR, LF, NUL...)
ValueError: smtpdiag_probe(): Argument #1 ($host) must not contain control characters (CR, LF, NUL...)
ValueError: smtpdiag_probe(): Argument #1 ($host) must be an ASCII host name (give an internationalised name in its xn-- form)
ValueError: smtpdiag_probe(): Argument #1 ($host) must be a host name with labels of 1 to 63 characters
ValueError: smtpdiag_probe(): Argument #1 ($host) must be a host name with labels of 1 to 63 characters
ValueError: smtpdiag_probe(): Argument #1 ($host) must not contain spaces
ValueError: smtpdiag_probe(): Argument #1 ($host) must be a host name or an IP address
ValueError: smtpdiag_probe(): Argument #2 ($options) option "ports" must contain ports between 1 and 65535
ValueError: smtpdiag_probe(): Argument #2 ($options) option "ports" must contain ports between 1 and 65535
ValueError: smtpdiag_probe(): Argument #2 ($options) option "ports" must list 1 to 32 ports
TypeError: smtpdiag_probe(): Argument #2 ($options) option "ports" must contain only integers, string given
TypeError: smtpdiag_probe(): Argument #2 ($options) option "ports" must be of type array, int given
ValueError: smtpdiag_probe(): Argument #2 ($options) contains unknown option "bogus"
ValueError: smtpdiag_probe(): Argument #2 ($options) contains unknown option "evil??key"
ValueError: smtpdiag_probe(): Argument #2 ($options) must have string keys, found integer key 0
ValueError: smtpdiag_probe(): Argument #2 ($options) option "timeout" must be between 0.001 and 3600 seconds
TypeError: smtpdiag_probe(): Argument #2 ($options) option "timeout" must be of type float, string given
ValueError: smtpdiag_probe(): Argument #2 ($options) option "timeout" must be between 0.001 and 3600 seconds
ValueError: smtpdiag_probe(): Argument #2 ($options) option "connect_timeout" must be between 0.001 and 3600 seconds
ValueError: smtpdiag_probe(): Argument #2 ($options) option "family" must be one of 'any', 'ipv4', 'ipv6'
ValueError: smtpdiag_probe(): Argument #2 ($options) option "dns_servers" must contain 'ip' or 'ip:port' entries ('[v6]:port' for IPv6 with a port)
TypeError: smtpdiag_probe(): Argument #2 ($options) option "dns_servers" must be of type array, string given
ValueError: smtpdiag_probe(): Argument #2 ($options) option "ca_file" must name a readable PEM file
ValueError: smtpdiag_probe(): Argument #2 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)
ValueError: smtpdiag_probe(): Argument #2 ($options) option "ehlo_name" must not contain spaces
TypeError: smtpdiag_probe(): Argument #2 ($options) option "tls" must be of type bool, string given
TypeError: smtpdiag_probe(): Argument #2 ($options) option "trace" must be of type bool, int given
TypeError: smtpdiag_probe(): Argument #2 ($options) option "early_verdict" must be of type bool, string given
server saw: nothing
