/*
 * harness.c - the fuzz targets' shared harness (see harness.h): the
 * checker of every message a client receives, clients on the fake
 * transport, guests on real ring pages, and the library's ts_fail.
 */
#include "harness.h"

/* The test-support library's failures are the fuzzer's (support.h). */
void ts_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fz_vfail(file, line, fmt, ap);
}

static void fz_trace_msg(const char *who, const char *dir,
			 const struct xs_msg_header *h, const char *body)
{
	if (!fz_tracing())
		return;
	fprintf(stderr, "%-14s %s %-22s req %-5u tx %-3u len %-4u ", who, dir,
		xs_type_name(h->type), h->req_id, h->tx_id, h->len);
	for (uint32_t i = 0; body && i < h->len && i < 96; i++) {
		unsigned char ch = (unsigned char)body[i];
		if (ch == 0)
			fputc('|', stderr);
		else if (ch < 32 || ch > 126)
			fprintf(stderr, "\\x%02x", ch);
		else
			fputc(ch, stderr);
	}
	fputc('\n', stderr);
}

void fz_client_reset(struct fz_client *c)
{
	c->nexpect = 0;
	c->overflowed = false;
	c->hdr_have = 0;
	c->body_left = 0;
	c->stream_broken = false;
	c->rx_len = 0;
}

void fz_client_free(struct fz_client *c)
{
	free(c->rx);
	c->rx = NULL;
	c->rx_len = c->rx_cap = 0;
}

/* Notes bytes the client sends, so it knows which replies to expect. */
static void fz_client_sent(struct fz_client *c, const uint8_t *p, size_t len)
{
	while (len > 0) {
		if (c->body_left) {
			size_t n = len < c->body_left ? len : c->body_left;
			c->body_left -= (uint32_t)n;
			p += n;
			len -= n;
			continue;
		}
		size_t n = XS_HEADER_SIZE - c->hdr_have;
		if (n > len)
			n = len;
		memcpy(c->hdr_buf + c->hdr_have, p, n);
		c->hdr_have += n;
		p += n;
		len -= n;
		if (c->hdr_have < XS_HEADER_SIZE)
			continue;
		struct xs_msg_header h;
		memcpy(&h, c->hdr_buf, sizeof(h));
		c->hdr_have = 0;
		if (h.len > XS_PAYLOAD_MAX) {
			fz_trace_msg(c->name, "->", &h, NULL);
			c->stream_broken = true; /* the daemon must drop us */
			c->body_left = 0;
			continue;
		}
		c->body_left = h.len;
		fz_trace_msg(c->name, "->", &h, h.len <= len ? (const char *)p : NULL);
		if (c->stream_broken)
			continue;
		if (c->nexpect == FZ_MAX_EXPECT) {
			c->overflowed = true;
			continue;
		}
		c->expect[c->nexpect].type = h.type;
		c->expect[c->nexpect].req_id = h.req_id;
		c->expect[c->nexpect].tx_id = h.tx_id;
		c->nexpect++;
	}
}

/* Fully sent messages only count once their payload is out: a message
 * whose body is still partly unsent cannot have been answered. */
unsigned fz_client_answerable(const struct fz_client *c)
{
	return c->nexpect - (c->body_left ? 1u : 0u);
}

static bool fz_valid_error_name(const char *body, uint32_t len)
{
	if (len < 2 || body[len - 1] != '\0' || memchr(body, '\0', len) != body + len - 1)
		return false;
	return xs_error_from_name(body) != 0;
}

