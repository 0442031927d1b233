#!/bin/bash
# man_pages.sh - xenstored(8), xenstore-snoop(8), xenstore-sim(1) and
# xenstore-timeline(1) render with `man -l` without a warning, and every
# option a program's --help names (and every ignored compatibility option) is in its page.
. "$(dirname "$0")/../lib.sh"

command -v man >/dev/null || skip_all "man is not installed (scripts/install-deps.sh installs man-db)"

# check_page PAGE HELP_TEXT: renders PAGE; each option of HELP_TEXT in it.
check_page() {
	local page=$1 help=$2 name text warnings opt opts missing=()
	name=$(basename "$page")
	warnings=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -z "$warnings" ] && LC_ALL=C man -l "$page" >/dev/null 2>&1; then
		ok "$name: man -l renders it without a warning"
	else
		fail "$name: man -l renders it without a warning"; sed 's/^/#   /' <<<"$warnings" | head
	fi
	# Wide lines: no option is hyphenated across a line break.
	text=$(LC_ALL=C MANWIDTH=250 man -l "$page" 2>/dev/null | col -b)
	opts=$(grep -oE '(^|[ ,|[])(-[A-Za-z?]|--[a-z][a-z-]*[a-z])' <<<"$help" |
		sed 's/^[ ,|[]//' | sort -u)
	[ "$(wc -l <<<"$opts")" -ge 3 ] || fail "$name: options found in --help ($opts)"
	for opt in $opts; do
		grep -qE -- "(^|[^A-Za-z0-9-])$(sed 's/[?]/[?]/' <<<"$opt")([^A-Za-z0-9-]|$)" <<<"$text" ||
			missing+=("$opt")
	done
	assert_eq "$name: every option of --help is in the page" "" "${missing[*]}"
}

check_page "$TOP/src/xenstored.8" "$("$XENSTORED" --help)"
check_page "$TOP/tools/sim/xenstore-sim.1" "$("$BUILD/xenstore-sim" --help)"
if [ -x "$BUILD/tools/xenstore-snoop" ]; then
	check_page "$TOP/tools/snoop/xenstore-snoop.8" "$("$BUILD/tools/xenstore-snoop" --help)"
else
	skip "xenstore-snoop.8" "xenstore-snoop is not built here (no kernel BTF)"
fi
if [ -x "$BUILD/tools/xenstore-timeline" ]; then
	check_page "$TOP/tools/snoop/xenstore-timeline.1" "$("$BUILD/tools/xenstore-timeline" --help)"
else
	skip "xenstore-timeline.1" "xenstore-timeline is not built here"
fi
done_testing
