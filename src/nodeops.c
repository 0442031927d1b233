/* nodeops.c - tree operations with permissions, quotas and events. */
#include "nodeops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "path.h"

/* The nearest existing ancestor of path (starting at its parent).  Each
 * ancestor's hash comes from the one below it (store_hash_prefix), so a
 * deep path is hashed once, not once per level. */
static int nearest_ancestor(struct node_ctx *ctx, const char *path, size_t len,
			    struct node **out)
{
	size_t anc = path_parent_len(path, len);
	uint32_t hash = store_hash(path, anc);
	int err;

	*out = NULL;
	while (anc > 0) {
		err = view_lookup_hashed(&ctx->view, path, anc, hash, out);
		if (err || *out)
			return err;
		len = anc;
		anc = path_parent_len(path, len);
		hash = store_hash_prefix(hash, path, len, anc);
	}
	return 0;
}

/* Information hiding (C's errno_from_parents): a failure is reported as
 * EACCES unless the caller has some of the permission it asked for on
 * the nearest existing ancestor.  Only that permission counts: a domain
 * that may write but not read a directory still creates and removes
 * in it. */
static unsigned access_to(const struct node_ctx *ctx, const struct node *n)
{
	return perm_for_gen(&ctx->who, n->perms, n->nperms, n->generation);
}

static int hide(struct node_ctx *ctx, const char *path, int err, unsigned perm)
{
	struct node *anc;
	int lookup_err;

	if (err == ENOMEM || err == ENOSPC)
		return err;
	lookup_err = nearest_ancestor(ctx, path, strlen(path), &anc);
	if (lookup_err)
		return lookup_err; /* a transaction out of room says so */
	/* @special names hang off "/" for this purpose, as in C. */
	if (!anc && (lookup_err = view_lookup(&ctx->view, "/", 1, &anc)))
		return lookup_err;
	if (!anc)
		return EACCES;
	return (access_to(ctx, anc) & perm) ? err : EACCES;
}

int nodeops_get(struct node_ctx *ctx, const char *path, unsigned perm,
		struct node **out)
{
	int err = view_lookup(&ctx->view, path, strlen(path), out);

	if (err)
		return err;
	if (!*out)
		return hide(ctx, path, ENOENT, perm);
	if ((access_to(ctx, *out) & perm) != perm) {
		*out = NULL;
		return hide(ctx, path, EACCES, perm);
	}
	return 0;
}

static int quota_fail(struct node_ctx *ctx, enum quota_id id, size_t value)
{
	ctx->quota_hit = id;
	ctx->quota_value = value;
	return ENOSPC;
}

/* Nodes the caller owns, with what its transaction will add or remove.
 * Never below 0: its nodes may have been removed outside meanwhile. */
static size_t nodes_pending(const struct node_ctx *ctx)
{
	long n = ctx->dom ? (long)ctx->dom->nodes : 0;

	if (ctx->view.txn)
		n += ctx->view.txn->nodes_owned;
	return n > 0 ? (size_t)n : 0;
}

/* A node as the caller would create it below parent: the parent's whole
 * permission list, owned by an unprivileged creator. */
static struct node *new_child(struct node_ctx *ctx, const struct node *parent,
			      const char *path, size_t len)
{
	struct node *n = node_new(path, len);

	if (!n)
		return NULL;
	if (node_set_perms(n, parent->perms, parent->nperms)) {
		node_free(n);
		return NULL;
	}
	if (!ctx->who.priv && n->nperms)
		n->perms[0].domid = (uint16_t)ctx->who.domid;
	return n;
}

static unsigned count_levels(const char *path, size_t from, size_t to)
{
	unsigned n = 0;
	for (size_t i = from + 1; i <= to; i++)
		if (i == to || path[i] == '/')
			n++;
	return n;
}

/* node-size (PROTOCOL.md §2.6) of every node the creation writes: the ancestor
 * gaining a child, each new node with its child or value. */
static int check_create_sizes(struct node_ctx *ctx, const struct node *anc,
			      const char *path, size_t pos, size_t vlen)
{
	size_t len = strlen(path), base = 16 + 8 * (size_t)anc->nperms, size;
	size_t end = pos + 1;

	if (!ctx->limit_node_size)
		return 0;
	while (end < len && path[end] != '/')
		end++;
	size = node_quota_size(anc) + (end - pos);
	if (!quota_allows(ctx->limit_node_size, size))
		return quota_fail(ctx, QUOTA_NODE_SIZE, size);
	for (pos = end; pos < len; pos = end) {
		for (end = pos + 1; end < len && path[end] != '/'; end++)
			;
		size = base + (end - pos);
		if (!quota_allows(ctx->limit_node_size, size))
			return quota_fail(ctx, QUOTA_NODE_SIZE, size);
	}
	size = base + vlen;
	return quota_allows(ctx->limit_node_size, size) ? 0
							: quota_fail(ctx, QUOTA_NODE_SIZE, size);
}

