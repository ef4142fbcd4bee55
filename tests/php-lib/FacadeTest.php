<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use PHPUnit\Framework\TestCase;
use SmtpDiag\Diagnostics;
use SmtpDiag\Engine;

/**
 * The facade: which engine answers, and bad arguments rejected before any
 * I/O with the extension's exceptions and messages, whichever engine.
 */
final class FacadeTest extends TestCase
{
    public function testTheExtensionAnswersWhenLoaded(): void
    {
        $d = new Diagnostics();
        self::assertSame(extension_loaded('smtpdiag') ? Engine::Native : Engine::Php, $d->engine);
        self::assertSame(extension_loaded('smtpdiag'), Diagnostics::nativeAvailable());
        self::assertSame(Engine::Php, (new Diagnostics(Engine::Php))->engine);
    }

    public function testAskingForTheExtensionWithoutItThrows(): void
    {
        if (extension_loaded('smtpdiag')) {
            self::assertSame(Engine::Native, (new Diagnostics(Engine::Native))->engine);
            return;
        }
        $this->expectException(\SmtpDiag\Exception::class);
        new Diagnostics(Engine::Native);
    }

    public function testTheExceptionClassExistsWithoutTheExtension(): void
    {
        self::assertTrue(class_exists(\SmtpDiag\Exception::class));
        self::assertTrue(is_subclass_of(\SmtpDiag\Exception::class, \Exception::class));
    }

    /** @return iterable<string, array{string, list<mixed>, class-string<\Throwable>, string}> */
    public static function badCalls(): iterable
    {
        $cfg = ['host' => '127.0.0.1', 'port' => 2525];
        $msg = ['from' => 'a@example.test', 'to' => 'b@example.test'];
        yield 'host with CRLF' => ['probe', ["mail.example.com\r\nRCPT"], \ValueError::class,
            'smtpdiag_probe(): Argument #1 ($host) must not contain control characters (CR, LF, NUL...)'];
        yield 'empty host' => ['probe', [''], \ValueError::class, 'smtpdiag_probe(): Argument #1 ($host) must not be empty'];
        yield 'unknown option' => ['probe', ['127.0.0.1', ['portz' => [25]]], \ValueError::class,
            'smtpdiag_probe(): Argument #2 ($options) contains unknown option "portz"'];
        yield 'port out of range' => ['probe', ['127.0.0.1', ['ports' => [0]]], \ValueError::class,
            'smtpdiag_probe(): Argument #2 ($options) option "ports" must contain ports between 1 and 65535'];
        yield 'port not an int' => ['probe', ['127.0.0.1', ['ports' => ['25']]], \TypeError::class,
            'smtpdiag_probe(): Argument #2 ($options) option "ports" must contain only integers, string given'];
        yield 'timeout type' => ['probe', ['127.0.0.1', ['timeout' => 'soon']], \TypeError::class,
            'smtpdiag_probe(): Argument #2 ($options) option "timeout" must be of type float, string given'];
        yield 'timeout range' => ['probe', ['127.0.0.1', ['timeout' => 0]], \ValueError::class,
            'smtpdiag_probe(): Argument #2 ($options) option "timeout" must be between 0.001 and 3600 seconds'];
        yield 'family' => ['probe', ['127.0.0.1', ['family' => 'ipv5']], \ValueError::class,
            "smtpdiag_probe(): Argument #2 (\$options) option \"family\" must be one of 'any', 'ipv4', 'ipv6'"];
        yield 'EHLO name with LF' => ['probe', ['127.0.0.1', ['ehlo_name' => "x\nMAIL FROM:<a@b>"]], \ValueError::class,
            'smtpdiag_probe(): Argument #2 ($options) option "ehlo_name" must not contain control characters (CR, LF, NUL...)'];
        yield 'dns server' => ['probe', ['127.0.0.1', ['dns_servers' => ['resolver.example']]], \ValueError::class,
            "smtpdiag_probe(): Argument #2 (\$options) option \"dns_servers\" must contain 'ip' or 'ip:port' entries ('[v6]:port' for IPv6 with a port)"];
        yield 'certificate port' => ['checkCertificate', ['127.0.0.1', 70000], \ValueError::class,
            'smtpdiag_check_certificate(): Argument #2 ($port) must be between 1 and 65535'];
        yield 'certificate mode' => ['checkCertificate', ['127.0.0.1', 25, ['mode' => 'ssl']], \ValueError::class,
            "smtpdiag_check_certificate(): Argument #3 (\$options) option \"mode\" must be one of 'auto', 'starttls', 'implicit'"];
        yield 'sni as address' => ['checkCertificate', ['127.0.0.1', 25, ['sni' => '127.0.0.1']], \ValueError::class,
            'smtpdiag_check_certificate(): Argument #3 ($options) option "sni" must be a DNS host name (SNI never carries an IP address)'];
        yield 'domain is an address' => ['checkDomain', ['192.0.2.1'], \ValueError::class,
            'smtpdiag_check_domain(): Argument #1 ($domain) must be a domain name such as example.com'];
        yield 'sending ip' => ['checkDomain', ['example.test', ['sending_ip' => 'nope']], \ValueError::class,
            'smtpdiag_check_domain(): Argument #2 ($options) option "sending_ip" must be an IPv4 or IPv6 address'];
        yield 'send: no host' => ['sendTest', [['port' => 25], $msg], \ValueError::class,
            'smtpdiag_send_test(): Argument #1 ($config) must have a "host" string'];
        yield 'send: encryption' => ['sendTest', [$cfg + ['encryption' => 'ssl'], $msg], \ValueError::class,
            "smtpdiag_send_test(): Argument #1 (\$config) option \"encryption\" must be one of 'none', 'starttls', 'tls'"];
        yield 'send: password with CR' => ['sendTest', [$cfg + ['auth' => ['username' => 'u', 'password' => "Secr3t\r\nQUIT"]], $msg], \ValueError::class,
            'smtpdiag_send_test(): Argument #1 ($config) "auth" "password" must not contain control characters (CR, LF, NUL...)'];
        yield 'send: insecure auth off loopback' => ['sendTest', [['host' => 'mail.example.test', 'allow_insecure_auth' => true], $msg], \ValueError::class,
            'smtpdiag_send_test(): Argument #1 ($config) "allow_insecure_auth" is only allowed for a loopback host (localhost, 127.0.0.1, ::1)'];
        yield 'send: from' => ['sendTest', [$cfg, ['from' => 'nobody', 'to' => 'b@example.test']], \ValueError::class,
            'smtpdiag_send_test(): Argument #2 ($message) "from" must be an address of the form local@domain'];
        yield 'send: header injection' => ['sendTest', [$cfg, $msg + ['headers' => ['X-Test' => "a\r\nBcc: victim@example.test"]]], \ValueError::class,
            'smtpdiag_send_test(): Argument #2 ($message) "headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)'];
        yield 'send: reserved header' => ['sendTest', [$cfg, $msg + ['headers' => ['Bcc' => 'x@example.test']]], \ValueError::class,
            'smtpdiag_send_test(): Argument #2 ($message) "headers" must not set bcc: smtpdiag writes it'];
        yield 'diagnose: unknown option' => ['diagnose', [$cfg, ['concurrency' => 2]], \ValueError::class,
            'smtpdiag_diagnose(): Argument #2 ($options) contains unknown option "concurrency"'];
        yield 'diagnose: send type' => ['diagnose', [$cfg, ['send' => 'yes']], \TypeError::class,
            'smtpdiag_diagnose(): Argument #2 ($options) option "send" must be of type ?array, string given'];
        yield 'diagnose_many: not arrays' => ['diagnoseMany', [[$cfg, 'mail.example.test']], \TypeError::class,
            'smtpdiag_diagnose_many(): Argument #1 ($configs) must contain only arrays, string given'];
    }

