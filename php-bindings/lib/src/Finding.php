<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * One finding: what was observed (`detail`) and what to do (`fix`), under
 * a stable code (README's finding table).
 */
final class Finding
{
    public const SEVERITIES = ['critical', 'warning', 'info', 'ok'];

    /**
     * @param array<string, scalar> $evidence
     * @param list<string> $order
     */
    public function __construct(
        public readonly string $code,
        public readonly string $severity,
        public readonly string $title,
        public readonly string $detail,
        public readonly string $fix,
        public readonly array $evidence = [],
        private readonly array $order = [],
    ) {
    }

    /**
     * @param array<array-key, mixed> $a
     */
    public static function fromArray(array $a): self
    {
        $evidence = [];
        foreach (Shape::arr($a, 'evidence') as $k => $v) {
            if (is_scalar($v)) {
                $evidence[(string) $k] = $v;
            }
        }
        return new self(
            Shape::str($a, 'code'),
            Shape::str($a, 'severity', 'info'),
            Shape::str($a, 'title'),
            Shape::str($a, 'detail'),
            Shape::str($a, 'fix'),
            $evidence,
            Shape::keys($a),
        );
    }

    /**
     * @param list<array<array-key, mixed>> $rows
     * @return list<Finding>
     */
    public static function listFromArrays(array $rows): array
    {
        return array_map(static fn (array $r): self => self::fromArray($r), $rows);
    }

    public function isProblem(): bool
    {
        return $this->severity === 'critical' || $this->severity === 'warning';
    }

    /**
     * @return array{code: string, severity: string, title: string, detail: string, fix: string, evidence: array<string, scalar>}
     */
    public function toArray(): array
    {
        /** @var array{code: string, severity: string, title: string, detail: string, fix: string, evidence: array<string, scalar>} */
        return Shape::ordered([
            'code' => $this->code,
            'severity' => $this->severity,
            'title' => $this->title,
            'detail' => $this->detail,
            'fix' => $this->fix,
            'evidence' => $this->evidence,
        ], [], $this->order);
    }
}
