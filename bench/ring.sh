#!/usr/bin/env bash
# bench/ring.sh - our xenstored and Xen's C xenstored 4.17 side by side on
# the guests' ring path.  Both run on the libxen stand-in
# (tests/peers/xenstub.c: ours with --hypervisor=xen, i.e. src/hv_xen.c;
# C unchanged) over a simulated hypervisor of their own, so the same
# simulated guests reach each over real shared ring pages and event
# channels, in the same run.
#
#   bench/ring.sh [-d SECS] [-r REPS] [-c LIST] [-s LIST] [-D LIST] [-P CPUS]
#                 [-Q CPUS] [-B XENSTORED] [-o FILE] [-b BUILDDIR] [-k]
#
#   -d SECS    seconds per throughput measurement (default 2)
#   -r REPS    repetitions of the throughput measurements, interleaved
#              across the daemons; the report shows the median (default 3)
#   -c LIST    concurrent guests for throughput, comma separated (1,10,100)
#   -s LIST    guest counts of the boot storm and scale runs (10,100,200,1000)
#   -D LIST    daemons: ours, c, base (default ours,c; base with -B)
#   -P CPUS    pin the daemons and every client to these CPUs (taskset list)
#   -Q CPUS    pin the clients (guests, xsload, ringstorm) to these CPUs
#              instead; with -P 1 -Q 0 every daemon and its guests run on
#              different CPUs, which the scheduler otherwise picks by chance
#   -B BIN     "base": another build of our xenstored (say, before a
#              change), measured in the same run as the others (adds base
#              to -D)
#   -o FILE    also write the report to FILE
#   -b DIR     build directory (default <repo>/build)
#   -k         keep the run directory
#
# Throughput: C guests, one `xenstore-sim guest N` process each on its own
# domain's ring, read a 12-byte value one request at a time for SECS, all
# starting together (each watches /bench/go; dom0 writes it).  ops/s is the
# sum over the guests; CPU is the daemon's utime+stime over the window
# divided by the requests.  xsload -o read over the Unix socket is the
# socket figure of the same daemon.
# Boot storm and scale: bench/ringstorm -n N -N 50 -W 20 -t SECS against a
# fresh daemon per N: the toolstack sets up N domains with a vif frontend
# and backend and introduces them, every guest does its frontend/backend
# handshake at once (boot s); then each guest creates 50 nodes and 20
# watches, and guests take turns doing READ round trips (us per request,
# daemon CPU per request); VmRSS per guest over the empty daemon.
set -u
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
SECS=2 REPS=3 CLIENTS=1,10,100 SIZES=10,100,200,1000 DAEMONS=ours,c OUT="" KEEP=0 PIN="" CPIN="" BASE=""
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while getopts "d:r:c:s:D:P:Q:B:o:b:kh" opt; do
	case $opt in
		d) SECS=$OPTARG ;;
		r) REPS=$OPTARG ;;
		c) CLIENTS=$OPTARG ;;
		s) SIZES=$OPTARG ;;
		D) DAEMONS=$OPTARG ;;
		P) PIN=$OPTARG ;;
		B) BASE=$OPTARG ;;
		Q) CPIN=$OPTARG ;;
		o) OUT=$OPTARG ;;
		b) BUILD=$OPTARG ;;
		k) KEEP=1 ;;
		h) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
	esac
done
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "ring.sh: no build directory" >&2; exit 2; }
SIM=$BUILD/xenstore-sim XSD=$BUILD/xenstored XSLOAD=$BUILD/bench/xsload
STORM=$BUILD/bench/ringstorm STUB=$BUILD/tests/libxenstub.so PEERS=$REPO/tests/peers/peers.sh
for f in "$SIM" "$XSD" "$XSLOAD" "$STORM" "$STUB"; do
	[ -e "$f" ] || { echo "ring.sh: $f is not built (make)" >&2; exit 2; }
done
[ -n "$BASE" ] && [[ ,$DAEMONS, != *,base,* ]] && DAEMONS+=,base
IFS=, read -r -a KINDS <<<"$DAEMONS"
for k in "${KINDS[@]}"; do
	case $k in ours) ;; c) BUILD=$BUILD "$PEERS" setup || exit 2 ;;
	base) [ -x "$BASE" ] || { echo "ring.sh: base needs -B XENSTORED (an executable)" >&2; exit 2; } ;;
	*) echo "ring.sh: unknown daemon '$k' (ours, c, base)" >&2; exit 2 ;; esac
