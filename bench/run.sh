#!/usr/bin/env bash
# bench/run.sh - side-by-side xenstore benchmark: our daemon, the stock C
# xenstored and oxenstored (tests/peers/peers.sh) and the null daemon, in one
# run, on private Unix sockets in a mktemp directory.
#
#   bench/run.sh [-q] [-o FILE] [-D LIST] [-d SECS] [-r REPS] [-P CPUS]
#                [-b BUILDDIR] [-k]
#
#   -q         quick smoke run (CI): 0.3 s per measurement, 1 repetition,
#              10,000 prefill nodes and 1,000 idle watches
#   -o FILE    also write the report (tables + raw xsload lines) to FILE
#   -D LIST    daemons, comma separated, in display order; default
#              ours,c,o,null (ours = build/xenstored, c = C xenstored,
#              o = oxenstored, null = bench/nulld)
#   -d SECS    seconds per measurement (default 1)
#   -r REPS    repetitions of every measurement, interleaved across the
#              daemons; the report shows the median (default 3)
#   -P CPUS    pin every daemon and every client to these CPUs (taskset
#              list, e.g. 0): no cross-CPU wake-ups, far less noise, and
#              the daemon's own cost weighs more (default: not pinned)
#   -b DIR     build directory (default <repo>/build)
#   -k         keep the run directory (logs, sockets) for inspection
#
# Environment: OXS_ARGS / CXS_ARGS (extra daemon arguments, e.g. OXS_ARGS=--no-access-log),
# PREFILL / WATCHES (override the node and watch counts).
#
# Phase A (fresh daemons): read, write, directory and txn with 1 and 8
# connections, and 1-connection writes with 0 vs WATCHES idle watches.
# Phase B (fresh daemons again): commit latency on the empty store, VmRSS,
# prefill of PREFILL nodes, VmRSS again, commit latency on the full store.
# Every daemon is started by this script and stopped by its EXIT trap.
# shellcheck disable=SC2015  # "a && b || c" is meant: c when a or b fails
set -u
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
QUICK=0 OUT="" KEEP=0 SECS="" REPS="" PIN="" DAEMONS=ours,c,o,null

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 && !/shellcheck/ { sub(/^# ?/, ""); print }' "$0"; }
while getopts "qo:D:d:r:P:b:kh" opt; do
    case $opt in
        q) QUICK=1 ;;
        o) OUT=$OPTARG ;;
        D) DAEMONS=$OPTARG ;;
        d) SECS=$OPTARG ;;
        r) REPS=$OPTARG ;;
        P) PIN=$OPTARG ;;
        b) BUILD=$OPTARG ;;
        k) KEEP=1 ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "run.sh: no build directory $BUILD (run make bench)" >&2; exit 2; }

if [ "$QUICK" = 1 ]; then
    : "${SECS:=0.3}" "${REPS:=1}" "${PREFILL:=10000}" "${WATCHES:=1000}"
else
    : "${SECS:=1}" "${REPS:=3}" "${PREFILL:=100000}" "${WATCHES:=10000}"
fi
if ! [[ $SECS =~ ^[0-9]+([.][0-9]+)?$ && $REPS =~ ^[1-9][0-9]?$ &&
        $PREFILL =~ ^[0-9]+$ && $WATCHES =~ ^[0-9]+$ ]]; then
    echo "run.sh: bad -d/-r/PREFILL/WATCHES" >&2; exit 2
fi

if [ -n "$PIN" ] && ! taskset -c "$PIN" true 2>/dev/null; then
    echo "run.sh: cannot pin to CPUs '$PIN' (taskset -c)" >&2; exit 2
fi
# pin cmd...: run cmd on the -P CPUs, if any (exec keeps the pid).
pin() { if [ -n "$PIN" ]; then taskset -c "$PIN" "$@"; else "$@"; fi; }

XSLOAD=$BUILD/bench/xsload
NULLD=$BUILD/bench/nulld
if [ ! -x "$XSLOAD" ] || [ ! -x "$NULLD" ]; then
    echo "run.sh: building bench tools into $BUILD/bench" >&2
    make -s -C "$REPO/bench" BUILD="$BUILD/bench" >&2 || exit 2
