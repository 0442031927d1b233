/* unit.c - the cmocka layer of the test-support library (see unit.h),
 * and its ts_fail: a broken expectation in tests/support fails the
 * running test (support.h). */
#include "unit.h"

#include "support.h"

void ts_fail(const char *file, int line, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	print_error("%s\n", what);
	_fail(file, line);
	abort(); /* _fail leaves the test by longjmp */
}

const char *ut_errname(int err)
{
	static char buf[4][24];
	static unsigned next;
	const char *name;

	if (err == 0)
		return "OK";
	name = xs_error_name(err);
	if (xs_error_from_name(name) == err)
		return name;
	next = (next + 1) % 4;
	snprintf(buf[next], sizeof(buf[next]), "errno%d", err);
	return buf[next];
}

void ut_fail_at(const char *file, int line, const char *what,
		const char *got, const char *want)
{
	char a[2200], b[2200];

	snprintf(a, sizeof(a), "%.100s: %.2048s", what, got);
	snprintf(b, sizeof(b), "%.100s: %.2048s", what, want);
	_assert_string_equal(a, b, file, line);
}

size_t ut_args(char *buf, size_t size, ...)
{
	va_list ap;
	size_t len = 0;
	const char *s;

	va_start(ap, size);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s) + 1;
		assert_true(len + n <= size);
		memcpy(buf + len, s, n);
		len += n;
	}
	va_end(ap);
	return len;
}

const char *ut_join(const char *data, size_t len, char *out, size_t size)
{
	size_t o = 0;

	assert_true(len < size);
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\0')
			out[o++] = data[i];
		else if (i + 1 < len)
			out[o++] = ',';
	}
	out[o] = '\0';
	return out;
}

void ut_store_init(struct store *s)
{
	struct perm p = { 0, PERM_NONE };
	struct node *root;

	assert_ok(store_init(s));
	root = node_new("/", 1);
	assert_non_null(root);
	assert_ok(node_set_perms(root, &p, 1));
	assert_ok(store_insert(s, root));
}

void ut_record_change(void *ctx, const char *path, bool exact,
		      const struct perm *old_perms, unsigned old_nperms)
{
	struct ut_changes *ch = ctx;

	(void)old_perms;
	assert_true(ch->n < UT_MAX_CHANGES);
	snprintf(ch->c[ch->n].path, sizeof(ch->c[ch->n].path), "%s", path);
	ch->c[ch->n].exact = exact;
	ch->c[ch->n].old_nperms = old_nperms;
	ch->n++;
}

int ut_change_index(const struct ut_changes *ch, const char *path, bool exact)
{
	for (unsigned i = 0; i < ch->n; i++)
		if (strcmp(ch->c[i].path, path) == 0 && ch->c[i].exact == exact)
			return (int)i;
	return -1;
}

void ut_ctx(struct node_ctx *ctx, struct store *s, struct txn *t,
	    unsigned domid, bool priv, struct ut_changes *rec)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->view.store = s;
	ctx->view.txn = t;
	ctx->view.on_change = rec ? ut_record_change : NULL;
	ctx->view.change_ctx = rec;
	ctx->who.domid = domid;
	ctx->who.target = -1;
	ctx->who.priv = priv;
	ctx->quota_hit = -1;
}

const char *ut_store_value(struct store *s, const char *path)
{
	static char buf[XS_PAYLOAD_MAX + 1];
	const struct node *n = store_lookup(s, path, strlen(path));

	if (!n)
		return NULL;
	memcpy(buf, node_value(n), n->value_len);
	buf[n->value_len] = '\0';
	return buf;
}

void ut_sink(struct fake_io *io, const void *buf, size_t len)
{
	struct ut_peer *p = (struct ut_peer *)(void *)((char *)io - offsetof(struct ut_peer, io));

	p->rx = ts_reserve(p->rx, &p->rx_cap, p->rx_len + len);
	memcpy(p->rx + p->rx_len, buf, len);
	p->rx_len += len;
}

