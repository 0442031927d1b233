/* request.c - the operation table and the one dispatch point. */
#include "request.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "ops.h"
#include "probes.h"
#include "quota.h"
#include "trace_file.h"
#include "txn.h"

#define OP_PRIV 1u      /* privileged domain only (EACCES otherwise) */
#define OP_NOTID 2u     /* tx_id ignored */
#define OP_NEEDS_TXN 4u /* tx_id must name an open transaction */

struct op {
	int (*fn)(struct request *r);
	unsigned flags;
};

/* Types without a handler (WATCH_EVENT, ERROR, the removed RESTRICT) and
 * types past the table get ENOSYS. */
static const struct op op_table[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { do_control, OP_PRIV | OP_NOTID },
	[XS_DIRECTORY] = { do_directory, 0 },
	[XS_READ] = { do_read, 0 },
	[XS_GET_PERMS] = { do_get_perms, 0 },
	[XS_WATCH] = { do_watch, OP_NOTID },
	[XS_UNWATCH] = { do_unwatch, OP_NOTID },
	[XS_TRANSACTION_START] = { do_transaction_start, 0 },
	[XS_TRANSACTION_END] = { do_transaction_end, OP_NEEDS_TXN },
	[XS_INTRODUCE] = { do_introduce, OP_PRIV | OP_NOTID },
	[XS_RELEASE] = { do_release, OP_PRIV | OP_NOTID },
	[XS_GET_DOMAIN_PATH] = { do_get_domain_path, OP_NOTID },
	[XS_WRITE] = { do_write, 0 },
	[XS_MKDIR] = { do_mkdir, 0 },
	[XS_RM] = { do_rm, 0 },
	[XS_SET_PERMS] = { do_set_perms, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { do_is_domain_introduced, OP_PRIV | OP_NOTID },
	[XS_RESUME] = { do_resume, OP_PRIV | OP_NOTID },
	[XS_SET_TARGET] = { do_set_target, OP_PRIV | OP_NOTID },
	[XS_RESET_WATCHES] = { do_reset_watches, OP_NOTID },
	[XS_DIRECTORY_PART] = { do_directory_part, 0 },
	[XS_GET_FEATURE] = { do_get_feature, OP_NOTID },
	[XS_SET_FEATURE] = { do_set_feature, OP_PRIV | OP_NOTID },
	[XS_GET_QUOTA] = { do_get_quota, OP_PRIV | OP_NOTID },
	[XS_SET_QUOTA] = { do_set_quota, OP_PRIV | OP_NOTID },
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fire_reply_record(const struct request *r, int err)
{
	const struct conn *c = r->conn;
	struct xs_probe_reply rec = {
		.size = sizeof(rec), .conn_id = c->id, .domid = c->domid, .pid = c->pid,
		.req_id = r->hdr.req_id, .tx_id = r->hdr.tx_id, .type = r->hdr.type,
		.err = err, .req_len = r->hdr.len, .rsp_len = (uint32_t)r->rsp_len,
		.start_ns = r->start_ns, .req = r->payload, .rsp = r->rsp,
		.seq = c->requests,
	};

	/* The sdt asm takes only the pointer: without a memory clobber the
	 * compiler could leave rec unwritten. */
	__asm__ __volatile__("" : : "r"(&rec) : "memory");
	XS_PROBE(reply_record, &rec, sizeof(rec));
}

static int run(struct request *r)
{
	const struct op *op = r->hdr.type < XS_TYPE_COUNT ? &op_table[r->hdr.type] : NULL;
	struct conn *c = r->conn;

	if (!op || !op->fn)
		return ENOSYS;
	if ((op->flags & OP_PRIV) && !c->priv)
		return EACCES;
	if (!(op->flags & OP_NOTID) && r->hdr.tx_id) {
		r->txn = conn_find_txn(c, r->hdr.tx_id);
		if (!r->txn)
			return ENOENT;
		r->txn->ops++;
	}
	if ((op->flags & OP_NEEDS_TXN) && !r->txn)
		return ENOENT;
	return op->fn(r);
}

void request_handle(struct conn *c, const struct xs_msg_header *hdr, const char *payload)
{
	struct daemon *d = c->daemon;
	struct request r = { .conn = c, .daemon = d, .hdr = *hdr, .payload = payload,
			     .events = { d, { c->id, hdr->req_id } }, .rsp = d->reply };
	uint32_t type = hdr->type;
	const char *errname;
	int err;

	if (XS_PROBE_ENABLED(reply) || XS_PROBE_ENABLED(reply_record))
		r.start_ns = now_ns();
	if (XS_PROBE_ENABLED(request))
		XS_PROBE(request, c->id, c->domid, c->pid, hdr->req_id, hdr->tx_id, type,
			 payload, hdr->len);
	d->requests++;
	c->requests++;
	r.events.cause.seq = c->requests;	/* the probes' id of this request */
	if (d->trace)
		trace_request(d->trace, c, hdr, payload);

	err = run(&r);
	if (err) {
		errname = xs_error_name(err);
		r.rsp_len = strlen(errname) + 1;
		memcpy(r.rsp, errname, r.rsp_len);
		type = XS_ERROR;
		if (XS_PROBE_ENABLED(error))
			XS_PROBE(error, c->id, c->domid, c->pid, hdr->req_id, hdr->tx_id,
				 hdr->type, err, errname);
	}
	if (r.no_reply)
		return;
	if (XS_PROBE_ENABLED(reply))
		XS_PROBE(reply, c->id, c->domid, c->pid, hdr->req_id, hdr->tx_id, hdr->type,
			 err, payload, hdr->len, r.rsp, r.rsp_len, r.start_ns);
	if (XS_PROBE_ENABLED(reply_record))
		fire_reply_record(&r, err);
	if (XS_PROBE_ENABLED(request_done)) {
		r.rsp[r.rsp_len] = '\0'; /* the scratch buffer has room */
		/* An empty request shows as the reply's terminating NUL: a string
		 * literal's page may be unmapped for the tracer (docs/probes.md, "Tracing"). */
		XS_PROBE(request_done, c->domid, c->pid, hdr->tx_id, type,
			 hdr->len ? payload : r.rsp + r.rsp_len, r.rsp);
	}
	if (d->trace)
		trace_reply(d->trace, c, hdr, payload, err, r.rsp, r.rsp_len);
	conn_queue(c, type, hdr->req_id, hdr->tx_id, r.rsp, r.rsp_len);
	if (!err && r.after_reply)
		r.after_reply(&r);
}

int reply_append(struct request *r, const void *data, size_t len)
{
	if (r->rsp_len + len > XS_PAYLOAD_MAX)
		return E2BIG;
	if (len)
		memcpy(r->rsp + r->rsp_len, data, len);
	r->rsp_len += len;
	return 0;
}

int reply_bytes(struct request *r, const void *data, size_t len)
{
	r->rsp_len = 0;
	return reply_append(r, data, len);
}

int reply_str(struct request *r, const char *s)
{
	return reply_bytes(r, s, strlen(s) + 1);
}

int reply_ok(struct request *r)
{
	return reply_bytes(r, "OK", 3);
}

int reply_printf(struct request *r, const char *fmt, ...)
{
	char buf[XS_PAYLOAD_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return E2BIG;
	return reply_bytes(r, buf, (size_t)n + 1);
}

bool request_args(const struct request *r, const char **argv, unsigned n)
{
	if (n == 1) {
		argv[0] = xs_one_arg(r->payload, r->hdr.len);
		return argv[0] != NULL;
	}
	return xs_count_args(r->payload, r->hdr.len) == n &&
	       xs_split_args(r->payload, r->hdr.len, argv, n) == n;
}

unsigned request_args_min(const struct request *r, const char **argv, unsigned min,
			  unsigned max)
{
	unsigned n = xs_split_args(r->payload, r->hdr.len, argv, max);
	return n >= min ? n : 0;
}

unsigned request_quota(const struct request *r, int id)
{
	if (r->conn->priv)
		return 0;
	return domain_quota(r->conn->domain, &r->daemon->model.quotas, (enum quota_id)id);
}

int request_quota_exceeded(const struct request *r, int id, size_t value, int err)
{
	struct conn *c = r->conn;

	if (XS_PROBE_ENABLED(quota_exceeded))
		XS_PROBE(quota_exceeded, c->id, c->domid, quota_table[id].name, value,
			 request_quota(r, id), r->hdr.req_id, c->requests);
	if (r->daemon->trace)
		trace_quota(r->daemon->trace, quota_table[id].name, value, request_quota(r, id));
	return err;
}
