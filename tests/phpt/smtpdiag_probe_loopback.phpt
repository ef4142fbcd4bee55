--TEST--
smtpdiag_probe() against loopback servers: open with STARTTLS, implicit TLS, closed port
--EXTENSIONS--
smtpdiag
--FILE--
<?php
require __DIR__ . '/fixtures/smtp_server.inc';
$srv = smtpdiag_test_server(['normal', 'tls465']);
// A port nobody listens on: bind one, note it, close it.
$tmp = stream_socket_server('tcp://127.0.0.1:0');
$closed = (int)substr(strrchr(stream_socket_get_name($tmp, false), ':'), 1);
fclose($tmp);

$normal = $srv['ports']['normal'];
$tls = $srv['ports']['tls465'];
$t = microtime(true);
$r = smtpdiag_probe('127.0.0.1', ['ports' => [$normal, $tls, $closed], 'timeout' => 5, 'ehlo_name' => 'client.test',
    'implicit_tls_ports' => [$tls]]);
$elapsed = microtime(true) - $t;
smtpdiag_test_server_stop($srv);

var_dump($r['host'], $r['dns']['status'], $r['addresses']);
$byPort = array_column($r['ports'], null, 'port');
$p = $byPort[$normal];
echo "normal: {$p['state']} errno=", var_export($p['errno'], true), " banner={$p['smtp']['banner_code']} {$p['smtp']['banner']}\n";
echo "  starttls=", var_export($p['smtp']['starttls'], true), " auth=", implode(',', $p['smtp']['auth']), " size={$p['smtp']['size']} seen_ip={$p['smtp']['seen_ip']}\n";
echo "  tls mode={$p['tls']['mode']} ok=", var_export($p['tls']['ok'], true), " protocol={$p['tls']['protocol']} verified=", var_export($p['tls']['verified'], true), "\n";
echo "  extensions after TLS: ", implode(',', $p['smtp']['extensions']), "\n";
echo "  stage={$p['smtp']['stage']} error=", var_export($p['smtp']['error_code'], true), "\n";
$p = $byPort[$tls];
echo "implicit: {$p['state']} tls mode={$p['tls']['mode']} ok=", var_export($p['tls']['ok'], true), " banner={$p['smtp']['banner_code']}\n";
// Implicit ports may not list STARTTLS; the probe must not expect it there.
echo "  starttls=", var_export($p['smtp']['starttls'], true), "\n";
$p = $byPort[$closed];
echo "closed: {$p['state']} errno={$p['errno']} smtp=", var_export($p['smtp'], true), " blocked_at=", var_export($p['blocked_at'], true), "\n";
echo "codes: ", implode(',', array_column($r['findings'], 'code')), "\n";
var_dump($r['elapsed_ms'] > 0 && $r['elapsed_ms'] < 5250, $elapsed < 5.25);
// Every port entry has the documented keys, in order.
var_dump(array_keys($r['ports'][0]));
var_dump(array_keys($r));
?>
--EXPECTF--
string(9) "127.0.0.1"
string(7) "literal"
array(1) {
  [0]=>
  array(2) {
    ["address"]=>
    string(9) "127.0.0.1"
    ["family"]=>
    string(4) "ipv4"
  }
}
normal: open errno=NULL banner=220 localhost ESMTP phpt
  starttls=true auth=PLAIN,LOGIN size=1048576 seen_ip=127.0.0.1
  tls mode=starttls ok=true protocol=TLSv1.3 verified=false
  extensions after TLS: PIPELINING,SIZE 1048576,AUTH PLAIN LOGIN
  stage=done error=NULL
implicit: open tls mode=implicit ok=true banner=220
  starttls=false
closed: refused errno=ECONNREFUSED smtp=NULL blocked_at=NULL
codes: port_refused
bool(true)
bool(true)
array(10) {
  [0]=>
  string(4) "port"
  [1]=>
  string(7) "address"
  [2]=>
  string(6) "family"
  [3]=>
  string(5) "state"
  [4]=>
  string(5) "errno"
  [5]=>
  string(4) "icmp"
  [6]=>
  string(10) "blocked_at"
  [7]=>
  string(10) "connect_ms"
  [8]=>
  string(4) "smtp"
  [9]=>
  string(3) "tls"
}
array(6) {
  [0]=>
  string(4) "host"
  [1]=>
  string(9) "addresses"
  [2]=>
  string(3) "dns"
  [3]=>
  string(5) "ports"
  [4]=>
  string(8) "findings"
  [5]=>
  string(10) "elapsed_ms"
}
