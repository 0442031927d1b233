#!/bin/bash
# live_update.sh - `xenstore-control live-update` (Xen 4.17's client)
# replaces the running daemon's binary with nothing lost (PROTOCOL.md §6,
# docs/LIVE-UPDATE.md): ours into ours, C xenstored 4.17 into ours, and
# ours into C xenstored 4.17, each with 10,000 nodes, several clients
# connected through the exec (one with half a request sent), and watches
# that still fire; every node's value and permissions are checked after.
# A new binary that cannot take the state (cut, unknown version, oversized)
# or cannot run leaves the old one running, and live-update says why.
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
	read -r -t 30 line <&"${CLIENTS[0]}"
	assert_eq "$name: clients connected, watches set, half a request sent" "ready" "$line"
	pid_before=$(daemon_pid)
	out=$(timeout 30 "$XC" live-update "$binary" 2>&1); rc=$?
	assert_eq "$name: xenstore-control live-update succeeds" "0 " "$rc $out"
	wait_for 30 sh -c "tr '\\0' ' ' </proc/$pid_before/cmdline | grep -q -- ' -U'"
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
# systemd's readiness was said once, at start: the new process neither
# says it again (it would fail on the socket notify-wait removed) nor
# passes NOTIFY_SOCKET on to the next exec.
assert_eq "ours -> ours: READY=1 not sent again, NOTIFY_SOCKET gone" "0 0" \
	"$(grep -c sd_notify "$XSD_RUN/daemon.log") $(tr '\0' '\n' <"/proc/$XSD_PID/environ" | grep -c ^NOTIFY_SOCKET=)"

# ---- open transactions: waited for, held back, forced -----------------------
coproc TX { "$LU" txn 0 /lu 2>&1; }
read -r -t 30 line <&"${TX[0]}"
timeout 30 "$XC" live-update -t 1 "$XENSTORED" >"$T_DIR/refused.out" 2>&1 &
REFUSED=$!
wait_for 30 grep -q 'live-update: start, force=0, to=1' "$XSD_RUN/daemon.log"
"$LU" txstart 0 /lu >"$T_DIR/held1.out" 2>&1 &
HELD1=$!
wait "$REFUSED"; rc=$?
# The age is in whole seconds, at least -t; a loaded machine may say more.
assert_eq "an open transaction: after -t, live-update fails with C's reason" \
	"3 Starting live update failed:"$'\n'"Domains with long running transactions:"$'\n'"Domain 0: N s" \
	"$rc $(sed -E 's/^Domain 0: [1-9][0-9]* s$/Domain 0: N s/' "$T_DIR/refused.out")"
wait "$HELD1"
assert_eq "a TRANSACTION_START held back meanwhile is answered once the update failed" \
	$'sent\nstarted' "$(cat "$T_DIR/held1.out")"
echo go >&"${TX[1]}"
read -r -t 30 line <&"${TX[0]}"
assert_eq "the transaction the update refused for commits afterwards" "OK" "$line"
wait "$TX_PID" 2>/dev/null

# The forced update fires when the transaction is -t old.  Everything that
# must happen before (the transaction, the update's start, a held start)
# is set up so that the window holds no process start-up, and -t is wide;
# the held start is then proven held by order, not by a pause: its answer
# comes after the update's exec is logged.
execs() { grep -c 'live-update: exec' "$XSD_RUN/daemon.log"; }
mkfifo "$T_DIR/held.in"
"$LU" txstart-go 0 /lu <"$T_DIR/held.in" >"$T_DIR/held.out" 2>&1 &
HELD=$!
exec {HELD_IN}>"$T_DIR/held.in"
wait_for 30 grep -q connected "$T_DIR/held.out"
execs_before=$(execs)
coproc TX { "$LU" txn 0 /lu 2>&1; }
read -r -t 30 line <&"${TX[0]}"
( timeout 60 "$XC" live-update -F -t 10 "$XENSTORED" >"$T_DIR/forced.out" 2>&1; echo $? >>"$T_DIR/forced.out" ) &
FORCED=$!
wait_for 30 grep -q 'live-update: start, force=1' "$XSD_RUN/daemon.log"
echo go >&"$HELD_IN"
wait_for 30 grep -q sent "$T_DIR/held.out"
assert_eq "a TRANSACTION_START is sent while the forced update waits (no exec yet)" \
	"$execs_before" "$(execs)"