/* Creates path and its missing ancestors below `anc`.  Quotas are checked
 * first so a refused request leaves nothing behind (XSA-415). */
static int create_path(struct node_ctx *ctx, struct node *anc, const char *path,
		       const void *value, size_t vlen)
{
	size_t len = strlen(path), pos = anc->path_len == 1 ? 0 : anc->path_len;
	unsigned levels = count_levels(path, pos, len);
	struct node *parent = anc;
	int err;

	if (!(access_to(ctx, anc) & PERM_WRITE))
		return EACCES;
	if (!quota_allows(ctx->limit_nodes, nodes_pending(ctx) + levels))
		return quota_fail(ctx, QUOTA_NODES, nodes_pending(ctx) + levels);
	if ((err = check_create_sizes(ctx, anc, path, pos, vlen)))
		return err;
	while (pos < len) {
		size_t end = pos + 1;
		struct node *n;
		while (end < len && path[end] != '/')
			end++;
		n = new_child(ctx, parent, path, end);
		if (!n)
			return ENOMEM;
		if (end == len) {
			struct node *m = node_set_value(n, value, vlen);
			if (!m) {
				node_free(n);
				return ENOMEM;
			}
			n = m;
		}
		err = node_add_child(parent, path + pos + 1, end - pos - 1);
		if (err) {
			node_free(n);
			return err;
		}
		view_modified(&ctx->view, parent);
		err = view_create(&ctx->view, n);
		if (err)
			return err;
		parent = n;
		pos = end;
	}
	view_changed(&ctx->view, path, false, NULL, 0);
	return 0;
}

/* A missing node may be created when the caller may write its nearest
 * existing ancestor (reading it is not needed, as in C). */
static int create(struct node_ctx *ctx, const char *path, const void *value, size_t vlen)
{
	struct node *anc;
	int err = nearest_ancestor(ctx, path, strlen(path), &anc);

	if (err)
		return err;
	if (!anc)
		return EINVAL; /* only "/" has no ancestor, and "/" always exists */
	return create_path(ctx, anc, path, value, vlen);
}

int nodeops_write(struct node_ctx *ctx, const char *path, const void *value, size_t len)
{
	struct node *n;
	int err = nodeops_get(ctx, path, PERM_WRITE, &n);

	if (err == ENOENT)
		return create(ctx, path, value, len);
	if (err)
		return err;
	if (!quota_allows(ctx->limit_node_size,
			  node_quota_size(n) - n->value_len + len))
		return quota_fail(ctx, QUOTA_NODE_SIZE,
				  node_quota_size(n) - n->value_len + len);
	err = view_set_value(&ctx->view, &n, value, len);
	if (err)
		return err;
	view_changed(&ctx->view, path, false, NULL, 0);
	return 0;
}

int nodeops_mkdir(struct node_ctx *ctx, const char *path)
{
	struct node *n;
	int err = nodeops_get(ctx, path, PERM_WRITE, &n);

	if (err == ENOENT)
		return create(ctx, path, NULL, 0);
	return err; /* an existing node is left alone and fires nothing */
}

/* Paths of a subtree in depth-first pre-order, children in list order
 * (the order C's tree walk reaches them); iterative (XSA-418). */
struct path_list {
	char **paths;
	size_t count, cap;
};

/* Room for one more path. */
static int list_reserve(struct path_list *l)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **np = realloc(l->paths, cap * sizeof(*np));
		if (!np)
			return ENOMEM;
		l->paths = np;
		l->cap = cap;
	}
	return 0;
}

static int list_push(struct path_list *l, const char *base, size_t blen,
		     const char *name, size_t nlen)
{
	char *p;

	if (list_reserve(l))
		return ENOMEM;
	p = malloc(blen + nlen + 2);
	if (!p)
		return ENOMEM;
	memcpy(p, base, blen);
	if (name) {
		p[blen] = '/';
		memcpy(p + blen + 1, name, nlen);
		p[blen + 1 + nlen] = '\0';
	} else {
		p[blen] = '\0';
	}
	l->paths[l->count++] = p;
	return 0;
}

static void list_free(struct path_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->paths[i]);
	free(l->paths);
}

/* Pushes n's children onto the stack so the first child is on top. */
static int push_children(struct path_list *stack, const char *path, const struct node *n)
{
	size_t first = stack->count, plen = strlen(path);
	int err = 0;

	for (size_t off = 0; !err && off < n->children_len;) {
		size_t clen = strlen(n->children + off);
		err = list_push(stack, path, plen, n->children + off, clen);
		off += clen + 1;
	}
	for (size_t i = first, j = stack->count; !err && i + 1 < j; i++, j--) {
		char *tmp = stack->paths[i];
		stack->paths[i] = stack->paths[j - 1];
		stack->paths[j - 1] = tmp;
	}
	return err;
}

