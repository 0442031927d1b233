/*
 * ringstorm - a boot storm of simulated guests against any xenstore daemon
 * serving the simulated hypervisor (ours with --hypervisor=sim|xen, Xen's
 * C xenstored on tests/peers/xenstub.c), driven from one process so that
 * the figures are the daemon's, not the cost of starting 1,000 clients.
 *
 *   ringstorm -d SIMDIR -n N [-p DAEMON_PID] [-N NODES] [-W WATCHES] [-t SECS]
 *
 * The hypervisor's part (domain directories, ring pages) is done before
 * the clock starts.  Then, all at once:
 *   toolstack  dom0 on the daemon's socket ($XENSTORED_PATH), pipelined:
 *              for each domain its home, a vif frontend and backend
 *              directory with their permissions, a watch on the frontend's
 *              state (the backend driver's), and XS_INTRODUCE
 *   frontend   each guest, on its own ring as soon as it is introduced:
 *              reads its backend path, writes ring-ref, event-channel,
 *              watches the backend's state and writes state 3
 *   backend    dom0, on its watch firing with state 3: reads ring-ref and
 *              event-channel and writes the backend's state 4
 *   frontend   on its watch firing with the backend at 4: writes state 4
 * "boot" is the time until every frontend has written state 4.
 * With -N/-W each guest then creates NODES nodes and WATCHES watches
 * (populate), and for -t SECS the guests take turns doing READ round
 * trips, one at a time (us per request).  One line of key=value results;
 * daemon CPU (utime+stime) and VmRSS come from /proc/DAEMON_PID.  A phase
 * that stalls for RINGSTORM_TIMEOUT seconds (default 300) is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hv_sim.h"
#include "ring.h"
#include "ring_client.h"
#include "wire.h"

#define PORT 1

/* What a reply answers: req_id = domid << 8 | step. */
enum step {
	FE_READ_BACKEND = 1, FE_WRITE, FE_WATCH, FE_STATE3, FE_READ_BE_STATE, FE_STATE4,
	FE_POPULATE, FE_BENCH,
	TS_SETUP, TS_INTRODUCE, BE_READ_FE_STATE, BE_READ, BE_STATE4,
};

struct buf {
	char *data;
	size_t len, cap;
};

struct guest {
	unsigned domid;
	int fd;
	struct xs_ring_page *page;
	struct buf in, out;       /* replies not yet parsed, requests not yet on the ring */
	unsigned pending;         /* requests without a reply */
	bool done, saw_backend_connected;
};

