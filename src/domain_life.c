/* domain_life.c - introduction, release, death and cleanup of domains,
 * and the port map (see domain_life.h). */
#include "domain_life.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "event.h"
#include "hv.h"
#include "log.h"
#include "nodeops.h"
#include "probes.h"
#include "ring.h"
#include "watch.h"

/* ------------------------------------------------------------------ */
/* The port map                                                        */

int domain_map_port(struct port_map *m, int port, struct conn *c)
{
	if (port < 0)
		return EINVAL;
	if ((size_t)port >= m->size) {
		size_t n = (size_t)port * 2 + 16;
		struct conn **p = realloc(m->conns, n * sizeof(*p));
		if (!p)
			return ENOMEM;
		memset(p + m->size, 0, (n - m->size) * sizeof(*p));
		m->conns = p;
		m->size = n;
	}
	m->conns[port] = c;
	return 0;
}

void domain_unmap_port(struct port_map *m, int port)
{
	if (port >= 0 && (size_t)port < m->size)
		m->conns[port] = NULL;
}

struct conn *domain_port_conn(const struct port_map *m, int port)
{
	return port >= 0 && (size_t)port < m->size ? m->conns[port] : NULL;
}

void domain_port_map_free(struct port_map *m)
{
	free(m->conns);
	m->conns = NULL;
	m->size = 0;
}

/* ------------------------------------------------------------------ */
/* The hypervisor backend's events                                     */

static struct ev_handler hv_handler;

/* Events taken from the backend per loop round: guests notifying as fast
 * as they can must leave the loop time for its other fds (the backend's
 * fd is level-triggered, so the rest come next round). */
#define HV_EVENTS_PER_ROUND 64

static void hv_event(void *arg, uint32_t events)
{
	struct daemon *d = arg;
	bool domains_changed = false;
	int port, taken = 0;

	(void)events;
	while (taken++ < HV_EVENTS_PER_ROUND && (port = d->hv->ops->pending(d->hv)) != -EAGAIN) {
		if (port == HV_EVENT_DOM_EXC) {
			domains_changed = true;
			continue;
		}
		if (port < 0)
			break;
		struct conn *c = domain_port_conn(&d->ports, port);
		if (c)
			ring_conn_event(c);
	}
	if (domains_changed)
		domain_check_states(d);
}

int domain_hv_start(struct daemon *d)
{
	if (!d->hv)
		return 0;
	return ev_add(d->loop, &hv_handler, d->hv->ops->fd(d->hv), EPOLLIN, hv_event, d);
}

void domain_hv_stop(struct daemon *d)
{
	if (!d->hv)
		return;
	ev_remove(d->loop, &hv_handler);
}

int domain_exists(struct daemon *d, unsigned domid)
{
	if (!d->hv || domid == d->model.priv_domid)
		return 1;
	return d->hv->ops->domain_state(d->hv, domid) != HV_DOM_GONE;
}