fi
# Xen's daemons (fetched on first use) on the libxen stand-in.
PEERS=$REPO/tests/peers
peers() { BUILD=$BUILD "$PEERS/peers.sh" "$@"; }

# Bounds: every xsload call is killed after its duration plus this margin.
TMO_RUN=$(awk -v s="$SECS" 'BEGIN { printf "%d", s + 60 }')
TMO_SETUP=300                      # prefill / watch registration

RUN=$(mktemp -d "${TMPDIR:-/tmp}/xsbench.XXXXXX") || exit 2
LOG=$RUN/run.log
RAW=$RUN/raw.txt
: >"$RAW"

declare -A NAME SOCK PID DIR STATE RES
NAME[ours]="xenstored (ours)"
NAME[c]="C xenstored"
NAME[o]="oxenstored"
NAME[null]="null daemon"
LIST=()
IFS=, read -r -a req <<<"$DAEMONS"
for d in "${req[@]}"; do
    case $d in
        ours|c|o|null) LIST+=("$d") ;;
        cxenstored) LIST+=(c) ;;
        oxenstored) LIST+=(o) ;;
        nulld) LIST+=(null) ;;
        *) echo "run.sh: unknown daemon '$d' (ours, c, o, null)" >&2; exit 2 ;;
    esac
done
[ ${#LIST[@]} -gt 0 ] || { echo "run.sh: no daemons selected" >&2; exit 2; }

say() { echo "run.sh: $*" >&2; echo "$*" >>"$LOG"; }

# ---------------------------------------------------------------- daemons --

stop_daemon() {   # d
    local d=$1 p=${PID[$1]:-}
    [ -n "${DIR[$d]:-}" ] || return 0
    case $d in
        c|o) peers stop "${DIR[$d]}" >>"$LOG" 2>&1 ;;
        *)
            if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
                kill -TERM "$p" 2>/dev/null
                for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$p" 2>/dev/null
                wait "$p" 2>/dev/null
            fi ;;
    esac
    PID[$d]="" DIR[$d]="" SOCK[$d]=""
}

# shellcheck disable=SC2317  # called from the trap
cleanup() {
    trap - EXIT INT TERM
    for d in "${LIST[@]}"; do stop_daemon "$d"; done
    if [ "$KEEP" = 1 ]; then echo "run.sh: kept $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_ready d pidfile: alive, socket present and connectable (<= 10 s).
wait_ready() {
    local d=$1 pf=$2 _
    for _ in $(seq 100); do
        kill -0 "${PID[$d]}" 2>/dev/null || break
        # Ready means its pid file is written too: $! may be the subshell
        # running pin(), and stopping that would leave the daemon running.
        if [ -S "${SOCK[$d]}" ] && [ -s "$pf" ] &&
           XENSTORED_PATH=${SOCK[$d]} timeout 5 "$XSLOAD" -o none >/dev/null 2>&1; then
            PID[$d]=$(cat "$pf")
            return 0
        fi
        sleep 0.1
    done
    say "${NAME[$d]} did not come up; last lines of ${DIR[$d]}/daemon.log:"
    tail -n 20 "${DIR[$d]}/daemon.log" >&2
    return 1
}

# start_daemon d phase: sets SOCK/PID/DIR, or STATE[d]=skip:<why>.
start_daemon() {
    local d=$1 dir=$RUN/$2/$1 s
    case ${STATE[$d]:-} in skip:*) return 1 ;; esac
    mkdir -p "$dir"
    DIR[$d]=$dir
    case $d in
        ours|null)
            local bin=$BUILD/xenstored
            [ "$d" = null ] && bin=$NULLD
            if [ ! -x "$bin" ]; then
                STATE[$d]="skip:$bin not built (make daemon)"
                say "skipping ${NAME[$d]}: $bin is missing"
                DIR[$d]=""; return 1
            fi
            SOCK[$d]=$dir/socket
            XENSTORED_PATH=$dir/socket pin "$bin" -N -F "$dir/xenstored.pid" \
                </dev/null >>"$dir/daemon.log" 2>&1 &
            PID[$d]=$!
            wait_ready "$d" "$dir/xenstored.pid" || {
                stop_daemon "$d"; STATE[$d]="skip:did not start"; return 1; }
            ;;
        c|o)
            if ! peers setup 2>>"$LOG"; then
                STATE[$d]="skip:no Xen peers (tests/peers/peers.sh setup failed)"
                say "skipping ${NAME[$d]}: tests/peers/peers.sh setup failed"
                DIR[$d]=""; return 1
            fi
            local args=${CXS_ARGS:-}
            [ "$d" = o ] && args=${OXS_ARGS:-}
            # shellcheck disable=SC2086
            if ! s=$(pin env BUILD="$BUILD" "$PEERS/peers.sh" "start-$d" "$dir" $args 2>>"$LOG"); then
                STATE[$d]="skip:did not start (see $LOG)"
                say "skipping ${NAME[$d]}: peers.sh start-$d failed"
                DIR[$d]=""; return 1
            fi
            SOCK[$d]=$s
            PID[$d]=$(cat "$dir/xenstored.pid")
            ;;
    esac
    STATE[$d]=up
    say "started ${NAME[$d]} (pid ${PID[$d]}, $2)"
}

