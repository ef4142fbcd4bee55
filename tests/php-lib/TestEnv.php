<?php

declare(strict_types=1);

namespace SmtpDiag\Tests;

use SmtpDiag\Engine;

/**
 * Shared test plumbing: the engine under test, loopback ports, and the
 * network lab (tests/lab) through a subprocess in the sd-client namespace.
 */
final class TestEnv
{
    public const LAB_ROOT_CA = '/tmp/smtpdiag-lab/certs/root.pem';

    /** The engine this run tests: SMTPDIAG_ENGINE, else the extension when loaded. */
    public static function engine(): Engine
    {
        $e = getenv('SMTPDIAG_ENGINE');
        if (is_string($e) && $e !== '') {
            return Engine::from($e);
        }
        return extension_loaded('smtpdiag') ? Engine::Native : Engine::Php;
    }

    /** A loopback port nobody listens on (bound, noted, closed). */
    public static function closedPort(): int
    {
        $s = stream_socket_server('tcp://127.0.0.1:0');
        assert($s !== false);
        $port = (int) substr((string) strrchr((string) stream_socket_get_name($s, false), ':'), 1);
        fclose($s);
        return $port;
    }

    /** Why the lab cannot be used, or null when it is up. */
    public static function labUnavailable(): ?string
    {
        if (getenv('SMTPDIAG_SKIP_LAB') === '1') {
            return 'SMTPDIAG_SKIP_LAB=1';
        }
        if (function_exists('posix_geteuid') && posix_geteuid() !== 0) {
            return 'the lab needs root (ip netns)';
        }
        $list = (string) shell_exec('ip netns list 2>/dev/null');
        foreach (['sd-client', 'sd-server'] as $ns) {
            if (!preg_match('/^' . $ns . '\b/m', $list)) {
                return "the lab is not up (no $ns namespace; tests/lab/lab.sh up)";
            }
        }
        if (!is_file(self::LAB_ROOT_CA)) {
            return 'the lab has no certificates (' . self::LAB_ROOT_CA . ')';
        }
        return null;
    }

    /**
     * Runs one operation inside sd-client with the engine asked for and
     * returns its toArray(), or ['exception' => class, 'message' => ...].
     * With Engine::Native the extension is loaded there (SMTPDIAG_EXTENSION).
     *
     * @param list<mixed> $args
     * @return array<string, mixed>
     */
    public static function inLab(Engine $engine, string $op, array $args, int $limit = 60): array
    {
        $cmd = ['timeout', (string) $limit, 'ip', 'netns', 'exec', 'sd-client', 'env', 'SSL_CERT_FILE=' . self::LAB_ROOT_CA, PHP_BINARY, '-n'];
        if (!extension_loaded('openssl') || is_file(ini_get('extension_dir') . '/openssl.so')) {
            array_push($cmd, '-d', 'extension=openssl');
        }
        foreach (['sockets', 'posix'] as $ext) {
            if (is_file(ini_get('extension_dir') . "/$ext.so")) {
                array_push($cmd, '-d', "extension=$ext");
            }
        }
        if ($engine === Engine::Native) {
            $so = getenv('SMTPDIAG_EXTENSION');
            if (!is_string($so) || $so === '') {
                throw new \RuntimeException('SMTPDIAG_EXTENSION is not set');
            }
            array_push($cmd, '-d', 'extension=' . $so);
        }
        array_push($cmd, __DIR__ . '/lab/run-case.php', $engine->value, $op, json_encode($args, JSON_THROW_ON_ERROR));
        $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        if (!is_resource($p)) {
            throw new \RuntimeException('could not start the lab subprocess');
        }
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        $rc = proc_close($p);
        $data = json_decode($out, true);
        if ($rc !== 0 || !is_array($data)) {
            throw new \RuntimeException("lab case $op failed (exit $rc): $err$out");
        }
        return $data;
    }

    /**
     * The shape of a value: arrays as their keys (lists as the shape of
     * their first item), scalars as their type; null stays null.
     */
    public static function shape(mixed $v): mixed
    {
        if (!is_array($v)) {
            return $v === null ? null : get_debug_type($v);
        }
        if ($v === []) {
            return [];
        }
        if (array_is_list($v)) {
            return ['list' => self::shape($v[0])];
        }
        $out = [];
        foreach ($v as $k => $item) {
            $out[$k] = self::shape($item);
        }
        return $out;
    }
}
