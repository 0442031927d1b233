#!/bin/bash
# tests/peers/peers.sh - Xen's own xenstore daemons and tools (Debian 12's
# xen-utils-4.17) as peers for the tests and benchmarks, run without a
# hypervisor on the libxen stand-in (tests/peers/xenstub.c) over the
# simulated hypervisor, so simulated guests reach them over real rings.
#
#   peers.sh setup            fetch xen-utils-4.17 if missing (quiet when
#                             there is nothing to do); exit 1 with the
#                             reason on stderr when it cannot be had
#   peers.sh bin NAME         path of a program: xenstored, oxenstored,
#                             test-xenstore, xenstore-control (Xen's), or
#                             xsdomctl, libxenstub.so (ours, built by make)
#   peers.sh start-c RUNDIR [ARGS...]
#   peers.sh start-o RUNDIR [ARGS...]
#                             start C xenstored / oxenstored on RUNDIR/socket
#                             with the simulated hypervisor in RUNDIR/sim
#                             (domain 0 created there); prints the socket
#                             path once the daemon accepts connections
#   peers.sh stop RUNDIR      stop the daemon of RUNDIR (by its pid file)
#
# Environment: BUILD (our build directory, default <repo>/build);
# XS_PEERS_CACHE (where xen-utils is unpacked, default <repo>/build/peers);
# XEN_BIN_DIR (use Xen's programs from there instead of fetching).
# The packages are downloaded with `apt-get download` and unpacked, never
# installed: installing would start a real xenstored at boot.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
CACHE=${XS_PEERS_CACHE:-$TOP/build/peers}
XEN_BIN=/usr/lib/xen-4.17/bin
SIM=$TOP/build/xenstore-sim
[ -x "$BUILD/xenstore-sim" ] && SIM=$BUILD/xenstore-sim
die() { echo "peers: $*" >&2; exit 1; }

xen_bin_dir() {
	local d
	for d in ${XEN_BIN_DIR:-} "$XEN_BIN" "$CACHE/xen-utils$XEN_BIN"; do
		[ -x "$d/xenstored" ] && [ -x "$d/oxenstored" ] && { echo "$d"; return 0; }
	done
	return 1
}

# Runs apt-get download in a directory apt's sandbox user can write to;
# once more after refreshing the package lists if that fails.
fetch() {
	local tmp ver pkgs deb
	tmp=$(mktemp -d "$CACHE/fetch.XXXXXX") || return 1
	chmod 777 "$tmp"
	ver=$(dpkg-query -W -f='${Version}' libxenmisc4.17 2>/dev/null)
	pkgs="xen-utils-4.17${ver:+=$ver}"
	if ! (cd "$tmp" && apt-get download -q "$pkgs" >>"$CACHE/fetch.log" 2>&1); then
		apt-get update -q >>"$CACHE/fetch.log" 2>&1
		(cd "$tmp" && { apt-get download -q "$pkgs" || apt-get download -q xen-utils-4.17; } \
			>>"$CACHE/fetch.log" 2>&1) || {
			rm -rf "$tmp"
			echo "apt-get download xen-utils-4.17 failed (see $CACHE/fetch.log)" >&2
			return 1
		}
	fi
	mkdir "$tmp/root"
	for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$tmp/root" || { rm -rf "$tmp"; return 1; }; done
	rm -rf "$CACHE/xen-utils"
	mv "$tmp/root" "$CACHE/xen-utils"
	rm -rf "$tmp"
}

setup() {
	xen_bin_dir >/dev/null && return 0
	mkdir -p "$CACHE" || die "cannot create $CACHE"
	(
		flock 9
		xen_bin_dir >/dev/null || fetch
	) 9>"$CACHE/.lock" || die "no xen-utils-4.17 (Debian's C xenstored)"
	xen_bin_dir >/dev/null || die "xen-utils-4.17 has no xenstored/oxenstored"
}

