--TEST--
smtpdiag_version() reports the extension, OpenSSL and c-ares versions
--EXTENSIONS--
smtpdiag
--FILE--
<?php
$v = smtpdiag_version();
var_dump(array_keys($v));
var_dump($v['extension'] === phpversion('smtpdiag'));
var_dump((bool)preg_match('/^OpenSSL \d+\.\d+/', $v['openssl']));
var_dump((bool)preg_match('/^1\.\d+\.\d+$/', $v['cares']));
try {
    smtpdiag_version(1);
} catch (ArgumentCountError $e) {
    echo $e->getMessage(), "\n";
}
?>
--EXPECT--
array(3) {
  [0]=>
  string(9) "extension"
  [1]=>
  string(7) "openssl"
  [2]=>
  string(5) "cares"
}
bool(true)
bool(true)
bool(true)
smtpdiag_version() expects exactly 0 arguments, 1 given
