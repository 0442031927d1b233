#!/bin/bash
# timeline_convert.sh - xenstore-timeline on input it cannot trust (no BPF
# needed): a recorded session (tests/helpers/timeline-session.jsonl, from
# `xenstore-snoop -j`: writes, a read error, an EAGAIN transaction, a
# watch and its events) draws into a valid trace with its transaction and
# causality; the same session with thousands of corrupted and cut lines
# mixed in is still drawn, every bad line counted, the trace still valid;
# an empty input gives a valid empty trace; a missing file is an error.
. "$(dirname "$0")/../lib.sh"
TIMELINE=$BUILD/tools/xenstore-timeline
CHECK=$TOP/tests/helpers/trace_check.py
SESSION=$TOP/tests/helpers/timeline-session.jsonl
[ -x "$TIMELINE" ] || { fail "xenstore-timeline is built (make)"; done_testing; exit 1; }

assert_cmd "the recorded session is drawn" "$TIMELINE" -t "$T_DIR/s.json" -H "$T_DIR/s.html" "$SESSION"
assert_cmd "... into a valid trace" "$CHECK" validate "$T_DIR/s.json"
summary=$("$CHECK" summary "$T_DIR/s.json")
assert_eq "... with the EAGAIN transaction and its node" 1 \
	"$(grep -c '^txn dom0 pid [0-9]* python3 | txn 1 eagain (conflict on /j/c)$' <<<"$summary")"
assert_eq "... and the write that fired the watch, arrowed to its event" 1 \
	"$(grep -c '^flow watch dom0 pid [0-9]* xenstore-write | XS_WRITE /j/w/x -> dom0 pid [0-9]* xenstore-watch | XS_WATCH_EVENT /j/w/x$' <<<"$summary")"
assert_eq "... and the page has an arrow per request, reply and event (10 + 10 + 2)" 22 \
	"$(grep -o '<line class="arrow"' "$T_DIR/s.html" | wc -l)"

# Every line 30 times corrupted (1-4 random bytes) and 30 times cut short.
python3 - "$SESSION" >"$T_DIR/bad.jsonl" <<'PY'
import random, sys
random.seed(13)
for line in open(sys.argv[1], encoding="latin1").read().splitlines():
    print(line)
    for _ in range(30):
        b = bytearray(line.encode("latin1"))
        for _ in range(random.randint(1, 4)):
            b[random.randrange(len(b))] = random.randrange(256)
        print(b.decode("latin1").replace("\n", " "))
        print(line[:random.randrange(len(line))])
for deep in ("[" * 40 + "]" * 40, '"\\ud800"', '{"event":"request","ts_ns":5,"latency_ns":99999999999}',
             '{"event":"watch_event","ts_ns":1,"cause":{"conn":1,"req_id":0}}',
             '{"event":"request","ts_ns":3,"stack":["a;b",1,null],"py_stack":[]}'):
    print(deep)
PY
"$TIMELINE" -t "$T_DIR/bad.json" -H "$T_DIR/bad.html" "$T_DIR/bad.jsonl" 2>"$T_DIR/bad.err"
assert_eq "corrupted input: drawn anyway" 0 $?
assert_eq "... bad lines counted" 1 "$(grep -cE 'skipped [0-9]+ lines that are not snoop records' "$T_DIR/bad.err")"
assert_cmd "... and the trace is valid" "$CHECK" validate "$T_DIR/bad.json"
assert_cmd "empty input: drawn" "$TIMELINE" -t "$T_DIR/e.json" /dev/null
assert_cmd "... into a valid empty trace" "$CHECK" validate "$T_DIR/e.json"
assert_fails "a missing input file is an error" "$TIMELINE" -t "$T_DIR/m.json" "$T_DIR/nothing"
done_testing
