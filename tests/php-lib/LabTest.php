<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use PHPUnit\Framework\TestCase;
use SmtpDiag\Engine;

/**
 * Both engines in the network lab (tests/lab: sd-client -> routers ->
 * sd-server, mail.lab.test): a closed port, a port dropped on this host and
 * one dropped at the server, the certificate matrix, diagnoses and the
 * domain checks. Each call runs in its own process inside sd-client, the
 * PHP mode without the extension. Identical where both can observe; where
 * only the extension can, the PHP mode's `unavailable` says so.
 *
 * The drops are this suite's own nft table (smtpdiag_phplib) on ports no
 * other test uses, removed afterwards.
 *
 * @group lab
 */
final class LabTest extends TestCase
{
    private const SCRIPT = '198.51.100.26';
    private const DROP_HERE = 2698;
    private const DROP_AT_SERVER = 2697;
    private const DROP_BOTH = 2696;  // mail.lab.test, both of its addresses, dropped here
    private const TABLE = 'smtpdiag_phplib';

    public static function setUpBeforeClass(): void
    {
        if (TestEnv::labUnavailable() !== null || getenv('SMTPDIAG_EXTENSION') === false) {
            return;
        }
        self::nft('sd-client', "table inet " . self::TABLE . " {\n chain out {\n  type filter hook output priority 0; policy accept;\n  ip daddr " . self::SCRIPT . " tcp dport " . self::DROP_HERE . " drop\n"
            . "  ip daddr 198.51.100.25 tcp dport " . self::DROP_BOTH . " drop\n  ip6 daddr 2001:db8:2::25 tcp dport " . self::DROP_BOTH . " drop\n }\n}\n");
        self::nft('sd-server', "table inet " . self::TABLE . " {\n chain in {\n  type filter hook input priority 0; policy accept;\n  ip daddr " . self::SCRIPT . " tcp dport " . self::DROP_AT_SERVER . " drop\n }\n}\n");
    }

    public static function tearDownAfterClass(): void
    {
        foreach (['sd-client', 'sd-server'] as $ns) {
            exec('ip netns exec ' . $ns . ' nft delete table inet ' . self::TABLE . ' 2>/dev/null');
        }
    }

    private static function nft(string $ns, string $rules): void
    {
        exec('ip netns exec ' . $ns . ' nft delete table inet ' . self::TABLE . ' 2>/dev/null');
        $file = (string) tempnam(sys_get_temp_dir(), 'smtpdiag-nft');
        file_put_contents($file, $rules);
        exec('ip netns exec ' . $ns . ' nft -f ' . escapeshellarg($file) . ' 2>&1', $out, $rc);
        unlink($file);
        if ($rc !== 0) {
            throw new \RuntimeException("nft in $ns: " . implode("\n", $out));
        }
    }

    protected function setUp(): void
    {
        $why = TestEnv::labUnavailable();
        if ($why !== null) {
            self::markTestSkipped($why);
        }
        if (getenv('SMTPDIAG_EXTENSION') === false) {
            self::markTestSkipped('SMTPDIAG_EXTENSION (the .so for the native side) is not set');
        }
        self::waitForQuietLab();
    }

    /** True when another suite has a global fault (tests/lab/fault.sh) applied. */
    private static function faultApplied(): bool
    {
        foreach (['sd-client', 'sd-r1', 'sd-r2', 'sd-server'] as $ns) {
            exec("ip netns exec $ns nft list table inet smtpdiag_fault >/dev/null 2>&1", $o, $rc);
            if ($rc === 0) {
                return true;
            }
        }
        return false;
    }

    /** When a fault was last applied (fault.sh rewrites its rule file each time). */
    private static function faultStamp(): string
    {
        clearstatcache();
        $stamp = '';
        foreach (glob('/tmp/smtpdiag-lab/faults/*.nft') ?: [] as $f) {
            $stamp .= $f . '@' . (string) @filemtime($f) . ';';
        }
        return $stamp;
    }

