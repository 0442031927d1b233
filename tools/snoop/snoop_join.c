/*
 * snoop_join.c - xenstore-snoop's joins: which records make one line.
 *
 * The daemon handles one request at a time, and what a request causes
 * fires before its reply: its watch events, the txn_done of a
 * TRANSACTION_END and the quota_exceeded of a refused request.  Those
 * records wait here for the reply they belong to and are printed with it
 * (the watch events first, as the daemon queued them).  They are matched
 * exactly: each names its request by connection id and the request's
 * number on that connection (seq, src/probes.h), and the BPF side sends
 * every reply a waiting record needs, even one its filters reject.  The
 * first event of a new watch comes right after the WATCH reply instead,
 * and the BPF side flags it so.  What waits in vain (its reply lost in a
 * full ring buffer, its connection gone) is released on its own, by the
 * rules below; one timer is left, for a lost reply (HOLD_LOST_NS, and
 * HOLD_QUIET_NS when the stream lost nothing).
 * Records of a daemon without seq are matched by the client's ids, which
 * the order of the stream makes right.
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
	unsigned long long lost_then;	/* the stream's lost count then */
};

struct hold_list {
	struct held *v;
	size_t n, cap;
};

static struct hold_list held_watches, held_txns, held_quotas;
/* Records the ring buffer dropped so far (snoop_join_note_lost). */
static unsigned long long lost_count;

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
	l->v[l->n].lost_then = lost_count;
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

/* The request a held record waits for the reply of: a watch event's
 * cause, the request of a txn_done or quota_exceeded. */
static unsigned wanted_conn(const struct xss_event *h)
{
	return h->kind == XSS_WATCH_EVENT ? (unsigned)h->val[0] : h->conn_id;
}

static unsigned wanted_req_id(const struct xss_event *h)
{
	return h->kind == XSS_WATCH_EVENT ? (unsigned)h->val[1] : h->req_id;
}

/*
 * Is held record h waiting for reply e?  By the request's number on its
 * connection (seq), which the daemon's probes carry: exact.  A daemon
 * without it gives only the client's ids, which a client may repeat:
 * then the order of the stream makes them right (release_unmatched).
 */
static bool waits_for(const struct xss_event *h, const struct xss_event *e)
{
	if (wanted_conn(h) != e->conn_id)
		return false;
	if (h->seq && e->seq)
		return h->seq == e->seq;
	if (h->kind == XSS_TXN_DONE)
		return e->type == XS_TRANSACTION_END && h->tx_id == e->tx_id;
	return wanted_req_id(h) == e->req_id;
}

/* Do two watch events name the same cause? */
static bool same_cause(const struct xss_event *a, const struct xss_event *b)
{
	if (a->val[0] != b->val[0])
		return false;
	if (a->seq && b->seq)
		return a->seq == b->seq;
	return a->val[1] == b->val[1];
}

/* A record that waited in vain: a line of its own. */
static void release(struct xss_event *h)
{
	if (h->kind == XSS_WATCH_EVENT)
		print_watch(h, NULL);
	else
		print_orphan(h);
	free(h);
}

/* Releases, in order, the records of l that keep() does not keep. */
static void release_unless(struct hold_list *l,
			   bool (*keep)(const struct held *h, const struct xss_event *e),
			   const struct xss_event *e)
{
	size_t i = 0;

	while (i < l->n) {
		if (keep(&l->v[i], e))
			i++;
		else
			release(unhold(l, i));
	}
}

static struct hold_list *const all_lists[] = { &held_watches, &held_txns, &held_quotas };

/*
 * The fallback, for the one case no id can settle: the reply a record
 * waits for was lost (the ring buffer was full) and the daemon then goes
 * quiet, so no later reply proves it done (release_unmatched).  Every
 * other reply comes: the BPF side sends, flagged XSS_F_CONTEXT, the
 * replies its filters reject but a waiting record needs.
 */
#define HOLD_LOST_NS (200ULL * 1000000)
/* Nothing lost since the record came: its reply is still to come (the
 * daemon was preempted between the two, which a loaded host can make
 * last), unless the daemon died or exec'd meanwhile: wait far longer. */
#define HOLD_QUIET_NS (5000ULL * 1000000)

void snoop_join_note_lost(unsigned long long lost)
{
	lost_count = lost;
}

static unsigned long long expire_now;

