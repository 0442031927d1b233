/* event.c - epoll loop (see event.h). */
#include "event.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EV_BATCH 64

struct ev_loop {
	int epfd;
	bool stopped;
	bool (*idle)(void *);
	void *idle_arg;
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

int ev_run(struct ev_loop *loop)
{
	struct epoll_event events[EV_BATCH];
	bool work_left = false;

	while (!loop->stopped) {
		int n = epoll_wait(loop->epfd, events, EV_BATCH, work_left ? 0 : -1);
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
