#!/usr/bin/env python3
"""make-seeds.py - writes the seed corpus fuzz/corpus/<target>/.

    fuzz/make-seeds.py [DIR]      (default: fuzz/corpus beside this file)

The seeds are small, readable starting points in each target's input
format (documented at the top of each fuzz_*.c): the fuzzer reaches the
deep states (transactions with watches in flight, quotas hit, domains
dying mid-request) from these much faster than from nothing.  Regenerate
after changing a target's input format; the files are committed.
"""
import os
import struct
import sys

# ---- fuzz_request: a program of steps ------------------------------------
PEER_A, PEER_B, G1, G2, G3 = range(5)
K_MSG, K_RAW, K_READ, K_STALL, K_CLOSE, K_REOPEN, K_DOMSTATE, K_RECONNECT, K_CHUNK, \
    K_OPTION = 0, 4, 5, 6, 7, 8, 9, 10, 11, 12
PATHS = ["/", "/a", "/a/b", "/a/b/c", "/a/b/c/d/e/f/g/h", "a", "a/b", "b", "data/x",
         "/local", "/local/domain", "/local/domain/", "/local/domain/1",
         "/local/domain/1/a", "/local/domain/2", "/local/domain/2/a/b", "/local/domain/3",
         "/local/domain/3/d", "/local/domain/99/x", "@releaseDomain", "@introduceDomain",
         "@releaseDomain/1", "@other", "/tool", "/tool/xenstored", "", "//", "/a/", "/a//b",
         "/a b", "x/", "/local/domain/1/", "device/vif/0/state", "/a/b/c/d"]
TOKENS = ["t", "tok", "t2", "", "@", "/", "a|b"]
PERMS = ["n0", "r0", "b0", "w0", "n1", "r1", "b1", "w1", "n2", "b2", "r3", "b3", "b32757",
         "r32757", "n65535", "x1", "r", "", "b0x1", "n-1", "r99", "w2", "n3"]
DOMIDS = ["0", "1", "2", "3", "4", "5", "15", "16", "65535", "65536", "32752", "32757", "",
          "-1", "1x", "007", " 1"]
NUMBERS = ["0", "1", "2", "3", "4", "7", "10", "100", "4096", "65535", "-1", "", "x",
           "99999999999", "0x10", "15"]
QUOTAS = ["nodes", "watches", "outstanding", "memory", "soft-memory", "transactions",
          "transaction-nodes", "node-permissions", "permissions", "path-max", "node-size",
          "bogus"]
CONTROL = ["check", "help", "log", "memreport", "print", "quota", "quota-soft", "set", "on",
           "off", "bogus", "-r", "max"]
TF = ["T", "F", "", "TF", "t"]

T = dict(CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5, TXN_START=6,
         TXN_END=7, INTRODUCE=8, RELEASE=9, GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13,
         SET_PERMS=14, IS_INTRODUCED=17, RESUME=18, SET_TARGET=19, RESET_WATCHES=21,
         DIRECTORY_PART=22, GET_FEATURE=23, SET_FEATURE=24, GET_QUOTA=25, SET_QUOTA=26)


def op(actor, kind, same_round=False):
    return bytes([(kind * 5 + actor) | (0x80 if same_round else 0)])


def txsel(tx):
    return {0: 0, 1: 4, 2: 5, 3: 6}[tx]


def msg(actor, type_, args=(), tx=0, variant=0, value=None, same_round=False):
    """A K_MSG step: args are vocabulary indexes (the template decides
    which vocabulary); value is WRITE's value (bytes, < 32)."""
    b = op(actor, K_MSG, same_round)
    b += bytes([T[type_], txsel(tx), 0, variant])
    b += bytes(args)
    if type_ == "WRITE":
        v = value or b""
        b += bytes([len(v)]) + v
    return b


def step(actor, kind, *extra, same_round=False):
    return op(actor, kind, same_round) + bytes(extra)


def long_path_arg(k, width):
    """A path argument of k components of `width` bytes (absolute when k is
    even: see long_path() in fuzz_request.c)."""
    return [236, k - 1, width - 1]


