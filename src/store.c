/* store.c - nodes and the path hash table of the committed tree. */
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

int store_init(struct store *s)
{
	memset(s, 0, sizeof(*s));
	s->nbuckets = 1024;
	s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
	return s->buckets ? 0 : ENOMEM;
}

void store_destroy(struct store *s)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct node *n = s->buckets[i], *next;
		for (; n; n = next) {
			next = n->hash_next;
			node_free(n);
		}
	}
	free(s->buckets);
	s->buckets = NULL;
	s->count = 0;
}

uint64_t store_next_generation(struct store *s)
{
	return ++s->generation;
}

struct node *store_lookup(const struct store *s, const char *path, size_t len)
{
	uint32_t h = store_hash(path, len);
	struct node *n = s->buckets[h & (s->nbuckets - 1)];

	for (; n; n = n->hash_next)
		if (n->hash == h && n->path_len == len && memcmp(n->path, path, len) == 0)
			return n;
	return NULL;
}

/* Doubling keeps chains short; a failed grow only costs speed. */
static void grow(struct store *s)
{
	size_t nb = s->nbuckets * 2;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct node *n = s->buckets[i], *next;
		for (; n; n = next) {
			next = n->hash_next;
			n->hash_next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

int store_insert(struct store *s, struct node *n)
{
	struct node **slot;

	if (s->count >= s->nbuckets)
		grow(s);
	n->hash = store_hash(n->path, n->path_len);
	slot = &s->buckets[n->hash & (s->nbuckets - 1)];
	n->hash_next = *slot;
	*slot = n;
	s->count++;
	n->generation = store_next_generation(s);
	if (accounted(s, n))
		s->account(s->account_ctx, node_owner(n), 1);
	return 0;
}

void store_delete(struct store *s, struct node *n)
{
	struct node **pp = &s->buckets[n->hash & (s->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp != n)
			continue;
		*pp = n->hash_next;
		s->count--;
		if (accounted(s, n))
			s->account(s->account_ctx, node_owner(n), -1);
		break;
	}
	store_next_generation(s); /* a deletion is a change too (spec §2.2) */
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
	unsigned old_owner = node_owner(base);
	struct node tmp = *base;

	base->value = from->value;
	base->value_len = from->value_len;
	base->children = from->children;
	base->children_len = from->children_len;
	base->nperms = from->nperms;
	base->perm_inline = from->perm_inline;
	base->perms = from->perms == &from->perm_inline ? &base->perm_inline : from->perms;
	from->value = tmp.value;
	from->children = tmp.children;
	from->perms = tmp.perms == &base->perm_inline ? &from->perm_inline : tmp.perms;
	from->perm_inline = tmp.perm_inline;
	node_free(from);
	account_owner_change(s, base, old_owner, node_owner(base));
	store_touch(s, base);
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

void store_foreach(const struct store *s, void (*fn)(struct node *, void *), void *ctx)
{
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct node *n = s->buckets[i]; n; n = n->hash_next)
			fn(n, ctx);
}

struct node *node_new(const char *path, size_t len)
{
	struct node *n = calloc(1, sizeof(*n) + len + 1);

	if (!n)
		return NULL;
	memcpy(n->path, path, len);
	n->path_len = (uint16_t)len;
	n->perms = &n->perm_inline;
	return n;
}

struct node *node_clone(const struct node *src)
{
	struct node *n = node_new(src->path, src->path_len);

	if (!n)
		return NULL;
	n->generation = src->generation;
	n->hash = src->hash;
	if (node_set_value(n, src->value, src->value_len) ||
	    node_set_perms(n, src->perms, src->nperms))
		goto fail;
	if (src->children_len) {
		n->children = malloc(src->children_len);
		if (!n->children)
			goto fail;
		memcpy(n->children, src->children, src->children_len);
		n->children_len = src->children_len;
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
	free(n->value);
	free(n->children);
	if (n->perms != &n->perm_inline)
		free(n->perms);
	free(n);
}

int node_set_value(struct node *n, const void *value, size_t len)
{
	char *v = NULL;

	if (len) {
		v = malloc(len);
		if (!v)
			return ENOMEM;
		memcpy(v, value, len);
	}
	free(n->value);
	n->value = v;
	n->value_len = (uint32_t)len;
	return 0;
}

int node_set_perms(struct node *n, const struct perm *perms, unsigned nperms)
{
	struct perm *p = &n->perm_inline;

	if (nperms > 1) {
		p = malloc(nperms * sizeof(*p));
		if (!p)
			return ENOMEM;
	}
	memcpy(p, perms, nperms * sizeof(*p));
	if (n->perms != &n->perm_inline)
		free(n->perms);
	n->perms = p;
	n->nperms = (uint16_t)nperms;
	return 0;
}

int node_add_child(struct node *n, const char *name, size_t len)
{
	char *c = realloc(n->children, n->children_len + len + 1);

	if (!c)
		return ENOMEM;
	memcpy(c + n->children_len, name, len);
	c[n->children_len + len] = '\0';
	n->children = c;
	n->children_len += (uint32_t)len + 1;
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

size_t node_quota_size(const struct node *n)
{
	return 16 + 8 * (size_t)n->nperms + n->value_len + n->children_len;
}

size_t node_heap_size(const struct node *n)
{
	size_t sz = sizeof(*n) + n->path_len + 1 + n->value_len + n->children_len;
	if (n->perms != &n->perm_inline)
		sz += n->nperms * sizeof(struct perm);
	return sz;
}
