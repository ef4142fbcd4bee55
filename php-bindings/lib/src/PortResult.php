<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * One SMTP port on one address: how the connect ended, and what the SMTP
 * and TLS conversation showed when it connected.
 *
 * @phpstan-type Icmp array{type: int, code: int, from: string|null}
 * @phpstan-type BlockedAt array{hop: int, address: string|null, local: bool}
 */
final class PortResult
{
    public const STATES = ['open', 'refused', 'filtered', 'blocked_local', 'blocked_upstream', 'unreachable', 'error'];
    private const KEYS = ['port', 'address', 'family', 'state', 'errno', 'icmp', 'blocked_at', 'connect_ms', 'smtp', 'tls'];

    /**
     * @param array<string, mixed>|null $icmp {type, code, from}
     * @param array<string, mixed>|null $blockedAt {hop, address, local}
     * @param array<string, mixed>|null $smtp {banner_code, banner, banner_ms, extensions, starttls, auth, size, ...}
     * @param array<string, mixed>|null $tls {mode, ok, protocol, cipher, handshake_ms, error, certificate, ...}
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    public function __construct(
        public readonly int $port,
        public readonly string $address,
        public readonly string $family,
        public readonly string $state,
        public readonly ?string $errno,
        public readonly ?array $icmp,
        public readonly ?array $blockedAt,
        public readonly float $connectMs,
        public readonly ?array $smtp,
        public readonly ?array $tls,
        public readonly array $extra = [],
        private readonly array $order = [],
    ) {
    }

    /**
     * @param array<array-key, mixed> $a
     */
    public static function fromArray(array $a): self
    {
        /** @var array<string, mixed>|null $icmp */
        $icmp = Shape::arrOrNull($a, 'icmp');
        /** @var array<string, mixed>|null $blocked */
        $blocked = Shape::arrOrNull($a, 'blocked_at');
        /** @var array<string, mixed>|null $smtp */
        $smtp = Shape::arrOrNull($a, 'smtp');
        /** @var array<string, mixed>|null $tls */
        $tls = Shape::arrOrNull($a, 'tls');
        return new self(
            Shape::int($a, 'port'),
            Shape::str($a, 'address'),
            Shape::str($a, 'family'),
            Shape::str($a, 'state', 'error'),
            Shape::strOrNull($a, 'errno'),
            $icmp,
            $blocked,
            Shape::float($a, 'connect_ms'),
            $smtp,
            $tls,
            Shape::extra($a, self::KEYS),
            Shape::keys($a),
        );
    }

    public function isOpen(): bool
    {
        return $this->state === 'open';
    }

    public function bannerCode(): ?int
    {
        $c = $this->smtp['banner_code'] ?? null;
        return is_int($c) ? $c : null;
    }

    public function tlsOk(): ?bool
    {
        return $this->tls === null ? null : ($this->tls['ok'] ?? false) === true;
    }

    /** The leaf certificate the TLS handshake showed, if there was one. */
    public function certificate(): ?Certificate
    {
        $c = $this->tls['certificate'] ?? null;
        return is_array($c) ? Certificate::fromArray($c) : null;
    }

    /**
     * @return array<string, mixed>
     */
    public function toArray(): array
    {
        return Shape::ordered([
            'port' => $this->port,
            'address' => $this->address,
            'family' => $this->family,
            'state' => $this->state,
            'errno' => $this->errno,
            'icmp' => $this->icmp,
            'blocked_at' => $this->blockedAt,
            'connect_ms' => $this->connectMs,
            'smtp' => $this->smtp,
            'tls' => $this->tls,
        ], $this->extra, $this->order);
    }
}
