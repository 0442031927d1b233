#!/bin/bash
# robustness.sh - defects found by hostile testing (issue 9, docs/SECURITY.md
# "Defects found by hostile testing"): pipelined clients, signals, start-up
# failures, a second daemon on the same socket, log injection, running out
# of file descriptors.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"

need_xsraw || { fail "build tests/helpers/xsraw.c"; done_testing; exit 1; }
start_xenstored || { fail "daemon starts"; done_testing; exit 1; }

# --- pipelining past the output bound --------------------------------------------
# 100 replies of 2 KB are 200 KB, three times OUT_SOFT_LIMIT: the daemon
# stops parsing at the bound and must go on once the client has read.
val=$(printf 'v%.0s' $(seq 1 2000))
reads=()
for i in $(seq 2 101); do reads+=("READ:$i:0:/pipe/k\\0"); done
out=$(raw -p "WRITE:1:0:/pipe/k\\0$val" "${reads[@]}")
assert_eq "100 READs of 2 KB in one send(): every one is answered" 100 \
	"$(grep -c "^READ [0-9]* 0 $val\$" <<<"$out")"

# --- signals ------------------------------------------------------------------------
kill -HUP "$XSD_PID"
assert_eq "SIGHUP: the daemon goes on answering (C xenstored reopens its log)" \
	'READ 1 0 ' "$(raw 'READ:1:0:/tool\0')"
if daemon_alive && grep -q 'log reopened' "$XSD_RUN/daemon.log"; then
	ok "SIGHUP: still running, logged"
else
	fail "SIGHUP: still running, logged"
fi

# --- log lines are printable --------------------------------------------------------
raw 'CONTROL:1:0:print\0forged\x1b[2J\x0axenstored: fake line\0' >/dev/null
if grep -qF 'control: forged\x1b[2J\x0axenstored: fake line' "$XSD_RUN/daemon.log" &&
	! grep -q $'\x1b' "$XSD_RUN/daemon.log" && ! grep -q '^xenstored: fake line' "$XSD_RUN/daemon.log"; then
	ok "CONTROL print text reaches the log escaped (no raw ESC, no forged line)"
else
	fail "CONTROL print text reaches the log escaped (no raw ESC, no forged line)"
	grep -a 'control:' "$XSD_RUN/daemon.log" | cat -A | sed 's/^/#   /'
fi

# --- start-up failures: one line on stderr, non-zero exit, daemonised or not ---------
# start_up NAME EXPECTED_LINE_REGEX CMD...: fails with one matching line.
start_up() {
	local name=$1 re=$2 rc
	shift 2
	timeout 20 "$@" >"$T_DIR/su.out" 2>"$T_DIR/su.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$(wc -l <"$T_DIR/su.err")" -eq 1 ] &&
		grep -qE "$re" "$T_DIR/su.err"; then
		ok "$name (exit $rc)"
	else
		fail "$name (exit $rc)"
		sed 's/^/#   stderr: /' "$T_DIR/su.err" | head -5
	fi
}
mkdir -p "$T_DIR/b"
touch "$T_DIR/notadir"
# A full disk: a private /dev/full (a daemon that removes its pid file at
# exit must not get to remove the real one).
mknod -m 600 "$T_DIR/full" c 1 7 || fail "mknod a full device"
for mode in foreground daemonised; do
	fg=(); [ $mode = foreground ] && fg=(-N)
	rm -f "$T_DIR/b/socket"
	start_up "$mode: pid file on a full disk (a /dev/full)" "cannot write pid file $T_DIR/full" \
		env XENSTORED_PATH="$T_DIR/b/socket" "$XENSTORED" "${fg[@]}" -F "$T_DIR/full"
	rm -f "$T_DIR/b/socket"
	start_up "$mode: pid file in a missing directory" 'cannot write pid file' \
		env XENSTORED_PATH="$T_DIR/b/socket" "$XENSTORED" "${fg[@]}" -F "$T_DIR/none/x.pid"
	start_up "$mode: socket path that cannot be bound" 'cannot listen on' \
		env XENSTORED_PATH="$T_DIR/notadir/socket" "$XENSTORED" "${fg[@]}"
	rm -f "$T_DIR/b/socket"
	start_up "$mode: a simulated hypervisor that cannot be opened" 'cannot open simulated hypervisor' \
		env XENSTORED_PATH="$T_DIR/b/socket" "$XENSTORED" "${fg[@]}" --hypervisor=sim:"$T_DIR/notadir/sim"
	start_up "$mode: a second daemon on a live daemon's socket is refused" \
		"another xenstored is listening on $XENSTORED_PATH" "$XENSTORED" "${fg[@]}"
