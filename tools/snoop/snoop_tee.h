/*
 * snoop_tee.h - where xenstore-snoop's JSON records go besides stdout:
 * the live timeline (--trace FILE, --html FILE) and the flight recorder
 * (-w DIR).
 *
 * The snoop prints its records with stdio; snoop_tee_start() puts a
 * stream of ours in place of stdout, which cuts what is printed into
 * lines and hands each to the timeline model (snoop_timeline.c) and the
 * recorder (snoop_record.c), and passes the bytes on to the real stdout
 * only when the user asked for -j.  So the files hold exactly the
 * records -j shows, and xenstore-timeline draws a recorded session with
 * the very same code.  snoop_tee_finish() writes the drawings.
 */
#ifndef SNOOP_TEE_H
#define SNOOP_TEE_H

#include <stdbool.h>

struct tee_opts {
	const char *trace;		/* --trace FILE, or NULL */
	const char *html;		/* --html FILE, or NULL */
	const char *record_dir;		/* -w DIR, or NULL */
	unsigned long long record_bytes;	/* -W: the recorder's budget */
	bool passthrough;		/* the user asked for -j: show them too */
};

/* True when any of the above is asked for. */
bool snoop_tee_wanted(const struct tee_opts *o);

/* Replaces stdout (before anything is printed): 0 or an errno, with a
 * message on stderr. */
int snoop_tee_start(const struct tee_opts *o);

/* Flushes, restores stdout, closes the recording and writes the
 * drawings, saying on stderr where they are: 0 or an errno. */
int snoop_tee_finish(void);

#endif
