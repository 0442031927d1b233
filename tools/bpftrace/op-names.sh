#!/bin/sh
# op-names.sh HEADER <SCRIPT.bt.in >SCRIPT.bt - writes a bpftrace script
# from its template: the line "@OP_NAMES@" becomes one `@op[N] = "XS_NAME";`
# per message type of HEADER (src/wire_names.h, the one table of names), so
# the scripts name types exactly as the daemon and xenstore-snoop do.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 src/wire_names.h <in >out" >&2; exit 2; }
names=$(sed -n 's/^[[:space:]]*X(\([0-9][0-9]*\), \([A-Z_][A-Z_]*\)).*/@op[\1] = "XS_\2";/p' "$1")
[ -n "$names" ] || { echo "$0: no X(number, NAME) lines in $1" >&2; exit 1; }
awk -v names="$names" '
	$1 == "@OP_NAMES@" { indent = $0; sub(/@OP_NAMES@.*/, "", indent)
		n = split(names, line, "\n")
		for (i = 1; i <= n; i++) print indent line[i]
		found = 1; next }
	{ print }
	END { if (!found) { print "op-names.sh: no @OP_NAMES@ line" > "/dev/stderr"; exit 1 } }'