# alive d: the daemon is up; records and reports its death otherwise.
DIED=0
alive() {
    [ "${STATE[$1]:-}" = up ] || return 1
    kill -0 "${PID[$1]}" 2>/dev/null && return 0
    STATE[$1]="skip:died during the run"
    RES[$1,died]=1 DIED=1
    say "${NAME[$1]} (pid ${PID[$1]}) died; last lines of ${DIR[$1]}/daemon.log:"
    tail -n 20 "${DIR[$1]}/daemon.log" >&2
    return 1
}

# ---------------------------------------------------------------- running --

# kv LINE KEY: value of KEY=... in an xsload line.
kv() { local t; for t in $1; do [ "${t%%=*}" = "$2" ] && { echo "${t#*=}"; return; }; done; }

# xs d scen timeout xsload-args...: one xsload run; the line goes to RAW and
# the result arrays: RES[d,scen,ops] (list), cpu, reqs, eagain, commit, p50.
xs() {
    local d=$1 scen=$2 tmo=$3 line rc
    shift 3
    alive "$d" || { RES[$d,$scen,fail]=1; return 1; }
    line=$(XENSTORED_PATH=${SOCK[$d]} pin timeout "$tmo" "$XSLOAD" "$@" --pid "${PID[$d]}" 2>>"$LOG")
    rc=$?
    echo "$d $scen rc=$rc $line" >>"$RAW"
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        say "${NAME[$d]} $scen: xsload failed (rc=$rc)${line:+: $line}"
        RES[$d,$scen,fail]=1
        alive "$d"
        return 1
    fi
    LAST=$line
    RES[$d,$scen,ops]+=" $(kv "$line" ops_per_s)"
    RES[$d,$scen,cpu]=$(awk -v a="${RES[$d,$scen,cpu]:-0}" -v b="$(kv "$line" cpu_s)" 'BEGIN{print a+b}')
    RES[$d,$scen,ucpu]=$(awk -v a="${RES[$d,$scen,ucpu]:-0}" -v b="$(kv "$line" cpu_user_s)" 'BEGIN{print a+b}')
    RES[$d,$scen,reqs]=$(( ${RES[$d,$scen,reqs]:-0} + $(kv "$line" reqs) ))
    RES[$d,$scen,eagain]=$(( ${RES[$d,$scen,eagain]:-0} + $(kv "$line" eagain) ))
    local cu; cu=$(kv "$line" commit_us)
    if [ -n "$cu" ]; then
        RES[$d,$scen,commit]+=" $cu"
        RES[$d,$scen,p50]+=" $(kv "$line" commit_p50_us)"
    fi
    return 0
}

has_store() { [ "$1" != null ]; }

