# tests/lib.sh - shared helpers for the integration tests (bash).
#
# Each tests/integration/*.sh sources this file, starts what it needs, and
# reports TAP lines through `ok`/`fail`/`skip` (or the assert_* helpers);
# tests/run counts them.  Everything runs in a private directory, and the
# EXIT trap stops every daemon the test started.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
XENSTORED=${XENSTORED:-$BUILD/xenstored}
# Xen's own daemons and tools (xen-utils-4.17), fetched on first use.
PEERS=$TOP/tests/peers
T_NUM=0
T_FAILED=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/xst.XXXXXX")
T_PIDS=()
T_LOGS=()
XSD_ENV=()   # extra environment of the next start_xenstored (VAR=VALUE...)

cleanup_test() {
	local p
	for p in "${T_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$T_DIR"
}
trap cleanup_test EXIT

ok()   { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM - $*"; }
fail() { T_NUM=$((T_NUM + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_NUM - $*"; }
skip() { T_NUM=$((T_NUM + 1)); echo "ok $T_NUM - $1 # SKIP ${2:-}"; }

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else
		fail "$1"; printf '#   expected: %q\n#   actual:   %q\n' "$2" "$3"
	fi
}
# assert_cmd NAME CMD...: the command succeeds
assert_cmd() {
	local name=$1; shift
	if "$@" >"$T_DIR/out" 2>&1; then ok "$name"; else
		fail "$name"; sed 's/^/#   /' "$T_DIR/out" | head -20
	fi
}
# assert_fails NAME CMD...: the command fails
assert_fails() {
	local name=$1; shift
	if "$@" >"$T_DIR/out" 2>&1; then fail "$name (succeeded)"; else ok "$name"; fi
}

# wait_for TIMEOUT_S CMD...: polls a condition (for things that have no
# event to wait on, such as a socket appearing), bounded.
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" 2>/dev/null; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.02
	done
}

# start_xenstored [ARGS...]: starts our daemon in $T_DIR/run; exports
# XENSTORED_PATH; sets XSD_PID.  Returns once the daemon has said
# READY=1 on $NOTIFY_SOCKET (no polling).
start_xenstored() {
	XSD_RUN=$T_DIR/run
	mkdir -p "$XSD_RUN"
	export XENSTORED_PATH=$XSD_RUN/socket XENSTORED_RUNDIR=$XSD_RUN
	XSD_PID=$(env "${XSD_ENV[@]}" "$BUILD/tests/notify-wait" "$XSD_RUN/notify" "$XSD_RUN/daemon.log" \
		"$XENSTORED" -N -F "$XSD_RUN/xenstored.pid" "$@") || {
		echo "# daemon did not start:"; sed 's/^/#   /' "$XSD_RUN/daemon.log"; return 1; }
	T_PIDS+=("$XSD_PID")
	T_LOGS+=("$XSD_RUN/daemon.log:$XSD_PID")
}

# stop_xenstored: SIGTERM, then wait for the process to go (it is not our
# child, so `wait` cannot be used; bounded poll).  60 s: a sanitizer
# build's exit scans the heap for leaks, slow on a loaded machine; a
# daemon still there after that is a failure, not something to step over.
stop_xenstored() {
	kill "$XSD_PID" 2>/dev/null
	wait_for 60 xsd_gone ||
		fail "the daemon (pid $XSD_PID) exits within 60 s of SIGTERM"
}
# A zombie is gone too: it may wait a while for a reaper that is not us.
xsd_gone() { ! daemon_alive; }
daemon_gone() { ! daemon_alive "$1"; }

# daemon_alive [PID]: running (the daemon, or any process), not a zombie (kill -0 succeeds on a zombie,
# and a daemon started by this shell stays one until reaped).
daemon_alive() {
	local pid=${1:-$XSD_PID} stat
	kill -0 "$pid" 2>/dev/null && stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# sanitizer_check: every daemon this test started is stopped cleanly and
# its log must hold no AddressSanitizer/LeakSanitizer/UBSan report (in
# the SAN=1 build a leak is reported at exit).
sanitizer_check() {
	local entry log pid
	for entry in "${T_LOGS[@]}"; do
		log=${entry%:*} pid=${entry##*:}
		# The report is written at exit: grep only once the daemon is
		# gone (a zombie has written it), however slow its leak scan.
		kill "$pid" 2>/dev/null
		if ! wait_for 60 daemon_gone "$pid"; then
			fail "the daemon (pid $pid) exits within 60 s of SIGTERM"
			continue
		fi
		if grep -qE 'Sanitizer|runtime error:' "$log" 2>/dev/null; then
			fail "no sanitizer report from the daemon (pid $pid)"
			grep -E -A15 'Sanitizer|runtime error:' "$log" | head -40 | sed 's/^/#   /'
		elif [[ "$BUILD" == *san* ]]; then
			ok "no sanitizer report from the daemon (pid $pid)"
		fi
	done
	T_LOGS=()
}

# skip_all REASON: the test cannot run here (something it needs is
# absent): one skipped result saying why, and the test ends.
skip_all() {
	skip "$(basename "$0" .sh)" "$1"
	done_testing
	exit 0
}

done_testing() {
	sanitizer_check
	echo "1..$T_NUM"
	[ "$T_FAILED" -eq 0 ]
}
