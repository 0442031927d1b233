/*
 * stack-client.c - a C client of the daemon with a known call chain, for
 * xenstore-snoop -U (tests/integration/snoop_stacks.sh):
 *
 *     main -> configure_device -> publish_state -> send_request
 *
 * send_request writes one XS_WRITE of PATH "ready" to $XENSTORED_PATH
 * with the write system call issued inline (no libc wrapper between it
 * and the kernel), and reads the reply.  Built with frame pointers,
 * without inlining or tail calls, so the chain is what a frame-pointer
 * walk sees.
 *
 *     stack-client PATH
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};

#define XS_WRITE 11

static inline __attribute__((always_inline)) long raw_write(int fd, const void *buf, size_t n)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_write), "D"((long)fd), "S"(buf), "d"(n)
			 : "rcx", "r11", "memory");
	return ret;
}

static __attribute__((noinline)) int send_request(int fd, const char *path, const char *value)
{
	char msg[sizeof(struct xs_hdr) + 512];
	struct xs_hdr *h = (struct xs_hdr *)msg;
	size_t pl = strlen(path) + 1, vl = strlen(value);
	char reply[256];

	if (pl + vl > 512)
		return -1;
	h->type = XS_WRITE;
	h->req_id = 7;
	h->tx_id = 0;
	h->len = (uint32_t)(pl + vl);
	memcpy(msg + sizeof(*h), path, pl);
	memcpy(msg + sizeof(*h) + pl, value, vl);
	if (raw_write(fd, msg, sizeof(*h) + pl + vl) != (long)(sizeof(*h) + pl + vl))
		return -1;
	return read(fd, reply, sizeof(reply)) > (ssize_t)sizeof(*h) ? 0 : -1;
}

static __attribute__((noinline)) int publish_state(int fd, const char *path)
{
	return send_request(fd, path, "ready");
}

static __attribute__((noinline)) int configure_device(int fd, const char *path)
{
	return publish_state(fd, path);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = getenv("XENSTORED_PATH");
	int fd;

	if (argc != 2 || !sock || strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: XENSTORED_PATH=SOCKET stack-client PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("stack-client: connect");
		return 1;
	}
	if (configure_device(fd, argv[1])) {
		fprintf(stderr, "stack-client: request failed\n");
		return 1;
	}
	close(fd);
	return 0;
}
