<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * Argument and option validation for the pure-PHP mode, before any I/O,
 * with the extension's exceptions and messages (php-bindings/options.cpp):
 * ValueError/TypeError naming the function, the argument and the option,
 * never echoing a value.
 *
 * @internal
 */
final class Args
{
    public const COMMON = ['timeout', 'connect_timeout', 'family', 'dns_servers', 'ca_file', 'ehlo_name'];

    public function __construct(private readonly string $function)
    {
    }

    public function valueError(int $arg, string $name, string $message): \ValueError
    {
        return new \ValueError(sprintf('%s(): Argument #%d ($%s) %s', $this->function, $arg, $name, $message));
    }

    public function typeError(int $arg, string $name, string $message): \TypeError
    {
        return new \TypeError(sprintf('%s(): Argument #%d ($%s) %s', $this->function, $arg, $name, $message));
    }

    public static function typeName(mixed $v): string
    {
        return match (true) {
            is_int($v) => 'int',
            is_float($v) => 'float',
            is_string($v) => 'string',
            is_bool($v) => 'bool',
            is_array($v) => 'array',
            $v === null => 'null',
            default => get_debug_type($v),
        };
    }

    public static function hasControl(string $s, bool $allowTab = false): bool
    {
        return preg_match($allowTab ? '/[\x00-\x08\x0a-\x1f\x7f]/' : '/[\x00-\x1f\x7f]/', $s) === 1;
    }

    /**
     * @param array<array-key, mixed> $a
     * @param list<string> $allowed
     */
    public function only(int $arg, string $name, array $a, array $allowed): void
    {
        foreach (array_keys($a) as $k) {
            if (is_int($k)) {
                throw $this->valueError($arg, $name, "must have string keys, found integer key $k");
            }
            if (!in_array($k, $allowed, true)) {
                $printable = substr((string) preg_replace('/[^\x20-\x21\x23-\x7e]/', '?', $k), 0, 40);
                throw $this->valueError($arg, $name, "contains unknown option \"$printable\"");
            }
        }
    }

    /** @param array<array-key, mixed> $a */
    public function number(int $arg, string $name, array $a, string $key, float $default, float $min, float $max): float
    {
        $v = $a[$key] ?? null;
        if ($v === null) {
            return $default;
        }
        if (!is_int($v) && !is_float($v)) {
            throw $this->typeError($arg, $name, sprintf('option "%s" must be of type float, %s given', $key, self::typeName($v)));
        }
        $d = (float) $v;
        if (!is_finite($d) || $d < $min || $d > $max) {
            throw $this->valueError($arg, $name, sprintf('option "%s" must be between %g and %g seconds', $key, $min, $max));
        }
        return $d;
    }

    /** @param array<array-key, mixed> $a */
    public function boolean(int $arg, string $name, array $a, string $key, bool $default): bool
    {
        $v = $a[$key] ?? null;
        if ($v === null) {
            return $default;
        }
        if (!is_bool($v)) {
            throw $this->typeError($arg, $name, sprintf('option "%s" must be of type bool, %s given', $key, self::typeName($v)));
        }
        return $v;
    }

    /** @param array<array-key, mixed> $a */
    public function string(int $arg, string $name, array $a, string $key, ?string $default, int $maxLen): ?string
    {
        $v = $a[$key] ?? null;
        if ($v === null) {
            return $default;
        }
        if (!is_string($v)) {
            throw $this->typeError($arg, $name, sprintf('option "%s" must be of type string, %s given', $key, self::typeName($v)));
        }
        if (strlen($v) > $maxLen) {
            throw $this->valueError($arg, $name, sprintf('option "%s" must be at most %d bytes', $key, $maxLen));
        }
        if (self::hasControl($v)) {
            throw $this->valueError($arg, $name, sprintf('option "%s" must not contain control characters (CR, LF, NUL...)', $key));
        }
        return $v;
    }

