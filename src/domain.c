/* domain.c - the domain table (see domain.h). */
#include "domain.h"

#include <stdlib.h>

struct domain *domain_find(const struct domain_table *t, unsigned domid)
{
	struct domain *d = t->buckets[domid % DOMAIN_BUCKETS];

	for (; d; d = d->hash_next)
		if (d->domid == domid)
			return d;
	return NULL;
}

struct domain *domain_get(struct domain_table *t, unsigned domid, uint64_t generation)
{
	struct domain *d = domain_find(t, domid);

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	d->target = -1;
	d->generation = generation;
	for (int i = 0; i < QUOTA_COUNT; i++)
		d->quota[i] = -1;
	d->hash_next = t->buckets[domid % DOMAIN_BUCKETS];
	t->buckets[domid % DOMAIN_BUCKETS] = d;
	t->count++;
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
	struct domain **pp = &t->buckets[d->domid % DOMAIN_BUCKETS];

	if (in_use(d))
		return;
	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == d) {
			*pp = d->hash_next;
			t->count--;
			free(d);
			return;
		}
	}
}

void domain_table_destroy(struct domain_table *t)
{
	for (int i = 0; i < DOMAIN_BUCKETS; i++) {
		struct domain *d = t->buckets[i], *next;
		for (; d; d = next) {
			next = d->hash_next;
			free(d);
		}
		t->buckets[i] = NULL;
	}
	t->count = 0;
}

void domain_foreach(struct domain_table *t, void (*fn)(struct domain *, void *), void *ctx)
{
	for (int i = 0; i < DOMAIN_BUCKETS; i++) {
		struct domain *d = t->buckets[i], *next;
		for (; d; d = next) {
			next = d->hash_next;
			fn(d, ctx);
		}
	}
}

unsigned domain_quota(const struct domain *d, const struct quota_set *global,
		      enum quota_id id)
{
	if (d && d->quota[id] >= 0)
		return (unsigned)d->quota[id];
	return global->hard[id];
}
