/*
 * watch.h - registered watches and the delivery of watch events.
 *
 * Watches live in a hash table keyed by their absolute path.  A changed
 * path P is matched by hashing each of its prefixes ("/", "/a", "/a/b",
 * ... P) while scanning it once, so matching costs the depth of P plus
 * the watches that match, never the number of watches installed.
 *
 * Delivery applies the XSA-115 filter (the watcher must be able to read P
 * or its parent, or, for a permission change, P under its old
 * permissions), strips the home prefix for relatively registered watches,
 * and queues WATCH_EVENT on the watcher's connection.
 *
 * Overflow: an event that would take the watcher's output queue past its
 * hard limit is dropped and the watch marked overflowed; its later events
 * are dropped too until the queue has drained, and then the watch gets one
 * event for its own path (as at registration): "anything below may have
 * changed, read again" (docs/DIFFERENCES.md).  Replies are never dropped.
 */
#ifndef XS_WATCH_H
#define XS_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"
#include "perms.h"

struct conn;
struct daemon;

struct watch {
	struct hashtab_link hash_link; /* chain of the watch table */
	struct watch *conn_next;  /* the owner's list */
	struct conn *conn;
	const char *token;        /* points into data */
	int depth;                /* levels below path that match, -1 = any */
	bool relative;            /* registered relative to the home dir */
	bool overflowed;          /* events dropped: owes an overflow event */
	uint32_t hash;            /* store_hash of the path */
	uint16_t path_len;
	char data[];              /* path \0 token \0 */
};

struct watch_table {
	struct hashtab by_path;   /* growth: watch_table_init */
};

int watch_table_init(struct watch_table *t);
void watch_table_destroy(struct watch_table *t);

/* EEXIST for a duplicate (path, token) on the same connection. */
int watch_add(struct watch_table *t, struct conn *c, const char *path, bool relative,
	      const char *token, int depth, struct watch **out);
/* ENOENT when no such watch. */
int watch_remove(struct watch_table *t, struct conn *c, const char *path,
		 const char *token);
void watch_remove_all(struct watch_table *t, struct conn *c);

/* Who caused an event (for probes): connection id and request id, and
 * the request's number on its connection, which unlike the client's
 * req_id names one request only. */
struct event_cause {
	uint32_t conn_id;
	uint32_t req_id;
	uint64_t seq;
};

/* Where the model's changes go to become watch events: the daemon that
 * delivers them and the request that caused them (0, 0: none, e.g. the
 * hypervisor reported a domain's death).  A request carries one
 * (request.h); it is the context of watch_changed(). */
struct event_source {
	struct daemon *d;
	struct event_cause cause;
};

/* change_fn (txn.h) for a struct event_source: watch_fire() with its cause. */
void watch_changed(void *event_source, const char *path, bool exact,
		   const struct perm *old_perms, unsigned old_nperms);

/* Delivers events for a change of `path` (see header comment). */
void watch_fire(struct daemon *d, const char *path, bool exact,
		const struct perm *old_perms, unsigned old_nperms,
		const struct event_cause *cause);

/* Queues the event of one watch for path (used for the initial event). */
void watch_send_event(struct watch *w, const char *epath, const struct event_cause *cause);

/* The conn's output queue has drained: each overflowed watch gets its
 * overflow event (as many as fit). */
void watch_send_overflows(struct conn *c);

#endif