struct storm {
	const char *dir;
	unsigned n, nodes, watches, bench_secs;
	int pid;
	struct guest *g;
	int sock, ep;
	int notify_fd;            /* blocking: waits while the daemon's queue is full */
	struct buf sin, sout;     /* dom0's socket */
	unsigned introduced, done, populated;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ringstorm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void buf_add(struct buf *b, const void *p, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		if (!(b->data = realloc(b->data, cap)))
			die("out of memory");
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

static void buf_drop(struct buf *b, size_t len)
{
	memmove(b->data, b->data + len, b->len - len);
	b->len -= len;
}

/* Queues a request with NUL-separated fields (the last one raw when
 * raw_last, as WRITE's value). */
static void request(struct buf *b, uint32_t type, uint32_t req_id, int n, bool raw_last, ...)
{
	char payload[XS_PAYLOAD_MAX];
	size_t len = 0;
	va_list ap;

	va_start(ap, raw_last);
	for (int i = 0; i < n; i++) {
		const char *f = va_arg(ap, const char *);
		size_t l = strlen(f);
		memcpy(payload + len, f, l);
		len += l;
		if (!(raw_last && i == n - 1))
			payload[len++] = '\0';
	}
	va_end(ap);
	struct xs_msg_header h = { type, req_id, 0, (uint32_t)len };
	buf_add(b, &h, sizeof(h));
	buf_add(b, payload, len);
}

/* --- the hypervisor's part -------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		die("%s: %s", path, strerror(errno));
	close(fd);
}

static void create_domain(struct storm *s, struct guest *g)
{
	static const char zero[SIM_PAGE_SIZE];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%u", s->dir, g->domid);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%u/ring", s->dir, g->domid);
	write_file(path, zero, sizeof(zero));
	fd = open(path, O_RDWR);
	g->page = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (g->page == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/%u/port", s->dir, g->domid);
	write_file(path, "1", 1);
	snprintf(path, sizeof(path), "%s/%u/state", s->dir, g->domid);
	write_file(path, "running", 7);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%u/evtchn", s->dir, g->domid);
	unlink(sa.sun_path);
	g->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0 || bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("%s: %s", sa.sun_path, strerror(errno));
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = g->domid };
	epoll_ctl(s->ep, EPOLL_CTL_ADD, g->fd, &ev);
}

static void destroy_domain(struct storm *s, struct guest *g)
{
	const char *files[] = { "ring", "port", "state", "evtchn" };
	char path[600];

	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%u/%s", s->dir, g->domid, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%u", s->dir, g->domid);
	rmdir(path);
}

/* --- guests' rings ------------------------------------------------------------ */

static void notify(struct storm *s, struct guest *g)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sim_event ev = { g->domid, PORT };

	/* A notification must not be lost: a guest kernel's event sets a
	 * pending bit that stays set, where a full datagram queue would
	 * drop it. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/evtchn", s->dir);
	while (sendto(s->notify_fd, &ev, sizeof(ev), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		      sizeof(sa)) < 0 && errno == EINTR)
		;
}

/* Moves queued requests onto the request ring and the response ring's
 * bytes into g->in; notifies the daemon when either index moved. */
static void ring_io(struct storm *s, struct guest *g)
{
	struct xs_ring_page *p = g->page;
	bool moved = false;
	int n;

	if (g->out.len && (n = ring_client_put(p, g->out.data, (uint32_t)g->out.len)) > 0) {
		buf_drop(&g->out, (size_t)n);
		moved = true;
	}
	if (ring_client_pending(p) > 0) {
		char tmp[XS_RING_SIZE];
		n = ring_client_take(p, tmp, sizeof(tmp));
		buf_add(&g->in, tmp, (size_t)n);
		moved = true;
	}
	if (moved)
		notify(s, g);
}

static void guest_send(struct storm *s, struct guest *g, uint32_t type, enum step step, int n,
		       bool raw_last, const char *a, const char *b)
{
	(void)s;
	request(&g->out, type, g->domid << 8 | step, n, raw_last, a, b);
	g->pending++;
}

static void be_path(char *out, size_t size, unsigned domid, const char *leaf)
{
	snprintf(out, size, "/local/domain/0/backend/vif/%u/0%s%s", domid, *leaf ? "/" : "", leaf);
}

static void frontend_start(struct storm *s, struct guest *g)
{
	char be[128];

	be_path(be, sizeof(be), g->domid, "state");
	guest_send(s, g, XS_READ, FE_READ_BACKEND, 1, false, "device/vif/0/backend", NULL);
	guest_send(s, g, XS_WRITE, FE_WRITE, 2, true, "device/vif/0/ring-ref", "8");
	guest_send(s, g, XS_WRITE, FE_WRITE, 2, true, "device/vif/0/event-channel", "5");
	guest_send(s, g, XS_WATCH, FE_WATCH, 2, false, be, "be");
	guest_send(s, g, XS_WRITE, FE_STATE3, 2, true, "device/vif/0/state", "3");
	ring_io(s, g);
}

static void guest_message(struct storm *s, struct guest *g, const struct xs_msg_header *h,
			  const char *body)
{
	char be[128];

	if (h->type == XS_WATCH_EVENT) {
		if (!g->done) {
			be_path(be, sizeof(be), g->domid, "state");
			guest_send(s, g, XS_READ, FE_READ_BE_STATE, 1, false, be, NULL);
		}
		return;
	}
	g->pending--;
	if (h->type == XS_ERROR)
		die("domain %u: step %u: %.*s", g->domid, h->req_id & 0xff, (int)h->len, body);
	switch (h->req_id & 0xff) {
	case FE_READ_BE_STATE:
		if (h->len == 1 && body[0] == '4' && !g->saw_backend_connected) {
			g->saw_backend_connected = true;
			guest_send(s, g, XS_WRITE, FE_STATE4, 2, true, "device/vif/0/state", "4");
		}
		break;
	case FE_STATE4:
		g->done = true;
		s->done++;
		break;
	case FE_POPULATE:
		if (!g->pending)
			s->populated++;
		break;
	}
}

static void guest_input(struct storm *s, struct guest *g)
{
	struct sim_event ev;

	while (recv(g->fd, &ev, sizeof(ev), MSG_DONTWAIT) > 0)
		;
	ring_io(s, g);
	while (g->in.len >= XS_HEADER_SIZE) {
		struct xs_msg_header h;
		memcpy(&h, g->in.data, sizeof(h));
		if (g->in.len < XS_HEADER_SIZE + h.len)
			break;
		guest_message(s, g, &h, g->in.data + XS_HEADER_SIZE);
		buf_drop(&g->in, XS_HEADER_SIZE + h.len);
	}
	ring_io(s, g);
}

/* --- dom0: toolstack and backend driver ------------------------------------------ */

static void dom0_send(struct storm *s, uint32_t type, unsigned domid, enum step step, int n,
		      bool raw_last, const char *a, const char *b)
{
	request(&s->sout, type, domid << 8 | step, n, raw_last, a, b);
}

/* SET_PERMS path owner reader */
static void set_perms(struct storm *s, unsigned d, const char *path, const char *owner,
		      const char *reader)
{
	request(&s->sout, XS_SET_PERMS, d << 8 | TS_SETUP, 3, false, path, owner, reader);
}

static void toolstack(struct storm *s, unsigned d)
{
	char home[64], fe[128], be[128], v[128], guest[16], port[16];

	snprintf(home, sizeof(home), "/local/domain/%u", d);
	snprintf(fe, sizeof(fe), "%s/device/vif/0", home);
	be_path(be, sizeof(be), d, "");
	dom0_send(s, XS_WRITE, d, TS_SETUP, 2, true, strcat(strcpy(v, home), "/name"), "guest");
	snprintf(guest, sizeof(guest), "r%u", d);
	set_perms(s, d, home, "n0", guest);
	dom0_send(s, XS_WRITE, d, TS_SETUP, 2, true, strcat(strcpy(v, fe), "/backend"), be);
	dom0_send(s, XS_WRITE, d, TS_SETUP, 2, true, strcat(strcpy(v, be), "/frontend"), fe);
	dom0_send(s, XS_WRITE, d, TS_SETUP, 2, true, strcat(strcpy(v, be), "/state"), "1");
	set_perms(s, d, be, "n0", guest);
	set_perms(s, d, v, "n0", guest);
	guest[0] = 'n';
	dom0_send(s, XS_MKDIR, d, TS_SETUP, 1, false, strcat(strcpy(v, home), "/data"), NULL);
	set_perms(s, d, v, guest, "r0");
	set_perms(s, d, fe, guest, "r0");
	dom0_send(s, XS_WRITE, d, TS_SETUP, 2, true, strcat(strcpy(v, fe), "/state"), "1");
	set_perms(s, d, v, guest, "r0");
	dom0_send(s, XS_WATCH, d, TS_SETUP, 2, false, v, "fe");
	snprintf(v, sizeof(v), "%u", d);
	snprintf(port, sizeof(port), "%u", PORT);
	/* INTRODUCE: domid, gfn, port (three NUL-terminated fields) */
	char intro[64];
	int len = snprintf(intro, sizeof(intro), "%u%c0%c%s", d, 0, 0, port);
	struct xs_msg_header h = { XS_INTRODUCE, d << 8 | TS_INTRODUCE, 0, (uint32_t)len + 1 };
	buf_add(&s->sout, &h, sizeof(h));
	buf_add(&s->sout, intro, (size_t)len + 1);
}

static unsigned path_domid(const char *path)
{
	return (unsigned)strtoul(path + strlen("/local/domain/"), NULL, 10);
}

static void dom0_message(struct storm *s, const struct xs_msg_header *h, const char *body)
{
	unsigned d = h->req_id >> 8;
	char v[128];

	if (h->type == XS_WATCH_EVENT) {
		d = path_domid(body);
		if (d >= 1 && d <= s->n)
			dom0_send(s, XS_READ, d, BE_READ_FE_STATE, 1, false, body, NULL);
		return;
	}
	if (h->type == XS_ERROR)
		die("dom0 for domain %u: step %u: %.*s", d, h->req_id & 0xff, (int)h->len, body);
	if (d < 1 || d > s->n)
		die("reply for unknown domain %u", d);
	switch (h->req_id & 0xff) {
	case TS_INTRODUCE:
		s->introduced++;
		frontend_start(s, &s->g[d - 1]);
		break;
	case BE_READ_FE_STATE:
		if (h->len == 1 && body[0] == '3') {
			snprintf(v, sizeof(v), "/local/domain/%u/device/vif/0/ring-ref", d);
			dom0_send(s, XS_READ, d, BE_READ, 1, false, v, NULL);
			snprintf(v, sizeof(v), "/local/domain/%u/device/vif/0/event-channel", d);
			dom0_send(s, XS_READ, d, BE_READ, 1, false, v, NULL);
			be_path(v, sizeof(v), d, "state");
			dom0_send(s, XS_WRITE, d, BE_STATE4, 2, true, v, "4");
		}
		break;
	}
}

static void dom0_io(struct storm *s, uint32_t events)
{
	char tmp[65536];
	ssize_t n;

	if (s->sout.len && (events & EPOLLOUT)) {
		n = send(s->sock, s->sout.data, s->sout.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			buf_drop(&s->sout, (size_t)n);
	}
	while ((n = recv(s->sock, tmp, sizeof(tmp), MSG_DONTWAIT)) > 0)
		buf_add(&s->sin, tmp, (size_t)n);
	if (n == 0)
		die("the daemon closed dom0's connection");
	while (s->sin.len >= XS_HEADER_SIZE) {
		struct xs_msg_header h;
		memcpy(&h, s->sin.data, sizeof(h));
		if (s->sin.len < XS_HEADER_SIZE + h.len)
			break;
		dom0_message(s, &h, s->sin.data + XS_HEADER_SIZE);
		buf_drop(&s->sin, XS_HEADER_SIZE + h.len);
	}
	if (s->sout.len && (n = send(s->sock, s->sout.data, s->sout.len,
				     MSG_DONTWAIT | MSG_NOSIGNAL)) > 0)
		buf_drop(&s->sout, (size_t)n);
}

/* One round of the event loop; false on a timeout. */
static bool loop_once(struct storm *s, int ms)
{
	struct epoll_event evs[256], ev = { .events = EPOLLIN | (s->sout.len ? EPOLLOUT : 0),
					    .data.u32 = 0 };
	int n;

	epoll_ctl(s->ep, EPOLL_CTL_MOD, s->sock, &ev);
	n = epoll_wait(s->ep, evs, 256, ms);
	if (n < 0 && errno != EINTR)
		die("epoll: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u32 == 0)
			dom0_io(s, evs[i].events);
		else
			guest_input(s, &s->g[evs[i].data.u32 - 1]);
	}
	return n > 0;
}

static void run_until(struct storm *s, const unsigned *counter, unsigned want, const char *what)
{
	int limit = getenv("RINGSTORM_TIMEOUT") ? atoi(getenv("RINGSTORM_TIMEOUT")) : 300;
	double deadline = now() + limit;

	while (*counter < want) {
		if (!loop_once(s, 1000) && now() > deadline) {
			for (unsigned i = 0; i < s->n && i < 3; i++)
				fprintf(stderr, "domain %u: %u pending, %zu bytes queued, req %u/%u rsp %u/%u\n",
					s->g[i].domid, s->g[i].pending, s->g[i].out.len,
					s->g[i].page->req_cons, s->g[i].page->req_prod,
					s->g[i].page->rsp_cons, s->g[i].page->rsp_prod);
			die("%s: %u of %u after %d s", what, *counter, want, limit);
		}
	}
}

/* --- measurements ------------------------------------------------------------------ */

static double daemon_cpu(int pid)
{
	char path[64], buf[1024];
	unsigned long ut = 0, st = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = strrchr(buf, ')');
		if (p)
			sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
	}
	fclose(f);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long daemon_rss(int pid)
{
	char path[64], line[256];
	long kib = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Every guest creates `nodes` nodes and `watches` watches, ten requests
 * in flight per guest (a burst fits the 1 KiB request ring). */
static void populate(struct storm *s)
{
	unsigned total = s->nodes + s->watches;

	for (unsigned sent = 0; sent < total; sent += 10) {
		s->populated = 0;
		for (unsigned i = 0; i < s->n; i++) {
			struct guest *g = &s->g[i];
			for (unsigned k = sent; k < sent + 10 && k < total; k++) {
				char p[64];
				snprintf(p, sizeof(p), "data/n%u", k < s->nodes ? k : k - s->nodes);
				if (k < s->nodes)
					guest_send(s, g, XS_WRITE, FE_POPULATE, 2, true, p, "0123456789");
				else
					guest_send(s, g, XS_WATCH, FE_POPULATE, 2, false, p, "w");
			}
			ring_io(s, g);
		}
		run_until(s, &s->populated, s->n, "populate");
	}
}

/* READ round trips, one at a time, guests in turn, for secs; the count. */
static unsigned long bench(struct storm *s, unsigned secs)
{
	double t0 = now();
	unsigned long ops = 0;

	do {
		struct guest *g = &s->g[ops % s->n];
		unsigned done = 0;
		guest_send(s, g, XS_READ, FE_BENCH, 1, false, "device/vif/0/state", NULL);
		ring_io(s, g);
		while (g->pending) {
			loop_once(s, 1000);
			if (++done > 100000)
				die("no reply to a READ of domain %u", g->domid);
		}
		ops++;
	} while (now() - t0 < secs);
	return ops;
}

int main(int argc, char **argv)
{
	struct storm s = { .pid = -1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = getenv("XENSTORED_PATH");
	double t0, t1, c0, c1, cp;
	long rss0, rss1, rss2;
	int c;

	while ((c = getopt(argc, argv, "d:n:p:N:W:t:")) != -1) {
		switch (c) {
		case 'd': s.dir = optarg; break;
		case 'n': s.n = (unsigned)atoi(optarg); break;
		case 'p': s.pid = atoi(optarg); break;
		case 'N': s.nodes = (unsigned)atoi(optarg); break;
		case 'W': s.watches = (unsigned)atoi(optarg); break;
		case 't': s.bench_secs = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (!s.dir || !s.n || s.n > 30000 || !sock || strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: XENSTORED_PATH=SOCK ringstorm -d SIMDIR -n N [-p PID] "
				"[-N NODES] [-W WATCHES] [-t SECS]\n");
		return 2;
	}
	s.g = calloc(s.n, sizeof(*s.g));
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	s.notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock);
	s.sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!s.g || s.ep < 0 || connect(s.sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("%s: %s", sock, strerror(errno));
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };
	epoll_ctl(s.ep, EPOLL_CTL_ADD, s.sock, &ev);
	for (unsigned i = 0; i < s.n; i++) {
		s.g[i].domid = i + 1;
		create_domain(&s, &s.g[i]);
	}
	rss0 = daemon_rss(s.pid);
	c0 = daemon_cpu(s.pid);
	t0 = now();
	for (unsigned d = 1; d <= s.n; d++)
		toolstack(&s, d);
	run_until(&s, &s.done, s.n, "boot");
	t1 = now();
	c1 = daemon_cpu(s.pid);
	rss1 = daemon_rss(s.pid);
	printf("guests=%u boot_s=%.3f boot_daemon_cpu_s=%.2f rss0_kib=%ld rss_booted_kib=%ld", s.n,
	       t1 - t0, c1 - c0, rss0, rss1);
	if (s.nodes || s.watches) {
		t0 = now();
		populate(&s);
		t1 = now();
		rss2 = daemon_rss(s.pid);
		printf(" nodes=%u watches=%u populate_s=%.3f rss_kib=%ld rss_per_guest_kib=%.1f",
		       s.nodes, s.watches, t1 - t0, rss2, (double)(rss2 - rss0) / s.n);
	}
	if (s.bench_secs) {
		c0 = daemon_cpu(s.pid);
		t0 = now();
		unsigned long ops = bench(&s, s.bench_secs);
		t1 = now();
		cp = daemon_cpu(s.pid) - c0;
		printf(" us_per_req=%.1f daemon_cpu_us_per_req=%.1f", (t1 - t0) / (double)ops * 1e6,
		       cp / (double)ops * 1e6);
	}
	printf("\n");
	for (unsigned i = 0; i < s.n; i++) {
		struct guest *g = &s.g[i];
		destroy_domain(&s, g);
		close(g->fd);
		munmap(g->page, SIM_PAGE_SIZE);
		free(g->in.data);
		free(g->out.data);
	}
	free(s.g);
	free(s.sin.data);
	free(s.sout.data);
	close(s.sock);
	close(s.ep);
	close(s.notify_fd);
	return 0;
}
