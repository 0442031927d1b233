#!/bin/bash
# fuzz/run.sh - runs every fuzz target for a bounded time; fails on any
# crash, sanitizer report, leak, timeout or broken invariant.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 60 s for each target
#
# Builds the targets first (make -C fuzz, into $FUZZ_BUILD, default
# build/fuzz).  Each target starts from its seed corpus (fuzz/corpus/T,
# copied: the repository is not modified) and runs with ASan, UBSan and
# LeakSanitizer.  A crash leaves its reproducer in $FUZZ_OUT/T/ and the
# command to replay it is printed.  The last lines are one summary line
# per target: executions, coverage (libFuzzer's edge counter "cov" and
# feature count "ft") and corpus size; the very last line counts targets
# as tests/run counts tests: "N passed, N failed, 0 skipped".
#
# Environment:
#   FUZZ_BUILD=DIR   where the targets are built (default build/fuzz)
#   FUZZ_OUT=DIR     where corpora, logs and reproducers go (default: a
#                    new directory under ${TMPDIR:-/tmp}, kept)
#   FUZZ_JOBS=N      run N targets at once (default 1)
#   FUZZ_MERGE=1     afterwards, add what the run found (minimised with
#                    libFuzzer's -merge=1) to fuzz/corpus/T
#
# A long run is the same command with more time, e.g. an hour per target
# on every core, keeping what it finds:
#   FUZZ_JOBS=$(nproc) FUZZ_MERGE=1 fuzz/run.sh 3600
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
SECS=${1:-60}
shift 2>/dev/null || true
BUILD=$(mkdir -p "${FUZZ_BUILD:-$TOP/build/fuzz}" && cd "${FUZZ_BUILD:-$TOP/build/fuzz}" && pwd)
OUT=${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/xs-fuzz.XXXXXX")}
JOBS=${FUZZ_JOBS:-1}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_wire fuzz_request fuzz_ring fuzz_perms fuzz_snoop fuzz_lustream)

case $SECS in
'' | *[!0-9]*) echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

make -s -j"$(nproc)" -C "$HERE" BUILD="$BUILD" || { echo "fuzz/run.sh: build failed" >&2; exit 1; }

# Longest input libFuzzer may build, per target (the request and ring
# targets read programs of many steps).
max_len() {
	case $1 in
	fuzz_request) echo 16384 ;;
	fuzz_ring) echo 8192 ;;
	fuzz_wire) echo 12288 ;;
	fuzz_lustream) echo 8192 ;;
	*) echo 2048 ;;
	esac
}

run_one() {
	local t=$1 dir=$OUT/$1 rc
	mkdir -p "$dir/corpus" "$dir/artifacts"
	cp -n "$HERE/corpus/$t/"* "$dir/corpus/" 2>/dev/null
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$BUILD/$t" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 \
		-max_len="$(max_len "$t")" -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	echo "$rc" >"$dir/rc"
	return 0
}

summary() {
	local t=$1 dir=$OUT/$1 rc execs cov ft corp
	rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2)
	corp=$(ls "$dir/corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'ok    %-13s %5ss  execs %-10s cov %-5s ft %-6s corpus %s\n' \
			"$t" "$SECS" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corp"
		return 0
	fi
	printf 'FAIL  %-13s exit %s after %s execs (log: %s)\n' "$t" "$rc" "${execs:-?}" "$dir/log"
	grep -E '==ERROR|==fuzz invariant==|runtime error|SUMMARY|ERROR: libFuzzer' "$dir/log" |
		head -5 | sed 's/^/      /'
	for a in "$dir"/artifacts/*; do
		[ -e "$a" ] || continue
		echo "      reproducer: $a"
		echo "      replay:     FUZZ_TRACE=1 $BUILD/$t $a"
	done
	return 1
}

echo "fuzz/run.sh: ${#TARGETS[@]} targets, ${SECS}s each, $JOBS at a time; output in $OUT"
running=0
for t in "${TARGETS[@]}"; do
	[ -x "$BUILD/$t" ] || { echo "fuzz/run.sh: no target $t" >&2; exit 2; }
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

failed=0
for t in "${TARGETS[@]}"; do
	summary "$t" || failed=$((failed + 1))
done

if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$failed" -eq 0 ]; then
	for t in "${TARGETS[@]}"; do
		before=$(ls "$HERE/corpus/$t" | wc -l)
		"$BUILD/$t" -merge=1 -max_len="$(max_len "$t")" "$HERE/corpus/$t" \
			"$OUT/$t/corpus" >"$OUT/$t/merge.log" 2>&1
		echo "merged  $t: $before -> $(ls "$HERE/corpus/$t" | wc -l) seeds"
	done
fi

# Last line in tests/run's form, which scripts/test.sh adds up.
echo "$((${#TARGETS[@]} - failed)) passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
