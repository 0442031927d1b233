#!/bin/bash
# snoop_timeline.sh - xenstore-snoop --trace writes the session as Chrome
# trace-event JSON: valid (tests/helpers/trace_check.py: required fields,
# every flow id started and ended inside a slice, transactions paired,
# slices nested), with a track per client, each request as a slice on its
# client's and on the daemon's track, the EAGAIN transaction with its
# node, flow arrows from each write to the watch event it caused and on to
# the watcher's next request.  -w keeps the same records in its rotating
# files; xenstore-timeline draws the recording (and the -j output) into
# byte-identical files; -W bounds the recording.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
TIMELINE=$BUILD/tools/xenstore-timeline
CHECK=$TOP/tests/helpers/trace_check.py

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
snoop_start -j --trace "$T_DIR/s.json" --html "$T_DIR/s.html" -w "$T_DIR/rec" -c 13 ||
	{ fail "attaches"; done_testing; exit 1; }

w=$(pid_of xenstore-write /t/a hello)
"$TOP/tests/helpers/xswire.py" conflict /t/c >"$T_DIR/conflict.out" 2>&1
py=$(sed -n 's/^pid //p' "$T_DIR/conflict.out")
session_start
s=$SESSION_PID
session watch /t/r tok		# its first event fires at once...
session read /t/r		# ...and this read follows it
wx=$(pid_of xenstore-write /t/r/x 1)
session read /t/r/x		# after the event the write caused
session_end
snoop_wait		# -c 13

assert_eq "exits 0 after -c events" 0 "$SNOOP_RC"
assert_eq "says where the trace is" 1 \
	"$(grep -c "^xenstore-snoop: $T_DIR/s.json written (13 records, 4 clients)" "$SNOOP_ERR")"
if "$CHECK" validate "$T_DIR/s.json" >"$T_DIR/check.out" 2>&1; then
	ok "the trace is valid trace-event JSON (fields, flows, nesting)"
else
	fail "the trace is valid trace-event JSON (fields, flows, nesting)"
	sed 's/^/#   /' "$T_DIR/check.out" | head -20
fi

W="dom0 pid $w xenstore-write" P="dom0 pid $py python3" S="dom0 pid $s python3"
X="dom0 pid $wx xenstore-write"
actual=$("$CHECK" summary "$T_DIR/s.json" | grep -v '^slice xenstored | ' |
	grep -v "^slice $P | XS_" | grep -v "^slice $S | XS_[A-Z_]* /t/r\(/x\)\?$" )
expected=$(sort <<EOT
flow response $S | XS_WATCH_EVENT /t/r -> $S | XS_READ /t/r
flow response $S | XS_WATCH_EVENT /t/r/x -> $S | XS_READ /t/r/x
flow watch $S | XS_WATCH /t/r -> $S | XS_WATCH_EVENT /t/r
flow watch $X | XS_WRITE /t/r/x -> $S | XS_WATCH_EVENT /t/r/x
process $W
process $P
process $S
process $X
process xenstored
slice $W | XS_WRITE /t/a
slice $X | XS_WRITE /t/r/x
txn $P | txn 1 eagain (conflict on /t/c)
EOT
)
assert_lines "tracks, slices, the EAGAIN transaction and the causality arrows" \
	"$expected" "$actual"
assert_eq "the conflicting client's 6 requests are slices on its track" 6 \
	"$("$CHECK" summary "$T_DIR/s.json" | grep -c "^slice $P | XS_")"
assert_eq "every request is also a slice on the daemon's track" 11 \
	"$("$CHECK" summary "$T_DIR/s.json" | grep -c '^slice xenstored | ')"

files=("$T_DIR"/rec/xenstore-snoop-*.jsonl)
assert_eq "-w: one recording file so far" 1 "${#files[@]}"
assert_cmd "-w: the recording holds exactly the -j records" cmp "$SNOOP_OUT" "${files[0]}"
assert_cmd "xenstore-timeline draws the recording" \
	"$TIMELINE" -t "$T_DIR/conv.json" -H "$T_DIR/conv.html" "$T_DIR/rec"
assert_cmd "... into the very trace the live run wrote" cmp "$T_DIR/s.json" "$T_DIR/conv.json"
assert_cmd "... and the very page" cmp "$T_DIR/s.html" "$T_DIR/conv.html"
"$TIMELINE" -t "$T_DIR/stdin.json" <"$SNOOP_OUT" 2>/dev/null
assert_cmd "... and from standard input too" cmp "$T_DIR/s.json" "$T_DIR/stdin.json"

# Bad input: a line that is not a record is skipped and counted.
{ echo 'not json'; head -n 3 "$SNOOP_OUT"; echo '{"event":"summary"}'; } >"$T_DIR/mixed.jsonl"
"$TIMELINE" -t "$T_DIR/mixed.json" "$T_DIR/mixed.jsonl" 2>"$T_DIR/mixed.err"
assert_eq "converter skips and counts lines that are not records" 1 \
	"$(grep -c 'skipped 2 lines that are not snoop records' "$T_DIR/mixed.err")"
assert_cmd "... and its trace is still valid" "$CHECK" validate "$T_DIR/mixed.json"
assert_fails "converter without an output is refused" "$TIMELINE" "$T_DIR/mixed.jsonl"
assert_fails "--trace with -s is refused" "$SNOOP" -s --trace "$T_DIR/x.json"

# -W: the recorder keeps at most its budget (8 files of 1/8 each), the
# newest events included.
snoop_start -j -w "$T_DIR/small" -W 1 || fail "attaches with -W 1"
"$TOP/tests/helpers/xswire.py" hammer /t/h >"$T_DIR/hammer.out" 2>&1 &
hp=$!
wait_for 60 sh -c "[ \$(cat $T_DIR/small/* | wc -c) -gt 1200000 ] || \
	[ \$(ls $T_DIR/small | wc -l) -ge 8 ] && [ \$(du -cb $T_DIR/small/* | tail -1 | cut -f1) -gt 1000000 ]"
kill "$hp"; wait "$hp"
snoop_stop
bytes=$(cat "$T_DIR"/small/* | wc -c)
nfiles=$(ls "$T_DIR/small" | wc -l)
if [ "$bytes" -le $((1 << 20)) ] && [ "$bytes" -ge $((7 << 17)) ] && [ "$nfiles" -eq 8 ]; then
	ok "-W 1: 8 files holding between 7/8 MiB and 1 MiB ($bytes bytes)"
else
	fail "-W 1: 8 files holding between 7/8 MiB and 1 MiB ($nfiles files, $bytes bytes)"
fi
assert_eq "-W 1: the newest record is the snoop's last line" \
	"$(tail -n 1 "$SNOOP_OUT")" "$(cat "$T_DIR"/small/* | tail -n 1)"
assert_eq "-W 1: every kept line is a whole record" 0 \
	"$(cat "$T_DIR"/small/* | python3 -c '
import json, sys
bad = 0
for l in sys.stdin:
    try: json.loads(l)
    except ValueError: bad += 1
print(bad)')"
done_testing
