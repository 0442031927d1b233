/*
 * unit.h - shared helpers for the cmocka unit tests in tests/unit/.
 *
 * Three levels of testing are supported:
 *
 *  - Module level: a bare `struct store` with a root node, node_ctx/view
 *    set-ups over it, and a change recorder standing in for the watch
 *    machinery (ut_store_init, ut_ctx, struct ut_changes).
 *
 *  - Daemon level: a real `struct daemon` (daemon_init builds the initial
 *    tree) with clients on a fake transport.  A client (`struct ut_peer`)
 *    owns a `struct conn` whose send() appends to a buffer the test parses
 *    and whose recv() hands out scripted input (or -EAGAIN).  Requests go
 *    through request_handle(), the daemon's single dispatch point, so a test
 *    sees exactly the messages a real client would.
 *
 *  - Guest level: a fake hypervisor (struct fake_hv behind hv.h) so INTRODUCE
 *    maps a real ring page and the ring transport serves it; the test plays
 *    the guest on that page (ut_ring_request/ut_ring_read/ut_ring_kick) and
 *    decides what the hypervisor says about each domain.
 *
 * The fake hypervisor, the fake transport and the guest's side of the
 * ring are the test-support library's (tests/support, src/ring_client.c),
 * shared with the fuzzers; this header and unit.c are the cmocka layer
 * over them, built once into the same libtestsupport.a.  Assertion helpers come as macros passing
 * __FILE__/__LINE__, so a failure points at the test line, not here.
 */
#ifndef UNIT_H
#define UNIT_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "domain_life.h"
#include "hv.h"
#include "nodeops.h"
#include "path.h"
#include "perms.h"
#include "quota.h"
#include "request.h"
#include "ring.h"
#include "store.h"
#include "txn.h"
#include "watch.h"
#include "wire.h"

#include "fake_hv.h"
#include "fake_io.h"
#include "ring_client.h"

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* "OK" for 0, the wire name for errnos in Xen's table, else "errno<N>"
 * (never folded into EINVAL, so a mismatch is always visible). */
const char *ut_errname(int err);

/* assert_err(expr, ENOENT): compares by name for readable failures. */
#define assert_err(actual, expected) \
	_assert_string_equal(ut_errname(actual), ut_errname(expected), __FILE__, __LINE__)
#define assert_ok(actual) assert_err((actual), 0)

/* Fails at file:line showing "what: got" against "what: want" (cmocka
 * prints string mismatches readably in both plain and TAP output). */
void ut_fail_at(const char *file, int line, const char *what,
		const char *got, const char *want);

/* ------------------------------------------------------------------ */
/* Payloads                                                            */

/* Concatenates NUL-terminated strings (NULL ends the list) into buf;
 * returns the payload length. */
size_t ut_args(char *buf, size_t size, ...) __attribute__((sentinel));

/* Turns "a\0b\0" (len bytes) into "a,b" in out. */
const char *ut_join(const char *data, size_t len, char *out, size_t size);

/* ------------------------------------------------------------------ */
/* Module level: a bare store                                          */

/* A store holding just "/" owned by domain 0 with no access for others. */
void ut_store_init(struct store *s);

/* Records what a view reports, in place of watch delivery. */
#define UT_MAX_CHANGES 256
struct ut_changes {
	unsigned n;
	struct {
		char path[256];
		bool exact;
		unsigned old_nperms;
	} c[UT_MAX_CHANGES];
};

void ut_record_change(void *ctx, const char *path, bool exact,
		      const struct perm *old_perms, unsigned old_nperms);

/* Index of a recorded change of path with the given match type, or -1. */
int ut_change_index(const struct ut_changes *ch, const char *path, bool exact);

/* A node_ctx over store s (through t when not NULL) acting as domid;
 * changes go to rec when not NULL.  No quotas. */
void ut_ctx(struct node_ctx *ctx, struct store *s, struct txn *t,
	    unsigned domid, bool priv, struct ut_changes *rec);

/* The committed value of path as a string ("" when empty), NULL if absent. */
const char *ut_store_value(struct store *s, const char *path);

/* ------------------------------------------------------------------ */
/* Daemon level: a daemon and clients on a fake transport              */

struct ut_msg {
	struct xs_msg_header hdr;
	char body[XS_PAYLOAD_MAX + 1]; /* payload plus a NUL for convenience */
};

