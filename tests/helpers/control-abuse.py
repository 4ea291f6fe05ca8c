#!/usr/bin/env python3
"""control-abuse: a hostile local client of loaxad's control socket, for
the system tests and benchmarks. Every mode is bounded in count and time
and prints one JSON line of what it saw.

    control-abuse.py SOCKET halfopen --count N --seconds S
        keep N connections open that say nothing, for S seconds; one the
        daemon closes is opened again
    control-abuse.py SOCKET garbage --seconds S [--conc C]
        C at a time: random bytes (some with a newline, some not, some
        half a request), then read what comes back
    control-abuse.py SOCKET bigline --mb M
        one line of M MiB with no newline, as fast as the daemon takes it
    control-abuse.py SOCKET slow --count N --seconds S
        N connections that each send a request one byte every 0.2 s and
        never finish it
    control-abuse.py SOCKET flood --count N [--rounds R]
        N connections at once, each asking {"cmd":"status"}, R times
    control-abuse.py SOCKET status --count N [--interval S]
        a polite client, as loaxactl: N status requests one after another,
        each timed
"""

import argparse
import json
import os
import random
import selectors
import socket
import sys
import time


def connect(path, patience=0.0):
    """A non-blocking connection, or None when the daemon's backlog stayed
    full for patience seconds (a UNIX socket says EAGAIN rather than
    waiting, so a determined client tries again at once)."""
    end = time.monotonic() + patience
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            return s
        except (BlockingIOError, InterruptedError):
            s.close()
        except OSError:
            s.close()
            return None
        if time.monotonic() >= end:
            return None
        time.sleep(0.001)


def recv_or_eof(s, n):
    """Up to n bytes from s; b"" at its end or when the daemon reset it."""
    try:
        return s.recv(n)
    except OSError:
        return b""


def halfopen(path, count, seconds):
    sel = selectors.DefaultSelector()
    end = time.monotonic() + seconds
    opened = closed_by_daemon = backlog_full = 0
    max_open = 0
    live = set()
    while time.monotonic() < end:
        while len(live) < count:
            s = connect(path, 0.05)
            if s is None:
                backlog_full += 1
                break
            opened += 1
            live.add(s)
            sel.register(s, selectors.EVENT_READ)
        max_open = max(max_open, len(live))
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            data = recv_or_eof(s, 4096)
            if not data:
                closed_by_daemon += 1
                sel.unregister(s)
                s.close()
                live.discard(s)
        if len(live) >= count:
            time.sleep(0.02)
    for s in live:
        s.close()
    print(json.dumps({"mode": "halfopen", "opened": opened, "closed_by_daemon": closed_by_daemon,
                      "backlog_full": backlog_full, "max_open": max_open}))


def slow(path, count, seconds):
    end = time.monotonic() + seconds
    socks = [s for s in (connect(path, 5) for _ in range(count)) if s]
    text = b'{"cmd":"status","arg":"' + b"x" * 100000
    sent = 0
    cut_off = 0
    while socks and time.monotonic() < end:
        for s in list(socks):
            try:
                s.send(text[sent:sent + 1])
            except OSError:
                cut_off += 1
                socks.remove(s)
                s.close()
        sent += 1
        time.sleep(0.2)
    for s in socks:
        s.close()
    print(json.dumps({"mode": "slow", "connected": count, "bytes_each": sent, "cut_off": cut_off}))


def read_answer(s, timeout):
    """Everything until EOF or timeout (blocking reads)."""
    s.setblocking(True)
    s.settimeout(timeout)
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except OSError:
        pass
    return got


def garbage(path, seconds, conc):
    rnd = random.Random(int(os.environ.get("ABUSE_SEED", "90")))
    end = time.monotonic() + seconds
    sent = answered = refused = 0
    kinds = [
        lambda: bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 4096))),
        lambda: bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 512))) + b"\n",
        lambda: b'{"cmd":"sta',
        lambda: b'{"cmd":"status"',
        lambda: b"\x00" * 100 + b"\n",
        lambda: b'{"cmd":' + b"[" * 5000 + b"\n",
        lambda: b'{"cmd":"nope","arg":"' + b"\xff\xfe" * 100 + b'"}\n',
        lambda: b'["status"]\n',
        lambda: b'{"cmd":"status","arg":' + b"1" * 3000 + b"}\n",
        lambda: b"\n",
    ]
    while time.monotonic() < end:
        socks = []
        for _ in range(conc):
            s = connect(path, 0.5)
            if s is None:
                refused += 1
                continue
            payload = rnd.choice(kinds)()
            try:
                s.setblocking(True)
                s.settimeout(2)
                s.sendall(payload)
                if rnd.random() < 0.5:
                    s.shutdown(socket.SHUT_WR)
                sent += 1
            except OSError:
                pass
            socks.append(s)
        for s in socks:
            if read_answer(s, 5).endswith(b"\n"):
                answered += 1
            s.close()
    print(json.dumps({"mode": "garbage", "sent": sent, "answered": answered, "refused": refused}))


