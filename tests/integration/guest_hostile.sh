#!/bin/bash
# guest_hostile.sh - guests that break the ring protocol on the simulated
# hypervisor: impossible request or response indexes, a header claiming
# more than 4096 bytes.  Each is cut off alone (the ring's error field says
# why when the ERROR feature is on: 2 = indexes, 3 = protocol), its
# requests are no longer served, and the domain stays known until it
# really dies, when @releaseDomain fires and its nodes go; meanwhile other
# guests and dom0 carry on (PROTOCOL.md §3.3, §2.7, XSA-325).  Two attacks
# only a simulated guest can make, found by hostile testing (issue 9):
# truncating its ring file under the daemon's mapping (SIGBUS), and moving
# the daemon's request index without end from another CPU (the daemon's
# ring loop ran while the index moved).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
need_peer_tools || skip_all "no xenstore-control (tests/peers/peers.sh setup failed) or xsdomctl (make)"
start_sim_xenstored || { fail "daemon starts with --hypervisor=sim"; done_testing; exit 1; }
lines() { printf '%s\n' "$@"; }
introduced() { domctl is-introduced "$1"; }
released() { lines "@releaseDomain rel" "@releaseDomain/$1 each" "@releaseDomain each" | sort; }
# ring_set N OFFSET VALUE: the guest scribbles a 32-bit field of its page.
ring_set() {
	local v=$3
	printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((v & 255)) $((v >> 8 & 255)) \
		$((v >> 16 & 255)) $((v >> 24 & 255)))" |
		dd of="$SIM_DIR/$1/ring" bs=1 seek="$2" conv=notrunc status=none
}
REQ_CONS=2048 REQ_PROD=2052 RSP_CONS=2056 RSP_PROD=2060 FEATURES=2064 ERROR=2072

for d in 1 2 3 4 5; do
	boot_domain $d >"$T_DIR/boot" 2>&1 || { fail "domain $d boots"; cat "$T_DIR/boot"; }
done
sim create 6
assert_eq "dom0 turns every feature off for domain 6 before introducing it (SET_FEATURE 6 0)" \
	"raw 24 6|0| -> XS_SET_FEATURE OK" "$(guest dom0 'raw 24 6|0|')"
boot_domain 6 >"$T_DIR/boot" 2>&1 || { fail "domain 6 boots"; cat "$T_DIR/boot"; }
dom0_watcher "watch @introduceDomain intro" "watch @releaseDomain rel" "raw 4 @releaseDomain|each|1|"
assert_eq "the ring of domain 1 advertises ERROR (bit 2), domain 6's does not" "2 0" \
	"$(($(ring_field 1 $FEATURES) & 2)) $(($(ring_field 6 $FEATURES) & 2))"

# A well-behaved guest keeps one connection (and a watch) through it all.
gopen G3 3
greq G3 "watch data w"; gevent G3
greq G3 "write data/before 1"; gevent G3
assert_eq "the bystander, domain 3, watches its data and writes" "OK data/before w" "$R $E"
# still_fine WHAT: the bystander's connection, dom0 and a new guest process work.
still_fine() {
	greq G3 "write data/k $1"; local r=$R; gevent G3
	assert_eq "after $1: domain 3 (same connection) is served, its watch fires" \
		"OK data/k w" "$r $E"
	assert_eq "after $1: dom0 and domain 5 are served" "guest3 OK" \
		"$(xenstore-read /local/domain/3/name 2>&1) $(res 5 "write seen-$1 1")"
}

# --- impossible request indexes ---------------------------------------------------------
assert_eq "domain 1 writes, then sets req_prod 5000 past req_cons (bad-indexes)" \
	"$(lines 'write x 1 -> OK' 'bad-indexes -> error=2')" "$(guest 1 'write x 1' bad-indexes)"
assert_eq "the ring's error field says RINGIDX (2)" 2 "$(ring_field 1 $ERROR)"
if grep -q 'domain 1: ring indexes invalid' "$XSD_RUN/daemon.log"; then
	ok "the daemon logs it"; else fail "the daemon logs it"; fi