struct ut;

struct ut_peer {
	struct ut_peer *next;
	struct ut *u;
	struct conn *conn;
	unsigned domid;
	struct fake_io io;         /* the transport; its sink fills rx */
	/* What the daemon sent, not yet taken by the test. */
	char *rx;
	size_t rx_len, rx_cap;
	uint32_t last_req;
	struct ut_msg reply;       /* reply to the last ut_call */
	char joined[XS_PAYLOAD_MAX + 1];
};

struct ut {
	struct daemon d;
	struct ut_peer *peers;
	struct ut_peer *priv;      /* a privileged client, created by ut_new */
	struct fake_hv *hv;        /* fake hypervisor, when ut_hv_attach()ed */
};

/* The daemon's output lands in the peer's rx buffer. */
void ut_sink(struct fake_io *io, const void *buf, size_t len);

/* A client of domain domid with no domain record (like a socket client
 * when domid is the privileged domain).  Offers every daemon feature. */
struct ut_peer *ut_peer(struct ut *u, unsigned domid);

/* An introduced guest domain with its connection, as a ring transport
 * would set it up. */
struct ut_peer *ut_guest(struct ut *u, unsigned domid);

/* ------------------------------------------------------------------ */
/* A fake hypervisor (hv.h) for the ring transport and domain life     */

struct ut *ut_new(void);

/* Store invariants (parent/child links, per-domain node counts). */
#define ut_assert_consistent(u) ut_assert_consistent_at((u), __FILE__, __LINE__)
void ut_assert_consistent_at(struct ut *u, const char *file, int line);

/* Checks invariants, then tears everything down. */
#define ut_free(u) ut_free_at((u), __FILE__, __LINE__)
void ut_free_at(struct ut *u, const char *file, int line);

/* Moves queued output of the conn into the peer's buffer. */
void ut_flush(struct ut_peer *p);

/* Length of the first complete message at rx+off, or 0. */
size_t ut_msg_len_at(const struct ut_peer *p, size_t off);

void ut_msg_take(struct ut_peer *p, size_t off, size_t len, struct ut_msg *m);

/* Queues a raw message as client input for recv(); the daemon sees it at
 * the next conn_readable(). */
void ut_feed(struct ut_peer *p, uint32_t type, uint32_t req_id, uint32_t tx_id,
	     const void *payload, uint32_t len);

/* Takes the next message sent to the client; false when there is none. */
bool ut_pop(struct ut_peer *p, struct ut_msg *m);

/* Messages waiting for the client. */
unsigned ut_pending(struct ut_peer *p);

void ut_discard(struct ut_peer *p);

/*
 * Sends one request and takes its reply (matched by req_id, leaving any
 * watch events queued for the test).  Returns 0 for a normal reply, the
 * errno of an XS_ERROR reply (-1 if its name is unknown).  The reply stays
 * in p->reply.
 */
int ut_call(struct ut_peer *p, uint32_t type, uint32_t tx_id,
	    const void *payload, size_t len);

/* A request whose payload is the given strings, each NUL-terminated. */
int ut_callv(struct ut_peer *p, uint32_t type, uint32_t tx_id, ...)
	__attribute__((sentinel));

/* The reply body as a string (values: raw bytes plus our NUL). */
const char *ut_reply(const struct ut_peer *p);

/* The reply's NUL-separated strings joined with ',' ("" when empty). */
const char *ut_reply_joined(struct ut_peer *p);

/* Tree operations. */
int ut_writen(struct ut_peer *p, uint32_t tx, const char *path,
	      const void *value, size_t vlen);

int ut_write(struct ut_peer *p, uint32_t tx, const char *path, const char *value);

int ut_read(struct ut_peer *p, uint32_t tx, const char *path);

int ut_mkdir(struct ut_peer *p, uint32_t tx, const char *path);

int ut_rm(struct ut_peer *p, uint32_t tx, const char *path);

int ut_directory(struct ut_peer *p, uint32_t tx, const char *path);

int ut_get_perms(struct ut_peer *p, uint32_t tx, const char *path);

#define ut_set_perms(p, tx, path, ...) \
	ut_callv((p), XS_SET_PERMS, (tx), (path), __VA_ARGS__, NULL)

