<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * When a silent port may be called dropped before its connect timeout: the
 * PHP mode's copy of ext/net/reach_board.h, one per call (Net::$reach).
 * Once the same address answered another port (a connect or a reset) after
 * r ms, a silent connect is given up after max(2 s, 1 s + 10 r); when only
 * another address of the same name answered, after max(3 s, 1 s + 20 r);
 * when nothing of the host answered, never early. The extension also reads
 * the socket's TCP_INFO to see the SYN was sent twice; PHP cannot, and
 * leans on the kernel's first retransmission coming after 1 s.
 *
 * @internal
 */
final class Reach
{
    public const MINIMUM = 2.0;

    /** @var array<string, float> address => fastest answer, ms */
    private array $fastest = [];
    /** @var array<string, array<string, true>> name => addresses */
    private array $names = [];
    /** @var array<string, true> "address port" given up early */
    private array $early = [];

    public static function patienceFor(?float $sameAddressMs, ?float $sameNameMs): ?float
    {
        if ($sameAddressMs !== null) {
            return max(self::MINIMUM, 1.0 + 10 * $sameAddressMs / 1000);
        }
        if ($sameNameMs !== null) {
            return max(3.0, 1.0 + 20 * $sameNameMs / 1000);
        }
        return null;
    }

    public function add(string $name, string $address): void
    {
        $this->names[$name][$address] = true;
    }

    public function answered(string $address, float $ms): void
    {
        $this->fastest[$address] = min($ms, $this->fastest[$address] ?? INF);
    }

    public function answerMs(string $address): ?float
    {
        return $this->fastest[$address] ?? null;
    }

    /** Seconds a silent connect to $address must wait; null: the whole timeout. */
    public function patience(string $address): ?float
    {
        $sibling = null;
        foreach ($this->names as $addresses) {
            if (!isset($addresses[$address])) {
                continue;
            }
            foreach (array_keys($addresses) as $other) {
                $ms = $other === $address ? null : ($this->fastest[$other] ?? null);
                if ($ms !== null) {
                    $sibling = $sibling === null ? $ms : min($sibling, $ms);
                }
            }
        }
        return self::patienceFor($this->answerMs($address), $sibling);
    }

    public function markEarly(string $address, int $port): void
    {
        $this->early["$address $port"] = true;
    }

    public function wasEarly(string $address, int $port): bool
    {
        return isset($this->early["$address $port"]);
    }
}
