/*
 * domain_life.h - a domain's life in the daemon, in one place
 * (PROTOCOL.md §1.5, §2.7): introduction (ring mapped, channel bound,
 * @introduceDomain; dom0's own ring at start-up; the rings a live update
 * hands over), release (connection closed, @releaseDomain), RESUME, death
 * detection through the hypervisor backend (VIRQ_DOM_EXC, shutdown and
 * dying domains), the cleanup of what a departed domain leaves in the
 * store and in open transactions, and the port map from a local event
 * port to its ring connection.
 *
 * domain.h owns the records themselves (the table, accounting, quota
 * overrides); ops_domain.c parses the requests and calls in here; ring.c
 * is the ring transport a connected domain talks through.
 */
#ifndef XS_DOMAIN_LIFE_H
#define XS_DOMAIN_LIFE_H

#include <stddef.h>
#include <stdint.h>

#include "txn.h"

struct conn;
struct daemon;
struct domain;
struct event_source;
struct model;

/* Local event port -> ring connection (NULL where none). */
struct port_map {
	struct conn **conns;
	size_t size;
};

int domain_map_port(struct port_map *m, int port, struct conn *c);
void domain_unmap_port(struct port_map *m, int port);
struct conn *domain_port_conn(const struct port_map *m, int port);
void domain_port_map_free(struct port_map *m);

/* Registers the backend's fd with the loop (nothing without a backend). */
int domain_hv_start(struct daemon *d);
void domain_hv_stop(struct daemon *d);

/* INTRODUCE: records the domain as introduced and, with a backend, maps
 * its ring, binds its channel and (re)starts its connection; fires
 * @introduceDomain the first time.  `why` names the request (events'
 * cause).  0 or errno (a domain that had no record is left with none). */
int domain_introduce(struct daemon *d, unsigned domid, uint64_t gfn, unsigned port,
		     struct event_source *why);

/* At start-up: the privileged domain's own ring, on the port its kernel
 * reports (no ring page address: the backend knows it), counted as
 * introduced, announced to nobody.  0 or errno (EINVAL: no port). */
int domain_connect_priv(struct daemon *d, int port);

/* Live update: a domain the previous process served is introduced again
 * as it was (SET_TARGET's target or -1, its channel) and, with a backend,
 * its ring taken over: mapped again, indexes untouched, the local port
 * `evtchn` adopted.  A ring that cannot be taken over is logged and lost;
 * the domain stays introduced.  *out = its record.  0, EEXIST (already
 * introduced: a stream with two rings for it) or ENOMEM. */
int domain_restore(struct daemon *d, unsigned domid, int target, unsigned evtchn,
		   struct domain **out);

/* Forgets an introduced domain (RELEASE, death): closes its connection,
 * cleans up after it, fires @releaseDomain.  `dom` may be freed. */
void domain_release(struct daemon *d, struct domain *dom, const char *reason,
		    struct event_source *why);

/* RESUME: a shut-down domain's next shutdown is announced again. */
void domain_resume(struct domain *dom);

/* Death detection: looks at every introduced or known domain's state
 * (after VIRQ_DOM_EXC, after a live update); a shut-down domain gets
 * @releaseDomain once, a dying or gone one is released. */
void domain_check_states(struct daemon *d);

/* True when the backend knows the domain (always true without one). */
int domain_exists(struct daemon *d, unsigned domid);

/* A permission list names the domain (SET_PERMS): one the backend knows
 * gets a record, kept until it dies, whose generation tells a later
 * domain with the same id apart (XSA-322/417).  0 (also for the
 * privileged domain and DOMID_ANY), ENOENT (the backend does not know
 * it) or ENOMEM. */
int domain_named(struct daemon *d, unsigned domid);

/* Removes what a departed domain leaves behind (PROTOCOL.md §2.7): nodes
 * it owns (or, with -K, hands them to priv), ACL entries naming it; the
 * removals are reported through on_change(change_ctx, ...). */
void domain_cleanup(struct model *m, unsigned domid, change_fn *on_change, void *change_ctx);

/* Before a commit: entries of nodes the transaction wrote that name a
 * domain gone since they were written are dropped, and the nodes such a
 * domain owns are removed (or, with -K, handed to priv), through the
 * transaction, as domain_cleanup() did to the store when it went: a
 * later domain with the same id inherits nothing.  0 or ENOMEM. */
int domain_txn_drop_departed(struct model *m, struct txn *t, change_fn *on_change,
			     void *change_ctx);

#endif
