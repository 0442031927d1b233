#!/bin/bash
# snoop_attach.sh - attaching and detaching xenstore-snoop over and over
# while clients run changes nothing for them: no reply is lost or changed,
# the snoop sees every request it reports correctly and loses no event, and
# after each detach every probe semaphore of the daemon is back to 0 (the
# daemon is left exactly as it was).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }
X=$TOP/tests/helpers/xswire.py
all_zero() {	# every probe semaphore of the daemon is 0 (and there are some)
	"$X" semaphores "$XSD_PID" | awk '$2 != 0 { bad = 1 } END { exit bad || NR == 0 }'
}
all_zero && ok "no probe enabled before the first attach" || fail "semaphores before"

# Load: one raw connection writing and reading back as fast as it can, and
# the real clients in a loop, each checking every reply.
"$X" hammer /h >"$T_DIR/hammer.out" 2>&1 &
H=$!
T_PIDS+=("$H")
(
	i=0 bad=0
	while [ ! -e "$T_DIR/stop" ]; do
		i=$((i + 1))
		xenstore-write /r/k$((i % 5)) "v$i" || bad=$((bad + 1))
		[ "$(xenstore-read /r/k$((i % 5)))" == "v$i" ] || bad=$((bad + 1))
	done
	echo "rounds $i mismatches $bad"
) >"$T_DIR/clients.out" 2>&1 &
C=$!

# Each READ line must show the value of the last WRITE line of that path
# before it (a changed reply would show up here).
consistent() {
	awk '
	/XS_WRITE: \/[hr]\/k[0-9] [^ ]+ -> OK$/ { last[$6] = $7; next }
	/XS_READ: \/[hr]\/k[0-9] -> / {
		if (($6 in last) && last[$6] != $8) { bad++; print "# " $0 " (wrote " last[$6] ")" }
	}
	END { exit bad > 0 }' "$1"
}

# Each kind of cycle twice: whatever a cycle left behind shows at the next
# attach.  (12 cycles made this the slowest script of the tracers' serial
# lane, 19 s of 128 s.)
cycles=6 good=0
for c in $(seq $cycles); do
	case $((c % 3)) in
	0) snoop_start -c 3000 || break; snoop_wait ;;			# stops by itself
	1) snoop_start || break						# detached at once
	   on=$("$X" semaphores "$XSD_PID" | awk '$1 == "reply_record" { print $2 }')
	   snoop_stop ;;
	2) snoop_start -j -c 2000 || break; snoop_wait ;;
	esac
	r=ok
	[ $((c % 3)) != 1 ] || [ "${on:-0}" -gt 0 ] || r="reply_record probe not enabled while attached"
	[ "$SNOOP_RC" == 0 ] || r="exit status $SNOOP_RC"
	grep -q '^Detached from xenstored PID [0-9]*: [0-9]* events, 0 lost$' "$SNOOP_ERR" ||
		r="lost events: $(grep Detached "$SNOOP_ERR")"
	[ $((c % 3)) == 2 ] || consistent "$SNOOP_OUT" || r="inconsistent lines"
	all_zero || r="semaphores left set: $("$X" semaphores "$XSD_PID" | tr '\n' ' ')"
	if [ "$r" == ok ]; then good=$((good + 1)); else echo "# cycle $c: $r"; fi
done
assert_eq "$cycles attach/detach cycles under load: probes enabled while attached, clean exit, 0 lost, consistent lines, probes disabled after" \
	"$cycles" "$good"

touch "$T_DIR/stop"
kill -TERM "$H"
wait "$H"
wait "$C"
read -r _ n _ bad <"$T_DIR/hammer.out"
assert_eq "raw client: no reply lost or changed ($n requests)" 0 "$bad"
[ "${n:-0}" -gt 1000 ] && ok "raw client made progress" || fail "raw client made progress ($n)"
read -r _ rounds _ cbad <"$T_DIR/clients.out"
assert_eq "real clients: no reply lost or changed ($rounds rounds)" 0 "$cbad"
daemon_alive && ok "daemon still running" || fail "daemon still running"
done_testing
