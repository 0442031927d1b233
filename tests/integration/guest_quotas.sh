#!/bin/bash
# guest_quotas.sh - every per-domain quota, hit by a simulated guest over
# its own ring: the request that goes over gets the error PROTOCOL.md §2.6 gives (ENOSPC,
# EINVAL for path-max), the domain keeps working below the limit, other
# guests and dom0 do not notice, and the daemon stays healthy.  Limits are
# set low with the daemon's options and checked with xenstore-control
# quota.  Last, a guest that pipelines requests without ever reading the
# replies (quota outstanding) is stopped at the ring, the daemon's memory
# stays flat, and every reply reaches the guest once it reads again
# (PROTOCOL.md §2.1, §2.4, §2.6, §3.3).
#
# The semantic is the daemon's documented one (docs/DESIGN.md, Quotas):
# the value is the largest amount allowed, so nodes=8 allows 8 nodes.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
need_peer_tools || skip_all "no xenstore-control (tests/peers/peers.sh setup failed) or xsdomctl (make)"
start_sim_xenstored -E 8 -W 3 -t 2 -S 200 -A 3 -M 64 -Q transaction-nodes=6 \
	-Q outstanding=20 || { fail "daemon starts with low quotas"; done_testing; exit 1; }
lines() { printf '%s\n' "$@"; }
rep() { head -c "$2" /dev/zero | tr '\0' "$1"; }
# owned N WHAT: the domain's count of WHAT in `xenstore-control quota N`
owned() { xsctl quota "$1" | awk -v w="$2" '$1 == w { print $3 }'; }

assert_eq "xenstore-control quota shows the limits given as options" \
	"$(lines 'Quota settings:' \
		'nodes            :        8 Nodes per domain' \
		'watches          :        3 Watches per domain' \
		'transactions     :        2 Transactions per domain' \
		'outstanding      :       20 Outstanding requests per domain' \
		'transaction-nodes:        6 Max. number of accessed nodes per transaction' \
		'memory           :  2621440 Total Xenstore memory per domain (error level)' \
		'node-size        :      200 Max. size of a node' \
		'path-max         :       64 Max. length of a node path' \
		'permissions      :        3 Max. number of permissions per node')" \
	"$(xsctl quota)"

for d in 1 2 3 4 5 6 7 8; do
	boot_domain $d >"$T_DIR/boot" 2>&1 || { fail "domain $d boots"; cat "$T_DIR/boot"; }
done
# bystander: domain 7 and dom0 must be unaffected by the others' limits.
bystander() {
	local what=$1
	assert_eq "after $what: another guest and dom0 are still served" \
		"7 OK guest1" "$(res 7 'read domid') $(res 7 'write probe v') $(xenstore-read /local/domain/1/name 2>&1)"
}

# --- nodes (-E 8) ---------------------------------------------------------------
# The home and what the toolstack wrote in it (domid, name) belong to the
# guest: a privileged creator keeps the parent's owner (PROTOCOL.md §2.2).
assert_eq "domain 1 starts owning 3 nodes" 3 "$(owned 1 nodes)"
assert_eq "nodes: 5 more are allowed, the 9th node is ENOSPC" \
	"$(lines 'write n/1 v -> OK' 'write n/2 v -> OK' 'write n/3 v -> OK' 'write n/4 v -> OK' \
		'write n/5 v -> ENOSPC' 'write n/4/deeper v -> ENOSPC' 'mkdir m -> ENOSPC' 'read n/4 -> v')" \
	"$(guest 1 'write n/1 v' 'write n/2 v' 'write n/3 v' 'write n/4 v' 'write n/5 v' \
		'write n/4/deeper v' 'mkdir m' 'read n/4')"
