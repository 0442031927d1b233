/*
 * test_conn.c - a connection's lifetime and its output queue under
 * failure (issue 9): a reply that cannot be queued for lack of memory,
 * and when a closed connection's transport may be freed.
 *
 * Built with -Wl,--wrap=realloc (Makefile): the real conn.c calls
 * __wrap_realloc below, which fails exactly the call that would grow the
 * output queue the test names.
 */
#include "unit.h"

void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static void *fail_growing; /* the next realloc of this block fails */

void *__wrap_realloc(void *ptr, size_t size)
{
	if (ptr && ptr == fail_growing) {
		fail_growing = NULL;
		return NULL;
	}
	return __real_realloc(ptr, size);
}

static void feed_read(struct ut_peer *p, uint32_t req_id, const char *path)
{
	ut_feed(p, XS_READ, req_id, 0, path, (uint32_t)strlen(path) + 1);
}

/* The request was applied; its reply cannot be queued: the client must
 * not wait forever for it.  The conn is closed and the close counted. */
static void reply_without_memory_closes_the_connection(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *p = ut_peer(u, 0);
	char big[4001];

	(void)state;
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_ok(ut_write(u->priv, 0, "/big", big));
	assert_ok(ut_read(p, 0, "/big")); /* the queue is 8 KiB now */
	assert_non_null(p->conn->out);
	p->io.stalled = true;
	/* Two 4 KB replies fit; the third must grow the queue. */
	feed_read(p, 1, "/big");
	feed_read(p, 2, "/big");
	feed_read(p, 3, "/big");
	fail_growing = p->conn->out;
	conn_readable(p->conn);
	assert_null(fail_growing); /* the failure was hit */
	assert_string_equal(p->conn->close_pending, "out of memory");
	assert_int_equal(u->d.oom_closes, 1);
	conn_end_of_round(&u->d);
	assert_true(p->io.destroyed);
	/* The daemon carries on, and memreport shows the count. */
	assert_ok(ut_callv(u->priv, XS_CONTROL, 0, "memreport", NULL));
	assert_non_null(strstr(ut_reply(u->priv), "out of memory: 1 connections closed"));
	ut_free(u);
}

/* Transport whose release is recorded, to see when it comes. */
static bool released;

static void record_release(struct conn *c)
{
	(void)c;
	released = true;
}

/* A conn closed during a loop round (say by another client's request)
 * may still have an event in the round's epoll batch: its transport is
 * only stopped then, and freed after the round with the conn. */
static void transport_is_released_after_the_round_not_at_close(void **state)
{
	struct ut *u = ut_new();
	struct conn_ops ops = fake_io_ops;
	struct ut_peer *p = ut_peer(u, 0);

	(void)state;
	ops.free_transport = record_release;
	p->conn->ops = &ops;
	released = false;
	conn_close(p->conn, "test");
	assert_true(p->io.destroyed);
	assert_false(released);
	/* A late event of the same round finds a dead conn, no I/O. */
	conn_readable(p->conn);
	conn_writable(p->conn);
	conn_end_of_round(&u->d);
	assert_true(released);
	ut_free(u);
}

/* daemon_check holds the connections to the accounting (what the
 * fuzzers check after their steps): each broken count is reported. */
static void check_reports_connection_accounting_that_disagrees(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	struct domain *dom = g->conn->domain;
	char report[1024];

	(void)state;
	ut_watch(g, "/local/domain/5/data", "t");
	assert_int_equal(daemon_check(&u->d, report, sizeof(report)), 0);
	g->conn->nwatches++;
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "counts 2 watches, lists 1"));
	g->conn->nwatches--;
	dom->watches++;
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "domain 5 accounted 2 watches, has 1"));
	dom->watches--;
	u->d.nconns++;
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "connections listed"));
	u->d.nconns--;
	dom->introduced = false;
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "has a connection but is not introduced"));
	dom->introduced = true;
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_without_memory_closes_the_connection),
		cmocka_unit_test(transport_is_released_after_the_round_not_at_close),
		cmocka_unit_test(check_reports_connection_accounting_that_disagrees),
	};
	return cmocka_run_group_tests_name("conn", tests, NULL, NULL);
}
