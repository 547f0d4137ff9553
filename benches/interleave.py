#!/usr/bin/env python3
"""Interleaved whole-process timing.

    python3 benches/interleave.py SPEC.json [ROUNDS]

SPEC.json: {"commands": [{"name": "...", "argv": ["/abs/path", ...], "env": {...},
"expect_exit": 0}, ...]}. The first command is the floor (a no-op process) the others are
compared with. Each command runs with exactly `env` as its environment (none if absent), so
the machine's variables play no part.

Each round runs every command once, in a new shuffled order, so a drift in the machine's speed
(another build starting, frequency scaling) touches every command alike. Commands are started
with posix_spawn (no shell), their output sent to /dev/null. Prints, per command, the median
and quartiles of the wall time in milliseconds, its exit code, and how far its median is above
the floor's. Exits 1 when a command's exit code is not its `expect_exit`. (Peak memory is not
measured here: a child spawned from Python inherits Python's resident size as its peak until
exec; benches/process.sh asks GNU time.)"""
import json
import os
import random
import statistics
import sys
import time

WARMUP = 3


def run(argv, env):
    quiet = [
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=quiet)
    _, status = os.waitpid(pid, 0)
    elapsed_ms = (time.perf_counter_ns() - start) / 1e6
    return elapsed_ms, os.waitstatus_to_exitcode(status)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        commands = json.load(f)["commands"]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    for c in commands:
        c.setdefault("env", {})
        for _ in range(WARMUP):
            _, c["exit"] = run(c["argv"], c["env"])
        c["times"] = []
    for _ in range(rounds):
        order = list(commands)
        random.shuffle(order)
        for c in order:
            c["times"].append(run(c["argv"], c["env"])[0])
    floor = commands[0]
    floor_median = statistics.median(floor["times"])
    width = max(len(c["name"]) for c in commands)
    unexpected = 0
    for c in commands:
        p25, median, p75 = statistics.quantiles(c["times"], n=4, method="inclusive")
        line = (
            f"  {c['name']:<{width}}  median {median:7.2f} ms  (p25 {p25:.2f}, p75 {p75:.2f})"
            f"  exit {c['exit']}"
        )
        if c is not floor:
            line += f"  {median - floor_median:+.2f} ms over {floor['name']}"
        if "expect_exit" in c and c["exit"] != c["expect_exit"]:
            line += f"  UNEXPECTED: expected exit {c['expect_exit']}"
            unexpected += 1
        print(line, flush=True)
    sys.exit(1 if unexpected else 0)


main()
