/*
 * xenstub.c - a stand-in for Debian's libxenevtchn, libxengnttab and
 * libxenctrl, loaded with LD_PRELOAD into a xenstore daemon built for real
 * Xen (our xenstored --hypervisor=xen, Xen's C xenstored 4.17, oxenstored),
 * so that it serves the simulated hypervisor's guests (src/hv_sim.h) over
 * real shared rings.  It owns only the translation from Xen's interfaces
 * to the simulation directory DIR:
 *
 *   event channels   xenevtchn_open binds DIR/evtchn (the datagram socket
 *                    guests notify); bind_interdomain records (domid,
 *                    remote port) under a local port; pending() turns a
 *                    guest's {domid, port} datagram into that local port
 *                    and {SIM_VIRQ, 0} into the VIRQ_DOM_EXC port;
 *                    notify() sends {0, remote} to DIR/<domid>/evtchn;
 *                    bind_virq refuses a VIRQ already bound (EEXIST), as
 *                    Xen does, across a live update's exec too; and
 *                    /dev/xen/evtchn exists (it is DIR/evtchn)
 *   grant mapping    xengnttab_map_grant_ref(domid, GNTTAB_RESERVED_XENSTORE)
 *                    and xc_map_foreign_range map DIR/<domid>/ring shared
 *   domain info      xc_domain_getinfo(list): the domains are DIR's numeric
 *                    entries, their state DIR/<domid>/state
 *   dom0's ring      both ways a dom0 kernel shows it (create domain 0
 *                    with `xenstore-sim create 0` before the daemon starts):
 *                    xenfs, where open("/proc/xen/xsd_kva") is DIR/0/ring
 *                    and open("/proc/xen/xsd_port") DIR/0/port; and the
 *                    xenbus_backend device, where open("/dev/xen/
 *                    xenbus_backend") is DIR/0/ring (mmap gives the page)
 *                    and ioctl IOCTL_XENBUS_BACKEND_EVTCHN answers the
 *                    port.  $XENSTUB_DOM0 = xenfs or backend leaves only
 *                    that one (the other's paths do not exist, as on a
 *                    dom0 without xenfs mounted or without the device)
 *   oxenstored       its hard-coded /var/run/xenstored is STUB_RUNDIR, and
 *                    setrlimit(RLIMIT_NOFILE) is clamped to the hard limit
 *
 * DIR is $XENSTUB_DIR, else $XENSTORED_RUNDIR/sim, else
 * /var/run/xenstored/sim: where `xenstore-sim` looks by default.
 * The daemon binary is unchanged, so its calls into the three libraries
 * are what runs on a real host; only the libraries' insides differ.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>
#include <xen/sys/xenbus_dev.h>

#include "hv_sim.h"

#define EXPORT __attribute__((visibility("default")))
#define XSD_KVA "/proc/xen/xsd_kva"
#define XSD_PORT "/proc/xen/xsd_port"
#define XENBUS_BACKEND "/dev/xen/xenbus_backend"
#define MAX_DOMID 0x7fefu /* DOMID_FIRST_RESERVED - 1 */

/* --- the simulation directory ------------------------------------------- */

static const char *sim_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("XENSTUB_DIR"), *run = getenv("XENSTORED_RUNDIR");

	if (dir[0])
		return dir;
	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/sim",
			 run && *run ? run : "/var/run/xenstored");
	return dir;
}

