/* test_event.c - the loop's polling before sleeping (event.h, ev_set_poll):
 * events that come back within the window find the loop awake, and a loop
 * whose events come slowly stops polling.  A timerfd is the client; the
 * thread's voluntary context switches count the times the loop slept. */
#include "unit.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "event.h"

struct ticker {
	struct ev_loop *loop;
	struct ev_handler h;
	int fd;
	int seen, stop_after, settled_at;
	long sleeps_after_settling; /* voluntary switches from settled_at on */
	int slow_from;              /* the timer slows to slow_ns there (0: never) */
	long slow_ns;
	uint64_t window_before_slowing;
};

static long voluntary_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw;
}

static void on_tick(void *arg, uint32_t events)
{
	struct ticker *t = arg;
	uint64_t n;

	(void)events;
	if (read(t->fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return;
	t->seen++;
	if (t->slow_from && t->seen == t->slow_from) {
		struct itimerspec its = { .it_interval = { 0, t->slow_ns },
					  .it_value = { 0, t->slow_ns } };
		t->window_before_slowing = ev_poll_window(t->loop);
		timerfd_settime(t->fd, 0, &its, NULL);
	}
	if (t->seen == t->settled_at)
		t->sleeps_after_settling = voluntary_switches();
	if (t->seen >= t->stop_after) {
		t->sleeps_after_settling = voluntary_switches() - t->sleeps_after_settling;
		ev_stop(t->loop);
	}
}

/* Runs a loop polling up to max_ns, woken every period_ns, for ticks
 * events; the switches are counted from tick settled_at on. */
static void run_ticks(struct ticker *t, uint64_t max_ns, long period_ns, int ticks,
		      int settled_at)
{
	struct itimerspec its = { .it_interval = { 0, period_ns }, .it_value = { 0, period_ns } };

	t->stop_after = ticks;
	t->settled_at = settled_at;
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

/* Events every 200 us, a window of up to 200 ms: after the first wait
 * the loop polls instead of sleeping.  Not never: a poll during which the
 * loop lost its CPU counts as a miss (event.c), and a loaded machine takes
 * it now and then; without polling it would sleep for every event. */
static void events_back_within_the_window_find_the_loop_awake(void **state)
{
	struct ticker t = { 0 };

	(void)state;
	run_ticks(&t, 200 * 1000 * 1000, 200 * 1000, 45, 5);
	assert_true(ev_poll_window(t.loop) > 0);
	assert_true(t.sleeps_after_settling <= 40 / 3);
	finish(&t);
}

/* Events every 20 ms, a window of up to 1 ms: the loop never polls, it
 * sleeps for every event. */
static void slow_events_leave_the_loop_sleeping(void **state)
{
	struct ticker t = { 0 };

	(void)state;
	run_ticks(&t, 1000 * 1000, 20 * 1000 * 1000, 5, 1);
	assert_int_equal(ev_poll_window(t.loop), 0);
	assert_true(t.sleeps_after_settling >= 4);
	finish(&t);
}

/* A loop that polled stops once its events slow down: 1 ms apart, then
 * 30 ms with a window of up to 20 ms. */
static void the_window_closes_when_events_slow_down(void **state)
{
	struct ticker t = { .slow_from = 6, .slow_ns = 30 * 1000 * 1000 };

	(void)state;
	run_ticks(&t, 20 * 1000 * 1000, 1000 * 1000, 12, 1);
	assert_true(t.window_before_slowing > 0);
	assert_int_equal(ev_poll_window(t.loop), 0);
	finish(&t);
}

static void no_polling_unless_asked(void **state)
{
	struct ev_loop *loop = ev_new();

	(void)state;
	assert_non_null(loop);
	assert_int_equal(ev_poll_window(loop), 0);
	ev_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(events_back_within_the_window_find_the_loop_awake),
		cmocka_unit_test(slow_events_leave_the_loop_sleeping),
		cmocka_unit_test(the_window_closes_when_events_slow_down),
		cmocka_unit_test(no_polling_unless_asked),
	};
	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
