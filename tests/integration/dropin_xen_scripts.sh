#!/bin/bash
# dropin_xen_scripts.sh - the daemon in place of Debian's stock one, started
# the ways Xen and Debian start it, each in a private mount namespace with
# its own /run and /var/log (the system's are never touched):
#   - Xen's launch-xenstore (run by Xen's xenstored.service), the real
#     script from xen-utils-4.17, with XENSTORED= pointing at our daemon and
#     XENSTORED_TRACE=1 (which adds -T /var/log/xen/xenstored-trace.log):
#     it starts, writes /var/run/xen/xenstored.pid, serves the standard
#     socket, and the trace file gets a line per request;
#   - Debian's /etc/init.d/xen: its start-stop-daemon command line with
#     XENSTORED_ARGS, --pid-file /run/xenstore.pid after them;
#   - the installed xenstored.service: its ExecStartPre and ExecStart, with
#     XENSTORED_ARGS from /etc/default/xencommons, under a NOTIFY_SOCKET as
#     systemd runs a Type=notify service: READY=1 arrives, the pid file is
#     written.
if [ -z "${DROPIN_NS:-}" ] && [ "$(id -u)" = 0 ] &&
   unshare -m --propagation private true 2>/dev/null; then
	DROPIN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

[ -n "${DROPIN_NS:-}" ] ||
	skip_all "needs root and a private mount namespace (unshare -m) for its own /run"
# Xen's scripts (launch-xenstore), fetched before /run is replaced.
XEN_SCRIPTS=$("$TOP/tests/helpers/xen-scripts.sh" 2>"$T_DIR/xen-scripts.err")
mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/log ||
	skip_all "cannot mount a private /run and /var/log"
mkdir -p /var/log/xen

