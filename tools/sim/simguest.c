/* simguest.c - guest side of the simulated ring (see simguest.h). */
#include "simguest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int read_port(const char *dir, unsigned domid, unsigned *port)
{
	char path[512], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/port", dir, domid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	*port = (unsigned)atoi(buf);
	return *port ? 0 : EINVAL;
}

int simguest_open(struct simguest *g, const char *dir, unsigned domid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[512];
	int fd, err;

	memset(g, 0, sizeof(*g));
	g->sock = -1;
	snprintf(g->dir, sizeof(g->dir), "%s", dir);
	g->domid = domid;
	g->timeout_ms = 10000;
	if ((err = read_port(dir, domid, &g->port)))
		return err;
	snprintf(path, sizeof(path), "%s/%u/ring", dir, domid);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return errno;
	g->page = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (g->page == MAP_FAILED)
		return errno;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%u/evtchn", dir, domid) >=
	    sizeof(sa.sun_path))
		return ENAMETOOLONG;
	g->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(sa.sun_path);
	if (g->fd < 0 || bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno;
	return 0;
}

/* A daemon just started in the background may not listen yet: a missing
 * or refused socket is retried until wait_ms has passed. */
int simguest_open_socket(struct simguest *g, const char *path, unsigned wait_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned waited = 0;

	memset(g, 0, sizeof(*g));
	g->timeout_ms = 10000;
	if (strlen(path) >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	g->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g->sock < 0)
		return errno;
	while (connect(g->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if ((errno != ENOENT && errno != ECONNREFUSED) || waited >= wait_ms)
			return errno;
		usleep(20 * 1000);
		waited += 20;
	}
	return 0;
}

void simguest_close(struct simguest *g)
{
	char path[512];

	if (g->sock >= 0) {
		close(g->sock);
		return;
	}
	if (g->fd > 0)
		close(g->fd);
	snprintf(path, sizeof(path), "%s/%u/evtchn", g->dir, g->domid);
	unlink(path);
	if (g->page && g->page != MAP_FAILED)
		munmap(g->page, SIM_PAGE_SIZE);
}

static void notify(struct simguest *g, int flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sim_event ev = { g->domid, g->port };

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/evtchn", g->dir) >=
	    sizeof(sa.sun_path))
		return;
	sendto(g->fd, &ev, sizeof(ev), MSG_NOSIGNAL | flags, (struct sockaddr *)&sa, sizeof(sa));
}

void simguest_notify(struct simguest *g)
{
	notify(g, 0);
}

void simguest_notify_nowait(struct simguest *g)
{
	notify(g, MSG_DONTWAIT);
}

/* Waits for the daemon's notification; a missed one is covered by the
 * caller re-checking the ring after a short poll. */
static void wait_event(struct simguest *g, int ms)
{
	struct pollfd p = { .fd = g->sock >= 0 ? g->sock : g->fd, .events = POLLIN };
	struct sim_event ev;

	if (g->sock >= 0) {
		poll(&p, 1, ms);
		return;
	}
	if (poll(&p, 1, ms) > 0)
		while (recv(g->fd, &ev, sizeof(ev), MSG_DONTWAIT) > 0)
			;
}

void simguest_wait(struct simguest *g, int ms)
{
	wait_event(g, ms);
}

int simguest_space(struct simguest *g)
{
	if (g->sock >= 0)
		return XS_RING_SIZE;
	return ring_client_space(g->page);
}

int simguest_send_bytes(struct simguest *g, const void *buf, size_t len)
{
	const char *p = buf;
	unsigned waited = 0;

	if (g->sock >= 0)
		return write(g->sock, buf, len) == (ssize_t)len ? 0 : EIO;
	while (len) {
		int n = ring_client_put(g->page, p,
					len > XS_RING_SIZE ? XS_RING_SIZE : (uint32_t)len);
		if (n < 0)
			return EIO;
		if (n == 0) {
			if (waited >= g->timeout_ms)
				return ETIMEDOUT;
			wait_event(g, 50);
			waited += 50;
			continue;
		}
		simguest_notify(g);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int simguest_send(struct simguest *g, uint32_t type, uint32_t req_id, uint32_t tx_id,
		  const void *payload, size_t len)
{
	struct xs_msg_header h = { type, req_id, tx_id, (uint32_t)len };
	int err = simguest_send_bytes(g, &h, sizeof(h));

	return err ? err : simguest_send_bytes(g, payload, len);
}

/* Moves whatever the response ring (or socket) holds into g->in. */
static void drain(struct simguest *g)
{
	int n;

	if (g->sock >= 0) {
		ssize_t got = recv(g->sock, g->in + g->in_len, sizeof(g->in) - g->in_len,
				   MSG_DONTWAIT);
		if (got > 0)
			g->in_len += (size_t)got;
		return;
	}
	if (g->in_len == sizeof(g->in))
		return;
	n = ring_client_take(g->page, g->in + g->in_len, (uint32_t)(sizeof(g->in) - g->in_len));
	if (n <= 0)
		return;
	g->in_len += (size_t)n;
	simguest_notify(g);
}

int simguest_recv(struct simguest *g, struct simmsg *m)
{
	unsigned waited = 0;

	for (;;) {
		drain(g);
		if (g->in_len >= XS_HEADER_SIZE) {
			memcpy(&m->hdr, g->in, XS_HEADER_SIZE);
			if (m->hdr.len > XS_PAYLOAD_MAX)
				return EPROTO;
			size_t total = XS_HEADER_SIZE + m->hdr.len;
			if (g->in_len >= total) {
				memcpy(m->body, g->in + XS_HEADER_SIZE, m->hdr.len);
				m->body[m->hdr.len] = '\0';
				memmove(g->in, g->in + total, g->in_len - total);
				g->in_len -= total;
				return 0;
			}
		}
		if (waited >= g->timeout_ms)
			return ETIMEDOUT;
		wait_event(g, 50);
		waited += 50;
	}
}
