<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use PHPUnit\Framework\TestCase;
use SmtpDiag\Php\Catalog;

/**
 * The PHP mode's findings use the core's codes and severities
 * (ext/diagnose/catalog.cpp is the one table; codes are added, never renamed).
 */
final class CatalogTest extends TestCase
{
    /** @return array<string, string> code => severity, from the core's catalog */
    private static function core(): array
    {
        $src = (string) file_get_contents(__DIR__ . '/../../ext/diagnose/catalog.cpp');
        preg_match_all('/\{"([a-z0-9_]+)", Severity::([A-Za-z]+)/', $src, $m, PREG_SET_ORDER);
        $out = [];
        foreach ($m as [, $code, $sev]) {
            $out[$code] = strtolower($sev);
        }
        self::assertGreaterThan(40, count($out), 'the catalog was read');
        return $out;
    }

    public function testEveryCodeAndSeverityIsTheCores(): void
    {
        $core = self::core();
        foreach (Catalog::codes() as $code) {
            self::assertArrayHasKey($code, $core, "$code is not in ext/diagnose/catalog.cpp");
            self::assertSame($core[$code], Catalog::severity($code), $code);
        }
    }

    public function testEveryFindingIsComplete(): void
    {
        foreach (Catalog::codes() as $code) {
            $f = Catalog::finding($code, ['host' => 'mail.example.test', 'port' => 587, 'address' => '192.0.2.1']);
            self::assertSame(['code', 'severity', 'title', 'detail', 'fix', 'evidence'], array_keys($f));
            self::assertNotSame('', $f['title']);
            self::assertNotSame('', $f['detail']);
            self::assertNotSame('', $f['fix']);
            self::assertStringNotContainsString('{host}', $f['detail'] . $f['fix']);
        }
    }

    public function testFindingsSortMostSevereFirstAndStable(): void
    {
        $mk = static fn (string $c, string $s): array => ['code' => $c, 'severity' => $s];
        $sorted = Catalog::sort([$mk('a', 'info'), $mk('b', 'critical'), $mk('c', 'warning'), $mk('d', 'critical'), $mk('e', 'ok')]);
        self::assertSame(['b', 'd', 'c', 'a', 'e'], array_column($sorted, 'code'));
    }
}
