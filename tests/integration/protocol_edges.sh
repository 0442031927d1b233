#!/bin/bash
# protocol_edges.sh - the wire protocol at its edges, driven byte by byte
# with tests/helpers/xsraw.c: unknown and client-only message types,
# oversized payloads, malformed arguments, header echo, pipelining, reply
# and event ordering, DIRECTORY_PART paging, relative and special paths,
# features, quotas, domain requests and their special watches, and the
# paths of XSA-481 (PROTOCOL.md §1, §2.1, §2.5, §1.5).
#
# Output lines of xsraw are "TYPE REQ_ID TX_ID PAYLOAD" with NULs as '|';
# "[K] " marks connection K, EOF a connection the daemon closed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"

need_xsraw || { fail "build tests/helpers/xsraw.c"; done_testing; exit 1; }
start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
lines() { printf '%s\n' "$@"; }

# --- message types the daemon must refuse: ENOSYS -------------------------------
assert_eq "unknown type 99, removed RESTRICT (20), client-sent WATCH_EVENT and ERROR, type 27 and 0xffff get ENOSYS" \
	"$(lines 'ERROR 1 0 ENOSYS|' 'ERROR 2 0 ENOSYS|' 'ERROR 3 0 ENOSYS|' \
		'ERROR 4 0 ENOSYS|' 'ERROR 5 0 ENOSYS|' 'ERROR 6 0 ENOSYS|' 'READ 7 0 ')" \
	"$(raw 99:1:0: 'RESTRICT:2:0:1\0' 'WATCH_EVENT:3:0:/a\0t\0' 'ERROR:4:0:EINVAL\0' \
		27:5:0: 0xffff:6:0: 'READ:7:0:/tool\0')"

# --- payload length ----------------------------------------------------------
assert_eq "a header claiming 5000 bytes drops that connection only" \
	"$(lines 'WRITE 1 0 OK|' '[1] EOF' 'READ 3 0 v' '[2] READ 4 0 v')" \
	"$(raw 'WRITE:1:0:/edge/k\0v' -c 1 -L 5000 'WRITE:2:0:/edge/k\0x' \
		-c 0 'READ:3:0:/edge/k\0' -c 2 'READ:4:0:/edge/k\0')"
if grep -q 'Client tried to feed us 5000' "$XSD_RUN/daemon.log"; then
	ok "the drop is logged (Client tried to feed us 5000)"
else
	fail "the drop is logged (Client tried to feed us 5000)"
fi
assert_eq "4097 bytes is already too long" EOF "$(raw -L 4097 'READ:1:0:/edge/k\0')"
val=$(printf 'v%.0s' $(seq 1 4086))
assert_eq "a payload of exactly 4096 bytes is accepted" \
	"$(lines 'WRITE 1 0 OK|' "READ 2 0 $val")" \
	"$(raw "WRITE:1:0:/edge/max\\0$val" 'READ:2:0:/edge/max\0')"

# --- malformed arguments ---------------------------------------------------------
assert_eq "single-argument requests need exactly one NUL, at the end: EINVAL" \
	"$(lines 'ERROR 1 0 EINVAL|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|' 'ERROR 6 0 EINVAL|')" \
	"$(raw 'READ:1:0:/tool' 'READ:2:0:/tool\0\0' 'READ:3:0:/tool\0x' 'READ:4:0:' \
		'RM:5:0:/edge/k\0\0' 'DIRECTORY:6:0:/tool')"
assert_eq "bad permission strings: EINVAL" \
	"$(lines 'ERROR 1 0 EINVAL|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|' 'GET_PERMS 6 0 n0|')" \
	"$(raw 'SET_PERMS:1:0:/edge/k\0x0\0' 'SET_PERMS:2:0:/edge/k\0r\0' \
		'SET_PERMS:3:0:/edge/k\0' 'SET_PERMS:4:0:/edge/k\0b1z\0' \
		'SET_PERMS:5:0:/edge/k\0n0\0rr\0' 'GET_PERMS:6:0:/edge/k\0')"
