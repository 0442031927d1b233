/* store.c - nodes and the path hash table of the committed tree (a
 * hashtab.h table keyed by store_hash of the full path). */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Only tree nodes count against a domain; @special nodes do not (C). */
static bool accounted(const struct store *s, const struct node *n)
{
	return s->account && n->path[0] == '/';
}

uint32_t store_hash(const char *path, size_t len)
{
	uint32_t h = STORE_HASH_INIT;
	for (size_t i = 0; i < len; i++)
		h = store_hash_step(h, path[i]);
	return h;
}

/* 16777619 * 0x359c449b == 1 (mod 2^32). */
#define STORE_HASH_PRIME_INVERSE 0x359c449bu

uint32_t store_hash_prefix(uint32_t h, const char *path, size_t len, size_t prefix)
{
	while (len > prefix)
		h = (h * STORE_HASH_PRIME_INVERSE) ^ (uint8_t)path[--len];
	return h;
}

static struct node *node_of(const struct hashtab_link *l)
{
	return hashtab_entry(l, struct node, hash_link);
}

/* Hashes are recomputed rather than stored: 4 bytes a node matter more
 * than the rehashing when the table doubles. */
static uint32_t node_hash(const struct hashtab_link *l)
{
	const struct node *n = node_of(l);

	return store_hash(n->path, n->path_len);
}

struct path_key {
	const char *path;
	size_t len;
};

static bool node_has_path(const struct hashtab_link *l, const void *key)
{
	const struct node *n = node_of(l);
	const struct path_key *k = key;

	return n->path_len == k->len && memcmp(n->path, k->path, k->len) == 0;
}

int store_init(struct store *s)
{
	memset(s, 0, sizeof(*s));
	/* Two nodes a bucket on average: chains stay short (the length is
	 * compared before the bytes) and the table costs ~6 bytes a node. */
	return hashtab_init(&s->nodes, 64, 2, node_hash);
}

static void free_node(struct hashtab_link *l)
{
	node_free(node_of(l));
}

void store_destroy(struct store *s)
{
	hashtab_destroy(&s->nodes, free_node);
}

uint64_t store_next_generation(struct store *s)
{
	return ++s->generation;
}

static struct node *lookup(const struct store *s, const char *path, size_t len,
			   uint32_t h)
{
	struct path_key key = { path, len };
	struct hashtab_link *l = hashtab_find(&s->nodes, h, node_has_path, &key);

	return l ? node_of(l) : NULL;
}

struct node *store_lookup(const struct store *s, const char *path, size_t len)
{
	return lookup(s, path, len, store_hash(path, len));
}

struct node *store_lookup_hashed(const struct store *s, const char *path, size_t len,
				 uint32_t hash)
{
	return lookup(s, path, len, hash);
}

void store_reserve(struct store *s, size_t nodes)
{
	hashtab_reserve(&s->nodes, nodes);
}

/* Links n in (hash h) and accounts it. */
static void link_node(struct store *s, struct node *n, uint32_t h)
{
	hashtab_insert(&s->nodes, &n->hash_link, h);
	n->generation = store_next_generation(s);
	if (accounted(s, n))
		s->account(s->account_ctx, node_owner(n), 1);
}

int store_insert_new(struct store *s, struct node *n)
{
	uint32_t h = store_hash(n->path, n->path_len);

	if (lookup(s, n->path, n->path_len, h))
		return EEXIST;
	link_node(s, n, h);
	return 0;
}

int store_insert(struct store *s, struct node *n)
{
	link_node(s, n, store_hash(n->path, n->path_len));
	return 0;
}

void store_delete(struct store *s, struct node *n)
{
	if (hashtab_remove(&s->nodes, &n->hash_link, store_hash(n->path, n->path_len)) &&
	    accounted(s, n))
		s->account(s->account_ctx, node_owner(n), -1);
	store_next_generation(s); /* a deletion is a change too (PROTOCOL.md §2.2) */
	node_free(n);
}

void store_touch(struct store *s, struct node *n)
{
	n->generation = store_next_generation(s);
}

static void account_owner_change(struct store *s, const struct node *n,
				 unsigned old_owner, unsigned new_owner)
{
	if (old_owner == new_owner || !accounted(s, n))
		return;
	s->account(s->account_ctx, old_owner, -1);
	s->account(s->account_ctx, new_owner, 1);
}

void store_replace(struct store *s, struct node *base, struct node *from)
{
	hashtab_replace(&s->nodes, &base->hash_link, &from->hash_link,
			store_hash(base->path, base->path_len));
	account_owner_change(s, from, node_owner(base), node_owner(from));
	store_touch(s, from);
	node_free(base);
}

int store_set_value(struct store *s, struct node **n, const void *value, size_t len)
{
	struct hashtab_link **slot = hashtab_slot(&s->nodes, &(*n)->hash_link,
						  store_hash((*n)->path, (*n)->path_len));
	struct node *moved = node_set_value(*n, value, len);

	if (!moved)
		return ENOMEM;
	if (*slot)
		*slot = &moved->hash_link;
	*n = moved;
	store_touch(s, moved);
	return 0;
}

