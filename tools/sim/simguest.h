/*
 * simguest.h - a guest's side of the xenstore ring in the simulated
 * hypervisor: what a guest kernel's xenbus driver does, in a process.
 * Maps DIR/<domid>/ring, listens on DIR/<domid>/evtchn, and exchanges
 * messages with the daemon exactly as the ring protocol says (PROTOCOL.md §3.3):
 * the index discipline is src/ring_client.c, shared with the tests' guests.
 */
#ifndef SIMGUEST_H
#define SIMGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_sim.h"
#include "ring.h"
#include "ring_client.h"
#include "wire.h"

struct simguest {
	char dir[256];
	unsigned domid;
	unsigned port;            /* our end of the channel, as INTRODUCE named it */
	int fd;                   /* our datagram socket */
	struct xs_ring_page *page;
	/* messages received but not yet returned */
	char in[2 * (XS_HEADER_SIZE + XS_PAYLOAD_MAX)];
	size_t in_len;
	unsigned timeout_ms;      /* how long to wait for the daemon */
	int sock;                 /* >= 0: talk as dom0 over the daemon's socket */
};

struct simmsg {
	struct xs_msg_header hdr;
	char body[XS_PAYLOAD_MAX + 1]; /* NUL-terminated for convenience */
};

int simguest_open(struct simguest *g, const char *dir, unsigned domid);
/* The same request loop as dom0 over the Unix socket at path. */
int simguest_open_socket(struct simguest *g, const char *path, unsigned wait_ms);
void simguest_close(struct simguest *g);
/* Tells the daemon to look at our ring (waits while its queue is full:
 * the wake-ups queued there may all be other guests'). */
void simguest_notify(struct simguest *g);
/* The same, or nothing when the daemon's queue is full. */
void simguest_notify_nowait(struct simguest *g);
/* Queues raw bytes on the request ring (waiting for space). 0 or errno. */
int simguest_send_bytes(struct simguest *g, const void *buf, size_t len);
int simguest_send(struct simguest *g, uint32_t type, uint32_t req_id, uint32_t tx_id,
		  const void *payload, size_t len);
/* Next message from the daemon (reply or watch event); ETIMEDOUT. */
int simguest_recv(struct simguest *g, struct simmsg *m);
/* Free bytes on the request ring (the socket: always room); -1 when the
 * indexes are impossible. */
int simguest_space(struct simguest *g);
/* Waits up to ms for a notification from the daemon (nothing is read). */
void simguest_wait(struct simguest *g, int ms);

#endif
