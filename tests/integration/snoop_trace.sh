#!/bin/bash
# snoop_trace.sh - xenstore-snoop attached to a running daemon shows every
# request joined with its reply, in the original format: exact lines for
# writes, reads, an error (ENOENT), a listing, a transaction, a transaction
# conflict (EAGAIN and the node behind it), a watch event with the request
# that caused it, binary bytes, NULs and a payload cut with its marker;
# then the -t/-l/-C columns.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }

# Found by itself: $XENSTORED_RUNDIR/xenstored.pid (exported by start_xenstored).
snoop_start && ok "attaches to the running daemon, found from its pid file" ||
	{ fail "attaches"; done_testing; exit 1; }
line=$(head -1 "$SNOOP_ERR")
[[ $line == "Attached to xenstored PID $XSD_PID ($XENSTORED"* ]] &&
	ok "says which daemon it attached to" || { fail "says which daemon"; echo "#   got: $line"; }

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
long=$(printf 'v%.0s' $(seq 300))
lp=$(pid_of xenstore-write /snoop/long "$long")
snoop_stop

assert_eq "exits 0 on SIGINT" 0 "$SNOOP_RC"
assert_eq "prints the header" "DOM  PID     TX   OP" "$(head -1 "$SNOOP_OUT")"
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
0    $lp   0    XS_WRITE: /snoop/long $cut256...(312 bytes) -> OK"
# PIDs are padded to 7 columns: rebuild the expected lines with printf.
expected=$(while IFS= read -r line; do
	read -r dom pid tx rest <<<"$line"
	printf '%-4s %-7s %-4s %s\n' "$dom" "$pid" "$tx" "$rest"
done <<<"$expected")
actual=$(snoop_lines)
assert_lines "every request, joined with its reply, in the original format" "$expected" "$actual"
assert_has "an error: read of a missing node -> ENOENT" \
	"$(printf '%-4s %-7s %-4s %s' 0 "$m" 0 '[ERROR] XS_READ: /snoop/missing -> ENOENT')" "$actual"
assert_has "a conflict: EAGAIN names the node that conflicted" \
	"$(printf '%-4s %-7s %-4s %s' 0 "$py" 1 '[ERROR] XS_TRANSACTION_END: T -> EAGAIN (txn EAGAIN: 3 ops, 1 node, conflict on /snoop/c)')" "$actual"
assert_has "a watch event names the request that caused it" \
	"$(printf '%-4s %-7s %-4s %s' 0 "$wa" - "XS_WATCH_EVENT: /snoop/w/x /snoop/w (cause: XS_WRITE /snoop/w/x, dom 0 pid $wx)")" "$actual"
assert_eq "reports no lost event on exit" "Detached from xenstored PID $XSD_PID: 21 events, 0 lost" \
	"$(grep '^Detached' "$SNOOP_ERR")"

# -t -l -C: timestamp, latency and command name columns; -p names the daemon.
snoop_start -p "$XSD_PID" -t -l -C || fail "attaches with -p"
r=$(pid_of xenstore-read /snoop/c)
snoop_stop
assert_eq "-t -l -C header" "TIME            DOM  PID     COMM            TX    LAT(us) OP" \
	"$(head -1 "$SNOOP_OUT")"
line=$(snoop_lines)
re="^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} 0    $r +xenstore-read +0 +[0-9]+\.[0-9] XS_READ: /snoop/c -> from-B$"
if [[ $line =~ $re ]]; then ok "-t -l -C line: time, command name, latency"; else
	fail "-t -l -C line"; echo "#   got: $line"; fi

assert_cmd "the daemon still answers" xenstore-read /snoop/c
done_testing
