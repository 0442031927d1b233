/* txn.c - transactions as overlays of first-accessed node copies. */
#include "txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct txn_entry {
	struct hashtab_link hash_link; /* chain of the transaction's table */
	struct txn_entry *next;       /* access order */
	struct node *node;            /* private copy; NULL while absent */
	uint64_t base_gen;            /* committed generation seen; 0 = absent */
	bool modified;
	uint32_t hash;                /* store_hash of the path */
	uint16_t path_len;
	char path[];
};

struct change {
	struct change *next;
	bool exact;
	unsigned old_nperms;
	struct perm *old_perms;
	char path[];
};

static struct txn_entry *entry_of(const struct hashtab_link *l)
{
	return hashtab_entry(l, struct txn_entry, hash_link);
}

static uint32_t entry_hash(const struct hashtab_link *l)
{
	return entry_of(l)->hash;
}

struct txn *txn_new(uint32_t id, unsigned node_limit)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	/* Most transactions touch a few nodes: 16 buckets, doubling at one
	 * entry a bucket. */
	if (hashtab_init(&t->entries, 16, 1, entry_hash)) {
		free(t);
		return NULL;
	}
	t->id = id;
	t->node_limit = node_limit;
	t->last = &t->first;
	t->changes_last = &t->changes;
	return t;
}

/* Copies a transaction holds count against its domain's memory quota,
 * as in C xenstored (XSA-326): past it the transaction is doomed. */
static int charge(struct txn *t, long delta)
{
	t->bytes = (size_t)((long)t->bytes + delta);
	if (!t->owner_bytes)
		return 0;
	*t->owner_bytes = (size_t)((long)*t->owner_bytes + delta);
	if (delta > 0 && t->bytes_limit && *t->owner_bytes > t->bytes_limit) {
		t->failed = ENOSPC;
		return ENOSPC;
	}
	return 0;
}

static void free_changes(struct txn *t)
{
	struct change *c, *next;

	for (c = t->changes; c; c = next) {
		next = c->next;
		free(c->old_perms);
		free(c);
	}
	t->changes = NULL;
	t->changes_last = &t->changes;
}

void txn_free(struct txn *t)
{
	struct txn_entry *e, *next;

	if (!t)
		return;
	for (e = t->first; e; e = next) {
		next = e->next;
		node_free(e->node);
		free(e);
	}
	free_changes(t);
	if (t->owner_bytes)
		*t->owner_bytes -= t->bytes;
	hashtab_destroy(&t->entries, NULL); /* entries freed above */
	free(t->conflict_path);
	free(t);
}

struct entry_key {
	const char *path;
	size_t len;
	uint32_t hash;
};

static bool entry_has_path(const struct hashtab_link *l, const void *key)
{
	const struct txn_entry *e = entry_of(l);
	const struct entry_key *k = key;

	return e->hash == k->hash && e->path_len == k->len &&
	       memcmp(e->path, k->path, k->len) == 0;
}

static struct txn_entry *find_entry(const struct txn *t, const char *path,
				    size_t len, uint32_t h)
{
	struct entry_key key = { path, len, h };
	struct hashtab_link *l = hashtab_find(&t->entries, h, entry_has_path, &key);

	return l ? entry_of(l) : NULL;
}

/* First access to a path: remember what the store had, keep a copy. */
static int add_entry(struct txn *t, const struct store *s, const char *path,
		     size_t len, uint32_t h, struct txn_entry **out)
{
	const struct node *base = store_lookup_hashed(s, path, len, h);
	struct txn_entry *e;

	if (t->node_limit && t->entries.count >= t->node_limit) {
		t->failed = ENOSPC;
		return ENOSPC;
	}
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e)
		goto nomem;
	memcpy(e->path, path, len);
	e->path_len = (uint16_t)len;
	e->hash = h;
	e->base_gen = base ? base->generation : 0;
	if (base && !(e->node = node_clone(base))) {
		free(e);
		goto nomem;
	}
	if (charge(t, (long)(sizeof(*e) + len + 1 + (e->node ? node_heap_size(e->node) : 0)))) {
		node_free(e->node);
		free(e);
		return ENOSPC;
	}
	hashtab_insert(&t->entries, &e->hash_link, h);
	*t->last = e;
	t->last = &e->next;
	*out = e;
	return 0;
nomem:
	t->failed = ENOMEM;
	return ENOMEM;
}

static int get_entry_hashed(struct txn *t, const struct store *s, const char *path,
			    size_t len, uint32_t h, struct txn_entry **out)
{
	*out = find_entry(t, path, len, h);
	return *out ? 0 : add_entry(t, s, path, len, h, out);
}

static int get_entry(struct txn *t, const struct store *s, const char *path,
		     size_t len, struct txn_entry **out)
{
	return get_entry_hashed(t, s, path, len, store_hash(path, len), out);
}

int view_lookup_hashed(struct view *v, const char *path, size_t len, uint32_t hash,
		       struct node **out)
{
	struct txn_entry *e;
	int err;

	if (!v->txn) {
		*out = store_lookup_hashed(v->store, path, len, hash);
		return 0;
	}
	err = get_entry_hashed(v->txn, v->store, path, len, hash, &e);
	*out = err ? NULL : e->node;
	return err;
}

int view_lookup(struct view *v, const char *path, size_t len, struct node **out)
{
	return view_lookup_hashed(v, path, len, store_hash(path, len), out);
}