    /**
     * @param array<array-key, mixed> $a
     * @param list<string> $values
     */
    public function choice(int $arg, string $name, array $a, string $key, string $default, array $values): string
    {
        $s = $this->string($arg, $name, $a, $key, null, 64);
        if ($s === null) {
            return $default;
        }
        if (!in_array($s, $values, true)) {
            $list = implode(', ', array_map(static fn (string $c): string => "'$c'", $values));
            throw $this->valueError($arg, $name, sprintf('option "%s" must be one of %s', $key, $list));
        }
        return $s;
    }

    /**
     * @param array<array-key, mixed> $a
     * @param list<int> $default
     * @return list<int>
     */
    public function ports(int $arg, string $name, array $a, string $key, array $default, bool $allowEmpty = false): array
    {
        $v = $a[$key] ?? null;
        if ($v === null) {
            return $default;
        }
        if (!is_array($v)) {
            throw $this->typeError($arg, $name, sprintf('option "%s" must be of type array, %s given', $key, self::typeName($v)));
        }
        if ((count($v) === 0 && !$allowEmpty) || count($v) > 32) {
            throw $this->valueError($arg, $name, sprintf('option "%s" must list %d to 32 ports', $key, $allowEmpty ? 0 : 1));
        }
        $out = [];
        foreach ($v as $p) {
            if (!is_int($p)) {
                throw $this->typeError($arg, $name, sprintf('option "%s" must contain only integers, %s given', $key, self::typeName($p)));
            }
            if ($p < 1 || $p > 65535) {
                throw $this->valueError($arg, $name, sprintf('option "%s" must contain ports between 1 and 65535', $key));
            }
            if (!in_array($p, $out, true)) {
                $out[] = $p;
            }
        }
        return $out;
    }

    /**
     * @param array<array-key, mixed> $a
     * @return list<string>|null null when absent
     */
    public function stringList(int $arg, string $name, array $a, string $key, int $maxItems): ?array
    {
        $v = $a[$key] ?? null;
        if ($v === null) {
            return null;
        }
        if (!is_array($v)) {
            throw $this->typeError($arg, $name, sprintf('option "%s" must be of type array, %s given', $key, self::typeName($v)));
        }
        if (count($v) > $maxItems) {
            throw $this->valueError($arg, $name, sprintf('option "%s" must have at most %d entries', $key, $maxItems));
        }
        $out = [];
        foreach ($v as $item) {
            if (!is_string($item)) {
                throw $this->typeError($arg, $name, sprintf('option "%s" must contain only strings, %s given', $key, self::typeName($item)));
            }
            if (strlen($item) > 255 || self::hasControl($item)) {
                throw $this->valueError($arg, $name, sprintf('option "%s" must contain strings of at most 255 bytes without control characters', $key));
            }
            $out[] = $item;
        }
        return $out;
    }

    /**
     * A host name or address literal as every function accepts it; returns
     * the normalized form, or the reason (never quoting the input).
     *
     * @return array{0: ?string, 1: ?string} [normalized, why]
     */
    public static function host(string $host): array
    {
        if ($host === '') {
            return [null, 'must not be empty'];
        }
        if (strlen($host) > 255) {
            return [null, 'must be at most 253 characters'];
        }
        if (self::hasControl($host)) {
            return [null, 'must not contain control characters (CR, LF, NUL...)'];
        }
        if (preg_match('/[\x80-\xff]/', $host) === 1) {
            return [null, 'must be an ASCII host name (give an internationalised name in its xn-- form)'];
        }
        if (str_contains($host, ' ')) {
            return [null, 'must not contain spaces'];
        }
        $h = $host;
        if (strlen($h) > 2 && $h[0] === '[' && str_ends_with($h, ']')) {
            $h = substr($h, 1, -1);
        }
        if (filter_var($h, FILTER_VALIDATE_IP) !== false) {
            return [$h, null];
        }
        if ($host[0] === '[') {
            return [null, 'must be a host name or an IP address'];
        }
        $name = str_ends_with($host, '.') ? substr($host, 0, -1) : $host;
        if ($name === '' || strlen($name) > 253) {
            return [null, 'must be a host name of at most 253 characters'];
        }
        foreach (explode('.', $name) as $label) {
            if ($label === '' || strlen($label) > 63) {
                return [null, 'must be a host name with labels of 1 to 63 characters'];
            }
            if (preg_match('/^[A-Za-z0-9_-]+$/', $label) !== 1) {
                return [null, "must be a host name (letters, digits, '-', '.') or an IP address"];
            }
        }
        return [$host, null];
    }

