#!/usr/bin/env python3
"""lu_clients.py - stores and clients for the live-update tests.

    lu_clients.py populate N BASE   writes N nodes under BASE (pipelined, one
                                    connection) with values and permission
                                    lists that depend on the index
    lu_clients.py verify N BASE     reads every one back (value and
                                    permissions); prints "verified N" or
                                    each difference
    lu_clients.py txn 0 BASE        opens a transaction (writes BASE/tx in
                                    it), prints "ready", waits for a line,
                                    then ends it: prints the reply
    lu_clients.py txstart 0 BASE    sends TRANSACTION_START, prints "sent",
                                    then its reply when it comes
    lu_clients.py txstart-go 0 BASE the same, once connected (prints
                                    "connected") and given a line on stdin:
                                    the send does not wait for a start-up
    lu_clients.py clients K BASE    opens K connections, each with a watch on
                                    BASE/wK, one with half a request sent;
                                    prints "ready", waits for a line on
                                    stdin (the update happened), then
                                    finishes the half request, makes every
                                    watch fire, and prints "clients ok" or
                                    what went wrong

Permissions name domains 1..20 (start C xenstored with XSSHIM_DOMAINS=0-20).
The wire format: 16-byte header (type, req_id, tx_id, len; little-endian).
"""
import os
import select
import socket
import struct
import sys

READ, GET_PERMS, WATCH, WRITE, SET_PERMS, WATCH_EVENT, ERROR = 2, 3, 4, 11, 14, 15, 16


def sock_path():
    return os.environ.get("XENSTORED_PATH") or os.path.join(
        os.environ.get("XENSTORED_RUNDIR", "/var/run/xenstored"), "socket")


class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock_path())
        self.buf = b""
        self.events = []

    def send(self, type_, payload, req_id=0):
        self.s.sendall(struct.pack("<IIII", type_, req_id, 0, len(payload)) + payload)

    def read_msg(self, timeout=10.0):
        while True:
            if len(self.buf) >= 16:
                t, r, x, n = struct.unpack("<IIII", self.buf[:16])
                if len(self.buf) >= 16 + n:
                    msg = (t, r, self.buf[16:16 + n])
                    self.buf = self.buf[16 + n:]
                    return msg
            ready, _, _ = select.select([self.s], [], [], timeout)
            if not ready:
                raise TimeoutError("no message from the daemon")
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("daemon closed the connection")
            self.buf += chunk

    def reply(self, timeout=10.0):
        """The next message that is not a watch event (events are kept)."""
        while True:
            t, r, p = self.read_msg(timeout)
            if t != WATCH_EVENT:
                return t, r, p
            self.events.append(p)

    def call(self, type_, payload):
        self.send(type_, payload)
        return self.reply()

    def event(self):
        if self.events:
            return self.events.pop(0)
        t, r, p = self.read_msg()
        if t != WATCH_EVENT:
            raise RuntimeError("expected a watch event, got type %d %r" % (t, p))
        return p


def node(i, base):
    return "%s/d%d/n%d" % (base, i // 100, i)


def perms(i):
    if i % 3 == 0:
        return ["n0"]
    return ["b0", "r%d" % (i % 10 + 1)] + (["w%d" % (i % 7 + 11)] if i % 2 else [])


def populate(n, base):
    c = Conn()
    batch = 200
    for start in range(0, n, batch):
        count = 0
        for i in range(start, min(n, start + batch)):
            c.send(WRITE, (node(i, base) + "\0" + "v%d" % i).encode())
            count += 1
            if i % 3:
                c.send(SET_PERMS, (node(i, base) + "\0" + "\0".join(perms(i)) + "\0").encode())
                count += 1
        for _ in range(count):
            t, _, p = c.reply()
            if t == ERROR:
                sys.exit("populate: %s" % p)
    print("populated %d" % n)


def verify(n, base):
    c = Conn()
    bad = 0
    for i in range(n):
        t, _, v = c.call(READ, (node(i, base) + "\0").encode())
        t2, _, pl = c.call(GET_PERMS, (node(i, base) + "\0").encode())
        want = ("v%d" % i).encode()
        got = [x for x in pl.decode().split("\0") if x]
        if t == ERROR or v != want or got != perms(i):
            bad += 1
            if bad <= 5:
                print("node %d: value %r perms %r" % (i, v, got))
    print("verified %d" % n if bad == 0 else "%d nodes differ" % bad)


def clients(k, base):
    conns = [Conn() for _ in range(k)]
    for i, c in enumerate(conns):
        t, _, p = c.call(WATCH, ("%s/w%d\0t%d\0" % (base, i, i)).encode())
        if p != b"OK\0":
            sys.exit("watch %d: %r" % (i, p))
        c.event()  # the initial event
    # Half a request: the header and part of the payload.
    partial = ("%s/half\0done" % base).encode()
    head = struct.pack("<IIII", WRITE, 77, 0, len(partial))
    conns[0].s.sendall(head + partial[:5])
    print("ready", flush=True)
    sys.stdin.readline()
    problems = []
    conns[0].s.sendall(partial[5:])
    t, r, p = conns[0].reply()
    if (t, r, p) != (WRITE, 77, b"OK\0"):
        problems.append("half request: %r" % ((t, r, p),))
    writer = Conn()
    for i, c in enumerate(conns):
        writer.call(WRITE, ("%s/w%d/x\0%d" % (base, i, i)).encode())
        try:
            ev = c.event()
            if ev != ("%s/w%d/x\0t%d\0" % (base, i, i)).encode():
                problems.append("client %d: event %r" % (i, ev))
        except (TimeoutError, EOFError, RuntimeError) as e:
            problems.append("client %d: %s" % (i, e))
    print("clients ok" if not problems else "\n".join(problems), flush=True)


TXN_START, TXN_END = 6, 7


def txn(_n, base):
    c = Conn()
    t, _, p = c.call(TXN_START, b"\0")
    tx = int(p.rstrip(b"\0"))
    c.s.sendall(struct.pack("<IIII", WRITE, 5, tx, len(base) + 5) + (base + "/tx\0v").encode())
    c.reply()
    print("ready", flush=True)
    sys.stdin.readline()
    c.s.sendall(struct.pack("<IIII", TXN_END, 6, tx, 2) + b"T\0")
    t, _, p = c.reply()
    print(("ERROR " if t == ERROR else "") + p.rstrip(b"\0").decode(), flush=True)


def txstart(_n, base, go=False):
    c = Conn()
    if go:
        print("connected", flush=True)
        sys.stdin.readline()
    c.send(TXN_START, b"\0")
    print("sent", flush=True)
    # Held back until a live update ends, which may wait for -t seconds.
    t, _, p = c.reply(timeout=120.0)
    print("ERROR" if t == ERROR else "started", flush=True)


def main():
    cmd, n, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    {"populate": populate, "verify": verify, "clients": clients, "txn": txn,
     "txstart": txstart,
     "txstart-go": lambda n, b: txstart(n, b, go=True)}[cmd](n, base)


if __name__ == "__main__":
    main()
