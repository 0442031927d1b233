# tests/helpers/guest.sh - simulated guest domains for the integration
# tests (sourced after tests/lib.sh and tests/helpers/protocol.sh; the
# advisory tests' tests/helpers/xsa.sh sources it too): the one place that
# starts, boots and drives simulated guests.  Every guest is a separate
# `xenstore-sim guest N` process talking over domain N's real shared ring
# page; dom0 is the same tool over the socket.
#
#   need_sim                 fails unless build/xenstore-sim is built
#   start_sim_xenstored ARGS our xenstored serving the simulated guests
#                            (SIM_DIR set), through the backend XS_HV names:
#                            sim (default) is --hypervisor=sim; xen is
#                            --hypervisor=xen, the real Xen backend, with
#                            the libxen stand-in tests/peers/xenstub.c
#                            preloaded (domain 0's kernel ring included)
#   sim ARGS...              xenstore-sim ARGS (create, introduce, shutdown...)
#   boot_domain [-b] N [PERMS]
#                            the hypervisor creates N, the toolstack makes
#                            /local/domain/N with PERMS (default nN: the
#                            guest owns its home) and, unless -b (a bare
#                            home: quota tests count its nodes), its domid
#                            and name nodes, then introduces N
#   guest [OPTS] N|dom0 REQ...
#                            runs the requests as that domain (OPTS are
#                            xenstore-sim guest's: -f FILE, -t MS, -e);
#                            prints one "REQ -> RESULT" line per request
#                            and the watch events that arrived meanwhile as
#                            "event PATH TOKEN" lines before the request
#                            they came with.  A test that needs the guest's
#                            process itself (bg_open, timeout, &) runs
#                            "$SIM" guest directly.
#   dom0 REQ...              guest dom0 REQ...
#   res N|dom0 REQ           the RESULT of one request alone
#   need_peer_tools          finds Xen's xenstore-control and our xsdomctl
#                            (tests/peers), or fails
#   xsctl ARGS / domctl ARGS runs them
#   ring_field N OFFSET      a 32-bit field of domain N's ring page
#   daemon_rss               VmRSS of the daemon in KiB
#
# Long-running guests, one process each, fed one request at a time
# (the guest process reads requests from a fifo):
#   gopen NAME N|dom0 [OPTS] starts it
#   greq NAME REQ            sends REQ; R = its result (events arriving
#                            meanwhile are queued for gevent)
#   gevent NAME              E = the next watch event "PATH TOKEN" (waits
#                            for one with an `events 1` request); fails on
#                            timeout
#   gclose NAME              ends it (and reaps the process)
#
# dom0's view of domain events, without waiting for "no event":
#   dom0_watcher REQ...      gopen W dom0, one watch request each (e.g.
#                            "watch @releaseDomain rel"), plus a watch on
#                            /barrier; the initial events are consumed
#   since_barrier            dom0 writes /barrier; prints the events W got
#                            before the barrier's own, sorted (nothing when
#                            the step caused none); fine in $(...), as W
#                            never has events queued between steps

# The tool is not what is under test: the sanitizer build may borrow it.
SIM=${SIM:-$BUILD/xenstore-sim}
[ -x "$SIM" ] || SIM=$TOP/build/xenstore-sim
G_TIMEOUT=${G_TIMEOUT:-15}
declare -A G_IN G_OUT G_PID G_EVENTS

XS_HV=${XS_HV:-sim}

need_sim() {
	[ -x "$SIM" ] && [ -x "$XENSTORED" ] &&
		{ [ "$XS_HV" = sim ] || [ -e "$BUILD/tests/libxenstub.so" ]; }
}

start_sim_xenstored() {
	SIM_DIR=$T_DIR/run/sim
	case $XS_HV in
	sim) start_xenstored --hypervisor=sim "$@" ;;
	xen)
		# The sanitizer's runtime would insist on coming first.
		mkdir -p "$SIM_DIR" && "$SIM" -d "$SIM_DIR" create 0 || return 1
		XSD_ENV=(XENSTUB_DIR="$SIM_DIR" LD_PRELOAD="$BUILD/tests/libxenstub.so"
			ASAN_OPTIONS=verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS})
		start_xenstored --hypervisor=xen "$@"
		local rc=$?
		XSD_ENV=()
		return $rc ;;
	*) echo "# XS_HV=$XS_HV: expected sim or xen"; return 1 ;;
	esac
}

sim() { "$SIM" "$@"; }

# The guest tool prints "REQ -> " first, then any watch event that came
# before the reply (one "event P T" line each), then the result.  This
# puts the events on lines of their own, ahead of "REQ -> RESULT".
normalize() {
	awk '
	pending != "" { if ($0 ~ /^event /) { print; fflush(); next }
		print pending $0; fflush(); pending = ""; next }
	{ i = index($0, " -> ")
	  if (i == 0) { print; fflush(); next }
	  req = substr($0, 1, i + 3); rest = substr($0, i + 4)
	  if (rest ~ /^event /) { print rest; fflush(); pending = req; next }
	  print; fflush() }'
}