    private static function waitForQuietLab(): void
    {
        $deadline = microtime(true) + 120;
        while (self::faultApplied()) {
            if (microtime(true) > $deadline) {
                self::fail('a lab fault (tests/lab/fault.sh) stayed applied for 120 s');
            }
            usleep(500000);
        }
    }

    /**
     * @param list<mixed> $args
     * @return array{array<string, mixed>, array<string, mixed>} [native, php]
     */
    private static function both(string $op, array $args): array
    {
        // The lab is shared: when another suite applied a fault meanwhile, wait for it to go and run again.
        for ($try = 0; ; ++$try) {
            $before = self::faultStamp();
            $r = [TestEnv::inLab(Engine::Native, $op, $args), TestEnv::inLab(Engine::Php, $op, $args)];
            if ((!self::faultApplied() && self::faultStamp() === $before) || $try === 3) {
                return $r;
            }
            self::waitForQuietLab();
        }
    }

    /**
     * @param array<string, mixed> $r
     * @return list<string>
     */
    private static function codes(array $r): array
    {
        self::assertArrayNotHasKey('exception', $r, (string) ($r['message'] ?? ''));
        /** @var list<array{code: string}> $f */
        $f = $r['findings'];
        return array_column($f, 'code');
    }

    public function testAClosedPortIsRefusedForBoth(): void
    {
        [$n, $p] = self::both('probe', [self::SCRIPT, ['ports' => [2525], 'timeout' => 4]]);
        foreach ([$n, $p] as $r) {
            self::assertSame(['refused', 'ECONNREFUSED', null], [$r['ports'][0]['state'], $r['ports'][0]['errno'], $r['ports'][0]['smtp']]);
            self::assertSame(['port_refused'], self::codes($r));
        }
        self::assertSame(TestEnv::shape($n['ports']), TestEnv::shape($p['ports']));
        self::assertSame(TestEnv::shape($n['findings']), TestEnv::shape($p['findings']));
        self::assertSame(array_keys($n), array_keys($p));
        self::assertSame([], $n['unavailable']);
        self::assertContains('icmp', $p['unavailable'], 'the PHP mode cannot tell a local reject from the server\'s reset');
    }

    public function testADropOnThisHostIsLocatedOnlyByTheExtension(): void
    {
        [$n, $p] = self::both('probe', [self::SCRIPT, ['ports' => [self::DROP_HERE], 'timeout' => 5, 'connect_timeout' => 3]]);
        self::assertSame('blocked_local', $n['ports'][0]['state']);
        self::assertSame(['hop' => 0, 'address' => null, 'local' => true], array_replace(['hop' => null, 'address' => null, 'local' => null],
            array_intersect_key((array) $n['ports'][0]['blocked_at'], ['hop' => 1, 'local' => 1]), ['address' => null]));
        self::assertContains('port_blocked_local', self::codes($n));
        // The PHP mode sees a connect that got no answer: filtered, not where.
        self::assertSame(['filtered', 'ETIMEDOUT', null, null], [$p['ports'][0]['state'], $p['ports'][0]['errno'], $p['ports'][0]['icmp'], $p['ports'][0]['blocked_at']]);
        self::assertContains('port_filtered', self::codes($p));
        self::assertNotContains('port_blocked_local', self::codes($p), 'no guess about where');
        self::assertContains('hop_location', $p['unavailable']);
        self::assertContains('all_smtp_ports_blocked', self::codes($n));
        self::assertContains('all_smtp_ports_blocked', self::codes($p));
        self::assertSame(array_keys($n['ports'][0]), array_keys($p['ports'][0]));
    }

