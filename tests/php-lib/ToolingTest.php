<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The library's tools: the stub check fails on a drifted signature, the
 * bundle script gives the plugin a working copy, the autoloader loads
 * only SmtpDiag\ classes.
 */
final class ToolingTest extends TestCase
{
    private const LIB = __DIR__ . '/../../php-bindings/lib';

    /** @return array{int, string} */
    /** @param list<string> $cmd */
    private static function exec(array $cmd): array
    {
        $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        self::assertIsResource($p);
        $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        return [proc_close($p), (string) $out];
    }

    public function testTheStubsMatchTheSourceOfTruth(): void
    {
        [$rc, $out] = self::exec([PHP_BINARY, self::LIB . '/bin/check-stubs']);
        self::assertSame(0, $rc, $out);
        self::assertStringContainsString('stubs: all match', $out);
    }

    public function testTheStubCheckCatchesADriftedSignature(): void
    {
        $src = (string) file_get_contents(self::LIB . '/../smtpdiag.stub.php');
        $tmp = sys_get_temp_dir() . '/smtpdiag-stub-' . getmypid() . '.php';
        foreach ([
            'a renamed parameter' => str_replace('function smtpdiag_probe(string $host,', 'function smtpdiag_probe(string $hostname,', $src),
            'another default' => str_replace('function smtpdiag_check_domain(string $domain, array $options = [])', 'function smtpdiag_check_domain(string $domain, ?array $options = null)', $src),
            'a new function' => str_replace('namespace SmtpDiag {', "namespace {\n    function smtpdiag_new_thing(): array {}\n}\nnamespace SmtpDiag {", $src),
        ] as $what => $changed) {
            self::assertNotSame($src, $changed, $what);
            file_put_contents($tmp, $changed);
            try {
                [$rc, $out] = self::exec([PHP_BINARY, self::LIB . '/bin/check-stubs', $tmp]);
            } finally {
                unlink($tmp);
            }
            self::assertSame(1, $rc, "$what: $out");
            self::assertStringContainsString('not ok', $out, $what);
        }
    }

    public function testTheBundleLoadsFromThePluginFolder(): void
    {
        $plugin = sys_get_temp_dir() . '/smtpdiag-plugin-' . getmypid();
        mkdir($plugin);
        try {
            [$rc, $out] = self::exec([self::LIB . '/bin/bundle-into-plugin', $plugin]);
            self::assertSame(0, $rc, $out);
            self::assertFileExists("$plugin/vendor-lib/autoload.php");
            self::assertFileExists("$plugin/vendor-lib/src/Diagnostics.php");
            self::assertFileExists("$plugin/vendor-lib/VERSION");
            // Bundling again replaces the copy.
            [$rc] = self::exec([self::LIB . '/bin/bundle-into-plugin', $plugin]);
            self::assertSame(0, $rc);
            $code = 'require ' . var_export("$plugin/vendor-lib/autoload.php", true) . ';'
                . '$d = new SmtpDiag\Diagnostics(SmtpDiag\Engine::Php);'
                . 'echo get_class($d), " ", (new ReflectionClass($d))->getFileName();';
            [$rc, $out] = self::exec([PHP_BINARY, '-n', '-r', $code]);
            self::assertSame(0, $rc, $out);
            self::assertSame("SmtpDiag\\Diagnostics $plugin/vendor-lib/src/Diagnostics.php", $out);
        } finally {
            exec('rm -rf ' . escapeshellarg($plugin));
        }
    }

    public function testTheAutoloaderIgnoresOtherNamespaces(): void
    {
        self::assertFalse(class_exists('SmtpDiagX\\Nothing'));
        self::assertFalse(class_exists('SmtpDiag\\Nothing'));
        self::assertTrue(class_exists('SmtpDiag\\Php\\PhpBackend'));
    }

    public function testThePhpModeNeedsNoOptionalExtensions(): void
    {
        // A bare PHP (-n: no ctype, mbstring, sockets, posix) still answers, from the pure-PHP mode.
        $code = 'require ' . var_export(self::LIB . '/autoload.php', true) . ';'
            . '$r = (new SmtpDiag\Diagnostics())->probe("127.0.0.1", ["ports" => [' . TestEnv::closedPort() . '], "timeout" => 2]);'
            . 'echo $r->engine->value, " ", $r->ports[0]->state, " ", in_array("errno", $r->unavailable, true) ? "errno-unavailable" : "errno-seen";';
        [$rc, $out] = self::exec([PHP_BINARY, '-n', '-r', $code]);
        self::assertSame(0, $rc, $out);
        self::assertMatchesRegularExpression('/^php (refused errno-seen|error errno-unavailable)$/', $out);
    }
}
