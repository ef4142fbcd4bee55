<?php

declare(strict_types=1);

namespace SmtpDiag;

/** smtpdiag_send_test(): one SMTP session, every stage, credentials redacted. */
final class SendResult extends Result
{
    public const STAGES = ['dns', 'connect', 'banner', 'ehlo', 'starttls', 'auth', 'mail_from', 'rcpt_to', 'data', 'quit', 'done'];
    private const KEYS = ['ok', 'stage', 'reply', 'transcript', 'timings', 'message_id', 'findings'];

    /**
     * @param array{code: int, enhanced: string|null, text: string}|null $reply
     * @param list<array{dir: string, text: string, t_ms: float}> $transcript
     * @param array<string, float> $timings
     * @param list<Finding> $findings
     * @param list<string> $unavailable
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    public function __construct(
        public readonly bool $ok,
        public readonly string $stage,
        public readonly ?array $reply,
        public readonly array $transcript,
        public readonly array $timings,
        public readonly ?string $messageId,
        array $findings,
        Engine $engine = Engine::Native,
        array $unavailable = [],
        array $extra = [],
        array $order = [],
    ) {
        parent::__construct($findings, $engine, $unavailable, $extra, $order);
    }

    /**
     * @param array<array-key, mixed> $a what smtpdiag_send_test() returned
     * @param list<string> $unavailable
     */
    public static function fromArray(array $a, Engine $engine = Engine::Native, array $unavailable = []): self
    {
        [$engine, $unavailable] = self::meta($a, $engine, $unavailable);
        $r = Shape::arrOrNull($a, 'reply');
        $reply = $r === null ? null
            : ['code' => Shape::int($r, 'code'), 'enhanced' => Shape::strOrNull($r, 'enhanced'), 'text' => Shape::str($r, 'text')];
        $transcript = [];
        foreach (Shape::rows($a, 'transcript') as $line) {
            $transcript[] = ['dir' => Shape::str($line, 'dir'), 'text' => Shape::str($line, 'text'), 't_ms' => Shape::float($line, 't_ms')];
        }
        $timings = [];
        foreach (Shape::arr($a, 'timings') as $k => $v) {
            if (is_int($v) || is_float($v)) {
                $timings[(string) $k] = (float) $v;
            }
        }
        return new self(
            Shape::bool($a, 'ok'),
            Shape::str($a, 'stage'),
            $reply,
            $transcript,
            $timings,
            Shape::strOrNull($a, 'message_id'),
            Finding::listFromArrays(Shape::rows($a, 'findings')),
            $engine,
            $unavailable,
            self::extraOf($a, self::KEYS),
            self::orderOf($a),
        );
    }

    protected function known(): array
    {
        return [
            'ok' => $this->ok,
            'stage' => $this->stage,
            'reply' => $this->reply,
            'transcript' => $this->transcript,
            'timings' => $this->timings,
            'message_id' => $this->messageId,
            'findings' => self::findingArrays($this->findings),
        ];
    }
}
