/* test_wire.c - the wire format (PROTOCOL.md §1): names, argument splitting,
 * domid parsing, and what the dispatcher and framing do with messages. */
#include "unit.h"

/* ---- wire.c ---- */

static void message_type_numbers_are_xens_abi(void **state)
{
	(void)state;
	assert_int_equal(XS_CONTROL, 0);
	assert_int_equal(XS_WATCH_EVENT, 15);
	assert_int_equal(XS_ERROR, 16);
	assert_int_equal(XS_RESET_WATCHES, 21);
	assert_int_equal(XS_SET_QUOTA, 26);
	assert_int_equal(XS_TYPE_COUNT, 27);
	assert_int_equal(sizeof(struct xs_msg_header), 16);
	assert_int_equal(offsetof(struct xs_msg_header, req_id), 4);
	assert_int_equal(offsetof(struct xs_msg_header, tx_id), 8);
	assert_int_equal(offsetof(struct xs_msg_header, len), 12);
}

static void type_names_cover_every_type_and_nothing_else(void **state)
{
	(void)state;
	assert_string_equal(xs_type_name(XS_READ), "XS_READ");
	assert_string_equal(xs_type_name(XS_DIRECTORY_PART), "XS_DIRECTORY_PART");
	assert_string_equal(xs_type_name(XS_SET_QUOTA), "XS_SET_QUOTA");
	/* Xen names the removed type 20 so (docs/misc/xenstore.txt). */
	assert_string_equal(xs_type_name(20), "XS_RESTRICT");
	for (uint32_t t = 0; t < XS_TYPE_COUNT; t++)
		assert_non_null(xs_type_name(t));
	assert_string_equal(xs_type_name(XS_TYPE_COUNT), "XS_UNKNOWN");
	assert_string_equal(xs_type_name(0xffff), "XS_UNKNOWN");
}