wait "$HELD"
exec {HELD_IN}>&-
assert_eq "it is held back: answered only once the update's exec is logged" \
	"$((execs_before + 1))" "$(execs)"
wait "$FORCED"
assert_eq "-F: the update happens after -t despite the transaction" "0" "$(cat "$T_DIR/forced.out")"
assert_eq "the held TRANSACTION_START is answered by the new process" $'connected\nsent\nstarted' \
	"$(cat "$T_DIR/held.out")"
echo go >&"${TX[1]}"
read -r -t 30 line <&"${TX[0]}"
assert_eq "the forced-out transaction is gone (its end gets ENOENT, as in C)" "ERROR ENOENT" "$line"
wait "$TX_PID" 2>/dev/null

# ---- a new binary that cannot take the state --------------------------------
# A wrapper spoils the stream, then runs our binary: it refuses the stream,
# goes back to the binary that wrote it, which answers with the reason.
spoil() {	# NAME SHELL-COMMAND-ON-$F
	cat >"$T_DIR/$1" <<W
#!/bin/sh
F=\$XENSTORED_RUNDIR/state_dump
$2
exec $XENSTORED "\$@"
W
	chmod +x "$T_DIR/$1"
}
spoil cut 'truncate -s 100 "$F"'
spoil version 'printf "\\0\\0\\0\\7" | dd of="$F" bs=1 seek=8 conv=notrunc 2>/dev/null'
spoil huge 'truncate -s 2G "$F"'
printf 'not a program' >"$T_DIR/garbage"; chmod +x "$T_DIR/garbage"
exe_before=$(readlink /proc/$XSD_PID/exe)
LU_ARGS=()	# more arguments of the next refused live-update
refused() {	# NAME BINARY REASON [STEP]
	local out rc
	out=$(timeout 30 "$XC" live-update "${LU_ARGS[@]}" "$2" 2>&1); rc=$?
	assert_eq "$1: live-update fails with the reason" \
		"3 ${4:-Starting live update} failed:"$'\n'"$3" "$rc $out"
	assert_eq "$1: the daemon still runs the previous binary and serves" \
		"$exe_before 4321" "$(readlink /proc/$XSD_PID/exe) $("$XC" quota | awk '$1 == "nodes" {print $3}')"
}
coproc CLIENTS { "$LU" clients 2 /lu 2>&1; }
read -r -t 30 line <&"${CLIENTS[0]}"
refused "a cut stream" "$T_DIR/cut" \
	"Error activating new binary: record type 6 at byte 48: 160 bytes overrun the 100-byte stream"
refused "an unknown version" "$T_DIR/version" \
	"Error activating new binary: unknown state stream version 7"
refused "an oversized stream" "$T_DIR/huge" \
	"Error activating new binary: state stream of 2147483648 bytes is oversized"
refused "a binary that cannot be run" "$T_DIR/garbage" \
	"Error activating new binary: Exec format error"
refused "a binary that is not there" "$T_DIR/none" "File not accessible." \
	"Setting update binary"
# An option the new process rejects (a typo in -c): it goes back to the
# old binary with the old process's own options, not the new one's.
LU_ARGS=(-c "--bogus-option")
refused "a command line the new binary rejects" "$XENSTORED" \
	"Error activating new binary: unrecognized option '--bogus-option'"
