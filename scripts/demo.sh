#!/bin/bash
# demo.sh - the main job: start xenstored on the simulated hypervisor in a
# private run directory, attach xenstore-snoop to it (when built and run
# as root), play the xenstore side of a guest boot like the one in the
# original write-up, then stop everything.  Nothing is left running.
# With the snoop, the boot is also drawn as a timeline, kept in
# $BUILD/demo/: boot.html (a sequence diagram, any browser) and
# boot.json (Chrome trace events: https://ui.perfetto.dev, chrome://tracing).
#
#   scripts/demo.sh [-k]     -k: keep the run directory (logs) afterwards
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
KEEP=0
[ "${1:-}" = "-k" ] && KEEP=1
RUN=$(mktemp -d "${TMPDIR:-/tmp}/xenstored-demo.XXXXXX")
export XENSTORED_PATH=$RUN/socket XENSTORED_RUNDIR=$RUN
SNOOP_PID= BACKEND_PID= TIMELINE_PID=
TIMELINE_DIR=$BUILD/demo
SIM=$BUILD/xenstore-sim

cleanup() {
	[ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null
	[ -n "$SNOOP_PID" ] && kill -INT "$SNOOP_PID" 2>/dev/null && wait "$SNOOP_PID" 2>/dev/null
	[ -n "$TIMELINE_PID" ] && kill -INT "$TIMELINE_PID" 2>/dev/null &&
		wait "$TIMELINE_PID" 2>/dev/null
	[ -s "$RUN/xenstored.pid" ] && kill "$(cat "$RUN/xenstored.pid")" 2>/dev/null
	if [ $KEEP = 1 ]; then echo "# run directory kept: $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT

# wait_line FILE PATTERN: until a background tool has printed PATTERN.
wait_line() {
	local i
	for i in $(seq 500); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	echo "# timed out waiting for '$2' in $1" >&2
	return 1
}

# The README's first command on a fresh machine: what the build needs
# comes first, then whatever is not built yet.
"$TOP/scripts/install-deps.sh" || exit 1
make -s -C "$TOP" all || exit 1
echo "# xenstored on $XENSTORED_PATH, simulated hypervisor in $RUN/sim"
"$BUILD/tests/notify-wait" "$RUN/notify" "$RUN/daemon.log" \
	"$BUILD/xenstored" -N -F "$RUN/xenstored.pid" --hypervisor=sim >/dev/null

SNOOP=$BUILD/tools/xenstore-snoop
if [ -x "$SNOOP" ] && [ "$(id -u)" = 0 ] && [ -z "${NO_SNOOP:-}" ]; then
	"$SNOOP" -p "$(cat "$RUN/xenstored.pid")" >"$RUN/snoop.out" 2>"$RUN/snoop.err" &
	SNOOP_PID=$!
	wait_line "$RUN/snoop.err" "Attached" || { cat "$RUN/snoop.err"; SNOOP_PID=; }
	[ -n "$SNOOP_PID" ] && tail -f "$RUN/snoop.out" --pid "$SNOOP_PID" &
	# A second snoop draws the same boot (connections and domains too).
	mkdir -p "$TIMELINE_DIR"
	"$SNOOP" -p "$(cat "$RUN/xenstored.pid")" -e --trace "$TIMELINE_DIR/boot.json" \
		--html "$TIMELINE_DIR/boot.html" 2>"$RUN/timeline.err" &
	TIMELINE_PID=$!
	wait_line "$RUN/timeline.err" "Attached" || { cat "$RUN/timeline.err"; TIMELINE_PID=; }
else
	echo "# (xenstore-snoop needs root and 'make tools'; showing what each side sees instead)"
fi

D=/local/domain/6 B=/local/domain/0/backend/vbd/6/0
# say PREFIX: what a side saw, when xenstore-snoop is not showing it
# (the input is always read, so the writer never gets SIGPIPE).
say() { if [ -n "$SNOOP_PID" ]; then cat >/dev/null; else sed "s/^/$1  /"; fi; }

# The hypervisor creates domain 6; the toolstack writes its home and the
# disk's backend and frontend directories in one transaction, then
# introduces the domain to xenstored.
"$SIM" guest dom0 "write /local/domain/0/name Domain-0" >/dev/null
"$SIM" create 6
"$SIM" guest dom0 "domainpath 6" txstart "rm $D" "mkdir $D" "setperms $D n0 r6" \
	"write $D/name guest6" "write $D/domid 6" \
	"mkdir $D/device" "setperms $D/device n6 r0" \
	"write $D/device/vbd/0/state 1" "write $D/device/vbd/0/backend $B" \
	"write $D/device/vbd/0/device-type disk" "write $D/device/vif/0/state 1" \
	"mkdir $B" "setperms $B n0 r6" "write $B/state 1" "write $B/frontend $D/device/vbd/0" \
	"write $B/sectors 16777216" "write $B/feature-barrier 1" "write $B/info 0" \
	commit | say "dom0 "
"$SIM" introduce 6

# The disk backend (dom0) goes to Connected and waits for the frontend.
"$SIM" guest dom0 "write $B/state 4" "watch $D/device/vbd/0/state vbd-backend" "events 3" \
	"read $D/device/vbd/0/state" >"$RUN/backend.out" &
BACKEND_PID=$!
wait_line "$RUN/backend.out" "vbd-backend -> OK"

# The guest's frontends, over domain 6's ring.
"$SIM" guest 6 "write device/vbd/0/state 3" "read $B/state" "read device/vbd/0/state" \
	"watch device/vbd/0/state vbd-frontend" "events 1" "write device/vbd/0/state 4" \
	"read $B/feature-barrier" "read $B/sectors" "read $B/info" \
	"read device/vbd/0/device-type" "watch cpu cpu-hotplug" "events 1" \
	"read device/vif/0/state" "read device/vif/0/type" | say "dom6 "
wait "$BACKEND_PID"; BACKEND_PID=
say "dom0 " <"$RUN/backend.out"

# The guest shuts down; the toolstack cleans up after @releaseDomain.
"$SIM" shutdown 6
"$SIM" destroy 6
"$SIM" guest dom0 "rm $D" "rm /local/domain/0/backend/vbd/6" | say "dom0 "
if [ -n "$SNOOP_PID" ]; then
	kill -INT "$SNOOP_PID"; wait "$SNOOP_PID" 2>/dev/null || true; SNOOP_PID=
fi
if [ -n "$TIMELINE_PID" ]; then
	kill -INT "$TIMELINE_PID"; wait "$TIMELINE_PID" 2>/dev/null || true; TIMELINE_PID=
	if [ -s "$TIMELINE_DIR/boot.html" ]; then
		echo "# the boot as a timeline:"
		echo "#   $TIMELINE_DIR/boot.html   sequence diagram: open it in any browser"
		echo "#   $TIMELINE_DIR/boot.json   trace events: https://ui.perfetto.dev or chrome://tracing"
	else
		sed 's/^/# /' "$RUN/timeline.err"
	fi
fi
echo "# done; stopping xenstored"
