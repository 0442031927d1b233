#!/bin/bash
# peer_guests.sh - what a guest sees over its ring, from our daemon and
# from Debian's C xenstored 4.17, side by side.  Both run on the libxen
# stand-in (tests/peers/xenstub.c) over a simulated hypervisor of their
# own, so the same `xenstore-sim guest N` scripts reach each over a real
# shared ring page and event channel; every case runs the same requests
# as the same domain on both and compares the replies (and watch events)
# line by line.  Cases where 4.17 answers otherwise are listed with the
# reason (`known`), ours must give what the reason asks for.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

need_sim || { fail "build xenstored, xenstore-sim and libxenstub.so (make)"; done_testing; exit 1; }
have_peers || skip_all "no Xen peers (tests/peers/peers.sh setup failed)"
XS_HV=xen start_sim_xenstored -E 40 -W 6 -t 2 || { fail "our daemon starts on the stand-in"; done_testing; exit 1; }
OURS=(env XENSTORED_PATH="$XENSTORED_PATH" "$SIM" -d "$SIM_DIR")
OURS_PID=$XSD_PID
# C's quotas given by the same options: nodes, watches, transactions.
start_c_peer "$T_DIR/c" -E 40 -W 6 -t 2 || { fail "C xenstored starts on the stand-in"; done_testing; exit 1; }
C=(env XENSTORED_PATH="$PEER_SOCK" "$SIM" -d "$T_DIR/c/sim")
C_PID=$(cat "$T_DIR/c/xenstored.pid")
lines() { printf '%s\n' "$@"; }

# on DAEMON ARGS...: xenstore-sim ARGS against OURS or C.
on() {
	local -n tool=$1
	shift
	"${tool[@]}" "$@"
}

# boot DOMID: the same toolstack steps on both (home owned by the guest).
boot() {
	local who
	for who in OURS C; do
		on "$who" create "$1" && on "$who" guest -e dom0 "mkdir /local/domain/$1" \
			"setperms /local/domain/$1 n$1" "write /local/domain/$1/name guest$1" \
			>/dev/null && on "$who" introduce "$1" || return 1
	done
}

alive() {
	kill -0 "$OURS_PID" 2>/dev/null || { echo "our daemon died"; return 1; }
	kill -0 "$C_PID" 2>/dev/null || { echo "C xenstored died: $(tail -3 "$T_DIR/c/daemon.log")"; return 1; }
}

# run_both DOMID|dom0 REQ...: OUT_OURS and OUT_C.
run_both() {
	OUT_OURS=$(on OURS guest -t 5000 "$@" 2>&1 | normalize)
	OUT_C=$(on C guest -t 5000 "$@" 2>&1 | normalize)
}
show_diff() {
	diff <(echo "$OUT_C") <(echo "$OUT_OURS") | grep '^[<>]' |
		sed -e 's/^</#   C xenstored:/' -e 's/^>/#   ours:       /' | head -20
}

# same NAME DOMID REQ...: the guest sees the same from both.
same() {
	local name=$1 why
	shift
	run_both "$@"
	if ! why=$(alive); then fail "same as C: $name ($why)"; return; fi
	if [ "$OUT_OURS" == "$OUT_C" ]; then ok "same as C: $name"; else
		fail "same as C: $name"; show_diff; fi
}

# known NAME WHY EXPECTED DOMID REQ...: a deliberate difference; ours must
# give EXPECTED.  C's answer is shown.
known() {
	local name=$1 why=$2 want=$3
	shift 3
	run_both "$@"
	if [ "$OUT_OURS" == "$want" ]; then ok "known difference: $name ($why)"; else
		fail "known difference: $name: ours is not what $why asks for"
		printf '%s\n' "$OUT_OURS" | sed 's/^/#   ours:   /'
	fi
	[ "$OUT_OURS" == "$OUT_C" ] && echo "#   (C xenstored answers the same now)" || show_diff
}

# wait_both COND...: polls COND on both daemons (as "on OURS|C COND...").
wait_both() {
	wait_for 30 "$@" OURS && wait_for 30 "$@" C
}
released() { [ "$(on "$2" guest dom0 "introduced $1" | sed -n 's/^.* -> //p')" = F ]; }

