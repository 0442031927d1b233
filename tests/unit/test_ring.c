/* test_ring.c - the shared-ring transport and guest domain life over a
 * fake hypervisor (PROTOCOL.md §3.3, §1.5 INTRODUCE, §2.7). */
#include "unit.h"

/* ---- index arithmetic ---- */

static void ring_avail_accepts_up_to_a_full_ring_and_wraps(void **state)
{
	(void)state;
	assert_int_equal(ring_avail(0, 0), 0);
	assert_int_equal(ring_avail(0, 1024), 1024);
	assert_int_equal(ring_avail(0xfffffff0u, 0x10u), 0x20);
	assert_int_equal(ring_avail(0, 1025), -1);
	/* Producer behind consumer is impossible too. */
	assert_int_equal(ring_avail(5, 4), -1);
}

static void ring_copies_wrap_around_the_end(void **state)
{
	char ring[XS_RING_SIZE], out[16];

	(void)state;
	memset(ring, 0, sizeof(ring));
	assert_int_equal(ring_copy_in(ring, 1020, 100, "abcdefgh", 8), 8);
	assert_memory_equal(ring + 1020, "abcd", 4);
	assert_memory_equal(ring, "efgh", 4);
	assert_int_equal(ring_copy_out(ring, 1020, 8, out, sizeof(out)), 8);
	assert_memory_equal(out, "abcdefgh", 8);
	/* Never more than available or than space. */
	assert_int_equal(ring_copy_out(ring, 1020, 3, out, sizeof(out)), 3);
	assert_int_equal(ring_copy_in(ring, 0, 2, "xyz", 3), 2);
}

/* ---- INTRODUCE over a backend ---- */

static void introduce_connects_the_ring_and_advertises_features(void **state)
{
	struct ut *u = ut_new();
	struct fake_hv *h = ut_hv_attach(u);
	struct xs_ring_page *page;
	struct conn *c;

	(void)state;
	u->hv->state[5] = HV_DOM_RUNNING;
	u->hv->page[5] = aligned_alloc(4096, 4096);
	assert_non_null(u->hv->page[5]);
	memset(u->hv->page[5], 0x55, 4096); /* garbage the guest left */
	u->hv->page[5]->connection = XS_RING_RECONNECT;
	page = ut_ring_introduce(u, 5);
	c = ut_ring_conn(u, 5);
	assert_non_null(c);
	assert_int_equal(c->domid, 5);
	assert_false(c->priv);
	assert_int_equal(page->req_cons, 0);
	assert_int_equal(page->req_prod, 0);
	assert_int_equal(page->rsp_cons, 0);
	assert_int_equal(page->rsp_prod, 0);
	assert_int_equal(page->error, XS_RING_ERR_NONE);
	assert_int_equal(page->connection, XS_RING_CONNECTED);
	assert_int_equal(page->server_features & DAEMON_FEATURES, DAEMON_FEATURES);
	assert_int_equal(h->maps[5], 1);
	ut_free(u);
}

static void introduce_of_a_domain_the_hypervisor_does_not_know_fails(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_hv_attach(u);
	assert_err(ut_callv(u->priv, XS_INTRODUCE, 0, "7", "1", "3", NULL), ENOENT);
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL));
	assert_string_equal(ut_reply(u->priv), "F");
	ut_free(u);
}

static void guest_request_over_the_ring_gets_its_reply_and_a_notification(void **state)
{
	struct ut *u = ut_new();
	struct fake_hv *h = ut_hv_attach(u);
	struct xs_ring_page *page = ut_ring_introduce(u, 5);
	unsigned before = h->notified[1];
	struct ut_msg m;

	(void)state;
	ut_ring_request(page, XS_GET_DOMAIN_PATH, 77, 0, "5", 2);
	ut_ring_kick(u, 5);
	assert_true(ut_ring_read(page, &m));
	assert_int_equal(m.hdr.type, XS_GET_DOMAIN_PATH);
	assert_int_equal(m.hdr.req_id, 77);
	assert_string_equal(m.body, "/local/domain/5");
	assert_int_equal(page->req_cons, page->req_prod);
	assert_true(h->notified[1] > before);
	assert_false(ut_ring_read(page, &m));
	ut_free(u);
}

