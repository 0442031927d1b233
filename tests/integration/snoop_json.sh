#!/bin/bash
# snoop_json.sh - xenstore-snoop -j prints one JSON object per event with
# every field: exact lines (the clock-dependent values masked) for a write,
# a read, an error, a transaction conflict with its node, and a watch event
# with its cause; every line parses as JSON; -c stops it by itself.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
snoop_start -j -c 12 || { fail "attaches"; done_testing; exit 1; }

w=$(pid_of xenstore-write /j/a hello)
m=$(pid_of xenstore-read /j/missing)
"$TOP/tests/helpers/xswire.py" conflict /j/c >"$T_DIR/conflict.out" 2>&1
py=$(sed -n 's/^pid //p' "$T_DIR/conflict.out")
watch_start /j/w || fail "xenstore-watch registers its watch"
wa=$WATCH_PID
wx=$(pid_of xenstore-write /j/w/x 1)
watch_wait
snoop_wait		# -c 12: exits by itself after the 12th event

assert_eq "-c COUNT: exits 0 by itself" 0 "$SNOOP_RC"
if python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$SNOOP_OUT"; then ok "every line is valid JSON"; else fail "every line is valid JSON"; fi

actual=$(sed -E 's/"time":[0-9.]+/"time":T/; s/"ts_ns":[0-9]+/"ts_ns":N/;
	s/"latency_ns":[0-9]+/"latency_ns":L/; s/"duration_ns":[0-9]+/"duration_ns":D/' "$SNOOP_OUT")
U='\u0000'
head='"time":T,"ts_ns":N'
expected="{$head,\"event\":\"request\",\"conn\":1,\"dom\":0,\"pid\":$w,\"comm\":\"xenstore-write\",\"req_id\":0,\"tx\":0,\"op\":\"XS_WRITE\",\"type\":11,\"path\":\"/j/a\",\"request\":\"/j/a${U}hello\",\"request_len\":10,\"reply\":\"OK${U}\",\"reply_len\":3,\"error\":null,\"errno\":0,\"latency_ns\":L}
{$head,\"event\":\"request\",\"conn\":2,\"dom\":0,\"pid\":$m,\"comm\":\"xenstore-read\",\"req_id\":0,\"tx\":0,\"op\":\"XS_READ\",\"type\":2,\"path\":\"/j/missing\",\"request\":\"/j/missing${U}\",\"request_len\":11,\"reply\":\"ENOENT${U}\",\"reply_len\":7,\"error\":\"ENOENT\",\"errno\":2,\"latency_ns\":L}
{$head,\"event\":\"request\",\"conn\":3,\"dom\":0,\"pid\":$py,\"comm\":\"python3\",\"req_id\":1,\"tx\":0,\"op\":\"XS_WRITE\",\"type\":11,\"path\":\"/j/c\",\"request\":\"/j/c${U}base\",\"request_len\":9,\"reply\":\"OK${U}\",\"reply_len\":3,\"error\":null,\"errno\":0,\"latency_ns\":L}
{$head,\"event\":\"request\",\"conn\":3,\"dom\":0,\"pid\":$py,\"comm\":\"python3\",\"req_id\":2,\"tx\":0,\"op\":\"XS_TRANSACTION_START\",\"type\":6,\"request\":\"${U}\",\"request_len\":1,\"reply\":\"1${U}\",\"reply_len\":2,\"error\":null,\"errno\":0,\"latency_ns\":L}
{$head,\"event\":\"request\",\"conn\":3,\"dom\":0,\"pid\":$py,\"comm\":\"python3\",\"req_id\":3,\"tx\":1,\"op\":\"XS_READ\",\"type\":2,\"path\":\"/j/c\",\"request\":\"/j/c${U}\",\"request_len\":5,\"reply\":\"base\",\"reply_len\":4,\"error\":null,\"errno\":0,\"latency_ns\":L}
{$head,\"event\":\"request\",\"conn\":3,\"dom\":0,\"pid\":$py,\"comm\":\"python3\",\"req_id\":4,\"tx\":1,\"op\":\"XS_WRITE\",\"type\":11,\"path\":\"/j/c\",\"request\":\"/j/c${U}from-A\",\"request_len\":11,\"reply\":\"OK${U}\",\"reply_len\":3,\"error\":null,\"errno\":0,\"latency_ns\":L}
{$head,\"event\":\"request\",\"conn\":4,\"dom\":0,\"pid\":$py,\"comm\":\"python3\",\"req_id\":1,\"tx\":0,\"op\":\"XS_WRITE\",\"type\":11,\"path\":\"/j/c\",\"request\":\"/j/c${U}from-B\",\"request_len\":11,\"reply\":\"OK${U}\",\"reply_len\":3,\"error\":null,\"errno\":0,\"latency_ns\":L}
{$head,\"event\":\"request\",\"conn\":3,\"dom\":0,\"pid\":$py,\"comm\":\"python3\",\"req_id\":5,\"tx\":1,\"op\":\"XS_TRANSACTION_END\",\"type\":7,\"request\":\"T${U}\",\"request_len\":2,\"reply\":\"EAGAIN${U}\",\"reply_len\":7,\"error\":\"EAGAIN\",\"errno\":11,\"latency_ns\":L,\"txn\":{\"tx\":1,\"result\":\"eagain\",\"nodes\":1,\"ops\":3,\"duration_ns\":D,\"conflict\":\"/j/c\"}}
{$head,\"event\":\"request\",\"conn\":5,\"dom\":0,\"pid\":$wa,\"comm\":\"xenstore-watch\",\"req_id\":0,\"tx\":0,\"op\":\"XS_WATCH\",\"type\":4,\"path\":\"/j/w\",\"request\":\"/j/w${U}/j/w${U}\",\"request_len\":10,\"reply\":\"OK${U}\",\"reply_len\":3,\"error\":null,\"errno\":0,\"latency_ns\":L}
{$head,\"event\":\"watch_event\",\"conn\":5,\"dom\":0,\"pid\":$wa,\"comm\":\"xenstore-watch\",\"tx\":null,\"op\":\"XS_WATCH_EVENT\",\"type\":15,\"path\":\"/j/w\",\"token\":\"/j/w\",\"cause\":{\"conn\":5,\"req_id\":0,\"dom\":0,\"pid\":$wa,\"op\":\"XS_WATCH\",\"arg\":\"/j/w\",\"comm\":\"xenstore-watch\"}}
{$head,\"event\":\"watch_event\",\"conn\":5,\"dom\":0,\"pid\":$wa,\"comm\":\"xenstore-watch\",\"tx\":null,\"op\":\"XS_WATCH_EVENT\",\"type\":15,\"path\":\"/j/w/x\",\"token\":\"/j/w\",\"cause\":{\"conn\":6,\"req_id\":0,\"dom\":0,\"pid\":$wx,\"op\":\"XS_WRITE\",\"arg\":\"/j/w/x\",\"comm\":\"xenstore-write\"}}
{$head,\"event\":\"request\",\"conn\":6,\"dom\":0,\"pid\":$wx,\"comm\":\"xenstore-write\",\"req_id\":0,\"tx\":0,\"op\":\"XS_WRITE\",\"type\":11,\"path\":\"/j/w/x\",\"request\":\"/j/w/x${U}1\",\"request_len\":8,\"reply\":\"OK${U}\",\"reply_len\":3,\"error\":null,\"errno\":0,\"latency_ns\":L}"
assert_lines "JSON lines with every field (clock values masked)" "$expected" "$actual"
assert_eq "every line has a real timestamp and latency" 0 \
	"$(grep -vcE '"time":[0-9]{10}\.[0-9]{6},"ts_ns":[1-9][0-9]*,' "$SNOOP_OUT")"
done_testing