assert_eq "xenstore-control quota 1 counts 8 nodes" 8 "$(owned 1 nodes)"
# Inside a transaction the refusal may come with the write or at the
# commit (PROTOCOL.md §2.4 checks the node count at commit): either way ENOSPC.
out=$(guest 1 txstart 'write n/5 v' commit 'read n/5')
if [[ $out == *"-> ENOSPC"* && $out == *"read n/5 -> ENOENT" ]]; then
	ok "nodes: creating inside a transaction is refused as well (ENOSPC, nothing created)"
else
	fail "nodes: creating inside a transaction is refused as well (ENOSPC, nothing created)"
	echo "$out" | sed 's/^/#   /'
fi
assert_eq "nodes: rewriting an existing node needs no new node" OK "$(res 1 'write n/4 w')"
assert_eq "nodes: after an rm there is room again" \
	"$(lines 'rm n/4 -> OK' 'write n/5 v -> OK')" "$(guest 1 'rm n/4' 'write n/5 v')"
assert_eq "xenstore-control quota set nodes 9 (at run time)" OK "$(xsctl quota set nodes 9)"
assert_eq "the 9th node is now allowed, the 10th is not" \
	"$(lines 'write n/6 v -> OK' 'write n/7 v -> ENOSPC')" "$(guest 1 'write n/6 v' 'write n/7 v')"
xsctl quota set nodes 8 >/dev/null
assert_eq "dom0 is exempt: it creates nodes in domain 1's home (owned by 1)" OK \
	"$(res dom0 'write /local/domain/1/n/by-dom0 v')"
bystander "the nodes quota"

# --- watches (-W 3) -------------------------------------------------------------------
assert_eq "watches: 3 are allowed, the 4th is ENOSPC" \
	"$(lines 'watch a t1 -> OK' 'event a t1' 'watch a t2 -> OK' 'event a t2' 'watch b t3 -> OK' \
		'event b t3' 'watch c t4 -> ENOSPC')" \
	"$(guest 2 'watch a t1' 'watch a t2' 'watch b t3' 'watch c t4')"
assert_eq "xenstore-control quota 2 counts 3 watches" 3 "$(owned 2 watches)"
assert_eq "watches: the 3 still fire" "$(lines 'event a t1' 'event a t2' 'write a v -> OK')" \
	"$(guest 2 'write a v' | sort)"
assert_eq "watches: one unwatch makes room for one more" \
	"$(lines 'unwatch a t1 -> OK' 'watch c t4 -> OK' 'event c t4' 'watch d t5 -> ENOSPC')" \
	"$(guest 2 'unwatch a t1' 'watch c t4' 'watch d t5')"
assert_eq "watches: reset-watches frees them all" \
	"$(lines 'reset-watches -> OK' 'watch d t5 -> OK' 'event d t5')" \
	"$(guest 2 reset-watches 'watch d t5' 'events 1' | grep -v '^events')"
guest 2 reset-watches >/dev/null
bystander "the watches quota"

# --- transactions (-t 2) ---------------------------------------------------------------
assert_eq "transactions: 2 open at once are allowed, the 3rd is ENOSPC" \
	"$(lines 'txstart -> 1' 'txstart -> 2' 'txstart -> ENOSPC')" "$(guest 2 txstart txstart txstart)"
assert_eq "xenstore-control quota 2 counts 2 transactions" 2 "$(owned 2 transactions)"
assert_eq "transactions: the limit holds across guest processes (it is the domain's)" ENOSPC \
	"$(res 2 txstart)"
assert_eq "transactions: ending one makes room (reset-watches also ends them, XSA-484)" \
	"$(lines 'reset-watches -> OK' 'txstart -> 3' 'write tx v -> OK' 'commit -> OK' 'read tx -> v')" \
	"$(guest 2 reset-watches txstart 'write tx v' commit 'read tx')"
bystander "the transactions quota"

# --- node-size (-S 200): 16-byte header + 8 per permission + value + child list ---------
assert_eq "node-size: a 176-byte value (24 + 176 = 200) fits, 177 is ENOSPC" \
	"OK ENOSPC" "$(res 3 "write s $(rep v 176)") $(res 3 "write s $(rep v 177)")"
