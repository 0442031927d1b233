/*
 * xsraw - a raw xenstore wire client for protocol tests.
 *
 *   xsraw [-N] [-p] [-T MS] [-s SOCKET] ITEM...
 *
 * Connects to SOCKET (default $XENSTORED_PATH, else
 * $XENSTORED_RUNDIR/socket), sends the messages named on the command line
 * and prints every message the daemon sends back, one line each:
 *
 *   TYPE REQ_ID TX_ID PAYLOAD
 *
 * TYPE is the decimal type (with -N the name: READ, ERROR, WATCH_EVENT…),
 * and in PAYLOAD each NUL is shown as '|', other unprintable bytes as \xHH.
 * Lines from a connection other than 0 start with "[K] ".
 *
 * ITEMs, processed left to right:
 *   TYPE:REQ:TX:PAYLOAD  a message; TYPE is a number or a name (READ,
 *                        XS_READ, ...), REQ and TX numbers as in C (0x for
 *                        hex, a leading 0 for octal), PAYLOAD the rest of
 *                        the argument with escapes \0 (NUL), \\, \xHH.
 *                        Without -p, xsraw then reads (and prints) from that
 *                        connection until a message other than WATCH_EVENT
 *                        arrives: the reply.
 *   -c K                 following messages use connection K (0..7), opened
 *                        on first use.
 *   -L LEN               the next message's header claims LEN payload bytes
 *                        (only the bytes given are sent).
 *   wait:N               read and print N more messages from the current
 *                        connection (e.g. watch events).
 *   close                close the current connection.
 *   run:CMD              run the shell command CMD (its output should be
 *                        redirected) and go on; "RUN EXIT N" is printed if
 *                        it fails.  With a request sent afterwards on a
 *                        watching connection this makes a barrier: every
 *                        event CMD caused is printed before that reply.
 *
 * Options (before the items):
 *   -p  pipeline: every connection's messages go out in a single write(),
 *       then the replies are read (until each connection has had as many
 *       non-event messages as it was sent requests); wait:N items then run.
 *   -N  print type names instead of numbers.
 *   -T  how long to wait for a message before giving up (default 5000 ms).
 *
 * When the daemon closes a connection, "EOF" is printed (with its prefix)
 * and that connection's remaining messages are skipped.  Exit status: 0,
 * 1 on timeout or bad usage of an item, 2 if the socket cannot be reached.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wire_names.h"

#define MAX_CONNS 8
#define HDR_SIZE 16
#define MAX_MSG (HDR_SIZE + 65536)

struct hdr {
	uint32_t type, req_id, tx_id, len;
};

struct conn {
	int fd;          /* -1 until opened */
	bool eof;        /* the daemon closed it */
	char *out;       /* pipelined requests not yet sent */
	size_t out_len;
	unsigned sent;   /* requests sent */
	unsigned replies; /* non-event messages received */
};

/* Xen's names without the "XS_" (src/wire_names.h). */
#define XSRAW_TYPE_NAME(num, name) [num] = #name,
static const char *const type_names[] = { XS_WIRE_TYPES(XSRAW_TYPE_NAME) };
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))
#define WATCH_EVENT 15u

static struct conn conns[MAX_CONNS];
static const char *sock_path;
static bool opt_names, opt_pipeline;
static int opt_timeout_ms = 5000;

