<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * One SMTP connection over a PHP stream: non-blocking connect with the
 * errno PHP lets through, bounded reply reading (RFC 5321 4.2: "ddd-"
 * continues, "ddd " ends; 2048 bytes a line, 64 KiB a reply), STARTTLS or
 * implicit TLS through stream_socket_enable_crypto(), and a transcript.
 *
 * @internal
 */
final class Wire
{
    public const MAX_LINE = 2048;
    public const MAX_REPLY = 65536;
    /** startTls()'s error when the server said nothing in time. */
    public const TLS_TIMEOUT = 'TLS handshake timed out';

    public string $buf = '';
    /** @var list<array{dir: string, text: string, t_ms: float}> */
    public array $transcript = [];
    public ?string $lastError = null;
    /** Seconds each reply and TLS handshake may take (phase_timeout); 0: only the deadline. */
    public float $phase = 0.0;

    /** @param resource $s */
    private function __construct(public $s, private readonly float $t0)
    {
    }

    public function ms(): float
    {
        return round((Sched::now() - $this->t0) * 1000, 1);
    }

    /**
     * Connects to $address:$port by $deadline. Returns [Wire|null, state,
     * errno name|null, connect ms]: state as smtpdiag_probe() names it,
     * limited to what the errno shows (PHP sees no ICMP, so it never says
     * blocked_upstream, and says blocked_local only for EPERM).
     *
     * With $reach, the answer is shared there, and a connect that stays
     * silent is given up once the board says it was dropped (Reach): the
     * fifth element is then true.
     *
     * @return array{0: ?Wire, 1: string, 2: ?string, 3: float, 4: bool}
     */
    public static function connect(string $address, int $port, float $deadline, float $t0, ?Reach $reach = null): array
    {
        [$w, , $tried] = self::connectFirst([$address], $port, $deadline, $t0, $reach);
        [$state, $errno, $ms, $early] = $tried[$address];
        return [$w, $state, $errno, $ms, $early];
    }

    /**
     * Connects to every address at once, as the extension's connector does:
     * the first to connect wins and the others are closed, so a dropped
     * first address costs no more than the wait on it. Returns [Wire|null,
     * the winner's address|null, address => [state, errno name|null, ms,
     * given up early] for each address that ended (not the winner's
     * abandoned rivals)].
     *
     * @param list<string> $addresses
     * @return array{0: ?Wire, 1: ?string, 2: array<string, array{0: string, 1: ?string, 2: float, 3: bool}>}
     */
    public static function connectFirst(array $addresses, int $port, float $deadline, float $t0, ?Reach $reach = null): array
    {
        $start = Sched::now();
        $ms = static fn (): float => round((Sched::now() - $start) * 1000, 1);
        $tried = [];
        $pending = [];
        foreach ($addresses as $k => $address) {
            $hp = str_contains($address, ':') ? "[$address]:$port" : "$address:$port";
            $errno = 0;
            $errstr = '';
            $s = @stream_socket_client("tcp://$hp", $errno, $errstr, max(0.001, $deadline - $start),
                STREAM_CLIENT_CONNECT | STREAM_CLIENT_ASYNC_CONNECT, stream_context_create());
            if ($s === false) {
                $name = Errno::name((int) $errno);
                $tried[$address] = [Errno::state($name), $name, $ms(), false];
                continue;
            }
            stream_set_blocking($s, false);
            $pending[$k] = $s;
        }
        while ($pending !== []) {
            // Without a board: one wait for the whole timeout. With one: from
            // Reach::MINIMUM on, look at the board every 250 ms.
            $until = $reach === null ? $deadline : min($deadline, max(Sched::now() + 0.25, $start + Reach::MINIMUM));
            $k = Sched::waitAny($pending, 'w', $until);
            if (is_int($k) && isset($pending[$k])) {
                $s = $pending[$k];
                unset($pending[$k]);
                $address = $addresses[$k];
                $err = Errno::pending($s);
                if ($err === 0) {
                    $reach?->answered($address, $ms());
                    $tried[$address] = ['open', null, $ms(), false];
                    foreach ($pending as $rival) {
                        fclose($rival);
                    }
                    return [new self($s, $t0), $address, $tried];
                }
                fclose($s);
                $name = $err > 0 ? Errno::name($err) : null;
                if ($name === 'ECONNREFUSED') {
                    $reach?->answered($address, $ms());
                }
                $tried[$address] = [$name === null ? 'error' : Errno::state($name), $name, $ms(), false];
                continue;
            }
            $now = Sched::now();
            foreach ($pending as $k => $s) {
                $patience = $reach?->patience($addresses[$k]);
                $early = $now < $deadline && $patience !== null && $now - $start >= $patience;
                if ($now >= $deadline || $early) {
                    fclose($s);
                    unset($pending[$k]);
                    $tried[$addresses[$k]] = ['filtered', 'ETIMEDOUT', $ms(), $early];
                }
            }
        }
        return [null, null, $tried];
    }

