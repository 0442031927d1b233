#!/bin/bash
# xsa_perms.sh - the permission advisories, by guests over their rings on
# the simulated hypervisor (PROTOCOL.md §2.3, §7.2):
#   XSA-352  only the privileged domain may change a node's owner
#   XSA-353  the root node "/" is checked like any other
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/xsa.sh"

start_sim || { fail "daemon starts on the simulated hypervisor"; done_testing; exit 1; }
for n in 1 2 3; do new_guest $n || fail "guest $n introduced"; done

# --- XSA-352 -------------------------------------------------------------------
assert_eq "XSA-352: a guest owns the node it creates" "OK|n1 b1" \
	"$(guest 1 'write mine v' | result)|$(guest 1 'getperms mine' | result)"
assert_eq "XSA-352: it may change the rest of the list, not the owner (EPERM)" \
	"$(printf '%s\n' OK EPERM EPERM 'n1 r2')" \
	"$(guest 1 'setperms mine n1 r2' 'setperms mine n2' 'setperms mine b2 b1' 'getperms mine' |
		result)"
assert_eq "XSA-352: on a node it may write but does not own, not even that (EACCES)" \
	"EACCES|n0 b1" \
	"$(guest 1 'setperms /local/domain/1 n1' | result)|$(dom0 'getperms /local/domain/1' | result)"
dom0 'raw 19 2|1|' >/dev/null # SET_TARGET: domain 2 acts with domain 1's rights
assert_eq "XSA-352: a domain with a target may set perms on the target's node, not give it away" \
	"$(printf '%s\n' OK EPERM 'n1 r3')" \
	"$(guest 2 'setperms /local/domain/1/mine n1 r3' 'setperms /local/domain/1/mine n2' \
		'getperms /local/domain/1/mine' | result)"
assert_eq "XSA-352: dom0 may change the owner" "OK|n3" \
	"$(dom0 'setperms /local/domain/1/mine n3' | result)|$(guest 3 'getperms /local/domain/1/mine' | result)"
assert_eq "XSA-352: the node-count accounting followed the owner" "0|1" \
	"$(dom0 'raw 0 quota|1|' | sed -n 's/.*nodes *: *\([0-9]*\).*/\1/p')|$(
		dom0 'raw 0 quota|3|' | sed -n 's/.*nodes *: *\([0-9]*\).*/\1/p')"

# --- XSA-353 -------------------------------------------------------------------
assert_eq "XSA-353: / is n0: a guest may not write, create, list, read or change it" \
	"$(printf '%s\n' EACCES EACCES EACCES EACCES EACCES EACCES EACCES)" \
	"$(guest 1 'write /x v' 'mkdir /x' 'ls /' 'read /' 'getperms /' 'setperms / n1' \
		'setperms / b0' | result)"
assert_eq "XSA-353: nor remove / (EINVAL) or what is below it (EACCES)" \
	"$(printf '%s\n' EINVAL EACCES EACCES EACCES)" \
	"$(guest 1 'rm /' 'rm /tool' 'rm /local' 'write /tool/xenstored x' | result)"
assert_eq "XSA-353: nor the special nodes' permissions" "$(printf '%s\n' EACCES EACCES)" \
	"$(guest 1 'setperms @introduceDomain n1' 'setperms @releaseDomain n1 r1' | result)"
assert_eq "XSA-353: / and the specials are unchanged" "n0|n0|n0 r32757|tool local" \
	"$(dom0 'getperms /' 'getperms @introduceDomain' 'getperms @releaseDomain' 'ls /' |
		result | paste -sd'|')"
assert_eq "the daemon is consistent" OK "$(daemon_check)"

done_testing