static void die(int status, const char *fmt, const char *arg)
{
	fprintf(stderr, "xsraw: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(status);
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
	char buf[32], *end;
	unsigned long v;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_type(const char *s, size_t len, uint32_t *out)
{
	if (len > 3 && strncmp(s, "XS_", 3) == 0) {
		s += 3;
		len -= 3;
	}
	for (size_t i = 0; i < NTYPES; i++) {
		if (strlen(type_names[i]) == len && strncmp(type_names[i], s, len) == 0) {
			*out = (uint32_t)i;
			return true;
		}
	}
	return parse_u32(s, len, out);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes \0, \\ and \xHH; returns the decoded length. */
static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in) {
		if (in[0] == '\\' && in[1] == '0') {
			out[n++] = '\0';
			in += 2;
		} else if (in[0] == '\\' && in[1] == '\\') {
			out[n++] = '\\';
			in += 2;
		} else if (in[0] == '\\' && in[1] == 'x' && hexval(in[2]) >= 0 &&
			   hexval(in[3]) >= 0) {
			out[n++] = (char)(hexval(in[2]) * 16 + hexval(in[3]));
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	return n;
}

static struct conn *open_conn(int k)
{
	struct conn *c = &conns[k];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (c->fd >= 0 || c->eof)
		return c;
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		die(2, "socket path too long: %s", sock_path);
	strcpy(sa.sun_path, sock_path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(2, "cannot connect to %s", sock_path);
	return c;
}

static void prefix(int k)
{
	if (k)
		printf("[%d] ", k);
}

static void print_msg(int k, const struct hdr *h, const unsigned char *p)
{
	prefix(k);
	if (opt_names && h->type < NTYPES)
		printf("%s", type_names[h->type]);
	else
		printf("%u", h->type);
	printf(" %u %u ", h->req_id, h->tx_id);
	for (uint32_t i = 0; i < h->len; i++) {
		if (p[i] == '\0')
			putchar('|');
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('\n');
	fflush(stdout);
}

/* Reads exactly len bytes, waiting at most the timeout for each chunk.
 * Returns 0, or -1 on EOF (or a connection reset), or exits on timeout. */
static int read_full(int k, void *buf, size_t len)
{
	struct conn *c = &conns[k];
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, opt_timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			prefix(k);
			printf("TIMEOUT\n");
			fflush(stdout);
			exit(1);
		}
		n = read(c->fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void mark_eof(int k)
{
	struct conn *c = &conns[k];

	prefix(k);
	printf("EOF\n");
	fflush(stdout);
	close(c->fd);
	c->fd = -1;
	c->eof = true;
}

/* Reads one message and prints it; returns its type, or -1 on EOF. */
static long read_one(int k)
{
	static unsigned char body[MAX_MSG];
	struct hdr h;

	if (conns[k].eof || conns[k].fd < 0)
		return -1;
	if (read_full(k, &h, sizeof(h)) < 0) {
		mark_eof(k);
		return -1;
	}
	if (h.len > sizeof(body)) {
		prefix(k);
		printf("BAD LENGTH %u\n", h.len);
		exit(1);
	}
	if (read_full(k, body, h.len) < 0) {
		mark_eof(k);
		return -1;
	}
	print_msg(k, &h, body);
	if (h.type != WATCH_EVENT)
		conns[k].replies++;
	return h.type;
}

/* Reads until the connection has had `want` replies. */
static void read_replies(int k, unsigned want)
{
	while (!conns[k].eof && conns[k].replies < want)
		if (read_one(k) < 0)
			break;
}

static void send_bytes(int k, const char *buf, size_t len)
{
	struct conn *c = &conns[k];
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The daemon dropped us: report it like a read EOF. */
			mark_eof(k);
			return;
		}
		off += (size_t)n;
	}
}

static void queue_msg(int k, const char *item, long len_override)
{
	const char *c1 = strchr(item, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
	struct conn *c;
	struct hdr h;
	char *msg;
	size_t plen;

	if (!c3 || !parse_type(item, (size_t)(c1 - item), &h.type) ||
	    !parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &h.req_id) ||
	    !parse_u32(c2 + 1, (size_t)(c3 - c2 - 1), &h.tx_id))
		die(1, "bad message '%s' (want TYPE:REQ:TX:PAYLOAD)", item);
	msg = malloc(HDR_SIZE + strlen(c3 + 1) + 1);
	if (!msg)
		die(1, "out of memory%s", "");
	plen = unescape(c3 + 1, msg + HDR_SIZE);
	h.len = len_override >= 0 ? (uint32_t)len_override : (uint32_t)plen;
	memcpy(msg, &h, HDR_SIZE);

	c = open_conn(k);
	if (c->eof) {
		free(msg);
		return;
	}
	c->sent++;
	if (opt_pipeline) {
		char *p = realloc(c->out, c->out_len + HDR_SIZE + plen);
		if (!p)
			die(1, "out of memory%s", "");
		memcpy(p + c->out_len, msg, HDR_SIZE + plen);
		c->out = p;
		c->out_len += HDR_SIZE + plen;
	} else {
		send_bytes(k, msg, HDR_SIZE + plen);
		if (!c->eof)
			read_replies(k, c->sent);
	}
	free(msg);
}

int main(int argc, char **argv)
{
	static char path_buf[4096];
	const char *waits[256];
	int wait_conn[256], nwaits = 0, cur = 0, i;
	long len_override = -1;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-N") == 0)
			opt_names = true;
		else if (strcmp(argv[i], "-p") == 0)
			opt_pipeline = true;
		else if (strcmp(argv[i], "-T") == 0 && i + 1 < argc)
			opt_timeout_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sock_path = argv[++i];
		else
			break; /* an item option such as -c or -L */
	}
	if (!sock_path)
		sock_path = getenv("XENSTORED_PATH");
	if (!sock_path || !*sock_path) {
		const char *dir = getenv("XENSTORED_RUNDIR");
		if (!dir || !*dir)
			die(2, "set XENSTORED_PATH or use -s SOCKET%s", "");
		snprintf(path_buf, sizeof(path_buf), "%s/socket", dir);
		sock_path = path_buf;
	}

	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-c") == 0 && i + 1 < argc) {
			cur = atoi(argv[++i]);
			if (cur < 0 || cur >= MAX_CONNS)
				die(1, "connection number out of range: %s", argv[i]);
		} else if (strcmp(a, "-L") == 0 && i + 1 < argc) {
			len_override = strtol(argv[++i], NULL, 0);
			continue; /* applies to the next message only */
		} else if (strncmp(a, "wait:", 5) == 0) {
			if (opt_pipeline) {
				if (nwaits == 256)
					die(1, "too many wait items%s", "");
				wait_conn[nwaits] = cur;
				waits[nwaits++] = a + 5;
			} else {
				open_conn(cur);
				for (int n = atoi(a + 5); n > 0; n--)
					if (read_one(cur) < 0)
						break;
			}
		} else if (strncmp(a, "run:", 4) == 0) {
			int rc;
			if (opt_pipeline)
				die(1, "run: cannot be used with -p%s", "");
			fflush(stdout);
			rc = system(a + 4);
			if (rc != 0) {
				printf("RUN EXIT %d\n", WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc));
				fflush(stdout);
			}
		} else if (strcmp(a, "close") == 0) {
			if (conns[cur].fd >= 0)
				close(conns[cur].fd);
			conns[cur].fd = -1;
		} else {
			queue_msg(cur, a, len_override);
		}
		len_override = -1;
	}

	if (opt_pipeline) {
		for (i = 0; i < MAX_CONNS; i++)
			if (conns[i].out_len && !conns[i].eof)
				send_bytes(i, conns[i].out, conns[i].out_len);
		for (i = 0; i < MAX_CONNS; i++)
			if (conns[i].fd >= 0)
				read_replies(i, conns[i].sent);
		for (int w = 0; w < nwaits; w++)
			for (int n = atoi(waits[w]); n > 0; n--)
				if (read_one(wait_conn[w]) < 0)
					break;
	}
	return 0;
}
