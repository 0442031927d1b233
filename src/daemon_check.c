/*
 * daemon_check.c - the daemon's self-check, for CONTROL check, every unit
 * test's teardown and every fuzz target (one place, so what the fuzzers
 * hold the daemon to is what the tests and an operator see).
 *
 * The model's part is model_check (the tree, node accounting).  This adds
 * everything that points into the connections: the connection list and
 * its count; each connection's buffers and output bound; its watches (on
 * its list and in the table, as many as it counts); its transactions
 * (distinct ids, as many as it counts); each domain's watch, transaction
 * and transaction-memory accounting against its connections; the links
 * between domain records and connections; the port map.  Every problem is
 * logged and appended to the report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain_life.h"
#include "log.h"
#include "model.h"
#include "txn.h"
#include "watch.h"

struct dcheck {
	struct daemon *d;
	char *report;
	size_t size, used;
	unsigned problems;
};

__attribute__((format(printf, 2, 3)))
static void dproblem(struct dcheck *k, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	k->problems++;
	log_warnx("check: %s", what);
	if (k->used >= k->size)
		return;
	n = snprintf(k->report + k->used, k->size - k->used, "%s\n", what);
	if (n > 0)
		k->used += (size_t)n;
}

static bool conn_listed(const struct daemon *d, const struct conn *c)
{
	for (const struct conn *x = d->conns; x; x = x->next)
		if (x == c)
			return true;
	return false;
}

static bool watch_in_table(const struct watch_table *t, const struct watch *w)
{
	for (struct hashtab_link *l = hashtab_chain(&t->by_path, w->hash); l; l = l->next)
		if (l == &w->hash_link)
			return true;
	return false;
}

/* Events stop at the hard limit; replies are taken while the queue is
 * under OUT_SOFT_LIMIT, one reply over it at most. */
static size_t output_bound(const struct conn *c)
{
	size_t limit = c->out_hard_limit > OUT_SOFT_LIMIT ? c->out_hard_limit : OUT_SOFT_LIMIT;

	return limit + XS_HEADER_SIZE + XS_PAYLOAD_MAX;
}

static void check_conn(struct dcheck *k, struct conn *c, size_t *watches)
{
	struct daemon *d = k->d;
	unsigned n = 0;

	if (c->dead)
		dproblem(k, "closed connection %u still listed", c->id);
	if (c->next && c->next->prev != c)
		dproblem(k, "connection %u: list links", c->id);
	if (c->in_len > CONN_IN_BUF)
		dproblem(k, "connection %u: input %zu", c->id, c->in_len);
	if (c->out_off > c->out_len || (c->out_len > c->out_cap && c->out_cap))
		dproblem(k, "connection %u: output queue %zu/%zu/%zu", c->id, c->out_off,
			 c->out_len, c->out_cap);
	if (c->out_hard_limit && conn_pending_output(c) > output_bound(c))
		dproblem(k, "connection %u holds %zu bytes of output, limit %zu", c->id,
			 conn_pending_output(c), c->out_hard_limit);
	for (struct watch *w = c->watches; w; w = w->conn_next) {
		n++;
		if (w->conn != c)
			dproblem(k, "watch on connection %u's list belongs elsewhere", c->id);
		if (!watch_in_table(&d->model.watches, w))
			dproblem(k, "watch %s of connection %u is not in the table", w->data,
				 c->id);
	}
	if (n != c->nwatches)
		dproblem(k, "connection %u counts %u watches, lists %u", c->id, c->nwatches, n);
	*watches += n;
	n = 0;
	for (struct txn *x = c->txns; x; x = x->next) {
		n++;
		if (x->id == 0)
			dproblem(k, "connection %u: transaction id 0", c->id);
		for (struct txn *y = x->next; y; y = y->next)
			if (x->id == y->id)
				dproblem(k, "connection %u: transaction id %u twice", c->id, x->id);
	}
	if (n != c->ntxns)
		dproblem(k, "connection %u counts %u transactions, lists %u", c->id, c->ntxns, n);
	if (c->domain && domain_find(&d->model.domains, c->domid) != c->domain)
		dproblem(k, "connection %u's domain record is not in the table", c->id);
}

static void check_domain_conns(struct domain *dom, void *arg)
{
	struct dcheck *k = arg;
	unsigned watches = 0, txns = 0;
	size_t txn_bytes = 0;

	for (const struct conn *c = k->d->conns; c; c = c->next) {
		if (c->domain != dom)
			continue;
		watches += c->nwatches;
		txns += c->ntxns;
		for (const struct txn *x = c->txns; x; x = x->next) {
			/* memory a guest's transactions hold is charged to it */
			if (x->owner_bytes && x->owner_bytes != &dom->txn_bytes)
				dproblem(k, "transaction %u of domain %u charges another record",
					 x->id, dom->domid);
			if (x->owner_bytes)
				txn_bytes += x->bytes;
		}
	}
	if (dom->txn_bytes != txn_bytes)
		dproblem(k, "domain %u charged %zu bytes for transactions holding %zu",
			 dom->domid, dom->txn_bytes, txn_bytes);
	if (dom->watches != watches)
		dproblem(k, "domain %u accounted %u watches, has %u", dom->domid, dom->watches,
			 watches);
	if (dom->transactions != txns)
		dproblem(k, "domain %u accounted %u transactions, has %u", dom->domid,
			 dom->transactions, txns);
	if (!dom->conn)
		return;
	if (!conn_listed(k->d, dom->conn))
		dproblem(k, "domain %u points at a closed connection", dom->domid);
	else if (dom->conn->domain != dom)
		dproblem(k, "domain %u's connection belongs elsewhere", dom->domid);
	if (!dom->introduced)
		dproblem(k, "domain %u has a connection but is not introduced", dom->domid);
}

static void check_watch_owner(struct hashtab_link *l, void *arg)
{
	struct dcheck *k = arg;
	const struct watch *w = hashtab_entry(l, struct watch, hash_link);

	if (!conn_listed(k->d, w->conn))
		dproblem(k, "watch %s points at a closed connection", w->data);
}

unsigned daemon_check(struct daemon *d, char *report, size_t size)
{
	struct dcheck k = { .d = d, .report = report, .size = size };
	size_t live = 0, watches = 0;

	k.problems = model_check(&d->model, report, size);
	k.used = size ? strlen(report) : 0;
	for (struct conn *c = d->conns; c; c = c->next) {
		live++;
		check_conn(&k, c, &watches);
	}
	if (live != d->nconns)
		dproblem(&k, "%zu connections listed, %u counted", live, d->nconns);
	if (watches != d->model.watches.by_path.count)
		dproblem(&k, "%zu watches on connections, table counts %zu", watches,
			 d->model.watches.by_path.count);
	hashtab_foreach(&d->model.watches.by_path, check_watch_owner, &k);
	domain_foreach(&d->model.domains, check_domain_conns, &k);
	for (size_t i = 0; i < d->ports.size; i++)
		if (d->ports.conns[i] && !conn_listed(d, d->ports.conns[i]))
			dproblem(&k, "port %zu maps to a closed connection", i);
	return k.problems;
}