assert_eq "the refused write left the old value" 176 "$(res 3 'read s' | tr -d '\n' | wc -c)"
assert_eq "node-size: the child list counts (150 + 24 + 2 x 11 fits, a 3rd child does not)" \
	"$(lines 'write d/aaaaaaaaaa x -> OK' 'write d/bbbbbbbbbb x -> OK' \
		'write d/cccccccccc x -> ENOSPC' 'ls d -> aaaaaaaaaa bbbbbbbbbb')" \
	"$(guest 3 "write d $(rep v 150)" 'write d/aaaaaaaaaa x' 'write d/bbbbbbbbbb x' \
		'write d/cccccccccc x' 'ls d' | grep -v '^write d vvv')"
assert_eq "node-size: so do permissions (8 bytes each): setperms on the full node is ENOSPC" \
	"ENOSPC n3" "$(res 3 'setperms s n3 r1') $(res 3 'getperms s')"
assert_eq "dom0 is exempt from node-size" OK "$(res dom0 "write /local/domain/3/big $(rep b 1000)")"
bystander "the node-size quota"

# --- node-permissions (-A 3) ---------------------------------------------------------------
assert_eq "permissions: 3 entries are allowed, 4 are ENOSPC" \
	"$(lines 'write p v -> OK' 'setperms p n8 r1 r2 -> OK' 'setperms p n8 r1 r2 w4 -> ENOSPC' \
		'getperms p -> n8 r1 r2')" \
	"$(guest 8 'write p v' 'setperms p n8 r1 r2' 'setperms p n8 r1 r2 w4' 'getperms p')"
assert_eq "dom0 is exempt: it sets 5 entries" OK \
	"$(res dom0 'setperms /local/domain/8/p n8 r1 r2 r4 r5')"
bystander "the permissions quota"

# --- path-max (-M 64): the part after /local/domain/N/, else the whole path -------------------
p64=$(rep p 64)
assert_eq "path-max: a relative path of 64 bytes is allowed, 65 is EINVAL" \
	"OK EINVAL" "$(res 8 "write $p64 v") $(res 8 "write ${p64}p v")"
assert_eq "path-max: the same with the absolute form of the path" \
	"OK EINVAL" "$(res 8 "write /local/domain/8/$p64 w") $(res 8 "write /local/domain/8/${p64}p v")"
assert_eq "path-max: outside /local/domain the whole path counts (/ + 63 passes the check, / + 64 not)" \
	"EACCES EINVAL" "$(res 8 "read /$(rep p 63)") $(res 8 "read /$p64")"
assert_eq "path-max: watch paths are checked too" EINVAL "$(res 8 "watch ${p64}p t")"
assert_eq "dom0 is exempt from path-max" OK "$(res dom0 "write /local/domain/8/${p64}p$p64 v")"
bystander "the path-max quota"

# --- transaction-nodes (-Q transaction-nodes=6) -----------------------------------------------
# Each write touches its node and its parent, the home: 5 writes touch 6.
assert_eq "transaction-nodes: the 7th node touched is ENOSPC and dooms the transaction" \
	"$(lines 'txstart -> 1' 'write t1 v -> OK' 'write t2 v -> OK' 'write t3 v -> OK' \
		'write t4 v -> OK' 'write t5 v -> OK' 'write t6 v -> ENOSPC' 'read t1 -> v' \
		'commit -> ENOSPC' 'read t1 -> ENOENT')" \
	"$(guest 4 txstart 'write t1 v' 'write t2 v' 'write t3 v' 'write t4 v' 'write t5 v' \
		'write t6 v' 'read t1' commit 'read t1')"
assert_eq "transaction-nodes: reads count too" \
	"$(lines 'txstart -> 2' 'read r1 -> ENOENT' 'read r2 -> ENOENT' 'read r3 -> ENOENT' \
		'read r4 -> ENOENT' 'read r5 -> ENOENT' 'read r6 -> ENOSPC' 'abort -> OK')" \
	"$(guest 4 txstart 'read r1' 'read r2' 'read r3' 'read r4' 'read r5' 'read r6' abort)"
