#!/bin/bash
# snoop_stacks.sh - xenstore-snoop -U: each request from a dom0 process
# comes with the stack of the thread that sent it, joined exactly (each
# client below makes one request, and the frames prove whose it is):
#   - a C client with a known call chain (tests/helpers/stack-client.c)
#     shows send_request <- publish_state <- configure_device <- main,
#     named after it exited;
#   - a Python client (tests/helpers/stack_client.py, pyxs) shows its
#     Python frames: pyxs's write <- publish_state <- configure_device <-
#     main <- <module>, with file and line;
#   - libxenstore (xenstore-write, Debian's, no frame pointers) is
#     unwound by call frame information: libc's write, xs_write in
#     libxenstore, down to libc's start;
#   - -j carries them as "stack" and "py_stack"; -s sums requests per
#     stack; --folded writes folded stacks (comm;root;...;leaf;OP count);
#   - the same Python script run by a Python whose interpreter is a
#     shared libpython3.11.so (tests/helpers/pyembed.c, as pyenv's python
#     and programs embedding Python are) shows the same frames, whether
#     it starts after -U or was already running;
#   - a client connected before -U started gets stacks for its later
#     requests.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pyxs' 2>/dev/null ||
	{ fail "Debian's python3 with pyxs (python3-pyxs; scripts/install-deps.sh)"; done_testing; exit 1; }
PYCLIENT=$TOP/tests/helpers/stack_client.py
line_of() { grep -n "^def $1(" "$PYCLIENT" | cut -d: -f1; }

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
# The exited C client's file is found by build id in $PATH.
export PATH=$BUILD/tests:$PATH

run_clients() {
	c=$(pid_of "$BUILD/tests/stack-client" /s/c)
	p=$(pid_of /usr/bin/python3 "$PYCLIENT" /s/p)
	x=$(pid_of xenstore-write /s/x 1)
	e=$(pid_of "$BUILD/tests/pyembed" "$PYCLIENT" /s/e)
}

snoop_start -U -c 4 || { fail "attaches with -U"; done_testing; exit 1; }
run_clients
snoop_wait
assert_eq "-U: exits 0" 0 "$SNOOP_RC"
out=$(snoop_lines)

# frames_after LINE: the indented frame lines that follow LINE.
frames_after() {
	awk -v want="$1" '$0 == want { on = 1; next } on && /^        / { sub(/^ +/, ""); print; next }
		on { exit }' <<<"$out"
}
cframes=$(frames_after "$(fmt 0 "$c" 0 'XS_WRITE: /s/c ready -> OK')")
expected="send_request publish_state configure_device main _start"
assert_eq "C client: its known chain, leaf first" "$expected" \
	"$(sed -n 's/^\([a-z_]*\)\(\.[a-z0-9.]*\)\?+0x[0-9a-f]* (stack-client)$/\1/p' <<<"$cframes" | xargs)"

pyframes=$(frames_after "$(fmt 0 "$p" 0 'XS_WRITE: /s/p ready -> OK')" | sed -n 's/^py //p')
S=$PYCLIENT
expected="$S:$(line_of publish_state) publish_state
$S:$(line_of configure_device) configure_device
$S:$(line_of main) main
$S:1 <module>"
assert_lines "Python client: its own frames under pyxs's, with file and line" "$expected" \
	"$(grep -F "$S:" <<<"$pyframes")"
assert_eq "... pyxs's write is the frame it called" "write" \
	"$(grep -B1 -F "$S:$(line_of publish_state) " <<<"$pyframes" | head -n 1 |
		sed 's/.* //')"
# The same script in a Python whose interpreter is libpython3.11.so (as
# pyenv's python is), mapped where only the process's maps tell.
assert_lines "Python in a shared libpython: the same frames" "$expected" \
	"$(frames_after "$(fmt 0 "$e" 0 'XS_WRITE: /s/e ready -> OK')" | sed -n 's/^py //p' |
		grep -F "$S:")"
xframes=$(frames_after "$(fmt 0 "$x" 0 'XS_WRITE: /s/x 1 -> OK')")
assert_eq "libxenstore client: libc's write is its first frame" "__write" \
	"$(head -n 1 <<<"$xframes" | sed 's/+0x.*//')"