/* Checks one message received by the client. */
static void fz_client_check_msg(struct fz_client *c, const struct xs_msg_header *h,
				const char *body)
{
	fz_trace_msg(c->name, "<-", h, body);
	if (h->type == XS_WATCH_EVENT) {
		c->events++;
		FZ_CHECK(h->req_id == 0 && h->tx_id == 0, "%s: event with req %u tx %u",
			 c->name, h->req_id, h->tx_id);
		FZ_CHECK(h->len >= 3 && xs_count_args(body, h->len) == 2 &&
				 body[h->len - 1] == '\0',
			 "%s: malformed watch event (%u bytes)", c->name, h->len);
		if (strncmp(body, "@releaseDomain", 14) == 0)
			c->release_events++;
		return;
	}
	c->replies++;
	if (c->overflowed)
		return;
	FZ_CHECK(c->nexpect > 0, "%s: reply (type %u req %u) to no request", c->name,
		 h->type, h->req_id);
	FZ_CHECK(h->req_id == c->expect[0].req_id && h->tx_id == c->expect[0].tx_id,
		 "%s: reply req %u tx %u, expected req %u tx %u", c->name, h->req_id,
		 h->tx_id, c->expect[0].req_id, c->expect[0].tx_id);
	FZ_CHECK(h->type == c->expect[0].type || h->type == XS_ERROR,
		 "%s: reply of type %u to a request of type %u", c->name, h->type,
		 c->expect[0].type);
	if (h->type == XS_ERROR)
		FZ_CHECK(fz_valid_error_name(body, h->len), "%s: bad error reply", c->name);
	memmove(c->expect, c->expect + 1, (c->nexpect - 1) * sizeof(c->expect[0]));
	c->nexpect--;
}

/* Appends received bytes and checks every complete message. */
static void fz_client_received(struct fz_client *c, const void *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	c->rx_bytes += len;
	c->rx = ts_reserve(c->rx, &c->rx_cap, c->rx_len + len);
	memcpy(c->rx + c->rx_len, buf, len);
	c->rx_len += len;
	while (c->rx_len - off >= XS_HEADER_SIZE) {
		struct xs_msg_header h;
		memcpy(&h, c->rx + off, sizeof(h));
		FZ_CHECK(h.len <= XS_PAYLOAD_MAX, "%s: daemon sent %u payload bytes", c->name,
			 h.len);
		if (c->rx_len - off < XS_HEADER_SIZE + h.len)
			break;
		fz_client_check_msg(c, &h, (const char *)c->rx + off + XS_HEADER_SIZE);
		off += XS_HEADER_SIZE + h.len;
	}
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
}

static struct fz_peer *fz_peer_of(struct fake_io *io)
{
	return (struct fz_peer *)(void *)((char *)io - offsetof(struct fz_peer, io));
}

static void fz_peer_sink(struct fake_io *io, const void *buf, size_t len)
{
	fz_client_received(&fz_peer_of(io)->cl, buf, len);
}

/* The conn struct stays valid until the end of the round; we just stop
 * using it. */
static void fz_peer_closed(struct fake_io *io)
{
	fz_peer_of(io)->conn = NULL;
}

/* (Re)connects p as a client of domain domid (priv when domid is the
 * privileged domain) with no domain record, like a socket client. */
void fz_peer_open(struct daemon *d, struct fz_peer *p, unsigned domid, const char *name)
{
	fz_client_reset(&p->cl);
	p->cl.name = name;
	p->domid = domid;
	p->io.sink = fz_peer_sink;
	p->io.closed = fz_peer_closed;
	p->conn = fake_io_open(d, &p->io, domid);
}

void fz_peer_free(struct fz_peer *p)
{
	fz_client_free(&p->cl);
	fake_io_free(&p->io);
}

/* The client writes bytes to its socket. */
void fz_peer_write(struct fz_peer *p, const void *buf, size_t len)
{
	if (!p->conn || !len)
		return;
	fake_io_write(&p->io, buf, len);
	fz_client_sent(&p->cl, buf, len);
}

/* What the event loop does while the socket is readable or writable
 * and the conn wants it: bounded, as epoll would keep firing. */
void fz_peer_poll(struct fz_peer *p)
{
	for (long i = 0; i < (1L << 20) && p->conn; i++) {
		size_t peer_before = fake_io_unread(&p->io), conn_before = p->conn->in_len;
		unsigned long long got = p->cl.rx_bytes;
		if (!p->io.stalled && p->io.want_out) {
			conn_writable(p->conn);
			if (!p->conn)
				break;
		}
		if (p->io.want_in && (fake_io_unread(&p->io) || p->io.eof || p->conn->in_len))
			conn_readable(p->conn);
		if (!p->conn)
			break;
		if (fake_io_unread(&p->io) == peer_before && p->conn->in_len == conn_before &&
		    p->cl.rx_bytes == got)
			break;
	}
}

/* A client of an unprivileged domain on the fake transport, with its
 * domain record introduced (as tests/unit/unit.h's ut_guest). */