/* DIR/<domid>/<file> (file may be ""); ENAMETOOLONG as -1. */
static int dom_path(char *out, size_t size, unsigned domid, const char *file)
{
	int n = snprintf(out, size, "%s/%u/%s", sim_dir(), domid, file);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

enum dom_state { DOM_NONE, DOM_RUNNING, DOM_SHUTDOWN, DOM_DYING };

static enum dom_state dom_state(unsigned domid)
{
	char path[PATH_MAX], buf[16] = "";
	ssize_t n;
	int fd;

	if (dom_path(path, sizeof(path), domid, "state"))
		return DOM_NONE;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return DOM_NONE;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (strncmp(buf, "shutdown", 8) == 0)
		return DOM_SHUTDOWN;
	if (strncmp(buf, "dying", 5) == 0)
		return DOM_DYING;
	return DOM_RUNNING;
}

/* The lowest existing domid >= first, or -1.  The common question (does
 * this one domain exist?) costs one open, not a directory scan. */
static long next_domain(unsigned first)
{
	struct dirent *e;
	long best = -1;
	DIR *d;

	if (first > MAX_DOMID)
		return -1;
	if (dom_state(first) != DOM_NONE)
		return first;
	d = opendir(sim_dir());
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *end;
		unsigned long v = strtoul(e->d_name, &end, 10);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end || v < first ||
		    v > MAX_DOMID || (best >= 0 && (long)v >= best))
			continue;
		if (dom_state((unsigned)v) != DOM_NONE)
			best = (long)v;
	}
	closedir(d);
	return best;
}

static void *map_ring(unsigned domid)
{
	char path[PATH_MAX];
	void *page;
	int fd;

	if (dom_path(path, sizeof(path), domid, "ring")) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		errno = ESRCH; /* what Xen says for a domain that does not exist */
		return NULL;
	}
	page = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return page == MAP_FAILED ? NULL : page;
}

/* --- libxenctrl ----------------------------------------------------------- */

struct stub_xc {
	xc_error last_error;
};

EXPORT xc_interface *xc_interface_open(xentoollog_logger *logger,
				       xentoollog_logger *dombuild_logger, unsigned open_flags)
{
	(void)logger, (void)dombuild_logger, (void)open_flags;
	return (xc_interface *)calloc(1, sizeof(struct stub_xc));
}

EXPORT int xc_interface_close(xc_interface *xch)
{
	free(xch);
	return 0;
}

EXPORT const xc_error *xc_get_last_error(xc_interface *xch)
{
	return &((struct stub_xc *)xch)->last_error;
}

EXPORT void xc_clear_last_error(xc_interface *xch)
{
	memset(&((struct stub_xc *)xch)->last_error, 0, sizeof(xc_error));
}

EXPORT const char *xc_error_code_to_desc(int code)
{
	return code == XC_ERROR_NONE ? "No error details" : "Error (xenstub)";
}

EXPORT int xc_domain_getinfo(xc_interface *xch, uint32_t first, unsigned int max,
			     xc_dominfo_t *info)
{
	unsigned n = 0;
	long d = first;

	(void)xch;
	while (n < max && d <= MAX_DOMID && (d = next_domain((unsigned)d)) >= 0) {
		enum dom_state s = dom_state((unsigned)d);
		xc_dominfo_t *i = &info[n++];

		memset(i, 0, sizeof(*i));
		i->domid = (uint32_t)d;
		i->running = s == DOM_RUNNING;
		i->shutdown = s == DOM_SHUTDOWN;
		i->dying = s == DOM_DYING;
		i->shutdown_reason = SHUTDOWN_poweroff;
		i->nr_online_vcpus = 1;
		i->max_memkb = 1 << 20;
		i->nr_pages = 1 << 18;
		d++;
	}
	return (int)n;
}

EXPORT int xc_domain_getinfolist(xc_interface *xch, uint32_t first, unsigned int max,
				 xc_domaininfo_t *info)
{
	unsigned n = 0;
	long d = first;

	(void)xch;
	while (n < max && d <= MAX_DOMID && (d = next_domain((unsigned)d)) >= 0) {
		static const uint32_t flags[] = {
			[DOM_RUNNING] = XEN_DOMINF_running,
			[DOM_SHUTDOWN] = XEN_DOMINF_shutdown,
			[DOM_DYING] = XEN_DOMINF_dying,
		};
		xc_domaininfo_t *i = &info[n++];

		memset(i, 0, sizeof(*i));
		i->domain = (domid_t)d;
		i->flags = flags[dom_state((unsigned)d)];
		i->tot_pages = i->max_pages = 1 << 18;
		i->nr_online_vcpus = 1;
		d++;
	}
	return (int)n;
}