def bigline(path, mb):
    s = None
    s = connect(path, 10)
    if s is None:
        print(json.dumps({"mode": "bigline", "connected": False}))
        return
    s.setblocking(True)
    s.settimeout(10)
    chunk = b"x" * 65536
    total = mb * 1024 * 1024
    sent = 0
    t0 = time.monotonic()
    try:
        s.sendall(b'{"cmd":"status","arg":"')
        while sent < total and time.monotonic() - t0 < 20:
            sent += s.send(chunk)
    except OSError:
        pass
    answer = read_answer(s, 5)
    s.close()
    print(json.dumps({"mode": "bigline", "connected": True, "sent": sent,
                      "whole": sent >= total, "answer": answer.decode("utf-8", "replace").strip()}))


def flood(path, count, rounds):
    ok = busy = failed = 0
    worst = 0.0
    for _ in range(rounds):
        sel = selectors.DefaultSelector()
        t0 = time.monotonic()
        for _ in range(count):
            s = connect(path, 2)
            if s is None:
                failed += 1
                continue
            try:
                s.send(b'{"cmd":"status"}\n')
            except OSError:
                failed += 1
                s.close()
                continue
            sel.register(s, selectors.EVENT_READ, [b""])
        end = time.monotonic() + 10
        while sel.get_map() and time.monotonic() < end:
            for key, _ in sel.select(timeout=0.1):
                s = key.fileobj
                b = recv_or_eof(s, 65536)
                if b:
                    key.data[0] += b
                    continue
                sel.unregister(s)
                s.close()
                try:
                    a = json.loads(key.data[0])
                except ValueError:
                    failed += 1
                    continue
                if a.get("ok"):
                    ok += 1
                else:
                    busy += 1
        for key in list(sel.get_map().values()):
            failed += 1
            key.fileobj.close()
        worst = max(worst, time.monotonic() - t0)
    print(json.dumps({"mode": "flood", "ok": ok, "busy": busy, "failed": failed,
                      "worst_round_s": round(worst, 3)}))


def status(path, count, interval):
    times = []
    failed = 0
    for _ in range(count):
        t0 = time.monotonic()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # a blocking connect, as loaxactl's: it waits in the daemon's
            # queue rather than being told EAGAIN
            s.connect(path)
            s.settimeout(30)
            s.sendall(b'{"cmd":"status"}\n')
            a = json.loads(read_answer(s, 30))
            if not a.get("ok"):
                failed += 1
        except (OSError, ValueError):
            failed += 1
        s.close()
        times.append(time.monotonic() - t0)
        time.sleep(interval)
    times.sort()
    print(json.dumps({"mode": "status", "count": count, "failed": failed,
                      "max_s": round(times[-1], 4) if times else None,
                      "median_s": round(times[len(times) // 2], 4) if times else None}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("mode", choices=["halfopen", "slow", "garbage", "bigline", "flood", "status"])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--conc", type=int, default=20)
    ap.add_argument("--mb", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--interval", type=float, default=0.2)
    a = ap.parse_args()
    if a.mode == "halfopen":
        halfopen(a.socket, min(a.count, 900), min(a.seconds, 120))
    elif a.mode == "slow":
        slow(a.socket, min(a.count, 100), min(a.seconds, 120))
    elif a.mode == "garbage":
        garbage(a.socket, min(a.seconds, 120), min(a.conc, 200))
    elif a.mode == "bigline":
        bigline(a.socket, min(a.mb, 64))
    elif a.mode == "flood":
        flood(a.socket, min(a.count, 900), min(a.rounds, 100))
    else:
        status(a.socket, min(a.count, 1000), a.interval)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
