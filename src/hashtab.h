/*
 * hashtab.h - the daemon's one hash table: chained, intrusive, keyed by
 * whatever its user hashes.  The store finds nodes by path with it, the
 * watch registry watches by path, a transaction its entries by path, and
 * the domain table domains by id.
 *
 * Intrusive: the chain link (struct hashtab_link) is a member of the
 * element, so the table allocates nothing per element and a store node
 * stays one allocation.  The table knows no keys: every call takes the
 * element's 32-bit hash from the caller, and lookups take the caller's
 * equality function (hashtab_find is inline, so a known function compiles
 * into the caller's own loop).  The table calls back only to rehash when
 * it grows, so a user may keep the hash in its element (watches,
 * transaction entries) or recompute it (the store: 4 bytes a node matter
 * more than the rehashing).
 *
 * Growth: the bucket count is a power of two, set at init.  An insertion
 * that finds count >= max_load * nbuckets first doubles the buckets
 * (max_load: the average chain length at which it doubles).  A doubling
 * that finds no memory is skipped: the insertion still succeeds, chains
 * just get longer.  hashtab_reserve sizes the table once for a known
 * count.  The table never shrinks.  An insertion puts the element at the
 * head of its chain; a doubling re-chains, so chain order is not
 * insertion order.
 *
 * Why our own and not a library: this is the daemon's hot path (every
 * request looks nodes up by path, every change looks up each prefix of
 * its path among the watches), and the element layout is what keeps
 * 100,000 nodes smaller than in C xenstored.  hsearch(3) can neither
 * delete nor grow; glib's GHashTable keeps its own arrays of keys, values
 * and hashes beside the elements (and would be a new dependency); uthash
 * puts a 56-byte handle in every element where this puts one pointer.
 */
#ifndef XS_HASHTAB_H
#define XS_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashtab_link {
	struct hashtab_link *next;   /* same-bucket chain */
};

/* The hash of an element in the table (asked for when the table grows). */
typedef uint32_t hashtab_hash_fn(const struct hashtab_link *l);
/* Whether an element has the key a lookup is for. */
typedef bool hashtab_eq_fn(const struct hashtab_link *l, const void *key);

struct hashtab {
	struct hashtab_link **buckets;
	size_t nbuckets;             /* a power of two */
	size_t count;                /* elements in the table */
	size_t max_load;             /* doubles past this many elements a bucket */
	hashtab_hash_fn *rehash;
};

/* The element whose `member` is the link l (l must not be NULL). */
#define hashtab_entry(l, type, member) \
	((type *)(void *)((char *)(l) - offsetof(type, member)))

/* nbuckets: a power of two; max_load >= 1.  0 or ENOMEM. */
int hashtab_init(struct hashtab *t, size_t nbuckets, size_t max_load,
		 hashtab_hash_fn *rehash);
/* Frees the buckets, and every element through free_elem unless NULL. */
void hashtab_destroy(struct hashtab *t, void (*free_elem)(struct hashtab_link *l));

/* Doubles the buckets now (what an insertion at max_load does). */
void hashtab_grow(struct hashtab *t);
/* Grows at once to hold count elements without further doubling. */
void hashtab_reserve(struct hashtab *t, size_t count);
/* Unlinks l (hash h); false when it is not in the table. */
bool hashtab_remove(struct hashtab *t, struct hashtab_link *l, uint32_t h);
/* Puts `to` in the place of `from` (both hash h); false when `from` is not
 * in the table. */
bool hashtab_replace(struct hashtab *t, struct hashtab_link *from,
		     struct hashtab_link *to, uint32_t h);
/* The pointer that links l (hash h) in, or the end of its chain when l is
 * not there: for an element about to move (realloc), whose new address is
 * stored through it afterwards. */
struct hashtab_link **hashtab_slot(struct hashtab *t, const struct hashtab_link *l,
				   uint32_t h);
/* Calls fn for every element, bucket by bucket.  fn may remove (and free)
 * the element it is given, but no other, and may not insert. */
void hashtab_foreach(const struct hashtab *t,
		     void (*fn)(struct hashtab_link *l, void *ctx), void *ctx);

/* The chain hash h falls in: every element with that hash is on it, among
 * others.  Follow ->next. */
static inline struct hashtab_link *hashtab_chain(const struct hashtab *t, uint32_t h)
{
	return t->buckets[h & (t->nbuckets - 1)];
}

/* Links l (hash h) in; never fails (see Growth).  The table does not
 * refuse duplicates: look up first.  Inline: the live update restore
 * inserts every node, and a call costs it 1% more instructions. */
static inline void hashtab_insert(struct hashtab *t, struct hashtab_link *l, uint32_t h)
{
	struct hashtab_link **head;

	if (t->count >= t->max_load * t->nbuckets)
		hashtab_grow(t);
	head = &t->buckets[h & (t->nbuckets - 1)];
	l->next = *head;
	*head = l;
	t->count++;
}

/* The first element on hash h's chain for which eq(element, key), or NULL. */
static inline struct hashtab_link *hashtab_find(const struct hashtab *t, uint32_t h,
						hashtab_eq_fn *eq, const void *key)
{
	struct hashtab_link *l = hashtab_chain(t, h);

	while (l && !eq(l, key))
		l = l->next;
	return l;
}

#endif
