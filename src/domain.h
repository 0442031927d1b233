/*
 * domain.h - what the daemon knows about each domain: introduced or not,
 * its SET_TARGET target, features, per-domain quota overrides, and its
 * accounting (nodes owned, watches, transactions).  A record exists for
 * every domain that owns a node or was introduced; socket clients act as
 * the privileged domain and are not accounted.
 */
#ifndef XS_DOMAIN_H
#define XS_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "hashtab.h"
#include "quota.h"

struct conn;

struct domain {
	struct hashtab_link hash_link; /* chain of the domain table */
	unsigned domid;
	bool introduced;
	bool known;                 /* named while the hypervisor knew it (SET_PERMS,
				     * INTRODUCE): kept, with its generation, until
				     * it dies, so a later domain reusing the id is
				     * told apart (XSA-322/417) */
	bool shutdown_reported;     /* @releaseDomain sent for a shutdown */
	int target;                 /* SET_TARGET: acts with target's rights, or -1 */
	uint32_t features;          /* SET_FEATURE bits, fixed at introduction */
	bool features_set;          /* else: every feature the daemon has */
	unsigned nodes;             /* nodes owned */
	unsigned watches;
	unsigned transactions;
	size_t txn_bytes;           /* memory held by its open transactions */
	long quota[QUOTA_COUNT];    /* SET_QUOTA override, -1 = global */
	uint64_t generation;        /* store generation when first known */
	struct conn *conn;          /* its ring connection, when a backend maps one */
	unsigned evtchn;            /* INTRODUCE arguments */
	uint64_t gfn;
};

/* A zeroed table is a valid empty one: the first domain_get allocates its
 * buckets (256, doubling at one domain a bucket; keyed by the domid). */
struct domain_table {
	struct hashtab by_id;
};

struct domain *domain_find(const struct domain_table *t, unsigned domid);
/* Finds or creates; NULL only on ENOMEM. */
struct domain *domain_get(struct domain_table *t, unsigned domid, uint64_t generation);
/* Drops the record if nothing refers to it any more. */
void domain_put(struct domain_table *t, struct domain *d);
/* Frees every record; the table is then zeroed (empty, reusable). */
void domain_table_destroy(struct domain_table *t);
/* fn may drop (domain_put) the record it is given, no other. */
void domain_foreach(struct domain_table *t, void (*fn)(struct domain *, void *), void *ctx);

/* Effective limit of a quota for a domain (d may be NULL = global). */
unsigned domain_quota(const struct domain *d, const struct quota_set *global,
		      enum quota_id id);

#endif
