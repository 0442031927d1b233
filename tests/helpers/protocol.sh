# tests/helpers/protocol.sh - helpers for the integration tests that talk
# to daemons below the CLI tools (sourced after tests/lib.sh):
#
#   need_xsraw          sets XSRAW to a built tests/helpers/xsraw.c
#                       (build/tests/xsraw when it is up to date, else a
#                       private build in $T_DIR)
#   raw ARGS...         xsraw -N with a bounded wait (no sleeps: a missing
#                       reply prints TIMEOUT)
#   have_peers          true if tests/peers can run Xen's programs (it
#                       fetches xen-utils-4.17 on first use)
#   peer_bin NAME       path of a Xen program (test-xenstore, xsdomctl, ...)
#   start_c_peer DIR    starts Debian's C xenstored in DIR (on the libxen
#                       stand-in, simulated guests in DIR/sim) and sets
#                       PEER_SOCK to its socket; the EXIT trap stops it
#   watch_open PATH [ARGS]  starts xenstore-watch [ARGS] PATH on fd
#                       $WATCH_FD (pid $WATCH_PID) and returns once its
#                       first line (the initial event) has been read into
#                       $WATCH_FIRST
#   watch_line VAR      reads the next line of that watch into VAR
#                       (fails after $WATCH_TIMEOUT s)

PEER_DIRS=()

need_xsraw() {
	local src=$TOP/tests/helpers/xsraw.c
	XSRAW=$BUILD/tests/xsraw
	if [ -x "$XSRAW" ] && [ ! "$src" -nt "$XSRAW" ]; then
		return 0
	fi
	XSRAW=$T_DIR/xsraw
	cc -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -o "$XSRAW" "$src"
}

# The bound is for a reply that never comes (no test expects TIMEOUT): it
# only costs time when a test already fails, so it is wide enough for a
# sanitizer build on a loaded 2-CPU machine.
raw() {
	"$XSRAW" -N -T "${RAW_TIMEOUT_MS:-30000}" "$@"
}

have_peers() {
	"$PEERS/peers.sh" setup >/dev/null 2>&1 &&
		[ -e "$BUILD/tests/libxenstub.so" ] && [ -x "$BUILD/tests/xsdomctl" ]
}

peer_bin() {
	"$PEERS/peers.sh" bin "$1"
}

start_c_peer() {
	PEER_DIRS+=("$1")
	PEER_SOCK=$("$PEERS/peers.sh" start-c "$@")
}

stop_peers() {
	local d
	for d in "${PEER_DIRS[@]}"; do
		"$PEERS/peers.sh" stop "$d" >/dev/null 2>&1
	done
	PEER_DIRS=()
}
trap 'stop_peers; cleanup_test' EXIT
# A test killed by tests/run's timeout still stops what it started.
trap 'exit 143' TERM
trap 'exit 130' INT

# Every watch_line awaits an event that must come: the bound is only for
# failures, so it leaves room for a loaded machine.
WATCH_TIMEOUT=${WATCH_TIMEOUT:-30}
watch_open() {
	local path=$1
	shift
	exec {WATCH_FD}< <(exec xenstore-watch "$@" "$path" 2>&1)
	WATCH_PID=$!
	T_PIDS+=("$WATCH_PID")
	WATCH_FIRST=
	IFS= read -r -t "$WATCH_TIMEOUT" -u "$WATCH_FD" WATCH_FIRST
}

watch_line() {
	local -n _line=$1
	_line=
	IFS= read -r -t "$WATCH_TIMEOUT" -u "$WATCH_FD" _line
}

# watch_close: stops the watcher (if still running) and closes its fd.
watch_close() {
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	exec {WATCH_FD}<&-
}