assert_eq "permission ids are parsed with base 0 (r0x10 = 16, r010 = 8)" \
	"$(lines 'SET_PERMS 1 0 OK|' 'GET_PERMS 2 0 n0|r16|r8|')" \
	"$(raw 'SET_PERMS:1:0:/edge/k\0n0\0r0x10\0r010\0' 'GET_PERMS:2:0:/edge/k\0')"
assert_eq "transactions: END needs T or F, unknown tx_id is ENOENT, nesting is EBUSY" \
	"$(lines 'TRANSACTION_START 1 0 1|' 'ERROR 2 1 EINVAL|' 'ERROR 3 1 EINVAL|' \
		'ERROR 4 1 EBUSY|' 'TRANSACTION_END 5 1 OK|' 'ERROR 6 1 ENOENT|' \
		'ERROR 7 42 ENOENT|' 'ERROR 8 0 ENOENT|' 'ERROR 9 42 ENOENT|')" \
	"$(raw 'TRANSACTION_START:1:0:\0' 'TRANSACTION_END:2:1:X\0' 'TRANSACTION_END:3:1:TF\0' \
		'TRANSACTION_START:4:1:\0' 'TRANSACTION_END:5:1:F\0' 'READ:6:1:/tool\0' \
		'READ:7:42:/tool\0' 'TRANSACTION_END:8:0:T\0' 'WRITE:9:42:/edge/k\0v')"
assert_eq "WATCH needs 2 arguments (3 with a depth >= 0), UNWATCH exactly 2" \
	"$(lines 'ERROR 1 0 EINVAL|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|')" \
	"$(raw 'WATCH:1:0:/edge\0' 'WATCH:2:0:/edge\0t\0-1\0' 'WATCH:3:0:/edge\0t\0x\0' \
		'WATCH:4:0:/edge\0t\01\0extra\0' 'UNWATCH:5:0:/edge\0t\0x\0')"
assert_eq "invalid path characters and shapes: EINVAL" \
	"$(lines 'ERROR 1 0 EINVAL|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' 'ERROR 4 0 EINVAL|')" \
	"$(raw 'WRITE:1:0:/edge/a b\0v' 'READ:2:0:/edge//k\0' 'READ:3:0:/edge/k/\0' 'MKDIR:4:0:/edge/\xc3\xa9\0')"

# --- the header is echoed --------------------------------------------------------
assert_eq "replies and errors carry the request's req_id and tx_id" \
	"$(lines 'TRANSACTION_START 3735928559 0 1|' 'WRITE 4294967295 1 OK|' \
		'ERROR 7 1 ENOENT|' 'TRANSACTION_END 0 1 OK|')" \
	"$(raw 'TRANSACTION_START:0xdeadbeef:0:\0' 'WRITE:0xffffffff:1:/edge/t\0v' \
		'READ:7:1:/edge/none\0' 'TRANSACTION_END:0:1:F\0')"
assert_eq "WATCH ignores tx_id (echoed), its events carry req_id 0 and tx_id 0" \
	"$(lines 'WATCH 9 5 OK|' 'WATCH_EVENT 0 0 /edge|t|' 'UNWATCH 10 6 OK|')" \
	"$(raw 'WATCH:9:5:/edge\0t\0' 'UNWATCH:10:6:/edge\0t\0')"

# --- pipelining --------------------------------------------------------------------
msgs=() want=()
for i in $(seq 1 20); do
	msgs+=("WRITE:$((2 * i - 1)):0:/edge/p/$i\\0v$i" "READ:$((2 * i)):0:/edge/p/$i\\0")
	want+=("WRITE $((2 * i - 1)) 0 OK|" "READ $((2 * i)) 0 v$i")
done
assert_eq "40 requests in one write() are all answered, in order" \
	"$(lines "${want[@]}")" "$(raw -p "${msgs[@]}")"

# --- ordering of replies and events -------------------------------------------------
assert_eq "WATCH's OK precedes its initial event; a writer's own event precedes its OK" \
	"$(lines 'WATCH 1 0 OK|' 'WATCH_EVENT 0 0 /edge/o|tok|' \
		'WATCH_EVENT 0 0 /edge/o/x|tok|' 'WRITE 2 0 OK|')" \
	"$(raw 'WATCH:1:0:/edge/o\0tok\0' 'WRITE:2:0:/edge/o/x\0v')"
