#!/bin/bash
# xsa_paths.sh - the advisories about paths and lengths (PROTOCOL.md §1.1, §2.1,
# §7.2), through the socket and through guests' rings:
#   XSA-323  a guest's path length is checked after its home is prefixed
#   XSA-418  very deep trees: nothing may recurse over them (the daemon
#            runs here with a 256 KiB stack)
#   XSA-481  /local/domain/ with a trailing slash
#   XSA-72   a reply longer than a message
#   XSA-420  negative and huge message lengths
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/xsa.sh"

need_xsraw || { fail "build tests/helpers/xsraw.c"; done_testing; exit 1; }
# A small stack: recursion over a 1000-level tree would overflow it.
stack=$(ulimit -S -s)
ulimit -S -s 256
start_sim || { fail "daemon starts on the simulated hypervisor (256 KiB stack)"; done_testing; exit 1; }
ulimit -S -s "$stack"
assert_eq "XSA-418: the daemon runs with a 256 KiB stack" 262144 \
	"$(awk '/^Max stack size/ {print $4}' "/proc/$XSD_PID/limits")"
for n in 1 2 3; do new_guest $n || fail "guest $n introduced"; done

# --- XSA-323 ------------------------------------------------------------------
# 20 components of 99 bytes and one of 47: the relative part is 2047
# bytes; with one more byte it is 2048 (path-max 2048: the largest allowed).
comp=$(printf 'p%.0s' $(seq 1 99))
rel=$(printf "$comp/%.0s" $(seq 1 20))$(printf 'q%.0s' $(seq 1 47))
rel_max=${rel}q
rel_over=${rel}qq
assert_eq "XSA-323: a guest may use a relative path of 2048 bytes (path-max)..." \
	"$(printf '%s\n' OK v OK v)" \
	"$(guest 1 "write $rel_max v" "read $rel_max" "write /local/domain/1/$rel w" \
		"read /local/domain/1/$rel_max" | result)"
assert_eq "XSA-323: ...but not of 2049 bytes, relative or absolute: EINVAL, nothing created" \
	"$(printf '%s\n' EINVAL EINVAL EINVAL)" \
	"$(guest 1 "write $rel_over v" "write /local/domain/1/$rel_over v" "mkdir ${rel}qqq" | result)"