    /**
     * The early verdict (ext/net/reach_board.h, Php/Reach.php): port 25 of
     * the same address answers, so the silent port is called dropped after
     * about 2 s instead of at the 8 s connect timeout, by both engines, with
     * the same evidence; with early_verdict off both wait the timeout out.
     */
    public function testASilentPortBesideAnAnsweringOneIsCalledDroppedEarlyByBoth(): void
    {
        $find = static function (array $r, string $code): array {
            self::codes($r);
            foreach ($r['findings'] as $f) {
                if ($f['code'] === $code) {
                    return $f;
                }
            }
            return ['code' => null, 'evidence' => []];
        };
        [$n, $p] = self::both('probe', [self::SCRIPT, ['ports' => [25, self::DROP_HERE], 'timeout' => 10, 'connect_timeout' => 8]]);
        foreach (['native' => [$n, 'port_blocked_local'], 'php' => [$p, 'port_filtered']] as $engine => [$r, $code]) {
            self::assertSame('open', $r['ports'][0]['state'], $engine);
            self::assertLessThan(5000, $r['elapsed_ms'], "$engine: answered long before the 8 s connect timeout");
            self::assertGreaterThanOrEqual(1900, $r['ports'][1]['connect_ms'], "$engine: not before 2 s");
            $ev = $find($r, $code)['evidence'];
            self::assertTrue($ev['gave_up_early'] ?? null, "$engine: $code says it was given up early");
            self::assertIsInt($ev['address_answered_ms'] ?? null, "$engine: and how fast the address answered");
        }
        self::assertGreaterThanOrEqual(2, $find($n, 'port_blocked_local')['evidence']['syns_unanswered'] ?? 0, 'the extension counts the unanswered SYNs (TCP_INFO)');

        [$n, $p] = self::both('probe', [self::SCRIPT, ['ports' => [25, self::DROP_HERE], 'timeout' => 5, 'connect_timeout' => 3, 'early_verdict' => false]]);
        foreach (['native' => [$n, 'port_blocked_local'], 'php' => [$p, 'port_filtered']] as $engine => [$r, $code]) {
            self::assertGreaterThanOrEqual(2950, $r['ports'][1]['connect_ms'], "$engine: early_verdict false waits the connect timeout");
            self::assertArrayNotHasKey('gave_up_early', $find($r, $code)['evidence'], $engine);
        }
    }

    public function testTheSessionTriesEveryAddressAtOnce(): void
    {
        // Both addresses of the configured port are dropped; the AUTH session
        // tries them together, so it waits for one early verdict (~2 s), not
        // one after the other (~4 s).
        $cfg = ['host' => 'mail.lab.test', 'port' => self::DROP_BOTH, 'encryption' => 'none', 'from' => 'user@lab.test',
            'auth' => ['username' => 'user@lab.test', 'password' => 'labpass']];
        $opts = ['timeout' => 12, 'connect_timeout' => 8, 'api_hosts' => [], 'check_domain' => false, 'ca_file' => TestEnv::LAB_ROOT_CA];
        [$n, $p] = self::both('diagnose', [$cfg, $opts]);
        foreach (['native' => $n, 'php' => $p] as $engine => $r) {
            self::codes($r);
            self::assertLessThan(3500, $r['elapsed_ms'], "$engine: both addresses given up together, long before the 8 s connect timeout");
            self::assertSame('connect', $r['auth']['stage'], $engine);
            $f = $r['auth']['findings'][0] ?? ['code' => null, 'evidence' => []];
            self::assertSame('port_filtered', $f['code'], $engine);
            self::assertSame('ETIMEDOUT', $f['evidence']['errno'] ?? null, $engine);
            self::assertTrue($f['evidence']['gave_up_early'] ?? null, "$engine: the session's finding says it was given up early");
            self::assertStringNotContainsString('()', $f['detail'], "$engine: no empty placeholder");
        }
    }

