<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * What one send session observed so far.
 *
 * @internal
 */
final class SendState
{
    public bool $ok = false;
    public string $stage = 'connect';
    /** @var array{code: int, enhanced: ?string, text: string}|null */
    public ?array $reply = null;
    /** @var array<string, float> */
    public array $timings = [];
    public ?string $messageId = null;
    /** @var list<array<string, mixed>> */
    public array $findings = [];
    /** @var list<array<string, mixed>> */
    public array $recipients = [];
    public string $address = '';
    /** @var array{mode: string, ok: bool, protocol: ?string, cipher: ?string, verified: bool, verify_error: ?string}|null */
    public ?array $tls = null;
    public ?string $authMechanism = null;
    public ?string $error = null;
    public ?Wire $wire = null;
    /** @var array{string, ?string, bool}|null state, errno name, given up early */
    public ?array $connectFailure = null;

    private ?float $since = null;

    public function __construct(private readonly MailConfig $c)
    {
    }

    /**
     * Moves to a stage: the time spent in the previous one is added to its
     * timing, and the reply is the new stage's own (none yet).
     */
    public function enter(string $stage, bool $newReply = true): void
    {
        $this->close();
        $this->stage = $stage;
        if ($newReply) {
            $this->reply = null;
        }
        $this->since = Sched::now();
    }

    private function close(): void
    {
        if ($this->since !== null) {
            $key = $this->stage === 'connect' ? 'banner' : $this->stage;
            $this->timings[$key] = round(($this->timings[$key] ?? 0.0) + (Sched::now() - $this->since) * 1000, 1);
            $this->since = null;
        }
    }

    /** @param array{code: int, lines: list<string>} $r */
    public function setReply(array $r): void
    {
        $text = implode(' ', $r['lines']);
        $enh = preg_match('/^([245]\.\d{1,3}\.\d{1,3})\b/', $text, $m) === 1 ? $m[1] : null;
        $this->reply = ['code' => $r['code'], 'enhanced' => $enh, 'text' => $text];
    }

    public function replyText(): string
    {
        return $this->reply['text'] ?? '';
    }

    /**
     * Checks a reply (or a read error) against the codes this stage wants;
     * on anything else records why the session stopped.
     *
     * @param array{code: int, lines: list<string>}|string $r
     * @param list<int> $codes
     */
    public function expect(array|string $r, array $codes): bool
    {
        if (is_array($r)) {
            $this->setReply($r);
            if (in_array($r['code'], $codes, true)) {
                return true;
            }
            if ($this->stage === 'banner') {
                $this->error = 'greeting ' . $r['code'] . ' ' . $this->replyText();
                $this->add($r['code'] === 421 ? 'server_busy' : 'greeting_rejected', ['code' => $r['code'], 'text' => $this->replyText()]);
                $this->wire?->send('QUIT', Sched::now() + 1);
                return false;
            }
            $this->error = 'unexpected reply ' . $r['code'] . ' ' . $this->replyText();
            $this->add($r['code'] === 421 ? 'server_busy' : 'smtp_protocol_error', ['code' => $r['code'], 'text' => $this->replyText(),
                'error' => $this->error]);
            return false;
        }
        $this->error = $this->wire !== null ? ($this->wire->lastError ?? $r) : $r;
        $code = match (true) {
            $r === 'timeout' && $this->stage === 'banner' => 'greeting_timeout',
            $r === 'timeout' => 'smtp_timeout',
            $r === 'bad_reply' => 'smtp_protocol_error',
            default => 'connection_lost',
        };
        $this->add($code, ['error' => $this->error, 'ms' => (int) round(($this->wire?->ms() ?? 0.0))]);
        return false;
    }

    /**
     * @param array<string, scalar|null> $params
     * @param array<string, scalar> $evidence
     */
    public function add(string $code, array $params, array $evidence = [], ?string $stage = null): void
    {
        $stage ??= $this->stage;
        $params += ['host' => $this->c->host, 'port' => $this->c->port, 'address' => $this->address, 'stage' => $stage];
        $ev = ['host' => $this->c->host, 'port' => $this->c->port, 'stage' => $stage] + $evidence;
        if ($this->reply !== null && !isset($ev['reply_code'])) {
            $ev['reply_code'] = $this->reply['code'];
            $ev['reply_enhanced'] = (string) $this->reply['enhanced'];
            $ev['reply_text'] = $this->reply['text'];
        }
        $this->findings[] = Catalog::finding($code, $params, $ev);
    }

    /** @return array<string, mixed> */
    public function result(float $t0): array
    {
        if ($this->stage !== 'done') {
            $this->close();
        }
        return [
            'ok' => $this->ok,
            'stage' => $this->stage,
            'reply' => $this->reply,
            'transcript' => $this->wire !== null ? $this->wire->transcript : [],
            'timings' => $this->timings,
            'message_id' => $this->ok ? $this->messageId : null,
            'findings' => Catalog::sort($this->findings),
            'recipients' => $this->recipients,
            'address' => $this->address === '' ? null : $this->address,
            'tls' => $this->tls,
            'auth_mechanism' => $this->authMechanism,
            'error' => $this->error,
            'elapsed_ms' => round((Sched::now() - $t0) * 1000, 1),
        ];
    }
}