def long_token_arg(n):
    return [236, n & 0xff, n >> 8]


def request_seeds():
    p, q = PATHS.index, TOKENS.index
    s = {}
    s["guest-tree"] = (msg(G1, "WRITE", [p("a")], value=b"v") + msg(G1, "READ", [p("a")]) +
                       msg(G1, "DIRECTORY", [p("/local/domain/1")]) +
                       msg(G1, "MKDIR", [p("a/b")]) + msg(G1, "RM", [p("a")]))
    s["guest-txn-commit"] = (msg(G1, "TXN_START", [0], variant=1) +
                             msg(G1, "WRITE", [p("a")], tx=1, value=b"x") +
                             msg(G1, "WRITE", [p("a/b")], tx=1, value=b"y") +
                             msg(G1, "RM", [p("a")], tx=1) +
                             msg(G1, "WRITE", [p("a")], tx=1, value=b"z") +
                             msg(G1, "TXN_END", [TF.index("T")], tx=1))
    s["txn-conflict"] = (msg(G1, "TXN_START", [0], variant=1) +
                         msg(G1, "READ", [p("/local/domain/1")], tx=1) +
                         msg(PEER_A, "WRITE", [p("/local/domain/1")], value=b"b") +
                         msg(G1, "WRITE", [p("/local/domain/1")], tx=1, value=b"c") +
                         msg(G1, "TXN_END", [TF.index("T")], tx=1))
    s["watch-events"] = (msg(G2, "WATCH", [p("/local/domain/2"), q("tok")], variant=1) +
                         msg(G2, "WATCH", [p("a"), q("t")], variant=1) +
                         msg(PEER_A, "WRITE", [p("/local/domain/2/a/b")], value=b"1") +
                         msg(PEER_A, "RM", [p("/local/domain/2")]) +
                         msg(G2, "UNWATCH", [p("a"), q("t")]) +
                         msg(G2, "RESET_WATCHES", [], tx=1))
    s["watch-depth-special"] = (msg(PEER_A, "WATCH", [p("@releaseDomain"), q("t2"),
                                                      NUMBERS.index("1")], variant=0) +
                                msg(G1, "WATCH", [p("@releaseDomain/1"), q("t")], variant=1) +
                                step(G1, K_DOMSTATE, 5 * 1 + 0) +
                                step(G1, K_CLOSE, 1) + step(G1, K_REOPEN))
    s["release-mid-txn"] = (msg(G3, "TXN_START", [0], variant=1) +
                            msg(G3, "WRITE", [p("/local/domain/3/d")], tx=1, value=b"q") +
                            msg(G3, "WATCH", [p("/"), q("tok")], variant=1) +
                            msg(PEER_A, "RELEASE", [DOMIDS.index("3")]) +
                            msg(G3, "TXN_END", [TF.index("T")], tx=1) +
                            msg(PEER_A, "INTRODUCE", [DOMIDS.index("3"), NUMBERS.index("1"),
                                                      NUMBERS.index("7")]) +
                            msg(G3, "READ", [p("/local/domain/3/d")]))
    s["reset-watches-in-txn"] = (msg(G1, "TXN_START", [0], variant=1) +
                                 msg(G1, "WATCH", [p("a"), q("t")], variant=1) +
                                 msg(G1, "RESET_WATCHES", [], tx=1) +
                                 msg(G1, "TXN_END", [TF.index("T")], tx=1))
    s["quota-nodes"] = b"".join(msg(G1, "WRITE", [p(x)], value=b"v")
                                for x in ["a", "a/b", "b", "data/x", "device/vif/0/state"] * 3)
    s["quota-txns"] = b"".join(msg(G2, "TXN_START", [0], variant=1) for _ in range(4)) + \
        msg(G2, "TXN_END", [TF.index("F")], tx=2)
    s["stalled-guest"] = (step(G1, K_STALL) +
                          b"".join(msg(G1, "READ", [p("/local/domain/1")]) for _ in range(12)) +
                          step(G1, K_READ))
    s["stalled-dom0-events"] = (step(PEER_B, K_STALL) +
                                msg(PEER_B, "WATCH", [p("/"), q("t")], variant=1) +
                                b"".join(msg(PEER_A, "WRITE", [p("/a/b/c")], value=b"x" * 30)
                                         for _ in range(40)) + step(PEER_B, K_READ))
    s["perms-target"] = (msg(PEER_A, "SET_PERMS", [p("/local/domain/1"), PERMS.index("n1"),
                                                   PERMS.index("b2")], variant=1) +
                         msg(PEER_A, "SET_TARGET", [DOMIDS.index("2"), DOMIDS.index("1")]) +
                         msg(G2, "WRITE", [p("/local/domain/1/a")], value=b"t") +
                         msg(G1, "SET_PERMS", [p("/local/domain/1"), PERMS.index("n2")],
                             variant=0) +
                         msg(PEER_A, "GET_PERMS", [p("/local/domain/1/a")]))
    s["dom0-control-quota"] = (msg(PEER_A, "CONTROL", [CONTROL.index("check")], variant=0) +
                               msg(PEER_A, "SET_QUOTA", [DOMIDS.index("1"),
                                                         QUOTAS.index("nodes"),
                                                         NUMBERS.index("2")], variant=0) +
                               msg(PEER_A, "GET_QUOTA", [DOMIDS.index("1"),
                                                         QUOTAS.index("nodes")], variant=2) +
                               msg(PEER_A, "CONTROL", [CONTROL.index("memreport")], variant=0) +
                               msg(PEER_A, "GET_FEATURE", [DOMIDS.index("1")], variant=1) +
                               msg(PEER_A, "DIRECTORY_PART", [p("/"), NUMBERS.index("0")]))
    s["reconnect-and-oversized"] = (msg(G1, "WATCH", [p("a"), q("t")], variant=1) +
                                    step(G1, K_RECONNECT) +
                                    step(G2, K_RAW, 0, 2, 0, 0, 0, 0, 0, 0) +
                                    msg(G1, "READ", [p("a")]))
    s["dom0-close-chunked"] = (step(PEER_B, K_CHUNK, 3) +
                               msg(PEER_B, "WATCH", [p("/a"), q("t")], variant=1) +
                               msg(PEER_B, "TXN_START", [0], variant=1) +
                               step(PEER_B, K_CLOSE) + msg(PEER_A, "WRITE", [p("/a/b")]) +
                               step(PEER_B, K_REOPEN))
    s["commit-quota"] = (msg(PEER_A, "SET_QUOTA", [DOMIDS.index("1"), QUOTAS.index("nodes"),
                                                   NUMBERS.index("7")], variant=0) +
                         msg(G1, "TXN_START", [0], variant=1) +
                         msg(G1, "TXN_START", [0], variant=1) +
                         b"".join(msg(G1, "WRITE", [p(x)], tx=1, value=b"1")
                                  for x in ["a", "a/b", "b", "data/x"]) +
                         b"".join(msg(G1, "WRITE", [p(x)], tx=2, value=b"2")
                                  for x in ["device/vif/0/state", "/local/domain/1/a"]) +
                         msg(G1, "TXN_END", [TF.index("T")], tx=1) +
                         msg(G1, "TXN_END", [TF.index("T")], tx=2))
    s["store-grow"] = b"".join(msg(PEER_A, "WRITE", long_path_arg(64, w), value=b"g")
                               for w in range(1, 21))
    s["watch-grow"] = b"".join(msg(PEER_B, "WATCH", [p("/a")] + long_token_arg(n), variant=1)
                               for n in range(1, 270)) + step(PEER_B, K_STALL) + \
        b"".join(msg(PEER_A, "WRITE", [p("/a/b")], value=b"w") for _ in range(8))
    s["keep-orphans"] = (step(PEER_A, K_OPTION) + msg(G2, "WRITE", [p("a/b")], value=b"o") +
                         step(G2, K_CLOSE, 0) + msg(PEER_A, "GET_PERMS", [p("/local/domain/2/a/b")]) +
                         step(G2, K_REOPEN))
    s["control-quota"] = (msg(PEER_A, "CONTROL", [CONTROL.index("quota"), CONTROL.index("set"),
                                                  QUOTAS.index("watches"), NUMBERS.index("2")],
                              variant=3) +
                          msg(PEER_A, "CONTROL", [CONTROL.index("quota"), DOMIDS.index("1")],
                              variant=5) +
                          msg(PEER_A, "CONTROL", [CONTROL.index("quota-soft")], variant=0))
    return s


