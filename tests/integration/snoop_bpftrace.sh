#!/bin/bash
# snoop_bpftrace.sh - the shipped bpftrace scripts work with Debian's
# bpftrace 0.17 against the running daemon: xenstore-snoop.bt prints the
# original DOM PID TX OP lines (errors, transaction ids, the node behind an
# EAGAIN, watch events with their path, token and causing connection), and
# xenstore-latency.bt prints per-operation histograms at Ctrl-C.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
command -v bpftrace >/dev/null || { fail "bpftrace is installed"; done_testing; exit 1; }

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }

# bt_start NAME SCRIPT: runs bpftrace on the daemon; returns once the
# script's BEGIN has printed its first line (the probes are attached).
bt_start() {
	local fifo=$T_DIR/$1.fifo line fd
	mkfifo "$fifo"
	bpftrace -p "$XSD_PID" "$BUILD/tools/bpftrace/$2" >"$fifo" 2>"$T_DIR/$1.err" &
	BT_PID[$1]=$!
	T_PIDS+=("$!")
	exec {fd}<"$fifo"
	: >"$T_DIR/$1.out"
	while IFS= read -r -t 60 line <&"$fd"; do
		echo "$line" >>"$T_DIR/$1.out"
		[[ $line == Attaching* ]] || break
	done
	cat <&"$fd" >>"$T_DIR/$1.out" &
	BT_CAT[$1]=$!
	exec {fd}<&-
	[ -n "$line" ]
}
bt_stop() {
	kill -INT "${BT_PID[$1]}"
	wait "${BT_PID[$1]}"
	wait "${BT_CAT[$1]}"
}
declare -A BT_PID BT_CAT

bt_start snoop xenstore-snoop.bt || fail "xenstore-snoop.bt attaches"
bt_start lat xenstore-latency.bt || fail "xenstore-latency.bt attaches"

w=$(pid_of xenstore-write /bt/a hello)
m=$(pid_of xenstore-read /bt/missing)
d=$(pid_of xenstore-rm /bt/a)
"$TOP/tests/helpers/xswire.py" conflict /bt/c >"$T_DIR/conflict.out" 2>&1
py=$(sed -n 's/^pid //p' "$T_DIR/conflict.out")
watch_start /bt/w || fail "xenstore-watch registers its watch"
wa=$WATCH_PID
wx=$(pid_of xenstore-write /bt/w/x 1)
watch_wait
# bpftrace prints what its perf buffer holds when it next polls it, and
# stops without draining it: the last request's line must be out first.
wait_for 30 grep -q 'XS_WRITE: /bt/w/x -> OK' "$T_DIR/snoop.out"
bt_stop snoop
bt_stop lat

actual=$(sed -n '/^DOM /,$p' "$T_DIR/snoop.out" | grep -v '^$')
assert_lines "xenstore-snoop.bt: one line per request, in the original columns" \
"$(printf '%-4s %-7s %-4s %s' DOM PID TX OP)
$(fmt 0 "$w" 0 'XS_WRITE: /bt/a -> OK')
$(fmt 0 "$m" 0 '[ERROR] XS_READ: /bt/missing -> ENOENT')
$(fmt 0 "$d" 0 'XS_TRANSACTION_START: -> 1')
$(fmt 0 "$d" 1 'XS_RM: /bt/a -> OK')
$(fmt 0 "$d" 1 'XS_TRANSACTION_END: T -> OK')
$(fmt 0 "$py" 0 'XS_WRITE: /bt/c -> OK')
$(fmt 0 "$py" 0 'XS_TRANSACTION_START: -> 1')
$(fmt 0 "$py" 1 'XS_READ: /bt/c -> base')
$(fmt 0 "$py" 1 'XS_WRITE: /bt/c -> OK')
$(fmt 0 "$py" 0 'XS_WRITE: /bt/c -> OK')
$(fmt 0 "$py" 1 '[ERROR] XS_TRANSACTION_END: T -> EAGAIN (conflict on /bt/c)')
$(fmt 0 "$wa" 0 'XS_WATCH: /bt/w -> OK')
$(fmt 0 "$wa" - "XS_WATCH_EVENT: /bt/w /bt/w (cause: conn 6, dom 0 pid $wa)")
$(fmt 0 "$wa" - "XS_WATCH_EVENT: /bt/w/x /bt/w (cause: conn 7, dom 0 pid $wx)")
$(fmt 0 "$wx" 0 'XS_WRITE: /bt/w/x -> OK')" "$actual"

lat=$(cat "$T_DIR/lat.out")
for op in XS_READ XS_WRITE XS_TRANSACTION_END XS_WATCH; do
	grep -q "^@usecs\[$op\]: $" <<<"$lat" || { fail "xenstore-latency.bt: a histogram for $op"; continue; }
	ok "xenstore-latency.bt: a histogram for $op"
done
assert_eq "xenstore-latency.bt: counts per operation" "@requests[XS_WRITE]: 5" \
	"$(grep '^@requests\[XS_WRITE\]' <<<"$lat")"
if grep -qE '^\[[0-9]+[KM]?, [0-9]+[KM]?\) +[0-9]+ \|@+ *\|$' <<<"$lat"; then
	ok "xenstore-latency.bt: histogram bars"; else fail "histogram bars"; fi
if grep -v -e RLIMIT_MEMLOCK -e uprobe_events -e 'failed to detach probe' "$T_DIR"/{snoop,lat}.err |
	grep -q .; then fail "bpftrace printed no other error"; sed 's/^/#   /' "$T_DIR"/{snoop,lat}.err
else ok "bpftrace printed no other error"; fi
done_testing
