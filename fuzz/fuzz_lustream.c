/*
 * fuzz_lustream.c - the live-update state stream reader (lu_stream.c,
 * live_update.c's restore), which reads what another process wrote: after
 * a live update the new binary trusts nothing in $XENSTORED_RUNDIR/
 * state_dump.
 *
 * The input is a stream (the seeds are streams our daemon and C xenstored
 * 4.17 wrote).  It is restored into a fresh daemon, socket connections
 * becoming fake clients.  Invariants: a refused stream says why; an
 * accepted one leaves a consistent store (CONTROL check finds nothing),
 * and what the daemon then writes is read back to the same number of
 * nodes, watches and connections.
 */
#include "harness.h"

#include "live_update.h"
#include "lu_stream.h"

#define MAX_PEERS 64

static struct fz_peer peers[MAX_PEERS];
static unsigned npeers;

static struct conn *adopt_peer(struct daemon *d, int fd)
{
	struct fz_peer *p;

	(void)fd;
	if (npeers == MAX_PEERS)
		return NULL;
	p = &peers[npeers++];
	memset(p, 0, sizeof(*p));
	fz_peer_open(d, p, d->model.priv_domid, "restored");
	return p->conn;
}

static const struct lu_adopt adopt = { adopt_peer };

static void free_peers(void)
{
	for (unsigned i = 0; i < npeers; i++)
		fz_peer_free(&peers[i]);
	npeers = 0;
}

struct counts {
	size_t nodes, watches;
	unsigned conns;
};

static char err[256];

static int restore_into(struct daemon *d, const void *data, size_t len, struct counts *c)
{
	int rc;

	err[0] = '\0';
	FZ_CHECK(daemon_init(d) == 0, "daemon_init");
	rc = live_update_restore(d, data, len, &adopt, err, sizeof(err));
	FZ_CHECK(rc == 0 || err[0], "refused without a reason (%d)", rc);
	c->nodes = d->model.store.nodes.count;
	c->watches = d->model.watches.by_path.count;
	c->conns = d->nconns;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct daemon d, again;
	struct counts first, second;
	struct lu_buf b = { 0 };
	char report[512];

	if (restore_into(&d, data, size, &first) == 0) {
		FZ_CHECK(daemon_check(&d, report, sizeof(report)) == 0, "inconsistent: %s", report);
		FZ_CHECK(live_update_dump(&d, &b, -1, NULL, NULL) == 0, "dump");
		FZ_CHECK(restore_into(&again, b.data, b.len, &second) == 0, "own stream refused: %s",
			 err);
		FZ_CHECK(second.nodes == first.nodes && second.watches == first.watches &&
				 second.conns == first.conns,
			 "round trip: %zu/%zu nodes, %zu/%zu watches, %u/%u conns", first.nodes,
			 second.nodes, first.watches, second.watches, first.conns, second.conns);
		daemon_destroy(&again);
		lu_buf_free(&b);
	}
	daemon_destroy(&d);
	free_peers();
	return 0;
}
