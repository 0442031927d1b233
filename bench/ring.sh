#!/usr/bin/env bash
# bench/ring.sh - read round trips per second through the shared ring of
# simulated guests versus through the Unix socket, with 1, 10 and 100
# clients busy at once, against our xenstored on the simulated hypervisor.
#
#   bench/ring.sh [-d SECS] [-r REPS] [-c LIST] [-P CPUS] [-o FILE] [-b BUILDDIR] [-k]
#
#   -d SECS    seconds per measurement (default 2)
#   -r REPS    repetitions, interleaved; the report shows the median (default 3)
#   -c LIST    client counts, comma separated (default 1,10,100)
#   -P CPUS    pin the daemon and every client to these CPUs (taskset
#              list, e.g. 0); default: not pinned
#   -o FILE    also write the report to FILE
#   -b DIR     build directory (default <repo>/build)
#   -k         keep the run directory
#
# Transports, each with C clients reading a 12-byte value one request at a
# time (a client waits for each reply):
#   ring     C simulated guests, one `xenstore-sim guest N` process each on
#            its own domain's ring (request ring, notification through the
#            simulated event channel, response ring), `bench SECSs r`
#   socket   C `xenstore-sim guest dom0` processes on the Unix socket, the
#            same client code as the ring guests, `bench SECSs r`
#   xsload   build/bench/xsload -o read -c C: libxenstore on the socket,
#            one thread per connection (as bench/run.sh)
# The ring and socket clients register a watch on /bench/go, say they are
# ready, and all start when dom0 writes it: their windows coincide.
# ops/s is the sum over the clients; CPU is the daemon's utime+stime over
# the window divided by the requests (from /proc/PID/stat).
set -u
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
SECS=2 REPS=3 CLIENTS=1,10,100 OUT="" KEEP=0 PIN=""
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while getopts "d:r:c:P:o:b:kh" opt; do
	case $opt in
		d) SECS=$OPTARG ;;
		r) REPS=$OPTARG ;;
		c) CLIENTS=$OPTARG ;;
		P) PIN=$OPTARG ;;
		o) OUT=$OPTARG ;;
		b) BUILD=$OPTARG ;;
		k) KEEP=1 ;;
		h) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
	esac
done
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "ring.sh: no build directory" >&2; exit 2; }
SIM=$BUILD/xenstore-sim XSD=$BUILD/xenstored XSLOAD=$BUILD/bench/xsload
NOTIFY=$BUILD/tests/notify-wait
for f in "$SIM" "$XSD" "$XSLOAD" "$NOTIFY"; do
	[ -x "$f" ] || { echo "ring.sh: $f is not built (make)" >&2; exit 2; }
done
if [ -n "$PIN" ] && ! taskset -c "$PIN" true 2>/dev/null; then
	echo "ring.sh: cannot pin to CPUs '$PIN'" >&2; exit 2
fi
pin() { if [ -n "$PIN" ]; then taskset -c "$PIN" "$@"; else "$@"; fi; }
IFS=, read -r -a COUNTS <<<"$CLIENTS"
MAXC=0
for c in "${COUNTS[@]}"; do [ "$c" -gt "$MAXC" ] && MAXC=$c; done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/xsring.XXXXXX") || exit 2
export XENSTORED_RUNDIR=$RUN XENSTORED_PATH=$RUN/socket
XSD_PID= CLIENT_PIDS=()
cleanup() {
	local p
	for p in "${CLIENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$XSD_PID" ]; then
		kill "$XSD_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$XSD_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	if [ "$KEEP" = 1 ]; then echo "ring.sh: kept $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "ring.sh: $*" >&2; }

XSD_PID=$(pin "$NOTIFY" "$RUN/notify" "$RUN/daemon.log" "$XSD" -N -F "$RUN/xenstored.pid" \
	--hypervisor=sim) || { cat "$RUN/daemon.log" >&2; exit 1; }
VALUE=abcdefghijkl   # 12 bytes, as xsload's read
say "xenstored pid $XSD_PID in $RUN; creating $MAXC guests"
xenstore-write /bench/go 0 && xenstore-chmod /bench/go r0 || exit 1
for d in $(seq 1 "$MAXC"); do
	"$SIM" create "$d" &&
	"$SIM" guest -e dom0 "mkdir /local/domain/$d" "setperms /local/domain/$d n$d" \
		"write /local/domain/$d/r $VALUE" >/dev/null &&
	"$SIM" introduce "$d" || { say "domain $d did not boot"; exit 1; }
done
xenstore-write /local/domain/0/r "$VALUE" || exit 1

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$XSD_PID/stat"; }
HZ=$(getconf CLK_TCK)

