/* hv_sim.c - the simulated hypervisor backend (layout in hv_sim.h). */
#include "hv_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hv.h"

struct sim_port {
	bool used;
	unsigned domid;
	unsigned remote;
};

struct hv_sim {
	struct hv hv;
	int fd;
	struct sim_port *ports;
	size_t nports;
	char dir[PATH_MAX];
};

#define SIM(h) ((struct hv_sim *)(h))

static int sim_fd(struct hv *h)
{
	return SIM(h)->fd;
}

static int find_port(const struct hv_sim *s, unsigned domid, unsigned remote)
{
	for (size_t i = 1; i < s->nports; i++)
		if (s->ports[i].used && s->ports[i].domid == domid &&
		    s->ports[i].remote == remote)
			return (int)i;
	return -1;
}

#define SIM_SKIP_PER_CALL 256

static int sim_pending(struct hv *h)
{
	struct hv_sim *s = SIM(h);
	struct sim_event ev;

	/* Datagrams that name no bound port are skipped, but only so many
	 * per call: a guest sending them as fast as it can must not hold the
	 * loop here.  The socket stays readable, so the rest waits for the
	 * next round, after the other ready fds. */
	for (unsigned skipped = 0; skipped < SIM_SKIP_PER_CALL; skipped++) {
		ssize_t n = recv(s->fd, &ev, sizeof(ev), MSG_DONTWAIT);
		if (n < 0)
			return errno == EINTR ? -EINTR : -EAGAIN;
		if (n != (ssize_t)sizeof(ev))
			continue; /* not ours: ignore */
		if (ev.domid == SIM_VIRQ)
			return HV_EVENT_DOM_EXC;
		int port = find_port(s, ev.domid, ev.port);
		if (port > 0)
			return port;
	}
	return -EAGAIN;
}

static int dom_path(const struct hv_sim *s, unsigned domid, const char *file, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s/%u/%s", s->dir, domid, file);
	return n > 0 && n < PATH_MAX ? 0 : ENAMETOOLONG;
}

static void *sim_map_ring(struct hv *h, unsigned domid, uint64_t gfn)
{
	char path[PATH_MAX];
	struct stat st;
	void *page;
	int fd;

	(void)gfn; /* like Xen's C daemon: the ring is the domain's, whatever gfn says */
	if (dom_path(SIM(h), domid, "ring", path))
		return NULL;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* A short file maps, but faults on access.  The guest can still
	 * truncate it later: ring.c survives that (ring_fault_guard_init). */
	if (fstat(fd, &st) < 0 || st.st_size < SIM_PAGE_SIZE) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	page = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return page == MAP_FAILED ? NULL : page;
}

static void sim_unmap_ring(struct hv *h, void *page)
{
	(void)h;
	munmap(page, SIM_PAGE_SIZE);
}

