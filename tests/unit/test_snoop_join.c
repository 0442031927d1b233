/*
 * test_snoop_join.c - xenstore-snoop's joins (tools/snoop/snoop_join.c):
 * streams of records, in the order the daemon's probes fire them, give
 * the lines the snoop prints.  A request's watch events, transaction end
 * and quota hit come before its reply and are printed with it; what
 * waits in vain is released on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snoop_join.h"
#include "snoop_streams.h"

/* A dom0 tool and a guest. */
static const struct who tool = { .conn = 3, .dom = 0, .pid = 100 };
static const struct who guest = { .conn = 9, .dom = 6, .pid = 0 };

/* Feeds n records, then ends the run (everything waiting is released):
 * what was printed. */
static char *stream(const struct xss_event *recs, size_t n)
{
	capture_stdout();
	for (size_t i = 0; i < n; i++)
		feed(&recs[i]);
	snoop_join_expire(true);
	return captured_stdout();
}

#define assert_stream(recs, expected)                                                  \
	do {                                                                           \
		char *out_ = stream(recs, sizeof(recs) / sizeof(recs[0]));             \
		assert_string_equal(out_, expected);                                   \
		free(out_);                                                            \
	} while (0)

/* Feeds one record: what it printed at once. */
static char *feed_one(const struct xss_event e)
{
	capture_stdout();
	feed(&e);
	return captured_stdout();
}

static void watch_event_waits_for_the_reply_of_its_cause(void **state)
{
	char *out;

	(void)state;
	out = feed_one(rec_watch(guest, STR("/a"), STR("tok"), tool.conn, 10));
	assert_string_equal(out, "");
	free(out);
	out = feed_one(rec_reply(tool, 10, 0, XS_WRITE, 0, PL("/a\0x"), PL("OK\0"), 1500));
	assert_string_equal(out,
		"6    0       -    XS_WATCH_EVENT: /a tok (cause: XS_WRITE /a, dom 0 pid 100)\n"
		"0    100     0    XS_WRITE: /a x -> OK\n");
	free(out);
}

static void watch_events_of_one_request_keep_their_order(void **state)
{
	const struct xss_event recs[] = {
		rec_watch(guest, STR("/a"), STR("t1"), tool.conn, 10),
		rec_watch(tool, STR("/a"), STR("t2"), tool.conn, 10),
		rec_reply(tool, 10, 0, XS_RM, 0, PL("/a\0"), PL("OK\0"), 0),
	};

	(void)state;
	assert_stream(recs,
		"6    0       -    XS_WATCH_EVENT: /a t1 (cause: XS_RM /a, dom 0 pid 100)\n"
		"0    100     -    XS_WATCH_EVENT: /a t2 (cause: XS_RM /a, dom 0 pid 100)\n"
		"0    100     0    XS_RM: /a -> OK\n");
}

static void watch_event_without_a_cause_is_printed_at_once(void **state)
{
	char *out;

	(void)state;
	out = feed_one(rec_watch(tool, STR("@releaseDomain"), STR("r"), 0, 0));
	assert_string_equal(out,
		"0    100     -    XS_WATCH_EVENT: @releaseDomain r (cause: none)\n");
	free(out);
}

static void first_event_of_a_new_watch_joins_the_watch_reply(void **state)
{
	char *out;

	(void)state;
	free(feed_one(rec_reply(tool, 5, 0, XS_WATCH, 0, PL("/a\0tok\0"), PL("OK\0"), 0)));
	out = feed_one(rec_watch(tool, STR("/a"), STR("tok"), tool.conn, 5));
	assert_string_equal(out,
		"0    100     -    XS_WATCH_EVENT: /a tok (cause: XS_WATCH /a, dom 0 pid 100)\n");
	free(out);
}

