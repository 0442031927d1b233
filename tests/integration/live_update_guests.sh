#!/bin/bash
# live_update_guests.sh - guests on the simulated hypervisor keep their
# rings through a live update of our daemon (PROTOCOL.md §6): the ring is mapped
# again with its indexes untouched, its event channel adopted, the
# backend's fd inherited, so a guest that stays running across the exec
# gets its next reply and its watch events; its features and quota stay;
# the new process follows domain death, and new domains come and go.
# Updates that fail (a state refused once the backend is open, a binary
# that cannot run) leave it serving and still told of domain death (the
# VIRQ given back before each exec is taken again).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
need_peer_tools || skip_all "no xenstore-control (tests/peers/peers.sh setup failed) or xsdomctl (make)"
start_sim_xenstored || { fail "daemon starts with --hypervisor=$XS_HV"; done_testing; exit 1; }

boot_domain 6 && boot_domain 7 || { fail "domains 6 and 7 boot"; done_testing; exit 1; }
xsctl quota set nodes 50 >/dev/null
gopen G6 6
greq G6 "watch data w6"
gevent G6
assert_eq "guest 6 watches data/ (initial event)" "data w6" "$E"
greq G6 "write data/before 1"
gevent G6
guest dom0 "watch @releaseDomain rel" "events 1" >/dev/null

out=$(timeout 30 "$XSCTL" live-update "$XENSTORED" 2>&1); rc=$?
assert_eq "xenstore-control live-update succeeds" "0 " "$rc $out"
wait_for 30 sh -c "tr '\\0' ' ' </proc/$XSD_PID/cmdline | grep -q -- ' -U'"
assert_cmd "the same daemon process runs with -U" daemon_alive

greq G6 "read data/before"
assert_eq "guest 6, running through the exec: its next request is answered" "1" "$R"
guest dom0 "write /local/domain/6/data/after 2" >/dev/null
gevent G6
assert_eq "guest 6's watch fires in the new process" "data/after w6" "$E"
assert_eq "guest 7 (not running during the update) reads its name" "guest7" "$(res 7 'read name')"
assert_eq "guest 7 is still introduced" "T" "$(res dom0 'introduced 7')"
reqs=(); for i in $(seq 1 60); do reqs+=("write n$i x"); done
assert_eq "the global quota (nodes 50) survived: guest 7 is refused past it" "ENOSPC" \
	"$(guest 7 "${reqs[@]}" | sed -n 's/^write n[0-9]* x -> //p' | sort -u | grep -v OK)"
boot_domain 8 || fail "a new domain boots after the update"
assert_eq "a domain introduced after the update is served" "guest8" "$(res 8 'read name')"
# ---- updates that fail: the daemon keeps its domain events ------------------
# Each gives the hypervisor's VIRQ back before its exec (Xen binds it only
# once) and must take it again when that fails: a new binary whose state
# cannot be applied once the backend is open (the previous binary is
# exec'd back), and, last, one that cannot run (exec fails).  Domain 6's
# death below is seen only through that VIRQ.
# The written stream (not the kept copy the previous binary reads back)
# names fd 999 for the first socket connection.
cat >"$T_DIR/badfd" <<W
#!/bin/sh
python3 - "\$XENSTORED_RUNDIR/state_dump" <<'P'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
at = 16
while at + 8 <= len(b):
    kind, size = struct.unpack_from('<II', b, at)
    if kind == 2 and struct.unpack_from('<H', b, at + 12)[0] == 1:
        struct.pack_into('<I', b, at + 16, 999)
        break
    at += 8 + size
open(sys.argv[1], 'wb').write(b)
P
exec $XENSTORED "\$@"
W
chmod +x "$T_DIR/badfd"
out=$(timeout 30 "$XSCTL" live-update "$T_DIR/badfd" 2>&1); rc=$?
assert_eq "a state the new process cannot apply: live-update fails with the reason" \
	"3 Starting live update failed:"$'\n'"Error activating new binary: connection N: fd 999 is not a connected socket" \
	"$rc $(sed -E 's/connection [0-9]+:/connection N:/' <<<"$out")"
# A new process that cannot open the Xen backend (no grant device here)
# goes back to the previous binary, which adopts the event-channel fd it
# left open.
if [ "$XS_HV" = xen ]; then
	: >"$T_DIR/nognt.once"
	printf '#!/bin/sh\nXENSTUB_NO_GNTTAB_ONCE=%s exec %s "$@"\n' "$T_DIR/nognt.once" \
		"$XENSTORED" >"$T_DIR/nognt"
	chmod +x "$T_DIR/nognt"
	out=$(timeout 30 "$XSCTL" live-update "$T_DIR/nognt" 2>&1); rc=$?
	assert_eq "a new process that cannot open the Xen backend: live-update fails with the reason" \
		"3 Starting live update failed:"$'\n'"Error activating new binary: cannot open Xen interfaces: No such file or directory" \
		"$rc $out"
fi
printf 'not a program' >"$T_DIR/garbage"; chmod +x "$T_DIR/garbage"
out=$(timeout 30 "$XSCTL" live-update "$T_DIR/garbage" 2>&1); rc=$?
assert_eq "a binary that cannot run: live-update fails with the reason" \
	"3 Starting live update failed:"$'\n'"Error activating new binary: Exec format error" "$rc $out"
assert_eq "after the failed updates the daemon runs our binary and serves guest 7" \
	"$(readlink -f "$XENSTORED") guest7" "$(readlink -f /proc/$XSD_PID/exe) $(res 7 'read name')"

gclose G6
sim destroy 6
wait_for 30 sh -c "[ \"\$($SIM guest dom0 'introduced 6' 2>&1 | sed -n 's/.* -> //p')\" = F ]"
assert_eq "the new process sees domain 6 die (the hypervisor fd came through)" "F" \
	"$(res dom0 'introduced 6')"
assert_eq "CONTROL check finds nothing wrong" "OK" "$(xsctl check)"
done_testing
