#!/bin/bash
# snoop_two_daemons.sh - xenstore-snoop attaches its probes to the daemon's
# binary for every process that runs it (a probe attached to one task makes
# each of that task's context switches dearer), so another daemon started
# from the same binary is probed too while the tool runs.  The tool must
# still show only the daemon it was asked for, the other daemon must answer
# as before, and both must be left with every probe disabled.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
X=$TOP/tests/helpers/xswire.py

start_xenstored || { fail "daemon A starts"; done_testing; exit 1; }
A_PID=$XSD_PID
B_RUN=$T_DIR/run-b
mkdir -p "$B_RUN"
B_PID=$(XENSTORED_PATH=$B_RUN/socket XENSTORED_RUNDIR=$B_RUN \
	"$BUILD/tests/notify-wait" "$B_RUN/notify" "$B_RUN/daemon.log" \
	"$XENSTORED" -N -F "$B_RUN/xenstored.pid") || { fail "daemon B starts"; done_testing; exit 1; }
T_PIDS+=("$B_PID")
T_LOGS+=("$B_RUN/daemon.log:$B_PID")
on_b() { XENSTORED_PATH=$B_RUN/socket "$@"; }

snoop_start -p "$A_PID" || { fail "attaches to daemon A"; done_testing; exit 1; }
wa=$(pid_of xenstore-write /two/a from-a)
wb=$(pid_of on_b xenstore-write /two/b from-b)
ra=$(pid_of xenstore-read /two/a)
rb=$(on_b xenstore-read /two/b)
snoop_stop

assert_eq "the tool exits cleanly" 0 "$SNOOP_RC"
assert_lines "only daemon A's requests are shown" \
	"$(fmt 0 "$wa" 0 'XS_WRITE: /two/a from-a -> OK')
$(fmt 0 "$ra" 0 'XS_READ: /two/a -> from-a')" "$(snoop_lines)"
assert_eq "daemon B answered as ever while probed (pid $wb wrote)" from-b "$rb"
for d in A B; do
	pid=A_PID
	[ $d = B ] && pid=B_PID
	sems=$("$X" semaphores "${!pid}")
	assert_eq "daemon $d: every probe disabled after the tool left" "" \
		"$(awk '$2 != 0' <<<"$sems")"
done

done_testing