EXPORT void *xc_map_foreign_range(xc_interface *xch, uint32_t dom, int size, int prot,
				  unsigned long mfn)
{
	(void)xch, (void)prot, (void)mfn;
	if (size != SIM_PAGE_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	return map_ring(dom);
}

/* --- libxengnttab --------------------------------------------------------- */

EXPORT xengnttab_handle *xengnttab_open(xentoollog_logger *logger, unsigned open_flags)
{
	(void)logger, (void)open_flags;
	/* Tests: a daemon that cannot open its backend, once (the file
	 * the variable names is the ticket; the daemon it goes back to
	 * inherits the variable). */
	const char *once = getenv("XENSTUB_NO_GNTTAB_ONCE");

	if (once && unlink(once) == 0) {
		errno = ENOENT;
		return NULL;
	}
	return (xengnttab_handle *)calloc(1, 1);
}

EXPORT int xengnttab_close(xengnttab_handle *xgt)
{
	free(xgt);
	return 0;
}

EXPORT int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	(void)xgt, (void)nr_grants;
	return 0;
}

/* A guest grants exactly one page in the simulation: its xenstore ring. */
EXPORT void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref,
				     int prot)
{
	(void)xgt, (void)prot;
	if (ref != GNTTAB_RESERVED_XENSTORE) {
		errno = EINVAL;
		return NULL;
	}
	return map_ring(domid);
}

EXPORT int xengnttab_unmap(xengnttab_handle *xgt, void *start, uint32_t count)
{
	(void)xgt;
	return munmap(start, (size_t)count * SIM_PAGE_SIZE);
}

/* --- libxenevtchn --------------------------------------------------------- */

struct stub_port {
	bool used, virq;
	uint32_t domid, remote;
};