# A write creating missing parents touches each of them and the home.
# Found here: when the limit is reached while looking for the nearest
# existing ancestor, the error becomes EACCES (information hiding applied
# to a quota failure) instead of ENOSPC.
assert_eq "transaction-nodes: a deep write over the limit is ENOSPC (not EACCES)" \
	"$(lines 'txstart -> 3' 'write a/b/c/d/e/f v -> ENOSPC' 'commit -> ENOSPC')" \
	"$(guest 4 txstart 'write a/b/c/d/e/f v' commit)"
assert_eq "transaction-nodes: a deep read over the limit is ENOSPC (not EACCES)" \
	"$(lines 'txstart -> 4' 'read a/b/c/d/e/f -> ENOSPC' 'abort -> OK')" \
	"$(guest 4 txstart 'read a/b/c/d/e/f' abort)"
assert_eq "and a transaction within the limit commits" \
	"$(lines 'txstart -> 5' 'write x1 v -> OK' 'write x2 v -> OK' 'commit -> OK' 'read x2 -> v')" \
	"$(guest 4 txstart 'write x1 v' 'write x2 v' commit 'read x2')"
assert_eq "transaction-nodes: outside a transaction there is no such limit" OK \
	"$(res 4 'write /local/domain/4/a/b/c v')"
bystander "the transaction-nodes quota"

# --- outstanding requests: a guest that never reads its replies -----------------------------
# Each reply is 4 KiB: unbounded, 20,000 of them would be 80 MB.
big=$(rep B 4000)
guest dom0 "write /local/domain/5/big $big" "write /local/domain/6/big $big" >/dev/null
rss0=$(daemon_rss)
gopen F5 5 -t 1000
gopen F6 6 -t 1000
greq F5 "flood 20000 big"; f5=$R
greq F6 "flood 20000 big"; f6=$R
k5=${f5#stalled after } k6=${f6#stalled after }
if [[ $f5 == "stalled after "* && $f6 == "stalled after "* ]] && [ "$k5" -lt 20000 ] &&
	[ "$k6" -lt 20000 ] && [ "$k5" -ge 20 ] && [ "$k6" -ge 20 ]; then
	ok "two guests pipelining 20,000 reads without reading replies are stopped at the ring ($k5, $k6 taken)"
else
	fail "two guests pipelining 20,000 reads without reading replies are stopped at the ring"
	echo "#   domain 5: $f5; domain 6: $f6"
fi
rss1=$(daemon_rss)
if [ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 1024 ]; then
	ok "the daemon does not grow with them (VmRSS $rss0 -> $rss1 KiB)"
else
	fail "the daemon does not grow with them (VmRSS $rss0 -> $rss1 KiB, limit +1024)"
fi
assert_eq "meanwhile another guest is answered" "$(lines 'read domid -> 7' 'write o v -> OK')" \
	"$(guest 7 'read domid' 'write o v')"
assert_eq "and dom0 is answered" 5 "$(xenstore-read /local/domain/5/domid 2>&1)"
greq F5 drain
assert_eq "domain 5 reads again: it gets every reply, in order" "$k5 replies, 0 errors, 0 out of order" "$R"
greq F5 "read domid"
assert_eq "and is served normally afterwards" 5 "$R"
greq F6 drain
assert_eq "the same for domain 6" "$k6 replies, 0 errors, 0 out of order" "$R"
gclose F5; gclose F6
rss2=$(daemon_rss)
if [ $((rss2 - rss0)) -lt 1024 ]; then ok "VmRSS after the drain: $rss2 KiB"; else
	fail "VmRSS after the drain: $rss2 KiB (from $rss0)"; fi

assert_eq "xenstore-control check: the store and the accounting are consistent" OK "$(xsctl check)"
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
