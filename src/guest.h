/*
 * guest.h - guest domains through the hypervisor backend: connecting an
 * introduced domain's ring, reacting to its event channel, and following
 * domain shutdown and death (PROTOCOL.md §2.7) to fire @releaseDomain and clean
 * up after it.
 */
#ifndef XS_GUEST_H
#define XS_GUEST_H

#include <stdint.h>

struct daemon;
struct domain;

/* Registers the backend's fd with the loop. */
int guest_start(struct daemon *d);
void guest_stop(struct daemon *d);

/* INTRODUCE with a backend: map the ring, bind the channel, (re)start
 * the connection.  0 or errno. */
int guest_connect(struct daemon *d, struct domain *dom, uint64_t gfn, unsigned port);

/* Live update: takes over the ring of a domain the previous process served
 * (mapped again, indexes untouched, its local port adopted).  0 or errno. */
int guest_restore(struct daemon *d, struct domain *dom, int local_port);

/* Looks at every introduced domain's state (after VIRQ_DOM_EXC). */
void guest_check_domains(struct daemon *d);

/* True when the backend knows the domain (always true without one). */
int guest_domain_exists(struct daemon *d, unsigned domid);

#endif
