/* ring.c - the shared-ring transport (see ring.h). */
#include "ring.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
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
	bool gone;    /* the page faulted: never touch it again */
	bool kick;    /* indexes moved since the peer was last notified */
	uint64_t taken; /* request bytes consumed, counted by us (the guest
			 * can write req_cons; it cannot change this) */
};

/*
 * The ring is cut off once this many passes over it (each up to a ring's
 * worth of requests read, and replies written) in one event still find
 * work: the rest is resumed at the end of the loop round, after every
 * other ready fd.  A guest that keeps producing from another vCPU, or
 * that keeps moving the indexes, gets this much of the daemon per round
 * and no more; one notification rarely needs more than two passes.
 */
#define RING_EVENT_PASSES 8

#define full_barrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/*
 * Surviving a page that vanishes under its mapping.
 *
 * Under the simulated hypervisor a ring page is a file the guest process
 * maps too, and the guest can truncate it: the daemon's next access to
 * the mapping raises SIGBUS, which would kill it.  (Under Xen a grant
 * mapping cannot vanish, but the same code runs.)  Every access to a page
 * goes through RING_ACCESS: a SIGBUS inside it jumps back there, and that
 * connection alone is cut off, as for impossible indexes.
 *
 * Why not make the page impossible to shrink instead: F_SEAL_SHRINK only
 * exists for memfds, so the daemon would have to own the page and hand it
 * to the guest; in the simulation the page is the domain's, created by
 * the hypervisor (xenstore-sim) before the daemon hears of it and kept
 * across re-introductions, as under Xen.  Moving it into the daemon would
 * change that contract and still leave a window before the daemon takes
 * it over.  Catching the fault keeps the contract and covers every way a
 * mapping can lose its page.
 *
 * The guarded sections copy between the page and the daemon's own
 * buffers and read or write indexes; nothing in them allocates, takes a
 * lock or changes other state, so leaving one by siglongjmp is safe.
 * They do not nest.  The daemon is single-threaded, so one jump buffer
 * does.
 */
static sigjmp_buf fault_env;

/* A ring moved since ring_take_activity() last asked (one daemon per
 * process, single-threaded: plain statics), and the answers of the last
 * calls, newest in bit 0. */
static bool activity;
static unsigned activity_history;

/* A request takes a few rounds: the guest's notifications for header,
 * payload and reply taken each may make one that finds nothing new. */
#define RING_ACTIVE_ROUNDS 4

bool ring_take_activity(void)
{
	activity_history = activity_history << 1 | activity;
	activity = false;
	return activity_history & ((1u << RING_ACTIVE_ROUNDS) - 1);
}
static const void *volatile fault_page; /* the page being accessed, or NULL */

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	const char *addr = si->si_addr, *page = (const char *)fault_page;

	(void)uctx;
	if (page && addr >= page && addr < page + sizeof(struct xs_ring_page))
		siglongjmp(fault_env, 1);
	/* Not a ring access: the default action, when the access repeats. */
	signal(sig, SIG_DFL);
}

int ring_fault_guard_init(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus };

	/* SA_NODEFER: the jump leaves the handler without restoring the
	 * signal mask, so SIGBUS must not be blocked while in it. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL) ? errno : 0;
}

/* True on entry; false when an access between it and RING_DONE faulted
 * (sigsetjmp must be called in the frame that stays live: a macro). */
#define RING_ACCESS(pg) (fault_page = (pg), sigsetjmp(fault_env, 0) == 0)
#define RING_DONE() (fault_page = NULL)

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

/* The page faulted (RING_ACCESS failed): cut this connection off, and
 * touch the page no more, not even to say why. */
static ssize_t page_gone(struct conn *c)
{
	struct ring_conn *r = c->transport;

	RING_DONE();
	if (!r->gone)
		log_warnx("domain %u: ring page gone (its memory vanished), connection ignored",
			  c->domid);
	r->gone = r->broken = true;
	return -EIO;
}

/* Bad indexes or input: cut this connection off, keep the domain. */
static void mark_broken(struct conn *c, uint32_t why)
{
	struct ring_conn *r = c->transport;

	r->broken = true;
	log_warnx("domain %u: ring %s, connection ignored", c->domid,
		  why == XS_RING_ERR_RINGIDX ? "indexes invalid" : "protocol error");
	if (!(c->features & XS_FEATURE_ERROR) || r->gone)
		return;
	if (!RING_ACCESS(r->page)) {
		page_gone(c);
		return;
	}
	r->page->error = why;
	RING_DONE();
}