boot 1 && boot 2 && boot 3 && ok "domains 1, 2 and 3 boot on both daemons" ||
	{ fail "domains 1, 2 and 3 boot on both daemons"; done_testing; exit 1; }

# ================================================================ nodes
same "a guest's own nodes, by relative and absolute path" 1 \
	"write data/x 1" "read data/x" "read /local/domain/1/data/x" "mkdir data/d" "ls data" \
	"write data/d/e a value with spaces" "read data/d/e" "getperms data/x" "rm data/x" \
	"read data/x" "ls /local/domain/1" "read name" "rm data/none" "mkdir data/d"
same "what a guest may not touch" 1 \
	"read /local/domain/2/name" "write /local/domain/2/evil 1" "ls /local/domain/2" \
	"rm /local/domain/2/name" "write /top 1" "mkdir /local/domain/1x" "read /" \
	"getperms /local/domain/2" "setperms /local/domain/2 n1"
same "the guest shares a node (setperms), another guest reads it" 1 \
	"write shared/s v" "setperms shared/s n1 r2" "getperms shared/s"
same "domain 2 reads what 1 shared, cannot write it" 2 \
	"read /local/domain/1/shared/s" "write /local/domain/1/shared/s w" \
	"read /local/domain/1/shared" "getperms /local/domain/1/shared/s"
same "setperms by a guest: owner change and entries" 1 \
	"write p/a 1" "setperms p/a n1 b2 w3" "getperms p/a" "setperms p/a n2" "read p/a" \
	"getperms p/a" "setperms p/a n1" "setperms /local/domain/1/p n1 r0"
# C's errno_from_parents checks only the permission asked for on the
# nearest existing ancestor (issue 9).
same "dom0 makes a directory domain 1 may write but not read" dom0 \
	"mkdir /wo" "setperms /wo n0 w1" "write /wo/ro r" "setperms /wo/ro n0 r1"
same "a guest creates and removes below a directory it may write, not read" 1 \
	"write /wo/a v" "mkdir /wo/b/c" "getperms /wo/b/c" "rm /wo/a" "rm /wo/missing" \
	"rm /wo/missing/deeper" "read /wo/missing" "getperms /wo/missing" "ls /wo" \
	"write /wo/ro x" "rm /wo/ro" "read /wo/ro" "rm /wo/b"
same "a directory it may read, not write" dom0 "setperms /wo n0 r1"
same "the guest learns what is missing there but may not create" 1 \
	"read /wo/missing" "write /wo/new v" "mkdir /wo/new" "rm /wo/missing" "ls /wo"
same "domain queries" 1 "domainpath 1" "domainpath 2" "domainpath 7" "introduced 1" \
	"introduced 2" "introduced 9"
same "bad paths and requests from a guest" 1 "read /local/domain/1/a//b" "read data/" \
	"write @x v" "read @introduceDomain" "raw 999 x" "raw 13 a|"

# ================================================================ watches
same "watches: initial event, relative paths, removal, unwatch" 1 \
	"watch data w" "events 1" "write data/y 2" "events 1" "rm data/y" "events 1" \
	"watch /local/domain/1/abs a" "events 1" "write abs/z 1" "events 1" \
	"unwatch data w" "write data/q 1" "unwatch data w" "watch data w" "events 1"
same "watches on others' nodes and special paths" 2 \
	"watch /local/domain/1/shared/s s" "events 1" "watch /local/domain/1/name n" "events 1" \
	"watch @introduceDomain i" "events 1" "watch @releaseDomain r" "events 1" \
	"watch @other o" "watch data/../x x"
known "watch quota (-W 6)" "DIFF: quota limit semantic, 4.17 allows one more" \
	"$(lines "watch a 1 -> OK" "event a 1" "watch b 2 -> OK" "event b 2" "watch c 3 -> OK" \
		"event c 3" "watch d 4 -> OK" "event d 4" "watch e 5 -> OK" "event e 5" \
		"watch f 6 -> OK" "event f 6" "watch g 7 -> ENOSPC" "reset-watches -> OK" \
		"watch g 7 -> OK" "events 1 -> " "event g 7")" \
	3 "watch a 1" "watch b 2" "watch c 3" "watch d 4" "watch e 5" "watch f 6" "watch g 7" \
	"reset-watches" "watch g 7" "events 1"

