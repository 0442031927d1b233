#!/bin/bash
# demo.sh - the main job: start xenstored in a private run directory,
# attach xenstore-snoop to it (when built and run as root), play the
# xenstore side of a guest boot, then stop everything.
#
# Until the simulated hypervisor lands (issue 4), the "guest" side is
# played by dom0 tools on the socket, so every line shows DOM 0.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/xenstored-demo.XXXXXX")
export XENSTORED_PATH=$RUN/socket XENSTORED_RUNDIR=$RUN
SNOOP_PID=

cleanup() {
	[ -n "$SNOOP_PID" ] && kill -INT "$SNOOP_PID" 2>/dev/null && wait "$SNOOP_PID" 2>/dev/null
	[ -s "$RUN/xenstored.pid" ] && kill "$(cat "$RUN/xenstored.pid")" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup EXIT

[ -x "$BUILD/xenstored" ] || make -s -C "$TOP" all
echo "# starting xenstored on $XENSTORED_PATH"
"$BUILD/tests/notify-wait" "$RUN/notify" "$RUN/daemon.log" \
	"$BUILD/xenstored" -N -V -F "$RUN/xenstored.pid" >/dev/null

if [ -x "$BUILD/tools/xenstore-snoop" ] && [ "$(id -u)" = 0 ]; then
	"$BUILD/tools/xenstore-snoop" -p "$(cat "$RUN/xenstored.pid")" 2>"$RUN/snoop.err" &
	SNOOP_PID=$!
	# Wait for the tracer to say it is attached (an event, not a sleep).
	until grep -q "Attached" "$RUN/snoop.err" 2>/dev/null; do
		kill -0 "$SNOOP_PID" 2>/dev/null || { cat "$RUN/snoop.err"; SNOOP_PID=; break; }
		sleep 0.05
	done
else
	echo "# xenstore-snoop not available (needs root and make tools); showing the daemon's log"
fi

xs() { "$@" || true; }
D=/local/domain/6
B=/local/domain/0/backend/vbd/6/0
# The toolstack creates the domain's home in a transaction-like burst.
xs xenstore-rm $D
xs xenstore-write $D/name guest6 $D/domid 6
xs xenstore-chmod $D n0 r6
xs xenstore-write $B/state 1 $B/frontend $D/device/vbd/0 $B/sectors 16777216
xs xenstore-write $D/device/vbd/0/state 1 $D/device/vbd/0/backend $B
xs xenstore-write $D/device/vbd/0/device-type disk
# Backend and frontend negotiate.
xs xenstore-write $B/state 4
xs xenstore-read $B/state
xs xenstore-write $D/device/vbd/0/state 3
xs xenstore-read $D/device/vbd/0/state
xs xenstore-write $D/device/vbd/0/state 4
xs xenstore-read $D/device/vif/0/type 2>/dev/null
xs xenstore-ls -f $D >/dev/null

if [ -n "$SNOOP_PID" ]; then
	kill -INT "$SNOOP_PID"; wait "$SNOOP_PID" 2>/dev/null || true; SNOOP_PID=
else
	sed 's/^/  /' "$RUN/daemon.log"
fi
echo "# done; stopping xenstored"
