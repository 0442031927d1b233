#!/bin/bash
# self_contained.sh - a fresh clone needs nothing beside it: no file of the
# repository refers to files outside it (../shared, /work/...), protocol
# citations name docs/PROTOCOL.md, and every section cited (§N.N anywhere)
# is a section of docs/PROTOCOL.md.  Tests that lack something skip the
# same way: through skip_all or skip, with the reason.  (bench/results/
# keeps the record of past runs as they were written, paths included.)
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1

files() { git ls-files | grep -v '^bench/results/'; }

outside=$(files | xargs grep -nE '\.\./shared|/work/|xenstore-spec\.md|bpf-usdt\.md' 2>/dev/null |
	grep -v '^tests/integration/self_contained.sh:')
assert_eq "no file refers to anything outside the repository" "" "$outside"

spec=$(files | xargs grep -nE '\b[Ss]pec §' 2>/dev/null | grep -v '^tests/integration/self_contained.sh:')
assert_eq "protocol citations name docs/PROTOCOL.md, not \"spec §\"" "" "$spec"

sections=$(grep -oE '^#+ [0-9]+(\.[0-9]+)?' docs/PROTOCOL.md | awk '{ sub(/\.$/, "", $2); print $2 }')
missing=$(files | grep -v '^docs/PROTOCOL.md$' | xargs grep -ohE '§[0-9]+(\.[0-9]+)?' 2>/dev/null |
	sed 's/§//' | sort -u | while read -r s; do
		grep -qx -- "$s" <<<"$sections" || echo "§$s"
	done)
[ -n "$sections" ] && assert_eq "every § cited is a section of docs/PROTOCOL.md" "" "$missing"

# A test that cannot run says why through lib.sh, never by exiting quietly.
quiet=$(grep -lE '^\s*exit 0' tests/integration/*.sh | while read -r t; do
	grep -qE 'skip_all|skip ' "$t" || echo "$t"
done)
assert_eq "tests that stop early skip with a reason (skip_all)" "" "$quiet"
done_testing
