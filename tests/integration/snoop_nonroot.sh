#!/bin/bash
# snoop_nonroot.sh - without the privilege to attach, xenstore-snoop says
# so in one line (what is missing, how to run it) and exits non-zero; the
# usage text needs no privilege and has an EXAMPLES block; bad options and
# a daemon that is not there are one-line errors too.
. "$(dirname "$0")/../lib.sh"
SNOOP=$BUILD/tools/xenstore-snoop
[ -x "$SNOOP" ] || { fail "xenstore-snoop is built (run make)"; done_testing; exit 1; }

# As nobody (uid 65534, no capabilities) when we are root, else as ourselves.
as_user() {
	if [ "$(id -u)" == 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"
	else
		"$@"
	fi
}
# The tool must be reachable by that user (the tree may sit in a private dir).
if [ "$(id -u)" == 0 ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$SNOOP"; then
	cp "$SNOOP" "$T_DIR/xenstore-snoop"; chmod 755 "$T_DIR" "$T_DIR/xenstore-snoop"
	SNOOP=$T_DIR/xenstore-snoop
fi

as_user "$SNOOP" >"$T_DIR/out" 2>"$T_DIR/err"
rc=$?
[ "$rc" -ne 0 ] && ok "unprivileged: exits non-zero ($rc)" || fail "unprivileged: exits non-zero"
assert_eq "unprivileged: one line on stderr saying what is missing and how to run it" \
	"xenstore-snoop: attaching to xenstored needs root (CAP_SYS_ADMIN): run it with sudo" \
	"$(cat "$T_DIR/err")"
assert_eq "unprivileged: nothing on stdout" "" "$(cat "$T_DIR/out")"

# Same with an explicit daemon PID (it is not even looked at).
as_user "$SNOOP" -p 1 -j >"$T_DIR/out" 2>"$T_DIR/err"
assert_eq "unprivileged with -p: the same line" \
	"xenstore-snoop: attaching to xenstored needs root (CAP_SYS_ADMIN): run it with sudo" \
	"$(cat "$T_DIR/err")"

as_user "$SNOOP" -h >"$T_DIR/out" 2>&1
assert_eq "usage needs no privilege" 0 $?
grep -q '^EXAMPLES:$' "$T_DIR/out" && ok "usage has an EXAMPLES block" || fail "EXAMPLES block"
for opt in -p -t -l -C -D -P -o -f -x -e -j -s -i -c -d -b -v; do
	grep -qE "^ +$opt[, ]" "$T_DIR/out" || { fail "usage documents $opt"; continue 2; }
done
ok "usage documents every option"

"$SNOOP" -Z >"$T_DIR/out" 2>&1; rc=$?
[ "$rc" -ne 0 ] && grep -q "invalid option" "$T_DIR/out" && ok "an unknown option is refused" ||
	fail "unknown option"
"$SNOOP" -b 3 >"$T_DIR/out" 2>&1; rc=$?
[ "$rc" -ne 0 ] && grep -q "power of 2" "$T_DIR/out" && ok "-b must be a power of 2" ||
	fail "-b 3"

if [ "$(id -u)" == 0 ]; then
	# A PID that does not exist: one line, non-zero.
	pid=$(sh -c 'echo $$')
	out=$("$SNOOP" -p "$pid" 2>&1); rc=$?
	assert_eq "-p with no such process: one line, non-zero" \
		"1:1:xenstore-snoop: no process $pid to attach to (/proc/$pid/exe: No such file or directory)" \
		"$([ $rc -ne 0 ] && echo 1):$(wc -l <<<"$out"):$out"
	# The daemon named by XENSTORED_RUNDIR is not running: one line, non-zero.
	out=$(XENSTORED_RUNDIR="$T_DIR" XENSTORED_PATH="$T_DIR/socket" "$SNOOP" -d 5 2>&1); rc=$?
	assert_eq "no daemon where XENSTORED_RUNDIR says: one line, non-zero" \
		"1:1:xenstore-snoop: no running xenstored found (no pid file $T_DIR/xenstored.pid, nothing serves $T_DIR/socket): start it, or name it with -p PID" \
		"$([ $rc -ne 0 ] && echo 1):$(wc -l <<<"$out"):$out"
fi
done_testing