int view_create(struct view *v, struct node *n)
{
	struct txn_entry *e;
	int err;

	if (!v->txn)
		return store_insert(v->store, n);
	err = get_entry(v->txn, v->store, n->path, n->path_len, &e);
	if (err) {
		node_free(n);
		return err;
	}
	node_free(e->node);
	n->generation = v->store->generation;
	e->node = n;
	e->modified = true;
	if (node_owner(n) == v->txn->domid)
		v->txn->nodes_owned++;
	return charge(v->txn, (long)node_heap_size(n));
}

static void mark_modified(struct txn *t, const struct node *n)
{
	struct txn_entry *e = find_entry(t, n->path, n->path_len,
					 store_hash(n->path, n->path_len));
	if (e)
		e->modified = true;
}

void view_modified(struct view *v, struct node *n)
{
	if (v->txn)
		mark_modified(v->txn, n);
	else
		store_touch(v->store, n);
}

int view_set_value(struct view *v, struct node **n, const void *value, size_t len)
{
	struct txn_entry *e;
	struct node *moved;

	if (!v->txn)
		return store_set_value(v->store, n, value, len);
	e = find_entry(v->txn, (*n)->path, (*n)->path_len,
		       store_hash((*n)->path, (*n)->path_len));
	long delta = (long)len - (long)(*n)->value_len;

	moved = node_set_value(*n, value, len);
	if (!moved)
		return ENOMEM;
	*n = moved;
	if (e) {
		e->node = moved;
		e->modified = true;
	}
	return charge(v->txn, delta);
}

int view_set_perms(struct view *v, struct node *n, const struct perm *perms,
		   unsigned nperms)
{
	unsigned old_owner;
	int err;

	if (!v->txn) {
		err = store_set_perms(v->store, n, perms, nperms);
		if (!err)
			store_touch(v->store, n);
		return err;
	}
	old_owner = node_owner(n);
	err = node_set_perms(n, perms, nperms);
	if (err)
		return err;
	mark_modified(v->txn, n);
	/* A change in the transaction, like one in the store: entries are
	 * judged against this generation (perm_for_gen, and at commit). */
	n->generation = v->store->generation;
	v->txn->nodes_owned += (node_owner(n) == v->txn->domid) -
			       (old_owner == v->txn->domid);
	return 0;
}

int view_delete(struct view *v, struct node *n)
{
	struct txn_entry *e;

	if (!v->txn) {
		store_delete(v->store, n);
		return 0;
	}
	e = find_entry(v->txn, n->path, n->path_len, store_hash(n->path, n->path_len));
	if (!e)
		return ENOENT;
	if (node_owner(e->node) == v->txn->domid)
		v->txn->nodes_owned--;
	node_free(e->node);
	e->node = NULL;
	e->modified = true;
	return 0;
}

static int queue_change(struct txn *t, const char *path, bool exact,
			const struct perm *old_perms, unsigned old_nperms)
{
	size_t len = strlen(path);
	struct change *c = calloc(1, sizeof(*c) + len + 1);

	if (!c)
		return ENOMEM;
	memcpy(c->path, path, len + 1);
	c->exact = exact;
	if (old_nperms) {
		c->old_perms = malloc(old_nperms * sizeof(*old_perms));
		if (!c->old_perms) {
			free(c);
			return ENOMEM;
		}
		memcpy(c->old_perms, old_perms, old_nperms * sizeof(*old_perms));
		c->old_nperms = old_nperms;
	}
	*t->changes_last = c;
	t->changes_last = &c->next;
	t->nchanges++;
	return 0;
}

void view_changed(struct view *v, const char *path, bool exact,
		  const struct perm *old_perms, unsigned old_nperms)
{
	if (!v->txn) {
		if (v->on_change)
			v->on_change(v->change_ctx, path, exact, old_perms, old_nperms);
		return;
	}
	if (queue_change(v->txn, path, exact, old_perms, old_nperms))
		v->txn->failed = ENOMEM;
}

void txn_foreach_written(struct txn *t, void (*fn)(struct node *n, void *ctx), void *ctx)
{
	for (struct txn_entry *e = t->first; e; e = e->next)
		if (e->modified && e->node)
			fn(e->node, ctx);
}

static const struct txn_entry *first_conflict(const struct txn *t,
					      const struct store *s)
{
	for (const struct txn_entry *e = t->first; e; e = e->next) {
		const struct node *base = store_lookup(s, e->path, e->path_len);
		if ((base ? base->generation : 0) != e->base_gen)
			return e;
	}
	return NULL;
}

static void apply_entry(struct txn_entry *e, struct store *s)
{
	struct node *base = store_lookup(s, e->path, e->path_len);

	if (!e->node) {
		if (base)
			store_delete(s, base);
	} else if (base) {
		store_replace(s, base, e->node);
	} else {
		store_insert(s, e->node);
	}
	e->node = NULL;
}

int txn_commit(struct txn *t, struct store *s, change_fn *fn, void *ctx)
{
	const struct txn_entry *conflict;

	if (t->failed)
		return t->failed;
	conflict = first_conflict(t, s);
	if (conflict) {
		t->conflict_path = strndup(conflict->path, conflict->path_len);
		return EAGAIN;
	}
	for (struct txn_entry *e = t->first; e; e = e->next)
		if (e->modified)
			apply_entry(e, s);
	for (struct change *c = t->changes; c; c = c->next)
		fn(ctx, c->path, c->exact, c->old_perms, c->old_nperms);
	free_changes(t);
	return 0;
}
