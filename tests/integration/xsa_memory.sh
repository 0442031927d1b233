#!/bin/bash
# xsa_memory.sh - memory under attack (XSA-326, XSA-416): clients that
# flood requests and never read the replies, that install the most
# watches they may on busy paths and never read the events, that fill
# every transaction they may with nodes.  The daemon's resident memory
# (VmRSS) must stay within the bound its design states, and everybody
# else must still be answered.
#
# The bounds (docs/SECURITY.md):
#   - a connection that does not read holds at most OUT_SOFT_LIMIT
#     (64 KiB) of replies before the daemon stops reading its requests,
#     plus its input buffer (8 KiB); a guest also stops being read after
#     `outstanding` (20) unread replies;
#   - watch events queue up to the connection's hard limit, then they are
#     dropped (the connection is kept, and gets an overflow event once it
#     reads): 16 MiB for dom0's clients, the `memory` quota (2.5 MiB) for
#     a guest;
#   - what a guest holds in open transactions is charged to the domain
#     and limited by its `memory` quota (2.5 MiB), as in C xenstored.
# Each bound is checked as growth of VmRSS over the attack, with 2 MiB of
# allowance for the allocator.  Under a sanitizer build the numbers say
# nothing about the daemon (shadow memory, quarantine): those checks are
# skipped, the rest runs.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/xsa.sh"

start_sim || { fail "daemon starts on the simulated hypervisor"; done_testing; exit 1; }
for n in 1 2 3 4 5 6; do new_guest $n || fail "guest $n introduced"; done
SLACK=2048 # kB

# rss_within NAME BEFORE LIMIT_KB: VmRSS grew by at most LIMIT_KB + SLACK.
rss_within() {
	local now grown
	now=$(rss_kb)
	grown=$((now - $2))
	if under_asan; then
		skip "$1" "sanitizer build (VmRSS grew by ${grown} kB)"
	elif [ "$grown" -le $(($3 + SLACK)) ]; then
		ok "$1 (VmRSS +${grown} kB)"
	else
		fail "$1"
		echo "#   VmRSS grew by ${grown} kB (from $2 to $now kB), bound ${3} kB + ${SLACK} kB"
	fi
}

# others_answered NAME: dom0 and a guest not involved still get replies.
others_answered() {
	assert_eq "$1: dom0 and guest 6 are answered meanwhile" "/local/domain/6|/local/domain/6" \
		"$(dom0 'domainpath 6' | result)|$(guest 6 'domainpath 6' | result)"
}

big=$(printf 'x%.0s' $(seq 1 4000))
dom0 "write /big $big" >/dev/null
for n in 1 2; do guest $n "write big ${big:0:1900}" >/dev/null; done

# --- unread replies: socket clients -------------------------------------------------
base=$(rss_kb)
pids=()
for i in $(seq 1 10); do
	bg_open S "$XSATTACK" socket-flood /big 50000000
	bg_until S 'stalled *' || fail "XSA-326: socket client $i floods until the daemon stops reading it"
	pids+=("$S_PID")
done
# 10 x (64 KiB of replies + 8 KiB input + one 4 KiB reply over the mark)
rss_within "XSA-326: 10 socket clients pipelining 4 KB reads, never reading, hold at most 10 x 76 KiB" \
	"$base" 760
others_answered "XSA-326 (socket flood)"
kill "${pids[@]}" 2>/dev/null

# --- unread replies: guests (XSA-416: nothing held for them but the replies) ---------
base=$(rss_kb)
pids=()
for n in 1 2; do
	bg_open S "$XSATTACK" ring-flood "$SIM_DIR" "$n" big
	bg_until S 'stalled *' || fail "XSA-416: guest $n floods until the daemon stops reading it"
	pids+=("$S_PID")
done
# 2 x (20 outstanding 1.9 KB replies + 8 KiB input)
rss_within "XSA-416: 2 guests flooding 1.9 KB reads, never reading, hold at most 2 x 48 KiB" \
	"$base" 96
others_answered "XSA-416 (ring flood)"
kill "${pids[@]}" 2>/dev/null

# --- watch-event floods ----------------------------------------------------------------
# dom0: a socket client with 600 watches on / that stops reading; another
# client writes 1000 times; 600 events per write (~19 MB) pile up for it.
{
	for i in $(seq 1 1000); do echo "write /busy/node $i"; done
} >"$T_DIR/busy"
base=$(rss_kb)
bg_open S "$XSATTACK" socket-watch 600 /
if bg_until S 'watching'; then
	guest -f "$T_DIR/busy" dom0 >/dev/null
	rss_within "XSA-326: a socket client with 600 watches on / that never reads holds at most 16 MiB" \
		"$base" 16384
	if grep -q 'bytes unread, dropping watch events until it reads' "$XSD_RUN/daemon.log"; then
		ok "XSA-326: ... its events are dropped past that limit (logged)"
	else
		fail "XSA-326: ... its events are dropped past that limit (logged)"
	fi
	others_answered "XSA-326 (socket watch flood)"
else
	fail "XSA-326: a socket client registers 600 watches on / (${BG_LAST:-no output})"
fi
bg_close S

# A guest with the most watches it may have (128) on its busy home.
{
	for i in $(seq 1 1000); do echo "write /local/domain/3/busy $i"; done
} >"$T_DIR/busy3"
base=$(rss_kb)
bg_open S "$XSATTACK" ring-watch "$SIM_DIR" 3 128 /local/domain/3
if bg_until S 'watching'; then
	guest -f "$T_DIR/busy3" dom0 >/dev/null
	rss_within "XSA-326: a guest with 128 watches on a busy path that never reads holds at most its memory quota (2.5 MiB)" \
		"$base" 2560
	assert_eq "XSA-326: ... the guest keeps its connection (answered), its domain stays introduced" \
		"/local/domain/3|T" "$(guest 3 'domainpath 3' | result)|$(dom0 'introduced 3' | result)"
	others_answered "XSA-326 (guest watch flood)"
else
	fail "XSA-326: guest 3 registers 128 watches (${BG_LAST:-no output})"
fi
bg_close S

# --- many nodes in many transactions ---------------------------------------------------
# A guest opens its 10 transactions and writes in each as many new nodes
# of ~2 KB as the quotas let it (nodes 1000, transaction-nodes 1024).
# What a guest's open transactions hold counts against its memory quota
# (2.5 MiB), as in C xenstored: past it the transaction fails with ENOSPC.
q() { dom0 "raw 25 $1|" | result | sed 's/^XS_GET_QUOTA //; s/|$//'; }
bound=$(($(q memory) / 1024)) what="its memory quota"
base=$(rss_kb)
BG_TIMEOUT=300 bg_open S "$XSATTACK" ring-txn-fill "$SIM_DIR" 4 10 1000 1990
if BG_TIMEOUT=300 bg_until S 'filled'; then
	assert_eq "XSA-326: each of the guest's transactions stops with ENOSPC (memory or transaction-nodes)" 10 \
		"$(grep -c "ENOSPC" <<<"$BG_SEEN")"
	rss_within "XSA-326: a guest filling its 10 transactions with 2 KB nodes holds at most $what = $bound kB" \
		"$base" "$bound"
	others_answered "XSA-326 (transactions)"
else
	fail "XSA-326: guest 4 fills 10 transactions"
	sed 's/^/#   /' <<<"$BG_SEEN"
fi
bg_close S

assert_eq "the daemon is consistent" OK "$(daemon_check)"
assert_cmd "the daemon is alive" daemon_alive
done_testing