static int collect_subtree(struct node_ctx *ctx, const char *root, struct path_list *l)
{
	struct path_list stack = { 0 };
	int err = list_push(&stack, root, strlen(root), NULL, 0);

	while (!err && stack.count > 0) {
		struct node *n;
		char *path;
		if ((err = list_reserve(l)))
			break;
		path = stack.paths[--stack.count];
		l->paths[l->count++] = path; /* moved from the stack */
		err = view_lookup(&ctx->view, path, strlen(path), &n);
		if (!err && n)
			err = push_children(&stack, path, n);
	}
	list_free(&stack);
	return err;
}

static void removal_event(struct node_ctx *ctx, const struct path_list *l, size_t i)
{
	struct node *n;

	if (view_lookup(&ctx->view, l->paths[i], strlen(l->paths[i]), &n) == 0 && n)
		view_changed(&ctx->view, l->paths[i], i > 0, n->perms, n->nperms);
}

/*
 * The events of a subtree removal, sent while each node can still be
 * seen: a watcher learns of a removal only if it could read what was
 * removed (XSA-115), and the permissions go along for commit.  The order
 * is C's: a node after its children (post-order), but inside a
 * transaction each node in the order the walk reached it, parent first,
 * as both Xen daemons fire them at commit.
 */
static int removal_events(struct node_ctx *ctx, const struct path_list *l)
{
	size_t *open, nopen = 0;

	if (ctx->view.txn) {
		for (size_t i = 0; i < l->count; i++)
			removal_event(ctx, l, i);
		return 0;
	}
	open = malloc(l->count * sizeof(*open));
	if (!open)
		return ENOMEM;
	/* Pre-order to post-order: a node is done when the walk leaves it. */
	for (size_t i = 0; i < l->count; i++) {
		while (nopen > 0 && !path_is_under(l->paths[i], l->paths[open[nopen - 1]],
						   strlen(l->paths[open[nopen - 1]])))
			removal_event(ctx, l, open[--nopen]);
		open[nopen++] = i;
	}
	while (nopen > 0)
		removal_event(ctx, l, open[--nopen]);
	free(open);
	return 0;
}

static int remove_subtree(struct node_ctx *ctx, const char *path)
{
	struct path_list l = { 0 };
	size_t len = strlen(path), plen = path_parent_len(path, len);
	struct node *parent, *n;
	int err = collect_subtree(ctx, path, &l);

	if (!err)
		err = view_lookup(&ctx->view, path, plen, &parent);
	if (!err)
		err = removal_events(ctx, &l);
	if (err)
		goto out;
	for (size_t i = l.count; i-- > 0;) {
		if (view_lookup(&ctx->view, l.paths[i], strlen(l.paths[i]), &n) == 0 && n)
			view_delete(&ctx->view, n);
	}
	if (parent) {
		const char *name = path + plen + (plen > 1 ? 1 : 0);
		node_remove_child(parent, name, len - (size_t)(name - path));
		view_modified(&ctx->view, parent);
	}
out:
	list_free(&l);
	return err;
}

int nodeops_rm(struct node_ctx *ctx, const char *path)
{
	struct node *n;
	int err;

	if (strcmp(path, "/") == 0)
		return EINVAL;
	err = nodeops_get(ctx, path, PERM_WRITE, &n);
	if (err == ENOENT) {
		/* Removing what is not there is fine if its parent exists. */
		size_t plen = path_parent_len(path, strlen(path));
		struct node *parent = NULL;
		err = plen ? view_lookup(&ctx->view, path, plen, &parent) : 0;
		return err ? err : parent ? 0 : ENOENT;
	}
	return err ? err : remove_subtree(ctx, path);
}

int nodeops_set_perms(struct node_ctx *ctx, const char *path,
		      const struct perm *perms, unsigned nperms)
{
	struct perm old[64], *oldp = old;
	unsigned nold;
	struct node *n;
	int err = nodeops_get(ctx, path, PERM_WRITE | PERM_OWNER, &n);

	if (err)
		return err;
	if (!ctx->who.priv && perms[0].domid != node_owner(n))
		return EPERM;
	if (!quota_allows(ctx->limit_node_size, node_quota_size(n) + 8 * (size_t)nperms -
							8 * (size_t)n->nperms))
		return quota_fail(ctx, QUOTA_NODE_SIZE,
				  node_quota_size(n) + 8 * (size_t)nperms - 8 * (size_t)n->nperms);
	nold = n->nperms;
	if (nold > 64 && !(oldp = malloc(nold * sizeof(*oldp))))
		return ENOMEM;
	memcpy(oldp, n->perms, nold * sizeof(*oldp));
	err = view_set_perms(&ctx->view, n, perms, nperms);
	if (!err)
		view_changed(&ctx->view, path, false, oldp, nold);
	if (oldp != old)
		free(oldp);
	return err;
}
