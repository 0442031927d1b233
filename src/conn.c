/* conn.c - framing, output queue and lifetime of a connection. */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "domain.h"
#include "live_update.h"
#include "log.h"
#include "probes.h"
#include "request.h"
#include "txn.h"
#include "watch.h"

struct conn *conn_new(struct daemon *d, const struct conn_ops *ops, void *transport,
		      unsigned domid)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->in = malloc(CONN_IN_BUF);
	if (!c->in) {
		free(c);
		return NULL;
	}
	c->ops = ops;
	c->transport = transport;
	c->daemon = d;
	c->id = ++d->next_conn_id;
	c->domid = domid;
	c->priv = domid == d->model.priv_domid;
	c->out_hard_limit = d->out_limit_priv;
	c->next_txid = 1;
	c->next = d->conns;
	if (d->conns)
		d->conns->prev = c;
	d->conns = c;
	d->nconns++;
	return c;
}

size_t conn_pending_output(const struct conn *c)
{
	return c->out_len - c->out_off;
}

static void update_interest(struct conn *c)
{
	bool backlog = conn_pending_output(c) > 0;
	c->ops->set_interest(c, !c->held && conn_pending_output(c) <= OUT_SOFT_LIMIT, backlog);
}

void conn_flush(struct conn *c)
{
	while (!c->dead && c->out_off < c->out_len) {
		ssize_t n = c->ops->send(c, c->out + c->out_off, c->out_len - c->out_off);
		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0) {
			conn_close(c, "write error");
			return;
		}
		c->out_off += (size_t)n;
		while (c->out_next_msg < c->out_off) {
			struct xs_msg_header h;
			if (c->out_next_msg + sizeof(h) > c->out_len) {
				c->out_next_msg = c->out_off; /* restored bytes, not messages */
				break;
			}
			memcpy(&h, c->out + c->out_next_msg, sizeof(h));
			c->out_next_msg += sizeof(h) + h.len;
		}
	}
	if (c->dead)
		return;
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = c->out_next_msg = 0;
		c->outstanding = 0;
		/* Read up: tell watches whose events were dropped. */
		if (c->overflowed_watches)
			watch_send_overflows(c);
	}
	update_interest(c);
	if (c->ops->batch_done)
		c->ops->batch_done(c);
}

static int reserve_output(struct conn *c, size_t need)
{
	size_t cap;
	char *p;

	if (c->out_off && c->out_len + need > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_next_msg -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + need <= c->out_cap)
		return 0;
	cap = c->out_cap ? c->out_cap : 8192;
	while (cap < c->out_len + need)
		cap *= 2;
	p = realloc(c->out, cap);
	if (!p)
		return ENOMEM;
	c->out = p;
	c->out_cap = cap;
	return 0;
}

int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const void *payload, size_t len)
{
	struct xs_msg_header h = { type, req_id, tx_id, (uint32_t)len };

	if (c->dead || c->close_pending)
		return EPIPE;
	if (reserve_output(c, sizeof(h) + len)) {
		/* The request may already be applied: a client left waiting
		 * for its reply would wait forever.  Not now: we may be
		 * inside a loop over this conn's watches. */
		log_warnx("connection %u (domain %u, pid %d %s): out of memory queueing a reply, closing",
			  c->id, c->domid, (int)c->pid, c->comm);
		c->close_pending = "out of memory";
		c->daemon->oom_closes++;
	} else {
		memcpy(c->out + c->out_len, &h, sizeof(h));
		if (len)
			memcpy(c->out + c->out_len + sizeof(h), payload, len);
		c->out_len += sizeof(h) + len;
	}
	if (!c->flush_pending) {
		c->flush_pending = true;
		c->flush_next = c->daemon->flush;
		c->daemon->flush = c;
	}
	return c->close_pending ? ENOMEM : 0;
}

/* A guest may have only so many requests answered but unread (quota
 * outstanding); the privileged domain is bounded by OUT_SOFT_LIMIT. */
