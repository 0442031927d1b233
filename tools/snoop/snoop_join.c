/*
 * snoop_join.c - xenstore-snoop's joins: which records make one line.
 *
 * The daemon handles one request at a time, and what a request causes
 * fires before its reply: its watch events (which carry the cause's
 * connection and request ids), the txn_done of a TRANSACTION_END and the
 * quota_exceeded of a refused request.  Those records wait here for the
 * reply they belong to, matched by ids, and are printed with it (the
 * watch events first, as the daemon queued them).  The first event of a
 * new watch is the exception: it comes right after the WATCH reply.
 * What waits in vain (its reply filtered out or lost, its connection
 * gone) is released on its own, by the rules below.
 *
 * Fed one ring-buffer record at a time (snoop_join_record); prints
 * through snoop_output.c.  No libbpf: the unit tests feed it streams.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snoop_conns.h"
#include "snoop_env.h"
#include "snoop_join.h"
#include "snoop_output.h"

/* A copy of a record that waits: a watch event for the reply of the
 * request that caused it, a txn_done or quota_exceeded for the reply it
 * annotates.  Few wait at a time, so a flat array does. */
struct held {
	struct xss_event *e;
	unsigned long long seen_ns;	/* when user space got it */
};

struct hold_list {
	struct held *v;
	size_t n, cap;
};

static struct hold_list held_watches, held_txns, held_quotas;

static int hold(struct hold_list *l, const struct xss_event *e, size_t size,
		unsigned long long now)
{
	struct xss_event *copy;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct held *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	copy = calloc(1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, e, size < sizeof(*copy) ? size : sizeof(*copy));
	l->v[l->n].e = copy;
	l->v[l->n].seen_ns = now;
	l->n++;
	return 0;
}

/* Removes entry i, keeping the order; the caller frees the record. */
static struct xss_event *unhold(struct hold_list *l, size_t i)
{
	struct xss_event *e = l->v[i].e;

	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
	return e;
}

/* Held records wait at most this long (by probe time, then by clock). */
#define HOLD_EVENT_NS (50ULL * 1000000)
#define HOLD_CLOCK_NS (200ULL * 1000000)

static bool overdue(const struct held *h, unsigned long long now, bool all)
{
	return all || run.newest_ts > h->e->ts_ns + HOLD_EVENT_NS ||
	       now > h->seen_ns + HOLD_CLOCK_NS;
}

void snoop_join_expire(bool all)
{
	unsigned long long now = now_ns(CLOCK_MONOTONIC);
	size_t i;

	for (i = 0; i < held_watches.n;) {
		if (overdue(&held_watches.v[i], now, all)) {
			struct xss_event *e = unhold(&held_watches, i);

			print_watch(e, NULL);
			free(e);
		} else {
			i++;
		}
	}
	for (i = 0; i < held_txns.n;) {
		if (overdue(&held_txns.v[i], now, all)) {
			struct xss_event *e = unhold(&held_txns, i);

			print_orphan(e);
			free(e);
		} else {
			i++;
		}
	}
	for (i = 0; i < held_quotas.n;) {
		if (overdue(&held_quotas.v[i], now, all)) {
			struct xss_event *e = unhold(&held_quotas, i);

			print_orphan(e);
			free(e);
		} else {
			i++;
		}
	}
}

/*
 * The daemon handles one request at a time, so a reply (or a watch event
 * of another request) proves that every request before it is done: what
 * still waits for one of those will never be joined (its reply was
 * filtered out in BPF, or never sent) and is released now, in order.
 */
static void release_unmatched(const struct xss_event *e)
{
	bool reply = e->kind == XSS_REPLY;
	unsigned long long cconn = reply ? e->conn_id : e->val[0];
	unsigned long long creq = reply ? e->req_id : e->val[1];
	size_t i;

	for (i = 0; i < held_watches.n;) {
		const struct xss_event *w = held_watches.v[i].e;

		if (w->val[0] != cconn || w->val[1] != creq) {
			struct xss_event *we = unhold(&held_watches, i);

			print_watch(we, NULL);
			free(we);
		} else {
			i++;
		}
	}
	if (!reply)
		return;
	for (i = 0; i < held_txns.n;) {
		const struct xss_event *t = held_txns.v[i].e;

		if (e->type != XS_TRANSACTION_END || t->conn_id != e->conn_id ||
		    t->tx_id != e->tx_id) {
			struct xss_event *te = unhold(&held_txns, i);

			print_orphan(te);
			free(te);
		} else {
			i++;
		}
	}
	for (i = 0; i < held_quotas.n;) {
		const struct xss_event *q = held_quotas.v[i].e;

		if (q->conn_id != e->conn_id || q->req_id != e->req_id) {
			struct xss_event *qe = unhold(&held_quotas, i);

			print_orphan(qe);
			free(qe);
		} else {
			i++;
		}
	}
}

/* A connection closes: nothing it asked for will be answered any more. */
static void release_conn(unsigned conn_id)
{
	struct hold_list *lists[] = { &held_watches, &held_txns, &held_quotas };
	size_t i, l;

	for (l = 0; l < 3; l++)
		for (i = 0; i < lists[l]->n;) {
			struct xss_event *h = lists[l]->v[i].e;

			if ((l == 0 ? h->val[0] : h->conn_id) != conn_id) {
				i++;
				continue;
			}
			h = unhold(lists[l], i);
			if (l == 0)
				print_watch(h, NULL);
			else
				print_orphan(h);
			free(h);
		}
}