static int sim_bind(struct hv *h, unsigned domid, unsigned remote)
{
	struct hv_sim *s = SIM(h);
	size_t i;

	for (i = 1; i < s->nports && s->ports[i].used; i++)
		;
	if (i >= s->nports) {
		size_t n = s->nports ? s->nports * 2 : 64;
		struct sim_port *p = realloc(s->ports, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		memset(p + s->nports, 0, (n - s->nports) * sizeof(*p));
		s->ports = p;
		i = s->nports ? s->nports : 1;
		s->nports = n;
	}
	s->ports[i] = (struct sim_port){ true, domid, remote };
	return (int)i;
}

static void sim_unbind(struct hv *h, int port)
{
	struct hv_sim *s = SIM(h);

	if (port > 0 && (size_t)port < s->nports)
		s->ports[port].used = false;
}

static void sim_notify(struct hv *h, int port)
{
	struct hv_sim *s = SIM(h);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sim_event ev;
	char path[PATH_MAX];

	if (port <= 0 || (size_t)port >= s->nports || !s->ports[port].used)
		return;
	ev.domid = 0;
	ev.port = s->ports[port].remote;
	if (dom_path(s, s->ports[port].domid, "evtchn", path) ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	/* A guest that is not listening just misses the wake-up, as a
	 * masked channel would; it polls the ring when it comes back. */
	sendto(s->fd, &ev, sizeof(ev), MSG_DONTWAIT | MSG_NOSIGNAL,
	       (struct sockaddr *)&sa, sizeof(sa));
}

/* Reads the small text file DIR/<domid>/FILE into buf (NUL-terminated,
 * cut to size - 1 bytes).  0 or an errno. */
static int read_dom_file(const struct hv_sim *s, unsigned domid, const char *file,
			 char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (dom_path(s, domid, file, path))
		return ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return 0;
}

static enum hv_dom_state sim_domain_state(struct hv *h, unsigned domid)
{
	char buf[32];

	if (read_dom_file(SIM(h), domid, "state", buf, sizeof(buf)))
		return HV_DOM_GONE;
	if (strncmp(buf, "shutdown", 8) == 0)
		return HV_DOM_SHUTDOWN;
	if (strncmp(buf, "dying", 5) == 0)
		return HV_DOM_DYING;
	return HV_DOM_RUNNING;
}

/* The guest's end of the channel is the port the toolstack introduced
 * (DIR/<domid>/port); the local number is the one the old process had. */
static int sim_adopt(struct hv *h, unsigned domid, int local)
{
	struct hv_sim *s = SIM(h);
	char buf[32];
	int err;

	if (local <= 0 || local > 65535)
		return EINVAL;
	err = read_dom_file(s, domid, "port", buf, sizeof(buf));
	if (err)
		return err;
	if ((size_t)local >= s->nports) {
		size_t cap = (size_t)local * 2;
		struct sim_port *p = realloc(s->ports, cap * sizeof(*p));
		if (!p)
			return ENOMEM;
		memset(p + s->nports, 0, (cap - s->nports) * sizeof(*p));
		s->ports = p;
		s->nports = cap;
	}
	if (s->ports[local].used)
		return EEXIST;
	s->ports[local] = (struct sim_port){ true, domid, (unsigned)atoi(buf) };
	return 0;
}

static void sim_destroy(struct hv *h)
{
	struct hv_sim *s = SIM(h);
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/evtchn", s->dir) < (int)sizeof(path))
		unlink(path);
	close(s->fd);
	free(s->ports);
	free(s);
}

/* The simulation's domain events need no binding (hv_sim.h): nothing
 * the next process could find already bound. */
static int sim_exec_noop(struct hv *h)
{
	(void)h;
	return 0;
}

static const struct hv_ops sim_ops = {
	.name = "sim",
	.fd = sim_fd,
	.pending = sim_pending,
	.map_ring = sim_map_ring,
	.unmap_ring = sim_unmap_ring,
	.bind = sim_bind,
	.unbind = sim_unbind,
	.notify = sim_notify,
	.domain_state = sim_domain_state,
	.destroy = sim_destroy,
	.adopt = sim_adopt,
	.before_exec = sim_exec_noop,
	.after_failed_exec = sim_exec_noop,
};

struct hv *hv_sim_open(const char *dir)
{
	return hv_sim_open_fd(dir, -1);
}

struct hv *hv_sim_open_fd(const char *dir, int fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hv_sim *s;
	int n;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->hv.ops = &sim_ops;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/evtchn", dir);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		free(s);
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (fd >= 0) {
		/* Inherited across a live update: still bound, nothing lost. */
		s->fd = fd;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		return &s->hv;
	}
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	unlink(sa.sun_path);
	/* A wake-up queued at a guest is charged to our send buffer: with
	 * many guests a full buffer would drop the wake-up of a guest whose
	 * own queue is empty, and that guest would wait forever (1,000
	 * guests: tests/integration/guest_storm.sh).  Leave room for every
	 * guest's queue; root may exceed net.core.wmem_max. */
	int sndbuf = SIM_SNDBUF;
	if (s->fd >= 0 && setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		errno = err;
		return NULL;
	}
	return &s->hv;
}
