--TEST--
MINFO shows the versions; INI entries give the defaults
--EXTENSIONS--
smtpdiag
--INI--
smtpdiag.timeout=3.5
smtpdiag.dns_servers=127.0.0.1:1
--FILE--
<?php
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
foreach (['smtpdiag support => enabled', 'OpenSSL => OpenSSL', 'c-ares => 1.', 'smtpdiag.timeout => 3.5', 'smtpdiag.ca_file => no value'] as $needle) {
    echo $needle, ': ', str_contains($info, $needle) ? 'yes' : 'NO', "\n";
}
var_dump(ini_get('smtpdiag.timeout'));
// The INI DNS server (nothing listens on port 1) is used when no option says otherwise.
$r = smtpdiag_probe('nowhere.invalid', ['timeout' => 1]);
var_dump($r['dns']['resolver'], in_array($r['dns']['status'], ['timeout', 'unreachable'], true));
var_dump($r['findings'][0]['code']);
// An invalid timeout is refused by the INI handler and the old value kept.
var_dump(ini_set('smtpdiag.timeout', '-1'), ini_get('smtpdiag.timeout'));
?>
--EXPECT--
smtpdiag support => enabled: yes
OpenSSL => OpenSSL: yes
c-ares => 1.: yes
smtpdiag.timeout => 3.5: yes
smtpdiag.ca_file => no value: yes
string(3) "3.5"
string(11) "127.0.0.1:1"
bool(true)
string(11) "dns_timeout"
bool(false)
string(3) "3.5"
