#!/bin/bash
# snoop_discovery.sh - without -p, xenstore-snoop finds the system's daemon
# where Debian and Xen start it: the pid files of Debian's /etc/init.d/xen
# (/run/xenstore.pid) and of Xen's launch-xenstore and xenstored.service
# (/var/run/xen/xenstored.pid), and the process serving the standard
# socket; whatever the daemon's executable is called.  -p naming a process
# that is not a daemon is refused with a hint at -P; -T is -t.
# Runs in a private mount namespace with its own /run, so the system's
# pid files and socket are never touched.
if [ -z "${SNOOP_DISCOVERY_NS:-}" ] && [ "$(id -u)" = 0 ] &&
   unshare -m --propagation private true 2>/dev/null; then
	SNOOP_DISCOVERY_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
[ -n "${SNOOP_DISCOVERY_NS:-}" ] || snoop_skip_all "needs a private mount namespace (unshare -m)"
mount -t tmpfs tmpfs /run || snoop_skip_all "cannot mount a private /run"

# The daemon under another name: discovery must not depend on it.
mkdir -p "$T_DIR/bin"
cp "$XENSTORED" "$T_DIR/bin/xs-observable"
XENSTORED=$T_DIR/bin/xs-observable

# attached_to PID: a snoop started with no daemon variables attaches to PID.
attached_to() {
	local out
	out=$(env -u XENSTORED_RUNDIR -u XENSTORED_PATH "$SNOOP" -d 1 2>&1 >/dev/null | head -1)
	[[ $out == "Attached to xenstored PID $1 ("* ]] || { echo "#   got: $out"; return 1; }
}

# daemon_with_pid_file FILE: a daemon on a private socket writing FILE.
daemon_with_pid_file() {
	mkdir -p "$(dirname "$1")"
	start_xenstored -F "$1" || return 1
	XSD_PID=$(cat "$1")
}

for f in /run/xenstore.pid /var/run/xen/xenstored.pid; do
	if daemon_with_pid_file "$f"; then
		attached_to "$XSD_PID" && ok "finds the daemon by $f (executable xs-observable)" ||
			fail "finds the daemon by $f"
		stop_xenstored
	else
		fail "daemon starts with pid file $f"
	fi
done

# A pid file naming a process without probes is passed over.
sleep 600 &
NOT=$!
T_PIDS+=("$NOT")
echo "$NOT" >/run/xenstore.pid
mkdir -p /run/xen
start_xenstored -F /var/run/xen/xenstored.pid || fail "daemon starts"
attached_to "$(cat /var/run/xen/xenstored.pid)" &&
	ok "a pid file naming a process without probes is passed over" ||
	fail "a pid file naming a process without probes is passed over"
stop_xenstored
rm -f /run/xenstore.pid

# No pid file: the process serving the standard socket.  Daemons in other
# mount namespaces (containers, other tests) bind the same name: the one
# serving it in the snoop's namespace is meant, whichever the kernel lists
# first.
mkdir -p /var/run/xenstored
for i in 1 2 3; do
	unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /var/run/xenstored && exec "$@"' \
		sh env -u XENSTORED_RUNDIR -u XENSTORED_PATH "$BUILD/tests/notify-wait" \
		"$T_DIR/decoy$i.notify" "$T_DIR/decoy$i.log" "$XENSTORED" -N >"$T_DIR/decoy$i.pid" ||
		fail "a daemon on the standard socket in another mount namespace starts"
	T_PIDS+=("$(cat "$T_DIR/decoy$i.pid")")
done
env -u XENSTORED_RUNDIR -u XENSTORED_PATH "$BUILD/tests/notify-wait" "$T_DIR/notify" \
	"$T_DIR/std.log" "$XENSTORED" -N >"$T_DIR/std.pid" || fail "daemon on the standard socket starts"
STD=$(cat "$T_DIR/std.pid")
T_PIDS+=("$STD")
attached_to "$STD" && ok "finds the daemon serving /var/run/xenstored/socket (3 more serve it in other mount namespaces)" ||
	fail "finds the daemon serving /var/run/xenstored/socket (3 more serve it in other mount namespaces)"

out=$("$SNOOP" -p "$NOT" 2>&1); rc=$?
[ "$rc" = 1 ] && [[ $out == *"PID $NOT ("*") is not a xenstored with probes"*"use -P $NOT"* ]] &&
	ok "-p naming a process that is not a daemon: refused, with a hint at -P" ||
	{ fail "-p naming a non-daemon is refused with a hint"; echo "#   got ($rc): $out"; }

env -u XENSTORED_RUNDIR -u XENSTORED_PATH "$SNOOP" -T -c 1 -d 60 >"$T_DIR/t.out" 2>&1 &
SP=$!
wait_for 30 grep -q Attached "$T_DIR/t.out"
XENSTORED_PATH=/var/run/xenstored/socket xenstore-write /t 1
wait "$SP"
grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} 0 +[0-9]+ +0 +XS_WRITE: /t 1 -> OK$' "$T_DIR/t.out" &&
	ok "-T prints the timestamp column, as -t (bcc's flag)" ||
	{ fail "-T prints the timestamp column"; sed 's/^/#   /' "$T_DIR/t.out"; }
done_testing