struct stub_evtchn {
	int fd;
	struct stub_port *ports; /* index: local port; 0 is never used */
	size_t nports;
	/* The last port bound to each domain: an event's lookup costs the
	 * same with 1,000 guests as with one. */
	uint32_t by_domain[MAX_DOMID + 1];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

#define XCE(h) ((struct stub_evtchn *)(h))

EXPORT xenevtchn_handle *xenevtchn_open(xentoollog_logger *logger, unsigned open_flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stub_evtchn *x = calloc(1, sizeof(*x));
	int flags = SOCK_DGRAM | SOCK_NONBLOCK;

	(void)logger;
	if (!x)
		return NULL;
	if (!(open_flags & XENEVTCHN_NO_CLOEXEC))
		flags |= SOCK_CLOEXEC;
	mkdir(sim_dir(), 0755);
	if ((size_t)snprintf(x->path, sizeof(x->path), "%s/evtchn", sim_dir()) >=
	    sizeof(x->path)) {
		free(x);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, x->path);
	x->fd = socket(AF_UNIX, flags, 0);
	unlink(x->path);
	/*
	 * A datagram waiting in a guest's queue is charged to our send
	 * buffer, so with many guests a full buffer would drop the wake-up of
	 * a guest whose own queue is empty: a lost event, where Xen's pending
	 * bit cannot be lost.  Room for every guest's queue avoids that; a
	 * drop then only happens to a guest with wake-ups already queued.
	 */
	int sndbuf = SIM_SNDBUF;
	if (x->fd >= 0 && setsockopt(x->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(x->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (x->fd < 0 || bind(x->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		if (x->fd >= 0)
			close(x->fd);
		free(x);
		errno = err;
		return NULL;
	}
	return (xenevtchn_handle *)x;
}

/* Live update: the bindings live in the hypervisor, not in the process,
 * so the simulation keeps them in DIR/evtchn.ports (rewritten at every
 * bind and unbind); a daemon that inherited the fd through exec finds
 * its ports bound as they were. */
static void ports_path(char *out, size_t size)
{
	snprintf(out, size, "%s/evtchn.ports", sim_dir());
}

static void save_ports(const struct stub_evtchn *x)
{
	char path[PATH_MAX];
	FILE *f;

	ports_path(path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return;
	for (size_t i = 1; i < x->nports; i++)
		if (x->ports[i].used)
			fprintf(f, "%zu %d %u %u\n", i, x->ports[i].virq, x->ports[i].domid,
				x->ports[i].remote);
	fclose(f);
}

EXPORT xenevtchn_handle *xenevtchn_fdopen(xentoollog_logger *logger, int fd,
					  unsigned open_flags)
{
	struct stub_evtchn *x = calloc(1, sizeof(*x));
	char path[PATH_MAX];
	unsigned long i;
	unsigned domid, remote;
	int virq;
	FILE *f;

	(void)logger, (void)open_flags;
	if (!x)
		return NULL;
	x->fd = fd;
	snprintf(x->path, sizeof(x->path), "%s/evtchn", sim_dir());
	ports_path(path, sizeof(path));
	f = fopen(path, "r");
	while (f && fscanf(f, "%lu %d %u %u", &i, &virq, &domid, &remote) == 4 && i > 0 &&
	       i < 65536) {
		if (i >= x->nports) {	/* the same local numbers again */
			size_t n = (i + 1) * 2;
			struct stub_port *np = realloc(x->ports, n * sizeof(*np));
			if (!np)
				break;
			memset(np + x->nports, 0, (n - x->nports) * sizeof(*np));
			x->ports = np;
			x->nports = n;
		}
		x->ports[i] = (struct stub_port){ .used = true, .virq = virq != 0, .domid = domid,
						  .remote = remote };
		if (!virq && domid <= MAX_DOMID)
			x->by_domain[domid] = (uint32_t)i;
	}
	if (f)
		fclose(f);
	return (xenevtchn_handle *)x;
}

EXPORT int xenevtchn_close(xenevtchn_handle *xce)
{
	struct stub_evtchn *x = XCE(xce);

	if (!x)
		return 0;
	close(x->fd);
	unlink(x->path);
	free(x->ports);
	free(x);
	return 0;
}

EXPORT int xenevtchn_fd(xenevtchn_handle *xce)
{
	return XCE(xce)->fd;
}

static int new_port(struct stub_evtchn *x, struct stub_port p)
{
	size_t i;

	for (i = 1; i < x->nports && x->ports[i].used; i++)
		;
	if (i >= x->nports) {
		size_t n = x->nports ? x->nports * 2 : 64;
		struct stub_port *np = realloc(x->ports, n * sizeof(*np));
		if (!np) {
			errno = ENOMEM;
			return -1;
		}
		memset(np + x->nports, 0, (n - x->nports) * sizeof(*np));
		i = x->nports ? x->nports : 1;
		x->ports = np;
		x->nports = n;
	}
	p.used = true;
	x->ports[i] = p;
	if (!p.virq && p.domid <= MAX_DOMID)
		x->by_domain[p.domid] = (uint32_t)i;
	save_ports(x);
	return (int)i;
}

static struct stub_port *port_of(struct stub_evtchn *x, evtchn_port_t port)
{
	if (port == 0 || port >= x->nports || !x->ports[port].used) {
		errno = EINVAL;
		return NULL;
	}
	return &x->ports[port];
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce,
							    uint32_t domid,
							    evtchn_port_t remote)
{
	if (dom_state(domid) == DOM_NONE) {
		errno = ESRCH;
		return -1;
	}
	return new_port(XCE(xce), (struct stub_port){ .domid = domid, .remote = remote });
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	if (virq != VIRQ_DOM_EXC) {
		errno = EINVAL;
		return -1;
	}
	/* As Xen's evtchn_bind_virq: a VIRQ is bound once.  That holds across
	 * a live update too (the binding came through exec with the fd), so a
	 * daemon must unbind it before exec, as C xenstored does. */
	for (size_t i = 1; i < XCE(xce)->nports; i++)
		if (XCE(xce)->ports[i].used && XCE(xce)->ports[i].virq) {
			errno = EEXIST;
			return -1;
		}
	return new_port(XCE(xce), (struct stub_port){ .virq = true, .domid = SIM_VIRQ });
}

EXPORT xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce,
							     uint32_t domid)
{
	(void)xce, (void)domid;
	errno = ENOSYS; /* only stub domains offer unbound ports */
	return -1;
}

EXPORT int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	struct stub_port *p = port_of(XCE(xce), port);

	if (!p)
		return -1;
	p->used = false;
	save_ports(XCE(xce));
	return 0;
}

EXPORT int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stub_port *p = port_of(XCE(xce), port);
	struct sim_event ev;

	if (!p)
		return -1;
	if (p->virq)
		return 0;
	if (dom_path(sa.sun_path, sizeof(sa.sun_path), p->domid, "evtchn")) {
		errno = ENAMETOOLONG;
		return -1;
	}
	ev.domid = 0;
	ev.port = p->remote;
	/* A guest not listening misses the wake-up, as behind a masked
	 * channel; it looks at its ring when it comes back. */
	sendto(XCE(xce)->fd, &ev, sizeof(ev), MSG_DONTWAIT | MSG_NOSIGNAL,
	       (struct sockaddr *)&sa, sizeof(sa));
	return 0;
}

static int find_port(const struct stub_evtchn *x, uint32_t domid, uint32_t remote, bool virq)
{
	if (!virq && domid <= MAX_DOMID) {
		uint32_t i = x->by_domain[domid];
		if (i && i < x->nports && x->ports[i].used && !x->ports[i].virq &&
		    x->ports[i].domid == domid && x->ports[i].remote == remote)
			return (int)i;
	}
	for (size_t i = 1; i < x->nports; i++) {
		const struct stub_port *p = &x->ports[i];
		if (p->used && p->virq == virq && (virq || (p->domid == domid && p->remote == remote)))
			return (int)i;
	}
	return -1;
}

/*
 * The next port that fired.  A datagram for a port nobody bound is
 * dropped, as Xen drops an event on a closed channel; but C xenstored
 * treats -1 after poll() said readable as fatal, so when only such
 * datagrams were queued the VIRQ port stands in (a spurious domain scan).
 */
EXPORT xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	struct stub_evtchn *x = XCE(xce);
	bool dropped = false;
	struct sim_event ev;
	int port;

	for (;;) {
		ssize_t n = recv(x->fd, &ev, sizeof(ev), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			port = dropped ? find_port(x, 0, 0, true) : -1;
			if (port < 0)
				errno = EAGAIN;
			return port;
		}
		if (n != (ssize_t)sizeof(ev)) {
			dropped = true;
			continue;
		}
		port = find_port(x, ev.domid, ev.port, ev.domid == SIM_VIRQ);
		if (port > 0)
			return port;
		dropped = true;
	}
}

EXPORT int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce, (void)port;
	return 0;
}

/* --- libc: dom0's ring (xenfs, xenbus_backend), oxenstored's fixed paths -- */

enum dom0_way { DOM0_XENFS = 1, DOM0_BACKEND = 2 };

/* Whether dom0's ring is shown that way ($XENSTUB_DOM0; both unless). */
static bool dom0_shows(enum dom0_way way)
{
	const char *only = getenv("XENSTUB_DOM0");

	if (!only || !*only)
		return true;
	return way == (strcmp(only, "backend") == 0 ? DOM0_BACKEND : DOM0_XENFS);
}

/* The file in DIR/0 that a path showing dom0's ring stands for, or NULL;
 * "absent" (never created) where that way is not shown. */
static const char *dom0_file(const char *path)
{
	if (strcmp(path, XSD_KVA) == 0)
		return dom0_shows(DOM0_XENFS) ? "ring" : "absent";
	if (strcmp(path, XSD_PORT) == 0)
		return dom0_shows(DOM0_XENFS) ? "port" : "absent";
	if (strcmp(path, XENBUS_BACKEND) == 0)
		return dom0_shows(DOM0_BACKEND) ? "ring" : "absent";
	return NULL;
}

/* fd is open on dom0's ring page (what /dev/xen/xenbus_backend opened). */
static bool is_dom0_ring(int fd)
{
	char path[PATH_MAX];
	struct stat a, b;

	return dom0_shows(DOM0_BACKEND) && !dom_path(path, sizeof(path), 0, "ring") &&
	       fstat(fd, &a) == 0 && syscall(SYS_newfstatat, AT_FDCWD, path, &b, 0) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* dom0's port as DIR/0/port says it, or -1 with errno. */
static int dom0_port(void)
{
	char path[PATH_MAX], buf[16] = "";
	ssize_t n;
	int fd;

	if (dom_path(path, sizeof(path), 0, "port")) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (atoi(buf) <= 0) {
		errno = ENODEV; /* what the kernel says before xenstore is set up */
		return -1;
	}
	return atoi(buf);
}

/*
 * The xenbus_backend device's ioctls.  EVTCHN answers dom0's port.  SETUP
 * (domid) hands dom0's page and a new channel to a xenstore stub domain:
 * stub domains are not simulated (see xenevtchn_bind_unbound_port), so it
 * fails as the hypercall would.  Every other request goes to the kernel.
 */
EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if ((request == IOCTL_XENBUS_BACKEND_EVTCHN || request == IOCTL_XENBUS_BACKEND_SETUP) &&
	    is_dom0_ring(fd)) {
		if (request == IOCTL_XENBUS_BACKEND_EVTCHN)
			return dom0_port();
		errno = ENOSYS;
		return -1;
	}
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

/* Paths under /var/run/xenstored or /run/xenstored move to $STUB_RUNDIR
 * (oxenstored hard-codes its socket and state file there). */
static const char *redirect(const char *path, char *buf, size_t size)
{
	static const char *const fixed[] = { "/var/run/xenstored", "/run/xenstored" };
	const char *run = getenv("STUB_RUNDIR"), *dom0;

	if (!path)
		return path;
	if ((dom0 = dom0_file(path)))
		return dom_path(buf, size, 0, dom0) ? path : buf;
	/* Our daemon picks Xen when the device is there (a live update from
	 * C passes C's arguments, no --hypervisor): the event socket stands
	 * in for it. */
	if (strcmp(path, "/dev/xen/evtchn") == 0 &&
	    (size_t)snprintf(buf, size, "%s/evtchn", sim_dir()) < size)
		return buf;
	if (!run || !*run)
		return path;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		size_t n = strlen(fixed[i]);
		if (strncmp(path, fixed[i], n) == 0 && (path[n] == '/' || path[n] == '\0') &&
		    (size_t)snprintf(buf, size, "%s%s", run, path + n) < size)
			return buf;
	}
	return path;
}

static int open_redirected(int dirfd, const char *path, int flags, va_list ap)
{
	char buf[PATH_MAX];
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	return (int)syscall(SYS_openat, dirfd, redirect(path, buf, sizeof(buf)), flags, mode);
}

#define OPEN_WRAPPER(name)                                                    \
	EXPORT int name(const char *path, int flags, ...)                    \
	{                                                                     \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		int fd = open_redirected(AT_FDCWD, path, flags, ap);         \
		va_end(ap);                                                   \
		return fd;                                                    \
	}
#define OPENAT_WRAPPER(name)                                                  \
	EXPORT int name(int dirfd, const char *path, int flags, ...)         \
	{                                                                     \
		va_list ap;                                                   \
		va_start(ap, flags);                                          \
		int fd = open_redirected(dirfd, path, flags, ap);            \
		va_end(ap);                                                   \
		return fd;                                                    \
	}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

#define PATH_CALL(ret, name, params, sys, ...)                                \
	EXPORT ret name params                                                \
	{                                                                     \
		char buf[PATH_MAX];                                           \
		path = redirect(path, buf, sizeof(buf));                      \
		return (ret)syscall(sys, __VA_ARGS__);                        \
	}
PATH_CALL(int, unlink, (const char *path), SYS_unlinkat, AT_FDCWD, path, 0)
PATH_CALL(int, rmdir, (const char *path), SYS_unlinkat, AT_FDCWD, path, AT_REMOVEDIR)
PATH_CALL(int, mkdir, (const char *path, mode_t mode), SYS_mkdirat, AT_FDCWD, path, mode)
PATH_CALL(int, chmod, (const char *path, mode_t mode), SYS_fchmodat, AT_FDCWD, path, mode)
PATH_CALL(int, access, (const char *path, int mode), SYS_faccessat, AT_FDCWD, path, mode)
PATH_CALL(int, stat, (const char *path, struct stat *st), SYS_newfstatat, AT_FDCWD, path, st, 0)
PATH_CALL(int, lstat, (const char *path, struct stat *st), SYS_newfstatat, AT_FDCWD, path, st,
	  AT_SYMLINK_NOFOLLOW)
PATH_CALL(int, stat64, (const char *path, struct stat64 *st), SYS_newfstatat, AT_FDCWD, path, st,
	  0)
PATH_CALL(int, lstat64, (const char *path, struct stat64 *st), SYS_newfstatat, AT_FDCWD, path,
	  st, AT_SYMLINK_NOFOLLOW)

EXPORT int rename(const char *from, const char *to)
{
	char b1[PATH_MAX], b2[PATH_MAX];

	return (int)syscall(SYS_renameat, AT_FDCWD, redirect(from, b1, sizeof(b1)), AT_FDCWD,
			    redirect(to, b2, sizeof(b2)));
}

/* AF_UNIX addresses under the fixed directories move too. */
static const struct sockaddr *redirect_addr(const struct sockaddr *sa, socklen_t *len,
					    struct sockaddr_un *buf)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	char path[PATH_MAX];
	const char *to;