# Debian builds libxenstore without frame pointers: only unwinding by its
# call frame information gets past libc into it and back to main.
assert_eq "... unwound through Debian's libxenstore (xs_write) to libc's start" \
	"xs_write (libxenstore.so.4) __libc_start_call_main (libc.so.6)" \
	"$(grep -oE '^(xs_write|__libc_start_call_main)\+0x[0-9a-f]+ \([a-z.0-9]+\)$' <<<"$xframes" |
		sed 's/+0x[0-9a-f]*//' | xargs)"

snoop_start -U -j -c 4 || fail "attaches with -U -j"
run_clients
snoop_wait
assert_eq "-j: the C client's stack as \"stack\"" "send_request publish_state configure_device main _start" \
	"$(grep "\"pid\":$c," "$SNOOP_OUT" | python3 -c '
import json, re, sys
r = json.loads(sys.stdin.read())
print(" ".join(re.sub(r"[.+].*", "", f) for f in r["stack"] if f.endswith("(stack-client)")))')"
assert_eq "-j: the Python client's frames as \"py_stack\"" "publish_state configure_device main <module>" \
	"$(grep "\"pid\":$p," "$SNOOP_OUT" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print(" ".join(f.split(" ")[1] for f in r["py_stack"] if "stack_client.py" in f))')"

snoop_start -U -s --folded "$T_DIR/s.folded" -c 8 || fail "attaches with -U -s --folded"
run_clients
run_clients
snoop_wait
assert_eq "-s: the stack table counts each client's 2 requests" 4 \
	"$(grep -cE '^ +2 +0 +[0-9.]+ +[0-9.]+  (stack-client|python3|xenstore-write|pyembed);' "$SNOOP_OUT")"
assert_eq "--folded: the C client's line, root first" \
	"main;configure_device;publish_state;send_request;XS_WRITE 2" \
	"$(grep '^stack-client;' "$T_DIR/s.folded" | sed -E 's/\+0x[0-9a-f]+_\([a-z0-9._-]+\)//g;
		s/\.constprop\.[0-9]+//g; s/.*;(main;)/\1/')"
assert_eq "--folded: the Python client's line ends in its frames" 1 \
	"$(grep -c "^python3;.*;$S:$(line_of main)_main;$S:$(line_of configure_device)_configure_device;$S:$(line_of publish_state)_publish_state;.*;XS_WRITE 2\$" "$T_DIR/s.folded")"
# A connection made before -U started: its later requests have stacks too
# (its client end found through the daemon's sockets' peers).
session_start
snoop_start -U -c 1 || fail "attaches with -U while a client is connected"
session write /s/old v
session_end
snoop_wait
assert_eq "a client connected before -U started: its next request has a stack" 1 \
	"$(awk -v want="$(fmt 0 "$SESSION_PID" 0 'XS_WRITE: /s/old v -> OK')" \
		'$0 == want { getline; print (/^        [^ ]/ ? 1 : 0) }' "$SNOOP_OUT")"

# A Python already running when -U starts, in a libpython: its first
# request comes after the attach, so the finder's scan of /proc found it.
mkfifo "$T_DIR/go"
GO=$T_DIR/go PYCLIENT=$PYCLIENT "$BUILD/tests/pyembed" -c '
import os, sys
sys.argv = ["stack_client.py", "/s/late"]
open(os.environ["GO"]).read()
exec(compile(open(os.environ["PYCLIENT"]).read(), os.environ["PYCLIENT"], "exec"))
' >"$T_DIR/late.out" 2>&1 &
late=$!
snoop_start -U -c 1 || fail "attaches with -U while a Python waits"
echo go >"$T_DIR/go"
wait "$late"
snoop_wait
out=$(snoop_lines)
assert_eq "a libpython process started before -U: its Python frames" "publish_state configure_device main" \
	"$(frames_after "$(fmt 0 "$late" 0 'XS_WRITE: /s/late ready -> OK')" | sed -n 's/^py //p' |
		grep -F "$S:" | sed 's/.* //' | head -n 3 | xargs)"
done_testing