    public function hostArg(int $arg, string $name, string $host): string
    {
        [$norm, $why] = self::host($host);
        if ($norm === null) {
            throw $this->valueError($arg, $name, (string) $why);
        }
        return $norm;
    }

    /**
     * The options every function shares (DESIGN.md "Common options").
     *
     * @param array<array-key, mixed> $o
     */
    public function common(int $arg, array $o): Net
    {
        $ini = ini_get('smtpdiag.timeout');
        $timeout = $this->number($arg, 'options', $o, 'timeout', is_numeric($ini) && (float) $ini > 0 ? (float) $ini : 10.0, 0.001, 3600);
        $connect = $this->number($arg, 'options', $o, 'connect_timeout', min(5.0, $timeout), 0.001, 3600);
        $family = $this->choice($arg, 'options', $o, 'family', 'any', ['any', 'ipv4', 'ipv6']);
        $servers = $this->stringList($arg, 'options', $o, 'dns_servers', 8);
        foreach ($servers ?? [] as $s) {
            if (!self::isAddressPort($s)) {
                throw $this->valueError($arg, 'options', "option \"dns_servers\" must contain 'ip' or 'ip:port' entries ('[v6]:port' for IPv6 with a port)");
            }
        }
        $ca = $this->string($arg, 'options', $o, 'ca_file', null, 4096);
        if ($ca !== null && $ca !== '' && !is_readable($ca)) {
            throw $this->valueError($arg, 'options', 'option "ca_file" must name a readable PEM file');
        }
        $ehlo = $this->string($arg, 'options', $o, 'ehlo_name', null, 255);
        if ($ehlo !== null && $ehlo !== '') {
            $literal = strlen($ehlo) > 2 && $ehlo[0] === '[' && str_ends_with($ehlo, ']');
            [$norm, $why] = self::host($ehlo);
            if ($norm === null && !$literal) {
                throw $this->valueError($arg, 'options', 'option "ehlo_name" ' . $why);
            }
        }
        return new Net($timeout, $connect, $family, $servers ?? [], $ca === '' ? null : $ca, $ehlo === '' ? null : $ehlo);
    }

    private static function isAddressPort(string $s): bool
    {
        $s = trim($s);
        if (filter_var($s, FILTER_VALIDATE_IP) !== false) {
            return true;
        }
        if (preg_match('/^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/', $s, $m) === 1) {
            return filter_var($m[1], FILTER_VALIDATE_IP, FILTER_FLAG_IPV6) !== false && (!isset($m[2]) || ((int) $m[2] >= 1 && (int) $m[2] <= 65535));
        }
        if (preg_match('/^([0-9.]+):(\d{1,5})$/', $s, $m) === 1) {
            return filter_var($m[1], FILTER_VALIDATE_IP, FILTER_FLAG_IPV4) !== false && (int) $m[2] >= 1 && (int) $m[2] <= 65535;
        }
        return false;
    }

