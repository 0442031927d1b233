/*
 * fake_io.h - a socket transport (conn_ops) in the test's hands: what the
 * client writes waits in a buffer the daemon recv()s from (in chunks of
 * any size, then -EAGAIN, or 0 once the client closed), and what the
 * daemon send()s goes to the test's sink (or -EAGAIN while the client
 * stalls, as a client that does not read).  The test's own client record
 * embeds one; c->transport points at it.
 */
#ifndef TS_FAKE_IO_H
#define TS_FAKE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"

struct fake_io {
	/* What the daemon sends, as it sends it. */
	void (*sink)(struct fake_io *io, const void *buf, size_t len);
	/* Optional: the conn closed (the test stops using it). */
	void (*closed)(struct fake_io *io);
	bool stalled;              /* send() says -EAGAIN: a client not reading */
	bool eof;                  /* recv() says 0 once the input is used up */
	bool want_in, want_out;    /* the conn's last set_interest() */
	bool destroyed;            /* the conn closed and released the transport */
	uint8_t *in;               /* written by the client, not yet read */
	size_t in_len, in_off, in_cap;
	size_t chunk;              /* bytes per recv(), 0 = as many as asked */
};

extern const struct conn_ops fake_io_ops;

/* A connection of domain domid (privileged when it is the privileged
 * domain) on io, offering every daemon feature; io starts empty. */
struct conn *fake_io_open(struct daemon *d, struct fake_io *io, unsigned domid);
/* The client writes bytes: the daemon reads them when it recv()s. */
void fake_io_write(struct fake_io *io, const void *buf, size_t len);
/* Bytes written and not yet read by the daemon. */
static inline size_t fake_io_unread(const struct fake_io *io)
{
	return io->in_len - io->in_off;
}
void fake_io_free(struct fake_io *io);

#endif
