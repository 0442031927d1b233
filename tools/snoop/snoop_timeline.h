/*
 * snoop_timeline.h - a session as a timeline: the model that
 * `xenstore-snoop --trace/--html` and `xenstore-timeline` build from the
 * JSON records `xenstore-snoop -j` prints, and the two drawings of it.
 *
 * This module owns the model and its joins: which client track each
 * record belongs to (one per client process, or per guest domain), when
 * each request arrived (its reply time minus its latency), the request
 * that caused each watch event (exact: the daemon names it), the
 * request the watcher made next (inferred: its next request on that
 * connection after the event, before any other event reached it), and
 * the span of each transaction.  snoop_trace.c writes it as Chrome
 * trace-event JSON (Perfetto, chrome://tracing), snoop_html.c as one
 * self-contained HTML/SVG sequence diagram.
 *
 * Records are kept whole in memory: a session of a million requests
 * takes a few hundred MiB; a longer one is drawn from a flight recording
 * (xenstore-snoop -w), which keeps only the last N MiB.
 */
#ifndef SNOOP_TIMELINE_H
#define SNOOP_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum tl_kind {
	TL_REQUEST,		/* a request joined with its reply */
	TL_WATCH_EVENT,		/* a watch event sent to a client */
	TL_TXN_DONE,		/* a transaction's end without its reply */
	TL_QUOTA,		/* a quota hit without its reply */
	TL_CONN_OPEN,
	TL_CONN_CLOSE,
	TL_DOMAIN_INTRODUCE,
	TL_DOMAIN_RELEASE,
};

/* A client: a dom0 process (pid != 0), or a guest domain (pid 0). */
struct tl_track {
	unsigned dom, pid;
	char comm[32];			/* "" when unknown */
};

struct tl_event {
	enum tl_kind kind;
	unsigned long long start_ns;	/* request: arrival; else the probe time */
	unsigned long long end_ns;	/* request: reply; else start_ns */
	unsigned long long shown_ns;	/* request: max(arrival, previous reply on its
					 * connection): pipelined requests wait */
	unsigned conn, dom, pid, req_id, tx, type;
	size_t track;			/* index into timeline.tracks */
	char *op;			/* "XS_WRITE" */
	char *path;			/* display form, NULL if none */
	char *request, *reply;		/* display form of the payloads */
	char *error;			/* "ENOENT", NULL on success */
	char *token;			/* watch event */
	char *stack;			/* client stack, frames joined by ';' (-U) */
	bool has_txn;			/* TRANSACTION_END (or TL_TXN_DONE): */
	char *txn_result;		/*   "committed", "eagain", ... */
	char *conflict;			/*   node behind an EAGAIN, NULL if none */
	unsigned long long txn_ns, txn_ops, txn_nodes;
	unsigned long long txn_start_ns;	/* from its TRANSACTION_START if seen */
	char *quota;			/* quota hit, NULL if none */
	unsigned cause_conn, cause_req;	/* watch event: what the daemon names */
	bool has_cause;
	long cause;			/* watch event: the request that caused it, -1 */
	long response;			/* watch event: the watcher's next request, -1 */
};

struct timeline {
	struct tl_event *ev;
	size_t n, cap;
	struct tl_track *tracks;
	size_t ntracks, tracks_cap;
	unsigned long long t0;		/* earliest time, the drawings' zero */
	unsigned long long skipped;	/* lines that were not snoop records */
	bool resolved;			/* joins done for the current records */
};

struct timeline *timeline_new(void);
void timeline_free(struct timeline *tl);

/* One JSON line as xenstore-snoop -j prints it: 0, EINVAL (not a record
 * we draw: counted in skipped, nothing else changes) or ENOMEM. */
int timeline_add_line(struct timeline *tl, const char *line, size_t len);

/* Every line of f (which may be a recording's rotated files joined):
 * 0 or the first ENOMEM/EIO. */
int timeline_add_file(struct timeline *tl, FILE *f);

/* Sorts the records by time and does the joins; the writers call it. */
void timeline_resolve(struct timeline *tl);

/* A track's label: "dom0 pid 1234 xenstore-write", "dom6 (guest)". */
void timeline_track_label(const struct tl_track *t, char *buf, size_t size);

/* A request's one-line label: "XS_WRITE /a/b", "XS_TRANSACTION_START". */
void timeline_event_label(const struct tl_event *e, char *buf, size_t size);

/* The drawings: 0 or EIO (f failed). */
int timeline_write_trace(struct timeline *tl, FILE *f);
#define TIMELINE_TITLE "xenstore session"	/* the page's default title */
int timeline_write_html(struct timeline *tl, FILE *f, const char *title);

/* Escaping shared by the writers: a JSON string, an HTML text. */
void tl_put_json_str(FILE *f, const char *s);
void tl_put_html(FILE *f, const char *s);

#endif
