/* ops_txn.c - TRANSACTION_START and TRANSACTION_END. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "log.h"
#include "ops.h"
#include "probes.h"
#include "request.h"
#include "trace_file.h"
#include "txn.h"

enum txn_result { TXN_COMMITTED, TXN_ABORTED, TXN_CONFLICT, TXN_FAILED };

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Ids start at 1 and skip 0 and ids still open. */
static uint32_t next_id(struct conn *c)
{
	uint32_t id;

	do {
		id = c->next_txid++;
	} while (id == 0 || conn_find_txn(c, id));
	return id;
}

int do_transaction_start(struct request *r)
{
	struct conn *c = r->conn;
	unsigned limit = request_quota(r, QUOTA_TRANSACTIONS);
	struct txn *t;

	if (r->txn)
		return EBUSY; /* no nesting */
	if (c->domain && !quota_allows(limit, c->domain->transactions + 1))
		return request_quota_exceeded(r, QUOTA_TRANSACTIONS,
					      c->domain->transactions + 1, ENOSPC);
	t = txn_new(next_id(c), request_quota(r, QUOTA_TRANSACTION_NODES));
	if (!t)
		return ENOMEM;
	t->domid = c->domid;
	if (c->domain && !c->priv) {
		t->owner_bytes = &c->domain->txn_bytes;
		t->bytes_limit = request_quota(r, QUOTA_MEMORY);
	}
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	if (c->domain)
		c->domain->transactions++;
	/* Always: live update measures how long transactions have been open. */
	t->start_ns = now_ns();
	if (XS_PROBE_ENABLED(txn_start))
		XS_PROBE(txn_start, c->id, c->domid, c->pid, t->id);
	return reply_printf(r, "%u", t->id);
}

static void probe_done(struct request *r, enum txn_result result)
{
	struct conn *c __attribute__((unused)) = r->conn;
	struct txn *t __attribute__((unused)) = r->txn;

	if (XS_PROBE_ENABLED(txn_done))
		XS_PROBE(txn_done, c->id, c->domid, c->pid, t->id, (int)result,
			 t->conflict_path, t->entries.count, t->ops,
			 t->start_ns ? now_ns() - t->start_ns : 0, c->requests);
	if (r->daemon->trace)
		trace_txn_done(r->daemon->trace, (int)result, t->conflict_path, t->entries.count,
			       t->ops);
}

/* Nodes created in a transaction count when it commits (PROTOCOL.md §2.4): two
 * transactions that each fit may not together pass the quota. */
static int commit_quota(struct request *r)
{
	struct domain *dom = r->conn->domain;
	unsigned limit = request_quota(r, QUOTA_NODES);
	long total;

	if (!dom || r->txn->nodes_owned <= 0)
		return 0;
	total = (long)dom->nodes + r->txn->nodes_owned;
	if (quota_allows(limit, (size_t)total))
		return 0;
	return request_quota_exceeded(r, QUOTA_NODES, (size_t)total, ENOSPC);
}

int do_transaction_end(struct request *r)
{
	struct daemon *d = r->daemon;
	const char *arg;
	enum txn_result result = TXN_ABORTED;
	int err = 0;

	if (!request_args(r, &arg, 1) || (strcmp(arg, "T") && strcmp(arg, "F")))
		return EINVAL;
	if (arg[0] == 'T') {
		err = r->txn->failed ? 0 : domain_txn_drop_departed(&d->model, r->txn, watch_changed,
								  &r->events);
		if (!err)
			err = commit_quota(r);
		if (!err)
			err = txn_commit(r->txn, &d->model.store, watch_changed, &r->events);
		result = !err ? TXN_COMMITTED : err == EAGAIN ? TXN_CONFLICT : TXN_FAILED;
		if (err == EAGAIN)
			log_debug("transaction %u of connection %u: conflict on %s",
				  r->txn->id, r->conn->id, r->txn->conflict_path);
	}
	probe_done(r, result);
	conn_drop_txn(r->conn, r->txn);
	r->txn = NULL;
	return err ? err : reply_ok(r);
}
