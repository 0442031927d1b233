#!/bin/bash
# snoop_joins.sh - xenstore-snoop joins what a request caused to that very
# request, by the number the daemon gives each request of a connection,
# not by the client's req_id, which a client may repeat.  One connection
# sends WATCH and then READ with the same req_id while a snoop filters the
# WATCH out (-o): the watch's first event, sent after the WATCH reply, must
# name its cause by its ids, and not be joined to the READ.  Without a
# filter the same event names the WATCH.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
snoop_start -o read,watch_event || fail "attaches with -o read,watch_event"
snoop_start || fail "attaches (no filter)"

"$BUILD/tests/xsraw" -N 'WRITE:1:0:/j/a\0v' 'WATCH:7:0:/j/a\0tok\0' 'READ:7:0:/j/a\0' \
	>"$T_DIR/xsraw.out" 2>&1
assert_eq "the client's last reply" "READ 7 0 v" "$(tail -n 1 "$T_DIR/xsraw.out")"
snoop_stop 1
snoop_stop 2

# DOM PID TX OP, the PID xsraw's.
line='^0    [0-9]+ +'
assert_eq "-o read,watch_event: the first event names its cause by ids, then the READ" \
	"2:1:1" "$(snoop_lines 1 | wc -l):$(snoop_lines 1 | head -n 1 |
	grep -cE "${line}- +XS_WATCH_EVENT: /j/a tok \(cause: conn [0-9]+ req 7, dom 0 pid [0-9]+\)$"):$(
	snoop_lines 1 | tail -n 1 | grep -cE "${line}0 +XS_READ: /j/a -> v$")"
assert_eq "no filter: the first event names the WATCH, the READ has its own line" \
	"4:1:1" "$(snoop_lines 2 | wc -l):$(snoop_lines 2 | sed -n 3p |
	grep -cE "${line}- +XS_WATCH_EVENT: /j/a tok \(cause: XS_WATCH /j/a, dom 0 pid [0-9]+\)$"):$(
	snoop_lines 2 | tail -n 1 | grep -cE "${line}0 +XS_READ: /j/a -> v$")"
done_testing
