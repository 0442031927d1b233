/*
 * poll_policy.h - when the event loop polls its fds before it sleeps.
 *
 * The rules only, fed with what the loop measured (how long a wait took,
 * whether a poll found events, whether the loop lost its CPU meanwhile),
 * so they can be tested without a clock; event.c does the waiting.
 *
 * A wait that ended within the largest window opens it (a poll would have
 * caught that event), a longer one closes it: an idle daemon, or one whose
 * clients take their time, sleeps at once.  A poll that found nothing, or
 * found it only after the loop was preempted, or that was not tried
 * because another task wanted the CPU, is a miss: the next waits sleep at
 * once, 1, 2, 4 ... up to POLL_BACKOFF_MAX of them as misses repeat, and a
 * clean hit starts over.
 */
#ifndef XS_POLL_POLICY_H
#define XS_POLL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define POLL_BACKOFF_MAX 1024u

struct poll_policy {
	uint64_t max_ns;    /* 0: never poll before sleeping */
	uint64_t window_ns; /* the current window: 0 or max_ns */
	unsigned skip;      /* waits left that sleep at once after a miss */
	unsigned backoff;   /* what the next miss sets skip to */
	bool armed;         /* the next wait may poll (poll_policy_arm) */
};

void poll_policy_init(struct poll_policy *p, uint64_t max_ns);
void poll_policy_arm(struct poll_policy *p, bool armed);
/* A wait begins: how long to poll before sleeping (0: sleep at once).
 * Uses up one of the waits a miss said to sleep through. */
uint64_t poll_policy_begin_wait(struct poll_policy *p);
/* The wait did not poll (another task wanted the CPU): a miss. */
void poll_policy_missed(struct poll_policy *p);
/* The wait polled: found is whether the poll returned events, preempted
 * whether the loop lost its CPU while polling. */
void poll_policy_polled(struct poll_policy *p, bool found, bool preempted);
/* The wait slept without polling first, for slept_ns, until an event. */
void poll_policy_slept(struct poll_policy *p, uint64_t slept_ns);

#endif
