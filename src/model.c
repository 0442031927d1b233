/* model.c - the data model's state: its initial tree, node accounting
 * and consistency check (see model.h). */
#include "model.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "path.h"
#include "wire.h"

static void account(void *arg, unsigned domid, int delta)
{
	struct model *m = arg;
	struct domain *dom = domain_get(&m->domains, domid, m->store.generation);

	if (!dom)
		return;
	dom->nodes = (unsigned)((int)dom->nodes + delta);
	if (dom->nodes == 0)
		domain_put(&m->domains, dom);
}

/* The tree C xenstored starts with: /, /tool, /tool/xenstored and the two
 * special nodes, owned by the privileged domain, no access for others. */
static int initial_tree(struct model *m)
{
	static const char *const paths[] = {
		"/", "/tool", "/tool/xenstored", "@introduceDomain", "@releaseDomain",
	};
	/* 4.22: any domain may watch @releaseDomain (for its own domid). */
	struct perm p[2] = {
		{ .domid = (uint16_t)m->priv_domid, .access = PERM_NONE },
		{ .domid = XS_DOMID_ANY, .access = PERM_READ },
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct node *n = node_new(paths[i], strlen(paths[i]));
		unsigned nperms = strcmp(paths[i], "@releaseDomain") == 0 ? 2 : 1;
		if (!n || node_set_perms(n, p, nperms)) {
			node_free(n);
			return ENOMEM;
		}
		if (strcmp(paths[i], "/tool") == 0)
			node_add_child(n, "xenstored", 9);
		if (strcmp(paths[i], "/") == 0)
			node_add_child(n, "tool", 4);
		store_insert(&m->store, n);
	}
	return 0;
}

int model_init(struct model *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	quota_defaults(&m->quotas);
	if ((err = store_init(&m->store)) || (err = watch_table_init(&m->watches)))
		return err;
	m->store.account = account;
	m->store.account_ctx = m;
	return initial_tree(m);
}

void model_destroy(struct model *m)
{
	m->store.account = NULL;
	store_destroy(&m->store);
	watch_table_destroy(&m->watches);
	domain_table_destroy(&m->domains);
}

struct check {
	struct model *m;
	char *report;
	size_t size, used;
	unsigned problems;
	struct domain_count {
		unsigned domid, nodes;
	} *counts;
	size_t ncounts, cap;
	size_t tree_nodes;        /* nodes under "/", "/" included */
	bool special_children;    /* an @node with children: never made so */
};

static void problem(struct check *c, const char *what, const char *path)
{
	int n;

	c->problems++;
	log_warnx("check: %s: %s", what, path);
	if (c->used >= c->size)
		return;
	n = snprintf(c->report + c->used, c->size - c->used, "%s: %s\n", what, path);
	if (n > 0)
		c->used += (size_t)n;
}

static void count_owner(struct check *c, unsigned domid)
{
	for (size_t i = 0; i < c->ncounts; i++) {
		if (c->counts[i].domid == domid) {
			c->counts[i].nodes++;
			return;
		}
	}
	if (c->ncounts == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct domain_count *p = realloc(c->counts, cap * sizeof(*p));
		if (!p)
			return;
		c->counts = p;
		c->cap = cap;
	}
	c->counts[c->ncounts++] = (struct domain_count){ domid, 1 };
}

/* The fuzzers run the check after many steps of every input, so the
 * usual case, nothing wrong, is made cheap: one walk down from "/" that
 * carries each path's hash on a name at a time (FNV-1a is incremental)
 * and finds every node once.  Looking up each node's parent and each of
 * its children instead hashed every path twice in full, the most costly
 * part of a fuzz input with deep trees.  Only when the walk and the node
 * count disagree does the node-by-node check run, to say what is wrong
 * where. */

/* Owners and the size of the tree, without hashing a path. */
static void count_node(struct node *n, void *arg)
{
	struct check *c = arg;

	if (n->path[0] == '/') {
		c->tree_nodes++;
		count_owner(c, node_owner(n));
	} else if (n->children_len) {
		c->special_children = true;
	}
}

static int cmp_node_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const struct node *const *)a;
	uintptr_t y = (uintptr_t)*(const struct node *const *)b;

	return (x > y) - (x < y);
}

/* Whether the walk from "/" finds every listed child and reaches exactly
 * the tree_nodes nodes of the tree, each once.  Iterative (XSA-418); stops
 * as soon as it reaches more than there are (a name listed twice at every
 * level would otherwise multiply the walk). */
