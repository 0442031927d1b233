#!/bin/bash
# snoop_events.sh - the rarer events.  Against the daemon: found by the
# socket it serves when there is no pid file; -e shows connections and
# domains introduced/released, and the watch events they fire.  Against
# xs-probe-fire (a stand-in that fires the same probes on command, for what
# socket clients cannot cause): a refused request names the quota it hit,
# a transaction dropped with its connection, guests' domains (-D), binary
# bytes in watch paths, connections closing, and lost events are counted
# and reported when the reader falls behind.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
rm -f "$XSD_RUN/xenstored.pid"
session_start
S=$SESSION_PID
snoop_start -e || fail "attaches, found by the socket it serves (no pid file)"
assert_eq "found the daemon serving \$XENSTORED_PATH" "Attached to xenstored PID $XSD_PID" \
	"$(sed -n 's/ (.*//p' "$SNOOP_ERR")"
session watch @introduceDomain tok
session introduce 5 0x1234 7
session release 5
c2=$(pid_of xenstore-read /local/domain/5/nothing)
session_end
snoop_stop
actual=$(snoop_lines | grep -v '\[CLOSE\]')
assert_lines "-e: connections, domains, and the watch events they fire" \
"$(fmt 0 "$S" 0 'XS_WATCH: @introduceDomain tok -> OK')
$(fmt 0 "$S" - "XS_WATCH_EVENT: @introduceDomain tok (cause: XS_WATCH @introduceDomain, dom 0 pid $S)")
$(fmt 5 0 - '[INTRODUCE] domain 5 evtchn 7 gfn 0x1234')
$(fmt 0 "$S" - "XS_WATCH_EVENT: @introduceDomain tok (cause: XS_INTRODUCE 5, dom 0 pid $S)")
$(fmt 0 "$S" 0 'XS_INTRODUCE: 5 0x1234 7 -> OK')
$(fmt 5 0 - '[RELEASE] domain 5: release')
$(fmt 0 "$S" 0 'XS_RELEASE: 5 -> OK')
$(fmt 0 "$c2" - "[CONNECT] conn 2 xenstore-read uid 0 (socket)")
$(fmt 0 "$c2" 0 '[ERROR] XS_READ: /local/domain/5/nothing -> ENOENT')" "$actual"

# --- the stand-in: probes fired on command ---
FIRE=$BUILD/tests/xs-probe-fire
if [ ! -x "$FIRE" ]; then
	FIRE=$T_DIR/xs-probe-fire
	${CC:-cc} -O2 -I"$TOP/src" -o "$FIRE" "$TOP/tests/helpers/xs-probe-fire.c" ||
		{ fail "xs-probe-fire builds"; done_testing; exit 1; }
fi
mkfifo "$T_DIR/fire.in" "$T_DIR/fire.out"
"$FIRE" <"$T_DIR/fire.in" >"$T_DIR/fire.out" 2>&1 &
F=$!
T_PIDS+=("$F")
exec {FIN}>"$T_DIR/fire.in" {FOUT}<"$T_DIR/fire.out"
# The fifos open before the child execs: until then $F is a bash.
wait_for 30 test "$(readlink "/proc/$F/exe")" = "$(readlink -f "$FIRE")"
# fire COMMAND: one command, waits for its "ok" (a failure if it does not
# come: what the test checks next would be measured on events never
# fired).  120 s: a burst of 300000 on a loaded machine takes a while,
# and the bound only costs time when the firer is stuck.
fire() {
	local line
	echo "$*" >&"$FIN"
	IFS= read -r -t 120 line <&"$FOUT"
	[ "$line" == ok ] || { fail "xs-probe-fire: $* -> ${line:-no ok within 120 s}"; return 1; }
}

