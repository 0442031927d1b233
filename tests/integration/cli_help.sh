#!/bin/bash
# cli_help.sh - every program answers -h and --help alike: usage on
# stdout, nothing on stderr, exit 0; an unknown option is named on
# stderr with exit 2; the daemon and the snoop say their version.
. "$(dirname "$0")/../lib.sh"

progs=("$XENSTORED" "$BUILD/xenstore-sim" "$BUILD/bench/nulld" "$BUILD/bench/xsload")
[ -x "$BUILD/tools/xenstore-snoop" ] && progs+=("$BUILD/tools/xenstore-snoop") ||
	skip "xenstore-snoop -h, --help" "xenstore-snoop is not built here (no kernel BTF)"

for p in "${progs[@]}"; do
	name=$(basename "$p")
	if [ ! -x "$p" ]; then fail "$name is built"; continue; fi
	short=$("$p" -h 2>"$T_DIR/h.err"); rc_short=$?
	long=$("$p" --help 2>"$T_DIR/help.err"); rc_long=$?
	if [ "$rc_short" = 0 ] && [ "$rc_long" = 0 ] && [ "$short" == "$long" ] &&
	   [[ $short == Usage:* ]] && [ ! -s "$T_DIR/h.err" ] && [ ! -s "$T_DIR/help.err" ]; then
		ok "$name: -h and --help print the same usage on stdout, exit 0"
	else
		fail "$name: -h and --help (exit $rc_short/$rc_long)"
		head -3 <<<"$short" | sed 's/^/#   -h: /'; head -3 "$T_DIR/h.err" "$T_DIR/help.err" | sed 's/^/#   /'
	fi
	"$p" --no-such-option >"$T_DIR/bad.out" 2>"$T_DIR/bad.err"; rc=$?
	if [ "$rc" = 2 ] && grep -q -- "no-such-option" "$T_DIR/bad.err"; then
		ok "$name: an unknown option is named on stderr, exit 2"
	else
		fail "$name: an unknown option (exit $rc)"; head -3 "$T_DIR/bad.err" | sed 's/^/#   /'
	fi
done

v=$(cat "$TOP/VERSION")
assert_eq "xenstored --version" "xenstored $v" "$("$XENSTORED" --version 2>&1)"
[ -x "$BUILD/tools/xenstore-snoop" ] &&
	assert_eq "xenstore-snoop --version" "xenstore-snoop $v" "$("$BUILD/tools/xenstore-snoop" --version 2>&1)"
done_testing