static void txn_done_annotates_its_transaction_end(void **state)
{
	const struct xss_event recs[] = {
		rec_txn(tool, 4, 11, XSS_TXN_EAGAIN, STR("/c"), 1, 2, 3000000),
		rec_reply(tool, 11, 4, XS_TRANSACTION_END, EAGAIN, PL("T\0"), PL("EAGAIN\0"), 0),
	};

	(void)state;
	assert_stream(recs, "0    100     4    [ERROR] XS_TRANSACTION_END: T -> EAGAIN "
			    "(txn EAGAIN: 2 ops, 1 node, conflict on /c)\n");
}

static void quota_hit_annotates_the_refused_request(void **state)
{
	const struct xss_event recs[] = {
		rec_quota(guest, 12, "nodes", 5, 4),
		rec_reply(guest, 12, 0, XS_WRITE, ENOSPC, PL("x\0y"), PL("ENOSPC\0"), 0),
	};

	(void)state;
	assert_stream(recs, "6    0       0    [ERROR] XS_WRITE: x y -> ENOSPC "
			    "(quota nodes: 5 > limit 4)\n");
}

static void transaction_end_with_its_txn_and_quota(void **state)
{
	const struct xss_event recs[] = {
		rec_quota(tool, 11, "transaction-nodes", 9, 8),
		rec_txn(tool, 4, 11, XSS_TXN_FAILED, NOPL, 9, 9, 0),
		rec_reply(tool, 11, 4, XS_TRANSACTION_END, ENOSPC, PL("T\0"), PL("ENOSPC\0"), 0),
	};

	(void)state;
	assert_stream(recs, "0    100     4    [ERROR] XS_TRANSACTION_END: T -> ENOSPC (txn failed: "
			    "9 ops, 9 nodes; quota transaction-nodes: 9 > limit 8)\n");
}

/* The reply the filters reject comes flagged as context: no line of its
 * own, and what it annotates is printed alone. */
static void context_reply_prints_what_it_annotates_alone(void **state)
{
	struct xss_event recs[] = {
		rec_quota(guest, 12, "nodes", 5, 4),
		rec_reply(guest, 12, 0, XS_WRITE, ENOSPC, PL("x\0y"), PL("ENOSPC\0"), 0),
	};

	(void)state;
	recs[1].flags |= XSS_F_CONTEXT;
	assert_stream(recs, "6    0       -    [quota nodes: 5 > limit 4]\n");
}

/* One request at a time: another request's reply proves that the one a
 * record waits for will not come. */
static void another_reply_releases_what_waits_in_vain(void **state)
{
	const struct xss_event recs[] = {
		rec_watch(guest, STR("/a"), STR("tok"), tool.conn, 10),
		rec_reply(guest, 20, 0, XS_READ, 0, PL("/b\0"), PL("v"), 0),
	};

	(void)state;
	assert_stream(recs, "6    0       -    XS_WATCH_EVENT: /a tok (cause: conn 3 req 10)\n"
			    "6    0       0    XS_READ: /b -> v\n");
}

static void closing_connection_releases_its_records(void **state)
{
	char *out;

	(void)state;
	free(feed_one(rec_txn(tool, 4, 11, XSS_TXN_COMMITTED, NOPL, 1, 1, 0)));
	out = feed_one(rec_conn_close(tool, "eof"));
	assert_string_equal(out, "0    100     4    [txn committed: 1 op, 1 node]\n");
	free(out);
}

static void dropped_transaction_is_printed_at_once(void **state)
{
	char *out;

	(void)state;
	out = feed_one(rec_txn(tool, 4, 0, XSS_TXN_DROPPED, NOPL, 0, 3, 0));
	assert_string_equal(out, "0    100     4    [txn dropped with its connection: 3 ops, 0 nodes]\n");
	free(out);
}

static void end_of_run_releases_everything(void **state)
{
	const struct xss_event recs[] = {
		rec_watch(guest, STR("/a"), STR("tok"), tool.conn, 10),
		rec_quota(guest, 12, "nodes", 5, 4),
	};

	(void)state;
	assert_stream(recs, "6    0       -    XS_WATCH_EVENT: /a tok (cause: conn 3 req 10)\n"
			    "6    0       -    [quota nodes: 5 > limit 4]\n");
}