static void error_names_follow_xens_table(void **state)
{
	static const struct {
		int err;
		const char *name;
	} table[] = {
		{ EINVAL, "EINVAL" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" },
		{ EISDIR, "EISDIR" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
		{ ENOSPC, "ENOSPC" }, { EIO, "EIO" }, { ENOTEMPTY, "ENOTEMPTY" },
		{ ENOSYS, "ENOSYS" }, { EROFS, "EROFS" }, { EBUSY, "EBUSY" },
		{ EAGAIN, "EAGAIN" }, { EISCONN, "EISCONN" }, { E2BIG, "E2BIG" },
		{ EPERM, "EPERM" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_string_equal(xs_error_name(table[i].err), table[i].name);
		assert_int_equal(xs_error_from_name(table[i].name), table[i].err);
	}
}

static void errno_outside_the_table_is_sent_as_einval(void **state)
{
	(void)state;
	assert_string_equal(xs_error_name(EBADF), "EINVAL");
	assert_string_equal(xs_error_name(0), "EINVAL");
	assert_int_equal(xs_error_from_name("EQUOTA"), 0);
	assert_int_equal(xs_error_from_name(""), 0);
}

static void args_are_counted_by_their_nuls(void **state)
{
	(void)state;
	assert_int_equal(xs_count_args("", 0), 0);
	assert_int_equal(xs_count_args("a", 1), 0);
	assert_int_equal(xs_count_args("a\0", 2), 1);
	assert_int_equal(xs_count_args("a\0\0b\0", 5), 3);
	assert_int_equal(xs_count_args("a\0b", 3), 1);
}

static void split_ignores_bytes_after_the_last_nul(void **state)
{
	const char *argv[4];

	(void)state;
	assert_int_equal(xs_split_args("/p\0tok\0junk", 11, argv, 4), 2);
	assert_string_equal(argv[0], "/p");
	assert_string_equal(argv[1], "tok");
	assert_int_equal(xs_split_args("a\0\0c\0", 5, argv, 4), 3);
	assert_string_equal(argv[1], "");
	assert_string_equal(argv[2], "c");
	/* Never more than max. */
	assert_int_equal(xs_split_args("a\0b\0c\0", 6, argv, 2), 2);
}

static void one_arg_needs_exactly_one_nul_at_the_end(void **state)
{
	(void)state;
	assert_non_null(xs_one_arg("abc", 4));
	assert_string_equal(xs_one_arg("abc", 4), "abc");
	assert_non_null(xs_one_arg("", 1));
	assert_null(xs_one_arg("abc", 3));
	assert_null(xs_one_arg("a\0b", 4));
	assert_null(xs_one_arg("a\0b", 3));
	assert_null(xs_one_arg("", 0));
}

static void domid_parses_like_c_strtoul_base_10(void **state)
{
	static const char *const bad[] = {
		"65536", "-1", "1x", "0x10", "99999999999999999999", "5 ",
	};
	unsigned id = 99;

	(void)state;
	assert_ok(xs_parse_domid("0", &id));
	assert_int_equal(id, 0);
	assert_ok(xs_parse_domid("65535", &id));
	assert_int_equal(id, 65535);
	assert_ok(xs_parse_domid("010", &id));
	assert_int_equal(id, 10);
	assert_ok(xs_parse_domid("", &id));
	assert_int_equal(id, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (xs_parse_domid(bad[i], &id) != EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
}

/* ---- dispatch ---- */

static void reply_copies_req_id_and_tx_id(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = u->priv;
	uint32_t tx = ut_txn_start(p);
	struct ut_msg m;

	(void)state;
	ut_feed(p, XS_READ, 0xdeadbeef, tx, "/tool", 6);
	conn_readable(p->conn);
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.type, XS_READ);
	assert_int_equal(m.hdr.req_id, 0xdeadbeef);
	assert_int_equal(m.hdr.tx_id, tx);
	assert_int_equal(m.hdr.len, 0);
	ut_expect_quiet(p);
	ut_free(u);
}

static void error_reply_has_type_error_and_the_requests_ids(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = u->priv;
	uint32_t tx = ut_txn_start(p);
	struct ut_msg m;

	(void)state;
	ut_feed(p, XS_READ, 42, tx, "/missing", 9);
	conn_readable(p->conn);
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.type, XS_ERROR);
	assert_int_equal(m.hdr.req_id, 42);
	assert_int_equal(m.hdr.tx_id, tx);
	assert_int_equal(m.hdr.len, 7);
	assert_memory_equal(m.body, "ENOENT", 7);
	ut_free(u);
}

static void unknown_and_daemon_only_types_are_enosys(void **state)
{
	static const uint32_t types[] = {
		XS_WATCH_EVENT, XS_ERROR, XS_RESTRICT, XS_TYPE_COUNT, 100, 0xffff,
	};
	struct ut *u = ut_new();

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int err = ut_callv(u->priv, types[i], 0, "/tool", "x", NULL);
		if (err != ENOSYS)
			fail_msg("type %u: %s", types[i], ut_errname(err));
		assert_int_equal(u->priv->reply.hdr.type, XS_ERROR);
	}
	ut_free(u);
}

static void privileged_operations_refuse_guests(void **state)
{
	static const uint32_t types[] = {
		XS_CONTROL, XS_INTRODUCE, XS_RELEASE, XS_RESUME, XS_SET_TARGET,
		XS_IS_DOMAIN_INTRODUCED, XS_SET_FEATURE, XS_GET_QUOTA, XS_SET_QUOTA,
	};
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int err = ut_callv(g, types[i], 0, "5", "1", "1", NULL);
		if (err != EACCES)
			fail_msg("%s: %s", xs_type_name(types[i]), ut_errname(err));
	}
	ut_free(u);
}

static void single_argument_commands_need_exactly_one_string(void **state)
{
	static const uint32_t types[] = {
		XS_READ, XS_DIRECTORY, XS_MKDIR, XS_RM, XS_GET_PERMS, XS_GET_DOMAIN_PATH,
		XS_RELEASE, XS_RESUME, XS_IS_DOMAIN_INTRODUCED,
	};
	struct ut *u = ut_new();

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int err;
		if ((err = ut_call(u->priv, types[i], 0, "/tool\0/x", 9)) != EINVAL)
			fail_msg("%s with two strings: %s", xs_type_name(types[i]),
				 ut_errname(err));
		if ((err = ut_call(u->priv, types[i], 0, "/tool", 5)) != EINVAL)
			fail_msg("%s without NUL: %s", xs_type_name(types[i]), ut_errname(err));
		if ((err = ut_call(u->priv, types[i], 0, "/tool\0x", 7)) != EINVAL)
			fail_msg("%s with junk after NUL: %s", xs_type_name(types[i]),
				 ut_errname(err));
	}
	assert_non_null(store_lookup(&u->d.model.store, "/tool", 5));
	ut_free(u);
}

