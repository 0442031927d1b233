/*
 * fake_hv.h - a hypervisor (src/hv.h) in the test's hands: the test says
 * what state each domain is in, INTRODUCE maps a real ring page (exactly
 * one 4 KiB block, so ASan sees any access outside it), event channels
 * are a table of ports whose notifications are counted.  The test plays
 * the guest on the page (src/ring_client.h).
 */
#ifndef TS_FAKE_HV_H
#define TS_FAKE_HV_H

#include <stdbool.h>

#include "hv.h"
#include "ring.h"

#define FAKE_HV_DOMS 64
#define FAKE_HV_PORTS 512

struct daemon;

struct fake_hv {
	struct hv hv;                           /* what the daemon sees */
	enum hv_dom_state state[FAKE_HV_DOMS];  /* GONE until the test says */
	struct xs_ring_page *page[FAKE_HV_DOMS]; /* kept across introductions */
	unsigned maps[FAKE_HV_DOMS];            /* current mappings */
	int port_domid[FAKE_HV_PORTS];          /* -1: not bound */
	unsigned notified[FAKE_HV_PORTS];
	int next_port;
	/* Optional: runs at every notification, as a guest on another vCPU
	 * reacting while the daemon is still at work. */
	void (*on_notify)(struct fake_hv *h, int port, void *arg);
	void *on_notify_arg;
	/* Pages come from a pool kept for the whole process (a fuzzer's
	 * next input gets them zeroed: cheaper than fresh ones). */
	bool pooled_pages;
};

/* Empty hypervisor given to d; the privileged domain runs. */
void fake_hv_init(struct fake_hv *h, struct daemon *d);
/* After the daemon is gone: fails unless every page was unmapped and
 * every port unbound.  Frees the pages (or returns them to the pool). */
void fake_hv_finish(struct fake_hv *h);
/* The same without the checks (a test that stopped half-way). */
void fake_hv_release(struct fake_hv *h);

#endif
