/*
 * daemon.h - the daemon's state, in one struct passed to whoever needs it
 * (no globals): the store, the watch table, the domains, the quotas and
 * the live connections.  daemon.c creates the initial tree and owns the
 * hooks that tie the store's changes to watches and accounting.
 */
#ifndef XS_DAEMON_H
#define XS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "quota.h"
#include "store.h"
#include "txn.h"
#include "watch.h"
#include "wire.h"

struct conn;
struct ev_loop;
struct hv;
struct unix_listener;
struct trace_file;
struct live_update;

struct daemon {
	struct ev_loop *loop;
	struct store store;
	struct watch_table watches;
	struct domain_table domains;
	struct quota_set quotas;
	struct conn *conns;          /* live connections */
	struct conn *reap;           /* closed this round, freed after it */
	struct conn *flush;          /* given output this round */
	struct conn *resume;         /* work left by a transport's budget */
	bool partial_input;          /* a request was left half-received this round */
	unsigned nconns;
	uint32_t next_conn_id;
	unsigned priv_domid;         /* the privileged domain (0) */
	bool keep_orphans;           /* -K: hand a dead domain's nodes to priv */
	size_t out_limit_priv;       /* output queue bound, privileged conns */
	struct hv *hv;               /* hypervisor backend, NULL: socket only */
	struct conn **port_conns;    /* ring connection by local event port */
	size_t nport_conns;
	struct event_cause cause;    /* request being handled, for probes */
	struct trace_file *trace;    /* -T FILE (trace_file.h); NULL: off */
	uint64_t requests;           /* served since start */
	struct live_update *lu;      /* live-update session, NULL when none */
	uint64_t oom_closes;         /* conns closed: no memory for a reply */
	struct unix_listener *listeners; /* unix_socket.c's, for accept back-off */
	bool accept_paused;          /* out of fds: listeners wait for a close */
	uint64_t events_dropped;     /* watch events past an output limit */
	char reply[XS_PAYLOAD_MAX + 64]; /* reply scratch, one request at a time */
};

int daemon_init(struct daemon *d);
void daemon_destroy(struct daemon *d);

/* The store's change hook outside transactions, and txn commit's. */
void daemon_changed(void *daemon, const char *path, bool exact,
		    const struct perm *old_perms, unsigned old_nperms);

/* Fires a special event (@introduceDomain, @releaseDomain[/<domid>]). */
void daemon_fire_special(struct daemon *d, const char *name, unsigned domid);

/* Removes what a departed domain leaves behind (PROTOCOL.md §2.7): nodes it owns
 * (or hands them to priv with -K), ACL entries naming it. */
void daemon_cleanup_domain(struct daemon *d, unsigned domid);

/* Before a commit: entries of nodes the transaction wrote that name a
 * domain gone since they were written are dropped, and the nodes such a
 * domain owns are removed (or, with -K, handed to priv), through the
 * transaction, as daemon_cleanup_domain() did to the store when it went:
 * a later domain with the same id inherits nothing.  0 or ENOMEM. */
int daemon_txn_drop_departed(struct daemon *d, struct txn *t);

/* Features the daemon offers (GET_FEATURE, ring server_features). */
#define DAEMON_FEATURES (XS_FEATURE_ERROR | XS_FEATURE_WATCHDEPTH | XS_FEATURE_DOMID_ANY)
/* A guest's ring also offers RECONNECTION (a socket has nothing to reset). */
#define GUEST_FEATURES (DAEMON_FEATURES | XS_FEATURE_RECONNECTION)

/* Forgets an introduced domain (RELEASE, death): closes its connection,
 * cleans up after it, fires @releaseDomain. */
void daemon_release_domain(struct daemon *d, struct domain *dom, const char *reason);

/* The ring connection bound to a local event-channel port. */
int daemon_map_port(struct daemon *d, int port, struct conn *c);
void daemon_unmap_port(struct daemon *d, int port);
struct conn *daemon_port_conn(const struct daemon *d, int port);

/* Consistency check for CONTROL check and tests: parent/child links and
 * per-domain node counts.  Returns the number of problems (logged). */
unsigned daemon_check(struct daemon *d, char *report, size_t size);

#endif
