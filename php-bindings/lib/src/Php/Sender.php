<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * smtpdiag_send_test() in PHP: one SMTP session, stage by stage, under one
 * deadline; credentials never reach the transcript. Also the AUTH-only
 * session of diagnose ($message null: login, then QUIT).
 *
 * @internal
 */
final class Sender
{
    /**
     * $phase: seconds each reply (and TLS handshake) may take, the option
     * phase_timeout; 0: only the deadline.
     *
     * @param array{from: string, to: list<string>, subject: string, body: string, headers: array<string, string>}|null $message
     * @return array<string, mixed> smtpdiag_send_test()'s shape
     */
    public static function run(MailConfig $c, ?array $message, Net $net, float $phase = 0.0): array
    {
        $t0 = Sched::now();
        $deadline = $t0 + $net->timeout;
        $s = new SendState($c);
        $dns = Dns::resolve($c->host, $net->family);
        if ($dns['status'] !== 'literal') {
            $s->timings['dns'] = $dns['ms'];
        }
        $w = null;
        foreach ($dns['addresses'] as $a) {
            $net->reach?->add($c->host, $a['address']);
        }
        // Every address at once; when all fail, the last one's failure is
        // the session's, as when PHP tries them in turn.
        $addresses = array_column($dns['addresses'], 'address');
        [$w, $winner, $tried] = Wire::connectFirst($addresses, $c->port, min($deadline, Sched::now() + $net->connectTimeout), $t0, $net->reach);
        $s->address = $winner ?? ($addresses === [] ? $s->address : $addresses[count($addresses) - 1]);
        if ($w === null && isset($tried[$s->address])) {
            $s->connectFailure = [$tried[$s->address][0], $tried[$s->address][1], $tried[$s->address][3]];
        }
        if ($dns['addresses'] === []) {
            $s->stage = 'dns';
            $s->error = 'no address for ' . $c->host . ($dns['error'] !== null ? ': ' . $dns['error'] : '');
            $s->add($dns['status'] === 'error' ? 'dns_error' : 'dns_no_address', ['error' => $dns['error'], 'families' => 'IPv4 or IPv6']);
            return $s->result($t0);
        }
        if ($w === null) {
            $s->stage = 'connect';
            [$state, $errno, $early] = $s->connectFailure ?? ['error', null, false];
            $s->error = 'connect: ' . ($errno ?? $state);
            $code = ['filtered' => 'port_filtered', 'refused' => 'port_refused', 'blocked_local' => 'port_blocked_local',
                'unreachable' => 'host_unreachable'][$state] ?? null;
            if ($code !== null) {
                $ev = ['address' => $s->address, 'errno' => (string) $errno, 'state' => $state];
                if ($early && $net->reach !== null) {
                    $ev += Rules::earlyEvidence($net->reach, $s->address);
                }
                $s->add($code, ['address' => $s->address, 'errno' => $errno, 'ms' => (int) ((Sched::now() - $t0) * 1000),
                    'alternatives' => ''], $ev);
            }
            return $s->result($t0);
        }
        $s->wire = $w;
        $w->phase = $phase;
        try {
            self::session($s, $w, $c, $message, $net, $deadline);
        } finally {
            $w->close();
        }
        return $s->result($t0);
    }

