/*
 * xenstore-snoop.bpf.c - BPF side of xenstore-snoop: one program per USDT
 * probe of xenstored (src/probes.h), each turning a hit into one
 * struct xss_event in a ring buffer.
 *
 * Kept cheap for the daemon: filters run before anything is copied; only
 * the used part of a record travels (a typical request is ~150 bytes, not
 * the 600 a record can hold); records are submitted without waking the
 * reader, which drains the ring on a timer, unless the ring is filling
 * up; and the request/error probes are not used at all, because the reply
 * probe carries the request too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "xenstore-snoop.h"

/* bpf_usdt_arg() reads with a GPL-only helper. */
char LICENSE[] SEC("license") = "GPL";

#define XS_TRANSACTION_END 7
#define XS_WATCH_EVENT 15

/* Filters, set by user space before load (-1 / 0 = off). */
const volatile long long filter_domid = -1;
const volatile long long filter_pid = -1;
const volatile __u32 filter_types = 0;	/* bit per XS_* type; 0 = all */
const volatile bool errors_only = false;
const volatile bool filtering = false;	/* any of the above is set */
/* The traced daemon: its process id as seen from the PID namespace
 * xenstore-snoop runs in (device and inode of /proc/self/ns/pid).  The
 * probes are attached to the daemon's binary for every process that runs
 * it, not to the daemon's task alone: a probe attached to one task is a
 * perf event in that task's context, and every context switch of the
 * daemon then pays for each of them (9% of its throughput with our eight
 * probe sites, docs/BENCHMARKS.md).  So each program first checks whose
 * hit it is. */
const volatile __u32 daemon_tgid = 0;
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;
/* Wake the reader early once this many bytes wait (a quarter of the ring). */
const volatile __u64 wakeup_bytes = 1 << 20;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* resized by user space before load */
} events SEC(".maps");

/* A record is built here, then only its used part is sent. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xss_event);
} scratch SEC(".maps");

/* Requests (cause_key()) that caused a record on its way to user space
 * that waits there for their reply (a watch event the filters let
 * through, a transaction end, a quota hit): their replies are sent too,
 * flagged XSS_F_CONTEXT, even when the filters reject them, so the join
 * is closed by the reply itself rather than by a timer.  LRU: a cause
 * whose reply never comes ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} causes SEC(".maps");

/* .bss, read by user space through the skeleton without a syscall. */
__u64 lost = 0;		/* records dropped because the ring was full */
__u64 faults = 0;	/* payloads that could not be read */

/* The request whose reply fired last, filtered or not (the daemon's
 * probes only: one thread).  A watch event it caused comes after its
 * reply, which user space must then not wait for. */
__u32 last_reply_conn = 0;
__u64 last_reply_seq = 0;

/* Names a request in the causes map: by its number on its connection
 * (seq) when the daemon's probes carry it, else by the client's req_id. */
static __always_inline __u64 cause_key(__u32 conn_id, __u32 req_id, __u64 seq)
{
	return (__u64)conn_id << 32 | (seq ? (__u32)seq : req_id);
}

/* Makes the reply of request (conn_id, seq) come through the filters. */
static __always_inline void want_reply(__u32 conn_id, __u64 seq)
{
	__u64 key = cause_key(conn_id, 0, seq);
	__u8 one = 1;

	if (filtering && seq)
		bpf_map_update_elem(&causes, &key, &one, BPF_ANY);
}

static __always_inline bool pass(__u32 domid, __u32 pid)
{
	if (filter_domid >= 0 && domid != filter_domid)
		return false;
	if (filter_pid >= 0 && pid != filter_pid)
		return false;
	return true;
}

static __always_inline bool other_process(void)
{
	struct bpf_pidns_info ns;

	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
		return true;
	return ns.tgid != daemon_tgid;
}

static __always_inline bool pass_type(__u32 type)
{
	return !filter_types || (type < 32 && (filter_types & (1u << type)));
}

static __always_inline struct xss_event *start(__u32 kind)
{
	__u32 zero = 0;
	struct xss_event *e = bpf_map_lookup_elem(&scratch, &zero);

	if (!e)
		return NULL;
	e->ts_ns = bpf_ktime_get_ns();
	e->lat_ns = 0;
	e->val[0] = e->val[1] = e->val[2] = 0;
	e->seq = 0;
	e->kind = kind;
	e->flags = 0;
	e->conn_id = e->domid = e->pid = e->req_id = e->tx_id = e->type = 0;
	e->err = 0;
	e->len[0] = e->len[1] = 0;
	e->copied[0] = e->copied[1] = 0;
	return e;
}

/* Copies a (pointer, length) payload, NULs included, to data[off...];
 * returns the bytes kept. */
