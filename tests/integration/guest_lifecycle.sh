#!/bin/bash
# guest_lifecycle.sh - a simulated domain's life as xenstored sees it:
# INTRODUCE (fires @introduceDomain once), re-INTRODUCE and ring RECONNECT
# (start the connection over), shutdown (fires @releaseDomain once, again
# only after RESUME), death (fires @releaseDomain, removes the nodes the
# domain owned, strips its ACL entries, IS_DOMAIN_INTRODUCED turns F), a
# reused domid that must not inherit the old domain's rights, and RELEASE
# (PROTOCOL.md §2.5, §2.7, §1.5 INTRODUCE/RELEASE/RESUME, §2.3, §3.3).
#
# dom0's watcher W (xenstore-sim as dom0) watches @introduceDomain,
# @releaseDomain, @releaseDomain with depth 1, @releaseDomain/5 and
# /barrier (tests/helpers/guest.sh); after every step dom0 writes
# /barrier, and the events W got before the barrier's are exactly those
# the step caused.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
need_peer_tools || skip_all "no xenstore-control (tests/peers/peers.sh setup failed) or xsdomctl (make)"
start_sim_xenstored || { fail "daemon starts with --hypervisor=sim"; done_testing; exit 1; }
lines() { printf '%s\n' "$@"; }

dom0_watcher "watch @introduceDomain intro" "watch @releaseDomain rel" \
	"raw 4 @releaseDomain|each|1|" "watch @releaseDomain/5 five"
assert_eq "dom0's watcher has its watches (the last initial event)" "/barrier barrier" "$E"

# released DOMID: what one @releaseDomain for DOMID looks like to W: the
# plain event (which the depth-1 watch matches too: P == W) and
# @releaseDomain/DOMID for the depth-1 watch and for @releaseDomain/5.
released() {
	local ev=("@releaseDomain rel" "@releaseDomain each" "@releaseDomain/$1 each")
	[ "$1" = 5 ] && ev+=("@releaseDomain/5 five")
	lines "${ev[@]}" | sort
}
introduced() { domctl is-introduced "$1"; }

# --- creation and introduction -----------------------------------------------------
sim create 5
assert_eq "the toolstack prepares domain 5 (home n0 r5, data n5, a shared area, a backend)" \
	"" "$(guest dom0 "mkdir /local/domain/5" "setperms /local/domain/5 n0 r5" \
		"write /local/domain/5/name guest5" "mkdir /local/domain/5/data" \
		"setperms /local/domain/5/data n5" "mkdir /shared" "setperms /shared n0 b5" \
		"write /shared/a v" "setperms /shared/a n0 r5 r7" \
		"mkdir /local/domain/0/backend/vbd/5" "setperms /local/domain/0/backend/vbd/5 n0 r5" \
		"write /local/domain/0/backend/vbd/5/0/state 1" "setperms @releaseDomain n0 r5" |
		grep -v -- '-> OK$')"
since_barrier >/dev/null   # the setperms of @releaseDomain fired its watchers
assert_eq "before INTRODUCE: IS_DOMAIN_INTRODUCED 5 is F" F "$(introduced 5)"
assert_cmd "xenstore-sim introduce 5" sim introduce 5
assert_eq "the first INTRODUCE fires @introduceDomain, nothing else" "@introduceDomain intro" \
	"$(since_barrier)"
assert_eq "IS_DOMAIN_INTRODUCED 5 is T" T "$(introduced 5)"
assert_eq "domain 5's guest creates nodes over its ring (data/*, /shared/by5)" \
	"$(lines 'write data/x 1 -> OK' 'write data/sub/y 2 -> OK' 'write /shared/by5 mine -> OK' \
		'read /shared/a -> v' 'read /local/domain/0/backend/vbd/5/0/state -> 1')" \
	"$(guest 5 'write data/x 1' 'write data/sub/y 2' 'write /shared/by5 mine' 'read /shared/a' \
		'read /local/domain/0/backend/vbd/5/0/state')"
assert_eq "xenstore-control quota 5: it owns data, data/x, data/sub, data/sub/y, /shared/by5" \
	5 "$(xsctl quota 5 | awk '$1 == "nodes" { print $3 }')"