    /**
     * A mail address as the extension accepts it ("Name <a@b>" or "a@b");
     * returns the bare address.
     */
    public function address(int $arg, string $name, string $key, mixed $v): string
    {
        if (!is_string($v)) {
            throw $this->typeError($arg, $name, sprintf('"%s" must contain strings, %s given', $key, self::typeName($v)));
        }
        if (self::hasControl($v)) {
            throw $this->valueError($arg, $name, sprintf('"%s" must not contain control characters (CR, LF, NUL...)', $key));
        }
        $t = trim($v);
        $lt = strrpos($t, '<');
        if ($lt !== false) {
            if (!str_ends_with($t, '>')) {
                throw $this->valueError($arg, $name, sprintf('"%s" has a \'<\' without a closing \'>\'', $key));
            }
            $t = trim(substr($t, $lt + 1, -1));
        }
        $at = strrpos($t, '@');
        if ($t === '' || $at === false || $at === 0 || $at === strlen($t) - 1) {
            throw $this->valueError($arg, $name, sprintf('"%s" must be an address of the form local@domain', $key));
        }
        if (strlen($t) > 254) {
            throw $this->valueError($arg, $name, sprintf('"%s" must be at most 254 characters', $key));
        }
        if (preg_match('/[\x00-\x20\x7f<>(),;\\\\"\[\]]/', $t) === 1) {
            throw $this->valueError($arg, $name, sprintf('"%s" must be a plain address without spaces, quotes, brackets or control characters', $key));
        }
        return $t;
    }

    /**
     * The mail settings of send_test and diagnose.
     *
     * @param array<array-key, mixed> $c
     */
    public function mailConfig(int $arg, string $name, array $c): MailConfig
    {
        $this->only($arg, $name, $c, ['host', 'port', 'encryption', 'auto_tls', 'auth', 'verify_peer', 'allow_insecure_auth', 'from']);
        $host = $c['host'] ?? null;
        if (!is_string($host)) {
            throw $this->valueError($arg, $name, 'must have a "host" string');
        }
        [$norm, $why] = self::host($host);
        if ($norm === null) {
            throw $this->valueError($arg, $name, '"host" ' . $why);
        }
        $port = 587;
        $p = $c['port'] ?? null;
        if ($p !== null) {
            if (!is_int($p)) {
                throw $this->typeError($arg, $name, sprintf('"port" must be of type int, %s given', self::typeName($p)));
            }
            if ($p < 1 || $p > 65535) {
                throw $this->valueError($arg, $name, '"port" must be between 1 and 65535');
            }
            $port = $p;
        }
        $enc = $this->choice($arg, $name, $c, 'encryption', $port === 465 ? 'tls' : 'starttls', ['none', 'starttls', 'tls']);
        $autoTls = $this->boolean($arg, $name, $c, 'auto_tls', false);
        $verify = $this->boolean($arg, $name, $c, 'verify_peer', true);
        $insecure = $this->boolean($arg, $name, $c, 'allow_insecure_auth', false);
        if ($insecure && !in_array(strtolower($norm), ['localhost', 'localhost.', '::1'], true) && !str_starts_with($norm, '127.')) {
            throw $this->valueError($arg, $name, '"allow_insecure_auth" is only allowed for a loopback host (localhost, 127.0.0.1, ::1)');
        }
        $auth = null;
        $a = $c['auth'] ?? null;
        if ($a !== null) {
            if (!is_array($a)) {
                throw $this->typeError($arg, $name, sprintf('"auth" must be of type ?array, %s given', self::typeName($a)));
            }
            $this->only($arg, $name, $a, ['username', 'password', 'token', 'mechanism']);
            $mech = $this->choice($arg, $name, $a, 'mechanism', 'auto', ['auto', 'plain', 'login', 'xoauth2']);
            $secretKey = $mech === 'xoauth2' ? 'token' : 'password';
            $secret = $mech === 'xoauth2' ? ($a['token'] ?? $a['password'] ?? null) : ($a['password'] ?? null);
            $fields = ['username' => [$a['username'] ?? null, 1024], $secretKey => [$secret, $mech === 'xoauth2' ? 16384 : 1024]];
            foreach ($fields as $key => [$v, $max]) {
                if (!is_string($v) || $v === '') {
                    throw $this->valueError($arg, $name, sprintf('"auth" must have a non-empty "%s" string', $key));
                }
                if (strlen($v) > $max) {
                    throw $this->valueError($arg, $name, sprintf('"auth" "%s" must be at most %d bytes', $key, $max));
                }
                if (self::hasControl($v)) {
                    throw $this->valueError($arg, $name, sprintf('"auth" "%s" must not contain control characters (CR, LF, NUL...)', $key));
                }
            }
            /** @var string $user */
            $user = $fields['username'][0];
            /** @var string $secret */
            $auth = ['username' => $user, 'secret' => $secret, 'mechanism' => $mech];
        }
        $from = null;
        if (($c['from'] ?? null) !== null) {
            $from = $this->address($arg, $name, 'from', $c['from']);
        }
        return new MailConfig($norm, $port, $enc, $autoTls, $verify, $insecure, $auth, $from);
    }