static void multi_argument_commands_ignore_bytes_after_the_last_nul(void **state)
{
	struct ut *u = ut_new();
	static const char watch[] = "/w\0tok\0reserved";
	static const char perms[] = "/tool\0n0\0r5\0junk";

	(void)state;
	assert_ok(ut_call(u->priv, XS_WATCH, 0, watch, sizeof(watch) - 1));
	ut_expect_event(u->priv, "/w", "tok");
	assert_ok(ut_call(u->priv, XS_SET_PERMS, 0, perms, sizeof(perms) - 1));
	assert_string_equal(ut_perms(u->priv, 0, "/tool"), "n0,r5");
	ut_free(u);
}

static void ok_reply_is_three_bytes(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/ok"));
	assert_int_equal(u->priv->reply.hdr.len, 3);
	assert_memory_equal(ut_reply(u->priv), "OK", 3);
	ut_free(u);
}

static void get_domain_path_needs_no_privilege_or_existence(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_callv(g, XS_GET_DOMAIN_PATH, 0, "77", NULL));
	assert_int_equal(g->reply.hdr.len, sizeof("/local/domain/77"));
	assert_string_equal(ut_reply(g), "/local/domain/77");
	assert_ok(ut_callv(g, XS_GET_DOMAIN_PATH, 0, "", NULL));
	assert_string_equal(ut_reply(g), "/local/domain/0");
	assert_err(ut_callv(g, XS_GET_DOMAIN_PATH, 0, "x", NULL), EINVAL);
	assert_err(ut_callv(g, XS_GET_DOMAIN_PATH, 0, "65536", NULL), EINVAL);
	ut_free(u);
}

static void control_rejects_unknown_commands_and_runs_check(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_callv(u->priv, XS_CONTROL, 0, "no-such-command", NULL), EINVAL);
	assert_err(ut_call(u->priv, XS_CONTROL, 0, NULL, 0), EINVAL);
	assert_ok(ut_callv(u->priv, XS_CONTROL, 0, "check", NULL));
	assert_string_equal(ut_reply(u->priv), "OK");
	assert_ok(ut_callv(u->priv, XS_CONTROL, 0, "help", NULL));
	assert_non_null(strstr(ut_reply(u->priv), "check"));
	ut_free(u);
}

/* ---- framing and flow control (conn.c) ---- */

static void pipelined_requests_get_one_reply_each_in_order(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = u->priv;
	struct ut_msg m;

	(void)state;
	ut_feed(p, XS_WRITE, 1, 0, "/pipe\0v", 7);
	ut_feed(p, XS_READ, 2, 0, "/pipe", 6);
	ut_feed(p, XS_READ, 3, 0, "/none", 6);
	conn_readable(p->conn);
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.req_id, 1);
	assert_int_equal(m.hdr.type, XS_WRITE);
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.req_id, 2);
	assert_int_equal(m.hdr.type, XS_READ);
	assert_string_equal(m.body, "v");
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.req_id, 3);
	assert_int_equal(m.hdr.type, XS_ERROR);
	ut_expect_quiet(p);
	ut_free(u);
}