struct ut_peer *ut_peer(struct ut *u, unsigned domid)
{
	struct ut_peer *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->u = u;
	p->domid = domid;
	p->last_req = 1000 * (domid + 1);
	p->io.sink = ut_sink;
	p->conn = fake_io_open(&u->d, &p->io, domid);
	p->next = u->peers;
	u->peers = p;
	return p;
}

struct ut_peer *ut_guest(struct ut *u, unsigned domid)
{
	struct ut_peer *p = ut_peer(u, domid);
	struct domain *dom = domain_get(&u->d.model.domains, domid, u->d.model.store.generation);

	assert_non_null(dom);
	assert_false(p->conn->priv);
	dom->introduced = true;
	dom->conn = p->conn;
	p->conn->domain = dom;
	return p;
}

struct ut *ut_new(void)
{
	struct ut *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	assert_ok(daemon_init(&u->d));
	u->priv = ut_peer(u, u->d.model.priv_domid);
	assert_true(u->priv->conn->priv);
	return u;
}

void ut_assert_consistent_at(struct ut *u, const char *file, int line)
{
	char report[2048];
	unsigned problems = daemon_check(&u->d, report, sizeof(report));

	if (problems)
		ut_fail_at(file, line, "daemon_check", report, "no problems");
}

void ut_free_at(struct ut *u, const char *file, int line)
{
	ut_assert_consistent_at(u, file, line);
	daemon_destroy(&u->d);
	while (u->peers) {
		struct ut_peer *p = u->peers;
		u->peers = p->next;
		free(p->rx);
		fake_io_free(&p->io);
		free(p);
	}
	if (u->hv)
		fake_hv_release(u->hv);
	free(u->hv);
	free(u);
}

void ut_flush(struct ut_peer *p)
{
	if (!p->io.destroyed && !p->conn->dead)
		conn_flush(p->conn);
}

size_t ut_msg_len_at(const struct ut_peer *p, size_t off)
{
	struct xs_msg_header h;

	if (p->rx_len - off < sizeof(h))
		return 0;
	memcpy(&h, p->rx + off, sizeof(h));
	if (p->rx_len - off < sizeof(h) + h.len)
		return 0;
	return sizeof(h) + h.len;
}

void ut_msg_take(struct ut_peer *p, size_t off, size_t len, struct ut_msg *m)
{
	memcpy(&m->hdr, p->rx + off, sizeof(m->hdr));
	assert_true(m->hdr.len <= XS_PAYLOAD_MAX);
	memcpy(m->body, p->rx + off + sizeof(m->hdr), m->hdr.len);
	m->body[m->hdr.len] = '\0';
	memmove(p->rx + off, p->rx + off + len, p->rx_len - off - len);
	p->rx_len -= len;
}

void ut_feed(struct ut_peer *p, uint32_t type, uint32_t req_id, uint32_t tx_id,
	     const void *payload, uint32_t len)
{
	struct xs_msg_header h = { type, req_id, tx_id, len };

	fake_io_write(&p->io, &h, sizeof(h));
	fake_io_write(&p->io, payload, len);
}

bool ut_pop(struct ut_peer *p, struct ut_msg *m)
{
	size_t len;

	memset(&m->hdr, 0, sizeof(m->hdr));
	m->body[0] = '\0';
	ut_flush(p);
	len = ut_msg_len_at(p, 0);
	if (!len)
		return false;
	ut_msg_take(p, 0, len, m);
	return true;
}

unsigned ut_pending(struct ut_peer *p)
{
	unsigned n = 0;
	size_t off = 0, len;

	ut_flush(p);
	while ((len = ut_msg_len_at(p, off)) != 0) {
		off += len;
		n++;
	}
	return n;
}

void ut_discard(struct ut_peer *p)
{
	ut_flush(p);
	p->rx_len = 0;
}