THR_OPS="read write directory txn"
SCENS=()
for o in $THR_OPS; do SCENS+=("$o:1" "$o:8"); done

T0=$(date +%s)
say "run dir $RUN; ${SECS}s x $REPS per measurement; prefill $PREFILL; watches $WATCHES${PIN:+; pinned to CPU $PIN}"

# Phase A: throughput and watches, fresh daemons.
for d in "${LIST[@]}"; do start_daemon "$d" A; done
for rep in $(seq "$REPS"); do
    for sc in "${SCENS[@]}"; do
        o=${sc%:*} c=${sc#*:}
        for d in "${LIST[@]}"; do
            alive "$d" || continue
            xs "$d" "$sc" "$TMO_RUN" -o "$o" -c "$c" -d "$SECS"
        done
    done
    for d in "${LIST[@]}"; do
        alive "$d" || continue
        xs "$d" watch0 "$TMO_RUN" -o write -c 1 -d "$SECS"
        xs "$d" watchN $((TMO_RUN + TMO_SETUP)) -o write -c 1 -d "$SECS" --watches "$WATCHES"
    done
    say "phase A repetition $rep/$REPS done ($(( $(date +%s) - T0 )) s)"
done
for d in "${LIST[@]}"; do stop_daemon "$d"; done

# Phase B: commit latency, memory and prefill, fresh daemons.
for d in "${LIST[@]}"; do
    case ${STATE[$d]:-} in skip:died*|skip:did*) STATE[$d]="" ;; esac
    has_store "$d" && start_daemon "$d" B
done
for rep in $(seq "$REPS"); do
    for d in "${LIST[@]}"; do
        has_store "$d" && alive "$d" && xs "$d" commit0 "$TMO_RUN" -o commit -d "$SECS"
    done
done
for d in "${LIST[@]}"; do
    if ! has_store "$d" || ! alive "$d"; then continue; fi
    xs "$d" mem0 "$TMO_RUN" -o none && RES[$d,rss0]=$(kv "$LAST" rss_kb)
    say "prefilling ${NAME[$d]} with $PREFILL nodes"
    xs "$d" prefill "$TMO_SETUP" -o none --prefill "$PREFILL" && {
        RES[$d,rss1]=$(kv "$LAST" rss_kb)
        RES[$d,prefill_secs]=$(kv "$LAST" prefill_secs); }
done
for rep in $(seq "$REPS"); do
    for d in "${LIST[@]}"; do
        has_store "$d" && alive "$d" && xs "$d" commitN "$TMO_RUN" -o commit -d "$SECS"
    done
done
for d in "${LIST[@]}"; do stop_daemon "$d"; done
ELAPSED=$(( $(date +%s) - T0 ))

# ---------------------------------------------------------------- report --

median() { tr ' ' '\n' <<<"$1" | awk NF | sort -g | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2f", a/b; else printf "n/a" }'; }
fmt0() { [ -n "$1" ] && awk -v a="$1" 'BEGIN{printf "%.0f", a}' || echo n/a; }
fmt1() { [ -n "$1" ] && awk -v a="$1" 'BEGIN{printf "%.1f", a}' || echo n/a; }

# why d: text for a daemon without results.
why() {
    local s=${STATE[$1]:-}
    if [ -n "${RES[$1,died]:-}" ]; then echo "daemon died"; return; fi
    case $s in skip:*) echo "skipped: ${s#skip:}" ;; *) echo "n/a" ;; esac
}

# ops d scen: median ops/s or empty; cpu_per_req d scen.
ops() { [ -n "${RES[$1,$2,fail]:-}" ] && return; median "${RES[$1,$2,ops]:-}"; }
# cpu_per_req d scen [cpu|ucpu]: daemon CPU (all, or user only) us/request.
cpu_per_req() {
    [ -n "${RES[$1,$2,fail]:-}" ] && return
    awk -v c="${RES[$1,$2,${3:-cpu}]:-}" -v r="${RES[$1,$2,reqs]:-0}" 'BEGIN { if (r > 0 && c != "") printf "%.2f", c/r*1e6 }'
}
inlist() { local x; for x in "${LIST[@]}"; do [ "$x" = "$1" ] && return 0; done; return 1; }

