<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use PHPUnit\Framework\TestCase;
use SmtpDiag\Diagnostics;
use SmtpDiag\Engine;
use SmtpDiag\ProbeResult;

/**
 * The contract against loopback servers (tests/phpt/fixtures/smtp_server.php),
 * for the engine of this run (TestEnv::engine()): the same expectations hold
 * for both, except what `unavailable` says the PHP mode cannot see.
 */
final class LoopbackContractTest extends TestCase
{
    /** @var array{proc: resource, pipes: array<int, resource>, ports: array<string, int>, log: string}|null */
    private static ?array $srv = null;
    private static int $closed = 0;
    private static ?ProbeResult $probe = null;
    private static float $probeSeconds = 0.0;

    private const KINDS = ['normal', 'tls465', 'busy421', 'silent', 'plain465', 'multiline_mixed', 'longline', 'inject', 'reject554',
        'mta', 'mta_tls', 'mta_notls', 'mta_starttls454', 'mta_auth534', 'mta_auth538', 'mta_eom550'];
    private const USER = 'alice@example.test';
    private const PASSWORD = 'Corr3ct-H0rse!Battery';

    public static function setUpBeforeClass(): void
    {
        /** @var array{proc: resource, pipes: array<int, resource>, ports: array<string, int>, log: string} $srv */
        $srv = \smtpdiag_test_server(self::KINDS);
        self::$srv = $srv;
        self::$closed = TestEnv::closedPort();
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$srv !== null) {
            \smtpdiag_test_server_stop(self::$srv);
            self::$srv = null;
        }
        self::$probe = null;
    }

    private static function port(string $kind): int
    {
        self::assertNotNull(self::$srv);
        return self::$srv['ports'][$kind];
    }

    private function d(): Diagnostics
    {
        return new Diagnostics(TestEnv::engine());
    }

    /** One probe over every probe behaviour (3 s deadline), shared by the probe tests. */
    private function probe(): ProbeResult
    {
        if (self::$probe === null) {
            $kinds = ['normal', 'tls465', 'busy421', 'silent', 'plain465', 'multiline_mixed', 'longline', 'inject', 'reject554'];
            $ports = array_map([self::class, 'port'], $kinds);
            $ports[] = self::$closed;
            $t = microtime(true);
            self::$probe = $this->d()->probe('127.0.0.1', ['ports' => $ports, 'timeout' => 3, 'ehlo_name' => 'client.test',
                'implicit_tls_ports' => [self::port('tls465'), self::port('plain465')]]);
            self::$probeSeconds = microtime(true) - $t;
        }
        return self::$probe;
    }

    /** @return iterable<string, array{string, string, ?string, ?string}> behaviour => [state, stage, error_code, finding] */
    public static function portCases(): iterable
    {
        yield 'STARTTLS server' => ['normal', 'open', 'done', null];
        yield 'implicit TLS server' => ['tls465', 'open', 'done', null];
        yield 'closed port' => ['closed', 'refused', null, 'port_refused'];
        yield '421 greeting' => ['busy421', 'open', 'greeting', 'server_busy'];
        yield 'no greeting' => ['silent', 'open', 'greeting', 'greeting_timeout'];
        yield 'clear text on an implicit TLS port' => ['plain465', 'open', 'tls', 'encryption_expects_starttls'];
        yield 'mixed multi-line codes' => ['multiline_mixed', 'open', 'greeting', 'smtp_protocol_error'];
        yield 'a 5000-byte line' => ['longline', 'open', 'greeting', 'smtp_protocol_error'];
        yield 'bytes injected after STARTTLS' => ['inject', 'open', 'tls', 'smtp_protocol_error'];
        yield '554 greeting' => ['reject554', 'open', 'greeting', 'greeting_rejected'];
    }

    /** @dataProvider portCases */
    public function testProbeClassifiesEachPort(string $kind, string $state, ?string $stage, ?string $code): void
    {
        $r = $this->probe();
        $port = $kind === 'closed' ? self::$closed : self::port($kind);
        $rows = $r->port($port);
        self::assertCount(1, $rows);
        $p = $rows[0];
        self::assertSame($state, $p->state);
        self::assertSame(['port', 'address', 'family', 'state', 'errno', 'icmp', 'blocked_at', 'connect_ms', 'smtp', 'tls'],
            array_keys($p->toArray()));
        self::assertNull($p->icmp);
        self::assertNull($p->blockedAt);
        if ($stage === null) {
            self::assertNull($p->smtp);
            self::assertSame('ECONNREFUSED', $p->errno);
        } else {
            self::assertSame($stage, $p->smtp['stage'] ?? null);
        }
        $codes = [];
        foreach ($r->findings as $f) {
            if (($f->evidence['port'] ?? null) === $port) {
                $codes[] = $f->code;
            }
        }
        self::assertSame($code === null ? [] : [$code], $codes);
    }

    public function testProbeSeesSmtpAndTls(): void
    {
        $r = $this->probe();
        $n = $r->port(self::port('normal'))[0];
        self::assertSame(220, $n->bannerCode());
        self::assertSame('localhost ESMTP phpt', $n->smtp['banner'] ?? null);
        self::assertTrue($n->smtp['starttls'] ?? null);
        self::assertSame(['PLAIN', 'LOGIN'], $n->smtp['auth'] ?? null);
        self::assertSame(1048576, $n->smtp['size'] ?? null);
        self::assertSame('127.0.0.1', $n->smtp['seen_ip'] ?? null);
        self::assertSame('starttls', $n->tls['mode'] ?? null);
        self::assertTrue($n->tlsOk());
        self::assertFalse($n->tls['verified'] ?? null, 'a self-signed certificate is not verified');
        self::assertSame('self-signed certificate', $n->tls['verify_error'] ?? null);
        self::assertStringContainsString('CN=localhost', (string) $n->certificate()?->subject);
        $i = $r->port(self::port('tls465'))[0];
        self::assertSame('implicit', $i->tls['mode'] ?? null);
        self::assertFalse($i->smtp['starttls'] ?? null);
        self::assertSame('literal', $r->dns['status'] ?? null);
        self::assertSame([['address' => '127.0.0.1', 'family' => 'ipv4']], $r->addresses);
    }

    public function testProbeKeepsItsDeadline(): void
    {
        $r = $this->probe();
        self::assertLessThan(3.25, self::$probeSeconds);
        self::assertGreaterThan(2.5, $r->elapsedMs / 1000, 'the silent port was waited for until the deadline');
    }

    public function testProbeSaysWhatItCannotSee(): void
    {
        $r = $this->probe();
        self::assertSame(TestEnv::engine(), $r->engine);
        if (TestEnv::engine() === Engine::Native) {
            self::assertSame([], $r->unavailable);
        } else {
            foreach (['icmp', 'hop_location', 'dns_rcode'] as $what) {
                self::assertContains($what, $r->unavailable);
            }
        }
        self::assertSame(TestEnv::engine()->value, $r->toArray()['engine']);
    }

    public function testCertificateCheck(): void
    {
        $r = $this->d()->checkCertificate('localhost', self::port('tls465'), ['mode' => 'implicit', 'timeout' => 3]);
        self::assertFalse($r->ok);
        self::assertSame(['expiring_soon', 'self_signed'], $r->errors);
        self::assertSame(['cert_self_signed', 'cert_expiring_soon'], $r->codes());
        self::assertSame('TLSv1.3', $r->protocol);
        self::assertNotNull($r->certificate);
        self::assertSame([], $r->certificate->san);
        self::assertSame(0, $r->certificate->daysLeft);
        self::assertSame('sha256WithRSAEncryption', $r->certificate->signatureAlgorithm);
        self::assertSame(['ok', 'errors', 'protocol', 'cipher', 'certificate', 'chain', 'findings'], array_slice(array_keys($r->toArray()), 0, 7));
        $mismatch = $this->d()->checkCertificate('127.0.0.1', self::port('normal'), ['mode' => 'starttls', 'timeout' => 3]);
        self::assertSame(['expiring_soon', 'hostname_mismatch', 'self_signed'], $mismatch->errors);
    }

    public function testCertificateCheckOfAClosedPort(): void
    {
        $r = $this->d()->checkCertificate('127.0.0.1', self::$closed, ['mode' => 'starttls', 'timeout' => 2]);
        self::assertFalse($r->ok);
        self::assertNull($r->certificate);
        self::assertSame([], $r->chain);
    }

    /** @return array<string, mixed> */
    private static function auth(string $mechanism = 'auto', string $password = self::PASSWORD): array
    {
        return ['username' => self::USER, 'password' => $password, 'mechanism' => $mechanism];
    }

    /** @return iterable<string, array{string, array<string, mixed>, array<string, mixed>, bool, string, list<string>, ?int}> */
    public static function sendCases(): iterable
    {
        $insecure = ['allow_insecure_auth' => true];
        yield 'plain, delivered' => ['mta', [], [], true, 'done', [], 250];
        yield 'AUTH PLAIN' => ['mta', $insecure + ['auth' => self::auth('plain')], [], true, 'done', [], 250];
        yield 'AUTH LOGIN over STARTTLS' => ['mta', $insecure + ['encryption' => 'starttls', 'verify_peer' => false, 'auth' => self::auth('login')], [], true, 'done', [], 250];
        yield 'implicit TLS, unverified' => ['mta_tls', ['encryption' => 'tls', 'verify_peer' => false], [], true, 'done', [], 250];
        yield 'wrong password' => ['mta', $insecure + ['auth' => self::auth('plain', 'wrong')], [], false, 'auth', ['auth_failed'], 535];
        yield 'AUTH 534 app password' => ['mta_auth534', $insecure + ['auth' => self::auth()], [], false, 'auth', ['auth_failed'], 534];
        yield 'AUTH 538' => ['mta_auth538', $insecure + ['auth' => self::auth()], [], false, 'auth', ['auth_requires_tls'], 538];
        yield 'AUTH in clear text refused here' => ['mta', ['auth' => self::auth()], [], false, 'auth', ['auth_requires_tls'], null];
        yield 'self-signed, verify_peer on' => ['mta', ['encryption' => 'starttls', 'auth' => self::auth()], [], false, 'starttls', ['cert_self_signed'], null];
        yield 'no STARTTLS' => ['mta_notls', ['encryption' => 'starttls'], [], false, 'starttls', ['starttls_unavailable'], null];
        yield 'STARTTLS 454' => ['mta_starttls454', ['encryption' => 'starttls'], [], false, 'starttls', ['starttls_unavailable'], 454];
        yield '421 greeting' => ['busy421', [], [], false, 'banner', ['server_busy'], 421];
        yield 'sender refused' => ['mta', [], ['from' => 'badsender@example.test'], false, 'mail_from', ['sender_rejected'], 550];
        yield 'relay denied' => ['mta', [], ['to' => 'relay@elsewhere.test'], false, 'rcpt_to', ['relay_denied'], 554];
        yield 'one of two recipients refused' => ['mta', [], ['to' => ['a@example.test', 'nouser@example.test']], true, 'done', ['recipient_rejected'], 250];
        yield 'message refused' => ['mta_eom550', [], [], false, 'data', ['message_rejected'], 550];
        yield 'clear text on the implicit TLS port' => ['mta', ['encryption' => 'tls', 'verify_peer' => false], [], false, 'connect', ['encryption_expects_starttls'], null];
    }

    /**
     * @dataProvider sendCases
     * @param array<string, mixed> $cfg
     * @param array<string, mixed> $msg
     * @param list<string> $codes
     */
    public function testSendStages(string $kind, array $cfg, array $msg, bool $ok, string $stage, array $codes, ?int $reply): void
    {
        $r = $this->d()->sendTest(array_replace(['host' => '127.0.0.1', 'port' => self::port($kind), 'encryption' => 'none'], $cfg),
            array_replace(['from' => 'sender@example.test', 'to' => 'rcpt@example.test', 'subject' => 'php-lib', 'body' => "hello\n.\nbye\n"], $msg),
            ['timeout' => 4, 'ehlo_name' => 'client.test']);
        self::assertSame([$ok, $stage, $codes, $reply], [$r->ok, $r->stage, $r->codes(), $r->reply['code'] ?? null]);
        foreach ($r->findings as $f) {
            self::assertSame(['code', 'severity', 'title', 'detail', 'fix', 'evidence'], array_keys($f->toArray()));
            self::assertNotSame('', $f->detail);
            self::assertNotSame('', $f->fix);
        }
        $text = implode("\n", array_column($r->transcript, 'text'));
        self::assertStringNotContainsString(self::PASSWORD, $text);
        self::assertStringNotContainsString(base64_encode("\0" . self::USER . "\0" . self::PASSWORD), $text);
        self::assertStringNotContainsString(base64_encode(self::PASSWORD), $text);
        self::assertSame($ok, $r->messageId !== null && $stage === 'done');
    }

    public function testSendStopsAtItsDeadline(): void
    {
        $t = microtime(true);
        $r = $this->d()->sendTest(['host' => '127.0.0.1', 'port' => self::port('silent'), 'encryption' => 'none'],
            ['from' => 'a@example.test', 'to' => 'b@example.test'], ['timeout' => 1.5]);
        self::assertLessThan(1.75, microtime(true) - $t);
        self::assertSame(['banner', ['greeting_timeout']], [$r->stage, $r->codes()]);
    }

    /**
     * phase_timeout bounds each wait on its own: a greeting that never comes,
     * and an implicit-TLS handshake the server never answers, end after it
     * (1 s), not at the call's 5 s deadline. The peer is a listening socket
     * that never accepts: the kernel completes the connect, nothing answers.
     */
    public function testPhaseTimeoutEndsEachWaitBeforeTheDeadline(): void
    {
        $mute = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
        self::assertNotFalse($mute, $errstr);
        $port = (int) substr((string) strrchr((string) stream_socket_get_name($mute, false), ':'), 1);
        try {
            foreach (['none' => 'banner', 'tls' => 'connect'] as $encryption => $stage) {
                $t = microtime(true);
                $r = $this->d()->sendTest(['host' => '127.0.0.1', 'port' => $port, 'encryption' => $encryption],
                    ['from' => 'a@example.test', 'to' => 'b@example.test'], ['timeout' => 5, 'phase_timeout' => 1]);
                $took = microtime(true) - $t;
                self::assertGreaterThanOrEqual(0.95, $took, "$encryption: not before the phase's second");
                self::assertLessThan(2.5, $took, "$encryption: ended by phase_timeout, not the 5 s deadline");
                self::assertFalse($r->ok, $encryption);
                self::assertSame($stage, $r->stage, $encryption);
            }
        } finally {
            fclose($mute);
        }
    }

    public function testTheMessageArrivesDotStuffed(): void
    {
        self::assertNotNull(self::$srv);
        $r = $this->d()->sendTest(['host' => '127.0.0.1', 'port' => self::port('mta'), 'encryption' => 'none'],
            ['from' => 'sender@example.test', 'to' => 'rcpt@example.test', 'subject' => 'Grüße', 'body' => "line\n.leading dot\n", 'headers' => ['X-Php-Lib' => 'yes']],
            ['timeout' => 4]);
        self::assertTrue($r->ok);
        // The server logs each message's DATA bytes; find ours by its Message-ID.
        $deadline = microtime(true) + 2;
        $raw = null;
        while ($raw === null && microtime(true) < $deadline) {
            preg_match_all('/^\[mta#\d+\] DATA (\S*)$/m', (string) file_get_contents(self::$srv['log']), $m);
            foreach ($m[1] as $b64) {
                $data = (string) base64_decode($b64, true);
                if (str_contains($data, (string) $r->messageId)) {
                    $raw = $data;
                }
            }
            usleep(50000);
        }
        self::assertNotNull($raw);
        self::assertStringContainsString("\r\n..leading dot\r\n", $raw);
        self::assertStringContainsString("X-Php-Lib: yes\r\n", $raw);
        self::assertMatchesRegularExpression('/^Subject: =\?UTF-8\?B\?/m', $raw);
        self::assertStringNotContainsString("\n.\r\n", str_replace("\r\n..", '', $raw));
    }
}
