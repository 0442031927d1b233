/* daemon.c - the daemon's state and the hooks that tie the store to
 * watches and accounting (see daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "nodeops.h"
#include "path.h"
#include "probes.h"

static void account(void *arg, unsigned domid, int delta)
{
	struct daemon *d = arg;
	struct domain *dom = domain_get(&d->domains, domid, d->store.generation);

	if (!dom)
		return;
	dom->nodes = (unsigned)((int)dom->nodes + delta);
	if (dom->nodes == 0)
		domain_put(&d->domains, dom);
}

/* The tree C xenstored starts with: /, /tool, /tool/xenstored and the two
 * special nodes, owned by the privileged domain, no access for others. */
static int initial_tree(struct daemon *d)
{
	static const char *const paths[] = {
		"/", "/tool", "/tool/xenstored", "@introduceDomain", "@releaseDomain",
	};
	/* 4.22: any domain may watch @releaseDomain (for its own domid). */
	struct perm p[2] = {
		{ .domid = (uint16_t)d->priv_domid, .access = PERM_NONE },
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
		store_insert(&d->store, n);
	}
	return 0;
}

int daemon_init(struct daemon *d)
{
	int err;

	memset(d, 0, sizeof(*d));
	quota_defaults(&d->quotas);
	d->out_limit_priv = 16u << 20;
	if ((err = store_init(&d->store)) || (err = watch_table_init(&d->watches)))
		return err;
	d->store.account = account;
	d->store.account_ctx = d;
	return initial_tree(d);
}

void daemon_destroy(struct daemon *d)
{
	while (d->conns)
		conn_close(d->conns, "shutdown");
	conn_end_of_round(d);
	free(d->port_conns);
	d->store.account = NULL;
	store_destroy(&d->store);
	watch_table_destroy(&d->watches);
	domain_table_destroy(&d->domains);
}

int daemon_map_port(struct daemon *d, int port, struct conn *c)
{
	if (port < 0)
		return EINVAL;
	if ((size_t)port >= d->nport_conns) {
		size_t n = (size_t)port * 2 + 16;
		struct conn **p = realloc(d->port_conns, n * sizeof(*p));
		if (!p)
			return ENOMEM;
		memset(p + d->nport_conns, 0, (n - d->nport_conns) * sizeof(*p));
		d->port_conns = p;
		d->nport_conns = n;
	}
	d->port_conns[port] = c;
	return 0;
}

void daemon_unmap_port(struct daemon *d, int port)
{
	if (port >= 0 && (size_t)port < d->nport_conns)
		d->port_conns[port] = NULL;
}

struct conn *daemon_port_conn(const struct daemon *d, int port)
{
	return port >= 0 && (size_t)port < d->nport_conns ? d->port_conns[port] : NULL;
}

void daemon_changed(void *arg, const char *path, bool exact,
		    const struct perm *old_perms, unsigned old_nperms)
{
	struct daemon *d = arg;
	watch_fire(d, path, exact, old_perms, old_nperms, &d->cause);
}

void daemon_fire_special(struct daemon *d, const char *name, unsigned domid)
{
	char sub[64];

	/* The cause is the INTRODUCE/RELEASE being handled, or none (0, 0)
	 * when the hypervisor reported the change. */
	watch_fire(d, name, true, NULL, 0, &d->cause);
	/* C 4.22: depth-limited watchers of @releaseDomain get the domid. */
	if (strcmp(name, "@releaseDomain") == 0) {
		snprintf(sub, sizeof(sub), "%s/%u", name, domid);
		watch_fire(d, sub, false, NULL, 0, &d->cause);
	}
}

struct cleanup {
	struct daemon *d;
	unsigned domid;
	char **doomed;
	size_t ndoomed, cap;
};

