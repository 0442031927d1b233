#!/bin/bash
# xsa_txn.sh - the transaction advisories, by guests over their rings on
# the simulated hypervisor (PROTOCOL.md §2.4, §2.6, §7.2):
#   XSA-206      one guest's writes must not starve others' transactions
#   XSA-414/415  node creation failing inside a transaction leaves nothing
#                behind and the accounting right
#   XSA-421      creating and deleting a node in a transaction must not
#                let a guest pass its node quota
# The daemon runs with a node quota of 5 so the quotas are reached fast.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/xsa.sh"

start_sim -Q nodes=5 || { fail "daemon starts on the simulated hypervisor"; done_testing; exit 1; }
for n in 1 2 3 4 6; do new_guest $n || fail "guest $n introduced"; done

nodes_of() { dom0 "raw 0 quota|$1|" | sed -n 's/.*nodes *: *\([0-9]*\).*/\1/p'; }
gen_of() { dom0 "raw 22 $1|0|" | result | sed 's/^XS_DIRECTORY_PART //; s/|.*//'; }

# --- XSA-206 ------------------------------------------------------------------
bg_open F "$XSATTACK" ring-write-flood "$SIM_DIR" 1 /local/domain/1/flood
if bg_until F 'writes *'; then
	for i in $(seq 1 30); do
		printf '%s\n' txstart 'read /local/domain/2' "write tx/$i $i" commit
	done >"$T_DIR/txns"
	out=$(guest -f "$T_DIR/txns" 2 | result)
	assert_eq "XSA-206: while guest 1 floods writes, guest 2's 30 transactions all commit" \
		"30 OK" "$(sed -n '4~4p' <<<"$out" | sort | uniq -c | sed 's/^ *//')"
	for i in $(seq 1 20); do
		printf '%s\n' txstart "write /local/domain/0/tx/$i $i" commit
	done >"$T_DIR/txns0"
	out=$(guest -f "$T_DIR/txns0" dom0 | result)
	assert_eq "XSA-206: and so do dom0's 20" "20 OK" \
		"$(sed -n '3~3p' <<<"$out" | sort | uniq -c | sed 's/^ *//')"
	# That the flood went on meanwhile is shown without a rate (a loaded
	# machine has none to promise): in a transaction of each, held open
	# until the flooded node's generation has moved (a flooded WRITE
	# happened inside it, bounded wait), the commit still succeeds.
	flood_moved() { [ "$(gen_of /local/domain/1/flood)" != "$1" ]; }
	for who in 2 dom0; do
		gopen GT "$who"
		greq GT txstart
		greq GT 'read /local/domain/2'
		greq GT "write /local/domain/${who/dom0/0}/tx/open v"
		gen=$(gen_of /local/domain/1/flood)
		if wait_for 60 flood_moved "$gen"; then moved=moved; else moved=stuck; fi
		greq GT commit
		assert_eq "XSA-206: a transaction of $who open while the flood writes still commits" \
			"moved OK" "$moved $R"
		gclose GT
	done
	assert_cmd "XSA-206: the flooding guest is still being served" daemon_alive "$F_PID"
else
	fail "XSA-206: guest 1 floods writes (${BG_LAST:-no output})"
fi
bg_close F

# --- XSA-414/415 --------------------------------------------------------------
assert_eq "XSA-415: in a transaction, creating 6 nodes over a quota of 5 fails and leaves nothing" \
	"$(printf '%s\n' 1 ENOSPC '' OK OK a)" \
	"$(guest 3 txstart 'write a/b/c/d/e/f v' 'ls /local/domain/3' 'write a/b v' commit \
		'ls /local/domain/3' | result)"
assert_eq "XSA-415: the guest is accounted the 2 nodes it has" 2 "$(nodes_of 3)"
long=$(printf 'l%.0s' $(seq 1 2030))
assert_eq "XSA-414: a creation refused for node-size, and one for path-max, inside a transaction" \
	"$(printf '%s\n' 1 ENOSPC EINVAL OK OK ENOENT)" \
	"$(guest 4 txstart "write x/$long v" "write $long/$long v" 'write y v' commit 'ls x' | result)"
assert_eq "XSA-414: nothing half-made: guest 4 owns exactly y" "1|y" \
	"$(nodes_of 4)|$(dom0 'ls /local/domain/4' | result)"
assert_eq "XSA-414/415: the daemon is consistent" OK "$(daemon_check)"

# --- XSA-421 --------------------------------------------------------------------
{
	echo txstart
	for i in $(seq 1 20); do printf '%s\n' "write n$i v" "rm n$i"; done
	for i in 1 2 3 4 5 6; do echo "write m$i v"; done
	echo commit
} >"$T_DIR/t421"
out=$(guest -f "$T_DIR/t421" 6 | result)
assert_eq "XSA-421: 20 nodes created and deleted in a transaction do not count; 5 more do, the 6th is refused" \
	"40 OK|$(printf '%s\n' OK OK OK OK OK ENOSPC OK)" \
	"$(sed -n '2,41p' <<<"$out" | sort | uniq -c | sed 's/^ *//')|$(sed -n '42,$p' <<<"$out")"
assert_eq "XSA-421: after commit the guest owns 5 nodes and may not create a 6th" "5|ENOSPC" \
	"$(nodes_of 6)|$(guest 6 'write z v' | result)"
assert_eq "XSA-421: the daemon is consistent" OK "$(daemon_check)"
assert_cmd "the daemon is alive" daemon_alive

done_testing
