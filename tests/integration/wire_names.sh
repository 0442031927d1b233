#!/bin/bash
# wire_names.sh - one table of message-type names (src/wire_names.h), and
# nothing else keeps a copy that could drift (as four copies once did:
# XS_RESTRICT vs XS_RESTRICT_REMOVED): numbered 0..N-1 in order, type 20
# named as Xen names it, the built bpftrace scripts name exactly those
# types, xenstore-snoop accepts those names, and no C or bpftrace source
# spells a name table of its own.  (The Python test helpers and
# fuzz/make-seeds.py keep a few type numbers, under names of their own.)
. "$(dirname "$0")/../lib.sh"

header="$TOP/src/wire_names.h"
table=$(sed -n 's/^[[:space:]]*X(\([0-9][0-9]*\), \([A-Z_][A-Z_]*\)).*/\1 XS_\2/p' "$header")
count=$(wc -l <<<"$table")
assert_eq "the table numbers its types 0..N-1 in order" "$(seq 0 $((count - 1)))" \
	"$(cut -d' ' -f1 <<<"$table")"
assert_eq "type 20 is Xen's XS_RESTRICT (xs_wire.h, docs/misc/xenstore.txt)" "20 XS_RESTRICT" \
	"$(sed -n 21p <<<"$table")"

for bt in "$TOP"/tools/bpftrace/*.bt.in; do
	name=$(basename "$bt" .in)
	built="$BUILD/tools/bpftrace/$name"
	[ -f "$built" ] || { fail "$name is built"; continue; }
	assert_eq "$name names the table's types, no others" "$table" \
		"$(sed -n 's/^[[:space:]]*@op\[\([0-9]*\)\] = "\([A-Z_]*\)";$/\1 \2/p' "$built")"
done

if [ -x "$BUILD/tools/xenstore-snoop" ]; then
	names=$(cut -d' ' -f2 <<<"$table" | paste -sd,)
	assert_cmd "xenstore-snoop -o accepts every name of the table" \
		"$BUILD/tools/xenstore-snoop" -o "$names" --version
	assert_fails "xenstore-snoop -o refuses the drifted XS_RESTRICT_REMOVED" \
		"$BUILD/tools/xenstore-snoop" -o XS_RESTRICT_REMOVED --version
else
	skip "xenstore-snoop -o accepts every name of the table" "xenstore-snoop not built (no kernel BTF)"
	skip "xenstore-snoop -o refuses the drifted XS_RESTRICT_REMOVED" "xenstore-snoop not built"
fi

# A name table anywhere else: a quoted type name, or a bpftrace @op line.
copies=$(cd "$TOP" && grep -rlE --include='*.[ch]' --include='*.bt*' \
	'"(XS_)?SET_TARGET"|@op\[[0-9]+\] *=' src tools tests fuzz bench)
assert_eq "no other file keeps a table of type names" "" "$copies"
done_testing
