<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use PHPUnit\Framework\TestCase;
use SmtpDiag\Certificate;
use SmtpDiag\CertificateCheck;
use SmtpDiag\Diagnosis;
use SmtpDiag\DomainReport;
use SmtpDiag\Engine;
use SmtpDiag\Finding;
use SmtpDiag\PortResult;
use SmtpDiag\ProbeResult;
use SmtpDiag\SendResult;

/**
 * The value objects over arrays the extension really returned (captured in
 * fixtures/native-*.json): typed access, and toArray() giving back exactly
 * the contract shape plus `engine` and `unavailable`.
 */
final class ValueObjectTest extends TestCase
{
    /** @return array<string, mixed> */
    private static function fixture(string $name): array
    {
        $data = json_decode((string) file_get_contents(__DIR__ . "/fixtures/native-$name.json"), true, 512, JSON_THROW_ON_ERROR);
        self::assertIsArray($data);
        return $data;
    }

    /** @return iterable<string, array{string, class-string}> */
    public static function results(): iterable
    {
        yield 'probe' => ['probe', ProbeResult::class];
        yield 'certificate' => ['certificate', CertificateCheck::class];
        yield 'domain' => ['domain', DomainReport::class];
        yield 'send' => ['send', SendResult::class];
        yield 'diagnosis' => ['diagnosis', Diagnosis::class];
    }

    /**
     * @dataProvider results
     * @param class-string<ProbeResult|CertificateCheck|DomainReport|SendResult|Diagnosis> $class
     */
    public function testToArrayGivesBackTheExtensionsArray(string $name, string $class): void
    {
        $a = self::fixture($name);
        $r = $class::fromArray($a);
        self::assertSame($a, $r->contractArray());
        self::assertSame(array_keys($a), array_slice(array_keys($r->toArray()), 0, count($a)), 'key order kept');
        self::assertSame('native', $r->toArray()['engine']);
        self::assertSame([], $r->toArray()['unavailable']);
    }

    /**
     * @dataProvider results
     * @param class-string<ProbeResult|CertificateCheck|DomainReport|SendResult|Diagnosis> $class
     */
    public function testEngineAndUnavailableSurviveARoundTrip(string $name, string $class): void
    {
        $r = $class::fromArray(self::fixture($name), Engine::Php, ['icmp', 'hop_location']);
        $again = $class::fromArray($r->toArray());
        self::assertSame(Engine::Php, $again->engine);
        self::assertSame(['icmp', 'hop_location'], $again->unavailable);
        self::assertSame($r->toArray(), $again->toArray());
        self::assertFalse($again->canSee('icmp'));
        self::assertTrue($again->canSee('errno'));
    }

    public function testProbeIsTyped(): void
    {
        $r = ProbeResult::fromArray(self::fixture('probe'));
        self::assertSame('127.0.0.1', $r->host);
        self::assertContainsOnlyInstancesOf(PortResult::class, $r->ports);
        self::assertContainsOnlyInstancesOf(Finding::class, $r->findings);
        self::assertCount(4, $r->ports);
        $open = $r->openPorts();
        self::assertCount(3, $open);
        self::assertSame(220, $open[0]->bannerCode());
        self::assertTrue($open[0]->tlsOk());
        $cert = $open[0]->certificate();
        self::assertInstanceOf(Certificate::class, $cert);
        self::assertStringContainsString('CN=localhost', $cert->subject);
        self::assertSame('RSA', $cert->keyType);
        self::assertSame(2048, $cert->keyBits);
        $refused = array_values(array_filter($r->ports, static fn (PortResult $p): bool => $p->state === 'refused'));
        self::assertCount(1, $refused);
        self::assertSame('ECONNREFUSED', $refused[0]->errno);
        self::assertNull($refused[0]->certificate());
        self::assertSame($refused, $r->port($refused[0]->port));
        self::assertContains('port_refused', $r->codes());
        self::assertContains('server_busy', $r->codes());
        foreach ($r->ports as $p) {
            self::assertContains($p->state, PortResult::STATES);
        }
    }