static ssize_t ring_recv(struct conn *c, void *buf, size_t len)
{
	struct ring_conn *r = c->transport;
	struct xs_ring_page *p = r->page;
	uint32_t cons, prod, n = 0;
	int avail;

	if (r->broken)
		return -EIO;
	if (!RING_ACCESS(p))
		return page_gone(c);
	cons = p->req_cons;
	prod = p->req_prod;
	full_barrier();
	avail = ring_avail(cons, prod);
	if (avail > 0 && len > 0) {
		n = ring_copy_out(p->req, cons, (uint32_t)avail, buf,
				  len > XS_RING_SIZE ? XS_RING_SIZE : (uint32_t)len);
		full_barrier();
		p->req_cons = cons + n;
	}
	RING_DONE();
	if (avail < 0) {
		mark_broken(c, XS_RING_ERR_RINGIDX);
		return -EIO;
	}
	if (n == 0)
		return -EAGAIN;
	r->taken += n;
	r->kick = true;
	return n;
}

static ssize_t ring_send(struct conn *c, const void *buf, size_t len)
{
	struct ring_conn *r = c->transport;
	struct xs_ring_page *p = r->page;
	uint32_t cons, prod, n = 0;
	int used;

	if (r->broken)
		return -EIO;
	if (!RING_ACCESS(p))
		return page_gone(c);
	cons = p->rsp_cons;
	prod = p->rsp_prod;
	full_barrier();
	used = ring_avail(cons, prod);
	if (used >= 0 && used < (int)XS_RING_SIZE) {
		n = ring_copy_in(p->rsp, prod, XS_RING_SIZE - (uint32_t)used, buf,
				 len > XS_RING_SIZE ? XS_RING_SIZE : (uint32_t)len);
		full_barrier();
		p->rsp_prod = prod + n;
	}
	RING_DONE();
	if (used < 0) {
		mark_broken(c, XS_RING_ERR_RINGIDX);
		return -EIO;
	}
	if (n == 0)
		return -EAGAIN;
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

	domain_unmap_port(&d->ports, r->port);
	d->hv->ops->unbind(d->hv, r->port);
	d->hv->ops->unmap_ring(d->hv, r->page);
	if (c->domain && c->domain->conn == c)
		c->domain->conn = NULL;
	r->page = NULL;
}

static void ring_free_transport(struct conn *c)
{
	free(c->transport);
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
	.free_transport = ring_free_transport,
	.protocol_error = ring_protocol_error,
	.batch_done = ring_batch_done,
	.resume = ring_conn_event,
};

int ring_reset(struct xs_ring_page *page, uint32_t features)
{
	if (!RING_ACCESS(page)) {
		RING_DONE();
		return EFAULT;
	}
	page->req_cons = page->req_prod = 0;
	page->rsp_cons = page->rsp_prod = 0;
	page->error = XS_RING_ERR_NONE;
	page->server_features = features;
	full_barrier();
	page->connection = XS_RING_CONNECTED;
	RING_DONE();
	return 0;
}

int ring_page_port(struct xs_ring_page *page, unsigned *port)
{
	if (!RING_ACCESS(page)) {
		RING_DONE();
		return EFAULT;
	}
	*port = page->evtchn_port;
	RING_DONE();
	return 0;
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
				    : domain_quota(dom, &d->model.quotas, QUOTA_MEMORY);
	if (XS_PROBE_ENABLED(conn_open))
		XS_PROBE(conn_open, c->id, c->domid, c->pid, c->uid, c->comm, "ring");
	return c;
}

/* A guest asked to start over (RECONNECT): forget everything in flight. */
static void reconnect(struct conn *c, uint32_t features)
{
	struct ring_conn *r = c->transport;

	conn_reset(c);
	if (ring_reset(r->page, features)) {
		page_gone(c);
		return;
	}
	hv_of(c)->ops->notify(hv_of(c), r->port);
}

/* The guest's `connection` field and the features the page shows; 0 or
 * EFAULT (the page is gone). */
static int read_control(struct conn *c, uint32_t *connection, uint32_t *features)
{
	struct ring_conn *r = c->transport;

	if (!RING_ACCESS(r->page)) {
		page_gone(c);
		return EFAULT;
	}
	*connection = r->page->connection;
	*features = r->page->server_features;
	RING_DONE();
	return 0;
}

void ring_conn_event(struct conn *c)
{
	struct ring_conn *r = c->transport;
	uint32_t connection, features;
	unsigned passes = 0;
	uint64_t before;

	if (c->dead || r->broken || read_control(c, &connection, &features))
		return;
	if (connection == XS_RING_RECONNECT) {
		reconnect(c, features);
		return;
	}
	/* One notification may stand for more than one read's worth; the
	 * budget keeps one guest from holding the daemon (see
	 * RING_EVENT_PASSES). */
	do {
		before = r->taken;
		conn_writable(c);
		if (c->dead || r->broken)
			return;
		conn_readable(c);
	} while (!c->dead && !r->broken && r->taken != before && ++passes < RING_EVENT_PASSES);
	if (c->dead)
		return;
	if (!r->broken && r->taken != before)
		conn_resume_later(c);
	activity |= r->kick;
	ring_batch_done(c);
}