still_fine bad-indexes
assert_eq "domain 1 stays known: IS_DOMAIN_INTRODUCED 1 is T, no @releaseDomain" "T" \
	"$(introduced 1)$(since_barrier)"
ring_set 1 $REQ_PROD "$(ring_field 1 $REQ_CONS)"
assert_eq "repaired indexes do not bring it back: its next request is not answered" \
	"read x -> Connection timed out" "$(guest -t 1000 1 'read x')"

# --- a header claiming 5000 bytes ---------------------------------------------------------
assert_eq "domain 2 writes, then sends a header claiming 5000 bytes (oversized)" \
	"$(lines 'write x 1 -> OK' 'oversized -> error=3')" "$(guest 2 'write x 1' oversized)"
assert_eq "the ring's error field says PROTO (3)" 3 "$(ring_field 2 $ERROR)"
if grep -q 'Client tried to feed us 5000 (connection [0-9]*, domain 2' "$XSD_RUN/daemon.log"; then
	ok "the daemon logs it (Client tried to feed us 5000 ... domain 2)"
else
	fail "the daemon logs it (Client tried to feed us 5000 ... domain 2)"
fi
still_fine oversized
assert_eq "its next request, on valid indexes, is not answered" \
	"read x -> Connection timed out" "$(guest -t 1000 2 'read x')"
assert_eq "domain 2 stays known, no @releaseDomain" "T" "$(introduced 2)$(since_barrier)"

# --- impossible response indexes ------------------------------------------------------------
ring_set 4 $RSP_CONS $(( $(ring_field 4 $RSP_PROD) + 5000 ))
assert_eq "domain 4 sets rsp_cons 5000 past rsp_prod, then asks: no reply" \
	"read domid -> Connection timed out" "$(guest -t 1000 4 'read domid')"
assert_eq "the daemon refused to write into it: error RINGIDX (2)" 2 "$(ring_field 4 $ERROR)"
still_fine rsp-indexes
assert_eq "domain 4 stays known" "T" "$(introduced 4)$(since_barrier)"

# --- without the ERROR feature: cut off all the same, the field stays 0 -----------------------
assert_eq "domain 6 (features 0) sets bad indexes" \
	"$(lines 'write x 1 -> OK' 'bad-indexes -> error=0')" "$(guest 6 'write x 1' bad-indexes)"
# The field can only be seen to stay 0 once the daemon has acted: its log.
if wait_for 30 grep -q 'domain 6: ring indexes invalid' "$XSD_RUN/daemon.log"; then
	ok "the daemon did cut it off (logged)"; else fail "the daemon did cut it off (logged)"; fi
still_fine no-error-feature
assert_eq "yet domain 6's error field stays 0 (no ERROR feature)" 0 "$(ring_field 6 $ERROR)"

# --- a page that vanishes under the daemon's mapping ----------------------------------------
# The simulated guest's page is a file: the guest truncates it while the
# daemon has it mapped, then notifies.  The daemon's next access faults.
boot_domain 7 >"$T_DIR/boot" 2>&1 || { fail "domain 7 boots"; cat "$T_DIR/boot"; }
since_barrier >/dev/null   # its @introduceDomain
assert_eq "domain 7 is served before" "write x 1 -> OK" "$(guest 7 'write x 1')"
"$TOP/tests/helpers/xsattack.py" ring-truncate "$SIM_DIR" 7 0 >"$T_DIR/trunc" 2>&1 &
T_PIDS+=("$!")
wait_for 30 grep -q . "$T_DIR/trunc"
assert_eq "domain 7 truncates its ring file to 0 bytes and notifies" "truncated 0" \
	"$(cat "$T_DIR/trunc")"
if wait_for 30 grep -q 'domain 7: ring page gone' "$XSD_RUN/daemon.log"; then
	ok "the daemon cuts domain 7 off (logged: ring page gone)"
else
	fail "the daemon cuts domain 7 off (logged: ring page gone)"
fi
if daemon_alive; then ok "the daemon survives the truncated page (no SIGBUS)"; else
	fail "the daemon survives the truncated page (no SIGBUS)"; fi
still_fine truncated-page
assert_eq "domain 7 stays known, no @releaseDomain" "T" "$(introduced 7)$(since_barrier)"