guest() { "$SIM" guest "$@" 2>&1 | normalize; }

dom0() { guest dom0 "$@"; }

res() {
	guest "$1" "$2" | grep -v '^event ' | sed -n 's/^.* -> //p' | head -1
}

boot_domain() {
	local bare= n perms out
	[ "$1" = -b ] && { bare=1; shift; }
	n=$1 perms=${2:-n$1}
	local reqs=("mkdir /local/domain/$n" "setperms /local/domain/$n $perms")
	[ -n "$bare" ] ||
		reqs+=("write /local/domain/$n/domid $n" "write /local/domain/$n/name guest$n")
	sim create "$n" || return 1
	out=$("$SIM" guest -e dom0 "${reqs[@]}" 2>&1) || {
		echo "# toolstack for domain $n: $out"; return 1; }
	sim introduce "$n"
}

# need_peer_tools: XSCTL and XSDOMCTL from tests/peers, or fails.
need_peer_tools() {
	XSCTL=$("$PEERS/peers.sh" bin xenstore-control 2>/dev/null) &&
		XSDOMCTL=$("$PEERS/peers.sh" bin xsdomctl 2>/dev/null)
}
xsctl() { "$XSCTL" "$@" 2>&1; }
domctl() { "$XSDOMCTL" "$@" 2>&1; }

ring_field() {
	od -An -tu4 -j "$2" -N 4 "$SIM_DIR/$1/ring" | tr -d ' '
}

daemon_rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$XSD_PID/status"
}

gopen() {
	local name=$1 who=$2 fifo_in=$T_DIR/g-$1.in fifo_out=$T_DIR/g-$1.out
	shift 2
	rm -f "$fifo_in" "$fifo_out"
	mkfifo "$fifo_in" "$fifo_out"
	# The child must not hold the other guests' request fifos open.
	(
		for fd in "${G_IN[@]}" "${G_OUT[@]}"; do exec {fd}>&-; done
		exec "$SIM" guest "$@" -f - "$who" <"$fifo_in" >"$fifo_out" 2>&1
	) &
	G_PID[$name]=$!
	T_PIDS+=("$!")
	local in out
	exec {in}>"$fifo_in"
	exec {out}<"$fifo_out"
	G_IN[$name]=$in G_OUT[$name]=$out G_EVENTS[$name]=
}

# gline NAME: L = the next line of the guest's output (bounded wait).
gline() {
	L=
	IFS= read -r -t "$G_TIMEOUT" -u "${G_OUT[$1]}" L
}

greq() {
	local name=$1 rest
	R=
	printf '%s\n' "$2" >&"${G_IN[$name]}" || { R=DEAD; return 1; }
	gline "$name" || { R=TIMEOUT; return 1; }
	rest=${L#*" -> "}
	while [[ $rest == "event "* ]]; do
		G_EVENTS[$name]+="${rest#event }"$'\n'
		gline "$name" || { R=TIMEOUT; return 1; }
		rest=$L
	done
	R=$rest
}

gevent() {
	local name=$1 q
	E=
	q=${G_EVENTS[$name]}
	if [ -z "$q" ]; then
		printf 'events 1\n' >&"${G_IN[$name]}" || return 1
		gline "$name" || return 1       # "events 1 -> "
		gline "$name" || return 1
		[[ $L == "event "* ]] || { E=$L; return 1; }
		E=${L#event }
		return 0
	fi
	E=${q%%$'\n'*}
	G_EVENTS[$name]=${q#*$'\n'}
}

dom0_watcher() {
	local w
	gopen W dom0
	for w in "$@" "watch /barrier barrier"; do
		if ! greq W "$w" || ! gevent W; then
			echo "# dom0 watcher: $w: $R $E"
			return 1
		fi
	done
	N_BARRIER=0
}

since_barrier() {
	local got=()
	N_BARRIER=$((N_BARRIER + 1))
	xenstore-write /barrier "$N_BARRIER"
	while gevent W && [ "$E" != "/barrier barrier" ]; do got+=("$E"); done
	[ "$E" == "/barrier barrier" ] || got+=("(no barrier event: $E)")
	[ ${#got[@]} -eq 0 ] || printf '%s\n' "${got[@]}" | sort
}

gclose() {
	local name=$1 fd
	[ -n "${G_PID[$name]:-}" ] || return 0
	# A line the guest does not know ends it ("unknown request"), even
	# if some other child of this shell inherited the fifo.
	printf 'quit\n' >&"${G_IN[$name]}"
	fd=${G_IN[$name]}
	exec {fd}>&-
	while IFS= read -r -t "$G_TIMEOUT" -u "${G_OUT[$name]}" _; do :; done
	kill "${G_PID[$name]}" 2>/dev/null
	wait "${G_PID[$name]}" 2>/dev/null
	fd=${G_OUT[$name]}
	exec {fd}<&-
	unset "G_PID[$name]" "G_IN[$name]" "G_OUT[$name]"
}
