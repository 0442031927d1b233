/* ring.c - the shared-ring transport (see ring.h). */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "hv.h"
#include "log.h"
#include "probes.h"

struct ring_conn {
	struct xs_ring_page *page;
	int port;
	bool broken;
	bool kick;    /* indexes moved since the peer was last notified */
};

#define full_barrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)

uint32_t ring_copy_out(const char *ring, uint32_t cons, uint32_t avail, void *buf,
		       uint32_t len)
{
	uint32_t n = avail < len ? avail : len;
	uint32_t off = cons & (XS_RING_SIZE - 1);
	uint32_t first = XS_RING_SIZE - off < n ? XS_RING_SIZE - off : n;

	memcpy(buf, ring + off, first);
	memcpy((char *)buf + first, ring, n - first);
	return n;
}

uint32_t ring_copy_in(char *ring, uint32_t prod, uint32_t space, const void *buf,
		      uint32_t len)
{
	uint32_t n = space < len ? space : len;
	uint32_t off = prod & (XS_RING_SIZE - 1);
	uint32_t first = XS_RING_SIZE - off < n ? XS_RING_SIZE - off : n;

	memcpy(ring + off, buf, first);
	memcpy(ring, (const char *)buf + first, n - first);
	return n;
}

static struct hv *hv_of(const struct conn *c)
{
	return c->daemon->hv;
}

/* Bad indexes or input: cut this connection off, keep the domain. */
static void mark_broken(struct conn *c, uint32_t why)
{
	struct ring_conn *r = c->transport;

	r->broken = true;
	if (c->features & XS_FEATURE_ERROR)
		r->page->error = why;
	log_warnx("domain %u: ring %s, connection ignored", c->domid,
		  why == XS_RING_ERR_RINGIDX ? "indexes invalid" : "protocol error");
}

static ssize_t ring_recv(struct conn *c, void *buf, size_t len)
{
	struct ring_conn *r = c->transport;
	struct xs_ring_page *p = r->page;
	uint32_t cons, prod, n;
	int avail;

	if (r->broken)
		return -EIO;
	cons = p->req_cons;
	prod = p->req_prod;
	full_barrier();
	avail = ring_avail(cons, prod);
	if (avail < 0) {
		mark_broken(c, XS_RING_ERR_RINGIDX);
		return -EIO;
	}
	if (avail == 0 || len == 0)
		return -EAGAIN;
	n = ring_copy_out(p->req, cons, (uint32_t)avail, buf,
			  len > XS_RING_SIZE ? XS_RING_SIZE : (uint32_t)len);
	full_barrier();
	p->req_cons = cons + n;
	r->kick = true;
	return n;
}

static ssize_t ring_send(struct conn *c, const void *buf, size_t len)
{
	struct ring_conn *r = c->transport;
	struct xs_ring_page *p = r->page;
	uint32_t cons, prod, n;
	int used;

	if (r->broken)
		return -EIO;
	cons = p->rsp_cons;
	prod = p->rsp_prod;
	full_barrier();
	used = ring_avail(cons, prod);
	if (used < 0) {
		mark_broken(c, XS_RING_ERR_RINGIDX);
		return -EIO;
	}
	if (used == XS_RING_SIZE)
		return -EAGAIN;
	n = ring_copy_in(p->rsp, prod, XS_RING_SIZE - (uint32_t)used, buf,
			 len > XS_RING_SIZE ? XS_RING_SIZE : (uint32_t)len);
	full_barrier();
	p->rsp_prod = prod + n;
	r->kick = true;
	return n;
}

/* The event channel is always armed: nothing to change. */
static void ring_interest(struct conn *c, bool want_in, bool want_out)
{
	(void)c;
	(void)want_in;
	(void)want_out;
}

static void ring_destroy(struct conn *c)
{
	struct ring_conn *r = c->transport;
	struct daemon *d = c->daemon;

	daemon_unmap_port(d, r->port);
	d->hv->ops->unbind(d->hv, r->port);
	d->hv->ops->unmap_ring(d->hv, r->page);
	if (c->domain && c->domain->conn == c)
		c->domain->conn = NULL;
	free(r);
	c->transport = NULL;
}

/* One notification for everything a batch consumed and produced: the
 * guest looks at both indexes when it wakes. */
static void ring_batch_done(struct conn *c)
{
	struct ring_conn *r = c->transport;

	if (r && r->kick) {
		r->kick = false;
		hv_of(c)->ops->notify(hv_of(c), r->port);
	}
}

static void ring_protocol_error(struct conn *c)
{
	mark_broken(c, XS_RING_ERR_PROTO);
}

static const struct conn_ops ring_ops = {
	.kind = "ring",
	.recv = ring_recv,
	.send = ring_send,
	.set_interest = ring_interest,
	.destroy = ring_destroy,
	.protocol_error = ring_protocol_error,
	.batch_done = ring_batch_done,
};

void ring_reset(struct xs_ring_page *page, uint32_t features)
{
	page->req_cons = page->req_prod = 0;
	page->rsp_cons = page->rsp_prod = 0;
	page->error = XS_RING_ERR_NONE;
	page->server_features = features;
	full_barrier();
	page->connection = XS_RING_CONNECTED;
}

int ring_conn_port(const struct conn *c)
{
	const struct ring_conn *r = c->transport;
	return c->ops == &ring_ops && r ? r->port : -1;
}

bool ring_conn_broken(const struct conn *c)
{
	const struct ring_conn *r = c->transport;
	return r && r->broken;
}

struct conn *ring_conn_new(struct daemon *d, struct domain *dom,
			   struct xs_ring_page *page, int local_port)
{
	struct ring_conn *r = calloc(1, sizeof(*r));
	struct conn *c = r ? conn_new(d, &ring_ops, r, dom->domid) : NULL;

	if (!c) {
		free(r);
		return NULL;
	}
	r->page = page;
	r->port = local_port;
	c->domain = dom;
	c->features = dom->features_set ? dom->features : GUEST_FEATURES;
	c->out_hard_limit = c->priv ? d->out_limit_priv
				    : domain_quota(dom, &d->quotas, QUOTA_MEMORY);
	if (XS_PROBE_ENABLED(conn_open))
		XS_PROBE(conn_open, c->id, c->domid, c->pid, c->uid, c->comm, "ring");
	return c;
}

/* A guest asked to start over (RECONNECT): forget everything in flight. */
static void reconnect(struct conn *c)
{
	struct ring_conn *r = c->transport;

	conn_reset(c);
	ring_reset(r->page, r->page->server_features);
	hv_of(c)->ops->notify(hv_of(c), r->port);
}

void ring_conn_event(struct conn *c)
{
	struct ring_conn *r = c->transport;
	uint32_t before;

	if (c->dead || r->broken)
		return;
	if (r->page->connection == XS_RING_RECONNECT) {
		reconnect(c);
		return;
	}
	/* One notification may stand for more than one read's worth. */
	do {
		before = r->page->req_cons;
		conn_writable(c);
		if (c->dead || r->broken)
			return;
		conn_readable(c);
	} while (!c->dead && !r->broken && r->page->req_cons != before);
	if (!c->dead)
		ring_batch_done(c);
}
