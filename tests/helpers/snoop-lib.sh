# tests/helpers/snoop-lib.sh - helpers for the xenstore-snoop tests
# (tests/integration/snoop_*.sh), sourced after tests/lib.sh.
#
#   snoop_require          skips the whole test (one "ok 1 - ... # SKIP
#                          reason") when BPF is truly unavailable here: no
#                          kernel BTF, no uprobe PMU, or no root with
#                          CAP_SYS_ADMIN; fails when the tool or the daemon
#                          was simply not built
#   snoop_start ARGS...    starts xenstore-snoop number $SNOOP_N (stdout ->
#                          $SNOOP_OUT, stderr -> $SNOOP_ERR), returns once
#                          it printed "Attached to xenstored PID N" on
#                          stderr (read from a FIFO: no polling)
#   snoop_stop [N]         SIGINT, then waits for it to exit; $SNOOP_RC
#   snoop_wait [N]         waits for it to exit by itself (-c, -d); $SNOOP_RC
#   snoop_lines [N]        its stdout without the header line
#   pid_of CMD...          runs CMD in the background, waits, prints its PID
#                          (the PID the daemon sees); output goes to $T_DIR/cmd.out
SNOOP=${SNOOP:-$BUILD/tools/xenstore-snoop}
# The daemon these tests trace is a copy of its own.  A tracer attaches to
# a binary (its inode): on the shared one it would enable the probes of
# every other test's daemon and see their semaphores set, so the tracing
# tests could only run one at a time.
if [ "$XENSTORED" = "$BUILD/xenstored" ] && [ -x "$XENSTORED" ]; then
	mkdir -p "$T_DIR/bin" && cp "$XENSTORED" "$T_DIR/bin/xenstored" &&
		XENSTORED=$T_DIR/bin/xenstored
fi
SNOOP_PID=
SNOOP_RC=
SNOOP_N=0
SNOOP_PIDS=()
SNOOP_CATS=()

snoop_skip_all() {
	skip_all "$*"
}

snoop_require() {
	[ -r /sys/kernel/btf/vmlinux ] ||
		snoop_skip_all "BPF unavailable: the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	[ -d /sys/bus/event_source/devices/uprobe ] ||
		snoop_skip_all "BPF unavailable: the kernel has no uprobe PMU"
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	if [ "$(id -u)" != 0 ] || ! (( 0x$eff & (1 << 21) )); then
		snoop_skip_all "BPF unavailable: attaching uprobes needs root with CAP_SYS_ADMIN"
	fi
	if [ ! -x "$SNOOP" ]; then
		echo "# $SNOOP missing: run make"; fail "xenstore-snoop is built"; done_testing; exit 1
	fi
	if [ ! -x "$XENSTORED" ] || [ ! -x "$BUILD/tests/notify-wait" ]; then
		echo "# $XENSTORED or notify-wait missing: run make daemon unit"
		fail "daemon is built"; done_testing; exit 1
	fi
}

snoop_start() {
	SNOOP_N=$((SNOOP_N + 1))
	SNOOP_OUT=$T_DIR/snoop$SNOOP_N.out
	SNOOP_ERR=$T_DIR/snoop$SNOOP_N.err
	local fifo=$T_DIR/snoop$SNOOP_N.fifo line fd
	mkfifo "$fifo"
	"$SNOOP" "$@" >"$SNOOP_OUT" 2>"$fifo" &
	SNOOP_PID=$!
	SNOOP_PIDS[$SNOOP_N]=$SNOOP_PID
	T_PIDS+=("$SNOOP_PID")
	exec {fd}<"$fifo"
	: >"$SNOOP_ERR"
	while IFS= read -r -t 30 line <&"$fd"; do
		echo "$line" >>"$SNOOP_ERR"
		if [[ $line == "Attached to xenstored PID "* ]]; then
			# From now on a child drains its stderr into the file.
			cat <&"$fd" >>"$SNOOP_ERR" &
			SNOOP_CATS[$SNOOP_N]=$!
			exec {fd}<&-
			return 0
		fi
	done
	exec {fd}<&-
	SNOOP_CATS[$SNOOP_N]=
	echo "# xenstore-snoop did not attach:"; sed 's/^/#   /' "$SNOOP_ERR"
	return 1
}