static void json_watch_event_names_its_cause(void **state)
{
	const struct xss_event recs[] = {
		rec_watch(guest, STR("/a"), STR("tok"), tool.conn, 10),
		rec_reply(tool, 10, 0, XS_WRITE, 0, PL("/a\0x"), PL("OK\0"), 1500),
	};
	char *out;

	(void)state;
	env.json = true;
	out = stream(recs, 2);
	assert_non_null(strstr(out, "\"event\":\"watch_event\",\"conn\":9,\"dom\":6,\"pid\":0,"
				    "\"comm\":null,\"tx\":null,\"op\":\"XS_WATCH_EVENT\",\"type\":15,"
				    "\"path\":\"/a\",\"token\":\"tok\",\"cause\":{\"conn\":3,"
				    "\"req_id\":10,\"dom\":0,\"pid\":100,\"op\":\"XS_WRITE\","
				    "\"arg\":\"/a\"}}\n"));
	assert_non_null(strstr(out, "\"event\":\"request\",\"conn\":3,\"dom\":0,\"pid\":100,"
				    "\"comm\":null,\"req_id\":10,\"tx\":0,\"op\":\"XS_WRITE\","
				    "\"type\":11,\"path\":\"/a\",\"request\":\"/a\\u0000x\","
				    "\"request_len\":4,\"reply\":\"OK\\u0000\",\"reply_len\":3,"
				    "\"error\":null,\"errno\":0,\"latency_ns\":1500}\n"));
	assert_true(strstr(out, "watch_event") < strstr(out, "\"event\":\"request\""));
	free(out);
}

static void json_txn_and_quota_ride_on_the_request(void **state)
{
	const struct xss_event recs[] = {
		rec_txn(tool, 4, 11, XSS_TXN_EAGAIN, STR("/c"), 1, 2, 3000),
		rec_reply(tool, 11, 4, XS_TRANSACTION_END, EAGAIN, PL("T\0"), PL("EAGAIN\0"), 0),
	};
	char *out;

	(void)state;
	env.json = true;
	out = stream(recs, 2);
	assert_non_null(strstr(out, ",\"txn\":{\"tx\":4,\"result\":\"eagain\",\"nodes\":1,"
				    "\"ops\":2,\"duration_ns\":3000,\"conflict\":\"/c\"}}\n"));
	free(out);
}

static void conn_open_names_the_client(void **state)
{
	const struct xss_event recs[] = {
		rec_conn_open(tool, 0, "xenstore-read", "socket"),
		rec_reply(tool, 1, 0, XS_READ, 0, PL("/a\0"), PL("v"), 2500),
	};

	(void)state;
	env.comm = true;
	env.latency = true;
	env.extra = true;
	assert_stream(recs,
		"0    100     xenstore-read   -           - [CONNECT] conn 3 xenstore-read uid 0 "
		"(socket)\n"
		"0    100     xenstore-read   0         2.5 XS_READ: /a -> v\n");
}

static void path_filter_keeps_nodes_at_or_below(void **state)
{
	const struct xss_event recs[] = {
		rec_reply(guest, 1, 0, XS_READ, 0, PL("device/vif\0"), PL("x"), 0),
		rec_reply(guest, 2, 0, XS_READ, 0, PL("/local/domain/7\0"), PL("y"), 0),
		rec_watch(guest, STR("/local/domain/6/device"), STR("t"), 0, 0),
	};

	(void)state;
	snoop_path_filter_set(&env.path, "/local/domain/6/");
	assert_stream(recs, "6    0       0    XS_READ: device/vif -> x\n"
			    "6    0       -    XS_WATCH_EVENT: /local/domain/6/device t "
			    "(cause: none)\n");
}