# row d cells...: one Markdown table row.
row() { local IFS='|' n=${NAME[$1]}; shift; echo "| $n |$*|"; }

report() {
    local sc o c v n cval w0 wn m0 mN D
    echo "# xenstore benchmark report"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), kernel $(uname -r)"
    echo "- ${SECS} s per measurement, median of $REPS interleaved repetition(s); prefill $PREFILL nodes; $WATCHES idle watches; whole run ${ELAPSED} s"
    if [ -n "$PIN" ]; then
        echo "- CPU pinning: daemons and clients all on CPU(s) $PIN (-P)"
    else
        echo "- CPU pinning: none, the scheduler places them"
    fi
    echo "- peers: Xen's daemons from $(BUILD=$BUILD "$PEERS/peers.sh" bin xenstored 2>/dev/null | sed 's|/xenstored$||' || echo none) on tests/peers/xenstub.c (libxenstore $(dpkg-query -W -f '${Version}' libxenstore4 2>/dev/null || echo '?'))${OXS_ARGS:+; OXS_ARGS=$OXS_ARGS}${CXS_ARGS:+; CXS_ARGS=$CXS_ARGS}"
    echo "- repo: $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo 'no commit yet')"
    echo
    echo "ops/s counts all connections (txn = committed transactions of 12 requests)."
    echo "CPU = the daemon's utime+stime per request over the measured window"
    echo "(/proc/PID/stat, all threads); user = utime only."
    for sc in "${SCENS[@]}"; do
        o=${sc%:*} c=${sc#*:}
        echo
        echo "## $o, $c connection$([ "$c" = 1 ] || echo s)"
        echo
        echo "| daemon | $([ "$o" = txn ] && echo txn || echo ops)/s | vs null | vs C | CPU us/req | user us/req | EAGAIN |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        for D in "${LIST[@]}"; do
            v=$(ops "$D" "$sc")
            if [ -n "${RES[$D,$sc,fail]:-}" ]; then
                row "$D" " FAIL " "" "" "" "" ""
            elif [ -z "$v" ]; then
                row "$D" " $(why "$D") " "" "" "" "" ""
            else
                row "$D" " $(fmt0 "$v") " " $(ratio "$v" "$(ops null "$sc")") " \
                    " $(ratio "$v" "$(ops c "$sc")") " " $(cpu_per_req "$D" "$sc") " \
                    " $(cpu_per_req "$D" "$sc" ucpu) " " ${RES[$D,$sc,eagain]:-0} "
            fi
        done
    done

    echo
    echo "## write rate, 1 connection, 0 vs $WATCHES idle watches"
    echo
    echo "| daemon | writes/s, no watches | writes/s, $WATCHES watches | ratio | CPU us/req, no watches | CPU us/req, $WATCHES watches |"
    echo "|---|---:|---:|---:|---:|---:|"
    for D in "${LIST[@]}"; do
        w0=$(ops "$D" watch0) wn=$(ops "$D" watchN)
        if [ -n "${RES[$D,watch0,fail]:-}${RES[$D,watchN,fail]:-}" ]; then
            row "$D" " FAIL " "" "" "" ""
        elif [ -z "$w0$wn" ]; then
            row "$D" " $(why "$D") " "" "" "" ""
        else
            row "$D" " $(fmt0 "$w0") " " $(fmt0 "$wn") " " $(ratio "$wn" "$w0") " \
                " $(cpu_per_req "$D" watch0) " " $(cpu_per_req "$D" watchN) "
        fi
    done

    echo
    echo "## commit latency (xs_transaction_end after one write), 1 connection"
    echo
    echo "| daemon | empty: mean us | empty: p50 us | $PREFILL nodes: mean us | $PREFILL nodes: p50 us | full/empty (mean) |"
    echo "|---|---:|---:|---:|---:|---:|"
    for D in "${LIST[@]}"; do
        m0=$(median "${RES[$D,commit0,commit]:-}") mN=$(median "${RES[$D,commitN,commit]:-}")
        if ! has_store "$D"; then
            row "$D" " n/a (no store) " "" "" "" ""
        elif [ -n "${RES[$D,commit0,fail]:-}${RES[$D,commitN,fail]:-}" ]; then
            row "$D" " FAIL " "" "" "" ""
        elif [ -z "$m0$mN" ]; then
            row "$D" " $(why "$D") " "" "" "" ""
        else
            row "$D" " $(fmt1 "$m0") " " $(fmt1 "$(median "${RES[$D,commit0,p50]:-}")") " \
                " $(fmt1 "$mN") " " $(fmt1 "$(median "${RES[$D,commitN,p50]:-}")") " \
                " $(ratio "$mN" "$m0") "
        fi
    done

    echo
    echo "## resident memory (VmRSS) for $PREFILL small nodes"
    echo
    echo "| daemon | baseline KiB | after prefill KiB | delta KiB | bytes/node | vs C | prefill s |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    cval=$(rss_delta c)
    for D in "${LIST[@]}"; do
        n=$(rss_delta "$D")
        if ! has_store "$D"; then
            row "$D" " n/a (no store) " "" "" "" "" ""
        elif [ -n "${RES[$D,prefill,fail]:-}${RES[$D,mem0,fail]:-}" ]; then
            row "$D" " FAIL " "" "" "" "" ""
        elif [ -z "$n" ]; then
            row "$D" " $(why "$D") " "" "" "" "" ""
        else
            row "$D" " ${RES[$D,rss0]} " " ${RES[$D,rss1]} " " $n " \
                " $(awk -v n="$n" -v p="$PREFILL" 'BEGIN { if (p) printf "%.0f", n*1024/p; else printf "n/a" }') " \
                " $(ratio "$n" "$cval") " " ${RES[$D,prefill_secs]:-} "
        fi
    done

    targets
}