# ================================================================ transactions
same "transactions: commit, abort, read your own writes" 1 \
	"txstart" "write t/a 1" "read t/a" "commit" "read t/a" "txstart" "write t/b 1" \
	"abort" "read t/b" "txstart" "rm t/a" "ls t" "commit" "ls t"
known "transaction quota (-t 2) and an unknown transaction" \
	"DIFF: quota limit semantic, 4.17 allows one more" \
	"$(lines "raw 6  -> XS_TRANSACTION_START 4" "raw 6  -> XS_TRANSACTION_START 5" \
		"raw 6  -> XS_ERROR ENOSPC" "raw 7 T| -> XS_ERROR ENOENT")" \
	1 "raw 6 " "raw 6 " "raw 6 " "raw 7 T|"

# ================================================================ quotas
# Domain 3 owns its home and name; n and n/1..n/37 make 40.
writes=()
for i in $(seq 1 39); do writes+=("write n/$i x"); done
same "node quota (-E 40): a guest runs out, frees one, runs out again" 3 "${writes[@]}" \
	"rm n/38" "write n/38 x" "write n/40 x"
same "dom0 writes past domain 3's quota into its home" dom0 \
	"write /local/domain/3/n/by0 x" "setperms /local/domain/3/n/by0 n3" \
	"ls /local/domain/3/n"

# Domain 4 owns its home, name, n and n/1..n/36: one node below the quota.
boot 4 || fail "domain 4 boots on both"
same "domain 4 fills its quota but one" 4 "${writes[@]:0:36}"
known "a transaction that reaches the node quota" \
	"DIFF: node quota checked as each node is created, in a transaction too (4.17: at commit, all or nothing)" \
	"$(lines "txstart -> 1" "write n/t1 x -> OK" "write n/t2 x -> ENOSPC" "commit -> OK" \
		"read n/t1 -> x")" \
	4 "txstart" "write n/t1 x" "write n/t2 x" "commit" "read n/t1"

# Domain 5 at its quota; dom0 gives it two nodes it may write but does
# not own.  Deleting them in a transaction frees none of 5's quota: a
# transaction charges and credits each node's owner (issue 9).
boot 5 || fail "domain 5 boots on both"
same "domain 5 fills its quota" 5 "${writes[@]:0:37}"
same "dom0 makes two nodes in 5's home that 5 may write, owned by dom0" dom0 \
	"write /local/domain/5/z0a x" "setperms /local/domain/5/z0a n0 b5" \
	"write /local/domain/5/z0b x" "setperms /local/domain/5/z0b n0 b5"
same "deleting dom0's nodes in a transaction frees none of 5's quota" 5 \
	"txstart" "rm z0a" "rm z0b" "write n/t1 x" "commit" "read n/t1" "ls /local/domain/5"

# ================================================================ lifecycle
for who in OURS C; do on "$who" shutdown 2; done
same "a shut down domain is still introduced, its nodes still there" dom0 \
	"introduced 2" "read /local/domain/2/name"
for who in OURS C; do on "$who" destroy 2; done
if wait_both released 2; then ok "domain 2 destroyed: both forget it"; else
	fail "domain 2 destroyed: both forget it"; fi
same "its nodes are gone" dom0 "introduced 2" "read /local/domain/2/name" "ls /local/domain"
known "its ACL entry elsewhere" "DIFF: entries naming a dead domain are removed (4.17 keeps them, ignored)" \
	"getperms /local/domain/1/shared/s -> n1" dom0 "getperms /local/domain/1/shared/s"

# ================================================================ ring
same "RECONNECT drops the guest's watches and transactions" 1 \
	"watch data w" "events 1" "txstart" "reconnect" "commit" "watch data w" "events 1"

if alive >/dev/null; then ok "both daemons still running"; else fail "both daemons still running: $(alive)"; fi
done_testing
