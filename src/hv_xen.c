/*
 * hv_xen.c - the real Xen backend, through Debian's libxenevtchn,
 * libxengnttab and libxenctrl.  Deliberately thin.  On machines without
 * Xen the tests preload tests/peers/xenstub.c, a stand-in for the three
 * libraries over the simulated hypervisor, so this very code serves the
 * simulated guests (the guest suites' @xen runs).  Built when the
 * libraries are present (HAVE_XEN).
 */
#include "hv.h"

#include <errno.h>

#ifndef HAVE_XEN

struct hv *hv_xen_open(void)
{
	errno = ENOSYS;
	return NULL;
}

struct hv *hv_xen_open_fd(int fd)
{
	(void)fd;
	errno = ENOSYS;
	return NULL;
}

int hv_xen_dom0_port(void)
{
	return -ENOSYS;
}

#else

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>
#include <xen/sys/xenbus_dev.h>

/*
 * dom0's kernel shows its own ring two ways: the xenbus_backend device
 * (mmap gives the page, an ioctl the port), present whenever the kernel
 * has xenbus backends, and xenfs's xsd_kva and xsd_port files, present
 * only where xenfs is mounted on /proc/xen (C xenstored 4.17 reads only
 * those).  The device comes first, xenfs is the fallback.
 */
#define XENBUS_BACKEND "/dev/xen/xenbus_backend"
#define XSD_KVA "/proc/xen/xsd_kva"
#define XSD_PORT "/proc/xen/xsd_port"

struct hv_xen {
	struct hv hv;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xc_interface *xc;
	int virq_port;
	void *dom0_page;
};

#define XEN(h) ((struct hv_xen *)(h))

static int xen_fd(struct hv *h)
{
	return xenevtchn_fd(XEN(h)->xce);
}

static int xen_pending(struct hv *h)
{
	struct hv_xen *x = XEN(h);
	xenevtchn_port_or_error_t port = xenevtchn_pending(x->xce);

	if (port < 0)
		return -EAGAIN;
	xenevtchn_unmask(x->xce, (evtchn_port_t)port);
	return port == x->virq_port ? HV_EVENT_DOM_EXC : (int)port;
}

static void *map_dom0_ring(void)
{
	int fd = open(XENBUS_BACKEND, O_RDWR | O_CLOEXEC);
	void *page;

	if (fd < 0)
		fd = open(XSD_KVA, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	page = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return page == MAP_FAILED ? NULL : page;
}

int hv_xen_dom0_port(void)
{
	char buf[32] = "";
	ssize_t n;
	int fd = open(XENBUS_BACKEND, O_RDWR | O_CLOEXEC), port = -1;

	if (fd >= 0) {
		port = ioctl(fd, IOCTL_XENBUS_BACKEND_EVTCHN);
		close(fd);
		if (port > 0)
			return port;
	}
	fd = open(XSD_PORT, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	port = atoi(buf);
	return port > 0 ? port : -ENODEV;
}

/* Guests' rings are grant entry 1 (GNTTAB_RESERVED_XENSTORE), whatever gfn
 * INTRODUCE passed. */
static void *xen_map_ring(struct hv *h, unsigned domid, uint64_t gfn)
{
	struct hv_xen *x = XEN(h);

	(void)gfn;
	if (domid == 0) {
		x->dom0_page = map_dom0_ring();
		return x->dom0_page;
	}
	return xengnttab_map_grant_ref(x->xgt, domid, GNTTAB_RESERVED_XENSTORE,
				       PROT_READ | PROT_WRITE);
}

static void xen_unmap_ring(struct hv *h, void *page)
{
	struct hv_xen *x = XEN(h);

	if (page == x->dom0_page) {
		munmap(page, XC_PAGE_SIZE);
		x->dom0_page = NULL;
	} else {
		xengnttab_unmap(x->xgt, page, 1);
	}
}

static int xen_bind(struct hv *h, unsigned domid, unsigned remote)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(XEN(h)->xce, domid, remote);
	return p < 0 ? -errno : (int)p;
}

static void xen_unbind(struct hv *h, int port)
{
	xenevtchn_unbind(XEN(h)->xce, (evtchn_port_t)port);
}

static void xen_notify(struct hv *h, int port)
{
	xenevtchn_notify(XEN(h)->xce, (evtchn_port_t)port);
}

static enum hv_dom_state xen_domain_state(struct hv *h, unsigned domid)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(XEN(h)->xc, domid, 1, &info) != 1 || info.domid != domid)
		return HV_DOM_GONE;
	if (info.dying)
		return HV_DOM_DYING;
	return info.shutdown ? HV_DOM_SHUTDOWN : HV_DOM_RUNNING;
}

static void xen_destroy(struct hv *h)
{
	struct hv_xen *x = XEN(h);

	xenevtchn_close(x->xce);
	xengnttab_close(x->xgt);
	xc_interface_close(x->xc);
	free(x);
}

/* The binding lives in the hypervisor and the fd came through exec. */
static int xen_adopt(struct hv *h, unsigned domid, int port)
{
	(void)h;
	(void)domid;
	return port > 0 && port < 65536 ? 0 : EINVAL;
}

static int xen_before_exec(struct hv *h)
{
	struct hv_xen *x = XEN(h);

	if (x->virq_port < 0)
		return 0;
	if (xenevtchn_unbind(x->xce, (evtchn_port_t)x->virq_port) < 0)
		return errno;
	x->virq_port = -1;
	return 0;
}

static int xen_after_failed_exec(struct hv *h)
{
	struct hv_xen *x = XEN(h);

	if (x->virq_port >= 0)
		return 0;
	x->virq_port = xenevtchn_bind_virq(x->xce, VIRQ_DOM_EXC);
	return x->virq_port < 0 ? errno : 0;
}

static const struct hv_ops xen_ops = {
	.name = "xen",
	.fd = xen_fd,
	.pending = xen_pending,
	.map_ring = xen_map_ring,
	.unmap_ring = xen_unmap_ring,
	.bind = xen_bind,
	.unbind = xen_unbind,
	.notify = xen_notify,
	.domain_state = xen_domain_state,
	.destroy = xen_destroy,
	.adopt = xen_adopt,
	.before_exec = xen_before_exec,
	.after_failed_exec = xen_after_failed_exec,
};

struct hv *hv_xen_open(void)
{
	return hv_xen_open_fd(-1);
}

struct hv *hv_xen_open_fd(int fd)
{
	struct hv_xen *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->hv.ops = &xen_ops;
	x->xce = fd >= 0 ? xenevtchn_fdopen(NULL, fd, 0) : xenevtchn_open(NULL, 0);
	x->xgt = xengnttab_open(NULL, 0);
	x->xc = xc_interface_open(NULL, NULL, 0);
	if (!x->xce || !x->xgt || !x->xc)
		goto fail;
	x->virq_port = xenevtchn_bind_virq(x->xce, VIRQ_DOM_EXC);
	if (x->virq_port < 0)
		goto fail;
	return &x->hv;
fail:
	/* An inherited fd (a live update's) stays open: the previous binary
	 * the new process then goes back to adopts it at its number. */
	if (x->xce && fd < 0)
		xenevtchn_close(x->xce);
	if (x->xgt)
		xengnttab_close(x->xgt);
	if (x->xc)
		xc_interface_close(x->xc);
	free(x);
	return NULL;
}

#endif
