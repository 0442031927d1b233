/* test_event.c - the loop's polling before sleeping: the rules
 * (poll_policy.h) fed with chosen times, and the loop (event.h,
 * ev_set_poll) applying them to a timerfd's events. */
#include "unit.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "event.h"
#include "poll_policy.h"

struct ticker {
	struct ev_loop *loop;
	struct ev_handler h;
	int fd;
	int seen, stop_after;
};

static void on_tick(void *arg, uint32_t events)
{
	struct ticker *t = arg;
	uint64_t n;

	(void)events;
	if (read(t->fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return;
	t->seen++;
	if (t->seen >= t->stop_after)
		ev_stop(t->loop);
}

/* Runs a loop polling up to max_ns, woken every period_ns, for ticks
 * events. */
static void run_ticks(struct ticker *t, uint64_t max_ns, long period_ns, int ticks)
{
	struct itimerspec its = { .it_interval = { 0, period_ns }, .it_value = { 0, period_ns } };

	t->stop_after = ticks;
	t->loop = ev_new();
	assert_non_null(t->loop);
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	assert_true(t->fd >= 0);
	assert_int_equal(ev_add(t->loop, &t->h, t->fd, EPOLLIN, on_tick, t), 0);
	ev_set_poll(t->loop, max_ns);
	assert_int_equal(ev_poll_window(t->loop), 0);
	assert_int_equal(timerfd_settime(t->fd, 0, &its, NULL), 0);
	assert_int_equal(ev_run(t->loop), 0);
}

static void finish(struct ticker *t)
{
	ev_remove(t->loop, &t->h);
	close(t->fd);
	ev_free(t->loop);
}

/*
 * The rules of poll_policy.h, fed with measured times as the loop would
 * feed them: deterministic, whatever the machine's load.
 */
#define US 1000u
#define MS (1000u * US)

/* A policy with the window opened by one quick event. */
static struct poll_policy opened(uint64_t max_ns)
{
	struct poll_policy p;

	poll_policy_init(&p, max_ns);
	assert_int_equal(poll_policy_begin_wait(&p), 0);
	poll_policy_slept(&p, max_ns / 4);
	return p;
}

static void a_quick_event_opens_the_window(void **state)
{
	struct poll_policy p = opened(200 * US);

	(void)state;
	assert_int_equal(p.window_ns, 200 * US);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(poll_policy_begin_wait(&p), 200 * US);
		poll_policy_polled(&p, true, false);
	}
}

static void slow_events_keep_it_closed(void **state)
{
	struct poll_policy p;

	(void)state;
	poll_policy_init(&p, 1 * MS);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(poll_policy_begin_wait(&p), 0);
		poll_policy_slept(&p, 20 * MS);
	}
	assert_int_equal(p.window_ns, 0);
}

/* Misses: sleep through 1, 2, 4 ... waits; the window stays open for the
 * first wait after them, which polls again. */
static void misses_back_off_doubling(void **state)
{
	struct poll_policy p = opened(50 * US);

	(void)state;
	for (unsigned skip = 1; skip <= 8; skip *= 2) {
		assert_int_equal(poll_policy_begin_wait(&p), 50 * US);
		poll_policy_polled(&p, false, false);
		for (unsigned i = 0; i < skip; i++)
			assert_int_equal(poll_policy_begin_wait(&p), 0);
	}
	assert_int_equal(p.backoff, 16);
}

static void the_backoff_is_bounded(void **state)
{
	struct poll_policy p = opened(50 * US);

	(void)state;
	for (int i = 0; i < 20; i++)
		poll_policy_missed(&p);
	assert_int_equal(p.backoff, POLL_BACKOFF_MAX);
	assert_int_equal(p.skip, POLL_BACKOFF_MAX);
}

/* A find after losing the CPU is what sleeping would have given: a miss. */
static void a_preempted_find_is_a_miss(void **state)
{
	struct poll_policy p = opened(50 * US);

	(void)state;
	poll_policy_polled(&p, true, true);
	assert_int_equal(poll_policy_begin_wait(&p), 0);
	assert_int_equal(poll_policy_begin_wait(&p), 50 * US);
	assert_int_equal(p.backoff, 2);
}

static void a_clean_hit_starts_over(void **state)
{
	struct poll_policy p = opened(50 * US);

	(void)state;
	for (int i = 0; i < 5; i++)
		poll_policy_missed(&p);
	p.skip = 0;
	poll_policy_polled(&p, true, false);
	assert_int_equal(p.backoff, 1);
	poll_policy_polled(&p, false, false);
	assert_int_equal(p.skip, 1);
}

/* A wait that slept longer than the window closes it; only a wait that
 * slept says how quickly events come (a missed poll leaves it as it is). */
static void the_window_closes_when_events_slow_down(void **state)
{
	struct poll_policy p = opened(20 * MS);

	(void)state;
	poll_policy_polled(&p, false, false);
	assert_int_equal(p.window_ns, 20 * MS);
	assert_int_equal(poll_policy_begin_wait(&p), 0);
	poll_policy_slept(&p, 30 * MS);
	assert_int_equal(p.window_ns, 0);
	assert_int_equal(poll_policy_begin_wait(&p), 0);
}

/* The daemon disarms polling after rounds that moved no ring. */
static void a_disarmed_wait_sleeps(void **state)
{
	struct poll_policy p = opened(50 * US);

	(void)state;
	poll_policy_arm(&p, false);
	assert_int_equal(poll_policy_begin_wait(&p), 0);
	poll_policy_arm(&p, true);
	assert_int_equal(poll_policy_begin_wait(&p), 50 * US);
}

/*
 * The loop itself: it applies the policy.  Only what does not depend on
 * the machine's speed is asserted (when a poll hits is the policy's
 * business, tested above): with events every 200 us it polls, with none
 * asked for it never does, and every event is handled either way.
 */
static void quick_events_make_the_loop_poll(void **state)
{
	struct ticker t = { 0 };
	struct ev_poll_stats stats;

	(void)state;
	run_ticks(&t, 200 * MS, 200 * US, 45);
	ev_poll_stats(t.loop, &stats);
	assert_int_equal(t.seen, 45);
	assert_true(stats.polls > 0);
	assert_true(stats.hits <= stats.polls);
	finish(&t);
}

static void no_polling_unless_asked(void **state)
{
	struct ticker t = { 0 };
	struct ev_poll_stats stats;

	(void)state;
	run_ticks(&t, 0, 200 * US, 20);
	ev_poll_stats(t.loop, &stats);
	assert_int_equal(t.seen, 20);
	assert_int_equal(ev_poll_window(t.loop), 0);
	assert_int_equal(stats.polls, 0);
	finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_quick_event_opens_the_window),
		cmocka_unit_test(slow_events_keep_it_closed),
		cmocka_unit_test(misses_back_off_doubling),
		cmocka_unit_test(the_backoff_is_bounded),
		cmocka_unit_test(a_preempted_find_is_a_miss),
		cmocka_unit_test(a_clean_hit_starts_over),
		cmocka_unit_test(the_window_closes_when_events_slow_down),
		cmocka_unit_test(a_disarmed_wait_sleeps),
		cmocka_unit_test(quick_events_make_the_loop_poll),
		cmocka_unit_test(no_polling_unless_asked),
	};
	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
