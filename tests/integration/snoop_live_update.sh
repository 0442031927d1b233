#!/bin/bash
# snoop_live_update.sh - xenstore-snoop follows the daemon through a live
# update (docs/LIVE-UPDATE.md): it notices the exec, attaches to the new
# binary, says so in one line with the gap, and misses no request the new
# process answers.  Twice: into another binary (a copy: another inode,
# the probes must be attached again) and into the same one.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
XC=$("$PEERS/peers.sh" bin xenstore-control 2>/dev/null) ||
	skip_all "no xenstore-control (tests/peers/peers.sh setup failed)"

# However loaded the machine, the new process waits for the snoop.
XSD_ENV=(XENSTORED_LU_TRACER_WAIT_MS=60000)
start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
cp "$XENSTORED" "$T_DIR/xenstored-new"
snoop_start || { fail "xenstore-snoop attaches"; done_testing; exit 1; }
xenstore-write /s/before 1

# update BINARY N: the daemon becomes BINARY; right after, N writes.
update() {
	local out rc
	out=$(timeout 30 "$XC" live-update "$1" 2>&1); rc=$?
	[ "$rc $out" == "0 " ] || { echo "# live-update: $rc $out"; return 1; }
	for i in $(seq 1 "$2"); do echo "write /s/$3$i $i"; done |
		"$BUILD/xenstore-sim" guest -f - dom0 >/dev/null 2>&1
}

update "$T_DIR/xenstored-new" 50 after || fail "live update into a copy"
update "$T_DIR/xenstored-new" 50 again || fail "live update into the same binary"
xenstore-write /s/end 1
wait_for 30 grep -q 'XS_WRITE: /s/end 1 -> OK' "$SNOOP_OUT"
snoop_stop

notes=$(grep '^-- xenstored PID' "$SNOOP_OUT")
assert_eq "one line per update says the daemon exec'd and was followed" 2 \
	"$(grep -c "^-- xenstored PID $XSD_PID exec'd $T_DIR/xenstored-new (live update), followed: [0-9.]* ms between the last event before it and the next$" <<<"$notes")"
echo "$notes" | sed 's/^/# /'
assert_eq "every request answered after the first update is shown" 50 \
	"$(grep -c 'XS_WRITE: /s/after[0-9]* [0-9]* -> OK' "$SNOOP_OUT")"
assert_eq "every request answered after the second update is shown" 50 \
	"$(grep -c 'XS_WRITE: /s/again[0-9]* [0-9]* -> OK' "$SNOOP_OUT")"
assert_cmd "the request before the updates is shown" grep -q 'XS_WRITE: /s/before 1 -> OK' "$SNOOP_OUT"
assert_cmd "no event lost" grep -q 'events, 0 lost$' "$SNOOP_ERR"
assert_eq "each new process answered only once the snoop was attached to it" 2 \
	"$(grep -c 'live-update: tracer attached again' "$XSD_RUN/daemon.log")"
done_testing
