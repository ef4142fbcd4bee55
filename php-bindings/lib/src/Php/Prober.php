<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * smtpdiag_probe() in PHP: every port on every address at once (async
 * connects, one stream_select, one deadline), then per open port the
 * greeting, EHLO, STARTTLS or implicit TLS, and EHLO again.
 *
 * @internal
 */
final class Prober
{
    /**
     * @param list<int> $ports
     * @param list<int> $implicit
     * @return array<string, mixed> smtpdiag_probe()'s shape
     */
    public static function run(string $host, Net $net, array $ports, array $implicit, bool $tls): array
    {
        $t0 = Sched::now();
        $deadline = $t0 + $net->timeout;
        [$tasks, $collect] = self::plan($host, $net, $ports, $implicit, $tls, $t0, $deadline);
        Sched::run($tasks, $deadline);
        return $collect();
    }

    /**
     * The probe as tasks for Sched::run() (diagnose runs them beside its
     * own), and the closure that assembles the result once they ran.
     *
     * $firstAnswer: ports whose server must say something first (greeting
     * or implicit-TLS handshake) within the connect timeout, as the core's
     * ProbeConfig::first_answer_ports.
     *
     * @param list<int> $ports
     * @param list<int> $implicit
     * @param list<int> $firstAnswer
     * @return array{list<callable(): void>, \Closure(): array<string, mixed>}
     */
    public static function plan(string $host, Net $net, array $ports, array $implicit, bool $tls, float $t0, float $deadline,
        array $firstAnswer = []): array
    {
        $dns = Dns::resolve($host, $net->family);
        $addresses = $dns['addresses'];
        unset($dns['addresses']);
        /** @var \ArrayObject<int, array<string, mixed>> $results */
        $results = new \ArrayObject();
        $tasks = [];
        foreach ($addresses as $a) {
            $net->reach?->add($host, $a['address']);
            foreach ($ports as $port) {
                $i = count($tasks);
                $first = in_array($port, $firstAnswer, true) ? $net->connectTimeout : 0.0;
                $tasks[] = static function () use ($results, $i, $a, $port, $host, $net, $implicit, $tls, $t0, $deadline, $first): void {
                    $results[$i] = self::port($a['address'], $a['family'], $port, in_array($port, $implicit, true),
                        $tls, $host, '', $net, $t0, $deadline, $first);
                };
            }
        }
        $collect = static function () use ($results, $host, $addresses, $dns, $t0, $tasks, $net): array {
            $rows = [];
            for ($i = 0; $i < count($tasks); ++$i) {
                if (isset($results[$i]) && is_array($results[$i])) {
                    $rows[] = array_diff_key($results[$i], ['_chain' => 1]);
                }
            }
            $r = ['host' => $host, 'addresses' => $addresses, 'dns' => $dns, 'ports' => $rows, 'findings' => [],
                'elapsed_ms' => round((Sched::now() - $t0) * 1000, 1)];
            $r['findings'] = Rules::probe($r, $net->reach);
            return $r;
        };
        return [$tasks, $collect];
    }

