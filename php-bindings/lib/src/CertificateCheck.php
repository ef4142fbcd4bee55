<?php

declare(strict_types=1);

namespace SmtpDiag;

/** smtpdiag_check_certificate(): the server's certificate, judged. */
final class CertificateCheck extends Result
{
    private const KEYS = ['ok', 'errors', 'protocol', 'cipher', 'certificate', 'chain', 'findings'];

    /**
     * @param list<string> $errors finding codes without the cert_ prefix
     * @param list<Certificate> $chain
     * @param list<Finding> $findings
     * @param list<string> $unavailable
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    public function __construct(
        public readonly bool $ok,
        public readonly array $errors,
        public readonly ?string $protocol,
        public readonly ?string $cipher,
        public readonly ?Certificate $certificate,
        public readonly array $chain,
        array $findings,
        Engine $engine = Engine::Native,
        array $unavailable = [],
        array $extra = [],
        array $order = [],
    ) {
        parent::__construct($findings, $engine, $unavailable, $extra, $order);
    }

    /**
     * @param array<array-key, mixed> $a what smtpdiag_check_certificate() returned
     * @param list<string> $unavailable
     */
    public static function fromArray(array $a, Engine $engine = Engine::Native, array $unavailable = []): self
    {
        [$engine, $unavailable] = self::meta($a, $engine, $unavailable);
        $leaf = Shape::arrOrNull($a, 'certificate');
        return new self(
            Shape::bool($a, 'ok'),
            Shape::strings($a, 'errors'),
            Shape::strOrNull($a, 'protocol'),
            Shape::strOrNull($a, 'cipher'),
            $leaf === null ? null : Certificate::fromArray($leaf),
            array_map(static fn (array $c): Certificate => Certificate::fromArray($c), Shape::rows($a, 'chain')),
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
            'errors' => $this->errors,
            'protocol' => $this->protocol,
            'cipher' => $this->cipher,
            'certificate' => $this->certificate?->toArray(),
            'chain' => array_map(static fn (Certificate $c): array => $c->toArray(), $this->chain),
            'findings' => self::findingArrays($this->findings),
        ];
    }
}
