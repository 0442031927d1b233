/* poll_policy.c - when to poll before sleeping (see poll_policy.h).
 *
 * Polling only pays when the client runs on another CPU.  One that shares
 * ours cannot run while we poll, so the poll either misses, having cost
 * its whole window, or finds the event only because the client preempted
 * us, which sleeping would have given it as well: both count as misses.
 * (Yielding between polls would let such a client run, but puts the
 * daemon behind every runnable task on its CPU: with 100 guests that cost
 * more than polling won.) */
#include "poll_policy.h"

void poll_policy_init(struct poll_policy *p, uint64_t max_ns)
{
	*p = (struct poll_policy){ .max_ns = max_ns, .backoff = 1, .armed = true };
}

void poll_policy_arm(struct poll_policy *p, bool armed)
{
	p->armed = armed;
}

uint64_t poll_policy_begin_wait(struct poll_policy *p)
{
	if (p->skip) {
		p->skip--;
		return 0;
	}
	return p->armed ? p->window_ns : 0;
}

void poll_policy_missed(struct poll_policy *p)
{
	p->skip = p->backoff;
	if (p->backoff < POLL_BACKOFF_MAX)
		p->backoff *= 2;
}

void poll_policy_polled(struct poll_policy *p, bool found, bool preempted)
{
	if (found && !preempted)
		p->backoff = 1;
	else
		poll_policy_missed(p);
}

/* After a miss the window stays open for the wait after the skips: only
 * a wait that slept says how quickly events come back. */
void poll_policy_slept(struct poll_policy *p, uint64_t slept_ns)
{
	p->window_ns = slept_ns <= p->max_ns ? p->max_ns : 0;
}