bin() {
	local p
	case $1 in
	xsdomctl | libxenstub.so) p=$BUILD/tests/$1 ;;
	*/* | "") die "bad program name '$1'" ;;
	*) setup && p=$(xen_bin_dir)/$1 ;;
	esac
	[ -e "$p" ] || die "no $p${2:+ }(run make)"
	echo "$p"
}

# alive PID: running, not a zombie (kill -0 succeeds on a zombie).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# wait_up PID SOCKET LOG: the daemon runs and its socket accepts a client.
# Bounded on the clock, 30 s: a start on a loaded machine can take seconds,
# and the bound only costs time when the daemon never comes up.
wait_up() {
	local deadline=$((SECONDS + 30))
	while [ $SECONDS -lt $deadline ]; do
		alive "$1" || break
		[ -S "$2" ] && XENSTORED_PATH=$2 timeout 5 xenstore-read / >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "peers: the daemon did not come up; $3 says:" >&2
	tail -n 20 "$3" >&2
	kill "$1" 2>/dev/null
	return 1
}

# start KIND RUNDIR ARGS...: KIND c or o.
start() {
	local kind=$1 dir stub pid bin
	shift
	[ $# -ge 1 ] || die "usage: peers.sh start-$kind RUNDIR [ARGS...]"
	mkdir -p "$1/sim" && dir=$(cd "$1" && pwd) || die "cannot create $1"
	shift
	[ ${#dir} -le 100 ] || die "$dir/socket is too long for a Unix socket"
	[ -s "$dir/xenstored.pid" ] && kill -0 "$(cat "$dir/xenstored.pid")" 2>/dev/null &&
		die "a daemon already runs in $dir"
	stub=$(bin libxenstub.so) || exit 1
	"$SIM" -d "$dir/sim" create 0 || die "cannot create domain 0 in $dir/sim"
	rm -f "$dir/socket"
	if [ "$kind" = c ]; then
		bin=$(bin xenstored) || exit 1
		set -- "$bin" -N "$@"
	else
		bin=$(bin oxenstored) || exit 1
		oxenstored_conf "$dir" >"$dir/oxenstored.conf"
		set -- "$bin" --no-fork --config-file "$dir/oxenstored.conf" "$@"
	fi
	XENSTORED_RUNDIR=$dir XENSTORED_PATH=$dir/socket XENSTUB_DIR=$dir/sim STUB_RUNDIR=$dir \
		LD_PRELOAD=$stub setsid "$@" </dev/null >>"$dir/daemon.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/xenstored.pid"
	wait_up "$pid" "$dir/socket" "$dir/daemon.log" || exit 1
	echo "$dir/socket"
}

# oxenstored's settings as Debian ships them, its files in RUNDIR.
oxenstored_conf() {
	cat <<EOF
pid-file = $1/oxenstored.pid
merge-activate = true
perms-activate = true
perms-watch-activate = true
quota-activate = true
quota-maxentity = 1000
quota-maxsize = 2048
quota-maxwatch = 100
quota-transaction = 10
quota-maxrequests = 1024
quota-path-max = 1024
quota-maxoutstanding = 1024
quota-maxwatchevents = 1024
persistent = false
xenstored-log-file = $1/xenstored.log
xenstored-log-level = warn
access-log-file = $1/xenstored-access.log
xenstored-kva = /proc/xen/xsd_kva
xenstored-port = /proc/xen/xsd_port
EOF
}

stop() {
	local pid
	[ -s "$1/xenstored.pid" ] || return 1
	pid=$(cat "$1/xenstored.pid")
	rm -f "$1/xenstored.pid"
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *xenstored* ]] || return 1
	kill "$pid" 2>/dev/null || return 1
	# SIGKILL only for a daemon that ignores SIGTERM for 30 s: a slow exit
	# under load is not one.
	local deadline=$((SECONDS + 30))
	while [ $SECONDS -lt $deadline ]; do alive "$pid" || return 0; sleep 0.05; done
	kill -9 "$pid" 2>/dev/null
}

case ${1:-} in
setup) setup ;;
bin) [ $# -eq 2 ] || die "usage: peers.sh bin NAME"; bin "$2" ;;
start-c) shift; start c "$@" ;;
start-o) shift; start o "$@" ;;
stop) [ $# -eq 2 ] || die "usage: peers.sh stop RUNDIR"; stop "$2" ;;
*) die "usage: peers.sh setup | bin NAME | start-c RUNDIR [ARGS] | start-o RUNDIR [ARGS] | stop RUNDIR" ;;
esac
