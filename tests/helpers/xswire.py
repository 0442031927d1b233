#!/usr/bin/env python3
"""xswire.py - scripted xenstore wire clients for the snoop tests.

    xswire.py conflict PATH     two connections make a transaction fail
                                with EAGAIN on PATH; prints each reply
    xswire.py pid               prints this process's pid (sanity check)

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
        print("%s %s %d %s" % (self.name, TYPES.get(t, str(t)), tx,
                               body.decode("latin-1").replace("\0", "|")))
        sys.stdout.flush()
        return t, body


def conflict(path):
    p = path.encode()
    a, b = Conn("A"), Conn("B")
    a.request(11, 1, 0, p + b"\0" + b"base")                  # WRITE base value
    _, body = a.request(6, 2, 0, b"\0")                        # TRANSACTION_START
    tx = int(body.rstrip(b"\0"))
    a.request(2, 3, tx, p + b"\0")                             # READ in the txn
    a.request(11, 4, tx, p + b"\0" + b"from-A")                # WRITE in the txn
    b.request(11, 1, 0, p + b"\0" + b"from-B")                 # WRITE outside: conflict
    a.request(7, 5, tx, b"T\0")                                # commit -> EAGAIN


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "conflict":
        conflict(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "pid":
        print(os.getpid())
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