static void message_straddling_the_wrap_and_split_across_kicks_is_reassembled(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	static const char payload[] = "/local/domain/5/wrapped\0value";
	char msg[64];
	struct xs_msg_header h = { XS_WRITE, 9, 0, sizeof(payload) - 1 };
	struct ut_msg m;

	(void)state;
	ut_hv_attach(u);
	ut_make_home(u, 5);
	page = ut_ring_introduce(u, 5);
	/* Free-running indexes just short of 2^32 on both rings. */
	page->req_cons = page->req_prod = 0xfffffff8u;
	page->rsp_cons = page->rsp_prod = 0xfffffff4u;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), payload, h.len);
	ut_ring_put(page, msg, 10);
	ut_ring_kick(u, 5);
	assert_false(ut_ring_read(page, &m));
	ut_ring_put(page, msg + 10, sizeof(h) + h.len - 10);
	ut_ring_kick(u, 5);
	assert_true(ut_ring_read(page, &m));
	assert_int_equal(m.hdr.type, XS_WRITE);
	assert_int_equal(m.hdr.req_id, 9);
	assert_string_equal(ut_value(u->priv, 0, "/local/domain/5/wrapped"), "value");
	ut_free(u);
}

static void reply_larger_than_the_ring_arrives_as_the_guest_makes_room(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	char value[3000], got[XS_HEADER_SIZE + 3000];
	struct xs_msg_header h;
	uint32_t have = 0;
	unsigned kicks = 0;

	(void)state;
	ut_hv_attach(u);
	ut_make_home(u, 5);
	memset(value, 'q', sizeof(value));
	assert_ok(ut_writen(u->priv, 0, "/local/domain/5/big", value, sizeof(value)));
	page = ut_ring_introduce(u, 5);
	ut_ring_request(page, XS_READ, 1, 0, "big", 4);
	ut_ring_kick(u, 5);
	while (have < sizeof(got)) {
		uint32_t n = ut_ring_take(page, got + have, (uint32_t)sizeof(got) - have);
		assert_true(n <= XS_RING_SIZE);
		have += n;
		ut_ring_kick(u, 5);
		assert_true(++kicks < 20);
	}
	memcpy(&h, got, sizeof(h));
	assert_int_equal(h.type, XS_READ);
	assert_int_equal(h.len, sizeof(value));
	assert_memory_equal(got + sizeof(h), value, sizeof(value));
	ut_free(u);
}

static void watch_event_reaches_the_guest_at_the_end_of_the_round(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	struct ut_msg m;
	char buf[64];

	(void)state;
	ut_hv_attach(u);
	ut_make_home(u, 5);
	page = ut_ring_introduce(u, 5);
	ut_ring_request(page, XS_WATCH, 1, 0, buf, (uint32_t)ut_args(buf, sizeof(buf), "dev", "tok", NULL));
	ut_ring_kick(u, 5);
	assert_true(ut_ring_read(page, &m));
	assert_int_equal(m.hdr.type, XS_WATCH);
	assert_true(ut_ring_read(page, &m));
	assert_int_equal(m.hdr.type, XS_WATCH_EVENT);
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/dev/x", "1"));
	conn_end_of_round(&u->d);
	assert_true(ut_ring_read(page, &m));
	assert_int_equal(m.hdr.type, XS_WATCH_EVENT);
	assert_string_equal(m.body, "dev/x");
	assert_string_equal(m.body + 6, "tok");
	ut_free(u);
}

/* Quota outstanding (PROTOCOL.md §2.6): a guest that does not take its replies is
 * not served further; once it reads them, every request is answered, in
 * order. */
static void guest_not_reading_replies_is_held_back_then_served_in_order(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	struct ut_msg m;
	uint32_t next = 1;
	unsigned rounds = 0;
	size_t most = 0;

	(void)state;
	ut_hv_attach(u);
	u->d.model.quotas.hard[QUOTA_OUTSTANDING] = 20;
	page = ut_ring_introduce(u, 5);
	for (uint32_t i = 1; i <= 56; i++)
		ut_ring_request(page, XS_GET_DOMAIN_PATH, i, 0, "5", 2);
	ut_ring_kick(u, 5);
	while (next <= 56) {
		struct conn *c = ut_ring_conn(u, 5);
		if (conn_pending_output(c) > most)
			most = conn_pending_output(c);
		while (ut_ring_read(page, &m)) {
			assert_int_equal(m.hdr.req_id, next);
			assert_string_equal(m.body, "/local/domain/5");
			next++;
		}
		ut_ring_kick(u, 5);
		assert_true(++rounds < 100);
	}
	/* Never more than the outstanding quota's worth of replies queued. */
	assert_true(most <= 20 * (XS_HEADER_SIZE + sizeof("/local/domain/5")));
	assert_true(rounds > 1);
	ut_free(u);
}

