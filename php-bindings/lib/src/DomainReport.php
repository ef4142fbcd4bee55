<?php

declare(strict_types=1);

namespace SmtpDiag;

/** smtpdiag_check_domain(): what the From domain publishes, and what it means for delivery. */
final class DomainReport extends Result
{
    private const KEYS = ['mx', 'spf', 'dmarc', 'dkim', 'mta_sts', 'tls_rpt', 'ptr', 'findings'];

    /**
     * @param array<string, mixed> $mx
     * @param array<string, mixed> $spf {record, result, lookups, errors, ...}
     * @param array<string, mixed> $dmarc {record, policy, aligned, errors, ...}
     * @param list<array<array-key, mixed>> $dkim [{selector, found, key_bits, ...}]
     * @param array<string, mixed>|null $mtaSts
     * @param array<string, mixed>|null $tlsRpt
     * @param array<string, mixed>|null $ptr
     * @param list<Finding> $findings
     * @param list<string> $unavailable
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    public function __construct(
        public readonly array $mx,
        public readonly array $spf,
        public readonly array $dmarc,
        public readonly array $dkim,
        public readonly ?array $mtaSts,
        public readonly ?array $tlsRpt,
        public readonly ?array $ptr,
        array $findings,
        Engine $engine = Engine::Native,
        array $unavailable = [],
        array $extra = [],
        array $order = [],
    ) {
        parent::__construct($findings, $engine, $unavailable, $extra, $order);
    }

    /**
     * @param array<array-key, mixed> $a what smtpdiag_check_domain() returned
     * @param list<string> $unavailable
     */
    public static function fromArray(array $a, Engine $engine = Engine::Native, array $unavailable = []): self
    {
        [$engine, $unavailable] = self::meta($a, $engine, $unavailable);
        /** @var array<string, mixed> $mx */
        $mx = Shape::arr($a, 'mx');
        /** @var array<string, mixed> $spf */
        $spf = Shape::arr($a, 'spf');
        /** @var array<string, mixed> $dmarc */
        $dmarc = Shape::arr($a, 'dmarc');
        /** @var array<string, mixed>|null $sts */
        $sts = Shape::arrOrNull($a, 'mta_sts');
        /** @var array<string, mixed>|null $rpt */
        $rpt = Shape::arrOrNull($a, 'tls_rpt');
        /** @var array<string, mixed>|null $ptr */
        $ptr = Shape::arrOrNull($a, 'ptr');
        return new self($mx, $spf, $dmarc, Shape::rows($a, 'dkim'), $sts, $rpt, $ptr,
            Finding::listFromArrays(Shape::rows($a, 'findings')),
            $engine, $unavailable, self::extraOf($a, self::KEYS), self::orderOf($a));
    }

    public function domain(): string
    {
        return is_string($this->extra['domain'] ?? null) ? $this->extra['domain'] : '';
    }

    public function spfRecord(): ?string
    {
        return is_string($this->spf['record'] ?? null) ? $this->spf['record'] : null;
    }

    public function dmarcRecord(): ?string
    {
        return is_string($this->dmarc['record'] ?? null) ? $this->dmarc['record'] : null;
    }

    protected function known(): array
    {
        return [
            'mx' => $this->mx,
            'spf' => $this->spf,
            'dmarc' => $this->dmarc,
            'dkim' => $this->dkim,
            'mta_sts' => $this->mtaSts,
            'tls_rpt' => $this->tlsRpt,
            'ptr' => $this->ptr,
            'findings' => self::findingArrays($this->findings),
        ];
    }
}