snoop_start -p "$F" -e || fail "attaches to any process with the probes (-p)"
E=$SNOOP_N
snoop_start -p "$F" -D 5 -j || fail "attaches with -D 5 -j"
J=$SNOOP_N
fire conn_open 7 5 0 0 - ring
fire reply 7 5 0 9 0 11 28 data/x\\01\\0 ENOSPC\\0 0
fire quota 7 5 nodes 1001 1000 10
fire reply 7 5 0 10 0 11 28 data/y\\01\\0 ENOSPC\\0 0
fire txn_done 7 5 0 4 4 - 2 3 0
fire reply 3 0 100 1 0 2 0 /x\\0 1 0
fire watch 7 5 0 data/\\x01\\x7f\\\\\\sz tok\\x07 0 0
fire conn_close 7 5 0 dying
snoop_stop "$J"
snoop_stop "$E"
assert_lines "a quota hit, a dropped transaction, guests' domains, binary bytes, a closing connection" \
"$(fmt 5 0 - '[CONNECT] conn 7 ? uid 0 (ring)')
$(fmt 5 0 0 '[ERROR] XS_WRITE: data/x 1 -> ENOSPC')
$(fmt 5 0 0 '[ERROR] XS_WRITE: data/y 1 -> ENOSPC (quota nodes: 1001 > limit 1000)')
$(fmt 5 0 4 '[txn dropped with its connection: 3 ops, 2 nodes]')
$(fmt 0 100 0 'XS_READ: /x -> 1')
$(fmt 5 0 - 'XS_WATCH_EVENT: data/\x01\x7f\\ z tok\x07 (cause: none)')
$(fmt 5 0 - '[CLOSE] conn 7: dying')" "$(snoop_lines "$E")"
actual=$(sed -E 's/"time":[0-9.]+,"ts_ns":[0-9]+/"time":T,"ts_ns":N/' "$T_DIR/snoop$J.out")
assert_lines "-D 5 -j: only domain 5, the quota and the transaction as JSON" \
'{"time":T,"ts_ns":N,"event":"request","conn":7,"dom":5,"pid":0,"comm":null,"req_id":9,"tx":0,"op":"XS_WRITE","type":11,"path":"data/x","request":"data/x\u00001\u0000","request_len":9,"reply":"ENOSPC\u0000","reply_len":7,"error":"ENOSPC","errno":28,"latency_ns":null}
{"time":T,"ts_ns":N,"event":"request","conn":7,"dom":5,"pid":0,"comm":null,"req_id":10,"tx":0,"op":"XS_WRITE","type":11,"path":"data/y","request":"data/y\u00001\u0000","request_len":9,"reply":"ENOSPC\u0000","reply_len":7,"error":"ENOSPC","errno":28,"latency_ns":null,"quota":{"name":"nodes","value":1001,"limit":1000,"req_id":10}}
{"time":T,"ts_ns":N,"event":"txn_done","conn":7,"dom":5,"pid":0,"comm":null,"txn":{"tx":4,"result":"dropped","nodes":2,"ops":3,"duration_ns":0,"conflict":null}}
{"time":T,"ts_ns":N,"event":"watch_event","conn":7,"dom":5,"pid":0,"comm":null,"tx":null,"op":"XS_WATCH_EVENT","type":15,"path":"data/\u0001\u007f\\ z","token":"tok\u0007","cause":null}' \
	"$actual"

# Lost events: the reader is stopped while 300000 events pour into a 1 MiB
# ring; they are counted in BPF and reported, never silently dropped.
snoop_start -p "$F" -s -b 1 || fail "attaches with -b 1"
kill -STOP "$SNOOP_PID"
fire burst 300000
kill -CONT "$SNOOP_PID"
snoop_stop
lost=$(sed -n 's/^Detached from xenstored PID [0-9]*: [0-9]* events, \([0-9]*\) lost$/\1/p' "$SNOOP_ERR")
[ "${lost:-0}" -gt 0 ] && ok "lost events are counted and reported ($lost)" || fail "lost: '$lost'"
got=$(sed -n 's/^.* summary over .*: \([0-9]*\) requests .*, \([0-9]*\) lost$/\1 \2/p' "$SNOOP_OUT")
assert_eq "received + lost = fired" 300000 "$(( ${got% *} + ${got#* } ))"
grep -q "events were lost because the ring buffer was full: use a bigger one (-b 2)" "$SNOOP_ERR" &&
	ok "says how to avoid losing events" || fail "no advice on lost events"
exec {FIN}>&- {FOUT}<&-
done_testing