static void request_split_across_reads_is_reassembled(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = u->priv;
	struct ut_msg m;
	unsigned reads = 0;

	(void)state;
	p->io.chunk = 5;
	ut_feed(p, XS_WRITE, 9, 0, "/split\0value", 12);
	while (fake_io_unread(&p->io)) {
		assert_int_equal(ut_pending(p), 0);
		conn_readable(p->conn);
		reads++;
	}
	assert_true(reads >= 5);
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.req_id, 9);
	assert_int_equal(m.hdr.type, XS_WRITE);
	ut_expect_quiet(p);
	assert_string_equal(ut_value(p, 0, "/split"), "value");
	ut_free(u);
}

static void payload_of_exactly_4096_bytes_is_accepted(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = u->priv;
	char *buf = malloc(XS_PAYLOAD_MAX);
	struct ut_msg m;

	(void)state;
	assert_non_null(buf);
	memset(buf, 'v', XS_PAYLOAD_MAX);
	memcpy(buf, "/max", 5);
	ut_feed(p, XS_WRITE, 1, 0, buf, XS_PAYLOAD_MAX);
	conn_readable(p->conn);
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.type, XS_WRITE);
	assert_int_equal(store_lookup(&u->d.model.store, "/max", 4)->value_len, XS_PAYLOAD_MAX - 5);
	free(buf);
	ut_free(u);
}

static void oversized_payload_closes_the_connection(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = ut_peer(u, 0);
	char *buf = calloc(1, XS_PAYLOAD_MAX + 1);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "/big", 5);
	ut_feed(p, XS_WRITE, 1, 0, buf, XS_PAYLOAD_MAX + 1);
	conn_readable(p->conn);
	assert_true(p->conn->dead);
	assert_true(p->io.destroyed);
	assert_int_equal(p->rx_len, 0);
	assert_null(store_lookup(&u->d.model.store, "/big", 4));
	free(buf);
	ut_free(u);
}

static void end_of_stream_closes_the_connection(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = ut_guest(u, 5);

	(void)state;
	ut_watch(p, "x", "t");
	conn_readable(p->conn); /* -EAGAIN: nothing to do */
	assert_false(p->conn->dead);
	p->io.eof = true;
	conn_readable(p->conn);
	assert_true(p->conn->dead);
	assert_true(p->io.destroyed);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->watches, 0);
	ut_free(u);
}

static void requests_wait_while_output_is_over_the_soft_limit(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = ut_peer(u, 0);
	struct ut_msg m;
	unsigned events = 0;

	(void)state;
	ut_watch(p, "/flood", "t");
	p->io.stalled = true;
	while (conn_pending_output(p->conn) <= OUT_SOFT_LIMIT) {
		assert_ok(ut_write(u->priv, 0, "/flood", "x"));
		events++;
	}
	ut_feed(p, XS_READ, 7, 0, "/flood", 7);
	conn_readable(p->conn);
	/* Held back: the request is not handled, the client is not read. */
	assert_false(p->io.want_in);
	p->io.stalled = false;
	conn_writable(p->conn);
	for (unsigned i = 0; i < events; i++)
		ut_expect_event(p, "/flood", "t");
	/* Drained: the client is read again and the request answered. */
	assert_true(p->io.want_in);
	conn_readable(p->conn);
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.req_id, 7);
	assert_int_equal(m.hdr.type, XS_READ);
	ut_free(u);
}

/*
 * Another client floods writes this one watches (issue 9 item 5): past
 * the hard limit its events are dropped, not its connection.  Once it has
 * read, each overflowed watch gets one event for its own path, and its
 * own requests are answered all along.
 */
