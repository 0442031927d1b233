/*
 * ring.h - the shared-ring transport (PROTOCOL.md §3.3): one 4 KiB page per
 * domain with a request ring (guest -> daemon) and a response ring
 * (daemon -> guest), free-running 32-bit indexes, and an event channel
 * to notify the other side.  Hypervisor-independent: the page and the
 * channel come from a backend (hv.h).
 *
 * Indexes come from the guest and are checked on every access; a guest
 * that sets impossible indexes or sends an oversized message has only its
 * own connection marked broken (ring `error` set when the ERROR feature
 * is on) while its domain stays known until it dies (XSA-325).  So does
 * a page that vanishes under its mapping.  One event does a bounded
 * amount of work, so a busy guest cannot starve the others.
 */
#ifndef XS_RING_H
#define XS_RING_H

#include <stdbool.h>
#include <stdint.h>

#define XS_RING_SIZE 1024u

struct xs_ring_page {
	char req[XS_RING_SIZE];
	char rsp[XS_RING_SIZE];
	volatile uint32_t req_cons, req_prod;
	volatile uint32_t rsp_cons, rsp_prod;
	volatile uint32_t server_features;
	volatile uint32_t connection;
	volatile uint32_t error;
	volatile uint32_t evtchn_port;
};

#define XS_RING_CONNECTED 0u
#define XS_RING_RECONNECT 1u
#define XS_RING_ERR_NONE 0u
#define XS_RING_ERR_COMM 1u
#define XS_RING_ERR_RINGIDX 2u
#define XS_RING_ERR_PROTO 3u

/* Bytes readable (or writable) given a pair of indexes, or -1 when the
 * indexes are impossible (prod - cons > ring size). */
static inline int ring_avail(uint32_t cons, uint32_t prod)
{
	uint32_t used = prod - cons;
	return used > XS_RING_SIZE ? -1 : (int)used;
}

/* Copies up to len bytes out of ring starting at index cons; returns the
 * count.  The caller has checked the indexes. */
uint32_t ring_copy_out(const char *ring, uint32_t cons, uint32_t avail, void *buf,
		       uint32_t len);
/* Copies up to len bytes into ring at index prod, with `space` free. */
uint32_t ring_copy_in(char *ring, uint32_t prod, uint32_t space, const void *buf,
		      uint32_t len);

struct conn;
struct daemon;
struct domain;

/* Creates the ring connection of an introduced domain on a page mapped by
 * the backend and a bound local event-channel port.  NULL on ENOMEM. */
struct conn *ring_conn_new(struct daemon *d, struct domain *dom,
			   struct xs_ring_page *page, int local_port);
/* The local event-channel port of a ring connection, -1 for others. */
int ring_conn_port(const struct conn *c);
/* Called by the backend when the domain's port fires.  Does a bounded
 * amount of work; what is left is resumed at the end of the loop round
 * (conn_resume_later). */
void ring_conn_event(struct conn *c);
/* Once per loop round: whether some ring moved (a request read, a reply
 * written) in this round or the few before; the loop polls before
 * sleeping only then. */
bool ring_take_activity(void);
/* Resets the ring for a (re)introduction: indexes to 0, RECONNECT
 * handshake answered, features advertised.  0, or EFAULT when the page
 * is gone (see ring_fault_guard_init). */
int ring_reset(struct xs_ring_page *page, uint32_t features);
/* The event channel Xen wrote into the page (dom0less guests), 0 if
 * none; 0, or EFAULT when the page is gone. */
int ring_page_port(struct xs_ring_page *page, unsigned *port);
/* Makes a ring page that vanishes under its mapping (a simulated guest
 * truncating its ring file) cut off that connection instead of killing
 * the daemon with SIGBUS.  Once, before any ring is mapped; 0 or errno. */
int ring_fault_guard_init(void);
/* True when the connection was cut off for bad indexes or input. */
bool ring_conn_broken(const struct conn *c);

#endif