# ---- fuzz_ring -------------------------------------------------------------
def ring_seeds():
    hdr = struct.pack("<IIII", 2, 7, 0, 16) + b"/local/domain/1\0"
    s = {}
    # a READ put properly in two pieces, kicks, responses taken
    s["partial-message"] = (bytes([5, 10]) + hdr[:10] + bytes([7]) +
                            bytes([5, len(hdr) - 10]) + hdr[10:] + bytes([7, 8, 255, 7]))
    s["bad-req-indexes"] = bytes([0, 0, 0x88, 0x13, 0, 0, 7, 12])       # req_prod = 5000
    s["index-one-past-full"] = bytes([0, 2, 7, 12, 13, 0])
    s["rsp-cons-ahead"] = bytes([5, len(hdr)]) + hdr + bytes([2, 3, 7, 8, 255, 12])
    s["oversized-claim"] = bytes([6, 2, 0, 210, 40, 7, 12])
    s["wrap-around"] = (bytes([0, 5, 9, 1, 5, 9]) + bytes([5, len(hdr)]) + hdr +
                        bytes([7, 8, 200, 7]))
    s["reconnect"] = bytes([5, len(hdr)]) + hdr + bytes([9, 7, 11, 12])
    s["die-and-reintroduce"] = bytes([13, 1, 12, 13, 2, 11, 7, 12])
    s["garbage-fields"] = bytes([10, 0, 5, 0, 0, 0, 10, 1, 3, 0, 0, 0, 7, 12])
    return s


