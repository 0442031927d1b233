#!/bin/bash
# guest_watches.sh - watches across domains on the simulated hypervisor:
# dom0's writes reach a guest's watch over its ring (relative watches
# report relative paths), a guest's writes reach dom0's xenstore-watch and
# other guests, events are filtered by permissions (XSA-115: the watcher
# must be able to read the node or its parent, or for a permission change
# could read it before), and @introduceDomain / @releaseDomain reach dom0
# but not guests that may not read them (PROTOCOL.md §2.5, §2.3, §3.3).
#
# "No event" is never waited for: a later event the watcher must see
# serves as a barrier, and it must be the next one to arrive.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
start_sim_xenstored || { fail "daemon starts with --hypervisor=sim"; done_testing; exit 1; }
for d in 1 2; do
	boot_domain $d >"$T_DIR/boot" 2>&1 || { fail "domain $d boots"; cat "$T_DIR/boot"; }
done
D1=/local/domain/1 D2=/local/domain/2

# expect_event NAME WANT DESCRIPTION: the guest's next event is WANT.
expect_event() {
	gevent "$1"
	assert_eq "$3" "$2" "$E"
}
# expect_events NAME N WANT DESCRIPTION: its next N events, in any order
# (one change matching two of its watches), sorted, one per line.
expect_events() {
	local got=() i
	for ((i = 0; i < $2; i++)); do gevent "$1"; got+=("$E"); done
	assert_eq "$4" "$3" "$(printf '%s\n' "${got[@]}" | sort)"
}

# --- dom0 -> guest --------------------------------------------------------------
gopen G1 1
greq G1 "watch device/vif fe"
assert_eq "domain 1 watches device/vif (relative) over its ring: OK" OK "$R"
expect_event G1 "device/vif fe" "its initial event carries the path as registered (relative)"
xenstore-write $D1/device/vif/0/state 1
expect_event G1 "device/vif/0/state fe" "dom0 writes below it: the guest gets the relative path"
greq G1 "watch $D1/cpu abs"
expect_event G1 "$D1/cpu abs" "an absolute watch's initial event"
xenstore-write $D1/cpu/0/availability online
expect_event G1 "$D1/cpu/0/availability abs" "dom0's write reaches the absolute watch with the absolute path"
xenstore-write $D1/device/vif/0/state 4
expect_event G1 "device/vif/0/state fe" "rewriting the node fires again"
xenstore-rm $D1/device
expect_event G1 "device/vif fe" "dom0 removes an ancestor: the watch on the deleted node fires with its own path"
xenstore-write $D1/device/vif/1 x
expect_event G1 "device/vif/1 fe" "the watch outlives the node: re-creation fires it"
assert_eq "the guest reads what dom0 wrote" online "$(res 1 "read cpu/0/availability")"

# --- guest -> dom0 and guest -> guest ----------------------------------------------
watch_open $D1/data
assert_eq "dom0's xenstore-watch on domain 1's data: initial event" "$D1/data" "$WATCH_FIRST"
assert_eq "domain 1 writes data/state over its ring" OK "$(res 1 'write data/state 3')"
watch_line l
assert_eq "dom0's xenstore-watch sees the guest's write" "$D1/data/state" "$l"
assert_eq "domain 1 writes inside a transaction" \
	"$(printf '%s\n' 'txstart -> 1' 'write data/a 1 -> OK' 'write data/b 2 -> OK' 'commit -> OK')" \
	"$(guest 1 txstart 'write data/a 1' 'write data/b 2' commit)"
watch_line l; watch_line l2
assert_eq "dom0 sees both writes at commit" "$D1/data/a $D1/data/b" "$(printf '%s\n' "$l" "$l2" | sort | xargs)"
assert_eq "an aborted transaction fires nothing" \
	"$(printf '%s\n' 'txstart -> 2' 'write data/aborted 1 -> OK' 'abort -> OK' 'rm data/state -> OK')" \
	"$(guest 1 txstart 'write data/aborted 1' abort 'rm data/state')"
watch_line l
assert_eq "dom0's next event is the guest's later rm, not the aborted write" "$D1/data/state" "$l"
watch_close

greq G1 "mkdir pub"
greq G1 "setperms pub n1 r2"
assert_eq "domain 1 shares pub with domain 2 (n1 r2)" OK "$R"
gopen G2 2
greq G2 "watch $D1/pub other"
expect_event G2 "$D1/pub other" "domain 2 watches domain 1's pub: initial event"
greq G1 "write pub/feature-x 1"
expect_event G2 "$D1/pub/feature-x other" "domain 1's write reaches domain 2's watch"

# --- permission filtering (XSA-115) --------------------------------------------------
greq G2 "watch $D1 home"
expect_event G2 "$D1 home" "domain 2 may watch domain 1's whole home (initial event, unchecked)"
greq G1 "write secret s"
greq G1 "write pub/barrier 1"
expect_events G2 2 "$(printf '%s\n' "$D1/pub/barrier home" "$D1/pub/barrier other")" \
	"domain 1's write of a node domain 2 cannot read (nor its parent) is not delivered"
greq G1 "write pub/hidden v"
greq G1 "setperms pub/hidden n1"
greq G1 "write pub/hidden v2"
for what in "creation of pub/hidden (readable: it copied n1 r2)" \
	"setperms taking domain 2's read away (it could read before)" \
	"a write it cannot read, below a parent it can read"; do
	expect_events G2 2 "$(printf '%s\n' "$D1/pub/hidden home" "$D1/pub/hidden other")" \
		"delivered to domain 2: $what"
