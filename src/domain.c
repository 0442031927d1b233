/* domain.c - the domain table, a hashtab keyed by domid (see domain.h). */
#include "domain.h"

#include <stdlib.h>

static struct domain *domain_of(const struct hashtab_link *l)
{
	return hashtab_entry(l, struct domain, hash_link);
}

/* Domids are small and dense: the id itself spreads them over the
 * buckets. */
static uint32_t domain_hash(const struct hashtab_link *l)
{
	return domain_of(l)->domid;
}

static bool domain_has_id(const struct hashtab_link *l, const void *key)
{
	return domain_of(l)->domid == *(const unsigned *)key;
}

struct domain *domain_find(const struct domain_table *t, unsigned domid)
{
	struct hashtab_link *l;

	if (!t->by_id.buckets)
		return NULL;
	l = hashtab_find(&t->by_id, domid, domain_has_id, &domid);
	return l ? domain_of(l) : NULL;
}

struct domain *domain_get(struct domain_table *t, unsigned domid, uint64_t generation)
{
	struct domain *d = domain_find(t, domid);

	if (d)
		return d;
	if (!t->by_id.buckets && hashtab_init(&t->by_id, 256, 1, domain_hash))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	d->target = -1;
	d->generation = generation;
	for (int i = 0; i < QUOTA_COUNT; i++)
		d->quota[i] = -1;
	hashtab_insert(&t->by_id, &d->hash_link, domid);
	return d;
}

static bool in_use(const struct domain *d)
{
	if (d->introduced || d->known || d->nodes || d->watches || d->transactions || d->conn ||
	    d->features_set || d->target >= 0)
		return true;
	for (int i = 0; i < QUOTA_COUNT; i++)
		if (d->quota[i] >= 0)
			return true;
	return false;
}

void domain_put(struct domain_table *t, struct domain *d)
{
	if (in_use(d))
		return;
	if (hashtab_remove(&t->by_id, &d->hash_link, d->domid))
		free(d);
}

static void free_domain(struct hashtab_link *l)
{
	free(domain_of(l));
}

void domain_table_destroy(struct domain_table *t)
{
	hashtab_destroy(&t->by_id, free_domain);
	*t = (struct domain_table){ 0 };
}

struct foreach_args {
	void (*fn)(struct domain *, void *);
	void *ctx;
};

static void visit_domain(struct hashtab_link *l, void *ctx)
{
	const struct foreach_args *a = ctx;

	a->fn(domain_of(l), a->ctx);
}

void domain_foreach(struct domain_table *t, void (*fn)(struct domain *, void *), void *ctx)
{
	struct foreach_args a = { fn, ctx };

	hashtab_foreach(&t->by_id, visit_domain, &a);
}

unsigned domain_quota(const struct domain *d, const struct quota_set *global,
		      enum quota_id id)
{
	if (d && d->quota[id] >= 0)
		return (unsigned)d->quota[id];
	return global->hard[id];
}