static unsigned long long monotonic_now(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

/* When records are held and expired: the monotonic clock, or the unit
 * tests' own (a test must not depend on how fast the machine runs it). */
static unsigned long long (*join_clock)(void) = monotonic_now;

void snoop_join_set_clock(unsigned long long (*clock)(void))
{
	join_clock = clock ? clock : monotonic_now;
}

static bool fresh(const struct held *h, const struct xss_event *e)
{
	(void)e;
	return expire_now <= h->seen_ns + (lost_count != h->lost_then ? HOLD_LOST_NS
								      : HOLD_QUIET_NS);
}

static bool never(const struct held *h, const struct xss_event *e)
{
	(void)h;
	(void)e;
	return false;
}

void snoop_join_expire(bool all)
{
	expire_now = join_clock();
	for (size_t l = 0; l < 3; l++)
		release_unless(all_lists[l], all ? never : fresh, NULL);
}

static bool waits_for_it(const struct held *h, const struct xss_event *e)
{
	return waits_for(h->e, e);
}

static bool same_cause_as(const struct held *h, const struct xss_event *e)
{
	return same_cause(h->e, e);
}

/*
 * The daemon handles one request at a time, so a reply (or a watch event
 * of another request) proves that every request before it is done: what
 * still waits for one of those will never be joined (its reply was lost,
 * or never sent) and is released now, in order.
 */
static void release_unmatched(const struct xss_event *e)
{
	if (e->kind != XSS_REPLY) {
		release_unless(&held_watches, same_cause_as, e);
		return;
	}
	for (size_t l = 0; l < 3; l++)
		release_unless(all_lists[l], waits_for_it, e);
}

static bool other_conn(const struct held *h, const struct xss_event *e)
{
	return wanted_conn(h->e) != e->conn_id;
}

/* The last reply to a successful XS_WATCH, and whether it was the last
 * record (for a daemon whose probes carry no seq). */
static struct xss_event watch_reply;
static bool watch_reply_last;

/* Removes and returns the first held record of l waiting for e. */
static struct xss_event *take(struct hold_list *l, const struct xss_event *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (waits_for(l->v[i].e, e))
			return unhold(l, i);
	return NULL;
}

/* A reply: the watch events its request caused come first, as they did
 * in the daemon, then its line with what else it caused. */
static void join_reply(const struct xss_event *e)
{
	struct xss_event *w, *txn, *quota;

	while ((w = take(&held_watches, e))) {
		print_watch(w, e);
		free(w);
	}
	txn = take(&held_txns, e);
	quota = take(&held_quotas, e);
	print_reply(e, txn, quota);
	free(txn);
	free(quota);
}

/*
 * The first event of a new watch is sent right after the WATCH reply: the
 * BPF side flags it (the daemon's last reply was its cause's), or, from
 * a daemon without seq, it is the record right after that reply.
 */
static bool after_its_reply(const struct xss_event *e)
{
	if (e->flags & XSS_F_AFTER_REPLY)
		return true;
	return !e->seq && watch_reply_last && e->conn_id == watch_reply.conn_id &&
	       e->val[0] == watch_reply.conn_id && e->val[1] == watch_reply.req_id;
}

static void join_watch_event(const struct xss_event *e, size_t size)
{
	if (!e->val[0] && !e->val[1]) {
		print_watch(e, NULL);	/* no request caused it */
		return;
	}
	if (after_its_reply(e)) {
		bool known = watch_reply.conn_id == e->val[0] &&
			     (e->seq ? watch_reply.seq == e->seq : watch_reply.req_id == e->val[1]);

		print_watch(e, known ? &watch_reply : NULL);
		return;
	}
	release_unmatched(e);
	if (hold(&held_watches, e, size, join_clock()))
		print_watch(e, NULL);
}

int snoop_join_record(const void *data, size_t size)
{
	struct xss_event full;
	const struct xss_event *e = &full;
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
		join_watch_event(e, size);
		break;
	case XSS_TXN_DONE:
		if (e->val[0] == XSS_TXN_DROPPED) {
			print_orphan(e);
			break;
		}
		if (hold(&held_txns, e, size, join_clock()))
			print_orphan(e);
		break;
	case XSS_QUOTA:
		if (hold(&held_quotas, e, size, join_clock()))
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
		/* Nothing it asked for will be answered any more. */
		for (size_t l = 0; l < 3; l++)
			release_unless(all_lists[l], other_conn, e);
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
	for (size_t l = 0; l < 3; l++) {
		struct hold_list *list = all_lists[l];

		for (size_t i = 0; i < list->n; i++)
			free(list->v[i].e);
		free(list->v);
		memset(list, 0, sizeof(*list));
	}
	memset(&watch_reply, 0, sizeof(watch_reply));
	watch_reply_last = false;
	lost_count = 0;
}

size_t snoop_join_waiting(void)
{
	return held_watches.n + held_txns.n + held_quotas.n;
}
