# tests/helpers/xsa.sh - helpers for the advisory tests (tests/integration/
# xsa_*.sh), sourced after tests/lib.sh and tests/helpers/protocol.sh.
# Guests are tests/helpers/guest.sh's (sourced here): guest, dom0, sim,
# boot_domain.
#
#   start_sim [ARGS...]   starts our daemon on the simulated hypervisor
#                         (start_sim_xenstored: extra daemon ARGS); SIM_DIR
#   new_guest N           boot_domain -b N "n0 bN": a bare home the guest
#                         may write but dom0 owns
#   result REQUEST-LINES  the "-> RESULT" parts of xenstore-sim output
#   bg_open VAR CMD...    starts CMD with its output on a new fd (VAR_FD,
#                         pid VAR_PID); bg_line VAR LINEVAR reads its next
#                         line (fails after $BG_TIMEOUT s), bg_until VAR
#                         GLOB reads up to a matching line, bg_events VAR
#                         EVENT up to an event record (the others seen on
#                         the way are in BG_EVENTS): the way to wait for a
#                         background client, no sleeps
#   rss_kb                the daemon's VmRSS in kB
#   under_asan            true when the daemon is a sanitizer build (its
#                         memory use then says nothing about ours)
#   attack ARGS...        tests/helpers/xsattack.py ($XSATTACK, for bg_open)
#   daemon_check          CONTROL check over the socket: prints OK or the
#                         problems found

. "$(dirname "${BASH_SOURCE[0]}")/guest.sh"

start_sim() {
	need_sim || { echo "# no $SIM (make sim)"; return 1; }
	start_sim_xenstored "$@"
}

new_guest() { boot_domain -b "$1" "n0 b$1" >/dev/null; }

# The result of each request in xenstore-sim output, one per line (watch
# events, which may be printed between a request and its result, are
# left out; "events N" requests have no result).
result() {
	awk '
	function flush() { if (pending) { print ""; pending = 0 } }
	{
		i = index($0, " -> ")
		if (i) {
			flush()
			r = substr($0, i + 4)
			if (r ~ /^event /) { r = "" }
			if (r != "") print r
			else if (substr($0, 1, 7) != "events ") pending = 1
		} else if (pending && $0 !~ /^event /) { print; pending = 0 }
	}
	END { flush() }'
}

BG_TIMEOUT=${BG_TIMEOUT:-20}
bg_open() {
	local var=$1
	shift
	local fd
	exec {fd}< <(exec "$@" 2>&1)
	printf -v "${var}_FD" %s "$fd"
	printf -v "${var}_PID" %s "$!"
	T_PIDS+=("$!")
}

bg_line() {
	local fdvar=${1}_FD
	local -n _out=$2
	_out=
	IFS= read -r -t "$BG_TIMEOUT" -u "${!fdvar}" _out
}

# bg_until VAR PATTERN: reads lines until one matches (or times out);
# the matching line is left in BG_LAST, the others read on the way in
# BG_SEEN (for failure messages).
bg_until() {
	local line
	BG_SEEN=
	while bg_line "$1" line; do
		BG_LAST=$line
		[[ "$line" == $2 ]] && return 0
		BG_SEEN+="$line"$'\n'
	done
	BG_LAST=
	return 1
}

# bg_events VAR EVENT: reads lines until the event record EVENT ("event
# PATH TOKEN") has been seen; sets BG_EVENTS to every event record read
# before it, one per line.  Fails on timeout.
bg_events() {
	local line rec
	BG_EVENTS=
	while bg_line "$1" line; do
		while read -r rec; do
			[ "$rec" == "$2" ] && return 0
			BG_EVENTS+="$rec"$'\n'
		done < <(grep -o 'event [^ ]* [^ ]*' <<<"$line" | sed 's/ *$//')
	done
	return 1
}

bg_close() {
	local pidvar=${1}_PID fdvar=${1}_FD
	kill "${!pidvar}" 2>/dev/null
	wait "${!pidvar}" 2>/dev/null
	eval "exec ${!fdvar}<&-"
}

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$XSD_PID/status"; }

under_asan() {
	ldd "$XENSTORED" 2>/dev/null | grep -q 'libasan' ||
		nm -D "$XENSTORED" 2>/dev/null | grep -q '__asan_init'
}

XSATTACK=$TOP/tests/helpers/xsattack.py
attack() { "$XSATTACK" "$@"; }

daemon_check() {
	dom0 'raw 0 check|' | sed -n 's/^raw 0 check| -> XS_CONTROL //p'
}
