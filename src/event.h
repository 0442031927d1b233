/*
 * event.h - the single-threaded epoll loop.  Register an fd with a
 * callback, change what it waits for, run until told to stop.  After each
 * round of callbacks the loop calls an optional idle hook (the daemon uses
 * it to free connections closed during the round, so nothing is freed
 * while a request still refers to it, and to resume work it cut short).
 * When the hook says work is left, the next wait only polls: the fds
 * that are ready get their turn, then the hook runs again.
 */
#ifndef XS_EVENT_H
#define XS_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;

typedef void ev_fd_fn(void *arg, uint32_t events);

/* A registration; embed it in the object that owns the fd. */
struct ev_handler {
	ev_fd_fn *fn;   /* called with the epoll event bits */
	void *arg;      /* the owning object */
	int fd;
	uint32_t events; /* what we currently wait for (EPOLLIN/EPOLLOUT) */
};

struct ev_loop *ev_new(void);
void ev_free(struct ev_loop *loop);
int ev_add(struct ev_loop *loop, struct ev_handler *h, int fd, uint32_t events,
	   ev_fd_fn *fn, void *arg);
int ev_modify(struct ev_loop *loop, struct ev_handler *h, uint32_t events);
void ev_remove(struct ev_loop *loop, struct ev_handler *h);
/* fn returns true when it left work for the next round. */
void ev_set_idle(struct ev_loop *loop, bool (*fn)(void *), void *arg);
/* Runs until ev_stop() (the daemon's signalfd handler calls it), checked
 * after each round.  0, or an errno from epoll_wait. */
int ev_run(struct ev_loop *loop);
/*
 * Poll before sleeping: when a round leaves no work and events have been
 * coming back quickly, the loop polls its fds for up to max_ns before it
 * blocks (poll_policy.h says when it does).  Clients that answer within
 * microseconds then find the daemon awake instead of paying for its
 * wake-up.  0 (the default): block at once.
 */
void ev_set_poll(struct ev_loop *loop, uint64_t max_ns);
/* Whether the next wait may poll (after ev_set_poll: yes); the daemon
 * says so each round, polling only after rounds that moved a ring. */
void ev_poll_arm(struct ev_loop *loop, bool armed);
/* Poll only while no other task competes for the loop's CPU (it was not
 * preempted since the last wait; the daemon sets this, tests do not). */
void ev_poll_only_alone(struct ev_loop *loop);
/* The window the next wait will poll for, in ns (poll_policy.h). */
uint64_t ev_poll_window(const struct ev_loop *loop);
/* Polls tried, and those that found an event without losing the CPU. */
struct ev_poll_stats {
	uint64_t polls, hits;
};
void ev_poll_stats(const struct ev_loop *loop, struct ev_poll_stats *stats);
void ev_stop(struct ev_loop *loop);

#endif
