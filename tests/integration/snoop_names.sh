#!/bin/bash
# snoop_names.sh - bytes a client chooses reach xenstore-snoop's screen
# only escaped (issue 9): a process names itself with terminal controls
# and a newline (prctl PR_SET_NAME), connects while the snoop is attached
# (so its name comes from the daemon's conn_open probe, not from /proc),
# and uses paths and a value with the same bytes.  The -C lines and the
# -s summary hold no raw control byte and show the name the way payloads
# are shown (\xNN).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
snoop_start -C -e || fail "attaches with -C -e"
snoop_start -s || fail "attaches with -s"

# ESC [2J (clear screen), a newline, BEL: 10 bytes, within comm's 15.
python3 - "$XENSTORED_PATH" >"$T_DIR/client.out" 2>&1 <<'PY'
import ctypes, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME = 15
if libc.prctl(PR_SET_NAME, b"ev\x1b[2J\nil\x07", 0, 0, 0) != 0:
    sys.exit("prctl: %d" % ctypes.get_errno())
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
def call(t, payload):
    s.sendall(struct.pack("<IIII", t, 1, 0, len(payload)) + payload)
    hdr = s.recv(16, socket.MSG_WAITALL)
    n = struct.unpack("<IIII", hdr)[3]
    return s.recv(n, socket.MSG_WAITALL) if n else b""
# Both paths are invalid (EINVAL): the snoop shows them all the same.
call(11, b"/names/\x1b[31mred\0\x1b]0;title\x07")   # WRITE
call(2, b"/names/\x1b[31mnone\n\0")                  # READ
print("done")
PY
assert_eq "a client named ESC[2J, newline, BEL connects and makes two requests" done \
	"$(cat "$T_DIR/client.out")"
snoop_stop 1
snoop_stop 2

# Lines are what the terminal shows: no byte below 0x20 (but the line
# ends) and no DEL may be in them.
raw_controls() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; }
assert_eq "-C -e: no raw control byte in the output" 0 "$(raw_controls "$T_DIR/snoop1.out")"
assert_eq "-s: no raw control byte in the summary" 0 "$(raw_controls "$T_DIR/snoop2.out")"
name='ev\x1b[2J\x0ail\x07'
c_lines=$(grep -cF " $name " "$T_DIR/snoop1.out")
assert_eq "-C: the CONNECT and CLOSE lines and both requests name the client $name" 4 \
	"$c_lines"
if grep -qF "[CONNECT] conn " "$T_DIR/snoop1.out" &&
	grep -F "XS_WRITE: /names/\\x1b[31mred \\x1b]0;title\\x07 -> EINVAL" "$T_DIR/snoop1.out" |
	grep -qF " $name "; then
	ok "-C: the request line shows path and value escaped the same way"
else
	fail "-C: the request line shows path and value escaped the same way"
	sed 's/^/#   /' "$T_DIR/snoop1.out" | cat -v | head
fi
if grep -qE "^0 +[0-9]+ +ev\\\\x1b\[2J\\\\x0ail\\\\x07 +2 +2 " "$T_DIR/snoop2.out"; then
	ok "-s: the per-process row names the client $name"
else
	fail "-s: the per-process row names the client $name"; cat -v "$T_DIR/snoop2.out" | sed 's/^/#   /' | head -40
fi
assert_eq "-s: the slowest paths show the path escaped" 1 \
	"$(grep -cF '/names/\x1b[31mnone\x0a' "$T_DIR/snoop2.out")"
done_testing
