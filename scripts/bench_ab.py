#!/usr/bin/env python3
"""Paired A/B runs of commands: each round runs every command once, in an order reversed
every other round, and the report gives each command's median CPU (user + system of the
child), median wall time and peak RSS, with the median and range of its per-round ratios
to the first command. Ratios taken within a round hold better on a shared machine than
raw times.

Usage: bench_ab.py ROUNDS 'LABEL=[VAR=VALUE ...] COMMAND ARGS...' ...

  scripts/bench_ab.py 12 "main=/tmp/crescu-main build --root /tmp/a --output /tmp/oa" \\
      "new=target/release/crescu build --root /tmp/b --output /tmp/ob"
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def parse(spec):
    label, rest = spec.split("=", 1)
    words, env = shlex.split(rest), dict(os.environ)
    while words and "=" in words[0] and not words[0].startswith("/"):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return label, words, env


def run(command, env):
    """(CPU seconds, wall seconds, peak RSS in MiB) of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def main():
    rounds, commands = int(sys.argv[1]), [parse(s) for s in sys.argv[2:]]
    runs = {label: [] for label, _, _ in commands}
    for r in range(rounds):
        for label, command, env in commands if r % 2 == 0 else commands[::-1]:
            runs[label].append(run(command, env))
    base = commands[0][0]
    print(f"load average {' '.join(open('/proc/loadavg').read().split()[:3])} after")
    for label, _, _ in commands:
        cpu, wall, rss = zip(*runs[label])
        cpu_ratio = [a[0] / b[0] for a, b in zip(runs[label], runs[base])]
        wall_ratio = [a[1] / b[1] for a, b in zip(runs[label], runs[base])]
        print(
            f"{label:>14}: cpu {statistics.median(cpu) * 1000:7.0f} ms  "
            f"wall {statistics.median(wall) * 1000:7.0f} ms  rss {max(rss):6.0f} MB  "
            f"cpu/{base} {statistics.median(cpu_ratio):.3f} "
            f"({min(cpu_ratio):.2f}-{max(cpu_ratio):.2f})  "
            f"wall/{base} {statistics.median(wall_ratio):.3f}"
        )


if __name__ == "__main__":
    main()