assert_eq "the same when both requests arrive in one write()" \
	"$(lines 'WATCH 1 0 OK|' 'WATCH_EVENT 0 0 /edge/o|tok|' \
		'WATCH_EVENT 0 0 /edge/o/y|tok|' 'WRITE 2 0 OK|')" \
	"$(raw -p 'WATCH:1:0:/edge/o\0tok\0' 'WRITE:2:0:/edge/o/y\0v')"
# Another connection's change must reach a watcher that sends nothing more.
assert_eq "an event caused by another connection is delivered without the watcher sending anything" \
	"$(lines 'WATCH 1 0 OK|' '[1] WRITE 2 0 OK|' 'WATCH_EVENT 0 0 /edge/o|tok|' \
		'WATCH_EVENT 0 0 /edge/o/z|tok|')" \
	"$(raw 'WATCH:1:0:/edge/o\0tok\0' -c 1 'WRITE:2:0:/edge/o/z\0v' -c 0 wait:2)"
# With a request from the watcher as a barrier, events caused by others
# must arrive before its reply.
assert_eq "events caused by another connection arrive before the watcher's next reply" \
	"$(lines 'WATCH 1 0 OK|' '[1] WRITE 2 0 OK|' 'WATCH_EVENT 0 0 /edge/o|tok|' \
		'WATCH_EVENT 0 0 /edge/o/w|tok|' 'GET_DOMAIN_PATH 3 0 /local/domain/0|')" \
	"$(raw 'WATCH:1:0:/edge/o\0tok\0' -c 1 'WRITE:2:0:/edge/o/w\0v' -c 0 'GET_DOMAIN_PATH:3:0:0\0')"
tok=$(printf 't%.0s' $(seq 1 4000))
long=$(printf 'n%.0s' $(seq 1 100))
assert_eq "an event too big for one message is dropped, the connection lives (XSA-324)" \
	"$(lines 'WATCH 1 0 OK|' "WATCH_EVENT 0 0 /edge/big-token|$tok|" 'WRITE 2 0 OK|' 'READ 3 0 v')" \
	"$(raw "WATCH:1:0:/edge/big-token\\0$tok\\0" "WRITE:2:0:/edge/big-token/$long\\0v" \
		"READ:3:0:/edge/big-token/$long\\0")"

# --- DIRECTORY_PART paging --------------------------------------------------------------
msgs=() names=()
for i in $(seq -w 1 300); do
	names+=("child-with-a-long-name-$i")
	msgs+=("WRITE:$((10#$i)):0:/edge/big/child-with-a-long-name-$i\\0")
done
assert_eq "300 children created (8100 bytes of names)" 300 \
	"$(raw -p "${msgs[@]}" | grep -c '^WRITE .* OK|$')"
assert_eq "DIRECTORY of it is E2BIG" 'ERROR 1 0 E2BIG|' "$(raw 'DIRECTORY:1:0:/edge/big\0')"

