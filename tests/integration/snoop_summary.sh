#!/bin/bash
# snoop_summary.sh - xenstore-snoop -s: counts, errors, latency histograms
# per operation, domain and client process, slowest paths, transactions
# with their conflicts, printed at Ctrl-C (text and JSON); -i prints it
# every N seconds and -d stops by itself.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
snoop_start -s || fail "attaches with -s"
snoop_start -s -j || fail "attaches with -s -j"

session_start
S=$SESSION_PID
session write /s/a 1
session write /s/b 2
session read /s/a
session read /s/nope
session read /s/nope2
session_end
"$TOP/tests/helpers/xswire.py" conflict /s/c >"$T_DIR/conflict.out" 2>&1
snoop_stop 1
snoop_stop 2

text=$(cat "$T_DIR/snoop1.out")
assert_eq "nothing but the summary on stdout before Ctrl-C" 0 "$(grep -c '^DOM  PID' <<<"$text")"
re='^[0-9:]{8} summary over [0-9.]+ s: 11 requests \([0-9.]+/s\), 3 errors, 0 watch events, 0 lost$'
if [[ $(head -1 <<<"$text") =~ $re ]]; then ok "headline: requests, errors, lost"; else
	fail "headline"; echo "#   got: $(head -1 <<<"$text")"; fi
row() { grep -E "^$1 +$2 +$3 +[0-9]+\.[0-9] +[0-9]+\.[0-9]$" <<<"$text" >/dev/null; }
row XS_READ 4 2 && ok "per-op row: XS_READ 4 requests, 2 errors" || fail "XS_READ row"
row XS_WRITE 5 0 && ok "per-op row: XS_WRITE 5 requests" || fail "XS_WRITE row"
row XS_TRANSACTION_END 1 1 && ok "per-op row: the EAGAIN commit" || fail "XS_TRANSACTION_END row"
assert_has "error names" "ERRORS: ENOENT 2 EAGAIN 1" "$text"
if grep -qE '^TRANSACTIONS: 0 committed, 0 aborted, 1 EAGAIN, 0 failed, 0 dropped; 3\.0 ops each' <<<"$text"
then ok "transactions line"; else fail "transactions line"; fi
assert_has "the node behind the EAGAIN" "  EAGAIN conflict on /s/c: 1" "$text"
row 0 11 3 && ok "per-domain row" || fail "per-domain row"
if grep -qE "^0 +$S +python3 +5 +2 " <<<"$text"; then ok "per-process row with its command name"
else fail "per-process row"; fi
if grep -qE '^ +[0-9.]+ 0 +[0-9]+ +XS_[A-Z_]+ +/s/' <<<"$(sed -n '/^SLOWEST PATHS/,/^$/p' <<<"$text")"
then ok "slowest paths"; else fail "slowest paths"; fi
for h in "LATENCY BY OP" "LATENCY BY DOMAIN" "LATENCY BY PROCESS"; do
	assert_has "histograms: $h" "$h" "$text"
done
if grep -qE '^ +[0-9]+ -> [0-9]+ +: [0-9]+ +\|\*+ *\|$' <<<"$text"; then ok "histogram bars"
else fail "histogram bars"; fi

if python3 - "$T_DIR/snoop2.out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
s = json.loads(lines[0])
assert s["event"] == "summary" and s["requests"] == 11 and s["errors"] == 3, s
assert s["lost"] == 0 and s["watch_events"] == 0
assert s["ops"]["XS_READ"]["count"] == 4 and s["ops"]["XS_READ"]["errors"] == 2
assert sum(s["ops"]["XS_READ"]["hist_us"]) == 4
assert s["error_names"] == {"ENOENT": 2, "EAGAIN": 1}
assert s["transactions"]["eagain"] == 1 and s["transactions"]["conflicts"] == {"/s/c": 1}
assert [d["dom"] for d in s["domains"]] == [0]
assert s["processes"][0]["comm"] in ("python3", "xenstore-write") and s["slowest"]
PY
then ok "-s -j: the summary as one JSON object"; else fail "-s -j summary"; fi

# -i 1 -d 3: a summary every second, then it stops by itself.
snoop_start -s -i 1 -d 3 || fail "attaches with -i -d"
snoop_wait
assert_eq "-d: exits 0 by itself" 0 "$SNOOP_RC"
n=$(grep -c ' summary over ' "$SNOOP_OUT")
if [ "$n" -ge 2 ] && [ "$n" -le 4 ]; then ok "-i 1 -d 3: a summary every second ($n)"
else fail "-i: $n summaries"; fi
done_testing