    public function close(): void
    {
        if (is_resource($this->s)) {
            @fclose($this->s);
        }
    }

    public function note(string $text): void
    {
        $this->transcript[] = ['dir' => '*', 'text' => $text, 't_ms' => $this->ms()];
    }

    /** Sends one command line; $shown is what the transcript keeps (credentials redacted). */
    public function send(string $line, float $deadline, ?string $shown = null): bool
    {
        $this->transcript[] = ['dir' => 'C', 'text' => $shown ?? $line, 't_ms' => $this->ms()];
        $data = $line . "\r\n";
        while ($data !== '') {
            $n = @fwrite($this->s, $data);
            if ($n === false) {
                $this->lastError = 'write failed';
                return false;
            }
            $data = (string) substr($data, $n);
            if ($data !== '' && !Sched::wait($this->s, 'w', $deadline)) {
                $this->lastError = 'timeout';
                return false;
            }
        }
        return true;
    }

    /**
     * Reads one reply by $deadline: ['code' => int, 'lines' => texts] or an
     * error: 'timeout', 'closed', 'bad_reply'.
     *
     * @return array{code: int, lines: list<string>}|string
     */
    public function reply(float $deadline): array|string
    {
        $end = $this->phaseEnd($deadline);
        $late = $end < $deadline ? sprintf('within %d ms', (int) round(($end - Sched::now()) * 1000)) : 'before the deadline';
        $deadline = $end;
        $lines = [];
        $code = null;
        $size = 0;
        for (;;) {
            $nl = strpos($this->buf, "\n");
            if ($nl === false) {
                if (strlen($this->buf) > self::MAX_LINE) {
                    return $this->fail('bad_reply', 'a reply line longer than ' . self::MAX_LINE . ' bytes');
                }
                $got = $this->fill($deadline, $late);
                if ($got !== null) {
                    return $got;
                }
                continue;
            }
            $line = rtrim(substr($this->buf, 0, $nl), "\r");
            $this->buf = (string) substr($this->buf, $nl + 1);
            $size += strlen($line);
            if (strlen($line) > self::MAX_LINE || $size > self::MAX_REPLY) {
                return $this->fail('bad_reply', 'a reply longer than the reader allows');
            }
            $this->transcript[] = ['dir' => 'S', 'text' => $line, 't_ms' => $this->ms()];
            if (preg_match('/^([2-5][0-9][0-9])([ -]|$)(.*)$/', $line, $m) !== 1) {
                return $this->fail('bad_reply', 'not an SMTP reply line');
            }
            $c = (int) $m[1];
            if ($code !== null && $c !== $code) {
                return $this->fail('bad_reply', 'a multi-line reply with mixed codes');
            }
            $code = $c;
            $lines[] = $m[3];
            if ($m[2] !== '-') {
                return ['code' => $code, 'lines' => $lines];
            }
        }
    }

    /** @return string|null null when bytes arrived */
    private function fill(float $deadline, string $late): ?string
    {
        for (;;) {
            $chunk = @fread($this->s, 8192);
            if (is_string($chunk) && $chunk !== '') {
                $this->buf .= $chunk;
                return null;
            }
            if (!is_resource($this->s) || feof($this->s)) {
                return $this->fail('closed', 'the server closed the connection');
            }
            if (!Sched::wait($this->s, 'r', $deadline)) {
                return $this->fail('timeout', 'no answer from the server ' . $late);
            }
        }
    }

