#!/usr/bin/env bash
# bench/probes.sh - what the USDT probes cost: the daemon's throughput with
# probes compiled out (make PROBES=0), compiled in but not attached, and
# with xenstore-snoop attached (output to /dev/null), and with
# xenstore-snoop -U (client stacks), in one run, plus the events
# xenstore-snoop lost at that rate.  xsload's rate is the clients' and the
# daemon's at once (each connection waits for its reply).  -U also runs a
# program on every system call of every process: the last lines time an
# unrelated process (dd, 1-byte writes to /dev/null) without and with
# xenstore-snoop -U attached.  Needs root to attach.
#
#   bench/probes.sh [-d SECS] [-r REPS] [-c CONNS] [-o OP] [-P CPUS]
#
# Defaults: 3 s per measurement, 3 repetitions interleaved across the
# variants (median reported), 8 connections, op read.  -P pins the daemon,
# the clients and xenstore-snoop to CPUS (taskset list, e.g. 0): stabler
# numbers, all the work on the same CPUs.  Also reports the daemon's CPU
# time per request (utime+stime, /proc/PID/stat).  Everything runs on a
# private socket in a mktemp directory and is stopped on exit.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
SECS=3 REPS=3 CONNS=8 OP=read PIN=()
while getopts "d:r:c:o:P:h" opt; do
	case $opt in
	d) SECS=$OPTARG ;; r) REPS=$OPTARG ;; c) CONNS=$OPTARG ;; o) OP=$OPTARG ;;
	P) PIN=(taskset -c "$OPTARG") ;;
	*) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ]; exit $? ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "probes.sh: attaching xenstore-snoop needs root" >&2; exit 2; }
make -s -C "$REPO" daemon bench tools unit >&2 || exit 2
make -s -C "$REPO" PROBES=0 BUILD=build-noprobes daemon >&2 || exit 2

RUN=$(mktemp -d "${TMPDIR:-/tmp}/xsprobes.XXXXXX")
DPID= SPID=
cleanup() {
	[ -n "$SPID" ] && kill -INT "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup EXIT
export XENSTORED_PATH=$RUN/socket

start() {	# binary
	rm -f "$RUN/socket"
	DPID=$("${PIN[@]}" "$REPO/build/tests/notify-wait" "$RUN/notify" "$RUN/daemon.log" \
		"$1" -N) || exit 1
}
stop() {
	kill "$DPID"; while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done; DPID=
}
load() {	# prints "ops/s cpu-us-per-request"
	"${PIN[@]}" "$REPO/build/bench/xsload" -o "$OP" -c "$CONNS" -d "$SECS" --pid "$DPID" |
		sed -n 's/.*ops_per_s=\([0-9]*\).* cpu_us_per_req=\([0-9.]*\).*/\1 \2/p'
}

# 1-byte writes per second of a process that never talks to the daemon.
ddrate() {
	local n=1000000 t0 t1
	t0=$(date +%s%N)
	"${PIN[@]}" dd if=/dev/zero of=/dev/null bs=1 count=$n 2>/dev/null
	t1=$(date +%s%N)
	echo $((n * 2 * 1000000000 / (t1 - t0)))	# a read and a write each
}

declare -A R
LOST=0 EVENTS=0
for rep in $(seq "$REPS"); do
	start "$REPO/build-noprobes/xenstored"; R[out,$rep]=$(load); stop
	start "$REPO/build/xenstored"; R[in,$rep]=$(load); stop
	start "$REPO/build/xenstored"
	: >"$RUN/snoop.err"
	"${PIN[@]}" "$REPO/build/tools/xenstore-snoop" -p "$DPID" >/dev/null 2>"$RUN/snoop.err" &
	SPID=$!
	until grep -q Attached "$RUN/snoop.err"; do
		kill -0 "$SPID" 2>/dev/null || { cat "$RUN/snoop.err" >&2; exit 1; }
		sleep 0.05
	done
	R[att,$rep]=$(load)
	kill -INT "$SPID"; wait "$SPID"; SPID=
	line=$(grep Detached "$RUN/snoop.err")
	EVENTS=$((EVENTS + $(sed -n 's/.*: \([0-9]*\) events.*/\1/p' <<<"$line")))
	LOST=$((LOST + $(sed -n 's/.*, \([0-9]*\) lost.*/\1/p' <<<"$line")))
	stop
	snoop_u() {	# ARGS: xenstore-snoop -U ARGS in the background, until it attached
		"${PIN[@]}" "$REPO/build/tools/xenstore-snoop" -p "$DPID" -U "$@" >/dev/null \
			2>"$RUN/snoop.err" &
		SPID=$!
		until grep -q Attached "$RUN/snoop.err"; do
			kill -0 "$SPID" 2>/dev/null || { cat "$RUN/snoop.err" >&2; exit 1; }
			sleep 0.05
		done
	}
	start "$REPO/build/xenstored"
	snoop_u
	R[stk,$rep]=$(load)
	R[dd1,$rep]=$(ddrate)
	kill -INT "$SPID"; wait "$SPID"; SPID=
	R[dd0,$rep]=$(ddrate)
	stop
	echo "rep $rep: compiled out ${R[out,$rep]}, unattached ${R[in,$rep]}, attached ${R[att,$rep]}, -U ${R[stk,$rep]} (ops/s cpu-us/req); dd ${R[dd0,$rep]} / -U ${R[dd1,$rep]} syscalls/s" >&2
done

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
col() {		# col VARIANT FIELD: the median of that field over the repetitions
	local r
	median $(for r in $(seq "$REPS"); do cut -d' ' -f"$2" <<<"${R[$1,$r]}"; done)
}
out=$(col out 1) in=$(col in 1) att=$(col att 1)
echo "# $(nproc) CPUs${PIN:+, pinned to ${PIN[2]}}; $OP, $CONNS connections, ${SECS}s x $REPS (median)"
printf '%-28s %10s %8s %14s\n' variant ops/s ratio "CPU us/req"
row() {
	printf '%-28s %10d %8.3f %14s\n' "$1" "$2" "$(awk -v a="$2" -v b="$out" 'BEGIN { print a / b }')" "$3"
}
row "probes compiled out" "$out" "$(col out 2)"
row "compiled in, not attached" "$in" "$(col in 2)"
row "xenstore-snoop attached" "$att" "$(col att 2)"
row "xenstore-snoop -U attached" "$(col stk 1)" "$(col stk 2)"
echo "xenstore-snoop: $EVENTS events received, $LOST lost"
dd0=$(col dd0 1) dd1=$(col dd1 1)
printf 'unrelated process (dd bs=1): %d syscalls/s; with -U attached %d (%.3f)\n' "$dd0" "$dd1" \
	"$(awk -v a="$dd1" -v b="$dd0" 'BEGIN { print a / b }')"