done
for cpus in "$PIN" "$CPIN"; do
	if [ -n "$cpus" ] && ! taskset -c "$cpus" true 2>/dev/null; then
		echo "ring.sh: cannot pin to CPUs '$cpus'" >&2; exit 2
	fi
done
pin() { if [ -n "$PIN" ]; then taskset -c "$PIN" "$@"; else "$@"; fi; }
# The clients: where -Q says, else with the daemons.
pinc() { if [ -n "$CPIN" ]; then taskset -c "$CPIN" "$@"; else pin "$@"; fi; }
IFS=, read -r -a COUNTS <<<"$CLIENTS"
IFS=, read -r -a NS <<<"$SIZES"
MAXC=0
for c in "${COUNTS[@]}"; do [ "$c" -gt "$MAXC" ] && MAXC=$c; done
declare -A NAME=([ours]="xenstored (ours)" [c]="C xenstored 4.17" [base]="xenstored (base: $BASE)") \
	LABEL=([ours]=ours [c]=C [base]=base)

RUN=$(mktemp -d "${TMPDIR:-/tmp}/xsring.XXXXXX") || exit 2
declare -A PID DIR
CLIENT_PIDS=()
say() { echo "ring.sh: $*" >&2; }

# start KIND RUNDIR: the daemon on RUNDIR/socket, its guests in RUNDIR/sim.
start() {
	local k=$1 dir=$2
	mkdir -p "$dir/sim" || return 1
	DIR[$k]=$dir
	if [ "$k" = c ]; then
		pin env BUILD="$BUILD" "$PEERS" start-c "$dir" >/dev/null || return 1
		PID[$k]=$(cat "$dir/xenstored.pid")
		return 0
	fi
	"$SIM" -d "$dir/sim" create 0 || return 1
	PID[$k]=$(XENSTUB_DIR=$dir/sim LD_PRELOAD=$STUB XENSTORED_PATH=$dir/socket pin \
		"$BUILD/tests/notify-wait" "$dir/notify" "$dir/daemon.log" "$([ "$k" = base ] && echo "$BASE" || echo "$XSD")" -N \
		-F "$dir/xenstored.pid" --hypervisor=xen) || { cat "$dir/daemon.log" >&2; return 1; }
}
stop() {
	local k=$1 p=${PID[$1]:-}
	[ -n "$p" ] || return 0
	if [ "$k" = c ]; then
		BUILD=$BUILD "$PEERS" stop "${DIR[$k]}"
	else
		kill "$p" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	fi
	PID[$k]=
}
cleanup() {
	local p k
	for p in "${CLIENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for k in "${KINDS[@]}"; do stop "$k"; done
	if [ "$KEEP" = 1 ]; then say "kept $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# on KIND CMD...: CMD as dom0 of that daemon.
on() { local k=$1; shift; XENSTORED_PATH=${DIR[$k]}/socket "$@"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
VALUE=abcdefghijkl   # 12 bytes, as xsload's read

# --------------------------------------------------------------- throughput
for k in "${KINDS[@]}"; do
	start "$k" "$RUN/$k" || { say "${NAME[$k]} did not start"; exit 1; }
	say "${NAME[$k]}: pid ${PID[$k]}; creating $MAXC guests"
	on "$k" xenstore-write /bench/go 0 && on "$k" xenstore-chmod /bench/go r0 || exit 1
	for d in $(seq 1 "$MAXC"); do
		"$SIM" -d "${DIR[$k]}/sim" create "$d" &&
		on "$k" "$SIM" guest -e dom0 "mkdir /local/domain/$d" "setperms /local/domain/$d n$d" \
			"write /local/domain/$d/r $VALUE" >/dev/null &&
		on "$k" "$SIM" -d "${DIR[$k]}/sim" introduce "$d" || { say "domain $d did not boot"; exit 1; }
	done
	on "$k" xenstore-write /local/domain/0/r "$VALUE" || exit 1
done

# ring_run KIND C: C guests read for SECS; prints "ops_per_s cpu_us_per_req".
ring_run() {
	local k=$1 c=$2 i n=0 t0 t1 ops=0 rate=0 line
	on "$k" xenstore-write /bench/go 0
	CLIENT_PIDS=()
	for i in $(seq 1 "$c"); do
		on "$k" pinc "$SIM" -d "${DIR[$k]}/sim" guest -t 60000 "$i" "watch /bench/go g" \
			"write armed 1" "events 1" "bench ${SECS}s r" >"$RUN/client.$i" 2>&1 &
		CLIENT_PIDS+=($!)
	done
	# Every guest has its watch once it wrote armed (bounded poll: a
	# registration has no event of its own).
	for _ in $(seq 600); do
		n=$(on "$k" xenstore-ls -f /local/domain 2>/dev/null | grep -c '/armed = ')
		[ "$n" -ge "$c" ] && break
		sleep 0.05
	done
	[ "$n" -ge "$c" ] || { say "${NAME[$k]} x$c: only $n guests ready"; return 1; }
	t0=$(cpu_ticks "${PID[$k]}")
	on "$k" xenstore-write /bench/go 1
	for i in "${CLIENT_PIDS[@]}"; do wait "$i"; done
	t1=$(cpu_ticks "${PID[$k]}")
	CLIENT_PIDS=()
	for i in $(seq 1 "$c"); do
		line=$(grep -o 'ops=[0-9]* secs=[0-9.]* ops_per_s=[0-9]* errors=[0-9]*' "$RUN/client.$i")
		[[ $line == *" errors=0" ]] || { say "${NAME[$k]} guest $i: ${line:-no result}"; return 1; }
		line=${line#ops=}
		ops=$((ops + ${line%% *}))
		rate=$((rate + $(sed 's/.*ops_per_s=\([0-9]*\).*/\1/' <<<"$line")))
		on "$k" xenstore-rm "/local/domain/$i/armed"
	done
	awk -v r="$rate" -v t=$((t1 - t0)) -v hz="$HZ" -v o="$ops" \
		'BEGIN { printf "%d %.2f\n", r, o ? t / hz / o * 1e6 : 0 }'
}

xsload_run() {
	local k=$1 c=$2 line
	line=$(on "$k" pinc timeout $((${SECS%.*} + 120)) "$XSLOAD" -o read -c "$c" -d "$SECS" \
		--pid "${PID[$k]}" 2>>"$RUN/xsload.err") || { say "xsload -c $c failed"; return 1; }
	awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { printf "%d %.2f\n", v["ops_per_s"], v["cpu_us_per_req"] }' <<<"$line"
}

declare -A OPS CPU
for rep in $(seq 1 "$REPS"); do
	for c in "${COUNTS[@]}"; do
		for k in "${KINDS[@]}"; do
			for how in ring socket; do
				if [ "$how" = ring ]; then r=$(ring_run "$k" "$c"); else r=$(xsload_run "$k" "$c"); fi ||
					exit 1
				OPS[$k,$how,$c]+=" ${r% *}"
				CPU[$k,$how,$c]+=" ${r#* }"
				say "rep $rep: ${NAME[$k]} $how x$c: ${r% *} ops/s, ${r#* } us CPU/req"
			done
		done
	done
done
for k in "${KINDS[@]}"; do
	kill -0 "${PID[$k]}" 2>/dev/null || { say "${NAME[$k]} died"; exit 1; }
	stop "$k"
done

# ------------------------------------------------------- boot storm and scale
declare -A STORM_RES
for n in "${NS[@]}"; do
	for k in "${KINDS[@]}"; do
		rm -rf "$RUN/$k"
		start "$k" "$RUN/$k" || { say "${NAME[$k]} did not start"; exit 1; }
		STORM_RES[$k,$n]=$(on "$k" pinc timeout 1200 "$STORM" -d "${DIR[$k]}/sim" -n "$n" \
			-p "${PID[$k]}" -N 50 -W 20 -t "$SECS") || { say "ringstorm -n $n failed on ${NAME[$k]}"; exit 1; }
		say "${NAME[$k]}: ${STORM_RES[$k,$n]}"
		stop "$k"
	done
done

# ------------------------------------------------------------------- report
median() { tr ' ' '\n' <<<"$1" | awk NF | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
field() { sed -n "s/.*\\b$2=\\([0-9.]*\\).*/\\1/p" <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-" }'; }
both() { [[ " ${KINDS[*]} " == *" ours "* && " ${KINDS[*]} " == *" c "* ]]; }
with_base() { [[ " ${KINDS[*]} " == *" ours "* && " ${KINDS[*]} " == *" base "* ]]; }
placement() {
	if [ -n "$CPIN" ]; then
		echo "daemons ${PIN:+pinned to CPU(s) $PIN}${PIN:-not pinned}, clients pinned to CPU(s) $CPIN"
	elif [ -n "$PIN" ]; then
		echo "daemons and clients pinned to CPU(s) $PIN"
	else
		echo "not pinned"
	fi
}
report() {
	local c k n how
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), kernel $(uname -r); repo $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?')"
	echo "- daemons: $(for k in "${KINDS[@]}"; do printf '%s, ' "${NAME[$k]}"; done)each on tests/peers/xenstub.c (ours through src/hv_xen.c); ${SECS} s per measurement, median of $REPS interleaved repetitions; $(placement)"
	echo
	echo "Throughput (read round trips, one outstanding per client):"
	echo
	local head="| clients | path |" rule="|---:|---|"
	for k in "${KINDS[@]}"; do head+=" ${LABEL[$k]} ops/s |"; rule+="---:|"; done
	for k in "${KINDS[@]}"; do head+=" ${LABEL[$k]} CPU us/req |"; rule+="---:|"; done
	both && head+=" ops/s ours / C | CPU/req C / ours |" rule+="---:|---:|"
	with_base && head+=" ops/s ours / base | CPU/req base / ours |" rule+="---:|---:|"
	echo "$head"
	echo "$rule"
	for c in "${COUNTS[@]}"; do
		for how in ring socket; do
			local row="| $c | $how |" k
			local -A o=() u=()
			for k in "${KINDS[@]}"; do o[$k]=$(median "${OPS[$k,$how,$c]}"); done
			for k in "${KINDS[@]}"; do u[$k]=$(median "${CPU[$k,$how,$c]}"); done
			for k in "${KINDS[@]}"; do row+=" $(printf '%.0f' "${o[$k]}") |"; done
			for k in "${KINDS[@]}"; do row+=" ${u[$k]} |"; done
			both && row+=" $(ratio "${o[ours]}" "${o[c]}") | $(ratio "${u[c]}" "${u[ours]}") |"
			with_base && row+=" $(ratio "${o[ours]}" "${o[base]}") | $(ratio "${u[base]}" "${u[ours]}") |"
			echo "$row"
		done
	done
	echo
	echo "Boot storm and scale (bench/ringstorm -N 50 -W 20: each guest then owns 50 nodes and 20 watches):"
	echo
	echo "| guests | daemon | boot s | daemon CPU in boot s | RSS KiB | RSS per guest KiB | us/request | daemon CPU us/request |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|"
	for n in "${NS[@]}"; do
		for k in "${KINDS[@]}"; do
			local r=${STORM_RES[$k,$n]}
			echo "| $n | ${NAME[$k]} | $(field "$r" boot_s) | $(field "$r" boot_daemon_cpu_s) | $(field "$r" rss_kib) | $(field "$r" rss_per_guest_kib) | $(field "$r" us_per_req) | $(field "$r" daemon_cpu_us_per_req) |"
		done
		both && echo "| $n | C / ours | $(ratio "$(field "${STORM_RES[c,$n]}" boot_s)" "$(field "${STORM_RES[ours,$n]}" boot_s)") | | | | $(ratio "$(field "${STORM_RES[c,$n]}" us_per_req)" "$(field "${STORM_RES[ours,$n]}" us_per_req)") | $(ratio "$(field "${STORM_RES[c,$n]}" daemon_cpu_us_per_req)" "$(field "${STORM_RES[ours,$n]}" daemon_cpu_us_per_req)") |"
	done
	echo
	echo "Raw ringstorm lines:"
	echo
	for n in "${NS[@]}"; do for k in "${KINDS[@]}"; do echo "    $k: ${STORM_RES[$k,$n]}"; done; done
}
report | tee ${OUT:+"$OUT"}
