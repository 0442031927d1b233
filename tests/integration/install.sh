#!/bin/bash
# install.sh - `make install` with GNU conventions: into a DESTDIR with
# PREFIX=/usr, every file lands where it should (daemon and snoop in
# sbindir, xenstore-sim in bindir, the bpftrace scripts, the man pages, the
# systemd unit naming the installed daemon); directory variables move
# files; the installed daemon serves clients and the installed snoop
# attaches to it from there; the installed unit passes systemd-analyze
# verify; `make uninstall` removes every file it installed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"

# Installing reads the build (it is up to date: make all ran before the tests).
D=$T_DIR/dest
make -s -C "$TOP" install DESTDIR="$D" PREFIX=/usr >"$T_DIR/install.log" 2>&1 ||
	{ fail "make install DESTDIR=... PREFIX=/usr"; sed 's/^/#   /' "$T_DIR/install.log"; done_testing; exit 1; }
ok "make install DESTDIR=... PREFIX=/usr"
expected="usr/bin/xenstore-sim
usr/lib/systemd/system/xenstored.service
usr/sbin/xenstored
usr/share/man/man1/xenstore-sim.1
usr/share/man/man1/xenstore-timeline.1
usr/share/man/man8/xenstore-snoop.8
usr/share/man/man8/xenstored.8
usr/share/xenstored/bpftrace/xenstore-latency.bt
usr/share/xenstored/bpftrace/xenstore-snoop.bt"
[ -x "$BUILD/tools/xenstore-snoop" ] && expected=$(sort <<<"$expected
usr/sbin/xenstore-snoop")
[ -x "$BUILD/tools/xenstore-timeline" ] && expected=$(sort <<<"$expected
usr/bin/xenstore-timeline")
assert_eq "every file where GNU's directory variables put it" "$expected" \
	"$(cd "$D" && find . -type f | sed 's|^\./||' | sort)"
assert_eq "programs are executable, data is not" "755 755 644 644 755" \
	"$(stat -c %a "$D/usr/sbin/xenstored" "$D/usr/bin/xenstore-sim" \
		"$D/usr/share/man/man8/xenstored.8" "$D/usr/lib/systemd/system/xenstored.service" \
		"$D/usr/share/xenstored/bpftrace/xenstore-snoop.bt" | tr '\n' ' ' | sed 's/ $//')"
grep -qx 'ExecStart=/usr/sbin/xenstored -N --pid-file /var/run/xen/xenstored.pid $XENSTORED_ARGS' \
	"$D/usr/lib/systemd/system/xenstored.service" &&
	ok "the unit starts the installed daemon (sbindir, not DESTDIR)" ||
	{ fail "the unit starts the installed daemon"; grep Exec "$D/usr/lib/systemd/system/xenstored.service" | sed 's/^/#   /'; }

# The installed daemon and snoop, run from the DESTDIR.
assert_eq "the installed daemon runs: --version" "xenstored $(cat "$TOP/VERSION")" \
	"$("$D/usr/sbin/xenstored" --version 2>&1)"
XENSTORED=$D/usr/sbin/xenstored
start_xenstored || fail "the installed daemon starts"
xenstore-write /installed yes && [ "$(xenstore-read /installed)" == yes ] &&
	ok "the installed daemon serves clients" || fail "the installed daemon serves clients"
if [ ! -x "$D/usr/sbin/xenstore-snoop" ]; then
	skip "the installed xenstore-snoop attaches" "xenstore-snoop is not built here (no kernel BTF)"
elif [ "$(id -u)" != 0 ]; then
	skip "the installed xenstore-snoop attaches" "attaching needs root"
else
	SNOOP=$D/usr/sbin/xenstore-snoop
	if snoop_start -c 1; then
		w=$(pid_of xenstore-write /installed/snooped 1)
		snoop_wait
		assert_eq "the installed xenstore-snoop attaches to the installed daemon and shows a request" \
			"$(fmt 0 "$w" 0 'XS_WRITE: /installed/snooped 1 -> OK' | sed 's/ *$//')" \
			"$(snoop_lines | sed 's/ *$//')"
	else
		fail "the installed xenstore-snoop attaches"
	fi
fi
stop_xenstored

assert_cmd "the installed man pages render" env MANPATH="$D/usr/share/man" man -P cat xenstored
make -s -C "$TOP" uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
assert_eq "make uninstall removes every file" "" "$(cd "$D" && find . -type f)"

# Directory variables, and the unit against the real paths: systemd-analyze
# checks that its ExecStart exists and that its man pages are installed.
P=$T_DIR/prefix
make -s -C "$TOP" install prefix="$P" sbindir="$P/admin" man8dir="$P/man/man8" >/dev/null 2>&1
[ -x "$P/admin/xenstored" ] && [ -f "$P/man/man8/xenstored.8" ] && [ -x "$P/bin/xenstore-sim" ] &&
	ok "sbindir and man8dir move their files; the others follow prefix" ||
	{ fail "directory variables"; (cd "$P" && find . -type f | sed 's/^/#   /'); }
if command -v systemd-analyze >/dev/null; then
	assert_cmd "systemd-analyze verify accepts the installed unit" \
		env MANPATH="$P/share/man:$P/man" systemd-analyze verify "$P/lib/systemd/system/xenstored.service"
else
	skip "systemd-analyze verify accepts the installed unit" "systemd-analyze is not installed"
fi
done_testing