    /**
     * @param array{from: string, to: list<string>, subject: string, body: string, headers: array<string, string>}|null $message
     */
    private static function session(SendState $s, Wire $w, MailConfig $c, ?array $message, Net $net, float $deadline): void
    {
        $ssl = filter_var(trim($c->host, '[]'), FILTER_VALIDATE_IP) !== false
            ? ['SNI_enabled' => false] : ['SNI_enabled' => true, 'peer_name' => $c->host];
        if ($c->encryption === 'tls' && !self::tls($s, $w, $c, $net, $ssl, 'implicit', 'connect', $deadline)) {
            return;
        }
        $s->enter('banner');
        if (!$s->expect($w->reply($deadline), [220])) {
            return;
        }
        $s->enter('ehlo');
        $ext = self::ehlo($s, $w, $net->ehlo(), $deadline);
        if ($ext === null) {
            return;
        }
        if ($c->encryption === 'starttls' || ($c->encryption === 'none' && $c->autoTls && isset($ext['STARTTLS']))) {
            $s->enter('starttls');
            if (!isset($ext['STARTTLS'])) {
                $s->error = 'the server does not offer STARTTLS';
                $s->add('starttls_unavailable', ['why' => '']);
                $w->send('QUIT', $deadline);
                return;
            }
            $w->send('STARTTLS', $deadline);
            $r = $w->reply($deadline);
            if (is_array($r) && $r['code'] !== 220) {
                $s->setReply($r);
                $s->error = 'STARTTLS refused: ' . $s->replyText();
                $s->add('starttls_unavailable', ['why' => ' (it refused: ' . $s->replyText() . ')']);
                $w->send('QUIT', $deadline);
                return;
            }
            if (!$s->expect($r, [220])) {
                return;
            }
            if ($w->buf !== '') {
                $s->error = 'the server sent data after its 220 to STARTTLS, before TLS';
                $s->add('smtp_protocol_error', ['error' => $s->error]);
                return;
            }
            if (!self::tls($s, $w, $c, $net, $ssl, 'starttls', 'starttls', $deadline)) {
                return;
            }
            $s->enter('ehlo');
            $ext = self::ehlo($s, $w, $net->ehlo(), $deadline);
            if ($ext === null) {
                return;
            }
        }
        if ($c->auth !== null && !self::auth($s, $w, $c, $ext, $deadline)) {
            return;
        }
        if ($message !== null) {
            if (!self::mail($s, $w, $message, $deadline, $ext)) {
                return;
            }
        }
        $s->enter('quit', false);
        $w->send('QUIT', $deadline);
        $w->reply(min($deadline, Sched::now() + 1.0));
        $s->enter('done', false);
        $s->ok = true;
    }

    /** @param array<string, mixed> $ssl */
    private static function tls(SendState $s, Wire $w, MailConfig $c, Net $net, array $ssl, string $mode, string $stage, float $deadline): bool
    {
        $s->enter($stage);
        $w->note('TLS handshake');
        $err = $w->startTls($ssl, $deadline);
        $crypto = $err === null ? $w->crypto() : ['protocol' => null, 'cipher' => null];
        $s->tls = ['mode' => $mode, 'ok' => $err === null, 'protocol' => $crypto['protocol'], 'cipher' => $crypto['cipher'],
            'verified' => false, 'verify_error' => null];
        if ($err !== null) {
            $s->error = $err;
            if ($mode === 'implicit' && $err !== Wire::TLS_TIMEOUT) {
                // A clear-text greeting on a fresh connection says why: this port speaks STARTTLS.
                // (A server that said nothing at all in time would not greet either.)
                [$w2] = Wire::connect($s->address, $c->port, min($deadline, Sched::now() + $net->connectTimeout), Sched::now());
                $clear = $w2 !== null && $w2->greetsInClear(2.0, $deadline);
                $w2?->close();
                if ($clear) {
                    $s->error = 'the server answered in clear text (no TLS on this port)';
                    $s->add('encryption_expects_starttls', ['address' => $s->address]);
                    return false;
                }
            }
            $s->add('tls_handshake_failed', ['mode' => $mode, 'error' => $err, 'address' => $s->address]);
            return false;
        }
        $w->note('TLS established: ' . $crypto['protocol'] . ' ' . $crypto['cipher']);
        $chain = $w->peerChain();
        if ($chain !== []) {
            $j = Cert::judge($chain, $c->host, $net->phpCa(), -1);
            $s->tls['verified'] = $j['php_verified'];
            $s->tls['verify_error'] = $j['verify_error'];
            if ($c->verifyPeer && !$j['php_verified']) {
                $s->error = 'certificate verification failed: ' . $j['verify_error'];
                $infos = array_map([Cert::class, 'info'], $chain);
                // Like OpenSSL's verification, name the first failure only: the chain, then the name, then the dates.
                $first = null;
                foreach (['self_signed', 'incomplete_chain', 'untrusted', 'ca_bundle_stale', 'hostname_mismatch', 'expired', 'not_yet_valid',
                    'weak_key', 'weak_signature'] as $e) {
                    if (in_array($e, $j['errors'], true)) {
                        $first = $e;
                        break;
                    }
                }
                foreach (Rules::certificate($first === null ? [] : [$first], $infos[0], $infos, $c->host,
                    $c->port, $s->address, Cert::nameList($chain[0]), $net->phpCa()['label'], null) as $f) {
                    $f['evidence']['stage'] = $stage;
                    $s->findings[] = $f;
                }
                return false;
            }
        }
        return true;
    }