done
assert_eq "yet domain 2 cannot read that node" EACCES "$(res 2 "read $D1/pub/hidden")"
greq G1 "write s2 v"
greq G1 "setperms s2 n1 r2"
greq G1 "setperms s2 n1"
greq G1 "write s2 w"
greq G1 "write pub/barrier 2"
expect_event G2 "$D1/s2 home" "setperms granting read: delivered"
expect_event G2 "$D1/s2 home" "setperms revoking it: delivered (could read before)"
expect_events G2 2 "$(printf '%s\n' "$D1/pub/barrier home" "$D1/pub/barrier other")" \
	"creating s2 before, and writing it after, while unreadable: not delivered"
greq G2 "watch $D2 own"
expect_event G2 "$D2 own" "domain 2 watches its own home"
greq G1 "write $D2/intrusion x"
assert_eq "domain 1 cannot write into domain 2's home" EACCES "$R"
xenstore-write $D2/from-dom0 y
expect_event G2 "$D2/from-dom0 own" "the refused write fired nothing; dom0's write did"
watch_open $D1
xenstore-write $D1/pub/barrier 3
watch_line l
assert_eq "dom0 sees every event (priv reads everything)" "$D1/pub/barrier" "$l"
watch_close
expect_events G2 2 "$(printf '%s\n' "$D1/pub/barrier home" "$D1/pub/barrier other")" \
	"domain 2 gets dom0's write of the barrier too"

# --- @introduceDomain / @releaseDomain ----------------------------------------------------
watch_open @introduceDomain
assert_eq "dom0's xenstore-watch @introduceDomain: initial event" @introduceDomain "$WATCH_FIRST"
greq G1 "watch @introduceDomain intro"
expect_event G1 "@introduceDomain intro" "domain 1 may register a watch on @introduceDomain"
greq G1 "watch bar bar"
expect_event G1 "bar bar" "(and a barrier watch)"
boot_domain 3 >"$T_DIR/boot" 2>&1 || { fail "domain 3 boots"; cat "$T_DIR/boot"; }
watch_line l
assert_eq "introducing domain 3 fires @introduceDomain for dom0" @introduceDomain "$l"
xenstore-write $D1/bar x
expect_event G1 "bar bar" "but not for domain 1, which may not read @introduceDomain (n0)"
xenstore-chmod @introduceDomain n0 r1
watch_line l
assert_eq "dom0's chmod of @introduceDomain is a change like any other: it fires" @introduceDomain "$l"
expect_event G1 "@introduceDomain intro" "domain 1, which may read it now, gets that event too"
boot_domain 4 >"$T_DIR/boot" 2>&1 || { fail "domain 4 boots"; cat "$T_DIR/boot"; }
watch_line l
assert_eq "introducing domain 4 fires it for dom0 again" @introduceDomain "$l"
expect_event G1 "@introduceDomain intro" "and, once dom0 set @introduceDomain to n0 r1, for domain 1 too"
watch_close

watch_open @releaseDomain
assert_eq "dom0's xenstore-watch @releaseDomain: initial event" @releaseDomain "$WATCH_FIRST"
greq G2 "watch @releaseDomain rel"
expect_event G2 "@releaseDomain rel" "domain 2 watches @releaseDomain"
sim destroy 3
watch_line l
assert_eq "domain 3 dies: dom0 gets @releaseDomain" @releaseDomain "$l"
# PROTOCOL.md §2.2/§2.5 (C 4.22+): @releaseDomain is also readable by DOMID_ANY,
# which counts for domains with feature DOMID_ANY (8), advertised here.
assert_eq "domain 2's ring advertises DOMID_ANY (bit 8)" 8 "$(($(ring_field 2 2064) & 8))"
expect_event G2 "@releaseDomain rel" "so domain 2 gets @releaseDomain as well (r for DOMID_ANY)"
sim create 5
assert_eq "dom0 turns DOMID_ANY off for domain 5 before introducing it (SET_FEATURE 5 6)" \
	"raw 24 5|6| -> XS_SET_FEATURE OK" "$(guest dom0 'raw 24 5|6|')"
boot_domain 5 >"$T_DIR/boot" 2>&1 || { fail "domain 5 boots"; cat "$T_DIR/boot"; }
assert_eq "its ring does not advertise DOMID_ANY" 0 "$(($(ring_field 5 2064) & 8))"
gopen G5 5
greq G5 "watch @releaseDomain rel"
expect_event G5 "@releaseDomain rel" "domain 5 watches @releaseDomain"
greq G5 "watch bar bar"
expect_event G5 "bar bar" "(and a barrier)"
sim destroy 4
watch_line l
assert_eq "domain 4 dies: dom0 gets @releaseDomain" @releaseDomain "$l"
expect_event G2 "@releaseDomain rel" "domain 2 too"
xenstore-write /local/domain/5/bar x
expect_event G5 "bar bar" "but not domain 5, without DOMID_ANY"
gclose G5
watch_close
gclose G1; gclose G2

if need_peer_tools; then
	assert_eq "xenstore-control check: consistent" OK "$(xsctl check)"
else
	skip "xenstore-control check" "no xenstore-control (tests/peers/peers.sh setup failed)"
fi
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