/* ---- misbehaving guests (XSA-325) ---- */

static void impossible_indexes_cut_the_connection_but_keep_the_domain(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	struct ut_msg m;

	(void)state;
	ut_hv_attach(u);
	ut_make_home(u, 5);
	page = ut_ring_introduce(u, 5);
	ut_watch(u->priv, "@releaseDomain", "rel");
	page->req_prod = page->req_cons + XS_RING_SIZE + 1;
	ut_ring_kick(u, 5);
	assert_int_equal(page->error, XS_RING_ERR_RINGIDX);
	assert_null(ut_ring_conn(u, 5));
	assert_false(ut_ring_read(page, &m));
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL));
	assert_string_equal(ut_reply(u->priv), "T");
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void oversized_message_sets_the_protocol_error(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	struct xs_msg_header h = { XS_WRITE, 1, 0, XS_PAYLOAD_MAX + 1 };

	(void)state;
	ut_hv_attach(u);
	page = ut_ring_introduce(u, 5);
	ut_ring_put(page, &h, sizeof(h));
	ut_ring_kick(u, 5);
	assert_int_equal(page->error, XS_RING_ERR_PROTO);
	assert_null(ut_ring_conn(u, 5));
	assert_true(domain_find(&u->d.model.domains, 5)->introduced);
	ut_free(u);
}

static void error_field_is_left_alone_without_the_error_feature(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;

	(void)state;
	ut_hv_attach(u);
	u->hv->state[5] = HV_DOM_RUNNING;
	assert_ok(ut_callv(u->priv, XS_SET_FEATURE, 0, "5", "0", NULL));
	page = ut_ring_introduce(u, 5);
	assert_int_equal(page->server_features & XS_FEATURE_ERROR, 0);
	page->req_prod = page->req_cons + XS_RING_SIZE + 1;
	ut_ring_kick(u, 5);
	assert_int_equal(page->error, XS_RING_ERR_NONE);
	ut_free(u);
}

/* ---- starting over ---- */

static void reconnect_request_drops_watches_and_transactions(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	struct conn *c;
	struct ut_msg m;
	char buf[64];

	(void)state;
	ut_hv_attach(u);
	ut_make_home(u, 5);
	page = ut_ring_introduce(u, 5);
	ut_ring_request(page, XS_WATCH, 1, 0, buf, (uint32_t)ut_args(buf, sizeof(buf), "a", "t", NULL));
	ut_ring_request(page, XS_TRANSACTION_START, 2, 0, "", 1);
	ut_ring_kick(u, 5);
	c = ut_ring_conn(u, 5);
	assert_int_equal(c->nwatches, 1);
	assert_int_equal(c->ntxns, 1);
	page->connection = XS_RING_RECONNECT;
	ut_ring_kick(u, 5);
	assert_int_equal(page->connection, XS_RING_CONNECTED);
	assert_int_equal(page->rsp_prod, 0);
	assert_int_equal(page->req_prod, 0);
	assert_ptr_equal(ut_ring_conn(u, 5), c);
	assert_int_equal(c->nwatches, 0);
	assert_null(c->txns);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->watches, 0);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->transactions, 0);
	/* And the ring works afterwards. */
	ut_ring_request(page, XS_GET_DOMAIN_PATH, 3, 0, "5", 2);
	ut_ring_kick(u, 5);
	assert_true(ut_ring_read(page, &m));
	assert_int_equal(m.hdr.req_id, 3);
	ut_free(u);
}

/* PROTOCOL.md §1.5: every INTRODUCE resets the domain connection (drops
 * watches, transactions, queued output; all four ring indexes to 0). */