    /** @return array<string, string>|null keyword => parameters */
    private static function ehlo(SendState $s, Wire $w, string $name, float $deadline): ?array
    {
        $w->send("EHLO $name", $deadline);
        $r = $w->reply($deadline);
        if (is_array($r) && $r['code'] !== 250) {
            $w->send("HELO $name", $deadline);
            $h = $w->reply($deadline);
            if (is_array($h) && $h['code'] !== 250) {
                $s->setReply($h);
                $s->error = 'EHLO and HELO refused';
                $s->add('ehlo_rejected', ['name' => $name, 'reply' => $s->replyText()]);
                $w->send('QUIT', $deadline);
                return null;
            }
            if (!$s->expect($h, [250])) {
                return null;
            }
            return [];
        }
        if (!$s->expect($r, [250])) {
            return null;
        }
        $ext = [];
        if (!is_array($r)) {
            return null;
        }
        foreach (array_slice($r['lines'], 1) as $line) {
            $parts = preg_split('/[ =]/', trim($line), 2) ?: [''];
            $ext[strtoupper((string) $parts[0])] = (string) ($parts[1] ?? '');
        }
        return $ext;
    }

    /** @param array<string, string> $ext */
    private static function auth(SendState $s, Wire $w, MailConfig $c, array $ext, float $deadline): bool
    {
        /** @var array{username: string, secret: string, mechanism: string} $a */
        $a = $c->auth;
        $s->enter('auth');
        $offered = isset($ext['AUTH']) ? array_map('strtoupper', preg_split('/\s+/', trim($ext['AUTH'])) ?: []) : [];
        $mech = strtoupper($a['mechanism']);
        if ($mech === 'AUTO') {
            $mech = in_array('PLAIN', $offered, true) ? 'PLAIN' : (in_array('LOGIN', $offered, true) ? 'LOGIN' : 'PLAIN');
        }
        $s->authMechanism = $mech;
        $secure = ($s->tls['ok'] ?? false) === true && ($s->tls['verified'] ?? false) === true;
        if (!$secure && !$c->allowInsecureAuth) {
            $s->error = $s->tls === null ? 'refusing to send credentials in clear text'
                : 'refusing to send credentials: the TLS certificate was not verified';
            $s->add('auth_requires_tls', ['why' => $s->error . '.']);
            $w->send('QUIT', $deadline);
            return false;
        }
        if ($offered === []) {
            $s->error = 'the server offers no AUTH';
            $s->add('auth_not_offered', []);
            $w->send('QUIT', $deadline);
            return false;
        }
        if (!in_array($mech, $offered, true)) {
            $s->error = "$mech is not offered";
            $s->add('auth_mechanism_unsupported', ['offered' => implode(' ', $offered), 'why' => "$mech is not among them."]);
            $w->send('QUIT', $deadline);
            return false;
        }
        $r = match ($mech) {
            'PLAIN' => self::cmd($w, 'AUTH PLAIN ' . base64_encode("\0{$a['username']}\0{$a['secret']}"), $deadline, 'AUTH PLAIN [redacted]'),
            'LOGIN' => self::login($w, $a, $deadline),
            default => self::xoauth2($w, $a, $deadline),
        };
        if (!is_array($r)) {
            $s->expect($r, [235]);
            return false;
        }
        $s->setReply($r);
        if ($r['code'] === 235) {
            return true;
        }
        $s->error = 'AUTH refused: ' . $s->replyText();
        $code = match (true) {
            $r['code'] === 538, $r['code'] === 530 && stripos($s->replyText(), 'STARTTLS') !== false => 'auth_requires_tls',
            $r['code'] === 504 => 'auth_mechanism_unsupported',
            default => 'auth_failed',
        };
        $s->add($code, ['reply' => $r['code'] . ' ' . $s->replyText(), 'why' => 'the server answered ' . $r['code'] . ' ' . $s->replyText(),
            'offered' => implode(' ', $offered)]);
        $w->send('QUIT', $deadline);
        return false;
    }

