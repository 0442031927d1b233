#!/bin/bash
# xsa_watches.sh - the watch advisories, replayed by guests over their
# rings on the simulated hypervisor (PROTOCOL.md §7.2):
#   XSA-115  watch events and special watches leaking what a guest may not
#            read; IS_DOMAIN_INTRODUCED from a guest
#   XSA-324  a watch token so big that its events cannot be sent
#   XSA-330  RESET_WATCHES must free what it drops (quota accounting)
#   XSA-484  RESET_WATCHES sent inside a transaction
# (The socket forms of XSA-324/484 are in protocol_edges.sh.)
#
# A watching guest runs in the background ('events 99' keeps it reading);
# the test waits for its registration line, makes the changes, then
# writes a barrier node the guest may see and reads the guest's events up
# to the barrier's: anything before it that should not be there is a leak.
# Its -t is long: between two events it may wait as long as the test
# takes, and each of the test's waits is bounded by its own read.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/xsa.sh"

start_sim || { fail "daemon starts on the simulated hypervisor"; done_testing; exit 1; }
for n in 1 2 3; do new_guest $n || fail "guest $n introduced"; done
# Guest 4 without the DOMID_ANY feature: @releaseDomain is not for it
# (with the feature, C 4.22's rule lets any guest watch it).
sim create 4 >/dev/null
dom0 'mkdir /local/domain/4' 'setperms /local/domain/4 n0 b4' 'raw 24 4|6|' >/dev/null
sim introduce 4 >/dev/null

# Every event record the background guest printed before the barrier's
# (its initial events included), one per line.
seen_events() {
	{
		grep -o 'event [^ ]* [^ ]*' <<<"$BG_SEEN$BG_LAST"
		printf '%s' "$BG_EVENTS"
	} | sed 's/ *$//' | grep .
}

# --- XSA-115: events only for what the watcher may read ------------------------
dom0 'write /local/domain/2/secret s' >/dev/null
bg_open W "$SIM" guest -t 600000 1 'watch / root' 'watch barrier b' 'events 99'
if bg_until W 'events 99 -> *'; then
	# Unreadable for guest 1: a write, a permission change, a removal,
	# the creation of another guest's home.  Then the barrier.
	dom0 'write /local/domain/2/secret t' 'setperms /local/domain/2/secret n0 r2' \
		'rm /local/domain/2/secret' 'write /local/domain/2/other o' >/dev/null
	new_guest 5
	dom0 'write /local/domain/1/barrier/x v' >/dev/null
	if bg_events W 'event barrier/x b'; then
		assert_eq "XSA-115: a guest watching / hears nothing of paths it cannot read" \
			"$(printf '%s\n' 'event / root' 'event /local/domain/1/barrier/x root' \
				'event barrier b')" \
			"$(seen_events | sort)"
	else
		fail "XSA-115: a guest watching / hears nothing of paths it cannot read (no barrier event)"
	fi
else
	fail "XSA-115: guest 1 registers its watch on /"
fi
bg_close W

bg_open W "$SIM" guest -t 600000 4 'watch @introduceDomain intro' 'watch @releaseDomain rel' \
	'watch barrier b' 'events 99'
if bg_until W 'events 99 -> *'; then
	new_guest 6
	dom0 'raw 9 6|' >/dev/null # RELEASE: @releaseDomain fires
	dom0 'write /local/domain/4/barrier/x v' >/dev/null
	if bg_events W 'event barrier/x b'; then
		assert_eq "XSA-115: a guest gets no @introduceDomain or @releaseDomain event it may not read" \
			"$(printf '%s\n' 'event @introduceDomain intro' 'event @releaseDomain rel' \
				'event barrier b')" \
			"$(seen_events | sort)"
	else
		fail "XSA-115: a guest gets no @introduceDomain or @releaseDomain event it may not read (no barrier event)"
	fi
else
	fail "XSA-115: guest 4 registers its special watches"
fi
bg_close W
assert_eq "XSA-115: IS_DOMAIN_INTRODUCED is for the privileged domain only" \
	"EACCES" "$(guest 1 'introduced 2' | result)"
assert_eq "XSA-115: dom0 may ask" "T" "$(dom0 'introduced 2' | result)"

# --- XSA-324: a huge token --------------------------------------------------------
tok=$(printf 'k%.0s' $(seq 1 4050))
long=$(printf 'n%.0s' $(seq 1 60))
bg_open W "$SIM" guest -t 600000 2 "raw 4 big|$tok|" 'watch barrier b' 'events 99'
if bg_until W 'events 99 -> *'; then
	# "big/nnn..." (60 n) + the token do not fit in one message: dropped.
	# "big/s" + the token fit (4057 bytes) and must come through.
	dom0 "write /local/domain/2/big/$long v" 'write /local/domain/2/big/s w' \
		'write /local/domain/2/barrier/x v' >/dev/null
	if bg_events W 'event barrier/x b'; then
		assert_eq "XSA-324: an event too big to send is dropped, the next one is delivered" \
			"$(printf '%s\n' 'event barrier b' 'event big TOKEN' 'event big/s TOKEN')" \
			"$(seen_events | sed "s/$tok/TOKEN/" | sort)"
	else
		fail "XSA-324: an event too big to send is dropped, the next one is delivered (no barrier)"
	fi
else
	fail "XSA-324: guest 2 registers a watch with a 4050-byte token"
fi
bg_close W
assert_eq "XSA-324: the guest's connection still answers" "w" "$(guest 2 'read big/s' | result)"

# --- XSA-330: RESET_WATCHES frees what it drops --------------------------------------
before=$(dom0 'raw 0 memreport|' | sed -n 's/.*watches: *\([0-9]*\) .*/\1/p')
{
	for i in $(seq 1 129); do echo "watch w/$i t$i"; done
	echo "reset-watches"
} >"$T_DIR/watches"
ok=1
for cycle in 1 2 3 4 5; do
	out=$(guest -f "$T_DIR/watches" 3 | result | sort | uniq -c | sed 's/^ *//' |
		tr '\n' ',')
	if [ "$out" != "1 ENOSPC,129 OK," ]; then
		ok=0
		echo "#   cycle $cycle: $out"
	fi
done
if [ $ok = 1 ]; then
	ok "XSA-330: 5 times: 128 watches (the quota), the 129th refused, RESET_WATCHES frees them all"
else
	fail "XSA-330: 5 times: 128 watches (the quota), the 129th refused, RESET_WATCHES frees them all"
fi
assert_eq "XSA-330: afterwards domain 3 is accounted no watch, the daemon holds no more than before" \
	"watches 0, daemon $before" \
	"$(dom0 'raw 0 quota|3|' | sed -n 's/.*watches *: *\([0-9]*\).*/watches \1/p' | tr -d '\n'), daemon $(
		dom0 'raw 0 memreport|' | sed -n 's/.*watches: *\([0-9]*\) .*/\1/p')"

# --- XSA-484: RESET_WATCHES inside a transaction ---------------------------------------
assert_eq "XSA-484: RESET_WATCHES sent with the tx_id of an open transaction: OK, the transaction is gone" \
	"$(printf '%s\n' 1 OK OK ENOENT OK)" \
	"$(guest 5 'txstart' 'watch /local/domain/5 t' 'reset-watches' 'commit' 'write x y' | result)"
assert_eq "XSA-484: the daemon is consistent afterwards" OK "$(daemon_check)"
assert_cmd "XSA-484: and alive" daemon_alive

done_testing
