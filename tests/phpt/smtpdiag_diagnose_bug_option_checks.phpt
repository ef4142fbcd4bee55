--TEST--
smtpdiag_diagnose_many() checks its options even for an empty list; counts and days are not "seconds"
--EXTENSIONS--
smtpdiag
--FILE--
<?php
function attempt(string $name, callable $call): void {
    try {
        $call();
        echo "$name: no error\n";
    } catch (ValueError | TypeError $e) {
        echo "$name: ", get_class($e), ': ', $e->getMessage(), "\n";
    }
}
$cfg = ['host' => '127.0.0.1', 'port' => 2525, 'encryption' => 'none'];
attempt('empty list, concurrency 0', fn() => smtpdiag_diagnose_many([], ['concurrency' => 0]));
attempt('empty list, unknown option', fn() => smtpdiag_diagnose_many([], ['retries' => 3]));
attempt('concurrency 1.5', fn() => smtpdiag_diagnose_many([$cfg], ['concurrency' => 1.5, 'timeout' => 0.5, 'api_hosts' => [], 'check_domain' => false]));
attempt('concurrency 300', fn() => smtpdiag_diagnose_many([$cfg], ['concurrency' => 300]));
attempt('warn_days -1', fn() => smtpdiag_diagnose($cfg, ['warn_days' => -1]));
?>
--EXPECTF--
empty list, concurrency 0: ValueError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" %s
empty list, unknown option: ValueError: smtpdiag_diagnose_many(): Argument #2 ($options) contains unknown option "retries"
concurrency 1.5: %sError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" %s
concurrency 300: ValueError: smtpdiag_diagnose_many(): Argument #2 ($options) option "concurrency" must be between 1 and 256
warn_days -1: ValueError: smtpdiag_diagnose(): Argument #2 ($options) option "warn_days" must be between 0 and 3650
