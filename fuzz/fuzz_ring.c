/*
 * fuzz_ring.c - the shared-ring transport against a hostile guest.
 *
 * Domain 1 writes whatever it likes into its ring page: any index value
 * (free-running, wrapped, impossible), bytes anywhere in the rings,
 * partial and oversized messages, RECONNECT, garbage in the other page
 * fields, and it kicks its event channel at any moment.  Domain 2 is a
 * well-behaved bystander on its own ring.  dom0's toolstack (a socket
 * client) watches @releaseDomain.
 *
 * Checked after every step (besides the daemon and accounting invariants
 * of harness.h; ASan sees any access outside the one-page ring):
 *   - the daemon never consumes requests beyond req_prod nor produces
 *     responses beyond the space rsp_cons leaves;
 *   - impossible indexes cut the connection off, but the domain stays
 *     introduced and no @releaseDomain fires (XSA-325): that event comes
 *     only when the hypervisor says the domain shut down or died;
 *   - the bystander is answered throughout.
 */
#include "harness.h"

#define MAX_STEPS 400
#define HOSTILE 1u
#define BYSTANDER 2u

struct world {
	struct daemon d;
	struct fake_hv hv;
	struct fz_peer ts;          /* the toolstack, watching @releaseDomain */
	struct fz_guest by;         /* the bystander, domain 2 */
	uint32_t next_req;
};

static void introduce(struct world *w, unsigned domid)
{
	char buf[64];
	int len = snprintf(buf, sizeof(buf), "%u%c1%c%u", domid, 0, 0, domid + 10);

	w->hv.state[domid] = HV_DOM_RUNNING;
	if (!w->ts.conn)
		fz_peer_open(&w->d, &w->ts, w->d.model.priv_domid, "toolstack");
	fz_setup_call(&w->ts, XS_INTRODUCE, buf, (size_t)len + 1);
}

static void setup(struct world *w)
{
	static const char watch[] = "@releaseDomain\0rel";

	memset(w, 0, sizeof(*w));
	FZ_CHECK(daemon_init(&w->d) == 0, "daemon_init");
	w->d.model.quotas.hard[QUOTA_OUTSTANDING] = 4;
	w->d.model.quotas.hard[QUOTA_MEMORY] = 8192;
	fz_hv_init(&w->hv, &w->d);
	/* the domains exist before the toolstack grants them their homes */
	w->hv.state[HOSTILE] = w->hv.state[BYSTANDER] = HV_DOM_RUNNING;
	fz_peer_open(&w->d, &w->ts, w->d.model.priv_domid, "toolstack");
	fz_setup_call(&w->ts, XS_MKDIR, "/local/domain/1", 16);
	fz_setup_call(&w->ts, XS_SET_PERMS, "/local/domain/1\0n0\0b1", 22);
	fz_setup_call(&w->ts, XS_MKDIR, "/local/domain/2", 16);
	fz_setup_call(&w->ts, XS_SET_PERMS, "/local/domain/2\0n0\0b2", 22);
	fz_setup_call(&w->ts, XS_WATCH, watch, sizeof(watch));
	introduce(w, HOSTILE);
	introduce(w, BYSTANDER);
	w->by.cl.name = "bystander";
	w->by.domid = BYSTANDER;
	w->by.reading = true;
	fz_guest_sync(&w->d, &w->by);
	conn_end_of_round(&w->d);
}

static struct conn *conn_of(struct world *w, unsigned domid)
{
	struct domain *dom = domain_find(&w->d.model.domains, domid);
	return dom ? dom->conn : NULL;
}

/* The daemon looks at the hostile ring; what it may and may not do. */
static void kick(struct world *w)
{
	struct xs_ring_page *p = w->hv.page[HOSTILE];
	struct conn *c = conn_of(w, HOSTILE);
	struct domain *dom = domain_find(&w->d.model.domains, HOSTILE);
	uint32_t req_cons = p->req_cons, req_prod = p->req_prod;
	uint32_t rsp_cons = p->rsp_cons, rsp_prod = p->rsp_prod;
	bool req_ok = ring_avail(req_cons, req_prod) >= 0;
	bool rsp_ok = ring_avail(rsp_cons, rsp_prod) >= 0;
	bool was_introduced = dom && dom->introduced;
	bool reconnect = p->connection == XS_RING_RECONNECT;

	if (!c)
		return;
	ring_conn_event(c);
	if (reconnect)
		return; /* indexes start over */
	if (req_ok) {
		/* consumed only what was produced */
		FZ_CHECK(p->req_cons - req_cons <= req_prod - req_cons,
			 "req_cons moved from %u to %u with req_prod %u", req_cons, p->req_cons,
			 req_prod);
	} else {
		FZ_CHECK(p->req_cons == req_cons, "consumed from impossible indexes %u/%u",
			 req_cons, req_prod);
	}
	if (rsp_ok) {
		FZ_CHECK(ring_avail(rsp_cons, p->rsp_prod) >= 0,
			 "produced past the guest: rsp %u/%u -> %u", rsp_cons, rsp_prod,
			 p->rsp_prod);
		FZ_CHECK(p->rsp_prod - rsp_prod <= XS_RING_SIZE - (rsp_prod - rsp_cons),
			 "produced more than the free space");
	} else {
		FZ_CHECK(p->rsp_prod == rsp_prod, "produced into impossible indexes %u/%u",
			 rsp_cons, rsp_prod);
	}
	/* A misbehaving ring never makes the domain look gone (XSA-325). */
	dom = domain_find(&w->d.model.domains, HOSTILE);
	if (was_introduced)
		FZ_CHECK(dom && dom->introduced, "a bad ring released the domain");
}

