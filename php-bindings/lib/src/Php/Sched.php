<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * A tiny scheduler: each task is a Fiber that suspends while it waits for
 * one stream to become readable or writable; one stream_select() serves
 * them all. Outside a fiber, wait() simply blocks on its stream.
 *
 * @internal
 */
final class Sched
{
    /**
     * Waits until $stream is readable ('r') or writable ('w'), or $deadline
     * (hrtime seconds) passes. True when ready.
     *
     * @param resource $stream
     */
    public static function wait($stream, string $dir, float $deadline): bool
    {
        return self::waitAny([$stream], $dir, $deadline) !== null;
    }

    /**
     * Waits until one of $streams is ready, or $deadline passes: the key
     * of a ready stream, null when none became ready in time.
     *
     * @param array<array-key, resource> $streams
     */
    public static function waitAny(array $streams, string $dir, float $deadline): int|string|null
    {
        if (\Fiber::getCurrent() !== null) {
            $key = \Fiber::suspend([$streams, $dir, $deadline]);
            return is_int($key) || is_string($key) ? $key : null;
        }
        $left = $deadline - self::now();
        if ($left <= 0) {
            return null;
        }
        $r = $dir === 'r' ? $streams : [];
        $w = $dir === 'w' ? $streams : [];
        $e = null;
        $n = @stream_select($r, $w, $e, (int) $left, (int) (($left - (int) $left) * 1e6));
        return is_int($n) && $n > 0 ? array_key_first($r + $w) : null;
    }

    public static function now(): float
    {
        return hrtime(true) / 1e9;
    }

    /** Sleeps inside a task without blocking the others (used for short pauses). */
    public static function pause(float $seconds): void
    {
        $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        if ($pair === false) {
            usleep((int) ($seconds * 1e6));
            return;
        }
        self::wait($pair[0], 'r', self::now() + $seconds);
        fclose($pair[0]);
        fclose($pair[1]);
    }

    /**
     * Runs every task to its end; at $deadline the waits still pending
     * are answered "not ready" so each task winds up by itself.
     *
     * @param list<callable(): void> $tasks
     */
    public static function run(array $tasks, float $deadline): void
    {
        /** @var array<int, array{\Fiber<mixed, mixed, mixed, mixed>, array<array-key, resource>, string, float}> $waiting */
        $waiting = [];
        foreach ($tasks as $i => $task) {
            $f = new \Fiber($task);
            $req = $f->start();
            if (!$f->isTerminated() && is_array($req)) {
                $waiting[$i] = [$f, $req[0], $req[1], min((float) $req[2], $deadline + 0.05)];
            }
        }
        while ($waiting !== []) {
            // One select over every stream of every waiting task; $owner
            // maps a select slot back to its task and that task's key.
            $r = $w = $owner = [];
            $next = INF;
            foreach ($waiting as $i => [, $streams, $dir, $dl]) {
                foreach ($streams as $key => $stream) {
                    $owner[] = [$i, $key];
                    if ($dir === 'r') {
                        $r[count($owner) - 1] = $stream;
                    } else {
                        $w[count($owner) - 1] = $stream;
                    }
                }
                $next = min($next, $dl);
            }
            $left = max(0.0, $next - self::now());
            $e = null;
            $ready = [];
            if ($r !== [] || $w !== []) {
                $n = @stream_select($r, $w, $e, (int) $left, (int) (($left - (int) $left) * 1e6));
                if (is_int($n) && $n > 0) {
                    foreach (array_keys($r + $w) as $slot) {
                        [$i, $key] = $owner[$slot];
                        $ready[$i] ??= $key;
                    }
                }
            } elseif ($left > 0) {
                usleep((int) ($left * 1e6));
            }
            $now = self::now();
            foreach ($waiting as $i => [$f, , , $dl]) {
                if (!array_key_exists($i, $ready) && $now < $dl) {
                    continue;
                }
                unset($waiting[$i]);
                $req = $f->resume($ready[$i] ?? null);
                if (!$f->isTerminated() && is_array($req)) {
                    $waiting[$i] = [$f, $req[0], $req[1], min((float) $req[2], $deadline + 0.05)];
                }
            }
        }
    }
}