    /**
     * A message for send_test (and diagnose's "send" option).
     *
     * @param array<array-key, mixed> $m
     * @return array{from: string, to: list<string>, subject: string, body: string, headers: array<string, string>}
     */
    public function message(int $arg, string $name, array $m): array
    {
        $this->only($arg, $name, $m, ['from', 'to', 'subject', 'body', 'headers']);
        if (!array_key_exists('from', $m)) {
            throw $this->valueError($arg, $name, 'must have a "from" address');
        }
        $from = $this->address($arg, $name, 'from', $m['from']);
        if (!array_key_exists('to', $m)) {
            throw $this->valueError($arg, $name, 'must have a "to" address or list of addresses');
        }
        $to = [];
        if (is_array($m['to'])) {
            if (count($m['to']) === 0 || count($m['to']) > 100) {
                throw $this->valueError($arg, $name, '"to" must list 1 to 100 addresses');
            }
            foreach ($m['to'] as $t) {
                $to[] = $this->address($arg, $name, 'to', $t);
            }
        } else {
            $to[] = $this->address($arg, $name, 'to', $m['to']);
        }
        $subject = $m['subject'] ?? 'smtpdiag test message';
        if (!is_string($subject)) {
            throw $this->typeError($arg, $name, sprintf('option "subject" must be of type string, %s given', self::typeName($subject)));
        }
        if (strlen($subject) > 900) {
            throw $this->valueError($arg, $name, 'option "subject" must be at most 900 bytes');
        }
        $body = $m['body'] ?? "This is a test message sent by smtpdiag to check that this site can send mail.\n";
        if (!is_string($body)) {
            throw $this->typeError($arg, $name, sprintf('"body" must be of type string, %s given', self::typeName($body)));
        }
        if (strlen($body) > 10 * 1024 * 1024 || str_contains($body, "\0")) {
            throw $this->valueError($arg, $name, '"body" must be at most 10 MiB and contain no NUL byte');
        }
        $headers = [];
        $h = $m['headers'] ?? null;
        if ($h !== null) {
            if (!is_array($h)) {
                throw $this->typeError($arg, $name, sprintf('"headers" must be of type array, %s given', self::typeName($h)));
            }
            $reserved = ['date', 'from', 'to', 'subject', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding', 'bcc', 'cc'];
            foreach ($h as $hn => $hv) {
                if (!is_string($hn) || $hn === '' || strlen($hn) > 76) {
                    throw $this->valueError($arg, $name, '"headers" must map header names (1 to 76 characters) to values');
                }
                if (preg_match('/[^\x21-\x39\x3b-\x7e]/', $hn) === 1) {
                    throw $this->valueError($arg, $name, '"headers" names must be printable ASCII without spaces or \':\'');
                }
                if (in_array(strtolower($hn), $reserved, true)) {
                    throw $this->valueError($arg, $name, sprintf('"headers" must not set %s: smtpdiag writes it', strtolower($hn)));
                }
                if (!is_string($hv)) {
                    throw $this->typeError($arg, $name, sprintf('"headers" values must be strings, %s given', self::typeName($hv)));
                }
                if (self::hasControl($hv, true) || strlen($hv) > 900) {
                    throw $this->valueError($arg, $name, '"headers" values must be at most 900 bytes without control characters (CR, LF, NUL...)');
                }
                $headers[$hn] = $hv;
            }
        }
        if (self::hasControl($subject, true)) {
            throw $this->valueError($arg, $name, '"subject" must not contain control characters (CR, LF, NUL...)');
        }
        return ['from' => $from, 'to' => $to, 'subject' => $subject, 'body' => $body, 'headers' => $headers];
    }
}
