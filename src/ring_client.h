/*
 * ring_client.h - a guest's side of the xenstore ring page (PROTOCOL.md
 * §3.3): what a guest kernel's xenbus driver does with the page it shares
 * with the daemon.  The daemon's side is ring.c.
 *
 * One implementation for every guest we play: the simulator's guests
 * (tools/sim), the unit tests' and fuzzers' guests (tests/support) and the
 * boot-storm benchmark.  Only the index discipline lives here; waiting,
 * notifying and message framing stay with each caller.
 */
#ifndef XS_RING_CLIENT_H
#define XS_RING_CLIENT_H

#include <stdint.h>

#include "ring.h"

/* Free bytes on the request ring, or -1 when the indexes are impossible. */
int ring_client_space(const struct xs_ring_page *page);
/* Puts up to len bytes on the request ring, as many as fit, and publishes
 * them (req_prod after the bytes).  The count put (0: full), or -1 when
 * the indexes are impossible (nothing is put then). */
int ring_client_put(struct xs_ring_page *page, const void *buf, uint32_t len);
/* Bytes waiting on the response ring, or -1 when the indexes are
 * impossible. */
int ring_client_pending(const struct xs_ring_page *page);
/* Copies up to len waiting bytes without taking them: the count. */
uint32_t ring_client_peek(const struct xs_ring_page *page, void *buf, uint32_t len);
/* Takes up to len bytes off the response ring (rsp_cons after the copy):
 * the count, or -1 when the indexes are impossible. */
int ring_client_take(struct xs_ring_page *page, void *buf, uint32_t len);

#endif
