#!/bin/bash
# xsa_domains.sh - the advisories about domains coming and going, on the
# simulated hypervisor (PROTOCOL.md §2.3, §2.7, §7.2):
#   XSA-322  a new domain reusing a domid must not inherit the rights the
#            old one had
#   XSA-417  ... nor rights granted to a domid the daemon never had a
#            record for
#   XSA-233  a domain and its stub domain dying together
#   XSA-325  a guest whose ring misbehaves is cut off, but @releaseDomain
#            comes only when the domain really dies
#   XSA-419  a dead domain's nodes are deleted, not given to dom0
#   XSA-425  RELEASE of a guest with requests, watches and a transaction
#            in flight
#   XSA-483  a dead domain's node accounting starts over with its domid
#
# dom0 watches @releaseDomain with depth 1 in the background, so each
# domain's departure is an event (@releaseDomain/N) the test waits for.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/xsa.sh"

start_sim -Q nodes=5 || { fail "daemon starts on the simulated hypervisor"; done_testing; exit 1; }
# -t: the watcher's wait for each event has no bound of its own to keep
# (it lives as long as the test; each of the test's reads is bounded).
bg_open R "$SIM" guest -t 600000 dom0 'raw 4 @releaseDomain|r|1|' 'events 999'
bg_until R 'events 999 -> *' || fail "dom0 watches @releaseDomain"

# gone N: domain N is destroyed; returns once the daemon has let it go.
gone() {
	sim destroy "$1" >/dev/null
	bg_events R "event @releaseDomain/$1 r"
}

# --- XSA-322 -----------------------------------------------------------------------
new_guest 5
dom0 'write /tool/secret5 s' 'setperms /tool/secret5 n0 r5' >/dev/null
assert_eq "XSA-322: domain 5 may read what dom0 granted it" s "$(guest 5 'read /tool/secret5' | result)"
gone 5 || fail "XSA-322: domain 5's death is noticed"
assert_eq "XSA-322: its entry leaves the node's permissions" "n0" \
	"$(dom0 'getperms /tool/secret5' | result)"
new_guest 5
assert_eq "XSA-322: a new domain 5 may not read it" EACCES "$(guest 5 'read /tool/secret5' | result)"

# --- XSA-322 through a transaction (issue 9) ------------------------------------------
# dom0 gives a node to domain 14 inside a transaction; 14 dies and its id
# is reused before the commit.
new_guest 14
mkfifo "$T_DIR/tx14"
bg_open TX "$SIM" guest -f "$T_DIR/tx14" dom0
exec {tx14}>"$T_DIR/tx14"
printf '%s\n' 'write /tool/gift14 v' txstart 'setperms /tool/gift14 n14' \
	'write /tool/acl14 a' 'setperms /tool/acl14 n0 r14' >&"$tx14"
bg_until TX 'setperms /tool/acl14 * -> *' || fail "XSA-322: dom0's transaction names domain 14"
gone 14 || fail "XSA-322: domain 14's death is noticed"
new_guest 14
printf 'commit\n' >&"$tx14"
bg_until TX 'commit -> *'
assert_eq "XSA-322: dom0's transaction commits after domain 14 died" "commit -> OK" "$BG_LAST"
exec {tx14}>&-
bg_close TX
assert_eq "XSA-322: the node it gave 14 went as 14's nodes went; the ACL entry too" \
	"$(printf '%s\n' ENOENT n0)" "$(dom0 'read /tool/gift14' 'getperms /tool/acl14' | result)"
assert_eq "XSA-322: the new domain 14 inherits nothing through the transaction" \
	"$(printf '%s\n' EACCES EACCES)" "$(guest 14 'write /tool/gift14 mine' 'read /tool/acl14' | result)"

# --- XSA-417 ------------------------------------------------------------------------
# Domain 7 exists but was never introduced: the daemon has no record of it.
sim create 7 >/dev/null
dom0 'write /tool/secret7 s' 'setperms /tool/secret7 n0 r7' >/dev/null
sim destroy 7 >/dev/null
# No @releaseDomain for a domain never introduced: wait until the daemon
# has seen it go (its entry leaves the node) before the hypervisor reuses
# the id, or the daemon may never learn it went.
secret7_cleaned() { [ "$(dom0 'getperms /tool/secret7' | result)" = n0 ]; }
wait_for 30 secret7_cleaned || fail "XSA-417: domain 7's death is noticed"
new_guest 7
assert_eq "XSA-417: a domain reusing the domid of one never introduced does not inherit its rights" \
	EACCES "$(guest 7 'read /tool/secret7' | result)"
# Domain 8 does not exist at all when dom0 names it.
dom0 'write /tool/secret8 s' 'setperms /tool/secret8 n0 r8' >/dev/null
new_guest 8
assert_eq "XSA-417: nor does a domain created after its domid was named in a permission" \
	EACCES "$(guest 8 'read /tool/secret8' | result)"

# A hypervisor backend says which domains exist: an owner that does not
# is refused (C: ENOENT; docs/DIFFERENCES.md accepts unknown owners only
# without a backend).
assert_eq "XSA-417: with a hypervisor backend, a node cannot be given to a domain that does not exist" \
	ENOENT "$(dom0 'write /tool/own20 s' 'setperms /tool/own20 n20' | result | tail -1)"

