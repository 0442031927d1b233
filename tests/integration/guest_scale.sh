#!/bin/bash
# guest_scale.sh - 200 simulated domains boot at once on the simulated
# hypervisor.  Each domain's handshake runs concurrently with all the
# others: the hypervisor creates it, the toolstack (dom0, over the socket)
# writes its home in a transaction (retrying on EAGAIN, as libxl does:
# every home is a new child of /local/domain, so concurrent transactions
# conflict), introduces it, and the guest, a process on the domain's own
# ring, registers a watch on /go and says so (data/armed).  Once dom0 has
# seen all 200 armed, 200 guest processes are waiting on their rings at
# the same moment; dom0 writes /go and they all go on at once: each reads
# what the toolstack wrote, writes, watches and commits a transaction of
# its own.  All 200 must succeed, dom0 must see 200 @introduceDomain
# events and every guest's writes, and the store must check out; then all
# 200 die at once and the daemon cleans up after each (PROTOCOL.md §2.4, §2.5,
# §2.7, §3.3, §3.4).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"

N=${GUEST_SCALE_N:-200}
need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }
need_peer_tools || skip_all "no xenstore-control (tests/peers/peers.sh setup failed) or xsdomctl (make)"
start_sim_xenstored || { fail "daemon starts with --hypervisor=sim"; done_testing; exit 1; }
mkdir -p "$T_DIR/scale"