    /**
     * The configured port is given as long to greet as the session (a
     * connect timeout, 3 s), so both a port that never greets and a
     * non-standard port that wants implicit TLS are named then, not at the
     * call's 12 s deadline.
     */
    public function testAPortThatDoesNotGreetIsNamedWhenTheSessionGivesUp(): void
    {
        $opts = ['timeout' => 12, 'connect_timeout' => 3, 'family' => 'ipv4', 'api_hosts' => [], 'check_domain' => false,
            'ca_file' => TestEnv::LAB_ROOT_CA];
        $cases = [
            'greeting_timeout' => ['host' => self::SCRIPT, 'port' => 2606, 'encryption' => 'starttls'],
            'encryption_expects_implicit_tls' => ['host' => 'valid.lab.test', 'port' => 3101, 'encryption' => 'starttls'],
        ];
        foreach ($cases as $root => $cfg) {
            [$n, $p] = self::both('diagnose', [$cfg, $opts]);
            foreach (['native' => $n, 'php' => $p] as $engine => $r) {
                self::codes($r);
                self::assertSame($root, $r['root_cause'], "$engine, port {$cfg['port']}");
                self::assertGreaterThanOrEqual(2900, $r['elapsed_ms'], "$engine, port {$cfg['port']}: not before the session gave up");
                self::assertLessThan(6000, $r['elapsed_ms'], "$engine, port {$cfg['port']}: named when the session gave up, not at the 12 s deadline");
            }
        }
    }

