<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * smtpdiag_diagnose(): the root cause of why mail from one configuration
 * fails (null when it works), every finding, and the sections that
 * observed them.
 */
final class Diagnosis extends Result
{
    private const KEYS = ['ok', 'root_cause', 'findings', 'probe', 'certificate', 'domain', 'auth', 'send', 'environment', 'elapsed_ms'];

    /**
     * @param list<Finding> $findings the root cause first, then most severe first
     * @param array<string, mixed> $environment
     * @param list<string> $unavailable
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    public function __construct(
        public readonly bool $ok,
        public readonly ?string $rootCause,
        array $findings,
        public readonly ProbeResult $probe,
        public readonly ?CertificateCheck $certificate,
        public readonly ?DomainReport $domain,
        public readonly ?SendResult $auth,
        public readonly ?SendResult $send,
        public readonly array $environment,
        public readonly float $elapsedMs,
        Engine $engine = Engine::Native,
        array $unavailable = [],
        array $extra = [],
        array $order = [],
    ) {
        parent::__construct($findings, $engine, $unavailable, $extra, $order);
    }

    /**
     * @param array<array-key, mixed> $a what smtpdiag_diagnose() returned
     * @param list<string> $unavailable
     */
    public static function fromArray(array $a, Engine $engine = Engine::Native, array $unavailable = []): self
    {
        [$engine, $unavailable] = self::meta($a, $engine, $unavailable);
        $c = Shape::arrOrNull($a, 'certificate');
        $d = Shape::arrOrNull($a, 'domain');
        $au = Shape::arrOrNull($a, 'auth');
        $s = Shape::arrOrNull($a, 'send');
        /** @var array<string, mixed> $env */
        $env = Shape::arr($a, 'environment');
        // Sections carry the engine of the whole; what they cannot see is said once, here.
        return new self(
            Shape::bool($a, 'ok'),
            Shape::strOrNull($a, 'root_cause'),
            Finding::listFromArrays(Shape::rows($a, 'findings')),
            ProbeResult::fromArray(Shape::arr($a, 'probe'), $engine),
            $c === null ? null : CertificateCheck::fromArray($c, $engine),
            $d === null ? null : DomainReport::fromArray($d, $engine),
            $au === null ? null : SendResult::fromArray($au, $engine),
            $s === null ? null : SendResult::fromArray($s, $engine),
            $env,
            Shape::float($a, 'elapsed_ms'),
            $engine,
            $unavailable,
            self::extraOf($a, self::KEYS),
            self::orderOf($a),
        );
    }

    public function rootCauseFinding(): ?Finding
    {
        return $this->rootCause === null ? null : $this->finding($this->rootCause);
    }

    protected function known(): array
    {
        return [
            'ok' => $this->ok,
            'root_cause' => $this->rootCause,
            'findings' => self::findingArrays($this->findings),
            'probe' => $this->probe->contractArray(),
            'certificate' => $this->certificate?->contractArray(),
            'domain' => $this->domain?->contractArray(),
            'auth' => $this->auth?->contractArray(),
            'send' => $this->send?->contractArray(),
            'environment' => $this->environment,
            'elapsed_ms' => $this->elapsedMs,
        ];
    }
}