done
assert_eq "the first daemon still answers on its socket" 'READ 1 0 ' "$(raw 'READ:1:0:/tool\0')"

# daemonised [closed]: a daemon that forks away, on $T_DIR/b; its pid in
# bpid.  closed: started with stdin, stdout and stderr closed, as some
# inits do (its first fds must not be the ones daemonising points at
# /dev/null).  Fails when the start says so.
daemonised() {
	rm -f "$T_DIR/b/socket"
	if [ "${1:-}" = closed ]; then
		XENSTORED_PATH=$T_DIR/b/socket "$XENSTORED" -F "$T_DIR/b/pid" <&- >&- 2>&-
	else
		XENSTORED_PATH=$T_DIR/b/socket "$XENSTORED" -F "$T_DIR/b/pid" 2>"$T_DIR/su.err"
	fi || return 1
	bpid=$(cat "$T_DIR/b/pid")
	T_PIDS+=("$bpid")
}
stop_daemonised() {
	kill "$bpid"
	wait_for 30 daemon_gone "$bpid"
}

# Daemonised, the parent returns once the daemon answers.
if daemonised; then
	assert_eq "daemonised: exit 0, and the daemon answers as soon as the parent is gone" \
		'READ 1 0 ' "$(raw -s "$T_DIR/b/socket" 'READ:1:0:/tool\0')"
	stop_daemonised
	assert_eq "daemonised: stopped, it removes its socket and pid file" "no no" \
		"$([ -e "$T_DIR/b/socket" ] && echo yes || echo no) $([ -e "$T_DIR/b/pid" ] && echo yes || echo no)"
else
	fail "daemonised: exit 0 (stderr: $(cat "$T_DIR/su.err"))"
fi
if daemonised closed; then
	assert_eq "started with fds 0, 1 and 2 closed: it answers" \
		'READ 1 0 ' "$(raw -s "$T_DIR/b/socket" 'READ:1:0:/tool\0')"
	stop_daemonised
else
	fail "started with fds 0, 1 and 2 closed: exit 0"
fi

# --- the socket file belongs to whoever bound it -------------------------------------
# start_second NAME [ARGS]: a daemon on $T_DIR/$NAME.log, same socket path.
start_second() {
	local name=$1
	shift
	"$BUILD/tests/notify-wait" "$T_DIR/$name.notify" "$T_DIR/$name.log" \
		"$XENSTORED" -N "$@"
}
rm -f "$XENSTORED_PATH"
if P2=$(start_second second -V); then
	T_PIDS+=("$P2")
	stop_xenstored
	assert_eq "the first daemon, stopped, leaves the second's socket in place" \
		'READ 1 0 ' "$(raw 'READ:1:0:/tool\0')"
	python3 -c '
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, b"ev\x1b[1mil\n", 0, 0, 0)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()' "$XENSTORED_PATH"
	raw 'READ:1:0:/tool\0' >/dev/null # the daemon has logged the connection
	if grep -qF '(ev\x1b[1mil\x0a)' "$T_DIR/second.log" && ! grep -q $'\x1b' "$T_DIR/second.log"; then
		ok "a client's command name reaches the log escaped"
	else
		fail "a client's command name reaches the log escaped"
		grep -a 'connection' "$T_DIR/second.log" | cat -A | sed 's/^/#   /'
	fi
	kill -KILL "$P2"
	wait_for 30 sh -c "! kill -0 $P2"
	if P3=$(start_second third); then
		T_PIDS+=("$P3")
		ok "a stale socket (its daemon killed) is replaced"
	else
		fail "a stale socket (its daemon killed) is replaced"
		sed 's/^/#   /' "$T_DIR/third.log"
	fi
