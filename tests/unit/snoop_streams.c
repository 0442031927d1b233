/*
 * snoop_streams.c - records as the BPF side emits them, output capture
 * and a fresh run for the xenstore-snoop unit tests (snoop_streams.h).
 */
#include <stdlib.h>
#include <string.h>

#include "snoop_conns.h"
#include "snoop_join.h"
#include "snoop_stack_api.h"
#include "snoop_streams.h"
#include "snoop_summary.h"

static unsigned long long clock_ns = 1000000000ULL;

/* Payload i at data[off...], as copy_buf()/copy_str() leave it. */
static unsigned put_payload(struct xss_event *e, int i, unsigned off, struct pl pl, bool str)
{
	size_t n, kept;

	if (str)
		e->flags |= XSS_F_STR0 << i;
	if (!pl.p) {
		e->flags |= XSS_F_NULL0 << i;
		return 0;
	}
	n = pl.n < 0 ? strlen(pl.p) : (size_t)pl.n;
	kept = n > XSS_DATA_MAX ? XSS_DATA_MAX : n;
	if (kept < n)
		e->flags |= XSS_F_CUT0 << i;
	memcpy(e->data + off, pl.p, kept);
	e->len[i] = n;
	e->copied[i] = kept;
	return kept;
}

static struct xss_event record(unsigned kind, struct who w)
{
	struct xss_event e;

	memset(&e, 0, sizeof(e));
	clock_ns += 1000000;
	e.ts_ns = clock_ns;
	e.kind = kind;
	e.conn_id = w.conn;
	e.domid = w.dom;
	e.pid = w.pid;
	return e;
}

int feed(const struct xss_event *e)
{
	/* Trimmed to its payloads, as bpf_ringbuf_output() sends it. */
	return snoop_join_record(e, XSS_EVENT_HDR_SIZE + e->copied[0] + e->copied[1]);
}

struct xss_event rec_reply(struct who w, unsigned req, unsigned tx, unsigned type, int err,
			   struct pl req_pl, struct pl rsp_pl, unsigned long long lat_ns)
{
	struct xss_event e = record(XSS_REPLY, w);
	unsigned n;

	e.req_id = req;
	e.tx_id = tx;
	e.type = type;
	e.err = err;
	e.lat_ns = lat_ns;
	n = put_payload(&e, 0, 0, req_pl, false);
	put_payload(&e, 1, n, rsp_pl, false);
	return e;
}

struct xss_event rec_watch(struct who watcher, struct pl path, struct pl token,
			   unsigned cause_conn, unsigned cause_req)
{
	struct xss_event e = record(XSS_WATCH_EVENT, watcher);
	unsigned n;

	e.type = XS_WATCH_EVENT;
	e.val[0] = cause_conn;
	e.val[1] = cause_req;
	n = put_payload(&e, 0, 0, path, true);
	put_payload(&e, 1, n, token, true);
	return e;
}

struct xss_event rec_txn(struct who w, unsigned tx, unsigned req, int result,
			 struct pl conflict, unsigned long long nodes, unsigned long long ops,
			 unsigned long long dur_ns)
{
	struct xss_event e = record(XSS_TXN_DONE, w);

	e.tx_id = tx;
	e.req_id = req;
	e.type = XS_TRANSACTION_END;
	e.val[0] = result;
	e.val[1] = nodes;
	e.val[2] = ops;
	e.lat_ns = dur_ns;
	put_payload(&e, 0, 0, conflict, true);
	return e;
}

struct xss_event rec_quota(struct who w, unsigned req, const char *quota,
			   unsigned long long value, unsigned long long limit)
{
	struct xss_event e = record(XSS_QUOTA, w);

	e.pid = 0;	/* the probe has none */
	e.req_id = req;
	e.val[0] = value;
	e.val[1] = limit;
	put_payload(&e, 0, 0, STR(quota), true);
	return e;
}

struct xss_event rec_conn_open(struct who w, unsigned uid, const char *comm, const char *kind)
{
	struct xss_event e = record(XSS_CONN_OPEN, w);
	unsigned n;

	e.val[0] = uid;
	n = put_payload(&e, 0, 0, STR(comm), true);
	put_payload(&e, 1, n, STR(kind), true);
	return e;
}

struct xss_event rec_conn_close(struct who w, const char *reason)
{
	struct xss_event e = record(XSS_CONN_CLOSE, w);

	put_payload(&e, 0, 0, STR(reason), true);
	return e;
}

static FILE *saved_stdout, *saved_stderr;
static char *out_buf, *err_buf;
static size_t out_len, err_len;

void capture_stdout(void)
{
	fflush(stdout);
	saved_stdout = stdout;
	stdout = open_memstream(&out_buf, &out_len);
	assert_non_null(stdout);
}

char *captured_stdout(void)
{
	fclose(stdout);
	stdout = saved_stdout;
	return out_buf;
}

void capture_stderr(void)
{
	saved_stderr = stderr;
	stderr = open_memstream(&err_buf, &err_len);
	assert_non_null(stderr);
}

char *captured_stderr(void)
{
	fclose(stderr);
	stderr = saved_stderr;
	return err_buf;
}

int fresh_run(void **state)
{
	(void)state;
	memset(&env, 0, sizeof(env));
	env.domid = -1;
	env.client_pid = -1;
	env.buffer_mb = 32;
	memset(&run, 0, sizeof(run));
	conns_clear();
	snoop_join_reset();
	summary_reset(0);
	return 0;
}

