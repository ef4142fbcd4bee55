<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * The connect errno, as far as PHP lets it through: SO_ERROR when
 * ext/sockets is loaded, else the errno PHP prints when a read fails.
 *
 * @internal
 */
final class Errno
{
    /** Linux numbers, used when ext/sockets does not define them. */
    private const LINUX = ['EPERM' => 1, 'EACCES' => 13, 'ENETDOWN' => 100, 'ENETUNREACH' => 101, 'ECONNRESET' => 104,
        'ETIMEDOUT' => 110, 'ECONNREFUSED' => 111, 'EHOSTDOWN' => 112, 'EHOSTUNREACH' => 113, 'EADDRNOTAVAIL' => 99];

    public static function name(int $errno): ?string
    {
        if ($errno <= 0) {
            return null;
        }
        foreach (self::LINUX as $name => $n) {
            $c = 'SOCKET_' . $name;
            if ((defined($c) ? constant($c) : $n) === $errno) {
                return $name;
            }
        }
        return "errno $errno";
    }

    public static function state(?string $name): string
    {
        return match ($name) {
            'ECONNREFUSED' => 'refused',
            'ETIMEDOUT' => 'filtered',
            'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN' => 'unreachable',
            'EPERM' => 'blocked_local',
            default => 'error',
        };
    }

    /** True when this PHP can tell which errno a failed connect ended with. */
    public static function visible(): bool
    {
        return function_exists('socket_import_stream');
    }

    /**
     * The error a completed non-blocking connect left on $s: 0 when it
     * connected, > 0 the errno, -1 failed with the errno unknown.
     *
     * @param resource $s
     */
    public static function pending($s): int
    {
        if (function_exists('socket_import_stream') && function_exists('socket_get_option')) {
            $sock = @socket_import_stream($s);
            if ($sock instanceof \Socket) {
                $e = @socket_get_option($sock, SOL_SOCKET, SO_ERROR);
                if (is_int($e)) {
                    return $e;
                }
            }
        }
        if (@stream_socket_get_name($s, true) !== false) {
            return 0;
        }
        // Not connected: PHP names the errno when the read fails.
        $seen = null;
        set_error_handler(static function (int $no, string $msg) use (&$seen): bool {
            if (preg_match('/errno=(\d+)/', $msg, $m) === 1) {
                $seen = (int) $m[1];
            }
            return true;
        });
        try {
            @fread($s, 1);
        } finally {
            restore_error_handler();
        }
        return $seen ?? -1;
    }
}