static void reintroduce_starts_the_connection_over(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	struct ut_msg m;
	char buf[64];

	(void)state;
	ut_hv_attach(u);
	ut_make_home(u, 5);
	page = ut_ring_introduce(u, 5);
	ut_watch(u->priv, "@introduceDomain", "intro");
	ut_ring_request(page, XS_WATCH, 1, 0, buf, (uint32_t)ut_args(buf, sizeof(buf), "a", "t", NULL));
	ut_ring_request(page, XS_TRANSACTION_START, 2, 0, "", 1);
	ut_ring_kick(u, 5);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->watches, 1);
	assert_ok(ut_callv(u->priv, XS_INTRODUCE, 0, "5", "1", "105", NULL));
	ut_expect_quiet(u->priv);
	assert_int_equal(page->rsp_prod, 0);
	assert_int_equal(page->rsp_cons, 0);
	assert_int_equal(page->req_prod, 0);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->watches, 0);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->transactions, 0);
	assert_int_equal(ut_ring_conn(u, 5)->nwatches, 0);
	assert_int_equal(u->hv->maps[5], 1);
	ut_ring_request(page, XS_GET_DOMAIN_PATH, 3, 0, "5", 2);
	ut_ring_kick(u, 5);
	assert_true(ut_ring_read(page, &m));
	assert_int_equal(m.hdr.req_id, 3);
	ut_free(u);
}

/* ---- domain life (PROTOCOL.md §2.7) ---- */

static void dead_domain_is_released_and_announced(void **state)
{
	struct ut *u = ut_new();
	struct xs_ring_page *page;
	char buf[64];

	(void)state;
	ut_hv_attach(u);
	ut_make_home(u, 5);
	page = ut_ring_introduce(u, 5);
	ut_ring_request(page, XS_WRITE, 1, 0, buf,
			(uint32_t)ut_args(buf, sizeof(buf), "mine", NULL));
	ut_ring_kick(u, 5);
	assert_int_equal(ut_nodes_owned(u, 5), 1);
	ut_watch(u->priv, "@releaseDomain", "rel");
	u->hv->state[5] = HV_DOM_DYING;
	domain_check_states(&u->d);
	ut_expect_event(u->priv, "@releaseDomain", "rel");
	ut_expect_quiet(u->priv);
	assert_null(ut_ring_conn(u, 5));
	assert_int_equal(u->hv->maps[5], 0);
	assert_err(ut_read(u->priv, 0, "/local/domain/5/mine"), ENOENT);
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL));
	assert_string_equal(ut_reply(u->priv), "F");
	/* Once is enough. */
	domain_check_states(&u->d);
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void shutdown_is_announced_once_until_resume(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_hv_attach(u);
	ut_ring_introduce(u, 5);
	ut_watch(u->priv, "@releaseDomain", "rel");
	u->hv->state[5] = HV_DOM_SHUTDOWN;
	domain_check_states(&u->d);
	ut_expect_event(u->priv, "@releaseDomain", "rel");
	domain_check_states(&u->d);
	ut_expect_quiet(u->priv);
	assert_non_null(ut_ring_conn(u, 5));
	assert_ok(ut_callv(u->priv, XS_RESUME, 0, "5", NULL));
	domain_check_states(&u->d);
	ut_expect_event(u->priv, "@releaseDomain", "rel");
	ut_free(u);
}

static void set_feature_for_a_domain_the_hypervisor_does_not_know_is_enoent(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_hv_attach(u);
	assert_err(ut_callv(u->priv, XS_SET_FEATURE, 0, "9", "2", NULL), ENOENT);
	u->hv->state[9] = HV_DOM_RUNNING;
	assert_ok(ut_callv(u->priv, XS_SET_FEATURE, 0, "9", "2", NULL));
	ut_free(u);
}

/* ---- one guest cannot hold the daemon (issue 9) ---- */

/* A guest on another vCPU, acting at each of the daemon's notifications
 * (the hook runs inside the daemon's ring loop): it takes the replies and
 * either puts one more request on the ring or moves req_cons back over
 * the one or two requests just consumed (alternately, so the index never
 * returns to where the daemon last saw it), so the daemon finds work
 * again.  It gives up after `limit` times so that a daemon without a
 * bound still returns. */
struct busy_guest {
	struct xs_ring_page *page;
	bool rewind;
	unsigned acts, limit;
};

