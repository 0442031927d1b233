/*
 * store.h - the committed tree: nodes and the hash table that finds them.
 *
 * A node is found by its full path in one hash lookup; the tree shape lives
 * in each node's child-name list (NUL-separated, creation order, which is
 * also the DIRECTORY reply and the DIRECTORY_PART offset space).  Nothing
 * here recurses over the tree (XSA-418), and nothing knows about
 * transactions: txn.c layers private copies on top of this.
 *
 * Every change of a node in the store takes a fresh generation from the
 * global counter (PROTOCOL.md §2.2); transactions compare these to detect
 * conflicts.  Per-domain node accounting is reported through `account`
 * whenever a node enters or leaves the store or changes owner.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"
#include "perms.h"

/*
 * One allocation holds the node, its path and its value (after the path's
 * NUL), so a small node costs one malloc chunk: this is what keeps 100,000
 * nodes smaller than in C xenstored.  A value of another length therefore
 * moves the node (node_set_value returns the new address); the store and
 * transactions relink it.  Child lists grow by an eighth at a time
 * (children_capacity in store.c).
 */
struct node {
	struct hashtab_link hash_link; /* chain of the store's table */
	uint64_t generation;     /* when it last changed (0: never stored) */
	char *children;          /* "a\0b\0": child names in creation order */
	struct perm *perms;      /* &perm_inline iff nperms <= 1 */
	uint32_t children_len;
	uint16_t value_len;      /* <= XS_PAYLOAD_MAX */
	uint16_t nperms;
	uint16_t path_len;
	struct perm perm_inline; /* saves a malloc for the common case */
	char path[];             /* path \0 value */
};

static inline char *node_value(const struct node *n)
{
	return (char *)n->path + n->path_len + 1;
}

typedef void store_account_fn(void *ctx, unsigned domid, int delta);

struct store {
	struct hashtab nodes;     /* by path (store_hash); growth: store_init */
	uint64_t generation;      /* last generation handed out */
	store_account_fn *account;
	void *account_ctx;
};

/* FNV-1a; incremental, so a path's prefixes hash as it is scanned. */
#define STORE_HASH_INIT 2166136261u
static inline uint32_t store_hash_step(uint32_t h, char c)
{
	return (h ^ (uint8_t)c) * 16777619u;
}
uint32_t store_hash(const char *path, size_t len);
/* The hash of path's first `prefix` bytes from h, the hash of its first
 * len (prefix <= len): FNV-1a's step can be undone (the prime is odd, so
 * invertible modulo 2^32), so a path's ancestors are hashed walking back
 * from the path's own hash, each byte once. */
uint32_t store_hash_prefix(uint32_t h, const char *path, size_t len, size_t prefix);

int store_init(struct store *s);
void store_destroy(struct store *s);
uint64_t store_next_generation(struct store *s);

struct node *store_lookup(const struct store *s, const char *path, size_t len);
/* The same with the path's store_hash already known (a walk down the tree
 * carries its hash on a name at a time). */
struct node *store_lookup_hashed(const struct store *s, const char *path, size_t len,
				 uint32_t hash);
/* Sizes the table for this many nodes at once (live update's restore). */
void store_reserve(struct store *s, size_t nodes);
/* The same, hashing once: EEXIST (n not taken) when the path is there. */
int store_insert_new(struct store *s, struct node *n);
/* Takes ownership of n (whose path must be absent); stamps a generation. */
int store_insert(struct store *s, struct node *n);
/* Unlinks n and frees it. */
void store_delete(struct store *s, struct node *n);
/* Marks n changed: fresh generation. */
void store_touch(struct store *s, struct node *n);
/* Puts `from` (same path) in the place of base, which is freed; accounts
 * an owner change and stamps a generation. */
void store_replace(struct store *s, struct node *base, struct node *from);
/* Sets a stored node's value; *n may move.  Stamps a generation. */
int store_set_value(struct store *s, struct node **n, const void *value, size_t len);
/* Sets a stored node's perms, accounting an owner change. */
int store_set_perms(struct store *s, struct node *n, const struct perm *perms,
		    unsigned nperms);
/* Calls fn for every node (order unspecified); fn must not change the
 * table.  Iterative. */
void store_foreach(const struct store *s, void (*fn)(struct node *, void *),
		   void *ctx);

/* Node helpers: they work on stored nodes and on private copies alike. */
struct node *node_new(const char *path, size_t len);
/* A node not (yet) in the store: the returned node replaces n (which is
 * gone unless NULL is returned: then n is unchanged, ENOMEM). */
struct node *node_set_value(struct node *n, const void *value, size_t len);
struct node *node_clone(const struct node *n);
void node_free(struct node *n);
int node_set_perms(struct node *n, const struct perm *perms, unsigned nperms);
int node_add_child(struct node *n, const char *name, size_t len);
void node_remove_child(struct node *n, const char *name, size_t len);
/* One DIRECTORY_PART page: the bytes of the whole child names from byte
 * `offset` of the list that fit in `room` with one byte to spare for the
 * end marker; *last when they reach the end of the list.  0 and !*last:
 * the next name alone does not fit. */
size_t node_children_page(const struct node *n, size_t offset, size_t room, bool *last);
static inline unsigned node_owner(const struct node *n)
{
	return n->nperms ? n->perms[0].domid : 0;
}
/* Bytes a node costs against the node-size quota (PROTOCOL.md §2.6). */
size_t node_quota_size(const struct node *n);
/* Approximate heap bytes of a node, for memreport. */
size_t node_heap_size(const struct node *n);

#endif
