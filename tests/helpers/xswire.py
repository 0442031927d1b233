#!/usr/bin/env python3
"""xswire.py - scripted xenstore wire clients for the snoop tests.

    xswire.py conflict PATH     two connections make a transaction fail
                                with EAGAIN on PATH; prints "pid N",
                                then each reply
    xswire.py hammer PREFIX     one connection writes PREFIX/k0..k9 and
                                reads each value back, as fast as it can,
                                until SIGTERM; then prints "requests N
                                mismatches M" (a reply that is not the
                                expected one is a mismatch)
    xswire.py semaphores PID    prints "name value" for each xenstore
                                probe semaphore in process PID (non-zero
                                while a tracer is attached, else 0)
    xswire.py session           one connection; prints "pid N", then runs
                                commands read from stdin, one a line:
                                write PATH VALUE | read PATH | rm PATH |
                                dir PATH | watch PATH TOKEN | introduce
                                DOMID GFN PORT | release DOMID; prints each
                                reply; stops at end of input

Speaks the wire format directly over $XENSTORED_PATH (else
$XENSTORED_RUNDIR/socket): a 16-byte header of little-endian uint32
type, req_id, tx_id, len, then the payload.  Each reply is printed as
"conn TYPE tx payload" with NULs shown as '|'.
"""
import os
import socket
import struct
import sys

TYPES = {1: "DIRECTORY", 2: "READ", 6: "TRANSACTION_START", 7: "TRANSACTION_END",
         11: "WRITE", 15: "WATCH_EVENT", 16: "ERROR"}


def sock_path():
    p = os.environ.get("XENSTORED_PATH")
    if p:
        return p
    return os.path.join(os.environ.get("XENSTORED_RUNDIR", "/var/run/xenstored"), "socket")


class Conn:
    def __init__(self, name):
        self.name = name
        self.quiet = False
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock_path())

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("daemon closed the connection")
            buf += chunk
        return buf

    def request(self, type_, req_id, tx_id, payload):
        self.s.sendall(struct.pack("<IIII", type_, req_id, tx_id, len(payload)) + payload)
        while True:
            t, r, tx, n = struct.unpack("<IIII", self.recv_exact(16))
            body = self.recv_exact(n)
            if t != 15:   # skip watch events
                break
        if not self.quiet:
            print("%s %s %d %s" % (self.name, TYPES.get(t, str(t)), tx,
                                   body.decode("latin-1").replace("\0", "|")))
            sys.stdout.flush()
        return t, body


def conflict(path):
    print("pid %d" % os.getpid())
    p = path.encode()
    a, b = Conn("A"), Conn("B")
    a.request(11, 1, 0, p + b"\0" + b"base")                  # WRITE base value
    _, body = a.request(6, 2, 0, b"\0")                        # TRANSACTION_START
    tx = int(body.rstrip(b"\0"))
    a.request(2, 3, tx, p + b"\0")                             # READ in the txn
    a.request(11, 4, tx, p + b"\0" + b"from-A")                # WRITE in the txn
    b.request(11, 1, 0, p + b"\0" + b"from-B")                 # WRITE outside: conflict
    a.request(7, 5, tx, b"T\0")                                # commit -> EAGAIN


def session():
    print("pid %d" % os.getpid())
    sys.stdout.flush()
    c = Conn("S")
    ops = {"read": 2, "dir": 1, "rm": 13, "write": 11, "watch": 4, "introduce": 8,
           "release": 9}
    req = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        req += 1
        payload = b"".join(w.encode() + b"\0" for w in words[1:])
        if words[0] == "write":   # the value has no NUL of its own
            payload = payload[:-1]
        c.request(ops[words[0]], req, 0, payload)


def hammer(prefix):
    import signal
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    c = Conn("H")
    c.quiet = True
    n = mismatches = 0
    while not stop:
        key = ("%s/k%d" % (prefix, n % 10)).encode()
        val = b"v%d" % n
        t, body = c.request(11, n & 0xffff, 0, key + b"\0" + val)
        if t != 11 or body != b"OK\0":
            mismatches += 1
        t, body = c.request(2, n & 0xffff, 0, key + b"\0")
        if t != 2 or body != val:
            mismatches += 1
        n += 1
    print("requests %d mismatches %d" % (2 * n, mismatches))


def semaphores(pid):
    import re
    import subprocess
    exe = "/proc/%d/exe" % pid
    notes = subprocess.run(["readelf", "-n", exe], capture_output=True, text=True).stdout
    sems = {}
    for m in re.finditer(r"Provider: xenstore\s+Name: (\w+).*?Semaphore: (0x[0-9a-f]+)",
                         notes, re.S):
        sems[m.group(1)] = int(m.group(2), 16)
    # The executable's first mapping, found by inode (its path may end in
    # " (deleted)" when the binary was rebuilt since the daemon started).
    ino = os.stat(exe).st_ino
    base = None
    for line in open("/proc/%d/maps" % pid):
        f = line.split()
        if len(f) >= 6 and int(f[4]) == ino and int(f[2], 16) == 0:
            base = int(f[0].split("-")[0], 16)
            break
    if base is None or not sems:
        sys.exit("xswire.py: no xenstore probe semaphores found in process %d" % pid)
    with open("/proc/%d/mem" % pid, "rb") as mem:
        for name in sorted(sems):
            mem.seek(base + sems[name])
            print(name, struct.unpack("<H", mem.read(2))[0])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "conflict":
        conflict(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "hammer":
        hammer(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "semaphores":
        semaphores(int(sys.argv[2]))
    elif len(sys.argv) == 2 and sys.argv[1] == "session":
        session()
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
