<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use PHPUnit\Framework\TestCase;
use SmtpDiag\Diagnostics;
use SmtpDiag\Engine;
use SmtpDiag\Result;

/**
 * Both engines side by side in one process (the extension loaded, the PHP
 * mode forced): identical shapes, states and codes where both can observe.
 *
 * @group cross
 */
final class CrossEngineTest extends TestCase
{
    /** @var array{proc: resource, pipes: array<int, resource>, ports: array<string, int>, log: string}|null */
    private static ?array $srv = null;

    public static function setUpBeforeClass(): void
    {
        if (!extension_loaded('smtpdiag')) {
            return;
        }
        /** @var array{proc: resource, pipes: array<int, resource>, ports: array<string, int>, log: string} $srv */
        $srv = \smtpdiag_test_server(['normal', 'tls465', 'busy421', 'silent', 'plain465', 'inject', 'mta', 'mta_tls']);
        self::$srv = $srv;
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$srv !== null) {
            \smtpdiag_test_server_stop(self::$srv);
            self::$srv = null;
        }
    }

    protected function setUp(): void
    {
        if (!extension_loaded('smtpdiag')) {
            self::markTestSkipped('needs the smtpdiag extension (run.sh runs this group with it)');
        }
    }

    /**
     * @param callable(Diagnostics): Result $call
     * @return array{Result, Result}
     */
    private static function both(callable $call): array
    {
        return [$call(new Diagnostics(Engine::Native)), $call(new Diagnostics(Engine::Php))];
    }

    public function testProbeShapesStatesAndCodesAgree(): void
    {
        self::assertNotNull(self::$srv);
        $p = self::$srv['ports'];
        $closed = TestEnv::closedPort();
        $ports = [$p['normal'], $p['tls465'], $p['busy421'], $p['silent'], $p['plain465'], $p['inject'], $closed];
        [$n, $h] = self::both(static fn (Diagnostics $d) => $d->probe('127.0.0.1', ['ports' => $ports, 'timeout' => 2.5,
            'implicit_tls_ports' => [$p['tls465'], $p['plain465']], 'ehlo_name' => 'client.test']));
        $na = $n->contractArray();
        $ha = $h->contractArray();
        self::assertSame(array_keys($na), array_keys($ha));
        self::assertSame(array_keys($na['dns']), array_keys($ha['dns']));
        self::assertSame($na['addresses'], $ha['addresses']);
        self::assertCount(count($na['ports']), $ha['ports']);
        foreach ($na['ports'] as $i => $np) {
            $hp = $ha['ports'][$i];
            self::assertSame(TestEnv::shape($np), TestEnv::shape($hp), "port {$np['port']}: same shape");
            foreach (['port', 'address', 'family', 'state', 'errno', 'icmp', 'blocked_at'] as $k) {
                self::assertSame($np[$k], $hp[$k], "port {$np['port']}: $k");
            }
            foreach (['banner_code', 'banner', 'extensions', 'starttls', 'auth', 'size', 'ehlo_domain', 'seen_ip', 'helo_fallback', 'stage', 'error_code'] as $k) {
                self::assertSame($np['smtp'][$k] ?? null, $hp['smtp'][$k] ?? null, "port {$np['port']}: smtp $k");
            }
            foreach (['mode', 'ok', 'protocol', 'cipher', 'verified', 'verify_error'] as $k) {
                self::assertSame($np['tls'][$k] ?? null, $hp['tls'][$k] ?? null, "port {$np['port']}: tls $k");
            }
            self::assertSame($np['tls']['certificate'] ?? null, $hp['tls']['certificate'] ?? null, "port {$np['port']}: certificate");
        }
        $key = static fn (array $f): string => $f['code'] . '/' . ($f['evidence']['port'] ?? '');
        self::assertSame(array_map($key, $na['findings']), array_map($key, $ha['findings']));
        foreach ($na['findings'] as $i => $f) {
            self::assertSame($f['severity'], $ha['findings'][$i]['severity']);
            self::assertSame(array_keys($f), array_keys($ha['findings'][$i]));
        }
        self::assertSame([], $n->unavailable);
        self::assertContains('hop_location', $h->unavailable);
    }

    public function testCertificateChecksAgree(): void
    {
        self::assertNotNull(self::$srv);
        foreach ([['localhost', self::$srv['ports']['tls465'], 'implicit'], ['127.0.0.1', self::$srv['ports']['normal'], 'starttls']] as [$host, $port, $mode]) {
            [$n, $h] = self::both(static fn (Diagnostics $d) => $d->checkCertificate($host, $port, ['mode' => $mode, 'timeout' => 3]));
            $na = $n->contractArray();
            $ha = $h->contractArray();
            self::assertSame(TestEnv::shape($na['certificate']), TestEnv::shape($ha['certificate']));
            self::assertSame($na['certificate'], $ha['certificate'], 'the same certificate details');
            foreach (['ok', 'errors', 'protocol', 'cipher', 'chain', 'host', 'address', 'mode', 'verified', 'verify_error', 'php_verified', 'php_accepts', 'php_ca', 'greeting_name', 'error'] as $k) {
                self::assertSame($na[$k], $ha[$k], "$host:$port $k");
            }
            self::assertSame($n->codes(), $h->codes());
            self::assertSame(array_keys($na), array_keys($ha));
        }
    }

    public function testSendResultsAgree(): void
    {
        self::assertNotNull(self::$srv);
        $cfg = ['host' => '127.0.0.1', 'port' => self::$srv['ports']['mta'], 'encryption' => 'starttls', 'verify_peer' => false,
            'allow_insecure_auth' => true, 'auth' => ['username' => 'alice@example.test', 'password' => 'Corr3ct-H0rse!Battery']];
        $msg = ['from' => 'sender@example.test', 'to' => ['a@example.test', 'nouser@example.test']];
        [$n, $h] = self::both(static fn (Diagnostics $d) => $d->sendTest($cfg, $msg, ['timeout' => 4, 'ehlo_name' => 'client.test']));
        $na = $n->contractArray();
        $ha = $h->contractArray();
        self::assertSame(array_keys($na), array_keys($ha));
        foreach (['ok', 'stage', 'reply', 'recipients', 'address', 'tls', 'auth_mechanism', 'error'] as $k) {
            self::assertSame($na[$k], $ha[$k], $k);
        }
        self::assertSame(array_keys($na['timings']), array_keys($ha['timings']));
        self::assertSame($n->codes(), $h->codes());
        self::assertSame(array_keys($na['findings'][0]['evidence']), array_keys($ha['findings'][0]['evidence']));
        $dirs = static fn (array $r): string => implode('', array_column($r['transcript'], 'dir'));
        self::assertSame($dirs($na), $dirs($ha), 'the same conversation');
        $cmds = static fn (array $r): array => array_values(array_filter(array_map(static fn (array $l): ?string => $l['dir'] === 'C' && !str_starts_with($l['text'], '[message')
            ? (string) preg_replace('/ SIZE=\d+/', ' SIZE=n', $l['text']) : null, $r['transcript'])));
        self::assertSame($cmds($na), $cmds($ha), 'the same commands, credentials redacted alike');
    }
}