/* The last record, if it was the reply to a successful XS_WATCH. */
static struct xss_event watch_reply;
static bool watch_reply_last;

/* Finds and removes a held record matching (conn, id); id is the tx_id
 * for transactions, the req_id for quotas. */
static struct xss_event *take(struct hold_list *l, unsigned conn, unsigned id, bool by_tx)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct xss_event *h = l->v[i].e;

		if (h->conn_id == conn && (by_tx ? h->tx_id : h->req_id) == id)
			return unhold(l, i);
	}
	return NULL;
}

/* A reply: the watch events its request caused come first, as they did
 * in the daemon, then its line with what else it caused. */
static void join_reply(const struct xss_event *e)
{
	struct xss_event *txn = NULL, *quota = NULL;
	size_t i;

	for (i = 0; i < held_watches.n;) {
		const struct xss_event *w = held_watches.v[i].e;

		if (w->val[0] == e->conn_id && w->val[1] == e->req_id) {
			struct xss_event *we = unhold(&held_watches, i);

			print_watch(we, e);
			free(we);
		} else {
			i++;
		}
	}
	if (e->type == XS_TRANSACTION_END)
		txn = take(&held_txns, e->conn_id, e->tx_id, true);
	quota = take(&held_quotas, e->conn_id, e->req_id, false);
	print_reply(e, txn, quota);
	free(txn);
	free(quota);
}

int snoop_join_record(const void *data, size_t size)
{
	struct xss_event full;
	const struct xss_event *e = &full;
	unsigned long long now = 0;
	struct conn_info *c;

	if (count_reached())
		return -ECANCELED;
	/* Records arrive trimmed; work on a full-size copy of one that
	 * passed the bounds checks. */
	if (!snoop_record_decode(data, size, &full))
		return 0;	/* not ours */
	if (e->kind == XSS_EXEC) {
		exec_noted(run.traced_pid);
		return 0;
	}
	exec_note_before(e);
	if (e->ts_ns > run.newest_ts)
		run.newest_ts = e->ts_ns;

	switch (e->kind) {
	case XSS_REPLY:
		c = conn_get(e->conn_id, e->domid, e->pid);
		if (c) {
			c->domid = e->domid;
			c->pid = e->pid;
		}
		release_unmatched(e);
		join_reply(e);
		if (e->type == XS_WATCH && !e->err) {
			watch_reply = full;
			watch_reply_last = true;
			return count_reached() ? -ECANCELED : 0;
		}
		break;
	case XSS_WATCH_EVENT:
		if (!e->val[0] && !e->val[1]) {
			print_watch(e, NULL);
			break;
		}
		/* The first event of a new watch is sent right after the
		 * WATCH reply: the record just before this one. */
		if (watch_reply_last && e->conn_id == watch_reply.conn_id &&
		    e->val[0] == watch_reply.conn_id && e->val[1] == watch_reply.req_id) {
			print_watch(e, &watch_reply);
			break;
		}
		release_unmatched(e);
		now = now_ns(CLOCK_MONOTONIC);
		if (hold(&held_watches, e, size, now))
			print_watch(e, NULL);
		break;
	case XSS_TXN_DONE:
		if (e->val[0] == XSS_TXN_DROPPED) {
			print_orphan(e);
			break;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (hold(&held_txns, e, size, now))
			print_orphan(e);
		break;
	case XSS_QUOTA:
		now = now_ns(CLOCK_MONOTONIC);
		if (hold(&held_quotas, e, size, now))
			print_orphan(e);
		break;
	case XSS_CONN_OPEN: {
		struct snoop_payload comm = snoop_payload_of(e, 0), kind = snoop_payload_of(e, 1);

		conn_forget(e->conn_id);
		c = conn_get(e->conn_id, e->domid, e->pid);
		if (c) {
			/* The daemon passes the client's name as it set it:
			 * any bytes. */
			if (comm.n && !comm.fault)
				snoop_clean(c->comm, sizeof(c->comm), comm.p,
					    strnlen((const char *)comm.p, comm.n));
			if (kind.n && !kind.fault)
				snoop_clean(c->kind, sizeof(c->kind), kind.p,
					    strnlen((const char *)kind.p, kind.n));
			c->uid = e->val[0];
			c->have_uid = true;
		}
		print_extra(e);
		break;
	}
	case XSS_CONN_CLOSE:
		release_conn(e->conn_id);
		print_extra(e);
		conn_forget(e->conn_id);
		break;
	case XSS_DOMAIN_INTRODUCE:
	case XSS_DOMAIN_RELEASE:
		print_extra(e);
		break;
	}
	watch_reply_last = false;
	return count_reached() ? -ECANCELED : 0;
}

void snoop_join_reset(void)
{
	struct hold_list *lists[] = { &held_watches, &held_txns, &held_quotas };

	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < lists[l]->n; i++)
			free(lists[l]->v[i].e);
		free(lists[l]->v);
		memset(lists[l], 0, sizeof(*lists[l]));
	}
	watch_reply_last = false;
}
