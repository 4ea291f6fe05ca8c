#!/usr/bin/env python3
"""kill-child: SIGKILL a process's children at moments spread over their
lives, for the system tests (loaxad's loaxad-net rounds).

    kill-child.py PID --rounds N --seconds S --max-delay-ms M [--parent-too]
                  -- TRIGGER...

Each round runs TRIGGER (a command that makes PID start a child, e.g.
"loaxactl -c CONF sync"), waits up to 5 s for a child of PID to appear
(polling /proc every millisecond), sleeps a random 0..M ms and sends it
SIGKILL. With --parent-too the first child caught alive is killed
together with PID (a power cut), and that is the last round. Stops after N rounds or S seconds; prints one JSON
line: rounds started, children killed while alive, and the delays used.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time


def children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pid", type=int)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--max-delay-ms", type=int, default=60)
    ap.add_argument("--parent-too", action="store_true")
    argv = sys.argv[1:]
    trigger = []
    if "--" in argv:
        trigger = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    a = ap.parse_args(argv)
    rnd = random.Random(int(os.environ.get("KILL_SEED", str(os.getpid()))))
    end = time.monotonic() + min(a.seconds, 120)
    started = killed = 0
    delays = []
    for n in range(min(a.rounds, 500)):
        if time.monotonic() >= end:
            break
        if trigger:
            subprocess.run(trigger, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=30)
        wait_end = time.monotonic() + 5
        kids = []
        while not kids and time.monotonic() < wait_end:
            kids = children(a.pid)
            if not kids:
                time.sleep(0.001)
        if not kids:
            continue
        started += 1
        delay = rnd.randint(0, max(a.max_delay_ms, 0))
        time.sleep(delay / 1000)
        caught = 0
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
                caught += 1
                delays.append(delay)
            except ProcessLookupError:
                pass
        killed += caught
        if a.parent_too and caught:
            try:
                os.kill(a.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break
        # let the daemon see the end of the round before the next one
        time.sleep(0.02)
    print(json.dumps({"started": started, "killed": killed,
                      "delays_ms": sorted(set(delays))}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
