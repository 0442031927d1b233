/*
 * snoop_summary.h - xenstore-snoop -s: counts, histograms and tables of
 * the events of a run or an interval (snoop_summary.c).
 */
#ifndef SNOOP_SUMMARY_H
#define SNOOP_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "xenstore-snoop.h"

#define HIST_SLOTS 32

struct stats {
	unsigned long long count, errors, timed, sum_ns, max_ns;
	unsigned long long hist[HIST_SLOTS];	/* log2 buckets of microseconds:
						 * [0] below 2 us, [i] [2^i, 2^(i+1)) */
};

/* Counts one request (lat_ns 0: its latency is unknown). */
void stats_add(struct stats *s, unsigned long long lat_ns, bool err);

/* Starts over (a new interval); lost_now: the ring's lost count now. */
void summary_reset(unsigned long long lost_now);

/* A request's reply; path: its node, if it has one; errname: the error
 * it got, if any. */
void summary_add_reply(const struct xss_event *e, const char *path, const char *errname);
void summary_add_watch_event(void);
void summary_add_txn(const struct xss_event *e);
void summary_add_quota(const struct xss_event *e);

/* The summary since the last reset; lost: the ring's lost count now. */
void print_summary_text(FILE *f, unsigned long long lost);
void print_summary_json(FILE *f, unsigned long long lost);

#endif