static bool may_take_request(const struct conn *c)
{
	unsigned limit;

	if (c->close_pending || c->held)
		return false;
	if (conn_pending_output(c) > OUT_SOFT_LIMIT)
		return false;
	if (c->priv || !c->domain)
		return true;
	limit = domain_quota(c->domain, &c->daemon->model.quotas, QUOTA_OUTSTANDING);
	return limit == 0 || c->outstanding < limit;
}

/* Handles every complete message in the input buffer, as long as the
 * client keeps reading its replies. */
static void process_input(struct conn *c)
{
	size_t off = 0;

	while (!c->dead && c->in_len - off >= XS_HEADER_SIZE && may_take_request(c)) {
		struct xs_msg_header h;
		memcpy(&h, c->in + off, sizeof(h));
		if (h.len > XS_PAYLOAD_MAX) {
			log_warnx("Client tried to feed us %u (connection %u, domain %u, pid %d %s)",
				  h.len, c->id, c->domid, (int)c->pid, c->comm);
			if (c->ops->protocol_error)
				c->ops->protocol_error(c);
			conn_close(c, "payload too long");
			return;
		}
		if (c->in_len - off < XS_HEADER_SIZE + h.len)
			break;
		if (live_update_holds(c, &h)) {
			c->held = true;
			break;
		}
		request_handle(c, &h, c->in + off + XS_HEADER_SIZE);
		c->outstanding++;
		off += XS_HEADER_SIZE + h.len;
	}
	if (c->dead)
		return;
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

static bool request_buffered(const struct conn *c)
{
	struct xs_msg_header h;

	if (c->in_len < XS_HEADER_SIZE)
		return false;
	memcpy(&h, c->in, sizeof(h));
	return c->in_len - XS_HEADER_SIZE >= h.len || h.len > XS_PAYLOAD_MAX;
}

/*
 * Answers buffered requests and sends the replies, again and again while
 * the replies leave: parsing stops at the output bound, and once a round
 * has read the client's bytes, requests still buffered here get no new
 * EPOLLIN to wake them.  Bounded by the input buffer.
 */
static void serve_input(struct conn *c)
{
	while (!c->dead && request_buffered(c) && may_take_request(c)) {
		process_input(c);
		if (!c->dead)
			conn_flush(c);
	}
	if (!c->dead)
		conn_flush(c);
}

void conn_readable(struct conn *c)
{
	ssize_t n;

	if (c->dead)
		return;
	if (may_take_request(c) && c->in_len < CONN_IN_BUF) {
		n = c->ops->recv(c, c->in + c->in_len, CONN_IN_BUF - c->in_len);
		if (n == 0) {
			conn_close(c, "closed by peer");
			return;
		}
		if (n < 0 && n != -EAGAIN) {
			conn_close(c, "read error");
			return;
		}
		if (n > 0)
			c->in_len += (size_t)n;
	}
	serve_input(c);
	if (!c->dead && c->in_len)
		c->daemon->partial_input = true;
}

void conn_writable(struct conn *c)
{
	if (c->dead)
		return;
	conn_flush(c);
	/* Requests held back by the output bound can go on now. */
	serve_input(c);
}

struct txn *conn_find_txn(const struct conn *c, uint32_t id)
{
	for (struct txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

void conn_drop_txn(struct conn *c, struct txn *t)
{
	for (struct txn **pp = &c->txns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			c->ntxns--;
			if (c->domain)
				c->domain->transactions--;
			txn_free(t);
			return;
		}
	}
}

void conn_drop_all_txns(struct conn *c)
{
	while (c->txns) {
		struct txn *t = c->txns;
		if (XS_PROBE_ENABLED(txn_done))
			XS_PROBE(txn_done, c->id, c->domid, c->pid, t->id, 4, NULL,
				 t->entries.count, t->ops, 0, (uint64_t)0);
		conn_drop_txn(c, t);
	}
}

void conn_reset(struct conn *c)
{
	if (c->domain)
		c->domain->watches -= c->nwatches;
	watch_remove_all(&c->daemon->model.watches, c);
	conn_drop_all_txns(c);
	c->in_len = 0;
	c->out_off = c->out_len = c->out_next_msg = 0;
	c->outstanding = 0;
}

size_t conn_partial_output(const struct conn *c)
{
	return c->out_next_msg > c->out_off ? c->out_next_msg - c->out_off : 0;
}

int conn_restore_buffers(struct conn *c, const void *in, size_t in_len, const void *out,
			 size_t out_len, size_t first_rest)
{
	if (in_len > CONN_IN_BUF)
		return EINVAL;
	if (in_len)
		memcpy(c->in, in, in_len);
	c->in_len = in_len;
	if (out_len) {
		if (reserve_output(c, out_len))
			return ENOMEM;
		memcpy(c->out + c->out_len, out, out_len);
		c->out_len += out_len;
	}
	c->out_next_msg = first_rest;
	return 0;
}

/* Not now: the caller may be in the middle of another request.  The
 * held requests are taken at the end of the round. */
void conn_release(struct conn *c)
{
	if (c->dead || !c->held)
		return;
	c->held = false;
	c->release_pending = true;
	if (!c->flush_pending) {
		c->flush_pending = true;
		c->flush_next = c->daemon->flush;
		c->daemon->flush = c;
	}
}

void conn_resume_later(struct conn *c)
{
	if (c->dead || c->resume_pending || !c->ops->resume)
		return;
	c->resume_pending = true;
	c->resume_next = c->daemon->resume;
	c->daemon->resume = c;
}

/* A closed conn is freed at the end of the round: it must not stay on
 * the list of the next one. */
static void resume_cancel(struct conn *c)
{
	struct conn **pp = &c->daemon->resume;

	if (!c->resume_pending)
		return;
	while (*pp && *pp != c)
		pp = &(*pp)->resume_next;
	if (*pp)
		*pp = c->resume_next;
	c->resume_pending = false;
}

void conn_close(struct conn *c, const char *why)
{
	struct daemon *d = c->daemon;

	if (c->dead)
		return;
	c->dead = true;
	resume_cancel(c);
	if (XS_PROBE_ENABLED(conn_close))
		XS_PROBE(conn_close, c->id, c->domid, c->pid, why);
	log_debug("connection %u (domain %u, pid %d %s) closed: %s", c->id, c->domid,
		  (int)c->pid, c->comm, why);
	live_update_conn_closed(c);
	conn_reset(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->nconns--;
	c->ops->destroy(c);
	c->reap_next = d->reap;
	d->reap = c;
}

static void conn_reap(struct daemon *d)
{
	while (d->reap) {
		struct conn *c = d->reap;
		d->reap = c->reap_next;
		if (c->ops->free_transport)
			c->ops->free_transport(c);
		free(c->in);
		free(c->out);
		free(c);
	}
}

bool conn_end_of_round(struct daemon *d)
{
	struct conn *resume = d->resume;

	/* Taken as a whole: what resumes and stops short again waits for
	 * the next round, after the others. */
	d->resume = NULL;
	while (resume) {
		struct conn *c = resume;
		resume = c->resume_next;
		c->resume_pending = false;
		if (!c->dead) /* closed by an earlier one: not freed before the reap */
			c->ops->resume(c);
	}
	while (d->flush) {
		struct conn *c = d->flush;
		d->flush = c->flush_next;
		c->flush_pending = false;
		if (c->close_pending) {
			conn_close(c, c->close_pending);
		} else if (!c->dead && c->release_pending) {
			c->release_pending = false;
			conn_writable(c);	/* what it held back, then the rest */
			if (!c->dead)
				conn_resume_later(c);
		} else if (!c->dead) {
			conn_flush(c);
		}
	}
	conn_reap(d);
	return d->resume != NULL;
}
