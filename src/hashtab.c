/* hashtab.c - the intrusive chained hash table (see hashtab.h). */
#include "hashtab.h"

#include <errno.h>
#include <stdlib.h>

int hashtab_init(struct hashtab *t, size_t nbuckets, size_t max_load,
		 hashtab_hash_fn *rehash)
{
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	t->nbuckets = nbuckets;
	t->count = 0;
	t->max_load = max_load;
	t->rehash = rehash;
	return t->buckets ? 0 : ENOMEM;
}

void hashtab_destroy(struct hashtab *t, void (*free_elem)(struct hashtab_link *l))
{
	for (size_t i = 0; free_elem && i < t->nbuckets; i++) {
		struct hashtab_link *l = t->buckets[i], *next;
		for (; l; l = next) {
			next = l->next;
			free_elem(l);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = 0;
	t->count = 0;
}

/* Rechains every element into nb buckets; without memory, nothing. */
static void resize(struct hashtab *t, size_t nb)
{
	struct hashtab_link **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct hashtab_link *l = t->buckets[i], *next;
		for (; l; l = next) {
			size_t j = t->rehash(l) & (nb - 1);
			next = l->next;
			l->next = b[j];
			b[j] = l;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

void hashtab_grow(struct hashtab *t)
{
	resize(t, t->nbuckets * 2);
}

void hashtab_reserve(struct hashtab *t, size_t count)
{
	size_t nb = t->nbuckets;

	while (count > t->max_load * nb)
		nb *= 2;
	if (nb != t->nbuckets)
		resize(t, nb);
}

struct hashtab_link **hashtab_slot(struct hashtab *t, const struct hashtab_link *l,
				   uint32_t h)
{
	struct hashtab_link **pp = &t->buckets[h & (t->nbuckets - 1)];

	while (*pp && *pp != l)
		pp = &(*pp)->next;
	return pp;
}

bool hashtab_remove(struct hashtab *t, struct hashtab_link *l, uint32_t h)
{
	struct hashtab_link **pp = hashtab_slot(t, l, h);

	if (!*pp)
		return false;
	*pp = l->next;
	t->count--;
	return true;
}

bool hashtab_replace(struct hashtab *t, struct hashtab_link *from,
		     struct hashtab_link *to, uint32_t h)
{
	struct hashtab_link **pp = hashtab_slot(t, from, h);

	if (!*pp)
		return false;
	to->next = from->next;
	*pp = to;
	return true;
}

void hashtab_foreach(const struct hashtab *t,
		     void (*fn)(struct hashtab_link *l, void *ctx), void *ctx)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct hashtab_link *l = t->buckets[i], *next;
		for (; l; l = next) {
			next = l->next;
			fn(l, ctx);
		}
	}
}
