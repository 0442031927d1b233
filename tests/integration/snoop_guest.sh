#!/bin/bash
# snoop_guest.sh - xenstore-snoop with guest domains (simulated hypervisor,
# real rings): a guest's requests show its domain and relative paths as
# sent, a refused request names the quota it hit, -D keeps one domain, -f
# matches a guest's relative paths under its home, and a guest's watch
# event names the dom0 request that caused it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"
. "$TOP/tests/helpers/guest.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
need_sim || { fail "build xenstored and xenstore-sim (make)"; done_testing; exit 1; }

start_sim_xenstored -E 5 || { fail "daemon starts with a nodes quota of 5"; done_testing; exit 1; }
for d in 1 2; do
	boot_domain $d >"$T_DIR/boot" 2>&1 || { fail "domain $d boots"; sed 's/^/#   /' "$T_DIR/boot"; }
done

snoop_start || fail "attaches"
A=$SNOOP_N
snoop_start -D 1 || fail "attaches with -D 1"
D=$SNOOP_N
snoop_start -f /local/domain/1/n || fail "attaches with -f"
F=$SNOOP_N

assert_eq "guest 1 hits its nodes quota" \
	"$(printf '%s\n' 'write n/1 v -> OK' 'write n/2 v -> ENOSPC' 'watch n w1 -> OK')" \
	"$(guest 1 'write n/1 v' 'write n/2 v' 'watch n w1')"
assert_eq "guest 2 reads" "read name -> guest2" "$(guest 2 'read name')"
w=$(pid_of xenstore-write /local/domain/1/n/1 x)
for n in $A $D $F; do snoop_stop $n; done

g1="$(fmt 1 0 0 'XS_WRITE: n/1 v -> OK')
$(fmt 1 0 0 '[ERROR] XS_WRITE: n/2 v -> ENOSPC (quota nodes: 6 > limit 5)')
$(fmt 1 0 0 'XS_WATCH: n w1 -> OK')
$(fmt 1 0 - 'XS_WATCH_EVENT: n w1 (cause: XS_WATCH n, dom 1 pid 0)')"
ev="$(fmt 1 0 - "XS_WATCH_EVENT: n/1 w1 (cause: XS_WRITE /local/domain/1/n/1, dom 0 pid $w)")"
assert_lines "guests' requests as sent, with the quota a refused one hit" \
"$g1
$(fmt 2 0 0 'XS_READ: name -> guest2')
$ev
$(fmt 0 "$w" 0 'XS_WRITE: /local/domain/1/n/1 x -> OK')" "$(snoop_lines $A)"
assert_lines "-D 1: only domain 1 (the event's dom0 cause is still named)" "$g1
$ev" "$(snoop_lines $D)"
assert_lines "-f /local/domain/1/n: a guest's relative paths count under its home" \
"$g1
$ev
$(fmt 0 "$w" 0 'XS_WRITE: /local/domain/1/n/1 x -> OK')" "$(snoop_lines $F)"
done_testing