/* Strips ACL entries naming the domain and notes the nodes it owns. */
static void cleanup_visit(struct node *n, void *arg)
{
	struct cleanup *c = arg;
	unsigned keep = 1;

	for (unsigned i = 1; i < n->nperms; i++)
		if (n->perms[i].domid != c->domid)
			n->perms[keep++] = n->perms[i];
	/* A change like any other: transactions that saw the old list conflict. */
	if (keep != n->nperms) {
		node_set_perms(n, n->perms, keep); /* shrinking: cannot fail */
		store_touch(&c->d->store, n);
	}
	if (node_owner(n) != c->domid || n->path[0] != '/' || n->path_len == 1)
		return;
	if (c->ndoomed == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **p = realloc(c->doomed, cap * sizeof(*p));
		if (!p)
			return;
		c->doomed = p;
		c->cap = cap;
	}
	c->doomed[c->ndoomed] = strdup(n->path);
	if (c->doomed[c->ndoomed])
		c->ndoomed++;
}

/* Deletes (or with -K hands to priv) every node the domain owns
 * (XSA-419), and strips the ACL entries naming it. */
void daemon_cleanup_domain(struct daemon *d, unsigned domid)
{
	struct cleanup c = { .d = d, .domid = domid };
	struct node_ctx ctx = {
		.view = { &d->store, NULL, daemon_changed, d },
		.who = { d->priv_domid, -1, true },
		.quota_hit = -1,
	};
	struct domain *dom;
	uint64_t gone;

	if (domid == d->priv_domid)
		return;
	/* Anything naming this domain written before now was written for
	 * it, not for a later domain with its id: open transactions are
	 * judged by this generation when they commit. */
	gone = store_next_generation(&d->store);
	store_foreach(&d->store, cleanup_visit, &c);
	for (size_t i = 0; i < c.ndoomed; i++) {
		struct node *n = store_lookup(&d->store, c.doomed[i], strlen(c.doomed[i]));
		if (n && d->keep_orphans) {
			struct perm p = n->perms[0];
			p.domid = (uint16_t)d->priv_domid;
			store_set_perms(&d->store, n, &p, 1);
		} else if (n) {
			nodeops_rm(&ctx, c.doomed[i]);
		}
		free(c.doomed[i]);
	}
	free(c.doomed);
	dom = domain_find(&d->domains, domid);
	if (dom)
		dom->generation = gone; /* a record kept (quota overrides) */
}

struct departed {
	struct daemon *d;
	char **owned;               /* paths of nodes a departed domain owns */
	size_t nowned, cap;
	int err;
};

/* The domain an entry written at generation `written` names is gone:
 * its record is younger than the entry, or there is none. */
static bool departed(const struct daemon *d, unsigned domid, uint64_t written)
{
	const struct domain *dom;

	if (domid == d->priv_domid || domid == XS_DOMID_ANY)
		return false;
	dom = domain_find(&d->domains, domid);
	return !dom || dom->generation > written;
}

static void drop_departed_entries(struct node *n, void *arg)
{
	struct departed *dep = arg;
	unsigned keep = 1;
	char *path;

	for (unsigned i = 1; i < n->nperms; i++)
		if ((n->perms[i].access & PERM_STALE) ||
		    !departed(dep->d, n->perms[i].domid, n->generation))
			n->perms[keep++] = n->perms[i];
	if (keep != n->nperms)
		node_set_perms(n, n->perms, keep); /* shrinking: cannot fail */
	if (!n->nperms || n->path[0] != '/' || n->path_len == 1 ||
	    !departed(dep->d, node_owner(n), n->generation))
		return;
	if (dep->nowned == dep->cap) {
		size_t cap = dep->cap ? dep->cap * 2 : 8;
		char **p = realloc(dep->owned, cap * sizeof(*p));
		if (!p) {
			dep->err = ENOMEM;
			return;
		}
		dep->owned = p;
		dep->cap = cap;
	}
	path = strdup(n->path);
	if (!path) {
		dep->err = ENOMEM;
		return;
	}
	dep->owned[dep->nowned++] = path;
}