# page PATH: pages through PATH with DIRECTORY_PART as libxenstore does;
# sets GOT (names), GENS (generation per page), LENS (payload bytes per
# page), and ENDED (the last page carried the end marker).
page() {
	local off=0 out payload rest n
	GOT=() GENS=() LENS=() ENDED=0
	while [ ${#LENS[@]} -lt 10 ]; do
		out=$(raw "DIRECTORY_PART:1:0:$1\\0$off\\0")
		payload=${out#DIRECTORY_PART 1 0 }
		if [ "$payload" == "$out" ]; then echo "#   $out"; return 1; fi
		LENS+=(${#payload})
		GENS+=("${payload%%|*}")
		rest=${payload#*|}
		[ "$rest" == "|" ] || [[ "$rest" == *"||" ]] && ENDED=1
		IFS='|' read -ra parts <<<"$rest"
		for n in "${parts[@]}"; do
			[ -n "$n" ] || continue
			GOT+=("$n")
			off=$((off + ${#n} + 1))
		done
		[ $ENDED -eq 1 ] && return 0
	done
	return 1
}
page /edge/big
if [ "$(lines "${names[@]}")" == "$(lines ${GOT[@]+"${GOT[@]}"})" ]; then
	ok "DIRECTORY_PART pages give every child once, in order"
else
	fail "DIRECTORY_PART pages give every child once, in order"
	echo "#   got ${#GOT[@]} names: ${GOT[0]:-} ... ${GOT[-1]:-}"
fi
assert_eq "it took 2 pages, the last one ending with an empty name" "2 1" "${#LENS[@]} $ENDED"
if [ "${LENS[0]:-9999}" -le 4096 ] && [ "${LENS[1]:-9999}" -le 4096 ] &&
	[ "${LENS[0]:-0}" -gt 4000 ]; then
	ok "each page is at most 4096 bytes, and the first is nearly full (${LENS[*]-})"
else
	fail "each page is at most 4096 bytes, and the first is nearly full (${LENS[*]-})"
fi
if [ "${GENS[0]:-}" == "${GENS[1]:-}" ] && [[ "${GENS[0]:-}" =~ ^[0-9]+$ ]]; then
	ok "both pages carry the same generation count (${GENS[0]})"
else
	fail "both pages carry the same generation count (${GENS[*]-})"
fi
gen=${GENS[0]:-}
assert_eq "an offset past the end gives generation and an empty name" \
	"DIRECTORY_PART 1 0 $gen||" "$(raw 'DIRECTORY_PART:1:0:/edge/big\09999\0')"
raw 'WRITE:1:0:/edge/big/one-more\0' >/dev/null
page /edge/big
if [ "${GENS[0]:-}" != "$gen" ] && [ "${#GOT[@]}" -eq 301 ]; then
	ok "adding a child changes the generation count the client restarts on"
else
	fail "adding a child changes the generation count (before $gen, now ${GENS[*]-}, ${#GOT[@]} names)"
fi
assert_eq "DIRECTORY_PART of a childless node: generation and an empty name" 1 \
	"$(raw 'DIRECTORY_PART:1:0:/edge/k\00\0' | grep -cE '^DIRECTORY_PART 1 0 [0-9]+\|\|$')"
assert_eq "DIRECTORY_PART needs path and offset" 'ERROR 1 0 EINVAL|' \
	"$(raw 'DIRECTORY_PART:1:0:/edge/big\0')"
raw 'RM:1:0:/edge/big\0' >/dev/null

# --- relative paths -------------------------------------------------------------------
assert_eq "relative paths resolve under /local/domain/0 for socket clients" \
	"$(lines 'WRITE 1 0 OK|' 'READ 2 0 v' 'DIRECTORY 3 0 x|' \
		'WATCH 4 0 OK|' 'WATCH_EVENT 0 0 edge-rel|r|' \
		'WATCH_EVENT 0 0 edge-rel/y|r|' 'WRITE 5 0 OK|' \
		'WATCH_EVENT 0 0 edge-rel|r|' 'RM 6 0 OK|' 'ERROR 7 0 ENOENT|')" \
	"$(raw 'WRITE:1:0:edge-rel/x\0v' 'READ:2:0:/local/domain/0/edge-rel/x\0' \
		'DIRECTORY:3:0:edge-rel\0' 'WATCH:4:0:edge-rel\0r\0' \
		'WRITE:5:0:/local/domain/0/edge-rel/y\0' 'RM:6:0:/local/domain/0/edge-rel\0' \
		'READ:7:0:edge-rel/x\0')"

# --- special (@) paths and the root ------------------------------------------------------
assert_eq "@ paths are refused by READ, WRITE, MKDIR, RM, DIRECTORY" \
	"$(lines 'ERROR 1 0 EINVAL|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|')" \
	"$(raw 'READ:1:0:@introduceDomain\0' 'WRITE:2:0:@x\0v' 'MKDIR:3:0:@x\0' \
		'RM:4:0:@releaseDomain\0' 'DIRECTORY:5:0:@introduceDomain\0')"
assert_eq "GET_PERMS of @introduceDomain: owned by dom0, no access for others" \
	'GET_PERMS 1 0 n0|' "$(raw 'GET_PERMS:1:0:@introduceDomain\0')"
# PROTOCOL.md §2.2: in 4.22+ @releaseDomain is also readable by DOMID_ANY (32757),
# so guests with the DOMID_ANY feature may watch it.
assert_eq "GET_PERMS of @releaseDomain: n0 plus r for DOMID_ANY (4.22+)" \
	'GET_PERMS 1 0 n0|r32757|' "$(raw 'GET_PERMS:1:0:@releaseDomain\0')"
assert_eq "RM of / is EINVAL" 'ERROR 1 0 EINVAL|' "$(raw 'RM:1:0:/\0')"
assert_eq "/ is still there" 'GET_PERMS 1 0 n0|' "$(raw 'GET_PERMS:1:0:/\0')"

# --- XSA-481: /local/domain/ with a trailing slash ------------------------------------------
assert_eq "/local/domain/ is an invalid path for every request (XSA-481)" \
	"$(lines 'ERROR 1 0 EINVAL|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|' 'ERROR 6 0 EINVAL|' \
		'ERROR 7 0 EINVAL|' 'ERROR 8 0 EINVAL|' 'DIRECTORY_PART 9 0 ')" \
	"$(raw 'READ:1:0:/local/domain/\0' 'WRITE:2:0:/local/domain/\0v' \
		'MKDIR:3:0:/local/domain/\0' 'RM:4:0:/local/domain/\0' \
		'DIRECTORY:5:0:/local/domain/\0' 'GET_PERMS:6:0:/local/domain/\0' \
		'WATCH:7:0:/local/domain/\0t\0' 'SET_PERMS:8:0:/local/domain/\0n0\0' \
		'DIRECTORY_PART:9:0:/local/domain\00\0' | sed 's/^\(DIRECTORY_PART 9 0 \).*/\1/')"
if daemon_alive; then ok "daemon survives /local/domain/"; else fail "daemon survives /local/domain/"; fi

# --- XSA-484: RESET_WATCHES inside a transaction -----------------------------------------------
assert_eq "RESET_WATCHES sent with a tx_id drops watches and transactions (XSA-484)" \
	"$(lines 'TRANSACTION_START 1 0 1|' 'WATCH 2 0 OK|' 'WATCH_EVENT 0 0 /edge|r|' \
		'RESET_WATCHES 3 1 OK|' 'ERROR 4 1 ENOENT|' 'ERROR 5 0 ENOENT|')" \
	"$(raw 'TRANSACTION_START:1:0:\0' 'WATCH:2:0:/edge\0r\0' 'RESET_WATCHES:3:1:\0' \
		'READ:4:1:/tool\0' 'UNWATCH:5:0:/edge\0r\0')"

# --- GET_FEATURE / SET_FEATURE (C 4.21+) ---------------------------------------------------------
assert_eq "GET_FEATURE: own features (ERROR|WATCHDEPTH|DOMID_ANY = 14); dom0's ring adds RECONNECTION (15)" \
	"$(lines 'GET_FEATURE 1 0 14|' 'GET_FEATURE 2 0 15|')" \
	"$(raw 'GET_FEATURE:1:0:' 'GET_FEATURE:2:0:0\0')"
assert_eq "SET_FEATURE before INTRODUCE; bad bits and arguments are EINVAL" \
	"$(lines 'ERROR 1 0 ENOENT|' 'SET_FEATURE 2 0 OK|' 'GET_FEATURE 3 0 4|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|' 'ERROR 6 0 EINVAL|' 'ERROR 7 0 EINVAL|')" \
	"$(raw 'GET_FEATURE:1:0:31\0' 'SET_FEATURE:2:0:31\04\0' 'GET_FEATURE:3:0:31\0' \
		'SET_FEATURE:4:0:31\032\0' 'SET_FEATURE:5:0:31\016\0' 'SET_FEATURE:6:0:31\0x\0' \
		'SET_FEATURE:7:0:31\0')"
assert_eq "SET_FEATURE after INTRODUCE is EBUSY" \
	"$(lines 'INTRODUCE 1 0 OK|' 'ERROR 2 0 EBUSY|' 'GET_FEATURE 3 0 4|' 'RELEASE 4 0 OK|')" \
	"$(raw 'INTRODUCE:1:0:31\00\05\0' 'SET_FEATURE:2:0:31\014\0' 'GET_FEATURE:3:0:31\0' \
		'RELEASE:4:0:31\0')"

# --- GET_QUOTA / SET_QUOTA (C 4.22+) --------------------------------------------------------------
assert_eq "GET_QUOTA without argument lists the quota names in C's order" \
	'GET_QUOTA 1 0 nodes watches outstanding memory soft-memory transactions transaction-nodes node-permissions path-max node-size|' \
	"$(raw 'GET_QUOTA:1:0:')"
assert_eq "GET_QUOTA of each name gives the C defaults" \
	"$(lines 'GET_QUOTA 1 0 1000|' 'GET_QUOTA 2 0 128|' 'GET_QUOTA 3 0 20|' \
		'GET_QUOTA 4 0 2621440|' 'GET_QUOTA 5 0 2097152|' 'GET_QUOTA 6 0 10|' \
		'GET_QUOTA 7 0 1024|' 'GET_QUOTA 8 0 5|' 'GET_QUOTA 9 0 2048|' 'GET_QUOTA 10 0 2048|')" \
	"$(raw 'GET_QUOTA:1:0:nodes\0' 'GET_QUOTA:2:0:watches\0' 'GET_QUOTA:3:0:outstanding\0' \
		'GET_QUOTA:4:0:memory\0' 'GET_QUOTA:5:0:soft-memory\0' 'GET_QUOTA:6:0:transactions\0' \
		'GET_QUOTA:7:0:transaction-nodes\0' 'GET_QUOTA:8:0:node-permissions\0' \
		'GET_QUOTA:9:0:path-max\0' 'GET_QUOTA:10:0:node-size\0')"
assert_eq "SET_QUOTA changes a global quota; bad names and values are EINVAL" \
	"$(lines 'SET_QUOTA 1 0 OK|' 'GET_QUOTA 2 0 777|' 'ERROR 3 0 EINVAL|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|' 'ERROR 6 0 EINVAL|' 'SET_QUOTA 7 0 OK|')" \
	"$(raw 'SET_QUOTA:1:0:nodes\0777\0' 'GET_QUOTA:2:0:nodes\0' 'SET_QUOTA:3:0:bogus\01\0' \
		'SET_QUOTA:4:0:nodes\0x\0' 'SET_QUOTA:5:0:nodes\0' 'GET_QUOTA:6:0:bogus\0' \
		'SET_QUOTA:7:0:nodes\01000\0')"
assert_eq "per-domain quotas: for a known domain only" \
	"$(lines 'ERROR 1 0 ENOENT|' 'INTRODUCE 2 0 OK|' 'SET_QUOTA 3 0 OK|' \
		'GET_QUOTA 4 0 50|' 'GET_QUOTA 5 0 1000|' 'RELEASE 6 0 OK|')" \
	"$(raw 'SET_QUOTA:1:0:32\0nodes\050\0' 'INTRODUCE:2:0:32\00\05\0' \
		'SET_QUOTA:3:0:32\0nodes\050\0' 'GET_QUOTA:4:0:32\0nodes\0' 'GET_QUOTA:5:0:nodes\0' \
		'RELEASE:6:0:32\0')"

# --- domain requests: argument validation ------------------------------------------------------
assert_eq "INTRODUCE needs domid, gfn and a positive event channel" \
	"$(lines 'ERROR 1 0 EINVAL|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' \
		'ERROR 4 0 EINVAL|' 'ERROR 5 0 EINVAL|' 'ERROR 6 0 EINVAL|')" \
	"$(raw 'INTRODUCE:1:0:7\0' 'INTRODUCE:2:0:7\01\0' 'INTRODUCE:3:0:x\00\01\0' \
		'INTRODUCE:4:0:70000\00\01\0' 'INTRODUCE:5:0:7\00\00\0' 'INTRODUCE:6:0:7\00\0-1\0')"
assert_eq "IS_DOMAIN_INTRODUCED, RELEASE, RESUME, GET_DOMAIN_PATH, SET_TARGET validate their domids" \
	"$(lines 'IS_DOMAIN_INTRODUCED 1 0 F|' 'ERROR 2 0 EINVAL|' 'ERROR 3 0 EINVAL|' \
		'IS_DOMAIN_INTRODUCED 4 0 T|' 'IS_DOMAIN_INTRODUCED 5 0 T|' \
		'ERROR 6 0 ENOENT|' 'ERROR 7 0 EINVAL|' 'ERROR 8 0 ENOENT|' 'ERROR 9 0 EINVAL|' \
		'GET_DOMAIN_PATH 10 0 /local/domain/7|' 'GET_DOMAIN_PATH 11 0 /local/domain/65535|' \
		'ERROR 12 0 EINVAL|' 'ERROR 13 0 EINVAL|' 'ERROR 14 0 EINVAL|' \
		'ERROR 15 0 EINVAL|' 'ERROR 16 0 ENOENT|' 'ERROR 17 0 EINVAL|')" \
	"$(raw 'IS_DOMAIN_INTRODUCED:1:0:7\0' 'IS_DOMAIN_INTRODUCED:2:0:x\0' \
		'IS_DOMAIN_INTRODUCED:3:0:7\08\0' 'IS_DOMAIN_INTRODUCED:4:0:0\0' \
		'IS_DOMAIN_INTRODUCED:5:0:32752\0' \
		'RELEASE:6:0:7\0' 'RELEASE:7:0:0\0' 'RESUME:8:0:7\0' 'RESUME:9:0:0\0' \
		'GET_DOMAIN_PATH:10:0:7\0' 'GET_DOMAIN_PATH:11:0:65535\0' \
		'GET_DOMAIN_PATH:12:0:65536\0' 'GET_DOMAIN_PATH:13:0:7x\0' 'GET_DOMAIN_PATH:14:0:7\08\0' \
		'SET_TARGET:15:0:7\0' 'SET_TARGET:16:0:7\08\0' 'SET_TARGET:17:0:7\0x\0')"

# --- domain life and the special watches --------------------------------------------------------
# Connection 0 watches, connection 1 acts; connection 0's GET_DOMAIN_PATH
# is the barrier before which every event must have arrived.
assert_eq "@introduceDomain fires once per new domain, @releaseDomain on RELEASE" \
	"$(lines 'WATCH 1 0 OK|' 'WATCH_EVENT 0 0 @introduceDomain|i|' 'WATCH 2 0 OK|' \
		'[1] INTRODUCE 3 0 OK|' '[1] IS_DOMAIN_INTRODUCED 4 0 T|' '[1] INTRODUCE 5 0 OK|' \
		'[1] INTRODUCE 6 0 OK|' '[1] SET_TARGET 7 0 OK|' '[1] RESUME 8 0 OK|' \
		'[1] RELEASE 9 0 OK|' '[1] IS_DOMAIN_INTRODUCED 10 0 F|' '[1] ERROR 11 0 ENOENT|' \
		'[1] RELEASE 12 0 OK|' \
		'WATCH_EVENT 0 0 @releaseDomain|r|' 'WATCH_EVENT 0 0 @introduceDomain|i|' \
		'WATCH_EVENT 0 0 @introduceDomain|i|' 'WATCH_EVENT 0 0 @releaseDomain|r|' \
		'WATCH_EVENT 0 0 @releaseDomain|r|' 'GET_DOMAIN_PATH 13 0 /local/domain/0|')" \
	"$(raw 'WATCH:1:0:@introduceDomain\0i\0' 'WATCH:2:0:@releaseDomain\0r\0' \
		-c 1 'INTRODUCE:3:0:7\00\05\0' 'IS_DOMAIN_INTRODUCED:4:0:7\0' \
		'INTRODUCE:5:0:7\00\05\0' 'INTRODUCE:6:0:8\00\05\0' 'SET_TARGET:7:0:7\08\0' \
		'RESUME:8:0:7\0' 'RELEASE:9:0:7\0' 'IS_DOMAIN_INTRODUCED:10:0:7\0' \
		'RELEASE:11:0:7\0' 'RELEASE:12:0:8\0' -c 0 'GET_DOMAIN_PATH:13:0:0\0')"
ev=$(raw 'WATCH:1:0:@releaseDomain\0d\01\0' 'WATCH:2:0:@releaseDomain/9\0nine\0' \
	'WATCH:3:0:@releaseDomain\0plain\0' \
	-c 1 'INTRODUCE:4:0:9\00\05\0' 'INTRODUCE:5:0:10\00\05\0' 'RELEASE:6:0:10\0' \
	'RELEASE:7:0:9\0' -c 0 'GET_DOMAIN_PATH:8:0:0\0' | grep '^WATCH_EVENT' | sort)
assert_eq "a depth-1 watch on @releaseDomain gets @releaseDomain/<domid> (4.22)" \
	"$(lines 'WATCH_EVENT 0 0 @releaseDomain/10|d|' 'WATCH_EVENT 0 0 @releaseDomain/9|d|')" \
	"$(echo "$ev" | grep '^WATCH_EVENT 0 0 @releaseDomain/.*|d|$')"
assert_eq "a watch on @releaseDomain/9 gets domain 9 only (initial event + release of 9)" \
	"$(lines 'WATCH_EVENT 0 0 @releaseDomain/9|nine|' 'WATCH_EVENT 0 0 @releaseDomain/9|nine|')" \
	"$(echo "$ev" | grep '|nine|$')"
assert_eq "a plain @releaseDomain watch gets plain events only (initial + 2 releases)" \
	"$(lines 'WATCH_EVENT 0 0 @releaseDomain|plain|' 'WATCH_EVENT 0 0 @releaseDomain|plain|' \
		'WATCH_EVENT 0 0 @releaseDomain|plain|')" "$(echo "$ev" | grep '|plain|$')"

if have_peers; then
	XSDOMCTL=$(peer_bin xsdomctl)
	assert_cmd "xsdomctl introduce 11 0x1234 7" "$XSDOMCTL" introduce 11 0x1234 7
	assert_eq "xsdomctl is-introduced 11" T "$("$XSDOMCTL" is-introduced 11 2>&1)"
	assert_eq "xsdomctl get-domain-path 11" /local/domain/11 \
		"$("$XSDOMCTL" get-domain-path 11 2>&1)"
	assert_cmd "xsdomctl set-target 11 0" "$XSDOMCTL" set-target 11 0
	assert_cmd "xsdomctl release 11" "$XSDOMCTL" release 11
	assert_eq "xsdomctl is-introduced 11 after release" F "$("$XSDOMCTL" is-introduced 11 2>&1)"
	assert_eq "xsdomctl release 0 is refused (EINVAL)" \
		"xsdomctl: release: Invalid argument" "$("$XSDOMCTL" release 0 2>&1)"
else
	skip "xsdomctl" "no Xen peers (tests/peers/peers.sh setup failed)"
fi

# A released domain's nodes go with it (XSA-419), nodes it merely may read stay.
assert_eq "RELEASE deletes the nodes the domain owns and strips it from other ACLs" \
	"$(lines 'INTRODUCE 1 0 OK|' 'WRITE 2 0 OK|' 'SET_PERMS 3 0 OK|' 'WRITE 4 0 OK|' \
		'SET_PERMS 5 0 OK|' 'RELEASE 6 0 OK|' 'ERROR 7 0 ENOENT|' 'GET_PERMS 8 0 n0|')" \
	"$(raw 'INTRODUCE:1:0:12\00\05\0' 'WRITE:2:0:/edge/d12/owned\0' \
		'SET_PERMS:3:0:/edge/d12/owned\0b12\0' 'WRITE:4:0:/edge/d12/shared\0' \
		'SET_PERMS:5:0:/edge/d12/shared\0n0\0r12\0' 'RELEASE:6:0:12\0' \
		'READ:7:0:/edge/d12/owned\0' 'GET_PERMS:8:0:/edge/d12/shared\0')"

assert_eq "CONTROL check: the store is consistent after all this" 'CONTROL 1 0 OK|' \
	"$(raw 'CONTROL:1:0:check\0')"
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
