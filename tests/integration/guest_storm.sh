#!/bin/bash
# guest_storm.sh - 1,000 simulated guests boot at once (bench/ringstorm:
# one process plays dom0's toolstack and backend and every guest's
# frontend).  Every guest must finish its frontend/backend handshake, then
# create nodes and watches and do round trips: with this many guests the
# daemon's wake-ups of idle guests must not be lost (the notifications
# queued at busy guests are charged to the daemon's socket).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

N=${GUEST_STORM_N:-1000}
STORM=$BUILD/bench/ringstorm
need_sim && [ -x "$STORM" ] || { fail "build xenstored, xenstore-sim and bench/ringstorm (make)"; done_testing; exit 1; }
start_sim_xenstored || { fail "daemon starts ($XS_HV backend)"; done_testing; exit 1; }

# RINGSTORM_TIMEOUT bounds each phase (boot, populate, ...) as a whole:
# 120 s leaves a sanitizer build on a loaded machine room; only a stalled
# phase reaches it.  The outer timeout is for a ringstorm that hangs.
out=$(RINGSTORM_TIMEOUT=120 timeout 540 "$STORM" -d "$SIM_DIR" -n "$N" -p "$XSD_PID" -N 5 -W 2 -t 1 2>&1)
rc=$?
printf "%s\n" "$out" | sed "s/^/# /"
assert_eq "$N guests boot at once: every handshake, node, watch and round trip completes" \
	"0 guests=$N" "$rc ${out%% boot_s=*}"
assert_eq "dom0 sees $N homes" "$N" "$(xenstore-list /local/domain 2>/dev/null | grep -vcx 0)"
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