int store_set_perms(struct store *s, struct node *n, const struct perm *perms,
		    unsigned nperms)
{
	unsigned old_owner = node_owner(n);
	int err = node_set_perms(n, perms, nperms);

	if (!err)
		account_owner_change(s, n, old_owner, node_owner(n));
	return err;
}

struct foreach_args {
	void (*fn)(struct node *, void *);
	void *ctx;
};

static void visit_node(struct hashtab_link *l, void *ctx)
{
	const struct foreach_args *a = ctx;

	a->fn(node_of(l), a->ctx);
}

void store_foreach(const struct store *s, void (*fn)(struct node *, void *), void *ctx)
{
	struct foreach_args a = { fn, ctx };

	hashtab_foreach(&s->nodes, visit_node, &a);
}

static size_t node_alloc_size(size_t path_len, size_t value_len)
{
	return offsetof(struct node, path) + path_len + 1 + value_len;
}

struct node *node_new(const char *path, size_t len)
{
	struct node *n = calloc(1, node_alloc_size(len, 0));

	if (!n)
		return NULL;
	memcpy(n->path, path, len);
	n->path_len = (uint16_t)len;
	n->perms = &n->perm_inline;
	return n;
}

struct node *node_set_value(struct node *n, const void *value, size_t len)
{
	struct node *m = n;

	if (len != n->value_len) {
		m = realloc(n, node_alloc_size(n->path_len, len));
		if (!m)
			return NULL;
		if (m->nperms <= 1)
			m->perms = &m->perm_inline;
		m->value_len = (uint16_t)len;
	}
	if (len)
		memcpy(node_value(m), value, len);
	return m;
}

/* Child lists grow geometrically (by an eighth, in 64-byte steps), so a
 * directory of N children costs O(N) copying in all, not O(N^2), and
 * wastes little.  The capacity is never stored: it is the first size of a
 * fixed sequence (48, 128, 192, ...) that holds the length, so every
 * length between two sizes maps to the same capacity. */
static size_t children_capacity(size_t len)
{
	size_t cap = 48;

	if (len == 0)
		return 0;
	while (cap < len)
		cap = (cap + cap / 8 + 63) & ~(size_t)63;
	return cap;
}

struct node *node_clone(const struct node *src)
{
	struct node *n = malloc(node_alloc_size(src->path_len, src->value_len));

	if (!n)
		return NULL;
	memcpy(n, src, node_alloc_size(src->path_len, src->value_len));
	n->hash_link.next = NULL;
	n->children = NULL;
	n->perms = &n->perm_inline;
	n->nperms = 0;
	if (node_set_perms(n, src->perms, src->nperms))
		goto fail;
	if (src->children_len) {
		n->children = malloc(children_capacity(src->children_len));
		if (!n->children)
			goto fail;
		memcpy(n->children, src->children, src->children_len);
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	free(n->children);
	if (n->nperms > 1)
		free(n->perms);
	free(n);
}

int node_set_perms(struct node *n, const struct perm *perms, unsigned nperms)
{
	struct perm *p = &n->perm_inline;

	if (nperms > 1) {
		p = malloc(nperms * sizeof(*p));
		if (!p)
			return ENOMEM;
	}
	memmove(p, perms, nperms * sizeof(*p));
	if (n->nperms > 1)
		free(n->perms);
	n->perms = p;
	n->nperms = (uint16_t)nperms;
	return 0;
}

int node_add_child(struct node *n, const char *name, size_t len)
{
	size_t need = n->children_len + len + 1;
	char *c = n->children;

	if (need > children_capacity(n->children_len)) {
		c = realloc(n->children, children_capacity(need));
		if (!c)
			return ENOMEM;
	}
	memcpy(c + n->children_len, name, len);
	c[n->children_len + len] = '\0';
	n->children = c;
	n->children_len = (uint32_t)need;
	return 0;
}

void node_remove_child(struct node *n, const char *name, size_t len)
{
	size_t off = 0;

	while (off < n->children_len) {
		size_t clen = strlen(n->children + off);
		if (clen == len && memcmp(n->children + off, name, len) == 0) {
			memmove(n->children + off, n->children + off + clen + 1,
				n->children_len - off - clen - 1);
			n->children_len -= (uint32_t)clen + 1;
			if (n->children_len == 0) {
				free(n->children);
				n->children = NULL;
			}
			return;
		}
		off += clen + 1;
	}
}

size_t node_children_page(const struct node *n, size_t offset, size_t room, bool *last)
{
	size_t off = offset;

	while (off < n->children_len) {
		size_t clen = strlen(n->children + off) + 1;
		if (off - offset + clen + 1 > room)
			break;
		off += clen;
	}
	*last = off >= n->children_len;
	return off >= offset ? off - offset : 0;
}

size_t node_quota_size(const struct node *n)
{
	return 16 + 8 * (size_t)n->nperms + n->value_len + n->children_len;
}

size_t node_heap_size(const struct node *n)
{
	size_t sz = node_alloc_size(n->path_len, n->value_len) +
		    children_capacity(n->children_len);
	if (n->nperms > 1)
		sz += n->nperms * sizeof(struct perm);
	return sz;
}