static void count_stops_the_stream(void **state)
{
	const struct xss_event a = rec_reply(tool, 1, 0, XS_READ, 0, PL("/a\0"), PL("1"), 0);
	const struct xss_event b = rec_reply(tool, 2, 0, XS_READ, 0, PL("/b\0"), PL("2"), 0);
	const struct xss_event c = rec_reply(tool, 3, 0, XS_READ, 0, PL("/c\0"), PL("3"), 0);
	char *out;

	(void)state;
	env.count = 2;
	capture_stdout();
	assert_int_equal(feed(&a), 0);
	assert_int_equal(feed(&b), -ECANCELED);
	assert_int_equal(feed(&c), -ECANCELED);
	out = captured_stdout();
	assert_string_equal(out, "0    100     0    XS_READ: /a -> 1\n"
				 "0    100     0    XS_READ: /b -> 2\n");
	assert_true(run.exiting);
	free(out);
}

static void foreign_record_is_ignored(void **state)
{
	static const char junk[8] = "junk";
	char *out;

	(void)state;
	capture_stdout();
	assert_int_equal(snoop_join_record(junk, sizeof(junk)), 0);
	out = captured_stdout();
	assert_string_equal(out, "");
	free(out);
}

/* The records of a daemon that numbers each connection's requests (seq):
 * recs[i] gets seqs[i] (0: none). */
static void number(struct xss_event *recs, const unsigned long long *seqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		recs[i].seq = seqs[i];
}

/* A client that sends req_id 0 every time: only seq tells its requests
 * apart.  A quota hit of request 6, whose reply was lost, must not be
 * joined to request 7's reply. */
static void repeated_req_id_is_told_apart_by_seq(void **state)
{
	struct xss_event recs[] = {
		rec_quota(tool, 0, "nodes", 5, 4),
		rec_reply(tool, 0, 0, XS_READ, 0, PL("/a\0"), PL("v"), 0),
	};
	static const unsigned long long seqs[] = { 6, 7 };

	(void)state;
	number(recs, seqs, 2);
	assert_stream(recs, "0    100     -    [quota nodes: 5 > limit 4]\n"
			    "0    100     0    XS_READ: /a -> v\n");
}

static void txn_done_joins_its_transaction_end_by_seq(void **state)
{
	struct xss_event recs[] = {
		rec_txn(tool, 4, 0, XSS_TXN_COMMITTED, NOPL, 3, 4, 0),
		rec_watch(guest, STR("/a"), STR("tok"), tool.conn, 0),
		rec_reply(tool, 0, 4, XS_TRANSACTION_END, 0, PL("T\0"), PL("OK\0"), 0),
	};
	static const unsigned long long seqs[] = { 12, 12, 12 };

	(void)state;
	number(recs, seqs, 3);
	assert_stream(recs,
		"6    0       -    XS_WATCH_EVENT: /a tok (cause: XS_TRANSACTION_END T, dom 0 "
		"pid 100)\n"
		"0    100     4    XS_TRANSACTION_END: T -> OK (txn committed: 4 ops, 3 nodes)\n");
}

/* The BPF side flags the first event of a new watch: it is printed at
 * once, with the WATCH reply when that came through, even with records
 * between them. */
static void event_after_its_reply_is_printed_at_once(void **state)
{
	struct xss_event watch = rec_reply(tool, 0, 0, XS_WATCH, 0, PL("/a\0tok\0"), PL("OK\0"), 0);
	struct xss_event other = rec_conn_open(guest, 0, "", "ring");
	struct xss_event first = rec_watch(tool, STR("/a"), STR("tok"), tool.conn, 0);
	char *out;

	(void)state;
	watch.seq = first.seq = 5;
	first.flags |= XSS_F_AFTER_REPLY;
	free(feed_one(watch));
	free(feed_one(other));
	out = feed_one(first);
	assert_string_equal(out,
		"0    100     -    XS_WATCH_EVENT: /a tok (cause: XS_WATCH /a, dom 0 pid 100)\n");
	free(out);
}

/* -o watch_event: the WATCH reply was filtered out, and the next request
 * of the client has the same req_id.  Without seq the event would wait
 * and be joined to that request; flagged, it is printed at once. */
