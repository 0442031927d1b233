#!/bin/bash
# robustness.sh - defects found by hostile testing (issue 9, docs/SECURITY.md
# "Defects found by hostile testing"): pipelined clients, signals, start-up
# failures, a second daemon on the same socket, log injection, running out
# of file descriptors.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/protocol.sh"

need_xsraw || { fail "build tests/helpers/xsraw.c"; done_testing; exit 1; }
start_xenstored || { fail "daemon starts"; done_testing; exit 1; }

# --- pipelining past the output bound --------------------------------------------
# 100 replies of 2 KB are 200 KB, three times OUT_SOFT_LIMIT: the daemon
# stops parsing at the bound and must go on once the client has read.
val=$(printf 'v%.0s' $(seq 1 2000))
reads=()
for i in $(seq 2 101); do reads+=("READ:$i:0:/pipe/k\\0"); done
out=$(raw -p "WRITE:1:0:/pipe/k\\0$val" "${reads[@]}")
assert_eq "100 READs of 2 KB in one send(): every one is answered" 100 \
	"$(grep -c "^READ [0-9]* 0 $val\$" <<<"$out")"

done_testing
