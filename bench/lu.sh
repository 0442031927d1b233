#!/usr/bin/env bash
# bench/lu.sh - live update of a big store, ours and Xen's C xenstored 4.17
# side by side: the time from `live-update -s` to the first request the
# new process answers, with 100,000 nodes (docs/BENCHMARKS.md).
#
#   bench/lu.sh [-n NODES] [-r REPS] [-D ours,c] [-b BUILDDIR]
#
# Each daemon is started once, filled with NODES nodes (values and
# permission lists, tests/helpers/lu_clients.py), then updated REPS times
# into its own binary (C: on the libxen stand-in of tests/peers).  One run
# (bench/lu_time.py): a client sends -s while a second connection has a
# READ queued behind it; reported: milliseconds from -s to the OK and to
# the READ's reply, and the daemon's CPU time over that span (its pid
# stays through the exec; 10 ms clock ticks), min/median/max over the runs.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
NODES=100000 REPS=5 BUILD=$TOP/build DAEMONS=ours,c
while getopts n:r:b:D: o; do
	case $o in
	n) NODES=$OPTARG ;; r) REPS=$OPTARG ;; b) BUILD=$OPTARG ;; D) DAEMONS=$OPTARG ;;
	*) sed -n '2,14p' "$0"; exit 2 ;;
	esac
done
export BUILD
# On tmpfs when there is one, as /var/run is on a host.
RUN=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/xs-lu.XXXXXX")
PEERS=$TOP/tests/peers/peers.sh
# Every step its own: under set -e a failing step in a trap ends the trap
# (peers.sh stop fails when C was not started), which left ours running.
cleanup() {
	"$PEERS" stop "$RUN/c" >/dev/null 2>&1 || true
	if [ -n "${OURS:-}" ]; then kill "$OURS" 2>/dev/null || true; fi
	rm -rf "$RUN"
}
trap cleanup EXIT

stats() {	# a column of numbers -> "min median max"
	sort -n | awk '{ v[NR] = $1 } END { printf "%s %s %s", v[1], v[int((NR + 1) / 2)], v[NR] }'
}

measure() {	# NAME BINARY
	local i ok=() rd=() cpu=() line
	XENSTORED_PATH=$RUN/$1/socket XENSTORED_RUNDIR=$RUN/$1 \
		"$TOP/tests/helpers/lu_clients.py" populate "$NODES" /bench >/dev/null
	for i in $(seq "$REPS"); do
		line=$(XENSTORED_PATH=$RUN/$1/socket XENSTORED_RUNDIR=$RUN/$1 \
			"$TOP/bench/lu_time.py" "$2" "$(cat "$RUN/$1/xenstored.pid")")
		set -- "$1" "$2" $line
		ok+=("$3") rd+=("$4") cpu+=("$5")
		set -- "$1" "$2"
		# the new process is up: wait for its socket to answer again
		XENSTORED_PATH=$RUN/$1/socket timeout 10 xenstore-read /bench/d0/n0 >/dev/null
	done
	printf '| %s | %s | %s | %s |\n' "$1" "$(printf '%s\n' "${ok[@]}" | stats)" \
		"$(printf '%s\n' "${rd[@]}" | stats)" "$(printf '%s\n' "${cpu[@]}" | stats)"
}

want() { [[ ",$DAEMONS," == *",$1,"* ]]; }
if want ours; then
mkdir -p "$RUN/ours"
XENSTORED_RUNDIR=$RUN/ours XENSTORED_PATH=$RUN/ours/socket \
	"$BUILD/xenstored" -N -F "$RUN/ours/xenstored.pid" >"$RUN/ours/daemon.log" 2>&1 &
OURS=$!
until [ -S "$RUN/ours/socket" ]; do sleep 0.05; done
fi
if want c; then
mkdir -p "$RUN/c/sim"
for d in $(seq 1 20); do "$BUILD/xenstore-sim" -d "$RUN/c/sim" create "$d"; done
"$PEERS" start-c "$RUN/c" >/dev/null
fi

echo "live update with $NODES nodes, $REPS runs each; ms from -s (min median max)"
echo
echo "| daemon | to the OK | to the first other request answered | daemon CPU |"
echo "|---|---|---|---|"
want ours && measure ours "$BUILD/xenstored"
want c && measure c "$("$PEERS" bin xenstored)"
