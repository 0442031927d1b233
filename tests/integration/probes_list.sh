#!/bin/bash
# probes_list.sh - the daemon's probes are the ones docs/probes.md
# publishes, each with an is-enabled semaphore, listable by bpftrace; and
# the record behind reply_record has the layout the docs give, read by a
# tracer that knows nothing but that documentation.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/snoop-lib.sh"
snoop_require
command -v bpftrace >/dev/null || { fail "bpftrace is installed"; done_testing; exit 1; }

documented=$(sed -n 's/^| `\([a-z_]*\)` | .*/\1/p' "$TOP/docs/probes.md" | sort)
in_binary=$(readelf -n "$XENSTORED" | sed -n 's/^ *Name: //p' | sort -u)
assert_eq "the probes in the binary are exactly those of docs/probes.md" \
	"$documented" "$in_binary"
no_sem=$(readelf -n "$XENSTORED" | grep -c 'Semaphore: 0x0*$')
assert_eq "every probe has an is-enabled semaphore" 0 "$no_sem"
listed=$(bpftrace -l "usdt:$XENSTORED:xenstore:*" | sed 's/.*://' | sort -u)
assert_eq "bpftrace -l lists them" "$in_binary" "$listed"

start_xenstored || { fail "daemon starts"; done_testing; exit 1; }

# The struct exactly as docs/probes.md describes it.
cat >"$T_DIR/record.bt" <<'EOF'
struct xs_probe_reply {
	unsigned int size, conn_id, domid, pid, req_id, tx_id, type;
	int err;
	unsigned int req_len, rsp_len;
	unsigned long long start_ns;
	char *req, *rsp;
	unsigned long long seq;
};
BEGIN { printf("ready\n"); }
usdt:*:xenstore:reply_record /((struct xs_probe_reply *)arg0)->type == 11/ {
	$r = (struct xs_probe_reply *)arg0;
	printf("size=%u argsize=%u dom=%u pid=%u type=%u err=%d req_len=%u rsp_len=%u ",
	       $r->size, arg1, $r->domid, $r->pid, $r->type, $r->err, $r->req_len,
	       $r->rsp_len);
	printf("timed=%d numbered=%d req=%s rsp=%s\n", $r->start_ns > 0, $r->seq > 0,
	       str($r->req), str($r->rsp));
	exit();
}
EOF
fifo=$T_DIR/bt.fifo
mkfifo "$fifo"
bpftrace -p "$XSD_PID" "$T_DIR/record.bt" >"$fifo" 2>"$T_DIR/bt.err" &
bt=$!
T_PIDS+=("$bt")
exec {fd}<"$fifo"
line=
while IFS= read -r -t 60 line <&"$fd" && [ "$line" != ready ]; do :; done
assert_eq "bpftrace attaches to reply_record" ready "$line"
w=$(pid_of xenstore-write /probes/a hello)
IFS= read -r -t 60 line <&"$fd"
exec {fd}<&-
wait "$bt"
assert_eq "reply_record carries the request and its reply in the documented layout" \
	"size=72 argsize=72 dom=0 pid=$w type=11 err=0 req_len=15 rsp_len=3 timed=1 numbered=1 req=/probes/a rsp=OK" \
	"$line"

done_testing
