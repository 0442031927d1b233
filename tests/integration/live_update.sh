#!/bin/bash
# live_update.sh - `xenstore-control live-update` (Xen 4.17's client)
# replaces the running daemon's binary with nothing lost (PROTOCOL.md §6,
# docs/LIVE-UPDATE.md): ours into ours, C xenstored 4.17 into ours, and
# ours into C xenstored 4.17, each with 10,000 nodes, several clients
# connected through the exec (one with half a request sent), and watches
# that still fire; every node's value and permissions are checked after.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"

LU=$TOP/tests/helpers/lu_clients.py
N=${LU_NODES:-10000}
have_peers || skip_all "no Xen peers (tests/peers/peers.sh setup failed)"
XC=$(peer_bin xenstore-control)
CXSD=$(peer_bin xenstored)

# daemon_pid: the pid in the pid file (the same process before and after).
daemon_pid() { cat "$RUN/xenstored.pid" 2>/dev/null; }

# update_with_clients NAME BINARY: clients connect, the daemon is replaced
# by BINARY, the clients check they still work, every node is verified.
update_with_clients() {
	local name=$1 binary=$2 pid_before out
	coproc CLIENTS { "$LU" clients 4 /lu 2>&1; }
	read -r -t 20 line <&"${CLIENTS[0]}"
	assert_eq "$name: clients connected, watches set, half a request sent" "ready" "$line"
	pid_before=$(daemon_pid)
	out=$(timeout 30 "$XC" live-update "$binary" 2>&1); rc=$?
	assert_eq "$name: xenstore-control live-update succeeds" "0 " "$rc $out"
	wait_for 10 sh -c "tr '\\0' ' ' </proc/$pid_before/cmdline | grep -q -- ' -U'"
	assert_eq "$name: same process, now running the new binary" \
		"$pid_before $(readlink -f "${3:-$binary}")" "$(daemon_pid) $(readlink -f /proc/$pid_before/exe)"
	echo go >&"${CLIENTS[1]}"
	read -r -t 30 line <&"${CLIENTS[0]}"
	assert_eq "$name: every client's next request works and its watch fires" "clients ok" "$line"
	wait "$CLIENTS_PID" 2>/dev/null
	assert_eq "$name: all $N nodes with their permissions" "verified $N" \
		"$("$LU" verify "$N" /lu/nodes 2>&1 | tail -1)"
}

# ---- ours into ours --------------------------------------------------------
start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
RUN=$XSD_RUN
assert_eq "store of $N nodes written" "populated $N" "$("$LU" populate "$N" /lu/nodes)"
"$XC" quota set nodes 4321 >/dev/null
"$BUILD/tests/xsraw" 'SET_FEATURE:1:0:7\0003\0' 'INTRODUCE:1:0:7\0000\0005\0' \
	'SET_QUOTA:1:0:7\0transactions\0003\0' >/dev/null
update_with_clients "ours -> ours" "$XENSTORED"
assert_eq "ours -> ours: global quota survives" "4321" \
	"$("$XC" quota | awk '$1 == "nodes" {print $3}')"
assert_eq "ours -> ours: a domain's quota, features and introduction survive" \
	"GET_QUOTA 1 0 3| GET_FEATURE 1 0 3| IS_DOMAIN_INTRODUCED 1 0 T|" \
	"$("$BUILD/tests/xsraw" -N 'GET_QUOTA:1:0:7\0transactions\0' 'GET_FEATURE:1:0:7\0' \
		'IS_DOMAIN_INTRODUCED:1:0:7\0' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "ours -> ours: CONTROL check finds nothing wrong" "OK" "$("$XC" check)"
stop_xenstored

# ---- C 4.17 into ours, and back ---------------------------------------------
# C runs on the libxen stand-in (its environment passes through both
# execs); the domains the permissions name exist in its simulation.
RUN=$T_DIR/c
mkdir -p "$RUN/sim"
for dom in $(seq 1 20); do "$BUILD/xenstore-sim" -d "$RUN/sim" create "$dom"; done
# Our sanitizer build, exec'd with the stand-in preloaded, must not insist
# on its runtime coming first (as in tests/helpers/guest.sh).
ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} start_c_peer "$RUN" ||
	{ fail "C xenstored starts"; done_testing; exit 1; }
export XENSTORED_PATH=$PEER_SOCK XENSTORED_RUNDIR=$RUN
assert_eq "C: store of $N nodes written" "populated $N" "$("$LU" populate "$N" /lu/nodes)"
update_with_clients "C 4.17 -> ours" "$XENSTORED"
T_LOGS+=("$RUN/daemon.log:$(daemon_pid)")
update_with_clients "ours -> C 4.17" "$CXSD"
assert_eq "ours -> C 4.17: C's check is happy" "OK" "$("$XC" check 2>&1)"
T_LOGS=()
done_testing