    /**
     * One port on one address, as the core's PortResult (plus '_chain':
     * the certificates, for the caller that judges them). $firstAnswer:
     * seconds the server has to greet (or to answer the implicit-TLS
     * handshake) once connected; 0: until the deadline.
     *
     * @return array<string, mixed>
     */
    public static function port(string $address, string $family, int $port, bool $implicit, bool $tryTls, string $host,
        string $sni, Net $net, float $t0, float $deadline, float $firstAnswer = 0.0): array
    {
        [$w, $state, $errno, $ms, $early] = Wire::connect($address, $port, min($deadline, Sched::now() + $net->connectTimeout), $t0, $net->reach);
        $first = $firstAnswer > 0 ? min($deadline, Sched::now() + $firstAnswer) : $deadline;
        if ($early) {
            $net->reach?->markEarly($address, $port);
        }
        $row = ['port' => $port, 'address' => $address, 'family' => $family, 'state' => $state, 'errno' => $errno,
            'icmp' => null, 'blocked_at' => null, 'connect_ms' => $ms, 'smtp' => null, 'tls' => null];
        if ($w === null) {
            return $row;
        }
        $smtp = ['banner_code' => null, 'banner' => null, 'banner_ms' => null, 'extensions' => [], 'starttls' => false,
            'auth' => [], 'size' => null, 'ehlo_domain' => null, 'seen_ip' => null, 'helo_fallback' => false,
            'stage' => 'greeting', 'error_code' => null, 'error' => null];
        $tlsRow = null;
        $chain = [];
        $stop = static function (string $stage, string $code, ?string $why) use (&$smtp, $w): void {
            $smtp['stage'] = $stage;
            $smtp['error_code'] = $code;
            $smtp['error'] = $why ?? $w->lastError;
        };
        $sslName = $sni !== '' ? $sni : $host;
        $ssl = filter_var(trim($sslName, '[]'), FILTER_VALIDATE_IP) !== false
            ? ['SNI_enabled' => false] : ['SNI_enabled' => true, 'peer_name' => $sslName];
        $handshake = static function (string $mode, float $until) use ($w, $ssl, &$tlsRow, &$chain): bool {
            $h0 = Sched::now();
            $err = $w->startTls($ssl, $until);
            $tlsRow = ['mode' => $mode, 'ok' => $err === null, 'protocol' => null, 'cipher' => null,
                'handshake_ms' => round((Sched::now() - $h0) * 1000, 1), 'error' => $err, 'verified' => false,
                'verify_error' => null, 'certificate' => null];
            if ($err === null) {
                $tlsRow = array_merge($tlsRow, $w->crypto());
                $chain = $w->peerChain();
            }
            return $err === null;
        };
        do {
            if ($implicit) {
                $clear = $w->greetsInClear(0.3, $first);
                if (!$clear && !$handshake('implicit', $first)) {
                    // The failure may be a clear-text greeting that came after the
                    // handshake started: look again on a fresh connection.
                    [$w2] = Wire::connect($address, $port, min($first, Sched::now() + $net->connectTimeout), $t0);
                    $clear = $w2 !== null && $w2->greetsInClear(2.0, $first);
                    $w2?->close();
                    if (!$clear) {
                        $stop('tls', 'tls_failed', is_array($tlsRow) ? $tlsRow['error'] : null);
                        break;
                    }
                }
                if ($clear) {
                    $tlsRow = ['mode' => 'implicit', 'ok' => false, 'protocol' => null, 'cipher' => null, 'handshake_ms' => 0.0,
                        'error' => 'the server answered in clear text (no TLS on this port)', 'verified' => false,
                        'verify_error' => null, 'certificate' => null];
                    $stop('tls', 'tls_plaintext_reply', $tlsRow['error']);
                    break;
                }
            }
            $reply = $w->reply($implicit ? $deadline : $first);
            if (!is_array($reply)) {
                $stop('greeting', $reply === 'timeout' ? 'greeting_timeout' : $reply, null);
                break;
            }
            $smtp['banner_code'] = $reply['code'];
            $smtp['banner'] = implode(' ', $reply['lines']);
            $smtp['banner_ms'] = $w->ms();
            if ($reply['code'] !== 220) {
                $stop('greeting', $reply['code'] === 421 ? 'server_busy' : 'greeting_rejected',
                    'greeting ' . $reply['code'] . ' ' . $smtp['banner']);
                $w->send('QUIT', $deadline);
                break;
            }
            $ehlo = self::ehlo($w, $net->ehlo(), $deadline, $smtp);
            if ($ehlo === null) {
                break;
            }
            $smtp['starttls'] = !$implicit && in_array('STARTTLS', array_map('strtoupper', $ehlo), true);
            if ($smtp['starttls'] && $tryTls) {
                if (!$w->send('STARTTLS', $deadline)) {
                    $stop('starttls', 'io_error', null);
                    break;
                }
                $reply = $w->reply($deadline);
                if (!is_array($reply)) {
                    $stop('starttls', $reply === 'timeout' ? 'timeout' : $reply, null);
                    break;
                }
                if ($reply['code'] !== 220) {
                    $why = 'STARTTLS refused: ' . $reply['code'] . ' ' . implode(' ', $reply['lines']);
                    $tlsRow = ['mode' => 'starttls', 'ok' => false, 'protocol' => null, 'cipher' => null, 'handshake_ms' => 0.0,
                        'error' => $why, 'verified' => false, 'verify_error' => null, 'certificate' => null];
                    $stop('starttls', 'starttls_refused', $why);
                    $w->send('QUIT', $deadline);
                    break;
                }
                if ($w->buf !== '') {
                    // RFC 3207 5: bytes after the 220 came before TLS; a client must not use them.
                    $why = 'the server sent data after its 220 to STARTTLS, before TLS';
                    $tlsRow = ['mode' => 'starttls', 'ok' => false, 'protocol' => null, 'cipher' => null, 'handshake_ms' => 0.0,
                        'error' => $why, 'verified' => false, 'verify_error' => null, 'certificate' => null];
                    $stop('tls', 'starttls_injection', $why);
                    break;
                }
                if (!$handshake('starttls', $deadline)) {
                    $stop('tls', 'tls_failed', is_array($tlsRow) ? $tlsRow['error'] : null);
                    break;
                }
                if (self::ehlo($w, $net->ehlo(), $deadline, $smtp, true) === null) {
                    break;
                }
            }
            $w->send('QUIT', $deadline);
            $smtp['stage'] = 'done';
        } while (false);
        $w->close();
        if (is_array($tlsRow) && $chain !== []) {
            $tlsRow['certificate'] = Cert::info($chain[0]);
            $j = Cert::judge($chain, $sslName, $net->phpCa(), 14);
            $tlsRow['verified'] = $j['verified'];
            $tlsRow['verify_error'] = $j['verify_error'];
        }
        $row['smtp'] = $smtp;
        $row['tls'] = $tlsRow;
        $row['_chain'] = $chain;
        return $row;
    }