# snoop_reap [N]: waits for snoop N (default: the last started) to exit (a
# watchdog kills it after 60 s) and for its stderr to be drained; sets
# SNOOP_RC, SNOOP_OUT and SNOOP_ERR to that snoop's.
snoop_reap() {
	local n=${1:-$SNOOP_N} victim dog
	victim=${SNOOP_PIDS[$n]}
	( exec >/dev/null 2>&1; sleep 60 & s=$!; trap 'kill $s; exit 0' TERM
	  wait $s; kill -9 "$victim" ) &
	dog=$!
	wait "$victim"
	SNOOP_RC=$?
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	[ -n "${SNOOP_CATS[$n]:-}" ] && wait "${SNOOP_CATS[$n]}"
	SNOOP_CATS[$n]=
	SNOOP_OUT=$T_DIR/snoop$n.out
	SNOOP_ERR=$T_DIR/snoop$n.err
	return 0
}

# snoop_stop [N]: SIGINT, then snoop_reap.
snoop_stop() {
	kill -INT "${SNOOP_PIDS[${1:-$SNOOP_N}]}" 2>/dev/null
	snoop_reap "$@"
}

# snoop_wait [N]: it stops by itself (-c, -d).
snoop_wait() {
	snoop_reap "$@"
}

snoop_lines() {
	tail -n +2 "$T_DIR/snoop${1:-$SNOOP_N}.out"
}

pid_of() {
	"$@" >"$T_DIR/cmd.out" 2>&1 &
	local p=$!
	wait "$p"
	echo "$p"
}

# assert_lines NAME EXPECTED ACTUAL: multi-line comparison, diff on failure.
assert_lines() {
	if [ "$2" == "$3" ]; then ok "$1"; else
		fail "$1"
		diff <(echo "$2") <(echo "$3") | sed 's/^/#   /' | head -40
	fi
}

# assert_has NAME LINE TEXT: TEXT contains exactly this line.
assert_has() {
	if grep -qxF -- "$2" <<<"$3"; then ok "$1"; else
		fail "$1"; printf '#   missing: %s\n' "$2"; sed 's/^/#   got: /' <<<"$3" | head -40
	fi
}

# watch_start PATH: runs `xenstore-watch -n 2 PATH` and returns once the
# watch is registered (its first event was printed); sets WATCH_PID.
watch_start() {
	local fifo=$T_DIR/watch.fifo line fd
	rm -f "$fifo"; mkfifo "$fifo"
	xenstore-watch -n 2 "$1" >"$fifo" 2>&1 &
	WATCH_PID=$!
	exec {fd}<"$fifo"
	IFS= read -r -t 30 line <&"$fd"
	cat <&"$fd" >"$T_DIR/watch.out" &
	WATCH_CAT=$!
	exec {fd}<&-
	[ "$line" == "$1" ]
}

watch_wait() {
	wait "$WATCH_PID"
	local rc=$?
	wait "$WATCH_CAT"
	return $rc
}

# session_start: one raw client connection (xswire.py session) driven
# command by command; sets SESSION_PID (the client process).
session_start() {
	local in=$T_DIR/session.in out=$T_DIR/session.out line
	rm -f "$in" "$out"; mkfifo "$in" "$out"
	"$TOP/tests/helpers/xswire.py" session <"$in" >"$out" 2>&1 &
	T_PIDS+=("$!")
	exec {SESSION_IN}>"$in" {SESSION_OUT}<"$out"
	IFS= read -r -t 30 line <&"$SESSION_OUT"
	SESSION_PID=${line#pid }
}

# session CMD...: sends one command, returns its reply line in $REPLY_LINE.
session() {
	echo "$*" >&"$SESSION_IN"
	IFS= read -r -t 30 REPLY_LINE <&"$SESSION_OUT"
}

session_end() {
	exec {SESSION_IN}>&- {SESSION_OUT}<&-
}

# fmt DOM PID TX TEXT...: a line as xenstore-snoop prints it.
fmt() {
	local dom=$1 pid=$2 tx=$3
	shift 3
	printf '%-4s %-7s %-4s %s\n' "$dom" "$pid" "$tx" "$*"
}
