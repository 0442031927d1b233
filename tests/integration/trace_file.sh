#!/bin/bash
# trace_file.sh - `xenstored -T FILE` (what Debian's launch-xenstore passes
# for XENSTORED_TRACE) writes the lines xenstore-snoop -t prints, from
# inside the daemon: exact lines for writes, reads, an error, a listing,
# transactions with their outcome, an EAGAIN with the node behind it, watch
# events with the request that caused them, binary bytes, UTF-8 and a long
# payload cut with its length (the same lines snoop_trace.sh expects of
# the snoop); the file is 0600 and appended to, a relative name is the
# caller's, SIGHUP re-opens it (log rotation), and a file that cannot be
# opened stops the start-up with one line.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"

mkdir -p "$T_DIR/cwd"
cd "$T_DIR/cwd" || exit 1
start_xenstored -T trace.log || { fail "daemon starts with -T"; done_testing; exit 1; }
TRACE=$T_DIR/cwd/trace.log
[ -f "$TRACE" ] && ok "a relative -T name is taken from the caller's directory" ||
	fail "trace file created in the caller's directory"
assert_eq "the trace file is mode 0600" 600 "$(stat -c %a "$TRACE")"

w=$(pid_of xenstore-write /snoop/a hello)
r=$(pid_of xenstore-read /snoop/a)
m=$(pid_of xenstore-read /snoop/missing)
l=$(pid_of xenstore-ls /snoop)
d=$(pid_of xenstore-rm /snoop/a)
"$TOP/tests/helpers/xswire.py" conflict /snoop/c >"$T_DIR/conflict.out" 2>&1
py=$(sed -n 's/^pid //p' "$T_DIR/conflict.out")
watch_start /snoop/w || fail "xenstore-watch registers its watch"
wa=$WATCH_PID
wx=$(pid_of xenstore-write /snoop/w/x 1)
watch_wait
b=$(pid_of xenstore-write /snoop/bin 'a\x01b\\c\x00d\x7f')
u=$(pid_of xenstore-write /snoop/utf8 'héllo ☃ \xe2\x80\xae')
long=$(printf 'v%.0s' $(seq 300))
lp=$(pid_of xenstore-write /snoop/long "$long")

cut256=$(printf 'v%.0s' $(seq 244))
expected="0    $w   0    XS_WRITE: /snoop/a hello -> OK
0    $r   0    XS_READ: /snoop/a -> hello
0    $m   0    [ERROR] XS_READ: /snoop/missing -> ENOENT
0    $l   0    XS_DIRECTORY: /snoop -> a
0    $l   0    XS_READ: /snoop/a -> hello
0    $l   0    XS_DIRECTORY: /snoop/a ->
0    $d   0    XS_TRANSACTION_START: -> 1
0    $d   1    XS_RM: /snoop/a -> OK
0    $d   1    XS_TRANSACTION_END: T -> OK (txn committed: 2 ops, 2 nodes)
0    $py   0    XS_WRITE: /snoop/c base -> OK
0    $py   0    XS_TRANSACTION_START: -> 1
0    $py   1    XS_READ: /snoop/c -> base
0    $py   1    XS_WRITE: /snoop/c from-A -> OK
0    $py   0    XS_WRITE: /snoop/c from-B -> OK
0    $py   1    [ERROR] XS_TRANSACTION_END: T -> EAGAIN (txn EAGAIN: 3 ops, 1 node, conflict on /snoop/c)
0    $wa   0    XS_WATCH: /snoop/w /snoop/w -> OK
0    $wa   -    XS_WATCH_EVENT: /snoop/w /snoop/w (cause: XS_WATCH /snoop/w, dom 0 pid $wa)
0    $wa   -    XS_WATCH_EVENT: /snoop/w/x /snoop/w (cause: XS_WRITE /snoop/w/x, dom 0 pid $wx)
0    $wx   0    XS_WRITE: /snoop/w/x 1 -> OK
0    $b   0    XS_WRITE: /snoop/bin a\\x01b\\\\c d\\x7f -> OK
0    $u   0    XS_WRITE: /snoop/utf8 héllo ☃ \\xe2\\x80\\xae -> OK
0    $lp   0    XS_WRITE: /snoop/long $cut256...(312 bytes) -> OK"
# Columns as xenstore-snoop prints them (fmt), the TIME column cut off.
expected=$(while read -r dom pid tx rest; do
	fmt "$dom" "$pid" "$tx" "$rest"
done <<<"$expected" | sed 's/ *$//')
actual=$(grep -v '^#' "$TRACE" | tail -n +2 | cut -c17- | sed 's/ *$//')
assert_lines "one line per request and watch event, as xenstore-snoop prints them" \
	"$expected" "$actual"
assert_eq "the header names the columns of xenstore-snoop -t" \
	"TIME            DOM  PID     TX   OP" "$(grep -v '^#' "$TRACE" | head -1)"
bad=$(grep -v '^#' "$TRACE" | tail -n +2 | grep -cvE '^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6} ')
assert_eq "every line starts with a wall-clock time (HH:MM:SS.us)" 0 "$bad"

# logrotate: the file is moved away, SIGHUP, and a new one is started.
mv "$TRACE" "$TRACE.1"
kill -HUP "$XSD_PID"
wait_for 30 test -s "$TRACE" && ok "SIGHUP re-opens the trace file under its name" ||
	fail "SIGHUP re-opens the trace file"
x=$(pid_of xenstore-write /snoop/after-hup 1)
wait_for 30 grep -q "after-hup" "$TRACE" && ok "lines go to the new file after SIGHUP" ||
	fail "lines go to the new file after SIGHUP"
daemon_alive && ok "the daemon lives on after SIGHUP" || fail "daemon alive after SIGHUP"
grep -q after-hup "$TRACE.1" && fail "the rotated file got no new lines" ||
	ok "the rotated file got no new lines"
stop_xenstored

# Appended to, never truncated: a second daemon adds a header and lines.
start_xenstored -T "$TRACE" || fail "daemon restarts with the same -T"
pid_of xenstore-write /snoop/second 1 >/dev/null
stop_xenstored
assert_eq "a second run appends (two headers, both runs' lines)" "2 1 1" \
	"$(grep -c '^# xenstored pid' "$TRACE") $(grep -c after-hup "$TRACE") $(grep -c /snoop/second "$TRACE")"

# Without -T nothing is written anywhere near.
start_xenstored || fail "daemon starts without -T"
pid_of xenstore-write /snoop/none 1 >/dev/null
stop_xenstored
grep -q /snoop/none "$TRACE" && fail "no trace without -T" || ok "no trace without -T"

out=$("$XENSTORED" -N -T /nonexistent/dir/trace.log 2>&1); rc=$?
[ "$rc" -ne 0 ] && ok "an unopenable trace file stops the start-up (exit $rc)" ||
	fail "an unopenable trace file stops the start-up"
assert_eq "... with one line naming the file and the reason" \
	"xenstored: cannot open trace file /nonexistent/dir/trace.log: No such file or directory" "$out"
done_testing