    public function testCertificateCheckIsTyped(): void
    {
        $r = CertificateCheck::fromArray(self::fixture('certificate'));
        self::assertFalse($r->ok);
        self::assertContains('self_signed', $r->errors);
        self::assertNotNull($r->certificate);
        self::assertCount(1, $r->chain);
        self::assertSame($r->certificate->fingerprintSha256, $r->chain[0]->fingerprintSha256);
        self::assertMatchesRegularExpression('/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/', $r->certificate->fingerprintSha256);
        self::assertFalse($r->certificate->isExpired());
        self::assertNotNull($r->finding('cert_self_signed'));
        self::assertNull($r->finding('cert_expired'));
        self::assertArrayHasKey('php_accepts', $r->extra, 'keys beyond the contract are kept');
    }

    public function testSendResultIsTyped(): void
    {
        $r = SendResult::fromArray(self::fixture('send'));
        self::assertTrue($r->ok);
        self::assertSame('done', $r->stage);
        self::assertSame(250, $r->reply['code'] ?? null);
        self::assertNotNull($r->messageId);
        self::assertContains($r->stage, SendResult::STAGES);
        self::assertSame(['recipient_rejected'], $r->codes());
        foreach ($r->transcript as $line) {
            self::assertContains($line['dir'], ['C', 'S', '*']);
        }
        self::assertArrayHasKey('banner', $r->timings);
    }

    public function testDomainReportIsTyped(): void
    {
        $r = DomainReport::fromArray(self::fixture('domain'));
        self::assertSame('lab.test', $r->domain());
        self::assertSame('v=spf1 ip4:192.0.2.10 -all', $r->spfRecord());
        self::assertNull($r->dmarcRecord());
        self::assertContains('dmarc_missing', $r->codes());
        self::assertNotNull($r->ptr);
    }

    public function testDiagnosisHoldsTypedSections(): void
    {
        $r = Diagnosis::fromArray(self::fixture('diagnosis'));
        self::assertFalse($r->ok);
        self::assertSame('encryption_expects_implicit_tls', $r->rootCause);
        self::assertSame($r->rootCause, $r->findings[0]->code, 'the root cause comes first');
        self::assertSame('critical', $r->rootCauseFinding()?->severity);
        self::assertInstanceOf(ProbeResult::class, $r->probe);
        self::assertInstanceOf(DomainReport::class, $r->domain);
        self::assertInstanceOf(SendResult::class, $r->auth);
        self::assertNull($r->send);
        self::assertSame(Engine::Native, $r->probe->engine);
        self::assertArrayHasKey('php_version', $r->environment);
        self::assertArrayHasKey('https', $r->extra);
    }

    public function testFindingToArrayIsTheContractShape(): void
    {
        $f = Finding::fromArray(['code' => 'port_refused', 'severity' => 'warning', 'title' => 't', 'detail' => 'd', 'fix' => 'x',
            'evidence' => ['port' => 25, 'nested' => ['dropped']]]);
        self::assertSame(['code', 'severity', 'title', 'detail', 'fix', 'evidence'], array_keys($f->toArray()));
        self::assertSame(['port' => 25], $f->evidence, 'evidence holds scalars only');
        self::assertTrue($f->isProblem());
        self::assertFalse(Finding::fromArray(['code' => 'smtp_ok', 'severity' => 'ok'])->isProblem());
    }

    public function testMissingKeysGetDefaultsNotErrors(): void
    {
        $r = ProbeResult::fromArray([]);
        self::assertSame('', $r->host);
        self::assertSame([], $r->ports);
        $p = PortResult::fromArray(['port' => 25]);
        self::assertSame('error', $p->state);
        self::assertNull($p->tlsOk());
        self::assertNull($p->bannerCode());
    }
}