static void client_that_never_reads_loses_events_not_its_connection(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = ut_peer(u, 0);
	struct ut_msg m;
	unsigned events = 0, queued = 0;

	(void)state;
	ut_watch(p, "/flood", "t");
	ut_watch(p, "/other", "o");
	ut_watch(p, "/quiet", "q");
	p->io.stalled = true;
	p->conn->out_hard_limit = 4096;
	for (unsigned i = 0; i < 1000; i++) {
		assert_ok(ut_write(u->priv, 0, "/flood/a", "x"));
		assert_ok(ut_write(u->priv, 0, "/other", "x"));
	}
	conn_end_of_round(&u->d);
	assert_null(p->conn->close_pending);
	assert_false(p->io.destroyed);
	assert_true(conn_pending_output(p->conn) <= 4096);
	assert_int_equal(p->conn->overflowed_watches, 2);
	assert_true(u->d.events_dropped > 1000);
	for (size_t off = p->conn->out_off; off < p->conn->out_len; queued++) {
		struct xs_msg_header h;
		memcpy(&h, p->conn->out + off, sizeof(h));
		off += sizeof(h) + h.len;
	}
	assert_int_equal(queued + u->d.events_dropped, 2000);
	/* Its own request is still answered; the queued events come first,
	 * then, the queue drained, one overflow event per overflowed watch
	 * for its own path. */
	ut_feed(p, XS_READ, 77, 0, "/flood/a", 9);
	p->io.stalled = false;
	conn_writable(p->conn);
	conn_readable(p->conn);
	while (events < queued && ut_pop(p, &m) && m.hdr.type == XS_WATCH_EVENT)
		events++;
	assert_int_equal(events, queued);
	assert_true(ut_take_event(p, "/flood", "t"));
	assert_true(ut_take_event(p, "/other", "o"));
	assert_true(ut_pop(p, &m));
	assert_int_equal(m.hdr.type, XS_READ);
	assert_int_equal(m.hdr.req_id, 77);
	assert_int_equal(ut_pending(p), 0);
	assert_int_equal(p->conn->overflowed_watches, 0);
	/* And events flow again. */
	assert_ok(ut_write(u->priv, 0, "/quiet", "y"));
	ut_expect_event(p, "/quiet", "q");
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(message_type_numbers_are_xens_abi),
		cmocka_unit_test(type_names_cover_every_type_and_nothing_else),
		cmocka_unit_test(error_names_follow_xens_table),
		cmocka_unit_test(errno_outside_the_table_is_sent_as_einval),
		cmocka_unit_test(args_are_counted_by_their_nuls),
		cmocka_unit_test(split_ignores_bytes_after_the_last_nul),
		cmocka_unit_test(one_arg_needs_exactly_one_nul_at_the_end),
		cmocka_unit_test(domid_parses_like_c_strtoul_base_10),
		cmocka_unit_test(reply_copies_req_id_and_tx_id),
		cmocka_unit_test(error_reply_has_type_error_and_the_requests_ids),
		cmocka_unit_test(unknown_and_daemon_only_types_are_enosys),
		cmocka_unit_test(privileged_operations_refuse_guests),
		cmocka_unit_test(single_argument_commands_need_exactly_one_string),
		cmocka_unit_test(multi_argument_commands_ignore_bytes_after_the_last_nul),
		cmocka_unit_test(ok_reply_is_three_bytes),
		cmocka_unit_test(get_domain_path_needs_no_privilege_or_existence),
		cmocka_unit_test(control_rejects_unknown_commands_and_runs_check),
		cmocka_unit_test(pipelined_requests_get_one_reply_each_in_order),
		cmocka_unit_test(request_split_across_reads_is_reassembled),
		cmocka_unit_test(payload_of_exactly_4096_bytes_is_accepted),
		cmocka_unit_test(oversized_payload_closes_the_connection),
		cmocka_unit_test(end_of_stream_closes_the_connection),
		cmocka_unit_test(requests_wait_while_output_is_over_the_soft_limit),
		cmocka_unit_test(client_that_never_reads_loses_events_not_its_connection),
	};
	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