static void event_after_a_filtered_reply_does_not_wait(void **state)
{
	struct xss_event first = rec_watch(tool, STR("/a"), STR("tok"), tool.conn, 0);
	char *out;

	(void)state;
	first.seq = 5;
	first.flags |= XSS_F_AFTER_REPLY;
	out = feed_one(first);
	assert_string_equal(out, "0    100     -    XS_WATCH_EVENT: /a tok (cause: conn 3 req 0)\n");
	free(out);
}

/* The filters rejected the reply, but the BPF side sent it as context
 * because a quota hit waited for it: the hit is printed then, alone. */
static void context_reply_closes_the_wait_by_seq(void **state)
{
	struct xss_event quota = rec_quota(guest, 0, "nodes", 5, 4);
	struct xss_event reply = rec_reply(guest, 0, 0, XS_WRITE, ENOSPC, PL("x\0y"),
					   PL("ENOSPC\0"), 0);
	char *out;

	(void)state;
	quota.seq = reply.seq = 3;
	reply.flags |= XSS_F_CONTEXT;
	free(feed_one(quota));
	out = feed_one(reply);
	assert_string_equal(out, "6    0       -    [quota nodes: 5 > limit 4]\n");
	free(out);
}

/* The fallback timer, on the tests' own clock. */
static unsigned long long fake_now;

static unsigned long long fake_clock(void)
{
	return fake_now;
}

/* Feeds a quota record at t = 1 s on the test's clock, the ring buffer
 * having lost `lost` records by then (the reply it waits for never
 * comes); at each of the times in ms, whether it is still held. */
static void hold_quota_record(unsigned long long lost_before, unsigned long long lost_after,
			      const unsigned *at_ms, const bool *held, size_t n)
{
	char *out;

	fake_now = 1000ULL * 1000000;
	snoop_join_set_clock(fake_clock);
	snoop_join_note_lost(lost_before);
	free(feed_one(rec_quota(guest, 12, "nodes", 5, 4)));
	snoop_join_note_lost(lost_after);
	for (size_t i = 0; i < n; i++) {
		capture_stdout();
		fake_now = (1000ULL + at_ms[i]) * 1000000;
		snoop_join_expire(false);
		out = captured_stdout();
		assert_int_equal(snoop_join_waiting(), held[i] ? 1 : 0);
		if (held[i])
			assert_string_equal(out, "");
		else
			assert_non_null(strstr(out, "[quota nodes: 5 > limit 4]"));
		free(out);
		if (!held[i])
			break;
	}
	snoop_join_set_clock(NULL);
}

/* The ring buffer dropped records after this one came, its reply perhaps
 * among them: it waits 200 ms for it, then goes out alone. */
static void waiting_record_waits_200_ms_after_a_loss(void **state)
{
	const unsigned at_ms[] = { 199, 201 };
	const bool held[] = { true, false };

	(void)state;
	hold_quota_record(3, 4, at_ms, held, 2);
}

/* Nothing was lost: its reply is on its way (the daemon was preempted in
 * between); the record waits 5 s, not 200 ms. */
static void waiting_record_waits_longer_when_nothing_was_lost(void **state)
{
	const unsigned at_ms[] = { 201, 4999, 5001 };
	const bool held[] = { true, true, false };

	(void)state;
	hold_quota_record(3, 3, at_ms, held, 3);
}

/* The daemon exec'd (its record in the stream): a note goes out before
 * the next event, saying how long the daemon was silent. */
