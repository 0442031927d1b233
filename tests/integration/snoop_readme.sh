#!/bin/bash
# snoop_readme.sh - every command the README shows, run as written: the
# demo, xenstore-snoop's and bpftrace's lines (with more than one daemon
# running), the daemon on the standard and on a private socket with Xen's
# clients, the simulated guest session, make install and uninstall.  The
# README's commands must be exactly the ones this test knows, so a new or
# changed command needs a test here.  The test command (scripts/test.sh)
# is the one thing not run here: it runs this suite.
#
# It runs in a private mount namespace with its own /run, /tmp, /var/tmp
# and /usr/local, so the commands' fixed paths (/run/xenstored.pid,
# /var/run/xenstored/socket, /tmp/x, /usr/local) never touch
# the system's.  Commands are found by their text: one the README gains or
# loses fails the first check, and the others still run.
# Its daemons use the standard socket's name, as snoop_discovery's do:
# tests/run never runs the two at once.
if [ -z "${README_NS:-}" ] && [ "$(id -u)" = 0 ] &&
   unshare -m --propagation private true 2>/dev/null; then
	README_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
if [ -n "${README_NS:-}" ]; then
	# Before lib.sh makes its directory in the private /tmp.  A checkout
	# under one of these (a clone in /tmp) is bound back in its place from
	# a private /mnt, where it was bound before the tmpfs hid it.
	repo=$(cd "$(dirname "$0")/../.." && pwd -P)
	mount -t tmpfs tmpfs /mnt && mkdir /mnt/repo && mount --bind "$repo" /mnt/repo ||
		{ echo "# cannot bind $repo to /mnt"; README_NS=; }
	for d in /run /tmp /var/tmp /usr/local; do
		[ -n "${README_NS:-}" ] || break
		mount -t tmpfs tmpfs "$d" || { echo "# cannot mount $d"; README_NS=; break; }
		case $repo/ in
		"$d"/*) mkdir -p "$repo" && mount --bind /mnt/repo "$repo" ||
			{ echo "# cannot bind $repo again"; README_NS=; break; } ;;
		esac
	done
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
[ -n "${README_NS:-}" ] ||
	skip_all "needs root and a private mount namespace (unshare -m) for the README's fixed paths"
command -v sudo >/dev/null || skip_all "sudo is not installed (scripts/install-deps.sh installs it)"
cd "$TOP" || exit 1
unset XENSTORED_PATH XENSTORED_RUNDIR
# The commands run as in a fresh shell: without this run's BUILD (the
# README means build/, and the sanitizer run's BUILD would have `make`
# build build-san/ with normal flags).
fresh() { env -u BUILD bash -c "$1"; }

# The README's commands: lines of its ```sh blocks, continuations joined.
readme_commands() {
	awk '/^```sh$/ { inside = 1; next }
	     /^```/ { inside = 0; next }
	     inside && /\\$/ { sub(/\\$/, ""); held = held $0; next }
	     inside { print held $0; held = "" }' README.md
}
# Without its comment (no README command has " # " in it).
bare() { sed -E 's/ +# .*$//' <<<"$1"; }

known=(
	"sudo scripts/demo.sh"
	"sudo scripts/test.sh"
	"sudo build/tools/xenstore-snoop"
	"sudo build/tools/xenstore-snoop -tl -C"
	"sudo build/tools/xenstore-snoop -x"
	"sudo build/tools/xenstore-snoop -s -i 5"
	"sudo build/tools/xenstore-snoop -j"
	'sudo bpftrace -p "$(sudo build/tools/xenstore-snoop --which)" build/tools/bpftrace/xenstore-snoop.bt'
	"sudo build/xenstored -F /run/xenstored.pid"
	"XENSTORED_PATH=/tmp/x/socket build/xenstored -F /tmp/x/pid"
	"XENSTORED_PATH=/tmp/x/socket xenstore-ls /"
	"XENSTORED_PATH=/tmp/x/socket xenstore-control quota"
	"XENSTORED_RUNDIR=/tmp/sim build/xenstored --hypervisor=sim -F /tmp/sim/pid"
	"export XENSTORED_RUNDIR=/tmp/sim"
	"build/xenstore-sim create 6"
	"build/xenstore-sim guest dom0 'mkdir /local/domain/6' 'setperms /local/domain/6 n6'     'write /local/domain/6/name guest6'"
	"build/xenstore-sim introduce 6"
	"build/xenstore-sim guest 6 'write data/hello 1' 'read name' 'watch cpu t' 'events 1'"
	"build/xenstore-sim shutdown 6; build/xenstore-sim destroy 6"
	'kill "$(cat /tmp/sim/pid)"'
	"make && sudo make install"
	"sudo make uninstall"
)
mapfile -t CMDS < <(readme_commands)
assert_eq "the README shows exactly the commands this test runs" \
	"$(printf '%s\n' "${known[@]}")" "$(for c in "${CMDS[@]}"; do bare "$c"; done)"

# The commands are found by their text, not their place: one the README
# gained or lost fails the check above, and the others still run.
# N=$(at TEXT): the index of the README command TEXT (-1: not there).
at() {
	local i
	for i in "${!CMDS[@]}"; do
		[ "$(bare "${CMDS[$i]}")" == "$1" ] && { echo "$i"; return; }
	done
	echo -1
}
# cmd N: the README's Nth command, as written there (comment included).
cmd() { [ "$1" -ge 0 ] && echo "${CMDS[$1]}" || echo "(missing from the README)"; }

# run_line N: runs command N in bash from the top of the tree; output in
# $T_DIR/cmdN.out; returns its exit status.
run_line() { [ "$1" -ge 0 ] && fresh "$(cmd "$1")" >"$T_DIR/cmd$1.out" 2>&1; }
show() { [ "$1" -ge 0 ] && sed 's/^/#   /' "$T_DIR/cmd$1.out" | tail -n "${2:-15}"; }
# --- the first command: the demo -------------------------------------------
n=$(at "sudo scripts/demo.sh")
if run_line "$n" && [ "$(tail -n 1 "$T_DIR/cmd$n.out")" == "# done; stopping xenstored" ]; then
	ok "$(cmd "$n")"
else
	fail "$(cmd "$n")"; show "$n"
fi
if [ -x "$BUILD/tools/xenstore-snoop" ] && [ "$n" -ge 0 ]; then
	grep -q 'XS_INTRODUCE: 6 ' "$T_DIR/cmd$n.out" &&
		ok "... xenstore-snoop shows the guest boot (XS_INTRODUCE)" ||
		{ fail "... xenstore-snoop shows the guest boot"; show "$n" 40; }
fi
skip "$(cmd "$(at "sudo scripts/test.sh")")" "the test command runs this suite; CI runs it (.ci/run)"

# --- a daemon on the standard socket, and one on a private socket ----------
n=$(at "sudo build/xenstored -F /run/xenstored.pid")
if run_line "$n" && [ -S /var/run/xenstored/socket ] && [ -s /run/xenstored.pid ]; then
	ok "$(cmd "$n")"
else
	fail "$(cmd "$n")"; show "$n"
fi
T_PIDS+=("$(cat /run/xenstored.pid 2>/dev/null)")
n=$(at "XENSTORED_PATH=/tmp/x/socket build/xenstored -F /tmp/x/pid")
run_line "$n" && [ -s /tmp/x/pid ] && ok "$(cmd "$n")" || { fail "$(cmd "$n")"; show "$n"; }
T_PIDS+=("$(cat /tmp/x/pid 2>/dev/null)")
xenstore-write /readme hello
XENSTORED_PATH=/tmp/x/socket xenstore-write /private yes
n=$(at "XENSTORED_PATH=/tmp/x/socket xenstore-ls /")
run_line "$n" && grep -qx 'private = "yes"' "$T_DIR/cmd$n.out" && ok "$(cmd "$n")" ||
	{ fail "$(cmd "$n")"; show "$n"; }
n=$(at "XENSTORED_PATH=/tmp/x/socket xenstore-control quota")
if XC=$("$TOP/tests/peers/peers.sh" bin xenstore-control 2>"$T_DIR/xc.err"); then
	PATH=$PATH:$(dirname "$XC") run_line "$n" && grep -q '^Quota settings' "$T_DIR/cmd$n.out" &&
		ok "$(cmd "$n")" || { fail "$(cmd "$n")"; show "$n"; }
else
	skip "$(cmd "$n")" "no xenstore-control: $(cat "$T_DIR/xc.err")"
fi

# --- watching: each tracer against the system's daemon, two daemons up -----
# watch_line TEXT ACTION PATTERN [FILE]: runs the README's tracer line TEXT
# in the background; once it is attached, runs ACTION (a client request);
# stops it with SIGINT; its output (or FILE it wrote, a glob) must have a
# line matching PATTERN.
watch_line() {
	local n out p dog
	n=$(at "$1")
	out=$T_DIR/cmd$n.out
	if [ "$n" -lt 0 ]; then fail "$1 (missing from the README)"; return; fi
	# Not through fresh(): $! must be the tracer (sudo), to get the SIGINT.
	env -u BUILD bash -c "exec $(cmd "$n")" >"$out" 2>&1 &
	p=$!
	T_PIDS+=("$p")
	if ! wait_for 60 grep -qE '^(Attached to xenstored PID|DOM +PID)' "$out"; then
		fail "$(cmd "$n")"; echo "#   did not attach"; show "$n"; kill -INT "$p"; return
	fi
	bash -c "$2" >/dev/null 2>&1
	# The tracer prints what it saw: wait for it, then stop it.
	[ -z "${4:-}" ] && wait_for 30 grep -qE -- "$3" "$out"
	kill -INT "$p"
	# A watchdog, so a tracer deaf to SIGINT cannot hang the test.
	( exec >/dev/null 2>&1; sleep 60 & s=$!; trap 'kill $s; exit 0' TERM
	  wait $s; kill -KILL "$p" ) &
	dog=$!
	wait "$p"
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	# shellcheck disable=SC2086 # FILE may be a glob
	grep -qsE -- "$3" ${4:-$out} && ok "$(cmd "$n")" ||
		{ fail "$(cmd "$n")"; echo "#   no line matching: $3"; show "$n"; }
}
SNOOP_LINES=("sudo build/tools/xenstore-snoop" "sudo build/tools/xenstore-snoop -tl -C"
	"sudo build/tools/xenstore-snoop -x" "sudo build/tools/xenstore-snoop -s -i 5"
	"sudo build/tools/xenstore-snoop -j"
	'sudo bpftrace -p "$(sudo build/tools/xenstore-snoop --which)" build/tools/bpftrace/xenstore-snoop.bt')
if [ ! -x "$BUILD/tools/xenstore-snoop" ]; then
	for t in "${SNOOP_LINES[@]}"; do
		skip "$(cmd "$(at "$t")")" "xenstore-snoop is not built here (no kernel BTF)"
	done
else
	snoop_require
	watch_line "${SNOOP_LINES[0]}" "xenstore-write /readme/a 1" \
		'^0 +[0-9]+ +0 +XS_WRITE: /readme/a 1 -> OK$'
	watch_line "${SNOOP_LINES[1]}" "xenstore-write /readme/b 2" \
		'^[0-9:.]+ +0 +[0-9]+ +xenstore-write +0 +[0-9.]+ +XS_WRITE: /readme/b 2 -> OK$'
	watch_line "${SNOOP_LINES[2]}" "xenstore-write /readme/c 3; xenstore-read /readme/missing" \
		'^0 +[0-9]+ +0 +\[ERROR\] XS_READ: /readme/missing -> ENOENT$'
	n=$(at "${SNOOP_LINES[2]}")
	grep -q 'XS_WRITE: /readme/c' "$T_DIR/cmd$n.out" 2>/dev/null &&
		fail "-x shows the successful write" || ok "... -x leaves the successful write out"
	watch_line "${SNOOP_LINES[3]}" "xenstore-write /readme/d 4" '^XS_WRITE +1 +0 '
	watch_line "${SNOOP_LINES[4]}" "xenstore-write /readme/e 5" \
		'"op":"XS_WRITE","type":11,"path":"/readme/e"'
	if command -v bpftrace >/dev/null; then
		watch_line "${SNOOP_LINES[5]}" "xenstore-write /readme/f 6" \
			'^0 +[0-9]+ +0 +XS_WRITE: /readme/f -> OK'
	else
		skip "$(cmd "$(at "${SNOOP_LINES[5]}")")" "bpftrace is not installed"
	fi
fi

# --- guests on the simulated hypervisor: the block as one session ----------
first=$(at "XENSTORED_RUNDIR=/tmp/sim build/xenstored --hypervisor=sim -F /tmp/sim/pid")
last=$(at 'kill "$(cat /tmp/sim/pid)"')
if [ "$first" -ge 0 ] && [ "$last" -gt "$first" ]; then
	sim=$(for n in $(seq "$first" "$last"); do cmd "$n"; done)
	fresh "$sim" >"$T_DIR/sim.out" 2>&1
	rc=$?
else
	rc="the block is not in the README"
fi
[ -s /tmp/sim/pid ] && T_PIDS+=("$(cat /tmp/sim/pid)")	# stopped, whatever happened
expected="write /local/domain/6/name guest6 -> OK
write data/hello 1 -> OK
read name -> guest6
event cpu t"
actual=$(grep -E '^(write /local/domain/6/name|write data/hello|read name|event )' "$T_DIR/sim.out" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$actual" == "$expected" ]; then
	ok "the guest session (XENSTORED_RUNDIR=/tmp/sim ... kill): the guest writes in its home, reads its name, gets its event"
else
	fail "the guest session ($rc)"; sed 's/^/#   /' "$T_DIR/sim.out" 2>/dev/null
fi
[ ! -e /tmp/sim/socket ] && ok "... and its daemon is stopped by the last line" ||
	fail "... its daemon is stopped by the last line"

# --- installing --------------------------------------------------------------
n=$(at "make && sudo make install")
run_line "$n" && [ -x /usr/local/sbin/xenstored ] && [ -f /usr/local/share/man/man8/xenstored.8 ] &&
	ok "$(cmd "$n")" || { fail "$(cmd "$n")"; show "$n"; }
n=$(at "sudo make uninstall")
run_line "$n" && [ -z "$(find /usr/local -type f)" ] && ok "$(cmd "$n")" || { fail "$(cmd "$n")"; show "$n"; }

for f in /run/xenstored.pid /tmp/x/pid; do
	[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
done
done_testing
