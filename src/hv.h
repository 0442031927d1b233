/*
 * hv.h - what the daemon needs from a hypervisor, behind one small
 * interface: map a domain's ring page, bind and notify event channels,
 * and learn when a domain shuts down or dies.  Backends:
 *   hv_sim.c  a simulated hypervisor (guests are processes, rings are
 *             shared files, channels are datagram sockets), for machines
 *             without Xen and for every test;
 *   hv_xen.c  real Xen through libxenevtchn/libxengnttab/libxenctrl.
 * With no backend the daemon serves the socket only and INTRODUCE just
 * records the domain.
 */
#ifndef XS_HV_H
#define XS_HV_H

#include <stddef.h>
#include <stdint.h>

enum hv_dom_state {
	HV_DOM_GONE,      /* unknown to the hypervisor */
	HV_DOM_RUNNING,
	HV_DOM_SHUTDOWN,  /* shut down, not yet destroyed */
	HV_DOM_DYING,
};

/* pending(): a domain changed state (Xen's VIRQ_DOM_EXC). */
#define HV_EVENT_DOM_EXC (-2)

struct hv;

struct hv_ops {
	const char *name;
	/* Readable when a channel fires or a domain changes state. */
	int (*fd)(struct hv *hv);
	/* The next event: a local port, HV_EVENT_DOM_EXC, or -EAGAIN. */
	int (*pending)(struct hv *hv);
	/* Maps the domain's ring page (gfn as INTRODUCE gave it); NULL + errno. */
	void *(*map_ring)(struct hv *hv, unsigned domid, uint64_t gfn);
	void (*unmap_ring)(struct hv *hv, void *page);
	/* Binds the domain's port; the local port, or -errno. */
	int (*bind)(struct hv *hv, unsigned domid, unsigned remote_port);
	void (*unbind)(struct hv *hv, int local_port);
	void (*notify)(struct hv *hv, int local_port);
	enum hv_dom_state (*domain_state)(struct hv *hv, unsigned domid);
	/* Live update: takes over a local port bound by the previous process
	 * (the hypervisor kept the binding; the fd came with exec).  0 or
	 * errno. */
	int (*adopt)(struct hv *hv, unsigned domid, int local_port);
	/* Live update: undoes, right before exec, what the next process does
	 * again on the inherited fd.  Xen binds a VIRQ only once (EEXIST
	 * after), and every daemon, ours or C xenstored, binds VIRQ_DOM_EXC
	 * at start; C unbinds it before its exec too.  0 or errno. */
	int (*before_exec)(struct hv *hv);
	/* The exec failed: binds again what before_exec unbound.  0 or errno. */
	int (*after_failed_exec)(struct hv *hv);
	void (*destroy)(struct hv *hv);
};

struct hv {
	const struct hv_ops *ops;
};

/* The simulated hypervisor rooted at dir (see hv_sim.c); NULL + errno. */
struct hv *hv_sim_open(const char *dir);
/* Real Xen; NULL + errno (ENOSYS when built without the Xen libraries). */
struct hv *hv_xen_open(void);
/* The same after a live update, on the inherited event-channel fd (or a
 * new one when fd < 0). */
struct hv *hv_sim_open_fd(const char *dir, int fd);
struct hv *hv_xen_open_fd(int fd);
/* Real Xen: the event channel of dom0's own kernel ring, as dom0's kernel
 * shows it (see hv_xen.c); the port or -errno. */
int hv_xen_dom0_port(void);

#endif
