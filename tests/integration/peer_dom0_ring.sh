#!/bin/bash
# peer_dom0_ring.sh - both ways a dom0 kernel shows its own xenstore ring
# (PROTOCOL.md §3.4): the xenbus_backend device (/dev/xen/xenbus_backend:
# mmap for the page, IOCTL_XENBUS_BACKEND_EVTCHN for the port) and xenfs
# (/proc/xen/xsd_kva and xsd_port).  The libxen stand-in shows one or both
# ($XENSTUB_DOM0); dom0's kernel is `xenstore-sim guest 0` on that ring.
# Our daemon must find the ring either way; Debian's C xenstored 4.17
# reads only xenfs and refuses to start without it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

XS_HV=xen
need_sim || { fail "build xenstored, xenstore-sim and libxenstub.so (make)"; done_testing; exit 1; }

# kernel_round_trip DIR SOCKET: dom0's kernel writes over its ring, dom0's
# tools read it back over the socket: the ring is the daemon's.
kernel_round_trip() {
	local got
	got=$(XENSTORED_PATH=$2 "$SIM" -d "$1" guest -t 5000 0 "write /kernel/x ring" "read /kernel/x" 2>&1)
	[ "$got" = $'write /kernel/x ring -> OK\nread /kernel/x -> ring' ] || { echo "$got"; return 1; }
	[ "$(XENSTORED_PATH=$2 xenstore-read /kernel/x 2>&1)" = ring ]
}

for way in backend xenfs both; do
	rm -rf "$T_DIR/run"
	export XENSTUB_DOM0=$way
	[ "$way" = both ] && XENSTUB_DOM0=
	if start_sim_xenstored; then
		assert_cmd "ours, dom0 shows its ring by $way: dom0's kernel is served on it" \
			kernel_round_trip "$SIM_DIR" "$XENSTORED_PATH"
		assert_fails "ours, $way: no complaint about dom0's ring" \
			grep -q "dom0's ring" "$XSD_RUN/daemon.log"
		stop_xenstored
	else
		fail "ours starts when dom0 shows its ring by $way"
	fi
done
unset XENSTUB_DOM0

if have_peers; then
	if XENSTUB_DOM0=xenfs start_c_peer "$T_DIR/c-xenfs"; then
		assert_cmd "C 4.17, xenfs: dom0's kernel is served on its ring" \
			kernel_round_trip "$T_DIR/c-xenfs/sim" "$PEER_SOCK"
	else
		fail "C 4.17 starts with xenfs"
	fi
	stop_peers
	# A fact about the peer, so that a comparison never assumes it reads
	# the device: it opens /proc/xen/xsd_port and stops without it.
	if XENSTUB_DOM0=backend start_c_peer "$T_DIR/c-backend" >/dev/null 2>&1; then
		fail "C 4.17 does not read xenbus_backend: it stops without xenfs (it started)"
	else
		assert_cmd "C 4.17 does not read xenbus_backend: it stops without xenfs" \
			grep -q "Failed to initialize dom0 port" "$T_DIR/c-backend/daemon.log"
	fi
	stop_peers
else
	skip "C 4.17 on both ways" "no Xen peers (tests/peers/peers.sh setup failed)"
fi
done_testing