int ut_call(struct ut_peer *p, uint32_t type, uint32_t tx_id,
	    const void *payload, size_t len)
{
	struct xs_msg_header h = { type, ++p->last_req, tx_id, (uint32_t)len };
	size_t off = 0, mlen;
	int err;

	request_handle(p->conn, &h, payload ? payload : "");
	ut_flush(p);
	while ((mlen = ut_msg_len_at(p, off)) != 0) {
		struct xs_msg_header m;
		memcpy(&m, p->rx + off, sizeof(m));
		if (m.req_id == h.req_id && m.type != XS_WATCH_EVENT)
			break;
		off += mlen;
	}
	if (!mlen)
		fail_msg("no reply to %s (req_id %u)", xs_type_name(type), h.req_id);
	ut_msg_take(p, off, mlen, &p->reply);
	assert_int_equal(p->reply.hdr.tx_id, tx_id);
	if (p->reply.hdr.type == XS_ERROR) {
		err = xs_error_from_name(p->reply.body);
		return err ? err : -1;
	}
	if (p->reply.hdr.type != type)
		fail_msg("reply to %s has type %s", xs_type_name(type),
			 xs_type_name(p->reply.hdr.type));
	return 0;
}

int ut_callv(struct ut_peer *p, uint32_t type, uint32_t tx_id, ...)
{
	char buf[XS_PAYLOAD_MAX + 64];
	size_t len = 0;
	const char *s;
	va_list ap;

	va_start(ap, tx_id);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s) + 1;
		assert_true(len + n <= sizeof(buf));
		memcpy(buf + len, s, n);
		len += n;
	}
	va_end(ap);
	return ut_call(p, type, tx_id, buf, len);
}

const char *ut_reply(const struct ut_peer *p)
{
	return p->reply.body;
}

const char *ut_reply_joined(struct ut_peer *p)
{
	return ut_join(p->reply.body, p->reply.hdr.len, p->joined, sizeof(p->joined));
}

int ut_writen(struct ut_peer *p, uint32_t tx, const char *path,
	      const void *value, size_t vlen)
{
	char buf[XS_PAYLOAD_MAX + 64];
	size_t plen = strlen(path) + 1;

	assert_true(plen + vlen <= sizeof(buf));
	memcpy(buf, path, plen);
	if (vlen)
		memcpy(buf + plen, value, vlen);
	return ut_call(p, XS_WRITE, tx, buf, plen + vlen);
}

int ut_write(struct ut_peer *p, uint32_t tx, const char *path, const char *value)
{
	return ut_writen(p, tx, path, value, strlen(value));
}

int ut_read(struct ut_peer *p, uint32_t tx, const char *path)
{
	return ut_callv(p, XS_READ, tx, path, NULL);
}

int ut_mkdir(struct ut_peer *p, uint32_t tx, const char *path)
{
	return ut_callv(p, XS_MKDIR, tx, path, NULL);
}

int ut_rm(struct ut_peer *p, uint32_t tx, const char *path)
{
	return ut_callv(p, XS_RM, tx, path, NULL);
}

int ut_directory(struct ut_peer *p, uint32_t tx, const char *path)
{
	return ut_callv(p, XS_DIRECTORY, tx, path, NULL);
}

int ut_get_perms(struct ut_peer *p, uint32_t tx, const char *path)
{
	return ut_callv(p, XS_GET_PERMS, tx, path, NULL);
}

/* A request the test needs to succeed. */
static void expect_ok(int err, const char *what, const char *file, int line)
{
	if (err)
		ut_fail_at(file, line, what, ut_errname(err), "OK");
}

const char *ut_value_at(struct ut_peer *p, uint32_t tx, const char *path,
			const char *file, int line)
{
	expect_ok(ut_read(p, tx, path), "READ", file, line);
	return ut_reply(p);
}

const char *ut_children_at(struct ut_peer *p, uint32_t tx, const char *path,
			   const char *file, int line)
{
	expect_ok(ut_directory(p, tx, path), "DIRECTORY", file, line);
	return ut_reply_joined(p);
}