    /** @return array{code: int, lines: list<string>}|string */
    private static function cmd(Wire $w, string $line, float $deadline, ?string $shown = null): array|string
    {
        if (!$w->send($line, $deadline, $shown)) {
            return 'closed';
        }
        return $w->reply($deadline);
    }

    /**
     * @param array{username: string, secret: string, mechanism: string} $a
     * @return array{code: int, lines: list<string>}|string
     */
    private static function login(Wire $w, array $a, float $deadline): array|string
    {
        $r = self::cmd($w, 'AUTH LOGIN', $deadline);
        if (!is_array($r) || $r['code'] !== 334) {
            return $r;
        }
        $r = self::cmd($w, base64_encode($a['username']), $deadline, '[redacted]');
        if (!is_array($r) || $r['code'] !== 334) {
            return $r;
        }
        return self::cmd($w, base64_encode($a['secret']), $deadline, '[redacted]');
    }

    /**
     * @param array{username: string, secret: string, mechanism: string} $a
     * @return array{code: int, lines: list<string>}|string
     */
    private static function xoauth2(Wire $w, array $a, float $deadline): array|string
    {
        $r = self::cmd($w, 'AUTH XOAUTH2 ' . base64_encode("user={$a['username']}\x01auth=Bearer {$a['secret']}\x01\x01"), $deadline,
            'AUTH XOAUTH2 [redacted]');
        if (is_array($r) && $r['code'] === 334) {
            // RFC 7628 3.2.3: the error comes as a challenge; an empty response ends the exchange.
            return self::cmd($w, '', $deadline, '[redacted]');
        }
        return $r;
    }

    /**
     * @param array{from: string, to: list<string>, subject: string, body: string, headers: array<string, string>} $m
     * @param array<string, string> $ext
     */
    private static function mail(SendState $s, Wire $w, array $m, float $deadline, array $ext): bool
    {
        $s->enter('mail_from');
        [$data, $s->messageId] = self::message($m);
        // RFC 6152 and RFC 1870 parameters, when the server offers them.
        $params = (isset($ext['8BITMIME']) ? ' BODY=8BITMIME' : '') . (isset($ext['SIZE']) ? ' SIZE=' . (strlen($data) - 3) : '');
        $r = self::cmd($w, "MAIL FROM:<{$m['from']}>$params", $deadline);
        if (is_array($r) && $r['code'] !== 250) {
            $s->setReply($r);
            $s->error = 'MAIL FROM refused: ' . $s->replyText();
            $s->add('sender_rejected', ['address' => $m['from'], 'reply' => $r['code'] . ' ' . $s->replyText()]);
            $w->send('QUIT', $deadline);
            return false;
        }
        if (!$s->expect($r, [250])) {
            return false;
        }
        $s->enter('rcpt_to');
        $accepted = 0;
        $refused = [];
        foreach ($m['to'] as $to) {
            $r = self::cmd($w, "RCPT TO:<$to>", $deadline);
            if (!is_array($r)) {
                return $s->expect($r, [250]);
            }
            $s->setReply($r);
            $ok = $r['code'] === 250 || $r['code'] === 251;
            $s->recipients[] = ['address' => $to, 'accepted' => $ok, 'code' => $r['code'], 'enhanced' => $s->reply['enhanced'] ?? null,
                'text' => $s->replyText()];
            if ($ok) {
                ++$accepted;
            } else {
                $refused[] = [$to, $r['code'], $s->replyText()];
            }
        }
        foreach ($refused as [$to, $code, $text]) {
            $relay = preg_match('/^5\.7\.1\b/', $text) === 1 || stripos($text, 'relay') !== false;
            $s->add($relay ? 'relay_denied' : 'recipient_rejected', ['address' => $to, 'reply' => "$code $text"],
                ['recipient' => $to, 'reply_code' => $code, 'reply_enhanced' => (string) (preg_match('/^([245]\.\d{1,3}\.\d{1,3})\b/', $text, $em) === 1 ? $em[1] : ''),
                    'reply_text' => $text], 'rcpt_to');
        }
        if ($accepted === 0) {
            $s->error = 'every recipient was refused';
            $w->send('QUIT', $deadline);
            return false;
        }
        $s->enter('data');
        $r = self::cmd($w, 'DATA', $deadline);
        if (is_array($r) && $r['code'] !== 354) {
            $s->setReply($r);
            $s->error = 'DATA refused: ' . $s->replyText();
            $s->add('message_rejected', ['reply' => $r['code'] . ' ' . $s->replyText(), 'stage' => 'data']);
            $w->send('QUIT', $deadline);
            return false;
        }
        if (!$s->expect($r, [354])) {
            return false;
        }
        $w->transcript[] = ['dir' => 'C', 'text' => sprintf('[message: %d bytes, %d lines, <%s>]', strlen($data),
            substr_count($data, "\r\n") - 1, $s->messageId), 't_ms' => $w->ms()];
        $n = count($w->transcript);
        $w->send(substr($data, 0, -2), $deadline);
        array_splice($w->transcript, $n, 1);
        $w->note('end of message');
        $r = $w->reply($deadline);
        if (is_array($r) && $r['code'] !== 250) {
            $s->setReply($r);
            $s->error = 'message refused: ' . $s->replyText();
            $s->add('message_rejected', ['reply' => $r['code'] . ' ' . $s->replyText(), 'stage' => 'data']);
            $w->send('QUIT', $deadline);
            return false;
        }
        if (!$s->expect($r, [250])) {
            return false;
        }
        return true;
    }

