/*
 * nulld - the "null daemon": the physical limit of a xenstore round trip.
 *
 * Listens on the Unix socket $XENSTORED_PATH (mode 0600), single-threaded
 * epoll.  Every complete request (16-byte header: type, req_id, tx_id, len,
 * host order, then len payload bytes) is answered at once with the same
 * header and a canned payload: READ gets a short value, TRANSACTION_START
 * "1\0", DIRECTORY the listing of xsload's directory node (k0 ... k9, so
 * that the client parses as much as from a real daemon), everything else
 * "OK\0".  WATCH is also
 * followed by the initial WATCH_EVENT (path\0token\0), as a real daemon
 * sends, so libxenstore's xs_watch callers do not wait forever.  Nothing is
 * stored and nothing is checked.
 *
 *   XENSTORED_PATH=/tmp/x/socket nulld [-N] [-F pidfile]
 *
 * -N (foreground) is accepted for symmetry with xenstored; nulld never
 * daemonises.  SIGTERM/SIGINT unlink the socket and exit.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum { XS_DIRECTORY = 1, XS_READ = 2, XS_WATCH = 4, XS_TRANSACTION_START = 6,
       XS_WATCH_EVENT = 15, HDR = 16, PAYLOAD_MAX = 4096 };

struct conn {
	int fd;
	size_t have;                          /* bytes buffered in in[] */
	char in[64 * 1024];
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

/* Append one message to out[]; flush first if it would not fit. */
static int put(int fd, char *out, size_t *olen, size_t cap, const uint32_t h[4],
	       const void *p, uint32_t len)
{
	if (*olen + HDR + len > cap) {
		if (write(fd, out, *olen) != (ssize_t)*olen)
			return -1;
		*olen = 0;
	}
	uint32_t hh[4] = { h[0], h[1], h[2], len };
	memcpy(out + *olen, hh, HDR);
	memcpy(out + *olen + HDR, p, len);
	*olen += HDR + len;
	return 0;
}

static const char listing[] = "k0\0k1\0k2\0k3\0k4\0k5\0k6\0k7\0k8\0k9";

/* Read what is there, answer every complete request with one write(). */
static int serve(struct conn *c)
{
	static char out[64 * 1024];
	size_t olen = 0, off = 0;
	ssize_t n = recv(c->fd, c->in + c->have, sizeof(c->in) - c->have, MSG_DONTWAIT);
	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	c->have += n;
	while (c->have - off >= HDR) {
		uint32_t h[4];
		memcpy(h, c->in + off, HDR);
		if (h[3] > PAYLOAD_MAX)
			return -1;                    /* as xenstored: drop it */
		if (c->have - off < HDR + h[3])
			break;
		const char *body = c->in + off + HDR;
		int r = 0;
		switch (h[0]) {
		case XS_READ: r = put(c->fd, out, &olen, sizeof(out), h, "value", 5); break;
		case XS_DIRECTORY: r = put(c->fd, out, &olen, sizeof(out), h, listing,
					   sizeof(listing)); break;
		case XS_TRANSACTION_START: r = put(c->fd, out, &olen, sizeof(out), h, "1", 2); break;
		default: r = put(c->fd, out, &olen, sizeof(out), h, "OK", 3); break;
		}
		if (!r && h[0] == XS_WATCH) {
			/* path\0token\0 is exactly the event payload, minus any depth. */
			size_t pl = strnlen(body, h[3]), tl = pl < h[3] ?
				strnlen(body + pl + 1, h[3] - pl - 1) : 0;
			uint32_t ev[4] = { XS_WATCH_EVENT, 0, 0, 0 };
			if (pl + 1 + tl < h[3])
				r = put(c->fd, out, &olen, sizeof(out), ev, body, pl + tl + 2);
		}
		if (r)
			return -1;
		off += HDR + h[3];
	}
	memmove(c->in, c->in + off, c->have - off);
	c->have -= off;
	return olen && write(c->fd, out, olen) != (ssize_t)olen ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: XENSTORED_PATH=SOCK nulld [-N] [-F FILE]\n"
		"\n"
		"The null daemon: answers every xenstore request at once with a canned\n"
		"reply, storing nothing (the floor of a round trip, for bench/run.sh).\n"
		"\n"
		"  -N, --no-fork        accepted for symmetry with xenstored (nulld\n"
		"                       never forks)\n"
		"  -F, --pid-file FILE  write nulld's pid to FILE\n"
		"  -h, --help           this text\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-fork", no_argument, NULL, 'N' },
		{ "pid-file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("XENSTORED_PATH"), *pidfile = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "NF:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'F': pidfile = optarg; break;
		case 'N': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nulld: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "nulld: set XENSTORED_PATH to a socket path (< %zu bytes)\n",
			sizeof(sa.sun_path));
		return 2;
	}
	strcpy(sa.sun_path, path);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sact = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sact, NULL);
	sigaction(SIGINT, &sact, NULL);

	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	mode_t old = umask(077);                      /* socket mode 0600 */
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 128)) {
		perror("nulld: socket");
		return 1;
	}
	umask(old);
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			perror("nulld: pid file");
			return 1;
		}
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	while (!stop) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c) {
				int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
				if (fd < 0 || !(c = calloc(1, sizeof(*c)))) {
					if (fd >= 0)
						close(fd);
					continue;
				}
				c->fd = fd;
				struct epoll_event cev = { .events = EPOLLIN, .data.ptr = c };
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
			} else if (serve(c)) {
				close(c->fd);             /* also leaves the epoll set */
				free(c);
			}
		}
	}
	unlink(path);
	if (pidfile)
		unlink(pidfile);
	return 0;
}
