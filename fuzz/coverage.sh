#!/bin/bash
# fuzz/coverage.sh - how much of the daemon (and of xenstore-snoop's
# parsers) a corpus reaches: source-based coverage (llvm-cov) of src/*.c
# and tools/snoop/snoop_parse.c when every target replays its corpus.
#
#   fuzz/coverage.sh [CORPUS_ROOT]   default: fuzz/corpus; CORPUS_ROOT/T
#                                    holds target T's inputs (a run's
#                                    $FUZZ_OUT works as well)
#
# Prints llvm-cov's per-file table (regions, functions, lines, branches)
# for the daemon's core sources (not the OS glue: xenstored.c, event.c,
# unix_socket.c, hv_sim.c, hv_xen.c) and snoop_parse.c, and a TOTAL line
# (a target without a corpus under CORPUS_ROOT is left out); the HTML report
# is left in $FUZZ_BUILD/cov/html (FUZZ_BUILD: default build/fuzz).
# Builds with `make -C fuzz coverage` (no sanitizers).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
ROOT=${1:-$HERE/corpus}
BUILD=$(mkdir -p "${FUZZ_BUILD:-$TOP/build/fuzz}" && cd "${FUZZ_BUILD:-$TOP/build/fuzz}" && pwd)
COV=$BUILD/cov
TARGETS=(fuzz_wire fuzz_request fuzz_ring fuzz_perms fuzz_snoop)
PROFDATA=$(command -v llvm-profdata || command -v llvm-profdata-14)
LLVMCOV=$(command -v llvm-cov || command -v llvm-cov-14)

make -s -C "$HERE" BUILD="$BUILD" coverage
rm -rf "$COV/profiles"
mkdir -p "$COV/profiles"
objs=()
for t in "${TARGETS[@]}"; do
	[ -d "$ROOT/$t" ] || { [ -d "$ROOT/$t/corpus" ] || continue; }
	dir=$ROOT/$t
	[ -d "$dir/corpus" ] && dir=$dir/corpus
	LLVM_PROFILE_FILE="$COV/profiles/$t.%p.profraw" \
		"$COV/$t" -runs=0 "$dir" >"$COV/profiles/$t.log" 2>&1 || {
		echo "coverage: $t failed replaying $dir (see $COV/profiles/$t.log)" >&2
		exit 1
	}
	objs+=(-object "$COV/$t")
done
"$PROFDATA" merge -sparse "$COV"/profiles/*.profraw -o "$COV/all.profdata"
# The daemon's core: every src/ file but the OS glue no in-process fuzzer
# reaches (main, the epoll loop, the socket listener, the real and the
# simulated hypervisor backends; log.c is replaced by log_fuzz.c).  Plus
# xenstore-snoop's modules that only fuzz_snoop links (tools/snoop/).
ignore='(fuzz_[a-z]+[.]c|harness[.]h|log_fuzz[.]c|/src/(xenstored|unix_socket|event|hv_sim|hv_xen|log)[.]c)$'
"$LLVMCOV" report -instr-profile="$COV/all.profdata" "${objs[@]:1}" \
	-ignore-filename-regex="$ignore"
"$LLVMCOV" show -format=html -output-dir="$COV/html" -instr-profile="$COV/all.profdata" \
	"${objs[@]:1}" -ignore-filename-regex="$ignore" >/dev/null
echo "coverage: HTML report in $COV/html/index.html"
