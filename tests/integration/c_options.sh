#!/bin/bash
# c_options.sh - what Xen's start-up files may pass in XENSTORED_ARGS
# starts our daemon: each option of Xen 4.17's C xenstored, with a typical
# value, is accepted (used or ignored, as xenstored(8) says), and the list
# here is checked against the C daemon's own --help when it is at hand.
. "$(dirname "$0")/../lib.sh"

# option, and the argument given with it ("" for none)
OPTS=(
	"-D|" "-E|1000" "-F|$T_DIR/c.pid" "-N|" "-P|" "-T|$T_DIR/trace.log" "-S|2048"
	"-W|128" "-t|10" "-A|5" "-M|2048" "-Q|transaction-nodes=1024" "-Q|outstanding=20"
	"-Q|memory=2500000" "-q|memory=2000000" "-w|watch-event=20" "-R|" "-I|on" "-K|" "-V|"
	"--master-domid|0" "--priv-domid|0" "--trace-control|+io"
	"--no-domain-init|" "--entry-nb|1000" "--pid-file|$T_DIR/c2.pid" "--no-fork|"
	"--output-pid|" "--trace-file|$T_DIR/trace2.log" "--entry-size|2048"
	"--watch-nb|128" "--transaction|10" "--perm-nb|5" "--path-max|2048"
	"--quota|transaction-nodes=1024" "--quota-soft|memory=2000000"
	"--timeout|watch-event=20" "--no-recovery|" "--internal-db|" "--internal-db|off"
	"-I|" "--keep-orphans|"
	"--verbose|"
)

# Against C's --help, when the peers are here: no option of it is missing.
if C=$("$TOP/tests/peers/peers.sh" bin xenstored 2>/dev/null); then
	c_opts=$("$C" --help 2>&1 | grep -oE '^ +(-[A-Za-z]), (--[a-z-]+)' | tr -s ' ,' '\n' | grep . | sort -u)
	ours=$(for o in "${OPTS[@]}"; do printf '%s\n' "${o%%|*}"; done | sort -u)
	missing=$(comm -23 <(echo "$c_opts") <(echo "$ours") | grep -vE '^(-H|--help|-U|--live-update)$')
	assert_eq "every option of C xenstored 4.17's --help is tried here (-U: live_update.sh)" "" "$missing"
else
	skip "every option of C xenstored's --help is tried here" "no Xen peers (tests/peers/peers.sh setup failed)"
fi

for o in "${OPTS[@]}"; do
	opt=${o%%|*} arg=${o#*|}
	if start_xenstored "$opt" ${arg:+"$arg"}; then
		if xenstore-write /c/opt 1 && daemon_alive; then
			ok "xenstored $opt${arg:+ $arg}: starts and serves"
		else
			fail "xenstored $opt${arg:+ $arg}: serves"
		fi
		stop_xenstored
	else
		fail "xenstored $opt${arg:+ $arg}: starts"
	fi
done
done_testing
