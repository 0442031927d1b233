/*
 * snoop_output.h - xenstore-snoop's event lines, text or JSON, and -c
 * (snoop_output.c).  Each print_* applies the filters user space owns and
 * counts what it printed; with -s it adds to the summary instead.
 */
#ifndef SNOOP_OUTPUT_H
#define SNOOP_OUTPUT_H

#include <stdbool.h>
#include <sys/types.h>

#include "xenstore-snoop.h"

/* -c: has the run printed (or, with -s, counted) all it should? */
bool count_reached(void);

/* The column header of the text lines. */
void print_header(void);

/* A request's line: reply e, with the txn_done and quota_exceeded
 * records it caused (or NULL).  A reply flagged XSS_F_CONTEXT gets no
 * line: what it annotates is printed on its own. */
void print_reply(const struct xss_event *e, const struct xss_event *txn,
		 const struct xss_event *quota);

/* A watch event, with the reply of the request that caused it (NULL:
 * named by the ids the probe gave). */
void print_watch(const struct xss_event *w, const struct xss_event *reply);

/* A txn_done or quota_exceeded whose reply never came (the connection
 * went, or the reply was filtered out): a line of its own. */
void print_orphan(const struct xss_event *orig);

/* -e: connections and domains. */
void print_extra(const struct xss_event *e);

/* The daemon pid exec'd (a live update, seen by its record or by the
 * tool's poll of its image): a note goes out with the next event,
 * saying how long the daemon was silent. */
void exec_noted(pid_t pid);

/* Before event e: the pending note, if e comes after the exec. */
void exec_note_before(const struct xss_event *e);

/* At exit: the pending note, if any. */
void exec_note_flush(void);

#endif
