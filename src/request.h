/*
 * request.h - one request being handled, and the single dispatch point:
 * request_handle() looks the type up in the operation table, applies the
 * checks that hold for every operation (known type, privilege,
 * transaction id), fires the request/reply/error probes, calls the
 * handler, and queues its reply or the error it returned.
 *
 * Handlers (ops.h) return 0 after setting a reply with reply_*(), or a
 * positive errno that becomes an XS_ERROR reply.
 */
#ifndef XS_REQUEST_H
#define XS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "watch.h"
#include "wire.h"

struct conn;
struct daemon;
struct txn;

struct request {
	struct conn *conn;
	struct daemon *daemon;
	struct event_source events; /* its changes' watch events name it */
	struct xs_msg_header hdr;
	const char *payload;      /* hdr.len bytes; not NUL-terminated */
	struct txn *txn;          /* the transaction named by tx_id, if any */
	char *rsp;                /* reply payload being built */
	size_t rsp_len;
	uint64_t start_ns;        /* receive time, when the reply probe is on */
	/* Work to do once the reply is queued (WATCH's initial event). */
	void (*after_reply)(struct request *r);
	void *after_arg;
	bool no_reply;            /* answered later (live-update -s) */
};

void request_handle(struct conn *c, const struct xs_msg_header *hdr, const char *payload);

/* Reply builders; E2BIG when the reply would exceed XS_PAYLOAD_MAX. */
int reply_bytes(struct request *r, const void *data, size_t len);
int reply_str(struct request *r, const char *s);   /* s and its NUL */
int reply_ok(struct request *r);                    /* "OK\0" */
int reply_printf(struct request *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));          /* text and a NUL */
/* Appends to the reply built so far. */
int reply_append(struct request *r, const void *data, size_t len);

/* Argument helpers for handlers: exactly n strings, at least n. */
bool request_args(const struct request *r, const char **argv, unsigned n);
unsigned request_args_min(const struct request *r, const char **argv, unsigned min,
			  unsigned max);

/* The caller's quota limit for `id`: 0 (unlimited) for privileged. */
unsigned request_quota(const struct request *r, int id);
/* Reports a refused request to probes; returns ENOSPC (or err). */
int request_quota_exceeded(const struct request *r, int id, size_t value, int err);

#endif