rss_delta() {
    [ -n "${RES[$1,rss0]:-}" ] && [ -n "${RES[$1,rss1]:-}" ] &&
        echo $(( ${RES[$1,rss1]} - ${RES[$1,rss0]} ))
}

# cpu_total d field: "seconds requests" summed over the throughput scenarios.
cpu_total() {
    local sc s=0 r=0
    for sc in "${SCENS[@]}"; do
        [ -z "${RES[$1,$sc,fail]:-}" ] && [ -n "${RES[$1,$sc,reqs]:-}" ] || return 1
        s=$(awk -v x="$s" -v y="${RES[$1,$sc,$2]:-0}" 'BEGIN { print x+y }')
        r=$((r + RES[$1,$sc,reqs]))
    done
    [ "$r" -gt 0 ] || return 1
    echo "$s $r"
}

# Targets of the project, evaluated for every daemon with a store.
targets() {
    local d cols=() m
    for d in "${LIST[@]}"; do has_store "$d" && cols+=("$d"); done
    [ ${#cols[@]} -gt 0 ] || return 0
    echo
    echo "## targets"
    echo
    echo "Rows marked (info) are not targets, they explain the CPU target (see docs/BENCHMARKS.md)."
    echo
    printf '| target |'; for d in "${cols[@]}"; do printf ' %s |' "${NAME[$d]}"; done; echo
    printf '|---|'; for d in "${cols[@]}"; do printf -- '---:|'; done; echo
    for m in thr1 thr8 cpu ucpu xcpu commit watch rss; do
        case $m in
            thr1) printf '| 1 conn: min over read,write,directory,txn of ops/s vs null >= 0.95 |' ;;
            thr8) printf '| 8 conns: same, >= 0.85 |' ;;
            cpu) printf '| CPU (utime+stime) per request vs C xenstored <= 0.55 |' ;;
            ucpu) printf '| (info) user CPU per request vs C xenstored |' ;;
            xcpu) printf '| (info) CPU per request above the null daemon, vs C above null |' ;;
            commit) printf '| commit latency, %s nodes vs empty <= 1.2 |' "$PREFILL" ;;
            watch) printf '| write rate with %s idle watches vs none >= 0.9 |' "$WATCHES" ;;
            rss) printf '| RSS growth for %s nodes vs C xenstored < 1 |' "$PREFILL" ;;
        esac
        for d in "${cols[@]}"; do printf ' %s |' "$(target "$d" "$m")"; done
        echo
    done
}

