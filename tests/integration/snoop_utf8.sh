#!/bin/bash
# snoop_utf8.sh - xenstore-snoop shows UTF-8 as text: in its lines,
# characters that draw appear as themselves, while bytes that are not
# UTF-8, control characters and characters that rewrite a line (a
# right-to-left override) stay escaped as \xNN; with -j the payloads are
# real Unicode (é is "é", not two code points), and bytes that are not
# UTF-8 come back exactly through Python's surrogateescape.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
# xenstore-write turns \xNN into the byte.
VALUE='héllo ☃ 𝄞 \xff\xc3( \xe2\x80\xae end'
BYTES=$(printf 'héllo ☃ 𝄞 \xff\xc3( \xe2\x80\xae end' | od -An -tx1 | tr -d ' \n')

snoop_start -c 1 || { fail "attaches"; done_testing; exit 1; }
w=$(pid_of xenstore-write /u/v "$VALUE")
snoop_wait
assert_eq "text: UTF-8 as text, other bytes and a line-rewriting character escaped" \
	"$(fmt 0 "$w" 0 'XS_WRITE: /u/v héllo ☃ 𝄞 \xff\xc3( \xe2\x80\xae end -> OK')" \
	"$(snoop_lines | sed 's/ *$//')"
grep -qE '^Detached from xenstored PID [0-9]+: 1 event, 0 lost$' "$SNOOP_ERR" &&
	ok "singular for one: \"1 event\"" || { fail "singular for one"; sed 's/^/#   /' "$SNOOP_ERR"; }

snoop_start -j -c 1 || { fail "attaches with -j"; done_testing; exit 1; }
pid_of xenstore-write /u/v "$VALUE" >/dev/null
snoop_wait
line=$(cat "$SNOOP_OUT")
[[ $line == *'"request":"/u/v\u0000héllo ☃ 𝄞 \udcff\udcc3( \u202e end"'* ]] &&
	ok "-j: UTF-8 is its characters, a non-UTF-8 byte B is \\uDCBB, an override \\u202e" ||
	{ fail "-j payload as Unicode"; echo "#   got: $line"; }
got=$(python3 -c '
import json, sys
e = json.loads(sys.stdin.read())
raw = e["request"].encode("utf-8", "surrogateescape")
assert len(raw) == e["request_len"], (len(raw), e["request_len"])
print(raw.split(b"\0", 1)[1].hex())
' <<<"$line" 2>&1)
assert_eq "-j: the payload's bytes come back exactly (surrogateescape), as many as request_len" \
	"$BYTES" "$got"
done_testing