# stop_pidfile FILE: stops the daemon FILE names (not our child: poll).
stop_pidfile() {
	local p
	p=$(cat "$1" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	wait_for 30 sh -c "! kill -0 $p" || true
}

# --- launch-xenstore ------------------------------------------------------
if [ -z "$XEN_SCRIPTS" ]; then
	skip "launch-xenstore starts our daemon" "$(cat "$T_DIR/xen-scripts.err")"
else
	# The script as shipped; only the two files it sources are read from
	# here instead of /etc.
	cp "$XEN_SCRIPTS/hotplugpath.sh" "$T_DIR/hotplugpath.sh"
	cat >"$T_DIR/xencommons" <<EOT
XENSTORED=$XENSTORED
XENSTORED_TRACE=1
XENSTORED_ARGS="--verbose"
EOT
	# The script raises the open-file limit to fs.nr_open with prlimit,
	# which needs CAP_SYS_RESOURCE; a container may not have it.
	prlimit --nofile="$(cat /proc/sys/fs/nr_open)" true 2>/dev/null ||
		echo "XENSTORED_MAX_OPEN_FDS=$(ulimit -Hn)" >>"$T_DIR/xencommons"
	sed -e "s|/etc/xen/scripts/hotplugpath.sh|$T_DIR/hotplugpath.sh|" \
	    -e "s|/etc/default/xencommons|$T_DIR/xencommons|g" \
	    "$XEN_SCRIPTS/launch-xenstore" >"$T_DIR/launch-xenstore"
	chmod +x "$T_DIR/launch-xenstore"
	env -u XENSTORED_PATH -u XENSTORED_RUNDIR -u NOTIFY_SOCKET \
		timeout 60 "$T_DIR/launch-xenstore" >"$T_DIR/launch.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && [ -s /var/run/xen/xenstored.pid ]; then
		ok "launch-xenstore starts our daemon with XENSTORED_TRACE=1 (exit 0, pid file written)"
	else
		fail "launch-xenstore starts our daemon (exit $rc)"; sed 's/^/#   /' "$T_DIR/launch.out"
	fi
	pid=$(cat /var/run/xen/xenstored.pid 2>/dev/null)
	assert_eq "the daemon it started is ours" "$(readlink -f "$XENSTORED")" \
		"$(readlink -f "/proc/${pid:-0}/exe" 2>/dev/null)"
	env -u XENSTORED_PATH -u XENSTORED_RUNDIR xenstore-write /dropin/launch yes &&
		ok "it serves the standard socket" || fail "it serves the standard socket"
	grep -q 'XS_WRITE: /dropin/launch yes -> OK' /var/log/xen/xenstored-trace.log &&
		ok "XENSTORED_TRACE=1: /var/log/xen/xenstored-trace.log has a line per request" ||
		{ fail "XENSTORED_TRACE=1 trace file"; sed 's/^/#   /' /var/log/xen/xenstored-trace.log 2>&1 | head; }
	stop_pidfile /var/run/xen/xenstored.pid
fi

# --- Debian's /etc/init.d/xen -----------------------------------------------
# xenstored_start's command line, with the variables /etc/default/xen sets.
# choom -n -1000 needs CAP_SYS_RESOURCE, which a container may lack.
oom=-1000
choom -n -1000 true 2>/dev/null || oom=0
XENSTORED_ARGS="-E 2000 --watch-nb=512"
(
	unset XENSTORED_PATH XENSTORED_RUNDIR NOTIFY_SOCKET
	export XENSTORED_ROOTDIR=/run/xenstored
	mkdir -p /run/xenstored
	start-stop-daemon --start --quiet --pidfile /run/xenstore.pid \
		--exec /usr/bin/choom -- -n $oom "$XENSTORED" -- \
		$XENSTORED_ARGS --pid-file /run/xenstore.pid
) >"$T_DIR/initd.out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ -s /run/xenstore.pid ] &&
	ok "init.d/xen's start-stop-daemon line starts it (choom -n $oom, XENSTORED_ARGS, pid file)" ||
	{ fail "init.d/xen's command line (exit $rc)"; sed 's/^/#   /' "$T_DIR/initd.out"; }
env -u XENSTORED_PATH -u XENSTORED_RUNDIR xenstore-read -s / >/dev/null &&
	ok "init.d/xen's readiness check (xenstore-read -s /) passes" ||
	fail "init.d/xen's readiness check (xenstore-read -s /) passes"
stop_pidfile /run/xenstore.pid

# --- the installed xenstored.service --------------------------------------
P=$T_DIR/prefix
make -s -C "$TOP" install prefix="$P" >/dev/null 2>&1 || fail "make install prefix=..."
UNIT=$P/lib/systemd/system/xenstored.service
grep -qx 'Type=notify' "$UNIT" && ok "the unit is Type=notify" || fail "the unit is Type=notify"
echo 'XENSTORED_ARGS="-T /var/log/xen/unit-trace.log"' >"$T_DIR/xencommons"
pre=$(sed -n 's/^ExecStartPre=//p' "$UNIT")
start=$(sed -n 's/^ExecStart=//p' "$UNIT")
(
	unset XENSTORED_PATH XENSTORED_RUNDIR
	. "$T_DIR/xencommons"		# EnvironmentFile=
	start=${start//\$XENSTORED_ARGS/$XENSTORED_ARGS}	# systemd's $VAR
	$pre || exit 1
	# shellcheck disable=SC2086 # word splitting as systemd does for $VAR
	exec "$BUILD/tests/notify-wait" "$T_DIR/unit.notify" "$T_DIR/unit.log" $start
) >"$T_DIR/unit.pid" 2>"$T_DIR/unit.err"
rc=$?
upid=$(cat "$T_DIR/unit.pid")
[ "$rc" = 0 ] && ok "the unit's command line says READY=1 on NOTIFY_SOCKET" ||
	{ fail "the unit's command line says READY=1 (exit $rc)"; sed 's/^/#   /' "$T_DIR/unit.err" "$T_DIR/unit.log"; }
assert_eq "the unit's pid file is the daemon's" "${upid:-none}" "$(cat /var/run/xen/xenstored.pid 2>/dev/null)"
env -u XENSTORED_PATH -u XENSTORED_RUNDIR xenstore-write /dropin/unit 1 &&
	grep -q 'XS_WRITE: /dropin/unit 1 -> OK' /var/log/xen/unit-trace.log &&
	ok "XENSTORED_ARGS from /etc/default/xencommons reach the daemon (-T)" ||
	fail "XENSTORED_ARGS from /etc/default/xencommons reach the daemon (-T)"
stop_pidfile /var/run/xen/xenstored.pid
done_testing