# handshake D: one domain's boot, start to end; its transcript in D.out.
handshake() {
	local d=$1 h=/local/domain/$1 out try=0 deadline=$((SECONDS + 300))
	exec >"$T_DIR/scale/$d.out" 2>&1
	sim create "$d" || { echo "FAILED: create"; return 1; }
	# Retried until a deadline, not a count: how many attempts 200
	# conflicting handshakes need depends on how the machine schedules
	# them.  A short random pause between attempts, so the same ones do
	# not keep colliding.
	while [ $SECONDS -lt $deadline ]; do
		try=$((try + 1))
		out=$(timeout 60 "$SIM" guest -e dom0 txstart "mkdir $h" "setperms $h n0 r$d" \
			"write $h/name guest$d" "write $h/domid $d" "mkdir $h/device" \
			"setperms $h/device n$d" "mkdir $h/data" "setperms $h/data n$d" commit 2>&1)
		[ "${out##*$'\n'}" = "commit -> OK" ] && break
		[ "${out##*$'\n'}" = "commit -> EAGAIN" ] || { echo "$out"; echo "FAILED: toolstack"; return 1; }
		sleep "0.0$((RANDOM % 10))"
	done
	echo "toolstack: committed after $try attempt(s)"
	[ "${out##*$'\n'}" = "commit -> OK" ] || { echo "FAILED: toolstack gave up"; return 1; }
	sim introduce "$d" || { echo "FAILED: introduce"; return 1; }
	# The guest waits for /go as long as the others take to come up.
	timeout 600 "$SIM" guest -e -t 600000 "$d" "watch /go go" "write data/armed 1" "events 1" \
		"read name" "read domid" "write device/vif/0/state 1" \
		"watch data w" "write data/ready $d" txstart "write data/tx/a $d" "write data/tx/b $d" \
		commit "read device/vif/0/state" "ls data" | normalize
	[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAILED: guest"; return 1; }
	echo "DONE"
}
# What every guest must see (with its own domid).
want() {
	printf '%s\n' "watch /go go -> OK" "event /go go" "write data/armed 1 -> OK" "events 1 -> " \
		"event /go go" "read name -> guest$1" "read domid -> $1" "write device/vif/0/state 1 -> OK" \
		"watch data w -> OK" "event data w" "event data/ready w" "write data/ready $1 -> OK" \
		"txstart -> 1" "write data/tx/a $1 -> OK" "write data/tx/b $1 -> OK" \
		"event data/tx/a w" "event data/tx/b w" "commit -> OK" \
		"read device/vif/0/state -> 1" "ls data -> armed ready tx" DONE
}

dom0_watcher "watch @introduceDomain intro"
assert_eq "dom0's watcher of @introduceDomain is in place" "/barrier barrier" "$E"
xenstore-write /go 0
xenstore-chmod /go r0
WATCH_TIMEOUT=300 watch_open /local/domain
rss0=$(daemon_rss)
t0=$SECONDS
pids=()
for d in $(seq 1 "$N"); do
	handshake "$d" &
	pids+=($!)
done
declare -A armed=()
# Each wait is bounded like a toolstack's retries: an upper bound only.
while [ ${#armed[@]} -lt "$N" ] && WATCH_TIMEOUT=300 watch_line l; do
	[[ $l =~ ^/local/domain/([0-9]+)/data/armed$ ]] && armed[${BASH_REMATCH[1]}]=1
done
assert_eq "all $N guests are up at once, each waiting on its ring for /go" "$N" "${#armed[@]}"
echo "# all armed after $((SECONDS - t0)) s"
watch_close
xenstore-write /go 1
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
echo "# $N handshakes in $((SECONDS - t0)) s"
assert_eq "all $N handshakes ran to the end" 0 "$failed"

good=0 bad=()
for d in $(seq 1 "$N"); do
	# events of the commit may come in either order; the rest is exact
	if [ "$(grep -v '^toolstack:' "$T_DIR/scale/$d.out" | sort)" == "$(want "$d" | sort)" ]; then
		good=$((good + 1))
	else
		bad+=("$d")
	fi
done
assert_eq "every guest saw exactly what it should over its ring" "$N" "$good"
for d in "${bad[@]:0:3}"; do
	echo "# domain $d:"; sed 's/^/#   /' "$T_DIR/scale/$d.out" | head -30
done
retries=$(cat "$T_DIR"/scale/*.out | sed -n 's/^toolstack: committed after \([0-9]*\).*/\1/p' |
	awk '{ n += $1 - 1; if ($1 > m) m = $1 } END { printf "%d retries, at most %d attempts", n, m }')
echo "# toolstack transactions: $retries"

n_ev=0
for _ in $(seq 1 "$N"); do
	gevent W && [ "$E" = "@introduceDomain intro" ] && n_ev=$((n_ev + 1))
done
assert_eq "dom0 got one @introduceDomain per domain" "$N" "$n_ev"
assert_eq "and nothing else" "" "$(since_barrier)"
gclose W

assert_eq "dom0 sees $N homes" "$N" "$(xenstore-list /local/domain 2>/dev/null | wc -l)"
assert_eq "and every guest's data/ready holding its domid" "$N" \
	"$(xenstore-ls -f /local/domain 2>/dev/null |
		awk '{ split($1, p, "/") } $1 ~ /\/data\/ready$/ && $3 == "\"" p[4] "\"" { n++ } END { print n + 0 }')"
assert_eq "IS_DOMAIN_INTRODUCED is T for the first, a middle and the last domain" "T T T" \
	"$(domctl is-introduced 1) $(domctl is-introduced $(((N + 1) / 2))) $(domctl is-introduced "$N")"
assert_eq "xenstore-control check: OK" OK "$(xsctl check)"
rss1=$(daemon_rss)
echo "# daemon VmRSS: $rss0 KiB before, $rss1 KiB with $N domains"

# --- all of them die at once ---------------------------------------------------------------
watch_open @releaseDomain
pids=()
for d in $(seq 1 "$N"); do
	sim destroy "$d" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
n_ev=0
for _ in $(seq 1 "$N"); do
	watch_line l && [ "$l" = @releaseDomain ] && n_ev=$((n_ev + 1))
done
assert_eq "$N deaths: one @releaseDomain each" "$N" "$n_ev"
watch_close
assert_eq "IS_DOMAIN_INTRODUCED is F for the first, a middle and the last domain" "F F F" \
	"$(domctl is-introduced 1) $(domctl is-introduced $(((N + 1) / 2))) $(domctl is-introduced "$N")"
assert_eq "every node the guests owned is gone (no data/ left), dom0's homes stay" "0 $N" \
	"$(xenstore-ls -f /local/domain 2>/dev/null | grep -c '/data') $(xenstore-list /local/domain | wc -l)"
assert_eq "xenstore-control check: OK after the cleanup" OK "$(xsctl check)"
if daemon_alive; then ok "daemon still running"; else fail "daemon still running"; fi
done_testing
