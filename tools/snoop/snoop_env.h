/*
 * snoop_env.h - what every part of xenstore-snoop's user side shares: the
 * options of the run (struct snoop_env, filled by snoop_options.c from
 * the command line) and its state (struct snoop_run: what was printed,
 * the clocks, whether to stop), plus a few helpers of the output.
 *
 * The modules and what they own:
 *   snoop_options.c  the command line
 *   snoop_conns.c    who is behind a connection id
 *   snoop_join.c     records waiting for the reply they belong to
 *   snoop_output.c   event lines, text and JSON, and -c
 *   snoop_summary.c  -s: counts, histograms, tables
 *   snoop_find.c     finding the daemon
 *   xenstore-snoop.c libbpf: load, attach, poll, follow a live update
 * Only the last one links libbpf: the others are driven by the unit tests
 * (tests/unit/test_snoop_*.c) with recorded streams of records.
 */
#ifndef SNOOP_ENV_H
#define SNOOP_ENV_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "snoop_parse.h"
#include "snoop_tee.h"

#define PROG "xenstore-snoop"

struct snoop_env {
	pid_t daemon_pid;	/* -p, 0 = find it */
	bool timestamp;		/* -t */
	bool latency;		/* -l */
	bool comm;		/* -C */
	long long domid;	/* -D, -1 = all */
	long long client_pid;	/* -P, -1 = all */
	uint32_t types;		/* -o, bit per type, 0 = all */
	struct snoop_path_filter path;	/* -f */
	bool errors;		/* -x */
	bool extra;		/* -e */
	bool json;		/* -j */
	bool summary;		/* -s */
	long interval;		/* -i, seconds */
	long long count;	/* -c */
	long duration;		/* -d, seconds */
	unsigned buffer_mb;	/* -b */
	bool verbose;		/* -v */
	bool which;		/* --which */
	struct tee_opts tee;	/* --trace, --html, -w, -W (snoop_tee.h) */
	bool stacks;		/* -U (snoop_stack_api.h) */
	const char *folded;	/* --folded */
};

/* The options (snoop_options.c; the defaults until parsed). */
extern struct snoop_env env;

struct snoop_run {
	volatile sig_atomic_t exiting;	/* set by a signal or by -c */
	long long printed;		/* events output (for -c) */
	unsigned long long realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	unsigned long long newest_ts;	/* newest probe timestamp seen */
	bool output_failed;		/* stdout could not be written */
	pid_t traced_pid;		/* the daemon (its pid survives its execs) */
};

/* The state of the run (snoop_output.c). */
extern struct snoop_run run;

static inline unsigned long long now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* "s" after a count other than 1: "1 event", "2 events". */
static inline const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* A string that came from outside (a path, an error or quota name, kept
 * as it came for the JSON output), in display form for a text line: a
 * compound literal, valid to the end of the enclosing block. */
#define TEXT(s) snoop_clean_str((char[SNOOP_SHOWN_SIZE(XSS_DATA_MAX)]){ 0 }, \
				SNOOP_SHOWN_SIZE(XSS_DATA_MAX), (s))

#endif