static void busy_guest_act(struct fake_hv *h, int port, void *arg)
{
	struct busy_guest *g = arg;
	char sink[XS_RING_SIZE];
	static const char path[] = "domid";

	(void)h;
	(void)port;
	while (ut_ring_take(g->page, sink, sizeof(sink)))
		;
	if (g->acts >= g->limit)
		return;
	g->acts++;
	if (g->rewind)
		g->page->req_cons -= (uint32_t)(XS_HEADER_SIZE + sizeof(path)) * (1 + g->acts % 2);
	else if (ring_avail(g->page->req_cons, g->page->req_prod) == 0)
		ut_ring_request(g->page, XS_READ, g->acts, 0, path, sizeof(path));
}

static void busy_guest_gets_a_bounded_share_per_event(bool rewind)
{
	struct ut *u = ut_new();
	struct fake_hv *h = ut_hv_attach(u);
	struct busy_guest g = { .rewind = rewind, .limit = 100000 };
	uint64_t served;
	struct conn *c;
	unsigned rounds = 0;

	ut_make_home(u, 5);
	g.page = ut_ring_introduce(u, 5);
	c = ut_ring_conn(u, 5);
	ut_ring_request(g.page, XS_READ, 1, 0, "domid", 6);
	ut_ring_request(g.page, XS_READ, 2, 0, "domid", 6);
	h->on_notify = busy_guest_act;
	h->on_notify_arg = &g;
	served = c->requests;
	ring_conn_event(c);
	/* A few ring-fulls of these small requests, far below the limit. */
	assert_true(c->requests - served > 1);
	assert_true(c->requests - served <= 1000);
	assert_true(g.acts < g.limit);
	/* The rest comes at the end of the round, a bounded share again,
	 * and the loop is told not to sleep meanwhile. */
	served = c->requests;
	assert_true(conn_end_of_round(&u->d));
	assert_true(c->requests - served > 1 && c->requests - served <= 1000);
	/* Once the guest stops, the work runs out within a few rounds. */
	g.limit = g.acts;
	while (conn_end_of_round(&u->d))
		assert_true(++rounds < 10);
	assert_false(ring_conn_broken(c));
	h->on_notify = NULL;
	ut_free(u);
}

static void guest_producing_from_another_vcpu_gets_a_bounded_share_per_event(void **state)
{
	(void)state;
	busy_guest_gets_a_bounded_share_per_event(false);
}

static void guest_moving_req_cons_back_gets_a_bounded_share_per_event(void **state)
{
	(void)state;
	busy_guest_gets_a_bounded_share_per_event(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_avail_accepts_up_to_a_full_ring_and_wraps),
		cmocka_unit_test(ring_copies_wrap_around_the_end),
		cmocka_unit_test(introduce_connects_the_ring_and_advertises_features),
		cmocka_unit_test(introduce_of_a_domain_the_hypervisor_does_not_know_fails),
		cmocka_unit_test(guest_request_over_the_ring_gets_its_reply_and_a_notification),
		cmocka_unit_test(message_straddling_the_wrap_and_split_across_kicks_is_reassembled),
		cmocka_unit_test(reply_larger_than_the_ring_arrives_as_the_guest_makes_room),
		cmocka_unit_test(watch_event_reaches_the_guest_at_the_end_of_the_round),
		cmocka_unit_test(guest_not_reading_replies_is_held_back_then_served_in_order),
		cmocka_unit_test(impossible_indexes_cut_the_connection_but_keep_the_domain),
		cmocka_unit_test(oversized_message_sets_the_protocol_error),
		cmocka_unit_test(error_field_is_left_alone_without_the_error_feature),
		cmocka_unit_test(reconnect_request_drops_watches_and_transactions),
		cmocka_unit_test(reintroduce_starts_the_connection_over),
		cmocka_unit_test(dead_domain_is_released_and_announced),
		cmocka_unit_test(shutdown_is_announced_once_until_resume),
		cmocka_unit_test(set_feature_for_a_domain_the_hypervisor_does_not_know_is_enoent),
		cmocka_unit_test(guest_producing_from_another_vcpu_gets_a_bounded_share_per_event),
		cmocka_unit_test(guest_moving_req_cons_back_gets_a_bounded_share_per_event),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