# ---- fuzz_wire ---------------------------------------------------------------
def wire_msg(type_, payload, req=1, tx=0):
    return struct.pack("<IIII", type_, req, tx, len(payload)) + payload


def wire_seeds():
    s = {}
    s["args"] = b"\x00a\x00bc\x00\x00tail"  # first byte: the mode (fuzz_wire.c)
    s["one-arg"] = b"\x00/local/domain/0\x00"
    s["path-abs"] = b"\x01\x05\x00\x00/local/domain/5/device/vif"
    s["path-rel"] = b"\x01\x07\x00\x01device/vbd/768/state"
    s["path-special"] = b"\x01\x00\x00\x01@releaseDomain"
    s["path-bad"] = b"\x01\x00\x00\x00/a//b/"
    s["path-home-slash"] = b"\x01\x00\x00\x00/local/domain/"
    s["number-domid"] = b"\x0232752"
    s["number-quota"] = b"\x02nodes=1000"
    s["number-huge"] = b"\x0299999999999999999999"
    s["stream-dom0"] = (b"\x03\x00" + wire_msg(11, b"/a/b\x00value") + wire_msg(2, b"/a/b\x00", 2) +
                        wire_msg(6, b"\x00", 3) + wire_msg(11, b"/a/c\x00x", 4, 1) +
                        wire_msg(7, b"T\x00", 5, 1) + wire_msg(4, b"/a\x00tok\x00", 6) +
                        wire_msg(13, b"/a\x00", 7))
    s["stream-dom0-chunked"] = (b"\x03\x05" + wire_msg(1, b"/\x00") + wire_msg(3, b"/tool\x00", 2) +
                                wire_msg(22, b"/\x000\x00", 3))
    s["stream-oversized"] = b"\x03\x00" + wire_msg(2, b"/\x00") + struct.pack("<IIII", 2, 2, 0, 5000)
    s["stream-guest"] = (b"\x04\x00" + wire_msg(11, b"data\x00v") + wire_msg(21, b"\x00", 2, 9) +
                         wire_msg(8, b"1\x001\x002\x00", 3) + wire_msg(99, b"", 4))
    s["stream-guest-nofeatures"] = b"\x04\x80" + wire_msg(4, b"a\x00t\x001\x00")
    s["perm-args"] = b"\x05n0\x00r5\x00b0x10\x00"
    return s