# --- XSA-325 -------------------------------------------------------------------------
for how in bad-indexes oversized; do
	new_guest 6
	case $how in bad-indexes) want=2 ;; *) want=3 ;; esac
	assert_eq "XSA-325: a guest's $how is answered by the ring's error field ($want)" \
		"error=$want" "$(guest 6 "$how" | result)"
	assert_eq "XSA-325: after $how domain 6 is still introduced" T "$(dom0 'introduced 6' | result)"
	# A barrier: another domain's departure; 6's must not come before it.
	new_guest 9
	gone 9 || fail "XSA-325: domain 9's death is noticed"
	assert_eq "XSA-325: after $how no @releaseDomain for domain 6 yet" "" \
		"$(grep '@releaseDomain/6 ' <<<"$BG_EVENTS")"
	gone 6
	assert_eq "XSA-325: @releaseDomain/6 when the domain dies" 0 $?
done

# --- XSA-419 --------------------------------------------------------------------------
new_guest 10
dom0 'write /tool/acl10 x' 'setperms /tool/acl10 n0 r10 b3' >/dev/null
guest 10 'write a/b v' 'write a/c v' >/dev/null
dom0 'write /local/domain/10/a/dom0node d' >/dev/null
nodes_before=$(dom0 'raw 0 memreport|' | sed -n 's/.*nodes: *\([0-9]*\) .*/\1/p')
gone 10 || fail "XSA-419: domain 10's death is noticed"
assert_eq "XSA-419: the dead domain's nodes are gone, with what dom0 wrote below them" \
	"" "$(dom0 'ls /local/domain/10' | result)"
assert_eq "XSA-419: entries naming it leave other nodes' permissions" "n0 b3" \
	"$(dom0 'getperms /tool/acl10' | result)"
assert_eq "XSA-419: the store shrank by its 4 nodes (none handed to dom0)" \
	"$((nodes_before - 4))" "$(dom0 'raw 0 memreport|' | sed -n 's/.*nodes: *\([0-9]*\) .*/\1/p')"
assert_eq "XSA-419: the daemon is consistent" OK "$(daemon_check)"

# --- XSA-425 ---------------------------------------------------------------------------
new_guest 11
bg_open G "$SIM" guest -t 600000 11 'watch /local/domain/11 w' 'txstart' 'write t/x 1' 'events 99'
bg_until G 'events 99 -> *' || fail "XSA-425: guest 11 has a watch and a transaction open"
assert_eq "XSA-425: RELEASE of a guest with a watch and a transaction in flight" OK \
	"$(dom0 'raw 9 11|' | result | sed 's/^XS_RELEASE //')"
bg_events R 'event @releaseDomain/11 r' || fail "XSA-425: @releaseDomain/11 fires"
bg_close G
assert_eq "XSA-425: the daemon is consistent" OK "$(daemon_check)"
assert_eq "XSA-425: a second RELEASE: ENOENT; of dom0: EINVAL; of junk: EINVAL; from a guest: EACCES" \
	"$(printf '%s\n' 'XS_ERROR ENOENT' 'XS_ERROR EINVAL' 'XS_ERROR EINVAL')|XS_ERROR EACCES" \
	"$(dom0 'raw 9 11|' 'raw 9 0|' 'raw 9 1x|' | result)|$(new_guest 12 && guest 12 'raw 9 11|' | result)"
sim introduce 11 >/dev/null
assert_eq "XSA-425: reintroduced, the guest is served again" "/local/domain/11" \
	"$(guest 11 'domainpath 11' | result)"

# --- XSA-233 ---------------------------------------------------------------------------
# A guest and its device-model stub domain (SET_TARGET) die together.
new_guest 14
new_guest 15
dom0 'raw 19 15|14|' >/dev/null
guest 15 'write /local/domain/14/dm v' 'watch /local/domain/14 dm' >/dev/null
sim destroy 15 >/dev/null
sim destroy 14 >/dev/null
released=
while [ "$(wc -w <<<"$released")" -lt 2 ] && bg_line R line; do
	released+=" $(grep -o '@releaseDomain/1[45]' <<<"$line")"
done
assert_eq "XSA-233: a domain and its stub domain die together: both released" \
	"@releaseDomain/14 @releaseDomain/15" "$(tr ' ' '\n' <<<"$released" | grep . | sort | paste -sd' ')"
assert_eq "XSA-233: the daemon is consistent, both records gone" "OK|XS_ERROR ENOENT|XS_ERROR ENOENT" \
	"$(daemon_check)|$(dom0 'raw 0 quota|14|' | result)|$(dom0 'raw 0 quota|15|' | result)"

# --- XSA-483 ---------------------------------------------------------------------------
new_guest 13
want=$(printf '%s\n' OK OK OK OK OK ENOSPC)
assert_eq "XSA-483: a guest may own 5 nodes (quota), not 6" "$want" \
	"$(guest 13 'write n1 v' 'write n2 v' 'write n3 v' 'write n4 v' 'write n5 v' 'write n6 v' | result)"
gone 13 || fail "XSA-483: domain 13's death is noticed"
assert_eq "XSA-483: its accounting record is gone with it" "XS_ERROR ENOENT" \
	"$(dom0 'raw 0 quota|13|' | result)"
dom0 'rm /local/domain/13' >/dev/null
new_guest 13
assert_eq "XSA-483: the new domain 13 starts from 0 nodes: 5 again, not 6" "$want" \
	"$(guest 13 'write n1 v' 'write n2 v' 'write n3 v' 'write n4 v' 'write n5 v' 'write n6 v' | result)"
assert_eq "XSA-483: the daemon is consistent" OK "$(daemon_check)"
assert_cmd "the daemon is alive" daemon_alive

bg_close R
done_testing