# --- re-INTRODUCE: the connection starts over ----------------------------------------
gopen G5 5
greq G5 "watch data w"; gevent G5
greq G5 txstart
assert_eq "the guest has a watch and an open transaction" "1" "$R"
assert_cmd "xenstore-sim introduce 5 again" sim introduce 5
assert_eq "a second INTRODUCE fires no @introduceDomain" "" "$(since_barrier)"
greq G5 commit
assert_eq "the guest's transaction is gone: ENOENT" ENOENT "$R"
greq G5 "write data/x 2"
assert_eq "its next write works, and its old watch fired nothing" "OK|" "$R|${G_EVENTS[G5]}"
greq G5 "watch data w"
assert_eq "the same watch can be registered again (the old one was dropped)" OK "$R"
gevent G5
assert_eq "IS_DOMAIN_INTRODUCED 5 is still T" T "$(introduced 5)"

# --- ring RECONNECT --------------------------------------------------------------------
greq G5 txstart
greq G5 reconnect
assert_eq "the guest asks for RECONNECT (connection = 1): the daemon answers (0)" "OK 0" \
	"$R $(ring_field 5 2068)"
greq G5 commit
assert_eq "its transaction is gone" ENOENT "$R"
greq G5 "watch data w"
assert_eq "its watch is gone: registering it again is OK" OK "$R"
gevent G5
greq G5 "read data/x"
assert_eq "and the ring works from index 0 again" 2 "$R"
assert_eq "RECONNECT fires no domain event" "" "$(since_barrier)"
gclose G5

# --- shutdown: @releaseDomain once, until RESUME ---------------------------------------------
sim shutdown 5
assert_eq "shutdown fires @releaseDomain (plain, per-domain with depth 1, and @releaseDomain/5)" \
	"$(released 5)" "$(since_barrier)"
assert_eq "a shut down domain is still introduced, its nodes still there" "T 2" \
	"$(introduced 5) $(xenstore-read /local/domain/5/data/sub/y 2>&1)"
sim shutdown 5
assert_eq "a second state change while still shut down fires nothing" "" "$(since_barrier)"
sim create 6
sim introduce 6
assert_eq "(introducing domain 6 meanwhile fires only @introduceDomain)" "@introduceDomain intro" \
	"$(since_barrier)"
assert_eq "xsdomctl resume 5" "" "$(domctl resume 5)"
assert_eq "RESUME itself fires nothing" "" "$(since_barrier)"
sim shutdown 5
assert_eq "after RESUME the next shutdown fires @releaseDomain again" "$(released 5)" "$(since_barrier)"
sim destroy 6
assert_eq "domain 6 dies: its @releaseDomain does not reach the @releaseDomain/5 watch" \
	"$(released 6)" "$(since_barrier)"

# --- death -----------------------------------------------------------------------------------------
sim dying 5
assert_eq "domain 5 dying fires @releaseDomain" "$(released 5)" "$(since_barrier)"
assert_eq "IS_DOMAIN_INTRODUCED 5 is now F" F "$(introduced 5)"
assert_eq "the nodes it owned are gone with their subtrees; dom0's nodes stay, r5 stripped" \
	"$(lines '/local/domain/5/name = "guest5"   (n0)')" "$(xenstore-ls -fp /local/domain/5 2>&1)"
assert_eq "its node elsewhere is gone, and its entries in other nodes' ACLs" \
	"$(lines '/shared = ""   (n0)' '/shared/a = "v"   (n0,r7)')" \
	"$(xenstore-ls -fp / 2>&1 | grep '^/shared')"
assert_eq "the home and the backend lose their r5 too" "n0 n0" \
	"$(res dom0 'getperms /local/domain/5') $(res dom0 'getperms /local/domain/0/backend/vbd/5')"
assert_eq "and so does the special node @releaseDomain" n0 "$(res dom0 'getperms @releaseDomain')"
sim destroy 5
assert_eq "the domain then vanishing fires nothing more" "" "$(since_barrier)"
assert_eq "xenstore-control check: consistent after the cleanup" OK "$(xsctl check)"