	if (!sa || sa->sa_family != AF_UNIX || *len <= offsetof(struct sockaddr_un, sun_path) ||
	    !un->sun_path[0])
		return sa;
	snprintf(path, sizeof(path), "%.*s",
		 (int)(*len - offsetof(struct sockaddr_un, sun_path)), un->sun_path);
	to = redirect(path, buf->sun_path, sizeof(buf->sun_path));
	if (to == path)
		return sa;
	buf->sun_family = AF_UNIX;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(buf->sun_path) + 1);
	return (const struct sockaddr *)buf;
}

EXPORT int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_un buf;

	sa = redirect_addr(sa, &len, &buf);
	return (int)syscall(SYS_bind, fd, sa, len);
}

EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_un buf;

	sa = redirect_addr(sa, &len, &buf);
	return (int)syscall(SYS_connect, fd, sa, len);
}

/* oxenstored raises RLIMIT_NOFILE to fs.nr_open, which an unprivileged
 * container refuses: settle for the hard limit. */
EXPORT int setrlimit(__rlimit_resource_t res, const struct rlimit *rl)
{
	struct rlimit cur, want;

	if (syscall(SYS_prlimit64, 0, res, rl, NULL) == 0)
		return 0;
	if (errno != EPERM || res != RLIMIT_NOFILE || syscall(SYS_prlimit64, 0, res, NULL, &cur))
		return -1;
	want = *rl;
	if (want.rlim_max > cur.rlim_max)
		want.rlim_max = cur.rlim_max;
	if (want.rlim_cur > want.rlim_max)
		want.rlim_cur = want.rlim_max;
	return (int)syscall(SYS_prlimit64, 0, res, &want, NULL);
}