# ---- fuzz_perms ----------------------------------------------------------------
def perms_seeds():
    return {
        "owner-and-reader": b"n0\x00r5\x00",
        "all-letters": b"b7\x00w3\x00r2\x00n1\x00",
        "hex-octal": b"r0x10\x00r010\x00",
        "domid-any": b"n0\x00r32757\x00",
        "bad": b"x1\x00r\x00b1z\x00",
        "limits": b"n65535\x00r65536\x00r-1\x00r 5\x00",
    }


# ---- fuzz_snoop ----------------------------------------------------------------
# struct xss_event (tools/snoop/xenstore-snoop.h): ts_ns, lat_ns, val[3], seq,
# then kind, flags, conn_id, domid, pid, req_id, tx_id, type, err, len[2],
# copied[2]; then the payloads' bytes.
XSS_F_CUT0, XSS_F_FAULT0, XSS_F_STR0, XSS_F_NULL0 = 0x1, 0x4, 0x10, 0x40
XSS_F_CONTEXT, XSS_F_AFTER_REPLY = 0x100, 0x200
STRS = XSS_F_STR0 | XSS_F_STR0 << 1


def snoop_record(kind, p0=b"", p1=b"", flags=0, lens=None, copied=None, type_=2, err=0,
                 val=(0, 0, 0), seq=0, tx=0):
    lens = lens or (len(p0), len(p1))
    copied = copied or (len(p0), len(p1))
    return struct.pack("<6Q8Ii4I", 1000, 2000, *val, seq, kind, flags, 1, 6, 4242, 3, tx, type_,
                       err, *lens, *copied) + p0 + p1


def snoop_stream(options, *records):
    """Mode 6: the options byte, then each record after its 2-byte length."""
    return b"\x06" + bytes([options]) + b"".join(struct.pack("<H", len(r)) + r for r in records)


