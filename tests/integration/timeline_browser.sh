#!/bin/bash
# timeline_browser.sh - the page xenstore-snoop --html writes, loaded in a
# real browser (headless Chromium): for a known session (a simulated
# guest writes and watches, a dom0 write fires its watch, a dom0 read)
# the page's script counts the drawn lanes and arrows; hiding dom0 leaves
# the daemon's and the guest's; hovering the dom0 write highlights it and
# the watch event it caused; the page loads nothing from outside; a
# screenshot is saved ($BUILD/timeline-browser.png).  The trace file of
# the same session is valid trace-event JSON.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { fail "chromium is installed (scripts/install-deps.sh)"; done_testing; exit 1; }

# browser ARGS... URL: one headless run, in a fresh profile, offline.
browser() {
	local profile
	profile=$(mktemp -d "$T_DIR/chrome.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$profile" "$@" 2>>"$T_DIR/chromium.err"
}

# body_attr DOM NAME: data-NAME of <body> in a dumped DOM.
body_attr() {
	grep -o "<body[^>]*>" <<<"$1" | grep -o "data-$2=\"[^\"]*\"" | cut -d'"' -f2
}

start_sim_xenstored || { fail "daemon starts"; done_testing; exit 1; }
boot_domain 1 >"$T_DIR/boot" 2>&1 || { fail "domain 1 boots"; sed 's/^/#   /' "$T_DIR/boot"; }
PAGE=$T_DIR/session.html
snoop_start --html "$PAGE" --trace "$T_DIR/session.json" -c 6 || fail "attaches"
guest 1 'write n/1 v' 'watch n w1' >/dev/null	# 2 requests, the watch's first event
w=$(pid_of xenstore-write /local/domain/1/n/1 x)	# its event to the guest
r=$(pid_of xenstore-read /local/domain/1/n/1)
snoop_wait
assert_eq "the snoop wrote the page" 0 "$SNOOP_RC"
assert_cmd "the trace of the same session is valid" "$TOP/tests/helpers/trace_check.py" \
	validate "$T_DIR/session.json"

assert_eq "the page loads nothing from outside (no src=, href= or url(http)" 0 \
	"$(grep -cE '(src|href)=|url\(http|@import' "$PAGE")"

dom=$(browser --dump-dom "file://$PAGE")
assert_eq "the page's script ran in the browser" 1 "$(body_attr "$dom" ready)"
# 4 lanes: the daemon, guest 1, xenstore-write, xenstore-read; arrows: 4
# requests x (request + reply) + 2 watch events.
assert_eq "lanes drawn: the daemon and 3 clients" 4 "$(body_attr "$dom" lanes)"
assert_eq "arrows drawn: 4 requests, 4 replies, 2 watch events" 10 "$(body_attr "$dom" arrows)"
assert_eq "#status says so" "4 lanes, 10 arrows shown" \
	"$(grep -o '<p id="status">[^<]*' <<<"$dom" | sed 's/.*>//')"

dom=$(browser --dump-dom "file://$PAGE#hide=0")
assert_eq "dom0 hidden: the daemon's and the guest's lanes remain" 2 "$(body_attr "$dom" lanes)"
assert_eq "dom0 hidden: the guest's 2 requests, 2 replies and 2 events remain" 6 \
	"$(body_attr "$dom" arrows)"

ev=$(grep -o "data-ev=\"[0-9]*\" data-dom=\"0\"><title>XS_WRITE /local/domain/1/n/1" "$PAGE" |
	head -n 1 | cut -d'"' -f2)
dom=$(browser --dump-dom "file://$PAGE#hover=$ev")
assert_eq "hovering the dom0 write highlights it (request, reply) and its event" 3 \
	"$(body_attr "$dom" highlighted)"
assert_eq "... the event being the guest's (dom1) watch event" 1 \
	"$(grep -cE '<g class="msg event hl" data-ev="[0-9]+" data-dom="1" data-cause="'"$ev"'"' <<<"$dom")"

shot=$BUILD/timeline-browser.png
rm -f "$shot"
browser --screenshot="$shot" --window-size=1100,700 --hide-scrollbars "file://$PAGE" >/dev/null
if [ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' ')" == 89504e470d0a1a0a ]; then
	ok "screenshot saved as a PNG: $shot"
else
	fail "screenshot saved as a PNG: $shot"; sed 's/^/#   /' "$T_DIR/chromium.err" | tail -5
fi
done_testing
