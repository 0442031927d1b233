#!/bin/bash
# guest_flood.sh - one domain floods writes that another domain watches
# while that one is not reading (issue 9 item 5).  Past the watcher's
# output limit (its `memory` quota) the events are dropped, not its
# connection: its own requests are still answered, and once it has read
# up it gets one event for the watch's own path (docs/DIFFERENCES.md,
# "Watch event overflow").
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
# A 64 KiB limit: some 1700 events of this size fill it.
start_sim_xenstored -Q memory=65536 ||
	{ fail "daemon starts with --hypervisor=sim"; done_testing; exit 1; }
boot_domain 3 >"$T_DIR/boot" 2>&1 || { fail "domain 3 boots"; cat "$T_DIR/boot"; }
boot_domain 4 "n4 r3" >"$T_DIR/boot" 2>&1 || { fail "domain 4 boots"; cat "$T_DIR/boot"; }

gopen V 3
greq V "watch /local/domain/4 v"
gevent V
assert_eq "domain 3 watches domain 4's home (initial event)" "OK /local/domain/4 v" "$R $E"

# Domain 4 writes 4000 times; domain 3 reads nothing meanwhile (its guest
# process waits on its script, not on the ring).
for i in $(seq 1 4000); do echo "write data $i"; done >"$T_DIR/flood"
guest -f "$T_DIR/flood" 4 >"$T_DIR/flood.out"
assert_eq "domain 4's 4000 writes all succeed" 4000 "$(grep -c ' -> OK$' "$T_DIR/flood.out")"
if grep -q 'connection .* (domain 3, .*dropping watch events until it reads' "$XSD_RUN/daemon.log"; then
	ok "domain 3's events past its limit are dropped (logged once)"
else
	fail "domain 3's events past its limit are dropped (logged once)"
fi
assert_eq "... and logged once" 1 "$(grep -c 'dropping watch events' "$XSD_RUN/daemon.log")"
assert_eq "domain 3 stays introduced" T "$(res dom0 'introduced 3')"

# Its own request is answered, after the events that were queued.
greq V "read /local/domain/4/data"
assert_eq "domain 3 keeps its connection: its request is answered" 4000 "$R"
# Then the overflow event: the watch's own path, after the flood's.
found=no
for ((i = 0; i < 5000; i++)); do
	gevent V || break
	[ "$E" == "/local/domain/4 v" ] && { found=yes; break; }
done
assert_eq "once read up, domain 3 gets the overflow event (the watch's own path)" yes "$found"
res 4 "write data again" >/dev/null
gevent V
assert_eq "... and events flow again" "/local/domain/4/data v" "$E"
dropped=$(res dom0 'raw 0 memreport|' | sed -n 's/.*overflow: *\([0-9]*\) .*/\1/p')
if [ "${dropped:-0}" -gt 0 ]; then ok "memreport counts the dropped events ($dropped)"; else
	fail "memreport counts the dropped events (${dropped:-none})"; fi
assert_eq "dom0 is answered" /local/domain/3 "$(res dom0 'domainpath 3')"
gclose V
daemon_alive && ok "daemon still running" || fail "daemon still running"

done_testing