def snoop_seeds():
    s = {}
    # 0: -o lists (first byte: the mode, see fuzz_snoop.c)
    s["ops"] = b"\x00read,write,XS_WATCH_EVENT,13"
    s["ops-empty-items"] = b"\x00,,Xs_Rm,,"
    s["ops-bad"] = b"\x00read,bogus,32"
    s["ops-all"] = b"\x00is_domain_introduced,set_quota,restrict_removed,0,31"
    # 1: numbers; the byte after the mode picks the option's range
    s["num-pid"] = b"\x01\x00 +2147483647"
    s["num-domid"] = b"\x01\x0165536"
    s["num-count"] = b"\x01\x049223372036854775808"
    s["num-any"] = b"\x01\x06-9223372036854775808"
    s["num-buffer"] = b"\x01\x052048"
    s["num-junk"] = b"\x01\x0312x"
    # 2: -f filters: domid (2 bytes), filter, NUL, path
    s["path-relative"] = b"\x02\x06\x00/local/domain/6\x00device/vif/0/state"
    s["path-root"] = b"\x02\x00\x00//\x00@releaseDomain"
    s["path-sibling"] = b"\x02\x01\x00/local/domain/1/\x00/local/domain/10/x"
    s["path-empty-filter"] = b"\x02\x00\x00\x00/a"
    # 3: ring-buffer records
    s["rec-reply"] = b"\x03" + snoop_record(1, b"/local/domain/6/name\x00", b"OK\x00", type_=11)
    s["rec-error"] = b"\x03" + snoop_record(1, b"data/x\x00", b"ENOENT\x00", err=2)
    s["rec-watch"] = b"\x03" + snoop_record(2, b"/a/b", b"tok", flags=XSS_F_STR0 | XSS_F_STR0 << 1,
                                             val=(1, 3, 0))
    s["rec-cut"] = b"\x03" + snoop_record(1, b"/big" + b"\xff\x01\"\\" * 63, b"",
                                           flags=XSS_F_CUT0, lens=(5000, 0), type_=11)
    s["rec-fault"] = b"\x03" + snoop_record(5, b"", b"", flags=XSS_F_FAULT0 | XSS_F_NULL0 << 1)
    s["rec-txn"] = b"\x03" + snoop_record(3, b"/j/c", flags=XSS_F_STR0, val=(2, 1, 3))
    s["rec-short"] = b"\x03" + snoop_record(1, b"/a\x00", b"OK\x00")[:60]
    s["rec-overlong"] = b"\x03" + snoop_record(1, b"/a\x00", b"OK\x00", copied=(4, 300))
    s["rec-past-end"] = b"\x03" + snoop_record(1, b"/a\x00", b"OK\x00", copied=(200, 3))
    # 4: payloads: flags, original length, bytes
    s["payload-bytes"] = b"\x04\x00" + struct.pack("<I", 12) + b"a\x00\"\\\x1b[0m\x7f\xc3\xa9\x00"
    s["payload-cut-str"] = b"\x04\x05" + struct.pack("<I", 300) + b"/local/domain/1/" * 4
    s["payload-fault"] = b"\x04\x02" + struct.pack("<I", 7) + b"x"
    # 5: files read to find the daemon
    s["file-pid"] = b"\x05\x00 \n 0012345\n"
    s["file-unix"] = (b"\x05\x010000000000000000: 00000002 00000000 00010000 0001 01 31337 "
                      b"/var/run/xenstored/socket\n")
    s["file-exe"] = b"\x05\x02/usr/local/sbin/xenstored (deleted)"
    s["file-comm"] = b"\x05\x03xenstore-write\n"
    s["file-capeff"] = b"\x05\x04CapEff:\t000001ffffffffff\n"
    # 6: streams of records through the joins: options (-j 1, -s 2, -C 4, -l 8,
    # -e 16, -t 32, -c 3 64, -f 128), then records
    s["stream-watch"] = snoop_stream(
        0, snoop_record(2, b"/a", b"tok", flags=STRS, val=(1, 3, 0), seq=9),
        snoop_record(1, b"/a\x00x", b"OK\x00", type_=11, seq=9))
    s["stream-txn-json"] = snoop_stream(
        0x09, snoop_record(3, b"/c", flags=XSS_F_STR0, val=(2, 1, 3), seq=4, tx=5),
        snoop_record(1, b"T\x00", b"EAGAIN\x00", type_=7, err=11, seq=4, tx=5))
    s["stream-quota-summary"] = snoop_stream(
        0x06, snoop_record(8, b"nodes", flags=XSS_F_STR0, val=(5, 4, 0), seq=5),
        snoop_record(1, b"/x\x00y", b"ENOSPC\x00", type_=11, err=28, flags=XSS_F_CONTEXT,
                     seq=5))
    s["stream-conn-count"] = snoop_stream(
        0x50, snoop_record(4, b"xl", b"socket", flags=STRS),
        snoop_record(2, b"/a", b"tok", flags=STRS, val=(1, 3, 0), seq=7),
        snoop_record(5, b"eof", flags=XSS_F_STR0))
    s["stream-after-reply"] = snoop_stream(
        0xa0, snoop_record(1, b"/local/domain/6/a\x00tok\x00", b"OK\x00", type_=4, seq=2),
        snoop_record(2, b"/local/domain/6/a", b"tok", flags=STRS | XSS_F_AFTER_REPLY,
                     val=(1, 3, 0), seq=2))
    return s


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "corpus")
    for target, seeds in [("fuzz_request", request_seeds()), ("fuzz_ring", ring_seeds()),
                          ("fuzz_wire", wire_seeds()), ("fuzz_perms", perms_seeds()),
                          ("fuzz_snoop", snoop_seeds())]:
        d = os.path.join(top, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