static __always_inline __u32 copy_buf(struct xss_event *e, int i, __u32 off,
				      const void *ptr, __u64 len)
{
	__u32 n = len > XSS_DATA_MAX ? XSS_DATA_MAX : len;

	e->len[i] = len > 0xffffffffULL ? 0xffffffffU : len;
	if (n < len)
		e->flags |= XSS_F_CUT0 << i;
	if (!ptr) {
		e->flags |= XSS_F_NULL0 << i;
		return 0;
	}
	if (off > XSS_DATA_MAX)
		return 0;
	barrier_var(n);
	if (n > XSS_DATA_MAX)
		return 0;
	if (n == 0)
		return 0;
	if (bpf_probe_read_user(e->data + off, n, ptr)) {
		e->flags |= XSS_F_FAULT0 << i;
		__sync_fetch_and_add(&faults, 1);
		return 0;
	}
	e->copied[i] = n;
	return n;
}

/* Copies a NUL-terminated string (without the NUL) to data[off...];
 * returns the bytes kept. */
static __always_inline __u32 copy_str(struct xss_event *e, int i, __u32 off, const char *s)
{
	long n;

	e->flags |= XSS_F_STR0 << i;
	if (!s) {
		e->flags |= XSS_F_NULL0 << i;
		return 0;
	}
	if (off > XSS_DATA_MAX)
		return 0;
	n = bpf_probe_read_user_str(e->data + off, XSS_DATA_MAX, s);
	if (n <= 0) {
		e->flags |= XSS_F_FAULT0 << i;
		__sync_fetch_and_add(&faults, 1);
		return 0;
	}
	n--;	/* the NUL */
	if (n >= XSS_DATA_MAX - 1)
		e->flags |= XSS_F_CUT0 << i;	/* may have been longer */
	e->copied[i] = n;
	e->len[i] = n;
	return n;
}

static __always_inline void send(struct xss_event *e, __u32 used)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u64 size = XSS_EVENT_HDR_SIZE + used;

	if (size > sizeof(*e))
		size = sizeof(*e);
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, e, size, flags))
		__sync_fetch_and_add(&lost, 1);
}

/* A request and its reply, from either probe that carries them. */
static __always_inline int on_reply(__u32 conn_id, __u32 domid, __u32 pid, __u32 req_id,
				    __u32 tx_id, __u32 type, int err, const void *req,
				    __u64 req_len, const void *rsp, __u64 rsp_len, __u64 start_ns,
				    __u64 seq)
{
	struct xss_event *e;
	bool context = false;
	__u32 n;

	last_reply_conn = conn_id;
	last_reply_seq = seq;
	if (!pass(domid, pid) || !pass_type(type) || (errors_only && !err)) {
		__u64 key = cause_key(conn_id, req_id, seq);

		if (!bpf_map_lookup_elem(&causes, &key))
			return 0;
		bpf_map_delete_elem(&causes, &key);
		context = true;
	}
	e = start(XSS_REPLY);
	if (!e)
		return 0;
	if (context)
		e->flags |= XSS_F_CONTEXT;
	if (start_ns && e->ts_ns > start_ns)
		e->lat_ns = e->ts_ns - start_ns;
	e->conn_id = conn_id;
	e->domid = domid;
	e->pid = pid;
	e->req_id = req_id;
	e->tx_id = tx_id;
	e->type = type;
	e->err = err;
	e->seq = seq;
	n = copy_buf(e, 0, 0, req, req_len);
	n += copy_buf(e, 1, n, rsp, rsp_len);
	send(e, n);
	return 0;
}

/* The probe used when the daemon has it: one copy of a struct instead of
 * twelve argument fetches (each a helper call in bpf_usdt_arg()). */
SEC("usdt")
int BPF_USDT(xs_reply_record, const void *record)
{
	struct xss_reply_record r = {};

	if (other_process())
		return 0;

	/* The record's size comes with it, so the probe's second argument
	 * (the same number) is not fetched.  A newer daemon's record is
	 * longer (fields are only appended); an older one's has no seq (the
	 * bytes read past it are the daemon's stack, ignored); a shorter one
	 * is not ours. */
	if (bpf_probe_read_user(&r, sizeof(r), record) ||
	    r.size < __builtin_offsetof(struct xss_reply_record, seq)) {
		__sync_fetch_and_add(&faults, 1);
		return 0;
	}
	if (r.size < sizeof(r))
		r.seq = 0;
	return on_reply(r.conn_id, r.domid, r.pid, r.req_id, r.tx_id, r.type, r.err,
			(const void *)r.req, r.req_len, (const void *)r.rsp, r.rsp_len,
			r.start_ns, r.seq);
}

/* The same from the twelve-argument probe, for daemons without
 * reply_record. */
SEC("usdt")
int BPF_USDT(xs_reply, __u32 conn_id, __u32 domid, __u32 pid, __u32 req_id, __u32 tx_id,
	     __u32 type, int err, const void *req, __u64 req_len, const void *rsp,
	     __u64 rsp_len, __u64 start_ns)
{
	if (other_process())
		return 0;
	return on_reply(conn_id, domid, pid, req_id, tx_id, type, err, req, req_len, rsp,
			rsp_len, start_ns, 0);
}

/* cause_seq: 0 from a daemon without it (bpf_usdt_arg() gives 0 for an
 * argument the probe lacks), and for domain events. */
