/* test_live_update.c - the migration stream (lu_stream.c) and the state it
 * carries (live_update.c): what the daemon writes it reads back whole, C
 * xenstored 4.17's own stream is read, and every malformed stream is
 * refused with a reason instead of being half applied (PROTOCOL.md §6). */
#include "unit.h"

#include "live_update.h"
#include "lu_stream.h"

/* The socket connections of a restored stream become fake clients. */
static struct ut *adopting;
static int adopted_fds[8];
static struct ut_peer *adopted[8];
static unsigned nadopted;

static struct conn *adopt_peer(struct daemon *d, int fd)
{
	struct ut_peer *p = ut_peer(adopting, 0);

	(void)d;
	if (nadopted < 8) {
		adopted_fds[nadopted] = fd;
		adopted[nadopted++] = p;
	}
	return p->conn;
}

static const struct lu_adopt adopt = { adopt_peer };

static struct ut *restore(const void *data, size_t len, int expect, char *err, size_t errlen)
{
	struct ut *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	assert_ok(daemon_init(&u->d));
	adopting = u;
	nadopted = 0;
	assert_err(live_update_restore(&u->d, data, len, &adopt, err, errlen), expect);
	u->priv = ut_peer(u, 0);
	return u;
}

static void dump(struct ut *u, struct lu_buf *b, const struct conn *lu_conn,
		 const struct xs_msg_header *h)
{
	memset(b, 0, sizeof(*b));
	assert_ok(live_update_dump(&u->d, b, 3, lu_conn, h));
}

/* A store with values, permissions, a watch with a depth, quotas, a
 * domain's features and quota override. */
static struct ut *sample(void)
{
	struct ut *u = ut_new();
	struct domain *dom;

	assert_ok(ut_write(u->priv, 0, "/a/b", "hello"));
	assert_ok(ut_write(u->priv, 0, "/a/c", ""));
	assert_ok(ut_write(u->priv, 0, "/a/a", "third child, first name"));
	assert_ok(ut_writen(u->priv, 0, "/bin", "\0\1\2", 3));
	assert_ok(ut_set_perms(u->priv, 0, "/a/b", "n5", "r7", "w0"));
	ut_watch_depth(u->priv, "/a", "tok", 1);
	ut_discard(u->priv);
	u->d.model.quotas.hard[QUOTA_NODES] = 4321;
	u->d.model.quotas.soft_memory = 99;
	dom = domain_get(&u->d.model.domains, 5, 0);
	assert_non_null(dom);
	dom->features = XS_FEATURE_ERROR;
	dom->features_set = true;
	dom->quota[QUOTA_TRANSACTIONS] = 3;
	return u;
}

static void the_state_read_back_is_the_state_written(void **state)
{
	struct ut *u = sample(), *v;
	struct ut_peer *p;
	struct lu_buf b;
	struct domain *dom;
	char err[256];

	(void)state;
	dump(u, &b, NULL, NULL);
	v = restore(b.data, b.len, 0, err, sizeof(err));
	assert_int_equal(nadopted, 1);
	p = adopted[0];
	assert_string_equal(ut_value(p, 0, "/a/b"), "hello");
	assert_string_equal(ut_children(p, 0, "/a"), "b,c,a");
	assert_string_equal(ut_perms(p, 0, "/a/b"), "n5,r7,w0");
	assert_int_equal(v->d.model.store.nodes.count, u->d.model.store.nodes.count);
	assert_ok(ut_read(p, 0, "/bin"));
	assert_int_equal(p->reply.hdr.len, 3);
	assert_memory_equal(p->reply.body, "\0\1\2", 3);
	assert_int_equal(v->d.model.quotas.hard[QUOTA_NODES], 4321);
	assert_int_equal(v->d.model.quotas.soft_memory, 99);
	dom = domain_find(&v->d.model.domains, 5);
	assert_non_null(dom);
	assert_true(dom->features_set);
	assert_int_equal(dom->features, XS_FEATURE_ERROR);
	assert_int_equal(dom->quota[QUOTA_TRANSACTIONS], 3);
	/* The watch came back with its depth: /a/b fires, /a/b/c does not. */
	assert_ok(ut_write(v->priv, 0, "/a/b/c", "deep"));
	assert_int_equal(ut_pending(p), 0);
	assert_ok(ut_write(v->priv, 0, "/a/b", "again"));
	assert_int_equal(ut_pending(p), 1);
	lu_buf_free(&b);
	ut_free(v);
	ut_free(u);
}

static void pending_output_and_the_update_reply_go_to_the_client(void **state)
{
	struct ut *u = sample(), *v;
	struct xs_msg_header h = { XS_CONTROL, 42, 0, 0 };
	struct ut_msg m;
	struct lu_buf b;
	char err[256];

	(void)state;
	/* An event queued and not yet sent, then the -s request's OK. */
	assert_ok(conn_queue(u->priv->conn, XS_WATCH_EVENT, 0, 0, "/a\0tok", 7));
	dump(u, &b, u->priv->conn, &h);
	v = restore(b.data, b.len, 0, err, sizeof(err));
	ut_flush(adopted[0]);
	assert_true(ut_pop(adopted[0], &m));
	assert_int_equal(m.hdr.type, XS_WATCH_EVENT);
	assert_memory_equal(m.body, "/a\0tok", 7);
	assert_true(ut_pop(adopted[0], &m));
	assert_int_equal(m.hdr.type, XS_CONTROL);
	assert_int_equal(m.hdr.req_id, 42);
	assert_string_equal(m.body, "OK");
	lu_buf_free(&b);
	ut_free(v);
	ut_free(u);
}