# verdict value op limit [note]: "value note PASS|FAIL", or n/a.
verdict() {
    [ -n "$1" ] && [ "$1" != n/a ] || { echo n/a; return; }
    if awk -v v="$1" -v l="$3" -v c="$2" 'BEGIN { exit !((c=="ge" && v>=l) || (c=="le" && v<=l) || (c=="lt" && v<l)) }'; then
        echo "$1${4:+ $4} PASS"
    else
        echo "$1${4:+ $4} FAIL"
    fi
}

# target d metric
target() {
    local d=$1 o c a best="" bo="" mine ref nul
    case $2 in
        thr1|thr8)
            inlist null || { echo "n/a (null not run)"; return; }
            c=1; [ "$2" = thr8 ] && c=8
            for o in $THR_OPS; do
                a=$(ratio "$(ops "$d" "$o:$c")" "$(ops null "$o:$c")")
                [ "$a" = n/a ] && { echo n/a; return; }
                if [ -z "$best" ] || awk -v x="$a" -v y="$best" 'BEGIN { exit !(x<y) }'; then
                    best=$a bo=$o
                fi
            done
            if [ "$c" = 1 ]; then verdict "$best" ge 0.95 "($bo)"; else verdict "$best" ge 0.85 "($bo)"; fi ;;
        cpu|ucpu)
            local f=cpu; [ "$2" = ucpu ] && f=ucpu
            inlist c && mine=$(cpu_total "$d" $f) && ref=$(cpu_total c $f) || { echo n/a; return; }
            a=$(awk -v m="$mine" -v r="$ref" 'BEGIN { split(m, x, " "); split(r, y, " ");
                if (y[1] > 0) printf "%.2f", (x[1]/x[2]) / (y[1]/y[2]); else printf "n/a" }')
            o=$(awk -v m="$mine" 'BEGIN { split(m, x, " "); printf "(%.1f us)", x[1]/x[2]*1e6 }')
            if [ "$2" = cpu ]; then verdict "$a" le 0.55 "$o"; else echo "$a $o"; fi ;;
        xcpu)
            inlist c && inlist null && mine=$(cpu_total "$d" cpu) && ref=$(cpu_total c cpu) &&
                nul=$(cpu_total null cpu) || { echo n/a; return; }
            awk -v m="$mine" -v r="$ref" -v n="$nul" 'BEGIN { split(m, x, " "); split(r, y, " "); split(n, z, " ");
                a = x[1]/x[2] - z[1]/z[2]; b = y[1]/y[2] - z[1]/z[2];
                if (b > 0) printf "%.2f (%.1f us)", a/b, a*1e6; else printf "n/a" }' ;;
        commit)
            verdict "$(ratio "$(median "${RES[$d,commitN,commit]:-}")" "$(median "${RES[$d,commit0,commit]:-}")")" le 1.2 ;;
        watch)
            verdict "$(ratio "$(ops "$d" watchN)" "$(ops "$d" watch0)")" ge 0.9 ;;
        rss)
            verdict "$(ratio "$(rss_delta "$d")" "$(rss_delta c)")" lt 1 ;;
    esac
}

report >"$RUN/report.md"
cat "$RUN/report.md"
if [ -n "$OUT" ]; then
    { cat "$RUN/report.md"; echo; echo "## raw xsload output"; echo; echo '```'; cat "$RAW"; echo '```'; } >"$OUT"
    say "report written to $OUT"
fi
say "done in ${ELAPSED} s"
FAILS=0
for k in "${!RES[@]}"; do [[ $k == *,fail ]] && FAILS=$((FAILS + 1)); done
[ "$FAILS" -eq 0 ] || say "$FAILS measurement(s) failed (see report)"
[ "$DIED" -eq 0 ] || say "a daemon died during the run"
exit $(( FAILS > 0 || DIED > 0 ))