SEC("usdt")
int BPF_USDT(xs_watch_event, __u32 conn_id, __u32 domid, __u32 pid, const char *path,
	     const char *token, __u32 cause_conn_id, __u32 cause_req_id, __u64 cause_seq)
{
	struct xss_event *e;
	__u32 n;

	if (other_process())
		return 0;
	if (!pass(domid, pid) || !pass_type(XS_WATCH_EVENT) || errors_only)
		return 0;
	e = start(XSS_WATCH_EVENT);
	if (!e)
		return 0;
	e->conn_id = conn_id;
	e->domid = domid;
	e->pid = pid;
	e->type = XS_WATCH_EVENT;
	e->val[0] = cause_conn_id;
	e->val[1] = cause_req_id;
	e->seq = cause_seq;
	if (cause_seq && cause_conn_id == last_reply_conn && cause_seq == last_reply_seq)
		e->flags |= XSS_F_AFTER_REPLY;
	else if (filtering && (cause_conn_id || cause_req_id)) {
		__u64 key = cause_key(cause_conn_id, cause_req_id, cause_seq);
		__u8 one = 1;

		bpf_map_update_elem(&causes, &key, &one, BPF_ANY);
	}
	n = copy_str(e, 0, 0, path);
	n += copy_str(e, 1, n, token);
	send(e, n);
	return 0;
}

/* The rare events below are not filtered here: user space needs them to
 * name connections and to annotate requests, and filters them itself. */
SEC("usdt")
int BPF_USDT(xs_txn_done, __u32 conn_id, __u32 domid, __u32 pid, __u32 tx_id, int result,
	     const char *conflict_path, __u64 nodes, __u64 ops, __u64 duration_ns, __u64 seq)
{
	struct xss_event *e;

	if (other_process())
		return 0;
	e = start(XSS_TXN_DONE);
	if (!e)
		return 0;
	e->conn_id = conn_id;
	e->domid = domid;
	e->pid = pid;
	e->tx_id = tx_id;
	e->type = XS_TRANSACTION_END;
	e->val[0] = result;
	e->val[1] = nodes;
	e->val[2] = ops;
	e->lat_ns = duration_ns;
	e->seq = seq;
	want_reply(conn_id, seq);
	send(e, copy_str(e, 0, 0, conflict_path));
	return 0;
}

SEC("usdt")
int BPF_USDT(xs_conn_open, __u32 conn_id, __u32 domid, __u32 pid, __u32 uid, const char *comm,
	     const char *kind)
{
	struct xss_event *e;
	__u32 n;

	if (other_process())
		return 0;
	e = start(XSS_CONN_OPEN);
	if (!e)
		return 0;
	e->conn_id = conn_id;
	e->domid = domid;
	e->pid = pid;
	e->val[0] = uid;
	n = copy_str(e, 0, 0, comm);
	n += copy_str(e, 1, n, kind);
	send(e, n);
	return 0;
}

SEC("usdt")
int BPF_USDT(xs_conn_close, __u32 conn_id, __u32 domid, __u32 pid, const char *reason)
{
	struct xss_event *e;

	if (other_process())
		return 0;
	e = start(XSS_CONN_CLOSE);
	if (!e)
		return 0;
	e->conn_id = conn_id;
	e->domid = domid;
	e->pid = pid;
	send(e, copy_str(e, 0, 0, reason));
	return 0;
}

SEC("usdt")
int BPF_USDT(xs_domain_introduce, __u32 domid, __u32 evtchn, __u64 gfn)
{
	struct xss_event *e;

	if (other_process())
		return 0;
	e = start(XSS_DOMAIN_INTRODUCE);
	if (!e)
		return 0;
	e->domid = domid;
	e->val[0] = evtchn;
	e->val[1] = gfn;
	send(e, 0);
	return 0;
}

SEC("usdt")
int BPF_USDT(xs_domain_release, __u32 domid, const char *reason)
{
	struct xss_event *e;

	if (other_process())
		return 0;
	e = start(XSS_DOMAIN_RELEASE);
	if (!e)
		return 0;
	e->domid = domid;
	send(e, copy_str(e, 0, 0, reason));
	return 0;
}

SEC("usdt")
int BPF_USDT(xs_quota_exceeded, __u32 conn_id, __u32 domid, const char *quota, __u64 value,
	     __u64 limit, __u32 req_id, __u64 seq)
{
	struct xss_event *e;

	if (other_process())
		return 0;
	e = start(XSS_QUOTA);
	if (!e)
		return 0;
	e->conn_id = conn_id;
	e->domid = domid;
	e->req_id = req_id;
	e->val[0] = value;
	e->val[1] = limit;
	e->seq = seq;
	want_reply(conn_id, seq);
	send(e, copy_str(e, 0, 0, quota));
	return 0;
}

/* The daemon exec'd (a live update).  A record in the same stream as the
 * probes' puts the exec exactly between the old image's last event and
 * the new one's first, however late the tool notices the new image. */
SEC("tp_btf/sched_process_exec")
int xs_exec(void *ctx)
{
	struct xss_event *e;

	if (other_process())
		return 0;
	e = start(XSS_EXEC);
	if (e)
		send(e, 0);
	return 0;
}
