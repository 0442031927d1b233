#!/bin/bash
# guest_isolation.sh - guests on the simulated hypervisor, each a separate
# process on its own shared ring: a guest cannot read or write another
# guest's nodes, and the EACCES it gets does not tell whether the node
# exists; with ownership of its home from the toolstack it can use it, and
# relative paths resolve there; a stub domain given SET_TARGET acts with
# its target's rights (PROTOCOL.md §2.1, §2.2, §2.3, §1.5, §3.3).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
start_sim_xenstored || { fail "daemon starts with --hypervisor=sim"; done_testing; exit 1; }
lines() { printf '%s\n' "$@"; }

# Domains 1 and 2 own their homes; domain 3's home is the toolstack's,
# readable by the guest (libxl's usual /local/domain/N).
for d in 1 2; do
	assert_cmd "domain $d: created, home owned by it, introduced" boot_domain $d
done
assert_cmd "domain 3: created, home n0 r3, introduced" boot_domain 3 "n0 r3"

assert_eq "domain 2 writes in its home over its ring" \
	"$(lines 'write secret s3cr3t -> OK' 'write dir/inner x -> OK' 'read secret -> s3cr3t')" \
	"$(guest 2 'write secret s3cr3t' 'write dir/inner x' 'read secret')"

# --- another guest's nodes: EACCES, existing or not -------------------------
D2=/local/domain/2
for op in read getperms ls; do
	assert_eq "domain 1: $op of domain 2's existing node and of a missing one: both EACCES" \
		"EACCES EACCES" "$(res 1 "$op $D2/secret") $(res 1 "$op $D2/nosuch")"
done
assert_eq "domain 1: read of domain 2's home itself: EACCES" EACCES "$(res 1 "read $D2")"
assert_eq "domain 1: read below a missing node of domain 2 and below an existing one: EACCES" \
	"EACCES EACCES" "$(res 1 "read $D2/nosuch/deeper") $(res 1 "read $D2/secret/child")"
assert_eq "domain 1: write over domain 2's node and write of a new one: both EACCES" \
	"EACCES EACCES" "$(res 1 "write $D2/secret mine") $(res 1 "write $D2/nosuch mine")"
assert_eq "domain 1: mkdir of an existing and of a new node of domain 2: both EACCES" \
	"EACCES EACCES" "$(res 1 "mkdir $D2/dir") $(res 1 "mkdir $D2/newdir")"
assert_eq "domain 1: rm of an existing and of a missing node of domain 2: both EACCES" \
	"EACCES EACCES" "$(res 1 "rm $D2/secret") $(res 1 "rm $D2/nosuch")"
assert_eq "domain 1: setperms on an existing and on a missing node of domain 2: both EACCES" \
	"EACCES EACCES" "$(res 1 "setperms $D2/secret n1") $(res 1 "setperms $D2/nosuch n1")"
assert_eq "domain 1: a watch on domain 2's node is allowed (WATCH checks nothing)" \
	"$(lines "watch $D2/secret w -> OK" "event $D2/secret w" "unwatch $D2/secret w -> OK")" \
	"$(guest 1 "watch $D2/secret w" "unwatch $D2/secret w")"
assert_eq "nothing of domain 2 changed, nothing was created (dom0's view)" \
	"$(lines "read $D2/secret -> s3cr3t" "getperms $D2/secret -> n2" "ls $D2 -> domid name secret dir" \
		"read $D2/nosuch -> ENOENT" "read $D2/newdir -> ENOENT")" \
	"$(guest dom0 "read $D2/secret" "getperms $D2/secret" "ls $D2" "read $D2/nosuch" "read $D2/newdir")"
assert_eq "domain 3 sees domain 2's nodes the same way" "EACCES EACCES" \
	"$(res 3 "read $D2/secret") $(res 3 "read $D2/nosuch")"
assert_eq "a guest cannot write outside /local/domain (root is n0): EACCES" \
	"EACCES EACCES" "$(res 1 'write /vm/x v') $(res 1 'read /tool/xenstored')"

# The hiding is about the nearest existing ancestor: where the guest may
# read the parent, a missing node is plainly ENOENT.
guest dom0 "write $D2/pub hello" "setperms $D2/pub n2 r1" >/dev/null
assert_eq "domain 1 reads a node domain 2 shared with it (n2 r1)" hello "$(res 1 "read $D2/pub")"
assert_eq "below that readable node a missing child is ENOENT, not EACCES" ENOENT \
	"$(res 1 "read $D2/pub/nosuch")"