const char *ut_perms_at(struct ut_peer *p, uint32_t tx, const char *path,
			const char *file, int line)
{
	expect_ok(ut_get_perms(p, tx, path), "GET_PERMS", file, line);
	return ut_reply_joined(p);
}

uint32_t ut_txn_start_at(struct ut_peer *p, const char *file, int line)
{
	int err = ut_callv(p, XS_TRANSACTION_START, 0, "", NULL);

	if (err)
		ut_fail_at(file, line, "TRANSACTION_START", ut_errname(err), "OK");
	return (uint32_t)strtoul(ut_reply(p), NULL, 10);
}

int ut_txn_end(struct ut_peer *p, uint32_t tx, bool commit)
{
	return ut_callv(p, XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL);
}

struct txn *ut_txn(struct ut_peer *p, uint32_t tx)
{
	struct txn *t = conn_find_txn(p->conn, tx);

	assert_non_null(t);
	return t;
}

void ut_watch_at(struct ut_peer *p, const char *path, const char *token,
		 int depth, const char *file, int line)
{
	char d[16];
	struct ut_msg m;
	int err;

	snprintf(d, sizeof(d), "%d", depth);
	err = depth < 0 ? ut_callv(p, XS_WATCH, 0, path, token, NULL)
			: ut_callv(p, XS_WATCH, 0, path, token, d, NULL);
	if (err)
		ut_fail_at(file, line, "WATCH", ut_errname(err), "OK");
	if (!ut_pop(p, &m) || m.hdr.type != XS_WATCH_EVENT)
		ut_fail_at(file, line, "WATCH initial event", "missing", path);
}

int ut_unwatch(struct ut_peer *p, const char *path, const char *token)
{
	return ut_callv(p, XS_UNWATCH, 0, path, token, NULL);
}

const char *ut_describe(const struct ut_msg *m, bool have, char *buf,
			size_t size)
{
	if (!have)
		snprintf(buf, size, "nothing");
	else if (m->hdr.type == XS_WATCH_EVENT)
		snprintf(buf, size, "event %.200s %.200s", m->body,
			 m->body + strnlen(m->body, m->hdr.len) + (m->hdr.len ? 1 : 0));
	else
		snprintf(buf, size, "%s %.200s", xs_type_name(m->hdr.type), m->body);
	return buf;
}

void ut_expect_event_at(struct ut_peer *p, const char *path, const char *token,
			const char *file, int line)
{
	char got[512], want[512];
	struct ut_msg m;
	bool have = ut_pop(p, &m);

	snprintf(want, sizeof(want), "event %.200s %.200s", path, token);
	ut_describe(&m, have, got, sizeof(got));
	if (strcmp(got, want) != 0)
		ut_fail_at(file, line, "next message", got, want);
	_assert_int_equal(m.hdr.req_id, 0, file, line);
	_assert_int_equal(m.hdr.tx_id, 0, file, line);
	_assert_int_equal(xs_count_args(m.body, m.hdr.len), 2, file, line);
}

bool ut_take_event(struct ut_peer *p, const char *path, const char *token)
{
	size_t off = 0, len;
	struct ut_msg m;

	ut_flush(p);
	while ((len = ut_msg_len_at(p, off)) != 0) {
		struct xs_msg_header h;
		const char *body = p->rx + off + sizeof(h);
		memcpy(&h, p->rx + off, sizeof(h));
		if (h.type == XS_WATCH_EVENT && h.len == strlen(path) + strlen(token) + 2 &&
		    strcmp(body, path) == 0 && strcmp(body + strlen(path) + 1, token) == 0) {
			ut_msg_take(p, off, len, &m);
			return true;
		}
		off += len;
	}
	return false;
}

unsigned ut_count_events(struct ut_peer *p, const char *token)
{
	size_t off = 0, len;
	unsigned n = 0;

	ut_flush(p);
	while ((len = ut_msg_len_at(p, off)) != 0) {
		struct xs_msg_header h;
		const char *body = p->rx + off + sizeof(h);
		memcpy(&h, p->rx + off, sizeof(h));
		if (h.type == XS_WATCH_EVENT && strcmp(body + strlen(body) + 1, token) == 0)
			n++;
		off += len;
	}
	return n;
}