/* The bystander asks something and must be answered. */
static void bystander(struct world *w)
{
	static const char path[] = "/local/domain/2";
	struct xs_msg_header h = { XS_READ, ++w->next_req, 0, sizeof(path) };
	unsigned long before;

	fz_guest_sync(&w->d, &w->by);
	if (!w->by.conn_id)
		return;
	before = w->by.cl.replies;
	fz_guest_queue(&w->by, &h, sizeof(h));
	fz_guest_queue(&w->by, path, sizeof(path));
	for (int i = 0; i < 8 && w->by.cl.replies == before; i++)
		fz_guest_kick(&w->d, &w->hv, &w->by);
	FZ_CHECK(w->by.cl.replies == before + 1, "the bystander was not answered");
}

static uint32_t index_value(struct fz_in *in, uint32_t cons, uint32_t prod, bool is_prod)
{
	uint8_t how = fz_u8(in);
	uint32_t other = is_prod ? cons : prod;

	switch (how % 8) {
	case 0: return fz_u32(in);                               /* anything */
	case 1: return other + (is_prod ? 1 : -1u) * XS_RING_SIZE; /* exactly full */
	case 2: return other + (is_prod ? 1 : -1u) * (XS_RING_SIZE + 1); /* one past */
	case 3: return is_prod ? cons - 1 : prod + 1;            /* behind the other */
	case 4: return (is_prod ? prod : cons) + fz_u8(in);      /* small step */
	case 5: return 0xffffffffu - fz_u8(in);                  /* about to wrap */
	case 6: return 0x80000000u;
	default: return other;                                   /* empty */
	}
}

static void step(struct world *w, struct fz_in *in)
{
	struct xs_ring_page *p = w->hv.page[HOSTILE];
	uint8_t op = fz_u8(in);
	char buf[XS_HEADER_SIZE + XS_PAYLOAD_MAX + 64];
	uint32_t n;
	uint64_t release_before = w->ts.cl.release_events;
	bool domain_event = false;

	switch (op % 14) {
	case 0: p->req_prod = index_value(in, p->req_cons, p->req_prod, true); break;
	case 1: p->req_cons = index_value(in, p->req_cons, p->req_prod, false); break;
	case 2: p->rsp_cons = index_value(in, p->rsp_cons, p->rsp_prod, false); break;
	case 3: p->rsp_prod = index_value(in, p->rsp_cons, p->rsp_prod, true); break;
	case 4: {
		/* bytes anywhere in the request ring, indexes untouched */
		uint16_t off = fz_u16(in) % XS_RING_SIZE;
		n = (uint32_t)fz_bytes(in, buf, fz_u8(in));
		ring_copy_in(p->req, off, XS_RING_SIZE, buf, n);
		break;
	}
	case 5: {
		/* produce bytes properly (as far as the indexes allow) */
		n = (uint32_t)fz_bytes(in, buf, fz_u8(in));
		ring_client_put(p, buf, n);
		break;
	}
	case 6: {
		/* a message, of any claimed length, cut where the input says */
		struct xs_msg_header h = { fz_u8(in) % 28, ++w->next_req, fz_u8(in) % 3, 0 };
		uint8_t lsel = fz_u8(in);
		const char *body = "/local/domain/1/x\0value";
		size_t blen = 24, cut;
		h.len = lsel < 200 ? (uint32_t)blen : lsel < 230 ? XS_PAYLOAD_MAX + lsel
								: fz_u32(in);
		memcpy(buf, &h, sizeof(h));
		memcpy(buf + sizeof(h), body, blen);
		cut = fz_u8(in) % (sizeof(h) + blen + 1);
		ring_client_put(p, buf, (uint32_t)cut);
		break;
	}
	case 7: kick(w); break;
	case 8: {
		/* the guest takes responses (as far as it believes the indexes) */
		ring_client_take(p, buf, fz_u8(in));
		break;
	}
	case 9: p->connection = XS_RING_RECONNECT; kick(w); break;
	case 10:
		switch (fz_u8(in) % 4) {
		case 0: p->connection = fz_u32(in); break;
		case 1: p->error = fz_u32(in); break;
		case 2: p->server_features = fz_u32(in); break;
		default: p->evtchn_port = fz_u32(in) % 4; break;
		}
		break;
	case 11:
		introduce(w, HOSTILE);
		p = w->hv.page[HOSTILE];
		break;
	case 12: bystander(w); break;
	case 13: {
		static const enum hv_dom_state states[] = {
			HV_DOM_RUNNING, HV_DOM_SHUTDOWN, HV_DOM_DYING, HV_DOM_GONE,
		};
		w->hv.state[HOSTILE] = states[fz_u8(in) % 4];
		domain_check_states(&w->d);
		domain_event = true;
		break;
	}
	}
	conn_end_of_round(&w->d);
	fz_peer_poll(&w->ts);
	fz_guest_kick(&w->d, &w->hv, &w->by);
	conn_end_of_round(&w->d);
	if (!domain_event)
		FZ_CHECK(w->ts.cl.release_events == release_before,
			 "@releaseDomain fired without the domain dying (XSA-325)");
	fz_check_daemon(&w->d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;
	struct fz_in in = { data, size };

	setup(&w);
	for (int i = 0; i < MAX_STEPS && fz_more(&in); i++)
		step(&w, &in);
	/* however the hostile guest behaved, the bystander is served */
	w.hv.state[BYSTANDER] = HV_DOM_RUNNING;
	bystander(&w);
	fz_check_daemon(&w.d);
	daemon_destroy(&w.d);
	fake_hv_finish(&w.hv);
	fz_peer_free(&w.ts);
	fz_client_free(&w.by.cl);
	free(w.by.out);
	return 0;
}
