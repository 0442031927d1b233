/*
 * model.h - the data model: what xenstore holds and decides, apart from
 * how it is served.  The store (nodes and their permissions), the
 * registered watches, the domain records with their accounting, and the
 * quotas; the identity of the privileged domain and the -K policy for a
 * departed domain's nodes.  Open transactions belong to the connections
 * that started them (conn.h) and reach the store through a view (txn.h).
 *
 * The model does not deliver anything: its operations (nodeops.h, the
 * cleanup in domain_life.h, txn_commit) report each change through a
 * change_fn (txn.h) their caller hands in; the server (daemon.h) turns
 * those into watch events.
 */
#ifndef XS_MODEL_H
#define XS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "domain.h"
#include "quota.h"
#include "store.h"
#include "watch.h"

struct model {
	struct store store;
	struct watch_table watches;
	struct domain_table domains;
	struct quota_set quotas;
	unsigned priv_domid;         /* the privileged domain (0) */
	bool keep_orphans;           /* -K: hand a dead domain's nodes to priv */
};

/* The initial tree, default quotas, node accounting hooked to the domain
 * records.  0 or ENOMEM. */
int model_init(struct model *m);
/* Frees the store, watch table and domain records (the watches' own
 * memory goes with their connections). */
void model_destroy(struct model *m);

/* Consistency: parent/child links both ways and each domain's node
 * count.  Returns the number of problems, each logged and appended to
 * report (size bytes, NUL-terminated). */
unsigned model_check(struct model *m, char *report, size_t size);

#endif
