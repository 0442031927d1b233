/*
 * trace_file.h - `-T FILE`: the daemon writes, from inside, the lines
 * xenstore-snoop -t would print (DOM PID TX OP ... -> RESULT, watch events
 * with their cause), for post-mortem traces without a tracer attached.
 * The hooks sit beside the probes (request.c, watch.c) and run only when
 * -T was given: d->trace is NULL otherwise, and each hook is one test of
 * that pointer.  The file is opened for appending, 0600, like C's
 * trace file, and re-opened on SIGHUP (log rotation).
 */
#ifndef XS_TRACE_FILE_H
#define XS_TRACE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct conn;
struct event_cause;
struct trace_file;

/* Opens (creates) path for appending; 0 or an errno. */
int trace_file_open(struct trace_file **tf, const char *path);
/* Re-opens the same path (after logrotate moved it); 0 or an errno. */
int trace_file_reopen(struct trace_file *tf);
void trace_file_close(struct trace_file *tf);
/* The file's absolute path (the daemon later changes to /). */
const char *trace_file_path(const struct trace_file *tf);

/* A request is about to be handled: remembered so the watch events it
 * causes can name it, as xenstore-snoop does. */
void trace_request(struct trace_file *tf, const struct conn *c,
		   const struct xs_msg_header *hdr, const char *payload);
/* Its reply: one line.  err = 0 or the errno sent back (rsp = its name). */
void trace_reply(struct trace_file *tf, const struct conn *c,
		 const struct xs_msg_header *hdr, const char *payload, int err,
		 const char *rsp, size_t rsp_len);
/* What the next reply line is annotated with, as xenstore-snoop joins
 * txn_done and quota_exceeded to the reply they belong to. */
void trace_txn_done(struct trace_file *tf, int result, const char *conflict_path,
		    unsigned long nodes, unsigned long ops);
void trace_quota(struct trace_file *tf, const char *quota, size_t value, size_t limit);
void trace_watch_event(struct trace_file *tf, const struct conn *c, const char *path,
		       const char *token, const struct event_cause *cause);

#endif