# sim_run KIND C: C ring guests (domains 1..C) or C dom0 socket clients;
# prints "ops_per_s cpu_us_per_req".
sim_run() {
	local kind=$1 c=$2 i who armed n t0 t1 ops=0 rate=0 line
	xenstore-write /bench/go 0
	xenstore-rm /bench/armed 2>/dev/null
	CLIENT_PIDS=()
	for i in $(seq 1 "$c"); do
		if [ "$kind" = ring ]; then who=$i armed=armed; else who=dom0 armed=/bench/armed/$i; fi
		pin "$SIM" guest -t 60000 "$who" "watch /bench/go g" "write $armed 1" "events 1" \
			"bench ${SECS}s r" >"$RUN/client.$i" 2>&1 &
		CLIENT_PIDS+=($!)
	done
	# Every client has its watch once it wrote its armed node (bounded poll:
	# a registration has no event of its own).
	for _ in $(seq 600); do
		if [ "$kind" = ring ]; then
			n=$(xenstore-ls -f /local/domain 2>/dev/null | grep -c '/armed = ')
		else
			n=$(xenstore-list /bench/armed 2>/dev/null | wc -l)
		fi
		[ "$n" -ge "$c" ] && break
		sleep 0.05
	done
	[ "$n" -ge "$c" ] || { say "$kind x$c: only $n clients ready"; return 1; }
	t0=$(cpu_ticks)
	xenstore-write /bench/go 1
	for i in "${CLIENT_PIDS[@]}"; do wait "$i"; done
	t1=$(cpu_ticks)
	CLIENT_PIDS=()
	for i in $(seq 1 "$c"); do
		line=$(grep -o 'ops=[0-9]* secs=[0-9.]* ops_per_s=[0-9]* errors=[0-9]*' "$RUN/client.$i")
		[[ $line == *" errors=0" ]] || { say "$kind client $i: ${line:-no result}"; return 1; }
		line=${line#ops=}
		ops=$((ops + ${line%% *}))
		rate=$((rate + $(sed 's/.*ops_per_s=\([0-9]*\).*/\1/' <<<"$line")))
	done
	[ "$kind" = ring ] && for i in $(seq 1 "$c"); do xenstore-rm "/local/domain/$i/armed"; done
	awk -v r="$rate" -v t=$((t1 - t0)) -v hz="$HZ" -v o="$ops" \
		'BEGIN { printf "%d %.2f\n", r, o ? t / hz / o * 1e6 : 0 }'
}

xsload_run() {
	local c=$1 line
	line=$(pin timeout $((${SECS%.*} + 120)) "$XSLOAD" -o read -c "$c" -d "$SECS" --pid "$XSD_PID" 2>>"$RUN/xsload.err") ||
		{ say "xsload -c $c failed"; return 1; }
	echo "$line" >>"$RUN/xsload.raw"
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { printf "%d %.2f\n", v["ops_per_s"], v["cpu_us_per_req"] }' <<<"$line"
}

declare -A OPS CPU
for rep in $(seq 1 "$REPS"); do
	for c in "${COUNTS[@]}"; do
		for kind in ring socket xsload; do
			if [ "$kind" = xsload ]; then r=$(xsload_run "$c"); else r=$(sim_run "$kind" "$c"); fi || exit 1
			OPS[$kind,$c]+=" ${r% *}"
			CPU[$kind,$c]+=" ${r#* }"
			say "rep $rep: $kind x$c: ${r% *} ops/s, ${r#* } us CPU/req"
		done
	done
done
kill -0 "$XSD_PID" 2>/dev/null || { say "the daemon died"; exit 1; }

median() { tr ' ' '\n' <<<"$1" | awk NF | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
report() {
	local c
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), kernel $(uname -r); repo $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')"
	local pinned="not pinned"
	[ -n "$PIN" ] && pinned="daemon and clients pinned to CPU(s) $PIN"
	echo "- ${SECS} s per measurement, median of $REPS interleaved repetitions; $pinned"
	echo
	echo "| clients | ring ops/s | socket ops/s (same client) | xsload ops/s (libxenstore) | ring / socket | ring CPU us/req | socket CPU us/req | xsload CPU us/req |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	for c in "${COUNTS[@]}"; do
		local ro so xo
		ro=$(median "${OPS[ring,$c]}") so=$(median "${OPS[socket,$c]}") xo=$(median "${OPS[xsload,$c]}")
		printf '| %s | %.0f | %.0f | %.0f | %s | %s | %s | %s |\n' "$c" "$ro" "$so" "$xo" \
			"$(awk -v a="$ro" -v b="$so" 'BEGIN { printf "%.2f", b ? a / b : 0 }')" \
			"$(median "${CPU[ring,$c]}")" "$(median "${CPU[socket,$c]}")" "$(median "${CPU[xsload,$c]}")"
	done
}
report | tee ${OUT:+"$OUT"}
