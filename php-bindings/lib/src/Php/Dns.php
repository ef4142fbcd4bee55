<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * DNS through PHP's own resolver (dns_get_record): the system's
 * resolv.conf, its timeouts, and only "records", "none" or "failed" as an
 * outcome. It cannot use other servers, tell NXDOMAIN from NODATA, or a
 * timeout from SERVFAIL: results list those as unavailable.
 *
 * @internal
 */
final class Dns
{
    /**
     * @return array{0: list<array<string, mixed>>|null, 1: string|null} [records, or null on failure; PHP's message]
     */
    public static function query(string $name, int $type): array
    {
        if (!function_exists('dns_get_record')) {
            return [null, 'dns_get_record() is not available'];
        }
        $error = null;
        set_error_handler(static function (int $no, string $msg) use (&$error): bool {
            $error = (string) preg_replace('/^dns_get_record\(\): /', '', $msg);
            return true;
        });
        try {
            $r = dns_get_record($name, $type);
        } catch (\Throwable $e) {
            $r = false;
            $error = $e->getMessage();
        } finally {
            restore_error_handler();
        }
        if (!is_array($r)) {
            return [null, $error ?? 'DNS query failed'];
        }
        return [$r, null];
    }

    /**
     * The addresses of $host in the families asked for, as smtpdiag_probe()'s `dns`.
     *
     * @return array{status: string, error: string|null, ms: float, resolver: string, addresses: list<array{address: string, family: string}>}
     */
    public static function resolve(string $host, string $family): array
    {
        $ip = trim($host, '[]');
        if (filter_var($ip, FILTER_VALIDATE_IP) !== false) {
            $fam = str_contains($ip, ':') ? 'ipv6' : 'ipv4';
            $ok = $family === 'any' || $family === $fam;
            return ['status' => 'literal', 'error' => null, 'ms' => 0.0, 'resolver' => 'system',
                'addresses' => $ok ? [['address' => $ip, 'family' => $fam]] : []];
        }
        $t0 = hrtime(true);
        $addresses = [];
        $errors = [];
        // The hosts file first, as the system's resolver (and so PHPMailer) does; dns_get_record() skips it.
        $fromHosts = array_values(array_filter(self::hosts($host),
            static fn (array $a): bool => $family === 'any' || $a['family'] === $family));
        if ($fromHosts !== []) {
            return ['status' => 'ok', 'error' => null, 'ms' => round((hrtime(true) - $t0) / 1e6, 1), 'resolver' => 'system', 'addresses' => $fromHosts];
        }
        // Listed as the core lists them: IPv4, then IPv6.
        $wanted = ['ipv4' => [DNS_A, 'ip'], 'ipv6' => [DNS_AAAA, 'ipv6']];
        foreach ($wanted as $fam => [$type, $key]) {
            if ($family !== 'any' && $family !== $fam) {
                continue;
            }
            [$recs, $err] = self::query($host, $type);
            if ($recs === null) {
                $errors[] = (string) $err;
                continue;
            }
            foreach ($recs as $rec) {
                $a = $rec[$key] ?? null;
                if (is_string($a) && !in_array($a, array_column($addresses, 'address'), true)) {
                    $addresses[] = ['address' => $a, 'family' => $fam];
                }
            }
        }
        $ms = round((hrtime(true) - $t0) / 1e6, 1);
        if ($addresses !== []) {
            return ['status' => 'ok', 'error' => null, 'ms' => $ms, 'resolver' => 'system', 'addresses' => $addresses];
        }
        if ($errors !== []) {
            return ['status' => 'error', 'error' => implode('; ', array_unique($errors)), 'ms' => $ms, 'resolver' => 'system', 'addresses' => []];
        }
        return ['status' => 'no_address', 'error' => null, 'ms' => $ms, 'resolver' => 'system', 'addresses' => []];
    }

    /**
     * The addresses /etc/hosts gives $name.
     *
     * @return list<array{address: string, family: string}>
     */
    public static function hosts(string $name, string $file = '/etc/hosts'): array
    {
        $name = strtolower(rtrim($name, '.'));
        $lines = @file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES);
        $out = [];
        foreach ($lines === false ? [] : $lines as $line) {
            $fields = preg_split('/\s+/', trim((string) preg_replace('/#.*/', '', $line))) ?: [];
            if (count($fields) < 2 || filter_var($fields[0], FILTER_VALIDATE_IP) === false) {
                continue;
            }
            foreach (array_slice($fields, 1) as $alias) {
                if (strtolower($alias) === $name) {
                    $out[] = ['address' => $fields[0], 'family' => str_contains($fields[0], ':') ? 'ipv6' : 'ipv4'];
                    break;
                }
            }
        }
        return $out;
    }

    /**
     * TXT strings of $name (each record's parts joined), or null on failure.
     *
     * @return list<string>|null
     */
    public static function txt(string $name): ?array
    {
        [$recs] = self::query($name, DNS_TXT);
        if ($recs === null) {
            return null;
        }
        $out = [];
        foreach ($recs as $r) {
            if (is_array($r['entries'] ?? null)) {
                $out[] = implode('', array_map('strval', $r['entries']));
            } elseif (is_string($r['txt'] ?? null)) {
                $out[] = $r['txt'];
            }
        }
        return $out;
    }
}