assert_eq "but r1 does not let domain 1 write there: EACCES" EACCES "$(res 1 "write $D2/pub x")"
assert_eq "and domain 3, not named, still gets EACCES" EACCES "$(res 3 "read $D2/pub")"
assert_eq "a missing node in its own home is ENOENT to the guest" ENOENT "$(res 1 'read nosuch')"

# --- its own home -----------------------------------------------------------------
assert_eq "domain 1 uses its home with relative paths" \
	"$(lines 'domainpath 1 -> /local/domain/1' 'read domid -> 1' 'read name -> guest1' \
		'write data/x 42 -> OK' 'read data/x -> 42' 'read /local/domain/1/data/x -> 42' \
		'mkdir data/d -> OK' 'ls data -> x d' 'getperms data/x -> n1')" \
	"$(guest 1 'domainpath 1' 'read domid' 'read name' 'write data/x 42' 'read data/x' \
		'read /local/domain/1/data/x' 'mkdir data/d' 'ls data' 'getperms data/x')"
assert_eq "its relative write landed in /local/domain/1 (dom0's view, absolute)" \
	"$(lines 'read /local/domain/1/data/x -> 42' 'getperms /local/domain/1/data -> n1')" \
	"$(guest dom0 'read /local/domain/1/data/x' 'getperms /local/domain/1/data')"
assert_eq "relative paths of different guests resolve to different homes" \
	"$(lines 'read domid -> 2' 'read data/x -> ENOENT')" "$(guest 2 'read domid' 'read data/x')"
assert_eq "the owner shares a node with domain 2 (setperms n1 r2)" OK \
	"$(res 1 'setperms data/x n1 r2')"
assert_eq "domain 2 reads it but cannot write it" "42 EACCES" \
	"$(res 2 'read /local/domain/1/data/x') $(res 2 'write /local/domain/1/data/x 0')"
assert_eq "a guest cannot give its node away (only dom0 changes owners): EPERM" EPERM \
	"$(res 1 'setperms data/x n2')"
assert_eq "rm of its own subtree" "$(lines 'rm data -> OK' 'read data/x -> ENOENT')" \
	"$(guest 1 'rm data' 'read data/x')"

# --- a home the guest does not own -------------------------------------------------
assert_eq "domain 3 reads its toolstack-owned home (n0 r3)" "3 guest3" \
	"$(res 3 'read domid') $(res 3 'read name')"
assert_eq "but without ownership it cannot write there: EACCES" "EACCES EACCES" \
	"$(res 3 'write x v') $(res 3 'write domid 9')"
guest dom0 "mkdir /local/domain/3/device" "setperms /local/domain/3/device n3" >/dev/null
assert_eq "once the toolstack gives it a subdirectory, it writes there" \
	"$(lines 'write device/vif/0/state 1 -> OK' 'getperms device/vif/0/state -> n3')" \
	"$(guest 3 'write device/vif/0/state 1' 'getperms device/vif/0/state')"

# --- SET_TARGET: a device-model stub domain acts with its target's rights --------------
if need_peer_tools; then
	assert_eq "before SET_TARGET domain 3 cannot touch domain 2's nodes" "EACCES EACCES" \
		"$(res 3 "read $D2/secret") $(res 3 "write $D2/dm x")"
	assert_eq "xsdomctl set-target 3 2" "" "$(domctl set-target 3 2)"
	assert_eq "domain 3 now reads and writes domain 2's nodes (its target owns them)" \
		"$(lines "read $D2/secret -> s3cr3t" "write $D2/dm x -> OK" "getperms $D2/dm -> n3")" \
		"$(guest 3 "read $D2/secret" "write $D2/dm x" "getperms $D2/dm")"
	guest 1 'write share v' 'setperms share n1 r2' >/dev/null
	assert_eq "an ACL entry naming its target counts for it (n1 r2: read, not write)" \
		"v EACCES" "$(res 3 'read /local/domain/1/share') $(res 3 'write /local/domain/1/share w')"
	assert_eq "domain 2 itself gains nothing over domain 3's home" EACCES \
		"$(res 2 'write /local/domain/3/x v')"
	out=$(domctl set-target 3 42); rc=$?
	assert_eq "a domain that is not introduced cannot be a target: ENOENT" \
		"1 xsdomctl: set-target: No such file or directory" "$rc $out"
fi

if need_peer_tools; then
	assert_eq "xenstore-control check: the store is consistent" OK "$(xsctl check)"
else
	skip "xenstore-control check" "no xenstore-control (tests/peers/peers.sh setup failed)"
fi
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
