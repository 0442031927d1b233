/* event.c - epoll loop (see event.h). */
#include "event.h"

#include "poll_policy.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define EV_BATCH 64

struct ev_loop {
	int epfd;
	bool stopped;
	bool (*idle)(void *);
	void *idle_arg;
	struct poll_policy poll;
	struct ev_poll_stats poll_stats;
	bool poll_alone;      /* poll only while no task competes for our CPU */
	long nivcsw;          /* our involuntary switches when last looked */
};

struct ev_loop *ev_new(void)
{
	struct ev_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	return loop;
}

void ev_free(struct ev_loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop);
}

int ev_add(struct ev_loop *loop, struct ev_handler *h, int fd, uint32_t events,
	   ev_fd_fn *fn, void *arg)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	h->fn = fn;
	h->arg = arg;
	h->fd = fd;
	h->events = events;
	return epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) ? errno : 0;
}

int ev_modify(struct ev_loop *loop, struct ev_handler *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (h->events == events)
		return 0;
	h->events = events;
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, h->fd, &ev) ? errno : 0;
}

void ev_remove(struct ev_loop *loop, struct ev_handler *h)
{
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	h->fd = -1;
}

void ev_set_idle(struct ev_loop *loop, bool (*fn)(void *), void *arg)
{
	loop->idle = fn;
	loop->idle_arg = arg;
}

void ev_stop(struct ev_loop *loop)
{
	loop->stopped = true;
}

void ev_set_poll(struct ev_loop *loop, uint64_t max_ns)
{
	poll_policy_init(&loop->poll, max_ns);
}

void ev_poll_arm(struct ev_loop *loop, bool armed)
{
	poll_policy_arm(&loop->poll, armed);
}

void ev_poll_only_alone(struct ev_loop *loop)
{
	loop->poll_alone = true;
}

static long involuntary_switches(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_nivcsw;
}

/*
 * Whether another task took our CPU since we last looked (we were
 * switched out while runnable).  Then our CPU would not halt while we
 * sleep, so a wake-up is cheap, and polling would only spend our share of
 * it, so that we wait behind that task when we need the CPU (measured:
 * polling on a loaded machine cost one guest a quarter of its rate).
 */
static bool contended(struct ev_loop *loop)
{
	long n = involuntary_switches();
	bool was = n != loop->nivcsw;

	loop->nivcsw = n;
	return was;
}

uint64_t ev_poll_window(const struct ev_loop *loop)
{
	return loop->poll.window_ns;
}

void ev_poll_stats(const struct ev_loop *loop, struct ev_poll_stats *stats)
{
	*stats = loop->poll_stats;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A gap this long between two polls means the CPU went to someone else. */
#define EV_POLL_PREEMPTED_NS 20000u

/* Polls for window_ns: ready fds, or 0 when the window passed. */
static int poll_window(struct ev_loop *loop, struct epoll_event *events, uint64_t start,
		       uint64_t window_ns)
{
	uint64_t last = start, t;
	bool preempted = false;
	int n;

	while ((n = epoll_wait(loop->epfd, events, EV_BATCH, 0)) == 0) {
		t = now_ns();
		preempted |= t - last > EV_POLL_PREEMPTED_NS;
		last = t;
		if (t - start >= window_ns)
			break;
	}
	if (n >= 0) {
		poll_policy_polled(&loop->poll, n > 0, preempted);
		loop->poll_stats.polls++;
		loop->poll_stats.hits += n > 0 && !preempted;
	}
	return n;
}

/* Waits for ready fds: polls them for the policy's window, then sleeps. */
static int poll_then_wait(struct ev_loop *loop, struct epoll_event *events)
{
	uint64_t start = now_ns(), window = poll_policy_begin_wait(&loop->poll);
	int n;

	if (window && loop->poll_alone && contended(loop)) {
		poll_policy_missed(&loop->poll);
		window = 0;
	}
	if (window && (n = poll_window(loop, events, start, window)) != 0)
		return n;
	n = epoll_wait(loop->epfd, events, EV_BATCH, -1);
	if (n > 0 && !window)
		poll_policy_slept(&loop->poll, now_ns() - start);
	return n;
}

int ev_run(struct ev_loop *loop)
{
	struct epoll_event events[EV_BATCH];
	bool work_left = false;

	while (!loop->stopped) {
		int n = work_left || !loop->poll.max_ns
				? epoll_wait(loop->epfd, events, EV_BATCH, work_left ? 0 : -1)
				: poll_then_wait(loop, events);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		for (int i = 0; i < n; i++) {
			struct ev_handler *h = events[i].data.ptr;
			h->fn(h->arg, events[i].events);
		}
		work_left = loop->idle && loop->idle(loop->idle_arg);
	}
	return 0;
}
