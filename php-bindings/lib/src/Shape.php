<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * Helpers shared by the value objects: reading typed values out of the
 * extension's arrays, and giving an array back in its original key order
 * (keys the library does not model travel along untouched).
 *
 * @internal
 */
final class Shape
{
    /**
     * @param array<array-key, mixed> $a
     */
    public static function str(array $a, string $key, string $default = ''): string
    {
        $v = $a[$key] ?? null;
        return is_scalar($v) ? (string) $v : $default;
    }

    /**
     * @param array<array-key, mixed> $a
     */
    public static function strOrNull(array $a, string $key): ?string
    {
        $v = $a[$key] ?? null;
        return is_scalar($v) ? (string) $v : null;
    }

    /**
     * @param array<array-key, mixed> $a
     */
    public static function int(array $a, string $key, int $default = 0): int
    {
        $v = $a[$key] ?? null;
        return is_int($v) ? $v : (is_numeric($v) ? (int) $v : $default);
    }

    /**
     * @param array<array-key, mixed> $a
     */
    public static function float(array $a, string $key): float
    {
        $v = $a[$key] ?? null;
        return is_int($v) || is_float($v) ? (float) $v : 0.0;
    }

    /**
     * @param array<array-key, mixed> $a
     */
    public static function bool(array $a, string $key): bool
    {
        return ($a[$key] ?? false) === true;
    }

    /**
     * @param array<array-key, mixed> $a
     * @return array<array-key, mixed>
     */
    public static function arr(array $a, string $key): array
    {
        $v = $a[$key] ?? null;
        return is_array($v) ? $v : [];
    }

    /**
     * @param array<array-key, mixed> $a
     * @return array<array-key, mixed>|null
     */
    public static function arrOrNull(array $a, string $key): ?array
    {
        $v = $a[$key] ?? null;
        return is_array($v) ? $v : null;
    }

    /**
     * @param array<array-key, mixed> $a
     * @return list<string>
     */
    public static function strings(array $a, string $key): array
    {
        $out = [];
        foreach (self::arr($a, $key) as $v) {
            if (is_scalar($v)) {
                $out[] = (string) $v;
            }
        }
        return $out;
    }

    /**
     * @param array<array-key, mixed> $a
     * @return list<array<array-key, mixed>>
     */
    public static function rows(array $a, string $key): array
    {
        $out = [];
        foreach (self::arr($a, $key) as $v) {
            if (is_array($v)) {
                $out[] = $v;
            }
        }
        return $out;
    }

    /**
     * The keys of $source that $known does not model.
     *
     * @param array<array-key, mixed> $source
     * @param list<string> $known
     * @return array<string, mixed>
     */
    public static function extra(array $source, array $known): array
    {
        $out = [];
        foreach ($source as $k => $v) {
            if (is_string($k) && !in_array($k, $known, true)) {
                $out[$k] = $v;
            }
        }
        return $out;
    }

    /**
     * $known (the modelled keys) and $extra merged in the order of $order
     * (the source's keys); keys not in $order follow in their own order.
     *
     * @param array<string, mixed> $known
     * @param array<string, mixed> $extra
     * @param list<string> $order
     * @return array<string, mixed>
     */
    public static function ordered(array $known, array $extra, array $order): array
    {
        $all = $known + $extra;
        $out = [];
        foreach ($order as $k) {
            if (array_key_exists($k, $all)) {
                $out[$k] = $all[$k];
                unset($all[$k]);
            }
        }
        return $out + $all;
    }

    /**
     * @param array<array-key, mixed> $source
     * @return list<string>
     */
    public static function keys(array $source): array
    {
        $out = [];
        foreach (array_keys($source) as $k) {
            $out[] = (string) $k;
        }
        return $out;
    }
}