else
	fail "a second daemon starts once the first's socket is gone"
	sed 's/^/#   /' "$T_DIR/second.log"
fi

# --- out of file descriptors ---------------------------------------------------------
# A daemon limited to 32 fds; a client holds 40 connections open.  Once
# the daemon is out of fds it must wait (not spin on a listener that stays
# readable), say so once, and accept again when fds free up.
# busy_ns PID: how long its threads have been on a CPU or waiting for one
# (schedstat; else the CPU time of /proc/PID/stat).  A spinning daemon is
# runnable all the time however loaded the machine, a waiting one almost
# never: a measure that does not depend on the load, unlike CPU time
# alone (a spinner shares the CPUs with everything else).
busy_ns() {
	local f a b t=0
	if [ -r "/proc/$1/schedstat" ]; then
		for f in /proc/"$1"/task/*/schedstat; do
			read -r a b _ <"$f" 2>/dev/null && t=$((t + a + b))
		done
		echo "$t"
	else
		awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%d\n", ($12 + $13) * 1e9 / hz }' \
			"/proc/$1/stat"
	fi
}
now_ns() { date +%s%N; }
mkdir -p "$T_DIR/f"
mkfifo "$T_DIR/f/hold"
if PF=$(XENSTORED_PATH=$T_DIR/f/socket "$BUILD/tests/notify-wait" "$T_DIR/f/notify" \
	"$T_DIR/f/log" prlimit --nofile=32 "$XENSTORED" -N); then
	T_PIDS+=("$PF")
	python3 -c '
import socket, sys
held = []
for i in range(40):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    held.append(s)
print("held", flush=True)
sys.stdin.read()' "$T_DIR/f/socket" <"$T_DIR/f/hold" >"$T_DIR/f/held" &
	HOLDER=$!
	exec {hold}>"$T_DIR/f/hold"
	# (either wording: "Too many open files" is strerror(EMFILE))
	# Measured once the holder has all its connections and the daemon
	# has said it is out (it has nothing left to do then).
	if wait_for 30 grep -qE 'out of file descriptors|Too many open files' "$T_DIR/f/log" &&
		wait_for 30 grep -qx held "$T_DIR/f/held"; then
		w0=$(now_ns) b0=$(busy_ns "$PF")
		sleep 3 # the interval measured: a spinning daemon is busy all of it
		b1=$(busy_ns "$PF") w1=$(now_ns)
		pct=$(((b1 - b0) * 100 / (w1 - w0)))
		if [ "$pct" -lt 20 ]; then
			ok "out of fds: the daemon waits (runnable $pct% of $(((w1 - w0) / 1000000)) ms)"
		else
			fail "out of fds: the daemon waits (runnable $pct% of $(((w1 - w0) / 1000000)) ms)"
		fi
		assert_eq "out of fds: logged once" 1 \
			"$(grep -cE 'out of file descriptors|Too many open files' "$T_DIR/f/log")"
	else
		fail "out of fds: the daemon says so"
		tail -5 "$T_DIR/f/log" | sed 's/^/#   /'
	fi
	exec {hold}>&-
	wait "$HOLDER"
	assert_eq "out of fds: once the client lets go, new clients are answered" 'READ 1 0 ' \
		"$(raw -s "$T_DIR/f/socket" 'READ:1:0:/tool\0')"
	XSD_PID=$PF daemon_alive && ok "daemon still running" || fail "daemon still running"
else
	fail "a daemon starts with 32 fds"
	sed 's/^/#   /' "$T_DIR/f/log"
fi

done_testing
