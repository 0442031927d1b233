/* fake_io.c - a socket transport in the test's hands (see fake_io.h). */
#include "fake_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "domain.h"
#include "support.h"

static ssize_t io_recv(struct conn *c, void *buf, size_t len)
{
	struct fake_io *io = c->transport;
	size_t n = fake_io_unread(io);

	if (n == 0)
		return io->eof ? 0 : -EAGAIN;
	if (n > len)
		n = len;
	if (io->chunk && n > io->chunk)
		n = io->chunk;
	memcpy(buf, io->in + io->in_off, n);
	io->in_off += n;
	if (io->in_off == io->in_len)
		io->in_off = io->in_len = 0;
	return (ssize_t)n;
}

static ssize_t io_send(struct conn *c, const void *buf, size_t len)
{
	struct fake_io *io = c->transport;

	if (io->stalled)
		return -EAGAIN;
	if (io->sink)
		io->sink(io, buf, len);
	return (ssize_t)len;
}

static void io_interest(struct conn *c, bool want_in, bool want_out)
{
	struct fake_io *io = c->transport;

	io->want_in = want_in;
	io->want_out = want_out;
}

static void io_destroy(struct conn *c)
{
	struct fake_io *io = c->transport;

	/* As the ring transport does: the domain keeps no closed connection. */
	if (c->domain && c->domain->conn == c)
		c->domain->conn = NULL;
	io->destroyed = true;
	if (io->closed)
		io->closed(io);
}

const struct conn_ops fake_io_ops = {
	.kind = "fake",
	.recv = io_recv,
	.send = io_send,
	.set_interest = io_interest,
	.destroy = io_destroy,
};

struct conn *fake_io_open(struct daemon *d, struct fake_io *io, unsigned domid)
{
	struct conn *c;

	io->stalled = io->eof = io->destroyed = false;
	io->in_len = io->in_off = 0;
	io->chunk = 0;
	io->want_in = true;
	io->want_out = false;
	c = conn_new(d, &fake_io_ops, io, domid);
	TS_CHECK(c != NULL, "conn_new");
	c->features = DAEMON_FEATURES;
	return c;
}

void fake_io_write(struct fake_io *io, const void *buf, size_t len)
{
	if (!len)
		return;
	io->in = ts_reserve(io->in, &io->in_cap, io->in_len + len);
	memcpy(io->in + io->in_len, buf, len);
	io->in_len += len;
}

void fake_io_free(struct fake_io *io)
{
	free(io->in);
	io->in = NULL;
	io->in_len = io->in_off = io->in_cap = 0;
}