static void live_update_note_comes_before_the_next_event(void **state)
{
	struct xss_event before = rec_reply(tool, 1, 0, XS_READ, 0, PL("/a\0"), PL("1"), 0);
	struct xss_event exec = before, after;
	char self[256], want[512], *out;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)state;
	assert_true(n > 0);
	self[n] = '\0';
	run.traced_pid = getpid();
	memset(&exec, 0, sizeof(exec));
	exec.kind = XSS_EXEC;
	after = rec_reply(tool, 2, 0, XS_READ, 0, PL("/b\0"), PL("2"), 0);
	after.ts_ns = before.ts_ns + 2500000;
	capture_stdout();
	feed(&before);
	feed(&exec);
	feed(&after);
	out = captured_stdout();
	snprintf(want, sizeof(want), "0    100     0    XS_READ: /a -> 1\n"
		 "-- xenstored PID %d exec'd %s (live update), followed: 2.5 ms between the "
		 "last event before it and the next\n"
		 "0    100     0    XS_READ: /b -> 2\n", getpid(), self);
	assert_string_equal(out, want);
	free(out);
}

static void extra_events_in_json(void **state)
{
	struct xss_event recs[] = {
		rec_conn_open(guest, 0, "", "ring"),
		rec_conn_close(guest, "domain gone"),
	};
	char *out;

	(void)state;
	env.json = true;
	env.extra = true;
	out = stream(recs, 2);
	assert_non_null(strstr(out, "\"event\":\"conn_open\",\"conn\":9,\"dom\":6,\"pid\":0,"
				    "\"comm\":null,\"uid\":0,\"kind\":\"ring\"}\n"));
	assert_non_null(strstr(out, "\"event\":\"conn_close\",\"conn\":9,\"dom\":6,\"pid\":0,"
				    "\"comm\":null,\"reason\":\"domain gone\"}\n"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(watch_event_waits_for_the_reply_of_its_cause, fresh_run),
		cmocka_unit_test_setup(watch_events_of_one_request_keep_their_order, fresh_run),
		cmocka_unit_test_setup(watch_event_without_a_cause_is_printed_at_once, fresh_run),
		cmocka_unit_test_setup(first_event_of_a_new_watch_joins_the_watch_reply, fresh_run),
		cmocka_unit_test_setup(txn_done_annotates_its_transaction_end, fresh_run),
		cmocka_unit_test_setup(quota_hit_annotates_the_refused_request, fresh_run),
		cmocka_unit_test_setup(transaction_end_with_its_txn_and_quota, fresh_run),
		cmocka_unit_test_setup(context_reply_prints_what_it_annotates_alone, fresh_run),
		cmocka_unit_test_setup(another_reply_releases_what_waits_in_vain, fresh_run),
		cmocka_unit_test_setup(closing_connection_releases_its_records, fresh_run),
		cmocka_unit_test_setup(dropped_transaction_is_printed_at_once, fresh_run),
		cmocka_unit_test_setup(end_of_run_releases_everything, fresh_run),
		cmocka_unit_test_setup(json_watch_event_names_its_cause, fresh_run),
		cmocka_unit_test_setup(json_txn_and_quota_ride_on_the_request, fresh_run),
		cmocka_unit_test_setup(conn_open_names_the_client, fresh_run),
		cmocka_unit_test_setup(path_filter_keeps_nodes_at_or_below, fresh_run),
		cmocka_unit_test_setup(count_stops_the_stream, fresh_run),
		cmocka_unit_test_setup(foreign_record_is_ignored, fresh_run),
		cmocka_unit_test_setup(repeated_req_id_is_told_apart_by_seq, fresh_run),
		cmocka_unit_test_setup(txn_done_joins_its_transaction_end_by_seq, fresh_run),
		cmocka_unit_test_setup(event_after_its_reply_is_printed_at_once, fresh_run),
		cmocka_unit_test_setup(event_after_a_filtered_reply_does_not_wait, fresh_run),
		cmocka_unit_test_setup(context_reply_closes_the_wait_by_seq, fresh_run),
		cmocka_unit_test_setup(waiting_record_waits_200_ms_after_a_loss, fresh_run),
		cmocka_unit_test_setup(waiting_record_waits_longer_when_nothing_was_lost, fresh_run),
		cmocka_unit_test_setup(live_update_note_comes_before_the_next_event, fresh_run),
		cmocka_unit_test_setup(extra_events_in_json, fresh_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
