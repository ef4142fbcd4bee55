<?php

declare(strict_types=1);

namespace SmtpDiag;

/** One X.509 certificate as the server presented it. */
final class Certificate
{
    private const KEYS = ['subject', 'issuer', 'san', 'not_before', 'not_after', 'days_left', 'serial',
        'fingerprint_sha256', 'key', 'signature_algorithm'];

    /**
     * @param list<string> $san
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    public function __construct(
        public readonly string $subject,
        public readonly string $issuer,
        public readonly array $san,
        public readonly string $notBefore,
        public readonly string $notAfter,
        public readonly int $daysLeft,
        public readonly string $serial,
        public readonly string $fingerprintSha256,
        public readonly string $keyType,
        public readonly int $keyBits,
        public readonly string $signatureAlgorithm,
        public readonly array $extra = [],
        private readonly array $order = [],
    ) {
    }

    /**
     * @param array<array-key, mixed> $a
     */
    public static function fromArray(array $a): self
    {
        $key = Shape::arr($a, 'key');
        return new self(
            Shape::str($a, 'subject'),
            Shape::str($a, 'issuer'),
            Shape::strings($a, 'san'),
            Shape::str($a, 'not_before'),
            Shape::str($a, 'not_after'),
            Shape::int($a, 'days_left'),
            Shape::str($a, 'serial'),
            Shape::str($a, 'fingerprint_sha256'),
            Shape::str($key, 'type'),
            Shape::int($key, 'bits'),
            Shape::str($a, 'signature_algorithm'),
            Shape::extra($a, self::KEYS),
            Shape::keys($a),
        );
    }

    public function isExpired(): bool
    {
        return $this->daysLeft < 0;
    }

    /**
     * @return array{subject: string, issuer: string, san: list<string>, not_before: string, not_after: string, days_left: int, serial: string, fingerprint_sha256: string, key: array{type: string, bits: int}, signature_algorithm: string}
     */
    public function toArray(): array
    {
        /** @var array{subject: string, issuer: string, san: list<string>, not_before: string, not_after: string, days_left: int, serial: string, fingerprint_sha256: string, key: array{type: string, bits: int}, signature_algorithm: string} */
        return Shape::ordered([
            'subject' => $this->subject,
            'issuer' => $this->issuer,
            'san' => $this->san,
            'not_before' => $this->notBefore,
            'not_after' => $this->notAfter,
            'days_left' => $this->daysLeft,
            'serial' => $this->serial,
            'fingerprint_sha256' => $this->fingerprintSha256,
            'key' => ['type' => $this->keyType, 'bits' => $this->keyBits],
            'signature_algorithm' => $this->signatureAlgorithm,
        ], $this->extra, $this->order);
    }
}
