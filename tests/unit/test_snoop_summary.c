/*
 * test_snoop_summary.c - xenstore-snoop -s (tools/snoop/snoop_summary.c):
 * the histograms' buckets, and the tables and JSON object a recorded
 * stream adds up to, with the transactions and quota hits joined to their
 * requests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snoop_join.h"
#include "snoop_streams.h"
#include "snoop_summary.h"

static const struct who tool = { .conn = 3, .dom = 0, .pid = 100 };
static const struct who guest = { .conn = 9, .dom = 6, .pid = 0 };

static void latency_goes_to_its_log2_bucket_of_microseconds(void **state)
{
	static const struct {
		unsigned long long ns;
		int slot;
	} cases[] = {
		{ 1500, 0 }, { 1999, 0 }, { 2000, 1 }, { 3999, 1 }, { 4000, 2 },
		{ 1000000, 9 }, { ~0ULL, HIST_SLOTS - 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stats s = { .count = 0 };

		stats_add(&s, cases[i].ns, false);
		assert_int_equal(s.hist[cases[i].slot], 1);
		assert_int_equal(s.timed, 1);
		assert_int_equal(s.max_ns, cases[i].ns);
	}
}

static void unknown_latency_is_counted_but_not_timed(void **state)
{
	struct stats s = { .count = 0 };

	(void)state;
	stats_add(&s, 0, true);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.timed, 0);
	for (int i = 0; i < HIST_SLOTS; i++)
		assert_int_equal(s.hist[i], 0);
}

/* Two reads (one failed), a watch event, a write refused by a quota, a
 * transaction ended by a conflict. */
static void feed_session(void)
{
	const struct xss_event recs[] = {
		rec_reply(tool, 1, 0, XS_READ, 0, PL("/a\0"), PL("v"), 1500),
		rec_reply(tool, 2, 0, XS_READ, ENOENT, PL("/b\0"), PL("ENOENT\0"), 3000),
		rec_watch(guest, STR("/a"), STR("t"), 0, 0),
		rec_quota(guest, 12, "nodes", 5, 4),
		rec_reply(guest, 12, 0, XS_WRITE, ENOSPC, PL("/c\0y"), PL("ENOSPC\0"), 1000000),
		rec_txn(tool, 4, 13, XSS_TXN_EAGAIN, STR("/c"), 1, 2, 3000),
		rec_reply(tool, 13, 4, XS_TRANSACTION_END, EAGAIN, PL("T\0"), PL("EAGAIN\0"), 0),
	};
	char *out;

	env.summary = true;
	capture_stdout();
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		feed(&recs[i]);
	snoop_join_expire(true);
	out = captured_stdout();
	assert_string_equal(out, "");	/* -s prints nothing per event */
	free(out);
}

static char *summary_text(void)
{
	capture_stdout();
	print_summary_text(stdout, 7);
	return captured_stdout();
}

static void text_summary_counts_the_session(void **state)
{
	char *out;

	(void)state;
	feed_session();
	out = summary_text();
	assert_non_null(strstr(out, ": 4 requests ("));
	assert_non_null(strstr(out, "/s), 3 errors, 1 watch event, 7 lost\n"));
	assert_non_null(strstr(out,
		"\nOP                           COUNT  ERRORS   AVG(us)   MAX(us)\n"
		"XS_READ                          2       1       2.2       3.0\n"
		"XS_TRANSACTION_END               1       1       0.0       0.0\n"
		"XS_WRITE                         1       1    1000.0    1000.0\n"
		"XS_WATCH_EVENT                   1       -         -         -\n"
		"\nERRORS: ENOENT 1 ENOSPC 1 EAGAIN 1\n"
		"\nTRANSACTIONS: 0 committed, 0 aborted, 1 EAGAIN, 0 failed, 0 dropped; "
		"2.0 ops each, 3.0 us avg, 3.0 us max\n"
		"  EAGAIN conflict on /c: 1\n"
		"\nQUOTA HITS: nodes 1\n"
		"\nDOM        COUNT  ERRORS   AVG(us)   MAX(us)\n"
		"0              3       2       2.2       3.0\n"
		"6              1       1    1000.0    1000.0\n"
		"\nDOM    PID     COMM                 COUNT  ERRORS   AVG(us)   MAX(us)\n"
		"0      100     ?                        3       2       2.2       3.0\n"
		"6      0       (guest)                  1       1    1000.0    1000.0\n"
		"\nSLOWEST PATHS\n"
		"  LAT(us) DOM    PID     OP                   PATH\n"
		"   1000.0 6      0       XS_WRITE             /c\n"
		"      3.0 0      100     XS_READ              /b\n"
		"      1.5 0      100     XS_READ              /a\n"
		"\nLATENCY BY OP\n"
		"XS_READ\n"
		"                    usecs : count    distribution\n"
		"             0 -> 1        : 1        |****************************************|\n"
		"             2 -> 3        : 1        |****************************************|\n"
		"XS_WRITE\n"));
	free(out);
}

static void json_summary_counts_the_session(void **state)
{
	char *out;

	(void)state;
	feed_session();
	capture_stdout();
	print_summary_json(stdout, 0);
	out = captured_stdout();
	assert_non_null(strstr(out, "\"requests\":4,\"errors\":3,\"watch_events\":1,\"lost\":0,"
				    "\"ops\":{\"XS_READ\":{\"count\":2,\"errors\":1,\"avg_us\":2.2,"
				    "\"max_us\":3.0,\"hist_us\":[1,1]},"));
	assert_non_null(strstr(out, "\"error_names\":{\"ENOENT\":1,\"ENOSPC\":1,\"EAGAIN\":1}"));
	assert_non_null(strstr(out, "\"transactions\":{\"committed\":0,\"aborted\":0,"
				    "\"eagain\":1,\"failed\":0,\"dropped\":0,\"ops\":2,"));
	assert_non_null(strstr(out, "\"conflicts\":{\"/c\":1}},\"quota_hits\":{\"nodes\":1}}\n"));
	free(out);
}

static void reset_starts_a_new_interval(void **state)
{
	char *out;

	(void)state;
	feed_session();
	summary_reset(5);
	out = summary_text();
	assert_non_null(strstr(out, ": 0 requests ("));
	assert_non_null(strstr(out, "0 errors, 0 watch events, 2 lost\n"));
	assert_null(strstr(out, "XS_READ"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(latency_goes_to_its_log2_bucket_of_microseconds),
		cmocka_unit_test(unknown_latency_is_counted_but_not_timed),
		cmocka_unit_test_setup(text_summary_counts_the_session, fresh_run),
		cmocka_unit_test_setup(json_summary_counts_the_session, fresh_run),
		cmocka_unit_test_setup(reset_starts_a_new_interval, fresh_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
