#!/usr/bin/env bash
# bench/probes.sh - what the USDT probes cost: the daemon's throughput with
# probes compiled out (make PROBES=0), compiled in but not attached, and
# with xenstore-snoop attached (output to /dev/null), in one run, plus the
# events xenstore-snoop lost at that rate.  Needs root to attach.
#
#   bench/probes.sh [-d SECS] [-r REPS] [-c CONNS] [-o OP]
#
# Defaults: 3 s per measurement, 3 repetitions interleaved across the
# variants (median reported), 8 connections, op read.  Everything runs on
# a private socket in a mktemp directory and is stopped on exit.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
SECS=3 REPS=3 CONNS=8 OP=read
while getopts "d:r:c:o:h" opt; do
	case $opt in
	d) SECS=$OPTARG ;; r) REPS=$OPTARG ;; c) CONNS=$OPTARG ;; o) OP=$OPTARG ;;
	*) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; [ "$opt" = h ]; exit $? ;;
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
	DPID=$("$REPO/build/tests/notify-wait" "$RUN/notify" "$RUN/daemon.log" "$1" -N) || exit 1
}
stop() {
	kill "$DPID"; while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done; DPID=
}
load() {
	"$REPO/build/bench/xsload" -o "$OP" -c "$CONNS" -d "$SECS" |
		sed -n 's/.*ops_per_s=\([0-9]*\).*/\1/p'
}

declare -A R
LOST=0 EVENTS=0
for rep in $(seq "$REPS"); do
	start "$REPO/build-noprobes/xenstored"; R[out,$rep]=$(load); stop
	start "$REPO/build/xenstored"; R[in,$rep]=$(load); stop
	start "$REPO/build/xenstored"
	: >"$RUN/snoop.err"
	"$REPO/build/tools/xenstore-snoop" -p "$DPID" >/dev/null 2>"$RUN/snoop.err" &
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
	echo "rep $rep: compiled out ${R[out,$rep]}/s, unattached ${R[in,$rep]}/s, attached ${R[att,$rep]}/s" >&2
done

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
out=$(median $(for r in $(seq "$REPS"); do echo "${R[out,$r]}"; done))
in=$(median $(for r in $(seq "$REPS"); do echo "${R[in,$r]}"; done))
att=$(median $(for r in $(seq "$REPS"); do echo "${R[att,$r]}"; done))
echo "# $(nproc) CPUs; $OP, $CONNS connections, ${SECS}s x $REPS (median)"
printf '%-32s %10s %8s\n' variant ops/s ratio
printf '%-32s %10d %8s\n' "probes compiled out" "$out" 1.00
printf '%-32s %10d %8.3f\n' "compiled in, not attached" "$in" "$(awk -v a="$in" -v b="$out" 'BEGIN { print a / b }')"
printf '%-32s %10d %8.3f\n' "xenstore-snoop attached" "$att" "$(awk -v a="$att" -v b="$out" 'BEGIN { print a / b }')"
echo "xenstore-snoop: $EVENTS events received, $LOST lost"
