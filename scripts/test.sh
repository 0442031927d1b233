#!/bin/bash
# test.sh - install what is missing, build everything, run every test.
# This is the README's test command and what CI runs:
#   1. the whole suite (unit + integration) against the normal build;
#   2. the whole suite again against the ASan+UBSan build (every daemon a
#      test starts is also checked for leak reports when it stops);
#   3. every fuzz target for a bounded time (fuzz/run.sh), if present:
#      FUZZ_SECONDS each (default 25), as many at once as there are CPUs.
# Integration scripts run in parallel (tests/run); each part's time is
# printed, so a slow part is seen at once.
# Ends with one line "N passed, N failed" over all of it.
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    step 1 only
#   scripts/test.sh PATTERN    step 1, only tests whose name has PATTERN
set -u
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
make -s -j"$(nproc)" all || exit 1
# Xen's daemons and tools for the comparisons (Debian's xen-utils-4.17,
# downloaded once); without them those tests skip, saying so.
tests/peers/peers.sh setup || echo "=== no Xen peers: the tests that need them will skip" >&2

passed=0 failed=0 skipped=0
log=$(mktemp "${TMPDIR:-/tmp}/xs-test.XXXXXX")
trap 'rm -f "$log"' EXIT
# run_suite LABEL CMD...: runs a tests/run-style command, adds its counts.
run_suite() {
	local label=$1 line
	shift
	echo "=== $label"
	local start=$SECONDS
	"$@" 2>&1 | tee "$log"
	echo "=== $label: $((SECONDS - start)) s"
	line=$(tail -n 1 "$log" | grep -E '^[0-9]+ passed, [0-9]+ failed' || true)
	if [ -z "$line" ]; then
		echo "=== $label: no result line" >&2
		failed=$((failed + 1))
		return
	fi
	set -- $line
	passed=$((passed + $1)); failed=$((failed + $3))
	[ "${5:-}" ] && skipped=$((skipped + ${5:-0}))
}

if [ "${1:-}" != "" ] && [ "${1:-}" != "--quick" ]; then
	run_suite "tests: $1" tests/run "$1"
else
	run_suite "tests (normal build)" tests/run
	if [ "${1:-}" != "--quick" ]; then
		if make -s -j"$(nproc)" SAN=1 all; then
			run_suite "tests (ASan+UBSan build)" env BUILD="$PWD/build-san" tests/run
		else
			echo "=== sanitizer build failed" >&2; failed=$((failed + 1))
		fi
		if [ -x fuzz/run.sh ]; then
			run_suite "fuzzing" env FUZZ_JOBS="${FUZZ_JOBS:-$(nproc)}" \
				fuzz/run.sh "${FUZZ_SECONDS:-25}"
		fi
	fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
