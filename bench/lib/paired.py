#!/usr/bin/python3
"""Paired, interleaved runs of two commands, for differences smaller than
the noise of a shared machine (comparison 4: `php -r ''` with and without
the extension). Runs A and B alternately (ABBA order, so neither always
goes first), each pair close in time, and reports every run's wall time and
the child's own user + system CPU (wait4), so that ratios can be taken pair
by pair and their median is insensitive to background load that drifts
slower than a pair.

    paired.py PAIRS WARMUP NAME_A NAME_B -- CMD_A... -- CMD_B...

Prints one JSON object: names, wall_a/wall_b/cpu_a/cpu_b (seconds per run).
"""
import json
import os
import subprocess
import sys
import time


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"paired.py: {' '.join(cmd)} exited with {p.returncode}")
    return wall, ru.ru_utime + ru.ru_stime


def main():
    args = sys.argv[1:]
    pairs, warmup, name_a, name_b = int(args[0]), int(args[1]), args[2], args[3]
    rest = args[4:]
    if not rest or rest[0] != "--" or "--" not in rest[1:]:
        sys.exit(__doc__)
    i = rest.index("--", 1)
    cmd_a, cmd_b = rest[1:i], rest[i + 1:]
    for _ in range(warmup):
        run(cmd_a)
        run(cmd_b)
    out = {"name_a": name_a, "name_b": name_b, "wall_a": [], "wall_b": [], "cpu_a": [], "cpu_b": []}
    for k in range(pairs):
        order = (("a", cmd_a), ("b", cmd_b)) if k % 2 == 0 else (("b", cmd_b), ("a", cmd_a))
        for which, cmd in order:
            wall, cpu = run(cmd)
            out["wall_" + which].append(wall)
            out["cpu_" + which].append(cpu)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
