/*
 * fuzz_request.c - the whole daemon behind its single dispatch point, fed
 * sequences of messages from several connections at once.
 *
 * Actors: two privileged clients (socket-like, domain 0) and three guest
 * domains (1, 2, 3) on real ring pages behind a fake hypervisor, with
 * quotas and output limits set low so every limit is reachable.  The input is a little
 * program: each step is one action of one actor -- a request built from
 * a vocabulary of paths, tokens, permissions and domids (or raw bytes),
 * reading or not reading replies, closing, reconnecting, dying, being
 * reintroduced, the daemon's -K option toggled -- followed (usually) by
 * the end of an event-loop round.
 *
 * After the steps (all that close or end something, every 16th of the
 * others, and the last): daemon_check() must find no problem, and the
 * accounting must hold (watches and transactions per connection and per
 * domain, the watch table, domain<->connection links, output bounds).
 * Every message a client receives is checked (one reply per request, in
 * order, same req_id/tx_id, type = request or ERROR, events well-formed).
 * At the end, every client still connected reads everything and must have
 * had an answer to every request it sent; then the daemon is destroyed
 * and LeakSanitizer looks for anything left behind.
 */
#include "harness.h"

#define NPEERS 2
#define NGUESTS 3
#define NACTORS (NPEERS + NGUESTS)
#define MAX_STEPS 600

struct world {
	struct daemon d;
	struct fake_hv hv;
	struct fz_peer peer[NPEERS];
	struct fz_guest guest[NGUESTS];
	uint32_t next_req;
};

static const char *const peer_names[NPEERS] = { "dom0 client A", "dom0 client B" };
static const char *const guest_names[NGUESTS] = { "guest 1", "guest 2", "guest 3" };

/* ---- vocabulary ---- */