/* Value of path as read by p (asserts the read succeeds). */
#define ut_value(p, tx, path) ut_value_at((p), (tx), (path), __FILE__, __LINE__)
const char *ut_value_at(struct ut_peer *p, uint32_t tx, const char *path,
			const char *file, int line);

/* Children of path as "a,b,c" (asserts the directory succeeds). */
#define ut_children(p, tx, path) ut_children_at((p), (tx), (path), __FILE__, __LINE__)
const char *ut_children_at(struct ut_peer *p, uint32_t tx, const char *path,
			   const char *file, int line);

/* Permissions of path as "n0,r5" (asserts GET_PERMS succeeds). */
#define ut_perms(p, tx, path) ut_perms_at((p), (tx), (path), __FILE__, __LINE__)
const char *ut_perms_at(struct ut_peer *p, uint32_t tx, const char *path,
			const char *file, int line);

/* Transactions. */
#define ut_txn_start(p) ut_txn_start_at((p), __FILE__, __LINE__)
uint32_t ut_txn_start_at(struct ut_peer *p, const char *file, int line);

int ut_txn_end(struct ut_peer *p, uint32_t tx, bool commit);

/* The open transaction tx of p. */
struct txn *ut_txn(struct ut_peer *p, uint32_t tx);

/* Watches.  ut_watch registers, then checks and takes the initial event. */
#define ut_watch(p, path, token) ut_watch_at((p), (path), (token), -1, __FILE__, __LINE__)
#define ut_watch_depth(p, path, token, depth) \
	ut_watch_at((p), (path), (token), (depth), __FILE__, __LINE__)
void ut_watch_at(struct ut_peer *p, const char *path, const char *token,
		 int depth, const char *file, int line);

int ut_unwatch(struct ut_peer *p, const char *path, const char *token);

/* Event checks.  The next message must be this event. */
#define ut_expect_event(p, path, token) \
	ut_expect_event_at((p), (path), (token), __FILE__, __LINE__)
/* "event <path> <token>", "<TYPE> <body>" or "nothing". */
const char *ut_describe(const struct ut_msg *m, bool have, char *buf,
			size_t size);

void ut_expect_event_at(struct ut_peer *p, const char *path, const char *token,
			const char *file, int line);

/* Takes the first queued event with this path and token, wherever it is. */
bool ut_take_event(struct ut_peer *p, const char *path, const char *token);

/* Number of queued events (of any path) carrying this token. */
unsigned ut_count_events(struct ut_peer *p, const char *token);

/* Nothing is queued for the client. */
#define ut_expect_quiet(p) ut_expect_quiet_at((p), __FILE__, __LINE__)
void ut_expect_quiet_at(struct ut_peer *p, const char *file, int line);

/* A home directory for a guest as a toolstack would make it for these
 * tests: /local/domain/<id>, owned by the privileged domain, read-write
 * for the guest (so nodes the guest creates there are its own). */
void ut_make_home(struct ut *u, unsigned domid);

/* Nodes the domain is accounted as owning (0 without a record). */
unsigned ut_nodes_owned(struct ut *u, unsigned domid);

/* ------------------------------------------------------------------ */
/* The ring transport, guest side                                      */

/* Gives the daemon a fake hypervisor; domain 0 exists and runs. */
struct fake_hv *ut_hv_attach(struct ut *u);

/* Starts domain domid in the fake hypervisor and INTRODUCEs it; returns
 * its ring page as the guest sees it. */
struct xs_ring_page *ut_ring_introduce(struct ut *u, unsigned domid);

/* The ring connection of an introduced domain (NULL when it has none). */
struct conn *ut_ring_conn(struct ut *u, unsigned domid);

/* Guest side: produce bytes on the request ring (asserts they fit). */
void ut_ring_put(struct xs_ring_page *page, const void *buf, uint32_t len);

void ut_ring_request(struct xs_ring_page *page, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const void *payload, uint32_t len);

/* Guest side: consume up to len bytes of the response ring. */
uint32_t ut_ring_take(struct xs_ring_page *page, void *buf, uint32_t len);

/* Guest side: takes one whole message if the response ring holds it. */
bool ut_ring_read(struct xs_ring_page *page, struct ut_msg *m);

/* The guest's event channel fired: the daemon looks at its ring. */
void ut_ring_kick(struct ut *u, unsigned domid);

#endif