static bool tree_whole(const struct store *s, size_t tree_nodes)
{
	const struct node *root = store_lookup(s, "/", 1);
	struct visit {
		const struct node *n;
		uint32_t hash;
	} *stack = NULL;
	const struct node **seen = NULL;
	size_t depth = 0, nseen = 0;
	char path[XS_PATH_BUF];
	bool whole = false;

	if (!root)
		return tree_nodes == 0;
	stack = malloc(tree_nodes * sizeof(*stack));
	seen = malloc(tree_nodes * sizeof(*seen));
	if (!stack || !seen)
		goto out;
	stack[depth++] = (struct visit){ root, store_hash("/", 1) };
	seen[nseen++] = root;
	while (depth) {
		struct visit v = stack[--depth];
		size_t base = v.n->path_len == 1 ? 0 : v.n->path_len;
		uint32_t prefix = base ? store_hash_step(v.hash, '/') : v.hash;

		memcpy(path, v.n->path, base);
		path[base] = '/';
		for (size_t off = 0; off < v.n->children_len;) {
			const char *name = v.n->children + off;
			size_t len = strlen(name);
			uint32_t hash = prefix;
			const struct node *child;

			if (base + 1 + len >= sizeof(path) || nseen == tree_nodes)
				goto out;
			for (size_t i = 0; i < len; i++)
				hash = store_hash_step(hash, name[i]);
			memcpy(path + base + 1, name, len);
			child = store_lookup_hashed(s, path, base + 1 + len, hash);
			if (!child)
				goto out;
			seen[nseen++] = child;
			stack[depth++] = (struct visit){ child, hash };
			off += len + 1;
		}
	}
	if (nseen != tree_nodes)
		goto out;
	qsort(seen, nseen, sizeof(*seen), cmp_node_ptr);
	for (size_t i = 1; i < nseen; i++)
		if (seen[i] == seen[i - 1])
			goto out;
	whole = true;
out:
	free(stack);
	free(seen);
	return whole;
}

/* Parent links both ways, node by node: the parent exists and lists this
 * node, and every listed child exists. */
static void check_links(struct node *n, void *arg)
{
	struct check *c = arg;
	size_t plen = path_parent_len(n->path, n->path_len);
	char child[XS_PATH_BUF];

	if (n->path[0] == '/' && n->path_len > 1) {
		const struct node *p = store_lookup(&c->m->store, n->path, plen);
		const char *name = n->path + plen + (plen > 1);
		size_t nlen = n->path_len - (size_t)(name - n->path), off = 0;
		bool listed = false;
		while (p && off < p->children_len && !listed) {
			listed = strlen(p->children + off) == nlen &&
				 memcmp(p->children + off, name, nlen) == 0;
			off += strlen(p->children + off) + 1;
		}
		if (!listed)
			problem(c, p ? "not listed by its parent" : "orphan", n->path);
	}
	size_t base = n->path_len == 1 ? 0 : n->path_len;
	memcpy(child, n->path, base);
	child[base] = '/';
	for (size_t off = 0; off < n->children_len;) {
		size_t clen = strlen(n->children + off);
		if (base + 1 + clen >= sizeof(child)) {
			problem(c, "child path too long", n->path);
		} else {
			memcpy(child + base + 1, n->children + off, clen + 1);
			if (!store_lookup(&c->m->store, child, base + 1 + clen))
				problem(c, "missing child", child);
		}
		off += clen + 1;
	}
}

static void check_domain(struct domain *dom, void *arg)
{
	struct check *c = arg;
	unsigned counted = 0;
	char what[64];

	for (size_t i = 0; i < c->ncounts; i++)
		if (c->counts[i].domid == dom->domid)
			counted = c->counts[i].nodes;
	if (counted != dom->nodes) {
		snprintf(what, sizeof(what), "domain %u owns %u nodes, accounted %u",
			 dom->domid, counted, dom->nodes);
		problem(c, what, "/");
	}
}

unsigned model_check(struct model *m, char *report, size_t size)
{
	struct check c = { .m = m, .report = report, .size = size };

	if (size)
		report[0] = '\0';
	store_foreach(&m->store, count_node, &c);
	if (c.special_children || !tree_whole(&m->store, c.tree_nodes)) {
		store_foreach(&m->store, check_links, &c);
		if (!c.problems)
			problem(&c, "a child listed twice", "/");
	}
	domain_foreach(&m->domains, check_domain, &c);
	for (size_t i = 0; i < c.ncounts; i++) {
		struct domain *dom = domain_find(&m->domains, c.counts[i].domid);
		if (!dom)
			problem(&c, "unaccounted owner", "/");
	}
	free(c.counts);
	return c.problems;
}
