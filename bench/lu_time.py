#!/usr/bin/env python3
"""bench/lu_time.py - one live update, timed from the client side.

    lu_time.py BINARY PID

Over $XENSTORED_PATH: a second connection is opened first; then CONTROL
live-update -f BINARY, and `-s -t 60` is sent; right after it the second
connection sends a READ of /.  Prints "ok_ms read_ms cpu_ms": milliseconds
from sending -s to the OK (which the new process sends) and to the READ's
reply (the first request the new process answers), and the CPU time the
daemon (PID: the same process before and after the exec) spent meanwhile.
"""
import os
import socket
import struct
import sys
import time

CONTROL, READ = 0, 2


def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.environ["XENSTORED_PATH"])
    return s


def send(s, type_, payload, req_id=1):
    s.sendall(struct.pack("<IIII", type_, req_id, 0, len(payload)) + payload)


def reply(s):
    buf = b""
    while len(buf) < 16 or len(buf) < 16 + struct.unpack("<IIII", buf[:16])[3]:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf[16:16 + struct.unpack("<IIII", buf[:16])[3]]


def cpu_ms(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def main():
    ctl, other = conn(), conn()
    send(ctl, CONTROL, b"live-update\0-f\0" + sys.argv[1].encode() + b"\0")
    if reply(ctl) != b"OK\0":
        sys.exit("-f refused")
    c0 = cpu_ms(sys.argv[2])
    t0 = time.monotonic()
    send(ctl, CONTROL, b"live-update\0-s\0-t\0" + b"60\0")
    send(other, READ, b"/\0", 7)
    r = reply(ctl)
    t_ok = time.monotonic()
    reply(other)
    t_read = time.monotonic()
    c1 = cpu_ms(sys.argv[2])
    if r != b"OK\0":
        sys.exit("-s: %r" % r)
    print("%.1f %.1f %.0f" % ((t_ok - t0) * 1e3, (t_read - t0) * 1e3, c1 - c0))


if __name__ == "__main__":
    main()
