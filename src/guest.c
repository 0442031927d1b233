/* guest.c - guest domains over the hypervisor backend (see guest.h). */
#include "guest.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "event.h"
#include "hv.h"
#include "log.h"
#include "ring.h"

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
		struct conn *c = daemon_port_conn(d, port);
		if (c)
			ring_conn_event(c);
	}
	if (domains_changed)
		guest_check_domains(d);
}

int guest_start(struct daemon *d)
{
	if (!d->hv)
		return 0;
	return ev_add(d->loop, &hv_handler, d->hv->ops->fd(d->hv), EPOLLIN, hv_event, d);
}

void guest_stop(struct daemon *d)
{
	if (!d->hv)
		return;
	ev_remove(d->loop, &hv_handler);
}

int guest_connect(struct daemon *d, struct domain *dom, uint64_t gfn, unsigned port)
{
	const struct hv_ops *hv = d->hv->ops;
	struct xs_ring_page *page;
	unsigned page_port;
	struct conn *c;
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
	c = ring_conn_new(d, dom, page, local);
	if (!c || (err = daemon_map_port(d, local, c))) {
		if (c)
			conn_close(c, "out of memory");
		else {
			hv->unbind(d->hv, local);
			hv->unmap_ring(d->hv, page);
		}
		return ENOMEM;
	}
	dom->conn = c;
	if (ring_reset(page, c->features)) {
		conn_close(c, "ring page gone");
		return EFAULT;
	}
	hv->notify(d->hv, local);
	return 0;
}

int guest_restore(struct daemon *d, struct domain *dom, int local_port)
{
	const struct hv_ops *hv = d->hv->ops;
	struct xs_ring_page *page;
	struct conn *c;
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
	c = ring_conn_new(d, dom, page, local_port);
	if (!c || (err = daemon_map_port(d, local_port, c))) {
		if (c)
			conn_close(c, "out of memory");
		else {
			hv->unbind(d->hv, local_port);
			hv->unmap_ring(d->hv, page);
		}
		return ENOMEM;
	}
	dom->conn = c;
	return 0;
}

struct scan {
	struct daemon *d;
	unsigned *gone, ngone, cap;
};

static void scan_domain(struct domain *dom, void *arg)
{
	struct scan *s = arg;
	struct daemon *d = s->d;

	if (!(dom->introduced || dom->known) || dom->domid == d->priv_domid)
		return;
	switch (d->hv->ops->domain_state(d->hv, dom->domid)) {
	case HV_DOM_RUNNING:
		return;
	case HV_DOM_SHUTDOWN:
		if (dom->introduced && !dom->shutdown_reported) {
			dom->shutdown_reported = true;
			log_debug("domain %u shut down", dom->domid);
			daemon_fire_special(d, "@releaseDomain", dom->domid);
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

void guest_check_domains(struct daemon *d)
{
	struct scan s = { .d = d };

	if (!d->hv)
		return;
	domain_foreach(&d->domains, scan_domain, &s);
	for (unsigned i = 0; i < s.ngone; i++) {
		struct domain *dom = domain_find(&d->domains, s.gone[i]);
		if (dom && dom->introduced) {
			log_debug("domain %u is gone", s.gone[i]);
			daemon_release_domain(d, dom, "dying");
		} else if (dom) {
			/* Named in permissions but never introduced: forget it
			 * the same way, without @releaseDomain. */
			dom->known = false;
			daemon_cleanup_domain(d, s.gone[i]);
			if ((dom = domain_find(&d->domains, s.gone[i])))
				domain_put(&d->domains, dom);
		}
	}
	free(s.gone);
}

int guest_domain_exists(struct daemon *d, unsigned domid)
{
	if (!d->hv || domid == d->priv_domid)
		return 1;
	return d->hv->ops->domain_state(d->hv, domid) != HV_DOM_GONE;
}