/* Captured from Debian's C xenstored 4.17 (xenstore-control live-update
 * of its own binary): dom0's ring, two sockets (fds 7 and 8, the second
 * with the pending OK), a watch on /a, the tree and the special nodes. */
static const uint8_t c417_stream[] = {
  0x78, 0x65, 0x6e, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x00, 0x00, 0x01,
  0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
  0x03, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
  0x18, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0xf4, 0x7f, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
  0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x03, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
  0x03, 0x00, 0x03, 0x00, 0x2f, 0x61, 0x00, 0x2f, 0x61, 0x00, 0x00, 0x00,
  0x02, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
  0x4f, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
  0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00,
  0x40, 0x72, 0x65, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x44, 0x6f, 0x6d, 0x61,
  0x69, 0x6e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
  0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00,
  0x40, 0x69, 0x6e, 0x74, 0x72, 0x6f, 0x64, 0x75, 0x63, 0x65, 0x44, 0x6f,
  0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
  0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00,
  0x2f, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00, 0x2f, 0x74, 0x6f, 0x6f,
  0x6c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
  0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00,
  0x2f, 0x74, 0x6f, 0x6f, 0x6c, 0x2f, 0x78, 0x65, 0x6e, 0x73, 0x74, 0x6f,
  0x72, 0x65, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
  0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00,
  0x2f, 0x61, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x05, 0x00,
  0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00, 0x2f, 0x61, 0x2f, 0x62,
  0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
  0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x6e, 0x00, 0x00, 0x00,
  0x2f, 0x61, 0x2f, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

static void c_xenstored_4_17_stream_is_read(void **state)
{
	struct ut *v;
	struct ut_msg m;
	char err[256];

	(void)state;
	v = restore(c417_stream, sizeof(c417_stream), 0, err, sizeof(err));
	assert_int_equal(nadopted, 2);
	assert_int_equal(adopted_fds[0], 7);
	assert_int_equal(adopted_fds[1], 8);
	assert_string_equal(ut_value(v->priv, 0, "/a/b"), "hello");
	assert_string_equal(ut_children(v->priv, 0, "/"), "tool,a");
	assert_true(domain_find(&v->d.model.domains, 0)->introduced);
	/* The second socket had the update's OK pending. */
	ut_flush(adopted[1]);
	assert_true(ut_pop(adopted[1], &m));
	assert_string_equal(m.body, "OK");
	/* The first one's watch on /a still fires. */
	assert_ok(ut_write(v->priv, 0, "/a/new", "1"));
	assert_int_equal(ut_pending(adopted[0]), 1);
	ut_free(v);
}

static void every_truncation_is_refused(void **state)
{
	struct ut *u = sample(), *v;
	struct lu_buf b;
	char err[256];

	(void)state;
	dump(u, &b, NULL, NULL);
	for (size_t len = 0; len < b.len; len += len < 64 ? 1 : 7) {
		v = restore(b.data, len, EINVAL, err, sizeof(err));
		assert_true(err[0] != '\0');
		daemon_destroy(&v->d);
		while (v->peers) {
			struct ut_peer *p = v->peers;
			v->peers = p->next;
			free(p->rx);
			free(p);
		}
		free(v);
	}
	lu_buf_free(&b);
	ut_free(u);
}

static void assert_refused(const uint8_t *data, size_t len, const char *reason)
{
	struct ut *v;
	char err[256];

	v = restore(data, len, EINVAL, err, sizeof(err));
	if (!strstr(err, reason))
		fail_msg("reason '%s' does not say '%s'", err, reason);
	daemon_destroy(&v->d);
	while (v->peers) {
		struct ut_peer *p = v->peers;
		v->peers = p->next;
		free(p->rx);
		free(p);
	}
	free(v);
}

static void malformed_streams_are_refused_with_the_reason(void **state)
{
	uint8_t s[sizeof(c417_stream)];

	(void)state;
	memcpy(s, c417_stream, sizeof(s));
	s[11] = 3; /* version 3 */
	assert_refused(s, sizeof(s), "unknown state stream version 3");
	memcpy(s, c417_stream, sizeof(s));
	s[15] = 1; /* big-endian records */
	assert_refused(s, sizeof(s), "big-endian");
	memcpy(s, c417_stream, sizeof(s));
	s[16 + 7] = 0x7f; /* GLOBAL's length: beyond the stream */
	assert_refused(s, sizeof(s), "overrun");
	memcpy(s, c417_stream, sizeof(s));
	memcpy(s, "xenstorf", 8);
	assert_refused(s, sizeof(s), "not a xenstore state stream");
	assert_refused(c417_stream, sizeof(c417_stream) - 8, "no END record");
}

static void a_node_before_its_parent_is_refused(void **state)
{
	struct lu_buf b = { 0 };
	size_t rec;

	(void)state;
	lu_put_preamble(&b, 1);
	rec = lu_begin_record(&b, LU_REC_NODE);
	lu_put_u32(&b, 0);
	lu_put_u32(&b, 0);
	lu_put_u16(&b, 5);
	lu_put_u16(&b, 0);
	lu_put_u16(&b, 0);
	lu_put_u16(&b, 1);
	lu_put(&b, "n\0\0\0", 4);
	lu_put(&b, "/x/y", 5);
	lu_end_record(&b, rec);
	lu_begin_record(&b, LU_REC_END);
	assert_refused(b.data, b.len, "before its parent");
	lu_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_state_read_back_is_the_state_written),
		cmocka_unit_test(pending_output_and_the_update_reply_go_to_the_client),
		cmocka_unit_test(c_xenstored_4_17_stream_is_read),
		cmocka_unit_test(every_truncation_is_refused),
		cmocka_unit_test(malformed_streams_are_refused_with_the_reason),
		cmocka_unit_test(a_node_before_its_parent_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