    /**
     * Without credentials the configured session is connect, TLS, EHLO and
     * QUIT: when those pass it is ok, at stage done, for both engines (the
     * extension said ok false at stage quit; found by the session fuzzer).
     */
    public function testASessionWithoutCredentialsThatPassesIsOk(): void
    {
        $cfg = ['host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'starttls'];
        $opts = ['timeout' => 8, 'family' => 'ipv4', 'api_hosts' => [], 'check_domain' => false, 'ca_file' => TestEnv::LAB_ROOT_CA];
        [$n, $p] = self::both('diagnose', [$cfg, $opts]);
        foreach (['native' => $n, 'php' => $p] as $engine => $r) {
            self::codes($r);
            self::assertNull($r['root_cause'], $engine);
            self::assertSame([true, 'done'], [$r['auth']['ok'], $r['auth']['stage']], "$engine: the session without AUTH");
        }
    }

    public function testADropAtTheServerIsFilteredForBoth(): void
    {
        [$n, $p] = self::both('probe', [self::SCRIPT, ['ports' => [self::DROP_AT_SERVER], 'timeout' => 6, 'connect_timeout' => 4]]);
        foreach ([$n, $p] as $r) {
            self::assertSame('filtered', $r['ports'][0]['state'], (string) $r['engine']);
            self::assertSame(['all_smtp_ports_blocked', 'port_filtered'], self::codes($r));
        }
        self::assertSame(TestEnv::shape($n['findings']), TestEnv::shape($p['findings']));
    }

    public function testMailLabTestOnBothFamilies(): void
    {
        [$n, $p] = self::both('probe', ['mail.lab.test', ['timeout' => 8]]);
        self::assertSame($n['addresses'], $p['addresses'], 'the same addresses in the same order');
        $state = static fn (array $r): array => array_map(static fn (array $x): string => $x['address'] . ':' . $x['port'] . '=' . $x['state']
            . '/' . ($x['tls']['ok'] ?? '-') . '/' . ($x['smtp']['stage'] ?? '-'), $r['ports']);
        self::assertSame($state($n), $state($p));
        self::assertSame(self::codes($n), self::codes($p));
    }

    public function testANameThatDoesNotExist(): void
    {
        [$n, $p] = self::both('probe', ['nothing-here.lab.test', ['timeout' => 4]]);
        self::assertSame(['dns_nxdomain'], self::codes($n));
        // PHP's resolver cannot tell NXDOMAIN from NODATA: it says what it saw, and that it cannot tell.
        self::assertSame(['dns_no_address'], self::codes($p));
        self::assertContains('dns_rcode', $p['unavailable']);
        self::assertSame([], $p['ports']);
    }

    /** @return iterable<string, array{string, int, string}> */
    public static function certificates(): iterable
    {
        $names = [1 => 'valid', 'expired', 'notyet', 'expiring', 'wrongname', 'wild', 'wildmiss', 'ipsan', 'selfsigned', 'noint',
            'rsa1024', 'sha1', 'tls10'];
        foreach ($names as $n => $name) {
            $host = $name === 'ipsan' ? self::SCRIPT : "$name.lab.test";
            yield "$name, STARTTLS" => [$host, 3000 + $n, 'starttls'];
            yield "$name, implicit TLS" => [$host, 3100 + $n, 'implicit'];
        }
    }

    /** @dataProvider certificates */
    public function testTheCertificateMatrixIsJudgedAlike(string $host, int $port, string $mode): void
    {
        [$n, $p] = self::both('checkCertificate', [$host, $port, ['mode' => $mode, 'timeout' => 5, 'family' => 'ipv4', 'ca_file' => TestEnv::LAB_ROOT_CA]]);
        foreach (['ok', 'errors', 'protocol', 'certificate', 'chain', 'verified', 'php_verified', 'php_accepts', 'greeting_name', 'address', 'mode'] as $k) {
            self::assertSame($n[$k], $p[$k], $k);
        }
        self::assertSame(self::codes($n), self::codes($p));
        self::assertSame(array_keys($n), array_keys($p));
    }

    public function testAStaleCaBundleIsTheBundlesFault(): void
    {
        // The lab root is the "system store" (SSL_CERT_FILE); a bundle without it is what PHP uses.
        [$n, $p] = self::both('checkCertificate', ['valid.lab.test', 3001, ['mode' => 'starttls', 'timeout' => 5, 'family' => 'ipv4',
            'ca_file' => '/etc/ssl/certs/ca-certificates.crt']]);
        self::assertSame(['ca_bundle_stale'], self::codes($n));
        self::assertSame(self::codes($n), self::codes($p));
        self::assertSame([$n['verified'], $n['php_verified']], [$p['verified'], $p['php_verified']]);
    }

    /** @return iterable<string, array{array<string, mixed>, string}> */
    public static function diagnoses(): iterable
    {
        $auth = ['username' => 'user@lab.test', 'password' => 'labpass'];
        yield 'working STARTTLS with AUTH' => [['host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'starttls', 'auth' => $auth], ''];
        yield 'wrong password' => [['host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'starttls', 'auth' => ['password' => 'nope'] + $auth], 'auth_failed'];
        yield 'STARTTLS set on the implicit TLS port' => [['host' => 'mail.lab.test', 'port' => 465, 'encryption' => 'starttls'], 'encryption_expects_implicit_tls'];
        yield 'STARTTLS set on an implicit TLS port that is not 465' => [['host' => 'valid.lab.test', 'port' => 3101, 'encryption' => 'starttls'], 'encryption_expects_implicit_tls'];
        yield 'SSL set on the STARTTLS port' => [['host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'tls'], 'encryption_expects_starttls'];
        yield 'a closed port' => [['host' => self::SCRIPT, 'port' => 2525, 'encryption' => 'none'], 'port_refused'];
        yield 'an expired certificate' => [['host' => 'expired.lab.test', 'port' => 3002, 'encryption' => 'starttls'], 'cert_expired'];
        yield 'a name that does not exist' => [['host' => 'nothing-here.lab.test', 'port' => 587], ''];
    }

    /**
     * @dataProvider diagnoses
     * @param array<string, mixed> $config
     */
    public function testDiagnosesNameTheSameRootCause(array $config, string $root): void
    {
        $opts = ['timeout' => 8, 'family' => 'ipv4', 'api_hosts' => [], 'ca_file' => TestEnv::LAB_ROOT_CA, 'check_domain' => false];
        [$n, $p] = self::both('diagnose', [$config, $opts]);
        self::codes($n);
        self::codes($p);
        if ($config['host'] === 'nothing-here.lab.test') {
            self::assertSame('dns_nxdomain', $n['root_cause']);
            self::assertSame('dns_no_address', $p['root_cause'], 'what PHP can see, no more');
            return;
        }
        self::assertSame($root === '' ? null : $root, $n['root_cause'], 'native');
        self::assertSame($n['root_cause'], $p['root_cause'], 'php');
        self::assertSame($n['ok'], $p['ok']);
        self::assertSame($n['findings'][0]['code'], $p['findings'][0]['code'], 'the same finding first');
        $sorted = static function (array $r): array {
            $c = array_column($r['findings'], 'code');
            sort($c);
            return $c;
        };
        self::assertSame($sorted($n), $sorted($p), 'the same findings');
        self::assertSame(array_keys($n), array_keys($p));
        self::assertSame(array_keys($n['environment']), array_keys($p['environment']));
        self::assertSame(array_keys($n['probe']), array_keys($p['probe']));
        self::assertLessThan(8250, $p['elapsed_ms']);
    }

    public function testWhatOnlyTheExtensionEvaluatesIsListedAsUnavailable(): void
    {
        $cfg = ['host' => 'mail.lab.test', 'port' => 587, 'encryption' => 'starttls', 'from' => 'user@lab.test',
            'auth' => ['username' => 'user@lab.test', 'password' => 'labpass']];
        [$n, $p] = self::both('diagnose', [$cfg, ['timeout' => 8, 'family' => 'ipv4', 'api_hosts' => [], 'ca_file' => TestEnv::LAB_ROOT_CA]]);
        // The relay's address is not in lab.test's SPF record: the extension evaluates SPF, the PHP mode cannot.
        self::assertSame('spf_fail', $n['root_cause']);
        self::assertNull($p['root_cause']);
        self::assertContains('spf_evaluation', $p['unavailable']);
        self::assertContains('dmarc_alignment', $p['unavailable']);
        self::assertSame('unknown', $p['domain']['spf']['result']);
        self::assertNull($p['domain']['dmarc']['aligned']);
        foreach (['dmarc_missing', 'dkim_missing'] as $code) {
            self::assertContains($code, self::codes($n));
            self::assertContains($code, self::codes($p));
        }
    }

    public function testDomainChecksAgreeOnWhatDnsShows(): void
    {
        foreach (['lab.test', 'v4only.lab.test'] as $domain) {
            [$n, $p] = self::both('checkDomain', [$domain, ['timeout' => 5, 'dnsbl_zones' => []]]);
            self::assertSame(self::codes($n), self::codes($p), $domain);
            self::assertSame($n['spf']['record'], $p['spf']['record']);
            self::assertSame($n['dmarc']['record'], $p['dmarc']['record']);
            self::assertSame($n['mx']['records'], $p['mx']['records']);
            self::assertSame(array_keys($n), array_keys($p));
            self::assertSame(array_keys($n['spf']), array_keys($p['spf']));
            self::assertSame(array_keys($n['dmarc']), array_keys($p['dmarc']));
        }
    }

    public function testDiagnoseManyKeepsInputOrder(): void
    {
        $configs = [['host' => self::SCRIPT, 'port' => 2525, 'encryption' => 'none'], ['host' => 'mail.lab.test', 'port' => 465, 'encryption' => 'tls']];
        [$n, $p] = self::both('diagnoseMany', [$configs, ['timeout' => 6, 'family' => 'ipv4', 'api_hosts' => [], 'check_domain' => false, 'ca_file' => TestEnv::LAB_ROOT_CA]]);
        self::assertSame(['port_refused', null], array_column($n, 'root_cause'));
        self::assertSame(array_column($n, 'root_cause'), array_column($p, 'root_cause'));
        self::assertContains('concurrency', $p[0]['unavailable']);
    }
}
