/*
 * snoop_stack_api.h - xenstore-snoop -U: for each request from a dom0
 * process, the user stack of the thread that sent it (native frames
 * unwound by snoop_unwind.c and named there or by snoop_symbol.c, and a
 * Python client's own frames), printed
 * under the request, as the "stack"/"py_stack" JSON fields, summed per
 * stack in the summary (-s) and as folded stacks (--folded FILE) that
 * flamegraph.pl and speedscope read.
 *
 * snoop_stack.c owns its BPF object (snoop_stack.bpf.c) and the join: the
 * stacks of the requests written on each connection wait, in order, for
 * the daemon's replies on it; a stack belongs to a reply when it is the
 * oldest waiting on that connection and its header (type, req_id,
 * tx_id) is the one answered.  The snoop then finds it by the reply's
 * connection and arrival time, which the daemon's reply_record gives
 * both BPF objects.
 */
#ifndef SNOOP_STACK_API_H
#define SNOOP_STACK_API_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "xenstore-snoop.h"

struct stack_opts {
	pid_t daemon;			/* global PID of the daemon */
	const char *daemon_exe;		/* /proc/PID/exe */
	const char *folded;		/* --folded FILE, or NULL */
	bool summary;			/* -s: a table of stacks in the summary */
	bool verbose;
};

/* Loads and attaches: 0, or an errno with a message on stderr. */
int snoop_stack_start(const struct stack_opts *o);

/* Under a request's line / inside its JSON object / into the summary:
 * the stack of the request e answers, if known. */
void snoop_stack_text(FILE *f, const struct xss_event *e);
void snoop_stack_json(FILE *f, const struct xss_event *e);
void snoop_stack_count(const struct xss_event *e);

/* At exit: the stack table (with -s), the folded file, what was lost;
 * then detaches. */
void snoop_stack_finish(FILE *summary);

#endif
