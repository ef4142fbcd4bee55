<?php

declare(strict_types=1);

namespace SmtpDiag;

/** smtpdiag_probe(): every SMTP port of a host on every address. */
final class ProbeResult extends Result
{
    private const KEYS = ['host', 'addresses', 'dns', 'ports', 'findings', 'elapsed_ms'];

    /**
     * @param list<array{address: string, family: string}> $addresses
     * @param array<string, mixed> $dns {status, error, ms, ...}
     * @param list<PortResult> $ports
     * @param list<Finding> $findings
     * @param list<string> $unavailable
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    public function __construct(
        public readonly string $host,
        public readonly array $addresses,
        public readonly array $dns,
        public readonly array $ports,
        array $findings,
        public readonly float $elapsedMs,
        Engine $engine = Engine::Native,
        array $unavailable = [],
        array $extra = [],
        array $order = [],
    ) {
        parent::__construct($findings, $engine, $unavailable, $extra, $order);
    }

    /**
     * @param array<array-key, mixed> $a what smtpdiag_probe() returned
     * @param list<string> $unavailable
     */
    public static function fromArray(array $a, Engine $engine = Engine::Native, array $unavailable = []): self
    {
        [$engine, $unavailable] = self::meta($a, $engine, $unavailable);
        $addresses = [];
        foreach (Shape::rows($a, 'addresses') as $row) {
            $addresses[] = ['address' => Shape::str($row, 'address'), 'family' => Shape::str($row, 'family')];
        }
        /** @var array<string, mixed> $dns */
        $dns = Shape::arr($a, 'dns');
        return new self(
            Shape::str($a, 'host'),
            $addresses,
            $dns,
            array_map(static fn (array $p): PortResult => PortResult::fromArray($p), Shape::rows($a, 'ports')),
            Finding::listFromArrays(Shape::rows($a, 'findings')),
            Shape::float($a, 'elapsed_ms'),
            $engine,
            $unavailable,
            self::extraOf($a, self::KEYS),
            self::orderOf($a),
        );
    }

    /** @return list<PortResult> */
    public function openPorts(): array
    {
        return array_values(array_filter($this->ports, static fn (PortResult $p): bool => $p->isOpen()));
    }

    /** @return list<PortResult> the results of one port, on every address */
    public function port(int $port): array
    {
        return array_values(array_filter($this->ports, static fn (PortResult $p): bool => $p->port === $port));
    }

    protected function known(): array
    {
        return [
            'host' => $this->host,
            'addresses' => $this->addresses,
            'dns' => $this->dns,
            'ports' => array_map(static fn (PortResult $p): array => $p->toArray(), $this->ports),
            'findings' => self::findingArrays($this->findings),
            'elapsed_ms' => $this->elapsedMs,
        ];
    }
}
