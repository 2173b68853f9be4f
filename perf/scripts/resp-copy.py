#!/usr/bin/env python3
"""Copies the features of accounts 0 .. N-1 from Vigil's RESP port into a Redis, as hashes named
PREFIX + the id zero-padded to 12 digits (the form redis-benchmark's __rand_int__ takes), so that both servers hold
the same keys with the same values. Used by resp-benchmark.sh; loopback only.

    python3 perf/scripts/resp-copy.py VIGIL_PORT CREDENTIAL REDIS_PORT ACCOUNTS PREFIX
"""
import socket
import sys

vigil_port, credential, redis_port, accounts, prefix = (int(sys.argv[1]), sys.argv[2], int(sys.argv[3]),
                                                        int(sys.argv[4]), sys.argv[5])


def command(*args):
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def read(stream):
    line = stream.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b"*" or kind == b"%":
        n = int(rest)
        return None if n < 0 else [read(stream) for _ in range(n * (2 if kind == b"%" else 1))]
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else stream.read(n + 2)[:-2]
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    return rest


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port))
    return sock, sock.makefile("rb")


vigil, vigil_in = connect(vigil_port)
redis, redis_in = connect(redis_port)
vigil.sendall(command("AUTH", credential))
read(vigil_in)
copied = 0
for start in range(0, accounts, 1000):
    ids = range(start, min(accounts, start + 1000))
    vigil.sendall(b"".join(command("HGETALL", "account:%d" % i) for i in ids))
    writes = []
    for i in ids:
        fields = read(vigil_in)
        if fields:
            writes.append(command("HSET", "%s%012d" % (prefix, i), *fields))
    redis.sendall(b"".join(writes))
    for _ in writes:
        read(redis_in)
    copied += len(writes)
print("copied %d of %d accounts into Redis as %s<12-digit id>" % (copied, accounts, prefix))