LU_ARGS=()
echo go >&"${CLIENTS[1]}"
read -r -t 30 line <&"${CLIENTS[0]}"
assert_eq "after the failed updates every client still works" "clients ok" "$line"
wait "$CLIENTS_PID" 2>/dev/null
assert_eq "after the failed updates: all $N nodes with their permissions" "verified $N" \
	"$("$LU" verify "$N" /lu/nodes 2>&1 | tail -1)"

# ---- signals during updates -------------------------------------------------
# logrotate's SIGHUP may come at any moment, also while the state is
# written and the binary exec'd: each update goes on, the daemon lives.
( while kill -HUP "$XSD_PID" 2>/dev/null; do sleep 0.001; done ) &
HUPPER=$!
fails=0
for i in 1 2 3 4 5; do
	out=$(timeout 30 "$XC" live-update "$XENSTORED" 2>&1) && [ -z "$out" ] ||
		{ fails=$((fails + 1)); echo "# update $i: $out"; }
done
kill "$HUPPER" 2>/dev/null
wait "$HUPPER" 2>/dev/null
assert_eq "SIGHUPs all along 5 updates: each succeeds" 0 "$fails"
assert_eq "... and the daemon serves every node" "verified $N" \
	"$("$LU" verify "$N" /lu/nodes 2>&1 | tail -1)"
stop_xenstored

# ---- a socket outside the run directory -------------------------------------
# As C, the daemon makes its run directory at start, where an update's
# state goes, also when its socket is elsewhere (XENSTORED_PATH).
mkdir -p "$T_DIR/elsewhere"
if pid=$(env XENSTORED_RUNDIR="$T_DIR/fresh-run" XENSTORED_PATH="$T_DIR/elsewhere/socket" \
	"$BUILD/tests/notify-wait" "$T_DIR/else.notify" "$T_DIR/else.log" "$XENSTORED" -N); then
	T_PIDS+=("$pid")
	T_LOGS+=("$T_DIR/else.log:$pid")
	out=$(XENSTORED_PATH="$T_DIR/elsewhere/socket" timeout 30 "$XC" live-update "$XENSTORED" 2>&1)
	assert_eq "run directory absent at start, socket elsewhere: live update succeeds" "0 " "$? $out"
else
	fail "a daemon with its socket outside a run directory that does not exist starts"
fi

# ---- C 4.17 into ours, and back ---------------------------------------------
# C runs on the libxen stand-in (its environment passes through both
# execs); the domains the permissions name exist in its simulation.  Ours,
# exec'd by C with C's arguments, finds /dev/xen/evtchn (the stand-in's)
# and so runs the Xen backend on the fd C passed: each side must give
# VIRQ_DOM_EXC back before its exec, which the stand-in binds only once.
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
# C passes on the fds the first ours kept to go back to its binary (a
# copy of the state, that binary): the next ours must close them.
update_with_clients "ours -> C 4.17 -> ours" "$XENSTORED"
assert_eq "ours -> C 4.17 -> ours: no fd left on the kept state nor the old binary" "" \
	"$(for f in /proc/$(daemon_pid)/fd/*; do readlink "$f"; done |
		grep -e memfd:xenstored-state -e "^$(readlink -f "$XENSTORED")\$")"
update_with_clients "ours -> C 4.17, again" "$CXSD"
# The signals our loop reads from its signalfd are blocked in ours; C
# must not inherit that, or it would never see the SIGTERM that stops it.
cpid=$(daemon_pid)
assert_eq "ours -> C 4.17: C runs with no signal blocked" 0000000000000000 \
	"$(awk '/^SigBlk:/ { print $2 }' "/proc/$cpid/status")"
kill "$cpid"
wait_for 30 daemon_gone "$cpid" && ok "ours -> C 4.17: C stops on SIGTERM" ||
	fail "ours -> C 4.17: C stops on SIGTERM"
T_LOGS=()

