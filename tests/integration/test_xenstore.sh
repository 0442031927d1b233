#!/bin/bash
# test_xenstore.sh - Xen's own test-xenstore (tools/tests/xenstore) passes
# against our daemon: each of its 12 tests alone, all of them with 100
# iterations (several times over), and random tests for 5 s (PROTOCOL.md §5).
#
# Its "rm dir" test is broken in the tool itself (PROTOCOL.md §5): the init step
# returns errno after a *successful* write, so it creates the first child
# and returns (errno 0: the test goes on with one child instead of ten),
# or fails with a stale errno.  We run it, record what it really did
# against our daemon and against Xen's C xenstored, and check the
# removal of a ten-child directory ourselves.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"

have_peers || skip_all "no Xen peers (tests/peers/peers.sh setup failed)"
TX=$(peer_bin test-xenstore)
need_xsraw || { fail "build tests/helpers/xsraw.c"; done_testing; exit 1; }
start_xenstored || { fail "daemon starts"; done_testing; exit 1; }

mapfile -t tests < <("$TX" -l | sed 's/ *:.*//')
assert_eq "test-xenstore -l lists its 12 tests" 12 "${#tests[@]}"

# test_alone NAME: one test, once; sets T_RC and T_OUT.
test_alone() {
	T_OUT=$("$TX" -t "$1" 2>&1); T_RC=$?
}

for t in "${tests[@]}"; do
	[ "$t" == "rm dir" ] && continue
	test_alone "$t"
	if [ $T_RC -eq 0 ] && [[ "$T_OUT" =~ ^"$t"\ *:\ [0-9]+\ ns$ ]]; then
		ok "test-xenstore -t '$t'"
	else
		fail "test-xenstore -t '$t'"; echo "#   status $T_RC: $T_OUT"
	fi
done

# --- rm dir ------------------------------------------------------------------
# rm_dir_probe SOCKET: runs -t 'rm dir' against SOCKET under a watch on
# the test's base; a GET_DOMAIN_PATH sent after it returns is a barrier,
# so every event the run caused is printed before its reply.  Sets RD_RC,
# RD_OUT and RD_CHILDREN (children of the test node that were written).
rm_dir_probe() {
	local events
	events=$(XENSTORED_PATH=$1 raw \
		'WATCH:1:0:/local/domain/0/xenstore-test\0rd\0' \
		"run:'$TX' -t 'rm dir' >'$T_DIR/rd.out' 2>&1; echo \$? >'$T_DIR/rd.rc'" \
		'GET_DOMAIN_PATH:2:0:0\0')
	RD_RC=$(cat "$T_DIR/rd.rc")
	RD_OUT=$(cat "$T_DIR/rd.out")
	RD_CHILDREN=$(echo "$events" | grep -cE '^WATCH_EVENT 0 0 /local/domain/0/xenstore-test/[0-9]+/[a-j]\|rd\|$')
	if ! echo "$events" | grep -q '^GET_DOMAIN_PATH 2 0 '; then
		RD_CHILDREN="?"
		echo "$events" | sed 's/^/#   watch: /'
	fi
}

rm_dir_probe "$XENSTORED_PATH"
ours_rc=$RD_RC ours_out=$RD_OUT ours_children=$RD_CHILDREN
c_rc="" c_out="" c_children=""
if start_c_peer "$T_DIR/c"; then
	rm_dir_probe "$PEER_SOCK"
	c_rc=$RD_RC c_out=$RD_OUT c_children=$RD_CHILDREN
fi
echo "# rm dir against our daemon: status $ours_rc, '$ours_out', children written: $ours_children"
if [ -n "$c_rc" ]; then
	echo "# rm dir against C xenstored 4.17: status $c_rc, '$c_out', children written: $c_children"
else
	echo "# C xenstored could not be started; rm dir compared with nothing"
fi

stale_errno_failure() { [[ "$1" =~ failed\ \(ret\ =\ [0-9]+,\ stage\ init\) ]]; }
if [ "$ours_rc" -eq 0 ]; then
	ok "test-xenstore -t 'rm dir' passes against our daemon"
elif stale_errno_failure "$ours_out" && [ -n "$c_rc" ] && [ "$c_rc" -ne 0 ] &&
	stale_errno_failure "$c_out"; then
	skip "test-xenstore -t 'rm dir'" "fails in its init against C xenstored too ('$c_out'): the tool returns a stale errno after a successful write (PROTOCOL.md §5)"
else
	fail "test-xenstore -t 'rm dir' against our daemon: status $ours_rc, $ours_out (C xenstored: status ${c_rc:-?}, ${c_out:-not run})"
fi
if [ -n "$c_rc" ] && [ "$ours_rc" -eq "$c_rc" ]; then
	ok "'rm dir' has the same outcome against C xenstored (status $c_rc)"
elif [ -n "$c_rc" ]; then
	fail "'rm dir' has the same outcome against C xenstored: ours $ours_rc, C $c_rc"
fi
if [ "$ours_children" == 10 ]; then
	ok "test-xenstore 'rm dir' removed a directory of 10 children"
else
	skip "test-xenstore 'rm dir' removes a directory of 10 children" \
		"the tool's init stops after the first successful write (inverted check, PROTOCOL.md §5): it wrote $ours_children child(ren) here and ${c_children:-?} against C xenstored; checked below instead"
fi
args=()
for c in a b c d e f g h i j; do args+=("xenstore-test/own/$c" "$c"); done
xenstore-write "${args[@]}"
assert_eq "our own 'rm dir': a node with 10 children" 10 \
	"$(xenstore-list xenstore-test/own | wc -l)"
assert_cmd "it is removed in one RM" xenstore-rm xenstore-test/own
assert_fails "the node is gone" xenstore-exists xenstore-test/own
assert_fails "and so is its last child" xenstore-exists xenstore-test/own/j
xenstore-rm xenstore-test

# --- all tests, 100 iterations, several times; random tests ----------------------
for round in 1 2 3 4 5; do
	out=$("$TX" -i 100 2>&1); rc=$?
	n=$(echo "$out" | grep -cE '^.{10}: avg: [0-9]+ ns \([0-9]+ ns \.\. [0-9]+ ns\)$')
	if [ $rc -eq 0 ] && [ "$n" -eq 12 ]; then
		ok "test-xenstore -i 100, round $round: all 12 tests"
	else
		fail "test-xenstore -i 100, round $round: status $rc, $n of 12 tests timed"
		echo "$out" | sed 's/^/#   /'
	fi
done
out=$("$TX" -r 5 2>&1); rc=$?
if [ $rc -eq 0 ] && ! echo "$out" | grep -q failed; then
	ok "test-xenstore -r 5 (random tests for 5 s)"
else
	fail "test-xenstore -r 5: status $rc"; echo "$out" | sed 's/^/#   /'
fi
if echo "$out" | grep -q 'Exhaustive transaction retries'; then
	fail "no transaction needed 100 retries"; echo "#   $out"
else
	ok "no transaction needed 100 retries"
fi

# test-xenstore cleans up after itself: an empty xenstore-test is removed.
assert_fails "test-xenstore left nothing behind" xenstore-exists xenstore-test
if have_peers; then
	assert_eq "the store is consistent afterwards (CONTROL check)" OK \
		"$("$(peer_bin xenstore-control)" check 2>&1)"
fi
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