void fz_peer_open_guest(struct daemon *d, struct fz_peer *p, unsigned domid,
			const char *name)
{
	struct domain *dom;

	fz_peer_open(d, p, domid, name);
	dom = domain_get(&d->model.domains, domid, d->model.store.generation);
	FZ_CHECK(dom != NULL, "domain_get");
	dom->introduced = true;
	dom->conn = p->conn;
	p->conn->domain = dom;
	p->conn->out_hard_limit = domain_quota(dom, &d->model.quotas, QUOTA_MEMORY);
}

/* The fake hypervisor (tests/support/fake_hv.c), its ring pages kept
 * from one input to the next (a fresh page per input cost more than the
 * rest of the reset). */
void fz_hv_init(struct fake_hv *h, struct daemon *d)
{
	h->pooled_pages = true;
	fake_hv_init(h, d);
}

struct conn *fz_guest_conn(struct daemon *d, const struct fz_guest *g)
{
	struct domain *dom = domain_find(&d->model.domains, g->domid);

	return dom ? dom->conn : NULL;
}

/* A new connection (introduction, reconnect) starts from nothing. */
void fz_guest_sync(struct daemon *d, struct fz_guest *g)
{
	struct conn *c = fz_guest_conn(d, g);
	uint32_t id = c ? c->id : 0;

	if (id != g->conn_id) {
		if (fz_tracing())
			fprintf(stderr, "%-14s connection %u -> %u (%zu bytes unsent dropped)\n",
				g->cl.name, g->conn_id, id, g->out_len);
		g->conn_id = id;
		fz_client_reset(&g->cl);
		g->out_len = 0;
	}
}

void fz_guest_queue(struct fz_guest *g, const void *buf, size_t len)
{
	if (!len)
		return;
	g->out = ts_reserve(g->out, &g->out_cap, g->out_len + len);
	memcpy(g->out + g->out_len, buf, len);
	g->out_len += len;
}

/* Moves what fits onto the request ring; takes replies if reading. */
static void fz_guest_io(struct fake_hv *h, struct fz_guest *g)
{
	struct xs_ring_page *page = g->domid < FAKE_HV_DOMS ? h->page[g->domid] : NULL;

	if (!page || !g->conn_id)
		return;
	if (g->out_len) {
		int n = ring_client_put(page, g->out, (uint32_t)g->out_len);
		if (n > 0) {
			g->tx_bytes += (unsigned)n;
			fz_client_sent(&g->cl, g->out, (size_t)n);
			memmove(g->out, g->out + n, g->out_len - (size_t)n);
			g->out_len -= (size_t)n;
		}
	}
	if (g->reading) {
		uint8_t buf[XS_RING_SIZE];
		uint32_t cons = page->rsp_cons, prod = page->rsp_prod;
		int n = ring_client_take(page, buf, sizeof(buf));
		FZ_CHECK(n >= 0, "domain %u: daemon left response indexes %u/%u", g->domid,
			 cons, prod);
		fz_client_received(&g->cl, buf, (size_t)n);
	}
}

/* The guest notifies its channel: the daemon looks at the ring. */
void fz_guest_kick(struct daemon *d, struct fake_hv *h, struct fz_guest *g)
{
	struct conn *c;

	fz_guest_sync(d, g);
	fz_guest_io(h, g);
	c = fz_guest_conn(d, g);
	if (c)
		ring_conn_event(c);
	fz_guest_sync(d, g);
	fz_guest_io(h, g);
}

/* Sends a request from a privileged peer and runs it to completion
 * (setup steps); returns the reply type. */
uint32_t fz_setup_call(struct fz_peer *p, uint32_t type, const char *payload,
		       size_t len)
{
	static uint32_t req = 0x40000000;
	struct xs_msg_header h = { type, ++req, 0, (uint32_t)len };
	unsigned long before = p->cl.replies;

	fz_peer_write(p, &h, sizeof(h));
	fz_peer_write(p, payload, len);
	fz_peer_poll(p);
	FZ_CHECK(p->cl.replies == before + 1, "setup request %s unanswered", xs_type_name(type));
	return 0;
}

/* The daemon's own check (daemon_check.c), which holds every invariant
 * of the store, the accounting and the connections. */
void fz_check_daemon(struct daemon *d)
{
	char report[2048];
	unsigned problems = daemon_check(d, report, sizeof(report));

	FZ_CHECK(problems == 0, "daemon_check: %u problems:\n%s", problems, report);
}