    /**
     * RFC 2047 "B" encoded-words of at most 75 characters, folded, never
     * splitting a UTF-8 sequence (no mbstring needed).
     */
    private static function encodedWords(string $text): string
    {
        $chars = preg_split('//u', $text, -1, PREG_SPLIT_NO_EMPTY);
        if ($chars === false) {
            $chars = str_split($text);
        }
        $words = [];
        $chunk = '';
        foreach ($chars as $ch) {
            if (strlen($chunk . $ch) > 45) {
                $words[] = '=?UTF-8?B?' . base64_encode($chunk) . '?=';
                $chunk = '';
            }
            $chunk .= $ch;
        }
        $words[] = '=?UTF-8?B?' . base64_encode($chunk) . '?=';
        return implode("\r\n ", $words);
    }

    /**
     * RFC 5322 text, quoted-printable UTF-8 body, dot-stuffed, ending CRLF.CRLF.
     *
     * @param array{from: string, to: list<string>, subject: string, body: string, headers: array<string, string>} $m
     * @return array{string, string} [DATA bytes, Message-ID]
     */
    private static function message(array $m): array
    {
        $domain = substr($m['from'], (int) strrpos($m['from'], '@') + 1);
        $id = sprintf('<%s.smtpdiag@%s>', bin2hex(random_bytes(12)), $domain);
        $subject = preg_match('/[\x80-\xff]/', $m['subject']) === 1 ? self::encodedWords($m['subject']) : $m['subject'];
        $h = ['Date: ' . date(DATE_RFC2822), 'From: <' . $m['from'] . '>', 'To: ' . implode(', ', array_map(static fn (string $t): string => "<$t>", $m['to'])),
            'Subject: ' . $subject, 'Message-ID: ' . $id, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8',
            'Content-Transfer-Encoding: quoted-printable'];
        foreach ($m['headers'] as $k => $v) {
            $h[] = "$k: $v";
        }
        // Quoted-printable line by line (RFC 2045 6.7): line breaks stay CRLF, not =0A.
        $lines = explode("\n", str_replace(["\r\n", "\r"], "\n", $m['body']));
        $body = implode("\r\n", array_map('quoted_printable_encode', $lines));
        $text = implode("\r\n", $h) . "\r\n\r\n" . $body;
        if (!str_ends_with($text, "\r\n")) {
            $text .= "\r\n";
        }
        $text = (string) preg_replace('/^\./m', '..', $text);
        return [$text . ".\r\n", trim($id, '<>')];
    }
}