# --- a guest moving the daemon's request index without end, from another CPU -----------------
# Domain 8 floods until the daemon stops reading its ring (quota outstanding),
# then increments req_cons, notifying every ms, until told to stop (after
# the checks, so a loaded machine cannot end the spin before them).  Each
# notification may cost the daemon only a bounded amount of work: domain
# 5's requests, one after the other, are all answered while it spins (each
# within 30 s: a daemon stuck in its ring loop never answers).
boot_domain 8 >"$T_DIR/boot" 2>&1 || { fail "domain 8 boots"; cat "$T_DIR/boot"; }
since_barrier >/dev/null
gopen G5 5 -t 30000
greq G5 "write data/spin 0"
assert_eq "the bystander, domain 5, is served before" OK "$R"
"$SIM" guest -t 300 8 'flood 200' 'spin 600' >"$T_DIR/spin" 2>&1 &
SPIN_PID=$!
T_PIDS+=("$SPIN_PID")
wait_for 30 grep -q 'spin 600 -> ' "$T_DIR/spin"
got=
for i in 1 2 3 4 5 6 7 8 9 10; do
	G_TIMEOUT=30 greq G5 "write data/spin $i"
	got+="$R "
	daemon_alive "$SPIN_PID" || break
done
assert_eq "while domain 8 spins, domain 5's requests are each answered" \
	"OK OK OK OK OK OK OK OK OK OK " "$got"
if daemon_alive "$SPIN_PID"; then ok "... and domain 8 was still spinning"; else
	fail "... and domain 8 was still spinning"; sed 's/^/#   /' "$T_DIR/spin"; fi
assert_eq "dom0 is served meanwhile" guest3 "$(timeout 30 xenstore-read /local/domain/3/name 2>&1)"
kill -USR1 "$SPIN_PID" 2>/dev/null
wait "$SPIN_PID"
if grep -q '^spin 600 -> moved req_cons [0-9]* times, stopped$' "$T_DIR/spin"; then
	ok "domain 8 spun until told to stop"; else
	fail "domain 8 spun until told to stop"; sed 's/^/#   /' "$T_DIR/spin"; fi
gclose G5
still_fine spinning-index

# --- garbage that is not a ring error: the connection lives ---------------------------------
assert_eq "an unknown message type over the ring gets ENOSYS, the connection lives" \
	"$(lines 'raw 99 x| -> XS_ERROR ENOSYS' 'read domid -> 3')" "$(guest 3 'raw 99 x|' 'read domid')"
assert_eq "the bystander's ring has no error" 0 "$(ring_field 3 $ERROR)"

# --- death of the cut-off domains -------------------------------------------------------------
sim destroy 1
assert_eq "domain 1 dies: @releaseDomain fires (at the right time, XSA-325)" "$(released 1)" \
	"$(since_barrier)"
assert_eq "domain 1 is forgotten: F, its nodes removed" "F ENOENT" \
	"$(introduced 1) $(res dom0 'read /local/domain/1/x')"
sim shutdown 2
assert_eq "domain 2 shuts down: @releaseDomain" "$(released 2)" "$(since_barrier)"
sim dying 2
assert_eq "domain 2 dies: @releaseDomain, F, nodes removed" \
	"$(released 2)|F ENOENT" "$(since_barrier)|$(introduced 2) $(res dom0 'read /local/domain/2/x')"
sim destroy 4
sim destroy 6
sim destroy 7
assert_eq "domains 4, 6 and 7 (truncated page) die: one @releaseDomain each" \
	"$( (released 4; released 6; released 7) | sort)" "$(since_barrier)"
still_fine deaths
sim create 1
guest dom0 "rm /local/domain/1" "mkdir /local/domain/1" "setperms /local/domain/1 n1" >/dev/null
sim introduce 1
assert_eq "domid 1 comes back as a new domain: @introduceDomain, a working ring" \
	"@introduceDomain intro|write y 2 -> OK|0" \
	"$(since_barrier)|$(guest 1 'write y 2')|$(ring_field 1 $ERROR)"
gclose G3; gclose W

assert_eq "xenstore-control check: consistent" OK "$(xsctl check)"
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