void ut_expect_quiet_at(struct ut_peer *p, const char *file, int line)
{
	char got[512];
	struct ut_msg m;
	bool have = ut_pop(p, &m);

	if (have)
		ut_fail_at(file, line, "next message", ut_describe(&m, have, got, sizeof(got)),
			   "nothing");
}

void ut_make_home(struct ut *u, unsigned domid)
{
	char path[64], rw[16], owner[16];

	/* The toolstack writes the home of a domain the hypervisor has
	 * already created: permissions may only name existing domains. */
	if (u->hv && domid < FAKE_HV_DOMS && u->hv->state[domid] == HV_DOM_GONE)
		u->hv->state[domid] = HV_DOM_RUNNING;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	snprintf(owner, sizeof(owner), "n%u", u->d.model.priv_domid);
	snprintf(rw, sizeof(rw), "b%u", domid);
	assert_ok(ut_mkdir(u->priv, 0, path));
	assert_ok(ut_set_perms(u->priv, 0, path, owner, rw));
}

unsigned ut_nodes_owned(struct ut *u, unsigned domid)
{
	const struct domain *dom = domain_find(&u->d.model.domains, domid);
	return dom ? dom->nodes : 0;
}

struct fake_hv *ut_hv_attach(struct ut *u)
{
	struct fake_hv *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	fake_hv_init(h, &u->d);
	u->hv = h;
	return h;
}

struct xs_ring_page *ut_ring_introduce(struct ut *u, unsigned domid)
{
	char id[16], port[16];

	assert_non_null(u->hv);
	assert_true(domid < FAKE_HV_DOMS);
	u->hv->state[domid] = HV_DOM_RUNNING;
	snprintf(id, sizeof(id), "%u", domid);
	snprintf(port, sizeof(port), "%u", domid + 100);
	assert_ok(ut_callv(u->priv, XS_INTRODUCE, 0, id, "1", port, NULL));
	assert_non_null(u->hv->page[domid]);
	return u->hv->page[domid];
}

struct conn *ut_ring_conn(struct ut *u, unsigned domid)
{
	struct domain *dom = domain_find(&u->d.model.domains, domid);
	return dom ? dom->conn : NULL;
}

void ut_ring_put(struct xs_ring_page *page, const void *buf, uint32_t len)
{
	int space = ring_client_space(page);

	assert_true(space >= 0 && len <= (uint32_t)space);
	assert_int_equal(ring_client_put(page, buf, len), len);
}

void ut_ring_request(struct xs_ring_page *page, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const void *payload, uint32_t len)
{
	struct xs_msg_header h = { type, req_id, tx_id, len };

	ut_ring_put(page, &h, sizeof(h));
	if (len)
		ut_ring_put(page, payload, len);
}

uint32_t ut_ring_take(struct xs_ring_page *page, void *buf, uint32_t len)
{
	int n = ring_client_take(page, buf, len);

	assert_true(n >= 0);
	return (uint32_t)n;
}

bool ut_ring_read(struct xs_ring_page *page, struct ut_msg *m)
{
	int avail = ring_client_pending(page);
	struct xs_msg_header h;

	memset(&m->hdr, 0, sizeof(m->hdr));
	m->body[0] = '\0';
	assert_true(avail >= 0);
	if ((uint32_t)avail < sizeof(h))
		return false;
	ring_client_peek(page, &h, sizeof(h));
	if ((uint32_t)avail < sizeof(h) + h.len)
		return false;
	assert_true(h.len <= XS_PAYLOAD_MAX);
	ut_ring_take(page, &m->hdr, sizeof(h));
	ut_ring_take(page, m->body, h.len);
	m->body[h.len] = '\0';
	return true;
}

void ut_ring_kick(struct ut *u, unsigned domid)
{
	struct conn *c = ut_ring_conn(u, domid);

	assert_non_null(c);
	ring_conn_event(c);
}
