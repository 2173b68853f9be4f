#!/usr/bin/env python3
"""Floods a Vigil admin port on loopback for a bounded time: many connections at once, garbage bytes, oversized
headers and bodies, and slow-loris clients that trickle a header byte at a time. Used next to `vigil bench` to show
that the TCP gateway's latency does not depend on what the admin port suffers (docs/admin-api.md).

    python3 perf/scripts/admin-flood.py PORT SECONDS [PAUSE]

PAUSE (seconds, default 0): each garbage thread waits this long between connections, and the holders between rounds,
for a flood that is hostile but does not itself take a whole core.

Only 127.0.0.1 is ever targeted. Prints what it did and how the server answered."""
import random
import socket
import sys
import threading
import time
from collections import Counter

port = int(sys.argv[1])
seconds = float(sys.argv[2])
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
deadline = time.monotonic() + seconds
answers = Counter()
lock = threading.Lock()


def note(what):
    with lock:
        answers[what] += 1


def status_of(sock):
    try:
        data = sock.recv(64)
        return data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.1 ") else ("closed" if not data else "other")
    except OSError:
        return "reset"


def garbage():
    rnd = random.Random()
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                kind = rnd.randrange(4)
                if kind == 0:
                    s.sendall(bytes(rnd.randrange(256) for _ in range(200)) + b"\r\n\r\n")
                elif kind == 1:
                    s.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
                elif kind == 2:
                    s.sendall(b"POST /metrics HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 70000)
                else:
                    s.sendall(b"GET /nowhere?%zz HTTP/1.1\r\nHost: x\r\n\r\n")
                note("garbage " + str(kind) + " -> " + status_of(s))
        except OSError as e:
            note("garbage error " + type(e).__name__)
        time.sleep(pause)


def loris():
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                while time.monotonic() < deadline:
                    s.sendall(b"X")
                    time.sleep(0.5)
        except OSError as e:
            note("loris ended " + type(e).__name__)


def holders():
    # open and hold many connections at once: beyond vigil.admin.max.connections they are answered 503
    while time.monotonic() < deadline:
        held = []
        for _ in range(64):
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError as e:
                note("connect error " + type(e).__name__)
        time.sleep(0.2)
        for s in held:
            s.setblocking(False)
            try:
                data = s.recv(64)
                note("held -> " + (data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.1 ") else "closed"))
            except BlockingIOError:
                note("held -> open")
            except OSError:
                note("held -> reset")
            s.close()
        time.sleep(pause * 50)


threads = [threading.Thread(target=garbage) for _ in range(4)] + \
          [threading.Thread(target=loris) for _ in range(8)] + \
          [threading.Thread(target=holders) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for what, count in sorted(answers.items()):
    print(f"{count:8d}  {what}")
