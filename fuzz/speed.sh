#!/bin/bash
# fuzz/speed.sh - executions per CPU second of a fuzz target, measured on
# fixed inputs so two builds can be compared on a busy machine (CPU time
# of the target, not wall time; no mutation, so both run the same work).
#
#   fuzz/speed.sh BINARY CORPUS [REPEAT]
#
# Prints two lines:
#   corpus  every input of CORPUS run once (-runs=0), REPEAT times (default 3)
#   reset   20,000 inputs of at most one byte (-max_len=1 from an empty
#           corpus): what the target costs per input before the input
#           does anything (setup, the checks at start and end, teardown)
# Example (docs/FUZZING.md): a corpus from a short run, then both builds:
#   build/fuzz/fuzz_request -max_total_time=20 -max_len=16384 DIR
#   fuzz/speed.sh OLD/fuzz_request DIR; fuzz/speed.sh build/fuzz/fuzz_request DIR
set -u
[ $# -ge 2 ] && [ -x "$1" ] && [ -d "$2" ] || {
	echo "usage: fuzz/speed.sh BINARY CORPUS [REPEAT]" >&2; exit 2; }
bin=$1 corpus=$2 rep=${3:-3}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
tck=$(getconf CLK_TCK)
# CPU time (user + system) of this shell's waited-for children, in ticks.
children_cpu() { awk '{ print $16 + $17 }' /proc/$$/stat; }
rate() { local t=$2; [ "$t" -gt 0 ] || t=1; echo $(($1 * tck / t)); }

n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
t0=$(children_cpu)
for _ in $(seq "$rep"); do
	"$bin" -runs=0 -max_len=16384 "$corpus" >/dev/null 2>&1 || {
		echo "fuzz/speed.sh: $bin failed on $corpus" >&2; exit 1; }
done
t1=$(children_cpu)
echo "corpus  $((n * rep)) execs in $(echo "scale=2; ($t1 - $t0) / $tck" | bc) CPU s: $(rate $((n * rep)) $((t1 - t0))) per CPU second"

empty=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-speed.XXXXXX")
t0=$(children_cpu)
"$bin" -runs=20000 -max_len=1 "$empty" >/dev/null 2>&1
t1=$(children_cpu)
rm -rf "$empty"
echo "reset   20000 execs in $(echo "scale=2; ($t1 - $t0) / $tck" | bc) CPU s: $(rate 20000 $((t1 - t0))) per CPU second"
