<?php

declare(strict_types=1);

namespace SmtpDiag;

/**
 * What every top-level result shares: the engine that answered, what that
 * engine could not see, its findings, and keys the library does not model
 * (carried through toArray() untouched, in the source's order).
 */
abstract class Result
{
    /**
     * @param list<Finding> $findings
     * @param list<string> $unavailable
     * @param array<string, mixed> $extra
     * @param list<string> $order
     */
    protected function __construct(
        public readonly array $findings,
        public readonly Engine $engine,
        public readonly array $unavailable,
        public readonly array $extra,
        private readonly array $order,
    ) {
    }

    /**
     * The contract keys of this result, in contract order.
     *
     * @return array<string, mixed>
     */
    abstract protected function known(): array;

    /**
     * The array the extension returns for this call (engine and
     * unavailable left out).
     *
     * @return array<string, mixed>
     */
    public function contractArray(): array
    {
        return Shape::ordered($this->known(), $this->extra, $this->order);
    }

    /**
     * The contract shape plus `engine` ('native'|'php') and `unavailable`.
     *
     * @return array<string, mixed>
     */
    public function toArray(): array
    {
        return $this->contractArray() + ['engine' => $this->engine->value, 'unavailable' => $this->unavailable];
    }

    /** False when the engine that answered cannot observe $what (see `unavailable`). */
    public function canSee(string $what): bool
    {
        return !in_array($what, $this->unavailable, true);
    }

    /** @return list<string> */
    public function codes(): array
    {
        return array_map(static fn (Finding $f): string => $f->code, $this->findings);
    }

    public function finding(string $code): ?Finding
    {
        foreach ($this->findings as $f) {
            if ($f->code === $code) {
                return $f;
            }
        }
        return null;
    }

    /**
     * Engine and unavailable from an array that carries them (a toArray()
     * given back), else the ones given.
     *
     * @param array<array-key, mixed> $a
     * @param list<string> $unavailable
     * @return array{Engine, list<string>}
     */
    protected static function meta(array $a, Engine $engine, array $unavailable): array
    {
        if (is_string($a['engine'] ?? null)) {
            $engine = Engine::tryFrom($a['engine']) ?? $engine;
        }
        if (is_array($a['unavailable'] ?? null)) {
            $unavailable = Shape::strings($a, 'unavailable');
        }
        return [$engine, $unavailable];
    }

    /**
     * @param array<array-key, mixed> $a
     * @param list<string> $known
     * @return array<string, mixed>
     */
    protected static function extraOf(array $a, array $known): array
    {
        return Shape::extra($a, [...$known, 'engine', 'unavailable']);
    }

    /**
     * @param array<array-key, mixed> $a
     * @return list<string>
     */
    protected static function orderOf(array $a): array
    {
        return array_values(array_diff(Shape::keys($a), ['engine', 'unavailable']));
    }

    /**
     * @param list<Finding> $findings
     * @return list<array<string, mixed>>
     */
    protected static function findingArrays(array $findings): array
    {
        return array_map(static fn (Finding $f): array => $f->toArray(), $findings);
    }
}
