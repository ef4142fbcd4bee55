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
        if (\Fiber::getCurrent() !== null) {
            return (bool) \Fiber::suspend([$stream, $dir, $deadline]);
        }
        $left = $deadline - self::now();
        if ($left <= 0) {
            return false;
        }
        $r = $dir === 'r' ? [$stream] : [];
        $w = $dir === 'w' ? [$stream] : [];
        $e = null;
        $n = @stream_select($r, $w, $e, (int) $left, (int) (($left - (int) $left) * 1e6));
        return is_int($n) && $n > 0;
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
        /** @var array<int, array{\Fiber<mixed, mixed, mixed, mixed>, resource, string, float}> $waiting */
        $waiting = [];
        foreach ($tasks as $i => $task) {
            $f = new \Fiber($task);
            $req = $f->start();
            if (!$f->isTerminated() && is_array($req)) {
                $waiting[$i] = [$f, $req[0], $req[1], min((float) $req[2], $deadline + 0.05)];
            }
        }
        while ($waiting !== []) {
            $r = $w = [];
            $next = INF;
            foreach ($waiting as $i => [, $s, $dir, $dl]) {
                if ($dir === 'r') {
                    $r[$i] = $s;
                } else {
                    $w[$i] = $s;
                }
                $next = min($next, $dl);
            }
            $left = max(0.0, $next - self::now());
            $e = null;
            $ready = [];
            if ($r !== [] || $w !== []) {
                $n = @stream_select($r, $w, $e, (int) $left, (int) (($left - (int) $left) * 1e6));
                if (is_int($n) && $n > 0) {
                    $ready = array_keys($r + $w);
                }
            }
            $now = self::now();
            foreach ($waiting as $i => [$f, , , $dl]) {
                $isReady = in_array($i, $ready, true);
                if (!$isReady && $now < $dl) {
                    continue;
                }
                unset($waiting[$i]);
                $req = $f->resume($isReady);
                if (!$f->isTerminated() && is_array($req)) {
                    $waiting[$i] = [$f, $req[0], $req[1], min((float) $req[2], $deadline + 0.05)];
                }
            }
        }
    }
}
