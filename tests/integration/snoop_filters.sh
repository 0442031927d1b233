#!/bin/bash
# snoop_filters.sh - xenstore-snoop's filters: by domain (-D), client
# process (-P), operation (-o), path prefix (-f) and errors only (-x).  Seven
# snoops watch the same scripted sequence at once; each must print exactly
# the lines its filter lets through, in order.  A watch event whose cause
# is filtered out still names it (the first event of a watch, sent after
# the WATCH reply, by connection and request id).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
session_start
S=$SESSION_PID

snoop_start || fail "attaches (no filter)"
snoop_start -P "$S" || fail "attaches with -P"
snoop_start -D 0 || fail "attaches with -D 0"
snoop_start -D 7 || fail "attaches with -D 7"
snoop_start -o read,XS_WATCH_EVENT || fail "attaches with -o"
snoop_start -f /f/a/ || fail "attaches with -f"
snoop_start -x || fail "attaches with -x"

session write /f/a 1
session write /f/ab 2
session read /f/a
session read /f/nope
session dir /f
session rm /f/ab
session watch /f/a tok
session write /f/a 3
assert_eq "the session's last reply" "S WRITE 0 OK|" "$REPLY_LINE"
R=$(pid_of xenstore-read /f/a)
session_end
for n in 1 2 3 4 5 6 7; do snoop_stop $n; done

all="$(fmt 0 "$S" 0 'XS_WRITE: /f/a 1 -> OK')
$(fmt 0 "$S" 0 'XS_WRITE: /f/ab 2 -> OK')
$(fmt 0 "$S" 0 'XS_READ: /f/a -> 1')
$(fmt 0 "$S" 0 '[ERROR] XS_READ: /f/nope -> ENOENT')
$(fmt 0 "$S" 0 'XS_DIRECTORY: /f -> a ab')
$(fmt 0 "$S" 0 'XS_RM: /f/ab -> OK')
$(fmt 0 "$S" 0 'XS_WATCH: /f/a tok -> OK')
$(fmt 0 "$S" - "XS_WATCH_EVENT: /f/a tok (cause: XS_WATCH /f/a, dom 0 pid $S)")
$(fmt 0 "$S" - "XS_WATCH_EVENT: /f/a tok (cause: XS_WRITE /f/a, dom 0 pid $S)")
$(fmt 0 "$S" 0 'XS_WRITE: /f/a 3 -> OK')
$(fmt 0 "$R" 0 'XS_READ: /f/a -> 3')"
assert_lines "no filter: the whole sequence" "$all" "$(snoop_lines 1)"
assert_lines "-P PID: only that client" "$(head -n 10 <<<"$all")" "$(snoop_lines 2)"
assert_lines "-D 0: every request of domain 0" "$all" "$(snoop_lines 3)"
assert_lines "-D 7: nothing from other domains" "" "$(snoop_lines 4)"
assert_lines "-o read,XS_WATCH_EVENT: only those operations; a cause filtered out is still named" \
"$(fmt 0 "$S" 0 'XS_READ: /f/a -> 1')
$(fmt 0 "$S" 0 '[ERROR] XS_READ: /f/nope -> ENOENT')
$(fmt 0 "$S" - "XS_WATCH_EVENT: /f/a tok (cause: conn 1 req 7, dom 0 pid $S)")
$(fmt 0 "$S" - "XS_WATCH_EVENT: /f/a tok (cause: XS_WRITE /f/a, dom 0 pid $S)")
$(fmt 0 "$R" 0 'XS_READ: /f/a -> 3')" "$(snoop_lines 5)"
assert_lines "-f /f/a/: only that node and below (not /f/ab, not /f)" \
"$(fmt 0 "$S" 0 'XS_WRITE: /f/a 1 -> OK')
$(fmt 0 "$S" 0 'XS_READ: /f/a -> 1')
$(fmt 0 "$S" 0 'XS_WATCH: /f/a tok -> OK')
$(fmt 0 "$S" - "XS_WATCH_EVENT: /f/a tok (cause: XS_WATCH /f/a, dom 0 pid $S)")
$(fmt 0 "$S" - "XS_WATCH_EVENT: /f/a tok (cause: XS_WRITE /f/a, dom 0 pid $S)")
$(fmt 0 "$S" 0 'XS_WRITE: /f/a 3 -> OK')
$(fmt 0 "$R" 0 'XS_READ: /f/a -> 3')" "$(snoop_lines 6)"
assert_lines "-x: only failed requests" "$(fmt 0 "$S" 0 '[ERROR] XS_READ: /f/nope -> ENOENT')" \
	"$(snoop_lines 7)"

bad=$("$SNOOP" -o frobnicate 2>&1); rc=$?
assert_eq "-o with an unknown operation is refused" "1:xenstore-snoop: unknown operation: frobnicate" \
	"$([ $rc -ne 0 ] && echo 1):$(head -1 <<<"$bad")"
done_testing