int domain_named(struct daemon *d, unsigned domid)
{
	struct domain *dom;

	if (domid == d->model.priv_domid || domid == XS_DOMID_ANY)
		return 0;
	if (!domain_exists(d, domid))
		return ENOENT;
	dom = domain_get(&d->model.domains, domid, d->model.store.generation);
	if (!dom)
		return ENOMEM;
	dom->known = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Rings                                                               */

/* A ring connection for a mapped page and bound port, entered in the
 * port map; on failure the page and port are given back.  0 or errno. */
static int attach_ring(struct daemon *d, struct domain *dom, struct xs_ring_page *page,
		       int local)
{
	const struct hv_ops *hv = d->hv->ops;
	struct conn *c = ring_conn_new(d, dom, page, local);

	if (!c || domain_map_port(&d->ports, local, c)) {
		if (c)
			conn_close(c, "out of memory");
		else {
			hv->unbind(d->hv, local);
			hv->unmap_ring(d->hv, page);
		}
		return ENOMEM;
	}
	dom->conn = c;
	return 0;
}

/* Maps the ring, binds the channel, (re)starts the connection. */
static int connect_ring(struct daemon *d, struct domain *dom, uint64_t gfn, unsigned port)
{
	const struct hv_ops *hv = d->hv->ops;
	struct xs_ring_page *page;
	unsigned page_port;
	int local, err;

	/* A re-introduction starts the connection over (PROTOCOL.md §1.5). */
	if (dom->conn)
		conn_close(dom->conn, "reintroduced");
	page = hv->map_ring(d->hv, dom->domid, gfn);
	if (!page)
		return errno ? errno : EINVAL;
	if (ring_page_port(page, &page_port)) {
		hv->unmap_ring(d->hv, page);
		return EFAULT;
	}
	if (page_port)
		port = page_port; /* set by Xen for dom0less guests */
	local = hv->bind(d->hv, dom->domid, port);
	if (local < 0) {
		hv->unmap_ring(d->hv, page);
		return -local;
	}
	if ((err = attach_ring(d, dom, page, local)))
		return err;
	if (ring_reset(page, dom->conn->features)) {
		conn_close(dom->conn, "ring page gone");
		return EFAULT;
	}
	hv->notify(d->hv, local);
	return 0;
}

/* Takes the ring over (see domain_restore). */
static int adopt_ring(struct daemon *d, struct domain *dom, int local_port)
{
	const struct hv_ops *hv = d->hv->ops;
	struct xs_ring_page *page;
	int err;

	if (!hv->adopt)
		return ENOSYS;
	if ((err = hv->adopt(d->hv, dom->domid, local_port)))
		return err;
	page = hv->map_ring(d->hv, dom->domid, dom->gfn);
	if (!page) {
		err = errno ? errno : EINVAL;
		hv->unbind(d->hv, local_port);
		return err;
	}
	return attach_ring(d, dom, page, local_port);
}

int domain_connect_priv(struct daemon *d, int port)
{
	struct domain *dom = domain_get(&d->model.domains, d->model.priv_domid,
					d->model.store.generation);
	int err;

	if (!dom)
		return ENOMEM;
	if (port <= 0)
		return EINVAL;
	if ((err = connect_ring(d, dom, 0, (unsigned)port)))
		return err;
	dom->introduced = true;
	return 0;
}

int domain_restore(struct daemon *d, unsigned domid, int target, unsigned evtchn,
		   struct domain **out)
{
	struct domain *dom = domain_get(&d->model.domains, domid, 0);
	int err;

	if (!dom)
		return ENOMEM;
	if (dom->introduced)
		return EEXIST;
	dom->introduced = true;
	dom->known = true;
	dom->target = target;
	dom->evtchn = evtchn;
	if (d->hv && (err = adopt_ring(d, dom, (int)evtchn)))
		log_warnx("live-update: domain %u: ring not restored: %s", domid, strerror(err));
	*out = dom;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Introduction and release                                            */

/* @introduceDomain or @releaseDomain, caused by `why`'s request (or by
 * none when the hypervisor reported the change). */
static void fire_special(struct event_source *why, const char *name, unsigned domid)
{
	char sub[64];

	watch_fire(why->d, name, true, NULL, 0, &why->cause);
	/* C 4.22: depth-limited watchers of @releaseDomain get the domid. */
	if (strcmp(name, "@releaseDomain") == 0) {
		snprintf(sub, sizeof(sub), "%s/%u", name, domid);
		watch_fire(why->d, sub, false, NULL, 0, &why->cause);
	}
}

int domain_introduce(struct daemon *d, unsigned domid, uint64_t gfn, unsigned port,
		     struct event_source *why)
{
	struct domain *dom = domain_get(&d->model.domains, domid, d->model.store.generation);
	bool first;

	if (!dom)
		return ENOMEM;
	if (d->hv) {
		int err = connect_ring(d, dom, gfn, port);
		if (err) {
			domain_put(&d->model.domains, dom);
			return err;
		}
	}
	first = !dom->introduced;
	dom->introduced = true;
	dom->known = true;
	dom->gfn = gfn;
	dom->evtchn = port;
	if (XS_PROBE_ENABLED(domain_introduce))
		XS_PROBE(domain_introduce, domid, port, gfn);
	if (first && domid != d->model.priv_domid)
		fire_special(why, "@introduceDomain", domid);
	return 0;
}

void domain_release(struct daemon *d, struct domain *dom, const char *reason,
		    struct event_source *why)
{
	unsigned domid = dom->domid;

	if (dom->conn)
		conn_close(dom->conn, reason);
	dom->conn = NULL;
	dom->introduced = false;
	dom->known = false;
	dom->shutdown_reported = false;
	dom->target = -1;
	dom->features_set = false;
	if (XS_PROBE_ENABLED(domain_release))
		XS_PROBE(domain_release, domid, reason);
	domain_cleanup(&d->model, domid, watch_changed, why);
	fire_special(why, "@releaseDomain", domid);
	dom = domain_find(&d->model.domains, domid);
	if (dom)
		domain_put(&d->model.domains, dom);
}

void domain_resume(struct domain *dom)
{
	dom->shutdown_reported = false;
}

/* ------------------------------------------------------------------ */
/* Death detection                                                     */

struct scan {
	struct daemon *d;
	struct event_source *why;
	unsigned *gone, ngone, cap;
};

static void scan_domain(struct domain *dom, void *arg)
{
	struct scan *s = arg;
	struct daemon *d = s->d;

	if (!(dom->introduced || dom->known) || dom->domid == d->model.priv_domid)
		return;
	switch (d->hv->ops->domain_state(d->hv, dom->domid)) {
	case HV_DOM_RUNNING:
		return;
	case HV_DOM_SHUTDOWN:
		if (dom->introduced && !dom->shutdown_reported) {
			dom->shutdown_reported = true;
			log_debug("domain %u shut down", dom->domid);
			fire_special(s->why, "@releaseDomain", dom->domid);
		}
		return;
	case HV_DOM_DYING:
	case HV_DOM_GONE:
		break;
	}
	/* Released after the walk: releasing may free the record. */
	if (s->ngone == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 8;
		unsigned *p = realloc(s->gone, cap * sizeof(*p));
		if (!p)
			return;
		s->gone = p;
		s->cap = cap;
	}
	s->gone[s->ngone++] = dom->domid;
}

void domain_check_states(struct daemon *d)
{
	/* The hypervisor's news: no request caused the events. */
	struct event_source why = { .d = d };
	struct scan s = { .d = d, .why = &why };

	if (!d->hv)
		return;
	domain_foreach(&d->model.domains, scan_domain, &s);
	for (unsigned i = 0; i < s.ngone; i++) {
		struct domain *dom = domain_find(&d->model.domains, s.gone[i]);
		if (dom && dom->introduced) {
			log_debug("domain %u is gone", s.gone[i]);
			domain_release(d, dom, "dying", &why);
		} else if (dom) {
			/* Named in permissions but never introduced: forget it
			 * the same way, without @releaseDomain. */
			dom->known = false;
			domain_cleanup(&d->model, s.gone[i], watch_changed, &why);
			if ((dom = domain_find(&d->model.domains, s.gone[i])))
				domain_put(&d->model.domains, dom);
		}
	}
	free(s.gone);
}

/* ------------------------------------------------------------------ */
/* Cleanup after a departed domain                                     */

struct cleanup {
	struct store *store;
	unsigned domid;
	char **doomed;
	size_t ndoomed, cap;
};

/* Strips ACL entries naming the domain and notes the nodes it owns. */
static void cleanup_visit(struct node *n, void *arg)
{
	struct cleanup *c = arg;
	unsigned keep = 1;

	for (unsigned i = 1; i < n->nperms; i++)
		if (n->perms[i].domid != c->domid)
			n->perms[keep++] = n->perms[i];
	/* A change like any other: transactions that saw the old list conflict. */
	if (keep != n->nperms) {
		node_set_perms(n, n->perms, keep); /* shrinking: cannot fail */
		store_touch(c->store, n);
	}
	if (node_owner(n) != c->domid || n->path[0] != '/' || n->path_len == 1)
		return;
	if (c->ndoomed == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **p = realloc(c->doomed, cap * sizeof(*p));
		if (!p)
			return;
		c->doomed = p;
		c->cap = cap;
	}
	c->doomed[c->ndoomed] = strdup(n->path);
	if (c->doomed[c->ndoomed])
		c->ndoomed++;
}

/* Deletes (or with -K hands to priv) every node the domain owns
 * (XSA-419), and strips the ACL entries naming it. */
void domain_cleanup(struct model *m, unsigned domid, change_fn *on_change, void *change_ctx)
{
	struct cleanup c = { .store = &m->store, .domid = domid };
	struct node_ctx ctx = {
		.view = { &m->store, NULL, on_change, change_ctx },
		.who = { m->priv_domid, -1, true },
		.quota_hit = -1,
	};
	struct domain *dom;
	uint64_t gone;

	if (domid == m->priv_domid)
		return;
	/* Anything naming this domain written before now was written for
	 * it, not for a later domain with its id: open transactions are
	 * judged by this generation when they commit. */
	gone = store_next_generation(&m->store);
	store_foreach(&m->store, cleanup_visit, &c);
	for (size_t i = 0; i < c.ndoomed; i++) {
		struct node *n = store_lookup(&m->store, c.doomed[i], strlen(c.doomed[i]));
		if (n && m->keep_orphans) {
			struct perm p = n->perms[0];
			p.domid = (uint16_t)m->priv_domid;
			store_set_perms(&m->store, n, &p, 1);
		} else if (n) {
			nodeops_rm(&ctx, c.doomed[i]);
		}
		free(c.doomed[i]);
	}
	free(c.doomed);
	dom = domain_find(&m->domains, domid);
	if (dom)
		dom->generation = gone; /* a record kept (quota overrides) */
}

struct departed {
	struct model *m;
	char **owned;               /* paths of nodes a departed domain owns */
	size_t nowned, cap;
	int err;
};

/* The domain an entry written at generation `written` names is gone:
 * its record is younger than the entry, or there is none. */
static bool departed(const struct model *m, unsigned domid, uint64_t written)
{
	const struct domain *dom;

	if (domid == m->priv_domid || domid == XS_DOMID_ANY)
		return false;
	dom = domain_find(&m->domains, domid);
	return !dom || dom->generation > written;
}

static void drop_departed_entries(struct node *n, void *arg)
{
	struct departed *dep = arg;
	unsigned keep = 1;
	char *path;

	for (unsigned i = 1; i < n->nperms; i++)
		if ((n->perms[i].access & PERM_STALE) ||
		    !departed(dep->m, n->perms[i].domid, n->generation))
			n->perms[keep++] = n->perms[i];
	if (keep != n->nperms)
		node_set_perms(n, n->perms, keep); /* shrinking: cannot fail */
	if (!n->nperms || n->path[0] != '/' || n->path_len == 1 ||
	    !departed(dep->m, node_owner(n), n->generation))
		return;
	if (dep->nowned == dep->cap) {
		size_t cap = dep->cap ? dep->cap * 2 : 8;
		char **p = realloc(dep->owned, cap * sizeof(*p));
		if (!p) {
			dep->err = ENOMEM;
			return;
		}
		dep->owned = p;
		dep->cap = cap;
	}
	path = strdup(n->path);
	if (!path) {
		dep->err = ENOMEM;
		return;
	}
	dep->owned[dep->nowned++] = path;
}

/* A node of a departed owner, as the cleanup treats it in the store. */
static int drop_departed_node(struct model *m, struct node_ctx *ctx, const char *path)
{
	struct node *n;
	struct perm p;
	int err = view_lookup(&ctx->view, path, strlen(path), &n);

	if (err || !n || !departed(m, node_owner(n), n->generation))
		return err; /* gone with an ancestor already */
	if (!m->keep_orphans)
		return nodeops_rm(ctx, path);
	p = n->perms[0];
	p.domid = (uint16_t)m->priv_domid;
	return view_set_perms(&ctx->view, n, &p, 1);
}

int domain_txn_drop_departed(struct model *m, struct txn *t, change_fn *on_change,
			     void *change_ctx)
{
	struct departed dep = { .m = m };
	struct node_ctx ctx = {
		.view = { &m->store, t, on_change, change_ctx },
		.who = { m->priv_domid, -1, true },
		.quota_hit = -1,
	};
	unsigned node_limit = t->node_limit;
	size_t bytes_limit = t->bytes_limit;
	int err;

	txn_foreach_written(t, drop_departed_entries, &dep);
	err = dep.err;
	/* The removal is the daemon's doing, not the caller's: no quota. */
	t->node_limit = 0;
	t->bytes_limit = 0;
	for (size_t i = 0; i < dep.nowned; i++) {
		if (!err)
			err = drop_departed_node(m, &ctx, dep.owned[i]);
		free(dep.owned[i]);
	}
	free(dep.owned);
	t->node_limit = node_limit;
	t->bytes_limit = bytes_limit;
	return err;
}