assert_eq "XSA-323: dom0 reads and lists the guest's longest node" \
	"$(printf '%s\n' v "${rel_max##*/} ${rel##*/}")" \
	"$(dom0 "read /local/domain/1/$rel_max" "ls /local/domain/1/${rel%/*}" | result)"
assert_eq "XSA-323: the guest removes what it made" "$(printf '%s\n' OK '')" \
	"$(guest 1 "rm $comp" 'ls /local/domain/1' | result)"

# --- XSA-418 --------------------------------------------------------------------
# The deepest path 2048 characters allow: /deep and 1021 levels of /d.
deep=$(printf '/d%.0s' $(seq 1 1021))
assert_eq "XSA-418: dom0 creates a 1022-level path in one WRITE" OK \
	"$(dom0 "write /deep$deep v" | result)"
assert_eq "XSA-418: and reads its deepest node" v "$(dom0 "read /deep$deep" | result)"
bg_open W "$SIM" guest -t 600000 dom0 "watch /deep$deep w" 'watch /deep/d/d w' 'events 99'
bg_until W 'events 99 -> *' && bg_events W 'event /deep/d/d w' ||
	fail "XSA-418: dom0 watches inside the deep tree"
assert_eq "XSA-418: RM of its top removes all 1022 nodes" "$(printf '%s\n' OK ENOENT)" \
	"$(dom0 'rm /deep' "read /deep$deep" | result)"
# Removed with an ancestor, a watched node gets its own event (spec
# §2.5), deepest first.
if bg_events W 'event /deep/d/d w'; then
	assert_eq "XSA-418: watchers of the deepest and of a shallow node hear of their removal" \
		"event /deep${deep} w" "$(grep -v -x -e 'event /deep/d/d w' -e '' <<<"$BG_EVENTS")"
else
	fail "XSA-418: watchers of the deepest and of a shallow node hear of their removal"
fi
bg_close W
half=$(printf 'd/%.0s' $(seq 1 999))d
assert_eq "XSA-418: a guest builds 1000 levels in a transaction (its node quota) and removes them in another" \
	"$(printf '%s\n' 1 OK OK 2 OK OK)" \
	"$(guest 2 txstart "write $half v" commit txstart 'rm d' commit | result)"
assert_eq "XSA-418: the daemon is consistent" OK "$(daemon_check)"
assert_cmd "XSA-418: and alive, on its small stack" daemon_alive

# --- XSA-481 ----------------------------------------------------------------------
want=$(printf 'XS_ERROR EINVAL\n%.0s' $(seq 1 11))
assert_eq "XSA-481: /local/domain/ from a guest is EINVAL for every request that takes a path" \
	"$want" \
	"$(guest 3 'raw 2 /local/domain/|' 'raw 11 /local/domain/|v' 'raw 12 /local/domain/|' \
		'raw 13 /local/domain/|' 'raw 1 /local/domain/|' 'raw 3 /local/domain/|' \
		'raw 14 /local/domain/|n0|' 'raw 4 /local/domain/|t|' 'raw 5 /local/domain/|t|' \
		'raw 22 /local/domain/|0|' 'raw 2 /local/domain/3/|' | result)"
assert_eq "XSA-481: the guest is still served, the daemon consistent" "/local/domain/3|OK" \
	"$(guest 3 'domainpath 3' | result)|$(daemon_check)"

# --- XSA-72 -----------------------------------------------------------------------
# A reply that would pass 4096 bytes is E2BIG; the client pages instead.
{
	echo txstart
	for i in $(seq -w 1 200); do echo "write /tool/wide/child-with-a-longish-name-$i v"; done
	echo commit
	echo 'setperms /tool/wide n0 r3'
} >"$T_DIR/wide"
guest -f "$T_DIR/wide" dom0 >/dev/null
assert_eq "XSA-72: DIRECTORY of 200 long names (6.6 KB) is E2BIG for a guest; DIRECTORY_PART pages it" \
	"E2BIG|5" "$(guest 3 'ls /tool/wide' | result)|$(guest 3 'raw 22 /tool/wide|0|' | result |
		tr '|' '\n' | grep -c -- '-00[1-5]$')"

# --- XSA-420 ------------------------------------------------------------------------
for len in 0xffffffff 0x80000000 0xfffffff0 0x1001; do
	assert_eq "XSA-420: a header claiming $len bytes drops that socket client only" \
		"$(printf '%s\n' '[1] EOF' 'READ 2 0 /local/domain/1|')" \
		"$(raw -c 1 -L "$len" 'READ:1:0:/tool\0' -c 0 'GET_DOMAIN_PATH:2:0:1\0' |
			sed 's/^GET_DOMAIN_PATH/READ/')"
done
assert_eq "XSA-420: the largest type number with no payload is ENOSYS" \
	'ERROR 1 0 ENOSYS|' "$(raw '0xffffffff:1:0:')"
if grep -q 'Client tried to feed us 4294967295' "$XSD_RUN/daemon.log"; then
	ok "XSA-420: the daemon logs who fed it 4294967295 bytes"
else
	fail "XSA-420: the daemon logs who fed it 4294967295 bytes"
fi
for len in ffffffff 00000080 01100000; do
	# little-endian header: READ, req 1, tx 0, then len (0xffffffff,
	# 0x80000000, 0x1001)
	assert_eq "XSA-420: a guest whose header's length bytes are $len: ring error 3 (protocol)" \
		"error=3" "$(attack ring-raw "$SIM_DIR" 2 "020000000100000000000000$len")"
	assert_eq "XSA-420: ... domain 2 stays introduced, guest 1 is served" "T|/local/domain/1" \
		"$(dom0 'introduced 2' | result)|$(guest 1 'domainpath 1' | result)"
	dom0 'raw 9 2|' >/dev/null
	sim introduce 2 >/dev/null
done
assert_eq "XSA-420: the daemon is consistent" OK "$(daemon_check)"
assert_cmd "the daemon is alive" daemon_alive

done_testing
