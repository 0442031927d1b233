/* ops_watch.c - WATCH, UNWATCH, RESET_WATCHES. */
#include <errno.h>
#include <stdlib.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "ops.h"
#include "path.h"
#include "probes.h"
#include "request.h"
#include "txn.h"
#include "watch.h"

/* The first event goes out right after OK, with the path exactly as the
 * client registered it (relative stays relative). */
static void initial_event(struct request *r)
{
	const char *as_sent = r->payload;
	watch_send_event(r->after_arg, as_sent, &r->events.cause);
}

static int parse_depth(const char *s, int *depth)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end != '\0' || s[0] == '\0' || v < 0 || v > 65535)
		return EINVAL;
	*depth = (int)v;
	return 0;
}

int do_watch(struct request *r)
{
	const char *argv[3];
	char path[XS_PATH_BUF];
	struct conn *c = r->conn;
	unsigned nargs = xs_count_args(r->payload, r->hdr.len), limit;
	struct watch *w;
	int depth = -1, err;
	bool rel;

	if (nargs != 2 && !(nargs == 3 && (c->features & XS_FEATURE_WATCHDEPTH)))
		return EINVAL;
	xs_split_args(r->payload, r->hdr.len, argv, nargs);
	if (nargs == 3 && parse_depth(argv[2], &depth))
		return EINVAL;
	if ((err = ops_resolve(r, argv[0], true, path, &rel)))
		return err;
	limit = request_quota(r, QUOTA_WATCHES);
	if (c->domain && !quota_allows(limit, c->domain->watches + 1))
		return request_quota_exceeded(r, QUOTA_WATCHES, c->domain->watches + 1, ENOSPC);
	if ((err = watch_add(&r->daemon->model.watches, c, path, rel, argv[1], depth, &w)))
		return err;
	if (c->domain)
		c->domain->watches++;
	r->after_reply = initial_event;
	r->after_arg = w;
	return reply_ok(r);
}

int do_unwatch(struct request *r)
{
	const char *argv[2];
	char path[XS_PATH_BUF];
	bool rel;
	int err;

	if (!request_args(r, argv, 2))
		return EINVAL;
	if ((err = ops_resolve(r, argv[0], true, path, &rel)))
		return err;
	if ((err = watch_remove(&r->daemon->model.watches, r->conn, path, argv[1])))
		return err;
	if (r->conn->domain)
		r->conn->domain->watches--;
	return reply_ok(r);
}

/* Drops every watch and every transaction of the caller; safe with any
 * tx_id in the header (XSA-484), which the table makes us ignore. */
int do_reset_watches(struct request *r)
{
	struct conn *c = r->conn;

	if (c->domain)
		c->domain->watches -= c->nwatches;
	watch_remove_all(&r->daemon->model.watches, c);
	conn_drop_all_txns(c);
	return reply_ok(r);
}
