/*
 * snoop_join.h - which ring-buffer records make one line (snoop_join.c).
 */
#ifndef SNOOP_JOIN_H
#define SNOOP_JOIN_H

#include <stdbool.h>
#include <stddef.h>

/* One record as the ring buffer hands it over (size bytes, trimmed to
 * its payloads): prints what it completes, keeps what must wait.
 * 0, or -ECANCELED once -c is reached (the ring buffer's callback
 * contract: stop consuming). */
int snoop_join_record(const void *data, size_t size);

/* The ring buffer's count of dropped records, as it grows: a record
 * whose reply may have been dropped is released sooner. */
void snoop_join_note_lost(unsigned long long lost);

/* Releases what waited too long (everything with all = true: at exit). */
void snoop_join_expire(bool all);

/* How many records wait for their reply. */
size_t snoop_join_waiting(void);

/* The clock that times held records (NULL: CLOCK_MONOTONIC again). */
void snoop_join_set_clock(unsigned long long (*clock)(void));

/* Forgets, unprinted, whatever waits (a new stream: the unit tests). */
void snoop_join_reset(void);

#endif