# --- a reused domid ------------------------------------------------------------------------------------
# While domid 5 is free, the toolstack names it in an ACL: the entry must
# be ignored (stale) for the domain that later gets the number (XSA-322,
# PROTOCOL.md §2.3).
assert_eq "dom0 grants r5 on a node while no domain 5 exists" OK \
	"$(res dom0 'write /shared/later x' >/dev/null; res dom0 'setperms /shared/later n0 r5')"
sim create 5
guest dom0 "mkdir /local/domain/5/data" "setperms /local/domain/5/data n5" >/dev/null
sim introduce 5
assert_eq "the new domain 5 is introduced (@introduceDomain fires again)" "@introduceDomain intro" \
	"$(since_barrier)"
assert_eq "the new domain 5 has none of the old one's rights" \
	"$(lines 'read /shared/a -> EACCES' 'read /local/domain/0/backend/vbd/5/0/state -> EACCES' \
		'write /shared/by5 again -> EACCES')" \
	"$(guest 5 'read /shared/a' 'read /local/domain/0/backend/vbd/5/0/state' 'write /shared/by5 again')"
assert_eq "nor an ACL entry written while the domid was free (stale: EACCES)" EACCES \
	"$(res 5 'read /shared/later')"
# A domain named in an ACL dies before it was ever introduced: the next
# domain with its id gets nothing from that entry either (stripped, or
# stale because the entry is older than the new domain).
# Domain 8's death is the barrier: the daemon rescans every domain when
# it sees it, so by its @releaseDomain it has also seen 7 gone.
sim create 7
sim create 8
sim introduce 8
guest dom0 "write /shared/seven x" "setperms /shared/seven n0 r7" >/dev/null
since_barrier >/dev/null
sim destroy 7
sim destroy 8
assert_eq "domain 7 (never introduced) and 8 die: @releaseDomain for 8 only" "$(released 8)" \
	"$(since_barrier)"
sim create 7
guest dom0 "mkdir /local/domain/7" "setperms /local/domain/7 n7" >/dev/null
sim introduce 7
assert_eq "a new domain 7 is created and introduced" "@introduceDomain intro" "$(since_barrier)"
assert_eq "the new domain 7 cannot use the old domain 7's entry: EACCES" EACCES \
	"$(res 7 'read /shared/seven')"
sim destroy 7
since_barrier >/dev/null
assert_eq "its node count starts over: 1 (data, given by the toolstack)" 1 \
	"$(xsctl quota 5 | awk '$1 == "nodes" { print $3 }')"
assert_eq "the new guest uses what the toolstack gave it" OK "$(res 5 'write data/new 1')"

# --- RELEASE and re-INTRODUCE ------------------------------------------------------------------------
assert_eq "xsdomctl release 5" "" "$(domctl release 5)"
assert_eq "RELEASE fires @releaseDomain" "$(released 5)" "$(since_barrier)"
assert_eq "IS_DOMAIN_INTRODUCED 5 is F, its nodes are gone" "F ENOENT" \
	"$(introduced 5) $(res dom0 'read /local/domain/5/data')"
out=$(domctl release 5); rc=$?
assert_eq "a second RELEASE: ENOENT (not introduced)" "1 xsdomctl: release: No such file or directory" "$rc $out"
out=$(domctl release 0); rc=$?
assert_eq "RELEASE of dom0: EINVAL" "1 xsdomctl: release: Invalid argument" "$rc $out"
assert_eq "sim state still running: the hypervisor did not kill it" running "$(cat "$SIM_DIR/5/state")"
guest dom0 "mkdir /local/domain/5/data" "setperms /local/domain/5/data n5" >/dev/null
sim introduce 5
assert_eq "INTRODUCE after RELEASE is a first introduction again" "@introduceDomain intro" \
	"$(since_barrier)"
assert_eq "and the guest's connection works from scratch" \
	"$(lines 'write data/again 1 -> OK' 'read data/again -> 1')" "$(guest 5 'write data/again 1' 'read data/again')"
sim destroy 5
assert_eq "its death fires @releaseDomain" "$(released 5)" "$(since_barrier)"
gclose W

assert_eq "xenstore-control check: consistent at the end" OK "$(xsctl check)"
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