static const char *const v_paths[] = {
	"/", "/a", "/a/b", "/a/b/c", "/a/b/c/d/e/f/g/h", "a", "a/b", "b", "data/x",
	"/local", "/local/domain", "/local/domain/", "/local/domain/1",
	"/local/domain/1/a", "/local/domain/2", "/local/domain/2/a/b", "/local/domain/3",
	"/local/domain/3/d", "/local/domain/99/x", "@releaseDomain", "@introduceDomain",
	"@releaseDomain/1", "@other", "/tool", "/tool/xenstored", "", "//", "/a/", "/a//b",
	"/a b", "x/", "/local/domain/1/", "device/vif/0/state", "/a/b/c/d",
};
static const char *const v_tokens[] = { "t", "tok", "t2", "", "@", "/", "a|b" };
static const char *const v_perms[] = {
	"n0", "r0", "b0", "w0", "n1", "r1", "b1", "w1", "n2", "b2", "r3", "b3", "b32757",
	"r32757", "n65535", "x1", "r", "", "b0x1", "n-1", "r99", "w2", "n3",
};
static const char *const v_domids[] = {
	"0", "1", "2", "3", "4", "5", "15", "16", "65535", "65536", "32752", "32757", "",
	"-1", "1x", "007", " 1",
};
static const char *const v_numbers[] = {
	"0", "1", "2", "3", "4", "7", "10", "100", "4096", "65535", "-1", "", "x",
	"99999999999", "0x10", "15",
};
static const char *const v_quotas[] = {
	"nodes", "watches", "outstanding", "memory", "soft-memory", "transactions",
	"transaction-nodes", "node-permissions", "permissions", "path-max", "node-size",
	"bogus",
};
static const char *const v_control[] = {
	"check", "help", "log", "memreport", "print", "quota", "quota-soft", "set", "on",
	"off", "bogus", "-r", "max",
};
static const char *const v_tf[] = { "T", "F", "", "TF", "t" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum arg_kind { A_PATH, A_TOKEN, A_PERM, A_DOMID, A_NUMBER, A_QUOTA, A_CONTROL, A_TF, A_ANY };

struct payload {
	char buf[XS_PAYLOAD_MAX + 512];
	size_t len;
};

static void put(struct payload *pl, const void *p, size_t len)
{
	if (pl->len + len > sizeof(pl->buf))
		len = sizeof(pl->buf) - pl->len;
	memcpy(pl->buf + pl->len, p, len);
	pl->len += len;
}

/* A path much longer than the vocabulary's: k components. */
static void long_path(struct payload *pl, struct fz_in *in)
{
	unsigned k = 1 + fz_u8(in) % 64, width = 1 + fz_u8(in) % 64;
	bool rel = k & 1;
	char comp[80];

	memset(comp, 'p', sizeof(comp));
	for (unsigned i = 0; i < k; i++) {
		if (i || !rel)
			put(pl, "/", 1);
		put(pl, comp, width);
	}
}

/* Appends one argument (without its NUL). */
static void arg(struct payload *pl, struct fz_in *in, enum arg_kind kind)
{
	uint8_t b = fz_u8(in);
	const char *s = NULL;
	char raw[64];

	if (kind == A_ANY)
		kind = (enum arg_kind)(b % A_ANY), b = fz_u8(in);
	if (b >= 244) {
		/* raw bytes, any of them, NULs included */
		size_t n = fz_bytes(in, raw, fz_u8(in) % sizeof(raw));
		put(pl, raw, n);
		return;
	}
	if (b >= 236 && (kind == A_PATH || kind == A_TOKEN)) {
		if (kind == A_PATH) {
			long_path(pl, in);
		} else {
			/* a long token: with the path, maybe more than one message */
			static char t[XS_PAYLOAD_MAX];
			size_t n = (size_t)fz_u16(in) % sizeof(t);
			memset(t, 'k', n);
			put(pl, t, n);
		}
		return;
	}
	switch (kind) {
	case A_PATH: s = v_paths[b % N(v_paths)]; break;
	case A_TOKEN: s = v_tokens[b % N(v_tokens)]; break;
	case A_PERM: s = v_perms[b % N(v_perms)]; break;
	case A_DOMID: s = v_domids[b % N(v_domids)]; break;
	case A_NUMBER: s = v_numbers[b % N(v_numbers)]; break;
	case A_QUOTA: s = v_quotas[b % N(v_quotas)]; break;
	case A_CONTROL: s = v_control[b % N(v_control)]; break;
	case A_TF: s = v_tf[b % N(v_tf)]; break;
	case A_ANY: break;
	}
	put(pl, s, strlen(s));
}

/* The argument kinds each type expects; WRITE's value is added apart. */
static unsigned template_of(uint32_t type, struct fz_in *in, enum arg_kind *k)
{
	unsigned variant = fz_u8(in);

	switch (type) {
	case XS_READ: case XS_DIRECTORY: case XS_MKDIR: case XS_RM: case XS_GET_PERMS:
	case XS_WRITE:
		k[0] = A_PATH;
		return 1;
	case XS_SET_PERMS:
		k[0] = A_PATH;
		for (unsigned i = 1; i <= 1 + variant % 5; i++)
			k[i] = A_PERM;
		return 2 + variant % 5;
	case XS_WATCH:
		k[0] = A_PATH, k[1] = A_TOKEN, k[2] = A_NUMBER;
		return variant % 3 == 0 ? 3 : 2;
	case XS_UNWATCH:
		k[0] = A_PATH, k[1] = A_TOKEN;
		return 2;
	case XS_TRANSACTION_START:
		k[0] = A_TF;
		return variant % 4 == 0 ? 0 : 1;
	case XS_TRANSACTION_END:
		k[0] = A_TF;
		return 1;
	case XS_INTRODUCE:
		k[0] = A_DOMID, k[1] = A_NUMBER, k[2] = A_NUMBER;
		return 3;
	case XS_RELEASE: case XS_RESUME: case XS_IS_DOMAIN_INTRODUCED: case XS_GET_DOMAIN_PATH:
		k[0] = A_DOMID;
		return 1;
	case XS_SET_TARGET:
		k[0] = A_DOMID, k[1] = A_DOMID;
		return 2;
	case XS_DIRECTORY_PART:
		k[0] = A_PATH, k[1] = A_NUMBER;
		return 2;
	case XS_GET_FEATURE:
		k[0] = A_DOMID;
		return variant & 1;
	case XS_SET_FEATURE:
		k[0] = A_DOMID, k[1] = A_NUMBER;
		return 2;
	case XS_GET_QUOTA:
		k[0] = A_DOMID, k[1] = A_QUOTA;
		if (variant % 3 == 0)
			return 0;
		if (variant % 3 == 1) {
			k[0] = A_QUOTA;
			return 1;
		}
		return 2;
	case XS_SET_QUOTA:
		k[0] = A_DOMID, k[1] = A_QUOTA, k[2] = A_NUMBER;
		if (variant & 1) {
			k[0] = A_QUOTA, k[1] = A_NUMBER;
			return 2;
		}
		return 3;
	case XS_CONTROL:
		/* "quota set <name> <value>", "quota <domid>", "log on", ... */
		k[0] = A_CONTROL;
		k[1] = (variant & 4) ? A_DOMID : A_CONTROL;
		k[2] = (variant & 2) ? A_QUOTA : A_NUMBER;
		k[3] = A_NUMBER;
		return 1 + variant % 4;
	default:
		return variant % 3;
	}
}

/* One request as a client would send it: header + payload. */
static void build_request(struct world *w, struct fz_in *in, struct payload *msg)
{
	struct payload pl = { .len = 0 };
	enum arg_kind kinds[8];
	uint8_t tb = fz_u8(in), txsel = fz_u8(in), shape = fz_u8(in);
	uint32_t type = tb < 27 * 9 ? tb % 27u : (tb & 1 ? fz_u32(in) : 0xffffu);
	uint32_t tx;
	unsigned n;
	struct xs_msg_header h;

	for (unsigned i = 0; i < 8; i++)
		kinds[i] = A_ANY;
	n = template_of(type, in, kinds);
	switch (shape % 16) {
	case 12: if (n) n--; break;             /* one argument short */
	case 13: if (n < 8) n++; break;         /* one too many */
	default: break;
	}
	switch (txsel % 8) {
	case 4: tx = 1; break;
	case 5: tx = 2; break;
	case 6: tx = 3; break;
	case 7: tx = fz_u32(in); break;
	default: tx = 0; break;
	}
	if (shape % 16 == 15) {
		/* a payload of raw bytes */
		char raw[256];
		put(&pl, raw, fz_bytes(in, raw, fz_u8(in)));
	} else {
		for (unsigned i = 0; i < n; i++) {
			arg(&pl, in, kinds[i]);
			if (!(shape % 16 == 14 && i == n - 1))  /* 14: last NUL missing */
				put(&pl, "", 1);
		}
		if (type == XS_WRITE) {
			uint8_t vl = fz_u8(in);
			if (vl == 255) {
				/* a big value: node-size and payload limits */
				static char big[XS_PAYLOAD_MAX + 64];
				size_t len = (size_t)fz_u16(in) % sizeof(big);
				memset(big, 'v', len);
				put(&pl, big, len);
			} else {
				char v[255];
				put(&pl, v, fz_bytes(in, v, vl % 32));
			}
		}
	}
	h.type = type;
	h.req_id = ++w->next_req;
	h.tx_id = tx;
	h.len = (uint32_t)pl.len;
	msg->len = 0;
	put(msg, &h, sizeof(h));
	put(msg, pl.buf, pl.len);
}

/* Raw bytes on the wire: a header with a hostile length, or fragments. */
static void build_raw(struct fz_in *in, struct payload *msg)
{
	uint8_t how = fz_u8(in);
	char raw[256];

	msg->len = 0;
	if (how % 4 == 0) {
		struct xs_msg_header h = { fz_u8(in) % 30, fz_u32(in), 0, 0 };
		switch (fz_u8(in) % 4) {
		case 0: h.len = XS_PAYLOAD_MAX + 1; break;
		case 1: h.len = 0xffffffffu; break;
		case 2: h.len = 0x80000000u; break;
		default: h.len = fz_u32(in); break;
		}
		put(msg, &h, sizeof(h));
	}
	put(msg, raw, fz_bytes(in, raw, fz_u8(in)));
}

/* ---- actors ---- */

static struct fz_peer *toolstack(struct world *w)
{
	for (int i = 0; i < NPEERS; i++)
		if (w->peer[i].conn)
			return &w->peer[i];
	fz_peer_open(&w->d, &w->peer[0], w->d.model.priv_domid, peer_names[0]);
	return &w->peer[0];
}

/* The toolstack introduces a guest; during setup its reply is checked. */
static void introduce(struct world *w, unsigned domid, bool setup_step)
{
	char buf[64];
	int len = snprintf(buf, sizeof(buf), "%u%c1%c%u", domid, 0, 0, domid + 10);
	struct fz_peer *ts = toolstack(w);
	struct xs_msg_header h = { XS_INTRODUCE, ++w->next_req, 0, (uint32_t)len + 1 };

	w->hv.state[domid] = HV_DOM_RUNNING;
	if (setup_step) {
		fz_setup_call(ts, XS_INTRODUCE, buf, (size_t)len + 1);
		return;
	}
	fz_peer_write(ts, &h, sizeof(h));
	fz_peer_write(ts, buf, (size_t)len + 1);
	fz_peer_poll(ts);
}

static void setup(struct world *w)
{
	struct quota_set *q;

	memset(w, 0, sizeof(*w));
	FZ_CHECK(daemon_init(&w->d) == 0, "daemon_init");
	/* Privileged clients may queue this much before they are dropped;
	 * guests their memory quota (low, so a few unread events get there). */
	w->d.out_limit_priv = 16 * 1024;
	q = &w->d.model.quotas;
	q->hard[QUOTA_NODES] = 10;
	q->hard[QUOTA_WATCHES] = 4;
	q->hard[QUOTA_OUTSTANDING] = 4;
	q->hard[QUOTA_MEMORY] = 4096;
	q->hard[QUOTA_TRANSACTIONS] = 2;
	q->hard[QUOTA_TRANSACTION_NODES] = 20;
	q->hard[QUOTA_NODE_PERMS] = 3;
	q->hard[QUOTA_PATH_MAX] = 64;
	q->hard[QUOTA_NODE_SIZE] = 256;
	fz_hv_init(&w->hv, &w->d);
	for (int i = 0; i < NPEERS; i++)
		fz_peer_open(&w->d, &w->peer[i], w->d.model.priv_domid, peer_names[i]);
	for (int i = 0; i < NGUESTS; i++) {
		unsigned domid = (unsigned)i + 1;
		char buf[64];
		int len;
		struct fz_guest *g = &w->guest[i];

		g->cl.name = guest_names[i];
		g->domid = domid;
		g->reading = true;
		/* The domain exists before the toolstack names it in a
		 * permission (a domid unknown to the hypervisor grants nothing
		 * to a later domain: XSA-417). */
		w->hv.state[domid] = HV_DOM_RUNNING;
		len = snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
		fz_setup_call(&w->peer[0], XS_MKDIR, buf, (size_t)len + 1);
		len = snprintf(buf, sizeof(buf), "/local/domain/%u%cn0%cb%u", domid, 0, 0, domid);
		fz_setup_call(&w->peer[0], XS_SET_PERMS, buf, (size_t)len + 1);
		introduce(w, domid, true);
		fz_guest_sync(&w->d, g);
	}
	conn_end_of_round(&w->d);
}

static void send_bytes(struct world *w, unsigned actor, const void *buf, size_t len)
{
	if (actor < NPEERS) {
		struct fz_peer *p = &w->peer[actor];
		if (!p->conn)
			return;
		fz_peer_write(p, buf, len);
		fz_peer_poll(p);
	} else {
		struct fz_guest *g = &w->guest[actor - NPEERS];
		fz_guest_sync(&w->d, g);
		if (!g->conn_id)
			return;
		fz_guest_queue(g, buf, len);
		fz_guest_kick(&w->d, &w->hv, g);
	}
}

enum kind {
	K_MSG, K_MSG2, K_MSG3, K_MSG4, K_RAW, K_READ, K_STALL, K_CLOSE, K_REOPEN,
	K_DOMSTATE, K_RECONNECT, K_CHUNK, K_OPTION, K_COUNT
};

/* The store and accounting invariants are checked after every step that
 * ends a connection or a domain, and every CHECK_EVERY steps otherwise
 * (walking the store after each of 600 steps would cost most of the
 * fuzzer's time); always at the end of the input. */
#define CHECK_EVERY 16

static bool step(struct world *w, struct fz_in *in)
{
	uint8_t op = fz_u8(in);
	unsigned actor = (op & 0x7f) % NACTORS;
	enum kind kind = (enum kind)(((op & 0x7f) / NACTORS) % K_COUNT);
	bool end_round = !(op & 0x80);
	struct payload msg;
	struct fz_peer *p = actor < NPEERS ? &w->peer[actor] : NULL;
	struct fz_guest *g = p ? NULL : &w->guest[actor - NPEERS];

	if (fz_tracing()) {
		static const char *const names[K_COUNT] = {
			"message", "message", "message", "message", "raw bytes", "read", "stall",
			"close/die", "reopen/introduce", "domain state", "reconnect", "chunk",
			"toggle -K",
		};
		fprintf(stderr, "-- %s: %s%s\n", p ? p->cl.name : g->cl.name, names[kind],
			end_round ? "" : " (same round)");
	}
	switch (kind) {
	case K_MSG: case K_MSG2: case K_MSG3: case K_MSG4:
		build_request(w, in, &msg);
		send_bytes(w, actor, msg.buf, msg.len);
		break;
	case K_RAW:
		build_raw(in, &msg);
		send_bytes(w, actor, msg.buf, msg.len);
		break;
	case K_READ:
		if (p) {
			p->io.stalled = false;
			fz_peer_poll(p);
		} else {
			g->reading = true;
			fz_guest_kick(&w->d, &w->hv, g);
		}
		break;
	case K_STALL:
		if (p)
			p->io.stalled = true;
		else
			g->reading = false;
		break;
	case K_CLOSE:
		if (p && p->conn) {
			p->io.eof = true;      /* the client closes its socket */
			fz_peer_poll(p);
		} else if (g) {
			/* the domain dies (or is destroyed outright) */
			w->hv.state[g->domid] = fz_u8(in) & 1 ? HV_DOM_DYING : HV_DOM_GONE;
			domain_check_states(&w->d);
		}
		break;
	case K_REOPEN:
		if (p && !p->conn)
			fz_peer_open(&w->d, p, w->d.model.priv_domid, peer_names[actor]);
		else if (g)
			introduce(w, g->domid, false);
		break;
	case K_DOMSTATE: {
		uint8_t b = fz_u8(in);
		unsigned domid = 1 + b % 5;
		static const enum hv_dom_state states[] = {
			HV_DOM_RUNNING, HV_DOM_SHUTDOWN, HV_DOM_DYING, HV_DOM_GONE,
		};
		w->hv.state[domid] = states[(b / 5) % 4];
		domain_check_states(&w->d);
		break;
	}
	case K_RECONNECT:
		if (g) {
			struct xs_ring_page *page = w->hv.page[g->domid];
			fz_guest_sync(&w->d, g);
			struct conn *c = fz_guest_conn(&w->d, g);
			if (page && c) {
				/* As a guest driver does: ask, and put nothing more
				 * on the ring until the daemon has started over
				 * (what was on it, or half sent, is gone). */
				page->connection = XS_RING_RECONNECT;
				ring_conn_event(c);
				if (page->connection == XS_RING_CONNECTED) {
					fz_client_reset(&g->cl);
					g->out_len = 0;
				}
			}
		} else if (p) {
			/* a socket client: (re)reads whatever it is owed */
			fz_peer_poll(p);
		}
		break;
	case K_CHUNK:
		if (p)
			p->io.chunk = fz_u8(in);
		break;
	case K_OPTION:
		/* the daemon's -K: a dead domain's nodes go to dom0 */
		w->d.model.keep_orphans = !w->d.model.keep_orphans;
		break;
	case K_COUNT:
		break;
	}
	if (end_round)
		conn_end_of_round(&w->d);
	for (int i = 0; i < NGUESTS; i++)
		fz_guest_sync(&w->d, &w->guest[i]);
	return kind == K_CLOSE || kind == K_REOPEN || kind == K_DOMSTATE || kind == K_RECONNECT;
}

/* Everyone reads everything; every request still on a live connection
 * must have been answered.  Progress is measured in bytes moved (sent and
 * received counters only grow, so they cannot cancel out). */
static void drain_and_check(struct world *w)
{
	if (fz_tracing())
		fprintf(stderr, "-- everyone reads\n");
	for (long round = 0; round < 1000000; round++) {
		unsigned long long before = 0, after = 0;
		for (int i = 0; i < NPEERS; i++) {
			before += w->peer[i].cl.rx_bytes;
			w->peer[i].io.stalled = false;
			if (w->peer[i].conn)
				fz_peer_poll(&w->peer[i]);
		}
		for (int i = 0; i < NGUESTS; i++) {
			struct fz_guest *g = &w->guest[i];
			before += g->cl.rx_bytes + g->tx_bytes;
			g->reading = true;
			fz_guest_kick(&w->d, &w->hv, g);
		}
		conn_end_of_round(&w->d);
		for (int i = 0; i < NPEERS; i++)
			after += w->peer[i].cl.rx_bytes;
		for (int i = 0; i < NGUESTS; i++) {
			fz_guest_sync(&w->d, &w->guest[i]);
			after += w->guest[i].cl.rx_bytes + w->guest[i].tx_bytes;
		}
		if (after == before)
			break;
	}
	fz_check_daemon(&w->d);
	for (int i = 0; i < NPEERS; i++) {
		struct fz_peer *p = &w->peer[i];
		if (!p->conn || p->conn->close_pending || p->cl.overflowed || p->cl.stream_broken)
			continue;
		FZ_CHECK(fz_client_answerable(&p->cl) == 0,
			 "%s: %u requests never answered (first: type %u req %u)", p->cl.name,
			 fz_client_answerable(&p->cl), p->cl.expect[0].type, p->cl.expect[0].req_id);
	}
	for (int i = 0; i < NGUESTS; i++) {
		struct fz_guest *g = &w->guest[i];
		struct conn *c = fz_guest_conn(&w->d, g);
		if (!c || c->close_pending || ring_conn_broken(c) || g->cl.overflowed ||
		    g->cl.stream_broken || g->out_len)
			continue;
		struct xs_ring_page *pg = w->hv.page[g->domid];
		FZ_CHECK(fz_client_answerable(&g->cl) == 0,
			 "%s: %u requests never answered (first: type %u req %u); connection: "
			 "%zu bytes of input, %zu of output, %u outstanding (quota %u); ring "
			 "req %u/%u rsp %u/%u",
			 g->cl.name, fz_client_answerable(&g->cl), g->cl.expect[0].type,
			 g->cl.expect[0].req_id, c->in_len, conn_pending_output(c), c->outstanding,
			 domain_quota(c->domain, &w->d.model.quotas, QUOTA_OUTSTANDING), pg->req_cons,
			 pg->req_prod, pg->rsp_cons, pg->rsp_prod);
	}
}

static void teardown(struct world *w)
{
	daemon_destroy(&w->d);
	fake_hv_finish(&w->hv);
	for (int i = 0; i < NPEERS; i++)
		fz_peer_free(&w->peer[i]);
	for (int i = 0; i < NGUESTS; i++) {
		fz_client_free(&w->guest[i].cl);
		free(w->guest[i].out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;
	struct fz_in in = { data, size };

	setup(&w);
	fz_check_daemon(&w.d);
	for (int i = 0; i < MAX_STEPS && fz_more(&in); i++)
		if (step(&w, &in) || i % CHECK_EVERY == CHECK_EVERY - 1)
			fz_check_daemon(&w.d);
	drain_and_check(&w);
	teardown(&w);
	return 0;
}