/* A node of a departed owner, as the cleanup treats it in the store. */
static int drop_departed_node(struct daemon *d, struct node_ctx *ctx, const char *path)
{
	struct node *n;
	struct perm p;
	int err = view_lookup(&ctx->view, path, strlen(path), &n);

	if (err || !n || !departed(d, node_owner(n), n->generation))
		return err; /* gone with an ancestor already */
	if (!d->keep_orphans)
		return nodeops_rm(ctx, path);
	p = n->perms[0];
	p.domid = (uint16_t)d->priv_domid;
	return view_set_perms(&ctx->view, n, &p, 1);
}

int daemon_txn_drop_departed(struct daemon *d, struct txn *t)
{
	struct departed dep = { .d = d };
	struct node_ctx ctx = {
		.view = { &d->store, t, daemon_changed, d },
		.who = { d->priv_domid, -1, true },
		.quota_hit = -1,
	};
	unsigned node_limit = t->node_limit;
	size_t bytes_limit = t->bytes_limit;
	int err;

	txn_foreach_written(t, drop_departed_entries, &dep);
	err = dep.err;
	/* The removal is the daemon's doing, not the caller's: no quota. */
	t->node_limit = 0;
	t->bytes_limit = 0;
	for (size_t i = 0; i < dep.nowned; i++) {
		if (!err)
			err = drop_departed_node(d, &ctx, dep.owned[i]);
		free(dep.owned[i]);
	}
	free(dep.owned);
	t->node_limit = node_limit;
	t->bytes_limit = bytes_limit;
	return err;
}

void daemon_release_domain(struct daemon *d, struct domain *dom, const char *reason)
{
	unsigned domid = dom->domid;

	if (dom->conn)
		conn_close(dom->conn, reason);
	dom->conn = NULL;
	dom->introduced = false;
	dom->known = false;
	dom->shutdown_reported = false;
	dom->target = -1;
	dom->features_set = false;
	if (XS_PROBE_ENABLED(domain_release))
		XS_PROBE(domain_release, domid, reason);
	daemon_cleanup_domain(d, domid);
	daemon_fire_special(d, "@releaseDomain", domid);
	dom = domain_find(&d->domains, domid);
	if (dom)
		domain_put(&d->domains, dom);
}

struct check {
	struct daemon *d;
	char *report;
	size_t size, used;
	unsigned problems;
	struct domain_count {
		unsigned domid, nodes;
	} *counts;
	size_t ncounts, cap;
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

/* Parent links both ways: the parent exists and lists this node, and
 * every listed child exists. */
static void check_node(struct node *n, void *arg)
{
	struct check *c = arg;
	size_t plen = path_parent_len(n->path, n->path_len);
	char child[XS_PATH_BUF];

	if (n->path[0] == '/')
		count_owner(c, node_owner(n));
	if (n->path[0] == '/' && n->path_len > 1) {
		const struct node *p = store_lookup(&c->d->store, n->path, plen);
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
	/* The children's paths share this node's as their prefix: built
	 * once, each name copied after it (snprintf per child was most of
	 * the fuzzers' time in this check). */
	size_t base = n->path_len == 1 ? 0 : n->path_len;
	memcpy(child, n->path, base);
	child[base] = '/';
	for (size_t off = 0; off < n->children_len;) {
		size_t clen = strlen(n->children + off);
		if (base + 1 + clen >= sizeof(child)) {
			problem(c, "child path too long", n->path);
		} else {
			memcpy(child + base + 1, n->children + off, clen + 1);
			if (!store_lookup(&c->d->store, child, base + 1 + clen))
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

unsigned daemon_check(struct daemon *d, char *report, size_t size)
{
	struct check c = { .d = d, .report = report, .size = size };

	if (size)
		report[0] = '\0';
	store_foreach(&d->store, check_node, &c);
	domain_foreach(&d->domains, check_domain, &c);
	for (size_t i = 0; i < c.ncounts; i++) {
		struct domain *dom = domain_find(&d->domains, c.counts[i].domid);
		if (!dom)
			problem(&c, "unaccounted owner", "/");
	}
	free(c.counts);
	return c.problems;
}
