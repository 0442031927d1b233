/*
 * harness.h - what the fuzz targets in fuzz/ share: a reader over the
 * fuzzer's bytes, clients on the fake transport and guests on real ring
 * pages behind the fake hypervisor (the test-support library in
 * tests/support, the unit tests' too; the guests' side of the ring is
 * src/ring_client.c), a checker of every reply a client receives, and
 * daemon_check() asserted after the steps.  A broken invariant prints what
 * and where, then abort()s, which libFuzzer reports as a crash and keeps
 * as a reproducer.
 *
 * The code is harness.c, linked into every daemon target (it also
 * defines the library's ts_fail); only the byte reader is inline here.
 */
#ifndef FUZZ_HARNESS_H
#define FUZZ_HARNESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fz_check.h"

#include "fake_hv.h"
#include "fake_io.h"
#include "ring_client.h"
#include "support.h"

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "domain_life.h"
#include "hv.h"
#include "log.h"
#include "path.h"
#include "perms.h"
#include "quota.h"
#include "request.h"
#include "ring.h"
#include "store.h"
#include "txn.h"
#include "watch.h"
#include "wire.h"

/* ------------------------------------------------------------------ */
/* Failing                                                             */

/* ------------------------------------------------------------------ */
/* Reading the fuzzer's bytes                                          */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool fz_more(const struct fz_in *in)
{
	return in->n > 0;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v;

	if (!in->n)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	return (uint16_t)(fz_u8(in) | (unsigned)fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	return (uint32_t)fz_u16(in) | (uint32_t)fz_u16(in) << 16;
}

/* Up to len bytes (fewer when the input runs out); returns the count. */
static inline size_t fz_bytes(struct fz_in *in, void *out, size_t len)
{
	if (len > in->n)
		len = in->n;
	memcpy(out, in->p, len);
	in->p += len;
	in->n -= len;
	return len;
}

/* ------------------------------------------------------------------ */
/* What a client receives: every message is checked as it arrives      */

#define FZ_MAX_EXPECT 512

/* One side of a connection as the client sees it: the byte stream it
 * sent (parsed into the requests it expects answers to) and the byte
 * stream it received (parsed into replies and events). */
struct fz_client {
	const char *name;
	/* requests sent whose reply has not come yet, in order */
	struct {
		uint32_t type, req_id, tx_id;
	} expect[FZ_MAX_EXPECT];
	unsigned nexpect;
	bool overflowed;          /* more requests than we track: stop checking order */
	/* our own outgoing stream, to know where messages start */
	uint8_t hdr_buf[XS_HEADER_SIZE];
	size_t hdr_have;
	uint32_t body_left;       /* payload bytes of the current message still to send */
	bool stream_broken;       /* sent an oversized header: the daemon drops us */
	/* incoming */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	unsigned long replies, events;
	unsigned long long rx_bytes;    /* received in all (progress measure) */
	unsigned long release_events;  /* of them, @releaseDomain[/N] */
};

void fz_client_reset(struct fz_client *c);

void fz_client_free(struct fz_client *c);

/* Fully sent messages only count once their payload is out: a message
 * whose body is still partly unsent cannot have been answered. */
unsigned fz_client_answerable(const struct fz_client *c);

/* ------------------------------------------------------------------ */
/* Clients on a fake transport (socket clients: the privileged domain)  */

struct fz_peer {
	struct fz_client cl;
	struct conn *conn;         /* NULL once closed */
	unsigned domid;
	struct fake_io io;         /* the transport; its sink is the checker */
};

/* (Re)connects p as a client of domain domid (priv when domid is the
 * privileged domain) with no domain record, like a socket client. */
void fz_peer_open(struct daemon *d, struct fz_peer *p, unsigned domid, const char *name);

void fz_peer_free(struct fz_peer *p);

/* The client writes bytes to its socket. */
void fz_peer_write(struct fz_peer *p, const void *buf, size_t len);

/* What the event loop does while the socket is readable or writable
 * and the conn wants it: bounded, as epoll would keep firing. */
void fz_peer_poll(struct fz_peer *p);

/* A client of an unprivileged domain on the fake transport, with its
 * domain record introduced (as tests/unit/unit.h's ut_guest). */
void fz_peer_open_guest(struct daemon *d, struct fz_peer *p, unsigned domid,
			const char *name);

/* ------------------------------------------------------------------ */
/* A fake hypervisor and guests on real ring pages                     */

/* The fake hypervisor (tests/support/fake_hv.c), its ring pages kept
 * from one input to the next (a fresh page per input cost more than the
 * rest of the reset). */
void fz_hv_init(struct fake_hv *h, struct daemon *d);

/* A guest as its kernel driver would behave: it puts requests on the
 * request ring as space allows and takes everything from the response
 * ring when told to read. */
struct fz_guest {
	struct fz_client cl;
	unsigned domid;
	uint32_t conn_id;          /* the daemon's connection we talk to, 0 = none */
	uint8_t *out;              /* bytes not yet on the ring */
	size_t out_len, out_cap;
	unsigned long long tx_bytes; /* put on the ring in all (progress measure) */
	bool reading;              /* takes replies off the ring */
};

struct conn *fz_guest_conn(struct daemon *d, const struct fz_guest *g);

/* A new connection (introduction, reconnect) starts from nothing. */
void fz_guest_sync(struct daemon *d, struct fz_guest *g);

void fz_guest_queue(struct fz_guest *g, const void *buf, size_t len);

/* The guest notifies its channel: the daemon looks at the ring. */
void fz_guest_kick(struct daemon *d, struct fake_hv *h, struct fz_guest *g);

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/* Sends a request from a privileged peer and runs it to completion
 * (setup steps); returns the reply type. */
uint32_t fz_setup_call(struct fz_peer *p, uint32_t type, const char *payload,
		       size_t len);

/* ------------------------------------------------------------------ */
/* Invariants                                                          */

/* The daemon's own check (daemon_check.c), which holds every invariant
 * of the store, the accounting and the connections. */
void fz_check_daemon(struct daemon *d);

#endif
