/*
 * conn.h - a client connection, independent of how bytes travel.
 *
 * A transport (the Unix socket, or the shared ring of a guest) creates a
 * conn with its conn_ops and calls conn_readable()/conn_writable() when
 * its fd or event channel fires.  The conn owns framing (reassembling
 * headers and bodies across partial reads), the output queue, and the
 * client's transactions and watches.
 *
 * Output bound: while more than OUT_SOFT_LIMIT bytes wait to be sent, the
 * conn stops reading requests (the client is pushed back by its own
 * socket buffer).  Watch events are not requests and can still arrive;
 * an event that would take the queue past the hard limit (16 MiB for the
 * privileged domain, the memory quota for others) is dropped and its
 * watch marked overflowed (watch.c), so a client that never reads cannot
 * grow the daemon without bound, and a domain flooding writes cannot cut
 * another off.  Replies are never dropped: a conn that cannot queue one
 * (out of memory) is closed at the end of the round.
 */
#ifndef XS_CONN_H
#define XS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wire.h"

struct conn;
struct daemon;
struct domain;
struct txn;
struct watch;

struct conn_ops {
	const char *kind;  /* "socket", "ring" */
	/* Bytes read, 0 at end of stream, or -errno (-EAGAIN: nothing now). */
	ssize_t (*recv)(struct conn *c, void *buf, size_t len);
	/* Bytes written, or -errno (-EAGAIN: try again when writable). */
	ssize_t (*send)(struct conn *c, const void *buf, size_t len);
	/* Tells the transport what to wait for. */
	void (*set_interest)(struct conn *c, bool want_in, bool want_out);
	/* The conn closed: stops the transport's I/O (deregisters, closes
	 * the fd, unbinds, unmaps).  An event of the loop round under way
	 * may still reach the transport's handler, so its memory stays. */
	void (*destroy)(struct conn *c);
	/* Optional: frees the transport's memory, after the round, just
	 * before the conn itself. */
	void (*free_transport)(struct conn *c);
	/* Optional: the client sent something unacceptable (oversized
	 * message); called before the connection is closed. */
	void (*protocol_error)(struct conn *c);
	/* Optional: a batch of recv/send calls is over (the ring notifies
	 * its peer once here rather than after every chunk). */
	void (*batch_done)(struct conn *c);
	/* Optional: carries on with work the transport cut short to let
	 * others have their turn (see conn_resume_later). */
	void (*resume)(struct conn *c);
};

#define CONN_IN_BUF (2 * (XS_HEADER_SIZE + XS_PAYLOAD_MAX))
#define OUT_SOFT_LIMIT (64 * 1024)

struct conn {
	const struct conn_ops *ops;
	void *transport;          /* the transport's own state */
	struct daemon *daemon;
	struct conn *next, *prev; /* daemon's list of live connections */
	struct conn *reap_next;   /* daemon's list of closed, not yet freed */
	struct conn *flush_next;  /* daemon's list of conns with new output */
	bool flush_pending;       /* on that list */
	struct conn *resume_next; /* daemon's list of conns with work left */
	bool resume_pending;      /* on that list */
	const char *close_pending; /* close at the end of the round, and why */
	uint32_t id;              /* unique for the daemon's lifetime (probes) */
	unsigned domid;
	bool priv;                /* acts as the privileged domain */
	bool dead;                /* closed; freed after the current round */
	bool held;                /* takes no request until released (live update) */
	bool release_pending;     /* released: take held requests at the round's end */
	struct domain *domain;    /* accounting record; NULL for socket clients */
	uint32_t features;        /* XS_FEATURE_* the client may use */
	pid_t pid;                /* peer process (socket clients), 0 otherwise */
	uid_t uid;
	char comm[16];
	/* input */
	char *in;
	size_t in_len;
	/* output: one contiguous queue, sent from out_off */
	char *out;
	size_t out_off, out_len, out_cap;
	size_t out_next_msg;      /* first message boundary at or after out_off */
	size_t out_hard_limit;
	/* state owned for the client */
	struct txn *txns;
	unsigned ntxns;
	uint32_t next_txid;
	struct watch *watches;
	unsigned nwatches;
	unsigned overflowed_watches; /* watches owed an overflow event */
	uint64_t requests;        /* served, for memreport/probes */
	unsigned outstanding;     /* requests answered since output was last empty */
};

struct conn *conn_new(struct daemon *d, const struct conn_ops *ops, void *transport,
		      unsigned domid);
void conn_readable(struct conn *c);
void conn_writable(struct conn *c);
/* Closes now: drops watches and transactions, unlinks, and queues the
 * struct to be freed after the current loop round.  Idempotent. */
void conn_close(struct conn *c, const char *why);
/* Appends a message.  ENOMEM: out of memory, the conn is closed at the
 * end of the round (counted in oom_closes). */
int conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const void *payload, size_t len);
/* Sends what it can now. */
void conn_flush(struct conn *c);
size_t conn_pending_output(const struct conn *c);
/* Forgets everything in flight (ring RECONNECT, re-INTRODUCE): watches,
 * transactions, partial input, queued output. */
void conn_reset(struct conn *c);
/* The transport stopped at its budget with work left: ops->resume runs
 * once at the end of this loop round, after every other ready fd had its
 * turn.  Idempotent within a round. */
void conn_resume_later(struct conn *c);
/* End of a loop round: resumes the work transports cut short, sends what
 * was queued for other connections (watch events) and frees connections
 * closed during the round.  True when some connection asked to resume
 * again: the loop must come back without waiting. */
bool conn_end_of_round(struct daemon *d);

/* Live update: puts back what a connection had in flight (pending input,
 * pending output whose first first_rest bytes finish a partly sent
 * message).  0 or ENOMEM. */
int conn_restore_buffers(struct conn *c, const void *in, size_t in_len, const void *out,
			 size_t out_len, size_t first_rest);
/* Bytes left of a partly sent message at the head of the output. */
size_t conn_partial_output(const struct conn *c);
/* Lets a held connection take requests again; what waits is handled at
 * the end of the loop round. */
void conn_release(struct conn *c);

struct txn *conn_find_txn(const struct conn *c, uint32_t id);
void conn_drop_txn(struct conn *c, struct txn *t);
void conn_drop_all_txns(struct conn *c);

#endif
