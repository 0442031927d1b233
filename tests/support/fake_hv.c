/* fake_hv.c - a hypervisor in the test's hands (see fake_hv.h). */
#include "fake_hv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "support.h"

static struct fake_hv *fake_of(struct hv *hv)
{
	return (struct fake_hv *)hv;
}

static int fake_fd(struct hv *hv)
{
	(void)hv;
	return -1;
}

static int fake_pending(struct hv *hv)
{
	(void)hv;
	return -EAGAIN;
}

static struct xs_ring_page *new_page(struct fake_hv *h, unsigned domid)
{
	static struct xs_ring_page *pool[FAKE_HV_DOMS];
	struct xs_ring_page *page;

	if (h->pooled_pages) {
		if (!pool[domid])
			pool[domid] = aligned_alloc(4096, 4096);
		page = pool[domid];
	} else {
		page = aligned_alloc(4096, 4096);
	}
	TS_CHECK(page != NULL, "out of memory");
	memset(page, 0, 4096);
	return page;
}

static void *fake_map_ring(struct hv *hv, unsigned domid, uint64_t gfn)
{
	struct fake_hv *h = fake_of(hv);

	(void)gfn;
	if (domid >= FAKE_HV_DOMS || h->state[domid] == HV_DOM_GONE) {
		errno = ENOENT;
		return NULL;
	}
	if (!h->page[domid])
		h->page[domid] = new_page(h, domid);
	h->maps[domid]++;
	return h->page[domid];
}

static void fake_unmap_ring(struct hv *hv, void *page)
{
	struct fake_hv *h = fake_of(hv);

	for (unsigned i = 0; i < FAKE_HV_DOMS; i++) {
		if (h->page[i] == page) {
			TS_CHECK(h->maps[i] > 0, "domain %u: unmapped more often than mapped", i);
			h->maps[i]--;
			return;
		}
	}
	ts_fail(__FILE__, __LINE__, "unmap of a page never mapped");
}

static int fake_bind(struct hv *hv, unsigned domid, unsigned remote_port)
{
	struct fake_hv *h = fake_of(hv);

	(void)remote_port;
	for (int i = 0; i < FAKE_HV_PORTS - 1; i++) {
		int port = 1 + (h->next_port - 1 + i) % (FAKE_HV_PORTS - 1);
		if (h->port_domid[port] < 0) {
			h->port_domid[port] = (int)domid;
			h->next_port = port + 1;
			return port;
		}
	}
	return -ENOSPC;
}

static void fake_unbind(struct hv *hv, int port)
{
	struct fake_hv *h = fake_of(hv);

	TS_CHECK(port > 0 && port < FAKE_HV_PORTS && h->port_domid[port] >= 0,
		 "unbind of unbound port %d", port);
	h->port_domid[port] = -1;
}

static void fake_notify(struct hv *hv, int port)
{
	struct fake_hv *h = fake_of(hv);

	TS_CHECK(port > 0 && port < FAKE_HV_PORTS && h->port_domid[port] >= 0,
		 "notify on unbound port %d", port);
	h->notified[port]++;
	if (h->on_notify)
		h->on_notify(h, port, h->on_notify_arg);
}

static enum hv_dom_state fake_domain_state(struct hv *hv, unsigned domid)
{
	return domid < FAKE_HV_DOMS ? fake_of(hv)->state[domid] : HV_DOM_GONE;
}

static void fake_destroy(struct hv *hv)
{
	(void)hv;
}

static int fake_exec_noop(struct hv *hv)
{
	(void)hv;
	return 0;
}

static const struct hv_ops fake_ops = {
	.name = "fake",
	.fd = fake_fd,
	.pending = fake_pending,
	.map_ring = fake_map_ring,
	.unmap_ring = fake_unmap_ring,
	.bind = fake_bind,
	.unbind = fake_unbind,
	.notify = fake_notify,
	.domain_state = fake_domain_state,
	.destroy = fake_destroy,
	.before_exec = fake_exec_noop,
	.after_failed_exec = fake_exec_noop,
};

void fake_hv_init(struct fake_hv *h, struct daemon *d)
{
	bool pooled = h->pooled_pages;

	memset(h, 0, sizeof(*h));
	h->hv.ops = &fake_ops;
	h->pooled_pages = pooled;
	for (int i = 0; i < FAKE_HV_PORTS; i++)
		h->port_domid[i] = -1;
	h->next_port = 1;
	h->state[d->model.priv_domid] = HV_DOM_RUNNING;
	d->hv = &h->hv;
}

void fake_hv_release(struct fake_hv *h)
{
	for (unsigned i = 0; i < FAKE_HV_DOMS; i++) {
		if (!h->pooled_pages)
			free(h->page[i]);
		h->page[i] = NULL;
	}
}

void fake_hv_finish(struct fake_hv *h)
{
	for (unsigned i = 0; i < FAKE_HV_DOMS; i++)
		TS_CHECK(h->maps[i] == 0, "domain %u: ring still mapped %u times", i, h->maps[i]);
	for (int i = 0; i < FAKE_HV_PORTS; i++)
		TS_CHECK(h->port_domid[i] < 0, "port %d still bound", i);
	fake_hv_release(h);
}