    /** The end of a phase starting now: $phase from now, never past $deadline. */
    private function phaseEnd(float $deadline): float
    {
        return $this->phase > 0 ? min($deadline, Sched::now() + $this->phase) : $deadline;
    }

    private function fail(string $code, string $why): string
    {
        $this->lastError = $why;
        return $code;
    }

    /**
     * Implicit TLS: a server that greets in clear text within a moment is
     * not speaking TLS on this port (it expects STARTTLS).
     */
    public function greetsInClear(float $wait, float $deadline): bool
    {
        if (!Sched::wait($this->s, 'r', min($deadline, Sched::now() + $wait))) {
            return false;
        }
        $peek = @stream_socket_recvfrom($this->s, 4, STREAM_PEEK);
        return is_string($peek) && preg_match('/^[2-5][0-9][0-9][ -]/', $peek) === 1;
    }

    /**
     * The TLS handshake, by $deadline, verification off (judged afterwards
     * from the captured chain). Returns null on success, else the error.
     *
     * @param array<string, mixed> $ssl
     */
    public function startTls(array $ssl, float $deadline): ?string
    {
        if (!function_exists('stream_socket_enable_crypto') || !extension_loaded('openssl')) {
            return 'PHP has no OpenSSL';
        }
        $deadline = $this->phaseEnd($deadline);
        foreach ($ssl + ['verify_peer' => false, 'verify_peer_name' => false, 'allow_self_signed' => true,
            'capture_peer_cert_chain' => true, 'security_level' => 0] as $k => $v) {
            stream_context_set_option($this->s, 'ssl', $k, $v);
        }
        $method = STREAM_CRYPTO_METHOD_TLSv1_0_CLIENT | STREAM_CRYPTO_METHOD_TLSv1_1_CLIENT
            | STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT | STREAM_CRYPTO_METHOD_TLSv1_3_CLIENT;
        $errors = [];
        for (;;) {
            set_error_handler(static function (int $no, string $msg) use (&$errors): bool {
                $errors[] = $msg;
                return true;
            });
            try {
                $r = stream_socket_enable_crypto($this->s, true, $method);
            } finally {
                restore_error_handler();
            }
            if ($r === true) {
                return null;
            }
            if ($r === false) {
                return self::sslError($errors);
            }
            if (Sched::now() >= $deadline) {
                return self::TLS_TIMEOUT;
            }
            // Needs the peer: wait briefly for bytes (a short cap also covers "wants write").
            Sched::wait($this->s, 'r', min($deadline, Sched::now() + 0.05));
        }
    }

    /** @param list<string> $errors */
    private static function sslError(array $errors): string
    {
        $all = implode("\n", $errors);
        if (preg_match_all('/error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^\n]+)/', $all, $m) > 0) {
            return implode('; ', array_unique(array_map('trim', $m[1])));
        }
        $last = end($errors);
        return $last === false ? 'TLS handshake failed' : (string) preg_replace('/^stream_socket_enable_crypto\(\): /', '', $last);
    }

    /** @return array{protocol: ?string, cipher: ?string} */
    public function crypto(): array
    {
        $meta = stream_get_meta_data($this->s);
        $c = is_array($meta['crypto'] ?? null) ? $meta['crypto'] : [];
        return ['protocol' => is_string($c['protocol'] ?? null) ? $c['protocol'] : null,
            'cipher' => is_string($c['cipher_name'] ?? null) ? $c['cipher_name'] : null];
    }

    /** @return list<\OpenSSLCertificate> the chain as the server sent it */
    public function peerChain(): array
    {
        $p = stream_context_get_params($this->s);
        $chain = $p['options']['ssl']['peer_certificate_chain'] ?? [];
        $out = [];
        foreach (is_array($chain) ? $chain : [] as $c) {
            if ($c instanceof \OpenSSLCertificate) {
                $out[] = $c;
            }
        }
        return $out;
    }
}