# ---- our own options through live updates -----------------------------------
# The exec without -c gives the new binary only the options C 4.17 takes,
# in its terms (it exits on any other, and the store is lost with it);
# ours takes its own back from the environment, which C passes on.
unset XENSTORED_PATH XENSTORED_RUNDIR
mkdir -p "$T_DIR/run/sim"
"$BUILD/xenstore-sim" -d "$T_DIR/run/sim" create 0
XSD_ENV=(XENSTUB_DIR="$T_DIR/run/sim" STUB_RUNDIR="$T_DIR/run" LD_PRELOAD="$BUILD/tests/libxenstub.so"
	ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS})
start_xenstored --hypervisor=xen --ring-poll 0 -Q nodes=4321 -p 0 ||
	{ fail "daemon starts with options C lacks"; done_testing; exit 1; }
XSD_ENV=()
RUN=$XSD_RUN
cmdline() { tr '\0' ' ' <"/proc/$(daemon_pid)/cmdline"; }
own_options() { grep "options:" "$RUN/daemon.log" | tail -1 | sed 's/.*options: //'; }
xenstore-write /opts/a 1
lu_ok() {	# NAME BINARY
	local out rc
	out=$(timeout 30 "$XC" live-update "$2" 2>&1); rc=$?
	assert_eq "$1: live-update succeeds, the same process runs the new binary and serves" \
		"0  $XSD_PID $(readlink -f "$2") 1" \
		"$rc $out $(daemon_pid) $(readlink -f "/proc/$XSD_PID/exe") $(xenstore-read /opts/a 2>&1)"
}
lu_ok "ours (with options C lacks) -> ours" "$XENSTORED"
assert_eq "ours -> ours: the command line holds what C takes" \
	"$XENSTORED -N -F $RUN/xenstored.pid -E 4321 --priv-domid 0 -U " "$(cmdline)"
assert_eq "ours -> ours: every option of ours is in force (from the environment)" \
	"-N -F $RUN/xenstored.pid --hypervisor xen --ring-poll 0 -Q nodes=4321 -p 0" "$(own_options)"
assert_eq "ours -> ours: the quota given as -Q nodes= holds" "4321" \
	"$("$XC" quota | awk '$1 == "nodes" {print $3}')"
lu_ok "ours (with options C lacks) -> C 4.17, no -c" "$CXSD"
assert_eq "ours -> C 4.17: C got only the options it takes" \
	"$CXSD -N -F $RUN/xenstored.pid -E 4321 --priv-domid 0 -U " "$(cmdline)"
assert_eq "ours -> C 4.17: C's check is happy" "OK" "$("$XC" check 2>&1)"
lu_ok "C 4.17 -> ours, no -c" "$XENSTORED"
assert_eq "ours -> C -> ours: our options are back" \
	"-N -F $RUN/xenstored.pid --hypervisor xen --ring-poll 0 -Q nodes=4321 -p 0" "$(own_options)"
stop_xenstored

# ---- a relative trace file -------------------------------------------------
# The daemon changes to / when it forks: the new process must trace to the
# file the operator named, not to one relative to /.
mkdir -p "$T_DIR/tdir/sub" "$T_DIR/trun"
export XENSTORED_RUNDIR=$T_DIR/trun XENSTORED_PATH=$T_DIR/trun/socket
(cd "$T_DIR/tdir" && "$XENSTORED" -F "$T_DIR/trun/xenstored.pid" -T sub/t.log) ||
	fail "the daemon starts with -T sub/t.log"
RUN=$T_DIR/trun
XSD_PID=$(daemon_pid)
T_PIDS+=("$XSD_PID")
xenstore-write /opts/a 1
lu_ok "-T sub/t.log (daemonised) -> ours" "$XENSTORED"
xenstore-write /opts/after-update 1
assert_eq "-T sub/t.log: the new process traces to the same file" "1" \
	"$(grep -c '/opts/after-update' "$T_DIR/tdir/sub/t.log")"
stop_xenstored
done_testing