    /**
     * @dataProvider badCalls
     * @param list<mixed> $args
     * @param class-string<\Throwable> $class
     */
    public function testBadArgumentsThrowBeforeAnyIo(string $method, array $args, string $class, string $message): void
    {
        foreach (self::engines() as $engine) {
            $t = microtime(true);
            try {
                (new Diagnostics($engine))->{$method}(...$args);
                self::fail("{$engine->value}: no exception");
            } catch (\Throwable $e) {
                self::assertInstanceOf($class, $e, "{$engine->value}: " . $e->getMessage());
                self::assertSame($message, $e->getMessage(), $engine->value);
            }
            self::assertLessThan(0.2, microtime(true) - $t, "{$engine->value} threw at once");
        }
    }

    public function testSecretsAreNotEchoedInErrors(): void
    {
        foreach (self::engines() as $engine) {
            try {
                (new Diagnostics($engine))->sendTest(['host' => '127.0.0.1', 'auth' => ['username' => 'u', 'password' => "Hunter2\0", 'mechanism' => 'x']],
                    ['from' => 'a@example.test', 'to' => 'b@example.test']);
                self::fail('no exception');
            } catch (\ValueError $e) {
                self::assertStringNotContainsString('Hunter2', $e->getMessage());
                self::assertStringNotContainsString('Hunter2', $e->getTraceAsString(), 'SensitiveParameter hides the config');
            }
        }
    }

    /** @return list<Engine> the engines this process can run */
    private static function engines(): array
    {
        return extension_loaded('smtpdiag') ? [Engine::Native, Engine::Php] : [Engine::Php];
    }
}
