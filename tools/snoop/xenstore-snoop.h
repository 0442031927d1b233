/*
 * xenstore-snoop.h - the event record shared by xenstore-snoop.bpf.c (which
 * fills it from the daemon's USDT probes, see src/probes.h) and
 * the user side (snoop_join.c joins it, snoop_output.c filters and prints
 * it).
 *
 * One record per probe hit.  A request costs one hit: the reply probe
 * carries the request payload as well as the answer.
 */
#ifndef XENSTORE_SNOOP_H
#define XENSTORE_SNOOP_H

#define XSS_DATA_MAX 256	/* bytes kept of each payload or string (power of 2) */

/* Which probe a record comes from; "payload 0/1" are the two parts of
 * data[] below. */
enum xss_kind {
	XSS_REPLY = 1,		/* 0: request payload, 1: reply payload */
	XSS_WATCH_EVENT = 2,	/* 0: path, 1: token */
	XSS_TXN_DONE = 3,	/* 0: conflict path (EAGAIN), else empty */
	XSS_CONN_OPEN = 4,	/* 0: command name, 1: kind ("socket", ...) */
	XSS_CONN_CLOSE = 5,	/* 0: reason */
	XSS_DOMAIN_INTRODUCE = 6,
	XSS_DOMAIN_RELEASE = 7,	/* 0: reason */
	XSS_QUOTA = 8,		/* 0: quota name */
	XSS_EXEC = 9,		/* the daemon exec'd (live update); no payload */
};

/* txn_done results, as the probe passes them. */
enum xss_txn_result {
	XSS_TXN_COMMITTED = 0,
	XSS_TXN_ABORTED = 1,
	XSS_TXN_EAGAIN = 2,
	XSS_TXN_FAILED = 3,
	XSS_TXN_DROPPED = 4,
};

/* Bits of xss_event.flags. */
#define XSS_F_CUT0	0x1	/* payload 0 kept only in part */
#define XSS_F_CUT1	0x2	/* payload 1 kept only in part */
#define XSS_F_FAULT0	0x4	/* payload 0 could not be read (page not mapped) */
#define XSS_F_FAULT1	0x8	/* payload 1 could not be read */
#define XSS_F_STR0	0x10	/* payload 0 came from a C string (NUL not kept) */
#define XSS_F_STR1	0x20	/* payload 1 came from a C string */
#define XSS_F_NULL0	0x40	/* payload 0 was a NULL pointer */
#define XSS_F_NULL1	0x80	/* payload 1 was a NULL pointer */
#define XSS_F_CONTEXT	0x100	/* a reply the filters reject, sent only because
				 * it caused a watch event, transaction end or
				 * quota hit that is on its way */
#define XSS_F_AFTER_REPLY 0x200	/* a watch event fired after the reply of its
				 * cause (the first event of a new watch) */

struct xss_event {
	unsigned long long ts_ns;	/* bpf_ktime_get_ns() at the probe (CLOCK_MONOTONIC) */
	unsigned long long lat_ns;	/* reply: since the request arrived (0 = unknown);
					 * txn_done: the transaction's duration */
	unsigned long long val[3];	/* per kind, see below */
	unsigned long long seq;		/* the request's number on its connection
					 * (reply, txn_done, quota), or the cause's
					 * (watch event); 0 = unknown */
	unsigned int kind;		/* enum xss_kind */
	unsigned int flags;		/* XSS_F_* */
	unsigned int conn_id;		/* connection (watcher for watch events) */
	unsigned int domid;
	unsigned int pid;		/* client process, 0 for guests */
	unsigned int req_id;
	unsigned int tx_id;
	unsigned int type;		/* XS_* message type */
	int err;			/* reply: errno sent back, 0 = success */
	unsigned int len[2];		/* original length of each payload */
	unsigned int copied[2];		/* bytes of each kept in data[] */
	/* The first payload's bytes, then the second's: data[copied[0]...].
	 * Only the used part travels through the ring buffer. */
	char data[2 * XSS_DATA_MAX];
};
#define XSS_EVENT_HDR_SIZE __builtin_offsetof(struct xss_event, data)

/* The daemon's struct xs_probe_reply (src/probes.h), which the
 * reply_record probe points to, in types the BPF side knows (x86-64:
 * pointers are 8 bytes).  xenstore-snoop.c checks the two agree. */
struct xss_reply_record {
	unsigned int size;
	unsigned int conn_id;
	unsigned int domid;
	unsigned int pid;
	unsigned int req_id;
	unsigned int tx_id;
	unsigned int type;
	int err;
	unsigned int req_len;
	unsigned int rsp_len;
	unsigned long long start_ns;
	unsigned long long req;
	unsigned long long rsp;
	unsigned long long seq;		/* appended: not in older daemons' */
};
/*
 * val[] by kind:
 *   WATCH_EVENT       cause conn_id, cause req_id
 *   TXN_DONE          result, nodes touched, requests (ops)
 *   CONN_OPEN         uid
 *   DOMAIN_INTRODUCE  event channel, gfn   (domid in domid)
 *   QUOTA             value reached, limit (req_id in req_id)
 */

#endif