    /**
     * EHLO (HELO as the fallback, RFC 5321 4.1.4); fills $smtp. Returns the
     * extension keywords, or null when the session ended.
     *
     * @param array<string, mixed> $smtp
     * @return list<string>|null
     */
    private static function ehlo(Wire $w, string $name, float $deadline, array &$smtp, bool $again = false): ?array
    {
        $w->send("EHLO $name", $deadline);
        $reply = $w->reply($deadline);
        if (!is_array($reply)) {
            $smtp['stage'] = $again ? 'ehlo2' : 'ehlo';
            $smtp['error_code'] = $reply;
            $smtp['error'] = $w->lastError;
            return null;
        }
        if ($reply['code'] !== 250) {
            if ($again) {
                $smtp['stage'] = 'ehlo2';
                $smtp['error_code'] = 'ehlo_rejected';
                $smtp['error'] = 'EHLO after TLS refused: ' . $reply['code'] . ' ' . implode(' ', $reply['lines']);
                return null;
            }
            $smtp['helo_fallback'] = true;
            $w->send("HELO $name", $deadline);
            $h = $w->reply($deadline);
            if (!is_array($h) || $h['code'] !== 250) {
                $smtp['stage'] = 'helo';
                $smtp['error_code'] = is_array($h) ? 'ehlo_rejected' : $h;
                $smtp['error'] = is_array($h) ? 'EHLO and HELO refused: ' . $h['code'] . ' ' . implode(' ', $h['lines']) : $w->lastError;
                $w->send('QUIT', $deadline);
                return null;
            }
            return [];
        }
        $first = $reply['lines'][0] ?? '';
        $smtp['ehlo_domain'] = explode(' ', $first)[0] ?: null;
        $smtp['seen_ip'] = preg_match('/\[([0-9a-fA-F:.]+)\]/', $first, $m) === 1 && filter_var($m[1], FILTER_VALIDATE_IP) !== false ? $m[1] : null;
        $ext = array_slice($reply['lines'], 1);
        $smtp['extensions'] = $ext;
        $smtp['auth'] = [];
        $smtp['size'] = null;
        foreach ($ext as $e) {
            $words = preg_split('/[ =]+/', trim($e)) ?: [];
            $kw = strtoupper((string) ($words[0] ?? ''));
            if ($kw === 'AUTH') {
                $smtp['auth'] = array_values(array_unique(array_map('strtoupper', array_slice($words, 1))));
            } elseif ($kw === 'SIZE' && isset($words[1]) && preg_match('/^\d+$/', $words[1]) === 1) {
                $smtp['size'] = (int) $words[1];
            }
        }
        return array_map(static fn (string $e): string => strtoupper((string) (preg_split('/\s+/', trim($e))[0] ?? '')), $ext);
    }
}
