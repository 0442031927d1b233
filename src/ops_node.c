/* ops_node.c - handlers of the tree operations: argument parsing and
 * reply formatting around nodeops. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "domain_life.h"
#include "nodeops.h"
#include "ops.h"
#include "path.h"
#include "request.h"

static void ctx_init(struct node_ctx *ctx, struct request *r)
{
	struct conn *c = r->conn;

	memset(ctx, 0, sizeof(*ctx));
	ctx->view.store = &r->daemon->model.store;
	ctx->view.txn = r->txn;
	ctx->view.on_change = watch_changed;
	ctx->view.change_ctx = &r->events;
	ctx->who.domid = c->domid;
	ctx->who.priv = c->priv;
	ctx->who.target = c->domain ? c->domain->target : -1;
	ctx->who.any_domain = c->features & XS_FEATURE_DOMID_ANY;
	ctx->who.since = c->domain ? c->domain->generation : 0;
	ctx->dom = c->domain;
	ctx->limit_nodes = request_quota(r, QUOTA_NODES);
	ctx->limit_node_size = request_quota(r, QUOTA_NODE_SIZE);
	ctx->quota_hit = -1;
}

/* Resolves a path argument.  A path longer than XS_REL_PATH_MAX (after
 * the home prefix is added) is EINVAL from everyone, as in both Xen
 * daemons; an unprivileged caller's path-max quota may be lower
 * (XSA-323). */
int ops_resolve(struct request *r, const char *arg, bool allow_special, char *out,
		bool *relative)
{
	unsigned limit;
	size_t len;

	if (path_resolve(arg, r->conn->domid, allow_special, out, relative))
		return EINVAL;
	limit = request_quota(r, QUOTA_PATH_MAX);
	len = path_quota_length(out);
	if (limit && !quota_allows(limit, len))
		return request_quota_exceeded(r, QUOTA_PATH_MAX, len, EINVAL);
	return len > XS_REL_PATH_MAX ? EINVAL : 0;
}

static int finish(struct request *r, struct node_ctx *ctx, int err)
{
	if (err == ENOSPC && ctx->quota_hit >= 0)
		request_quota_exceeded(r, ctx->quota_hit, ctx->quota_value, ENOSPC);
	return err;
}

/* Single path argument, resolved. */
static int one_path(struct request *r, bool allow_special, char *path)
{
	const char *arg;
	bool rel;

	if (!request_args(r, &arg, 1))
		return EINVAL;
	return ops_resolve(r, arg, allow_special, path, &rel);
}

/* READ, DIRECTORY, GET_PERMS: the node at one path, if readable. */
static int readable_node(struct request *r, bool allow_special, struct node **n)
{
	char path[XS_PATH_BUF];
	struct node_ctx ctx;
	int err = one_path(r, allow_special, path);

	if (err)
		return err;
	ctx_init(&ctx, r);
	return nodeops_get(&ctx, path, PERM_READ, n);
}

int do_read(struct request *r)
{
	struct node *n;
	int err = readable_node(r, false, &n);

	return err ? err : reply_bytes(r, node_value(n), n->value_len);
}

int do_write(struct request *r)
{
	char path[XS_PATH_BUF];
	const char *nul = memchr(r->payload, '\0', r->hdr.len);
	struct node_ctx ctx;
	size_t off;
	bool rel;
	int err;

	if (!nul)
		return EINVAL;
	off = (size_t)(nul - r->payload) + 1;
	err = ops_resolve(r, r->payload, false, path, &rel);
	if (err)
		return err;
	ctx_init(&ctx, r);
	err = nodeops_write(&ctx, path, r->payload + off, r->hdr.len - off);
	return err ? finish(r, &ctx, err) : reply_ok(r);
}

/* MKDIR and RM: one path in, OK out. */
static int change_path(struct request *r, int (*op)(struct node_ctx *, const char *))
{
	char path[XS_PATH_BUF];
	struct node_ctx ctx;
	int err = one_path(r, false, path);

	if (err)
		return err;
	ctx_init(&ctx, r);
	err = op(&ctx, path);
	return err ? finish(r, &ctx, err) : reply_ok(r);
}

int do_mkdir(struct request *r)
{
	return change_path(r, nodeops_mkdir);
}

int do_rm(struct request *r)
{
	return change_path(r, nodeops_rm);
}

int do_directory(struct request *r)
{
	struct node *n;
	int err = readable_node(r, false, &n);

	return err ? err : reply_bytes(r, n->children, n->children_len);
}

/* Reply: generation, then whole child names from `offset` while they fit;
 * an empty name marks the end of the list (PROTOCOL.md §1.5).  A name too long
 * for a page of its own is E2BIG (as DIRECTORY is): a page without a name
 * and without the marker would make a client ask for it forever. */
int do_directory_part(struct request *r)
{
	char path[XS_PATH_BUF];
	const char *argv[2];
	struct node_ctx ctx;
	struct node *n;
	unsigned long offset;
	char *end;
	size_t len;
	bool rel, last;
	int err;

	if (!request_args(r, argv, 2))
		return EINVAL;
	/* atoi() like every C xenstored: junk or nothing means offset 0. */
	offset = strtoul(argv[1], &end, 10);
	if ((err = ops_resolve(r, argv[0], false, path, &rel)))
		return err;
	ctx_init(&ctx, r);
	if ((err = nodeops_get(&ctx, path, PERM_READ, &n)))
		return err;
	if ((err = reply_printf(r, "%" PRIu64, n->generation)))
		return err;
	len = node_children_page(n, offset, XS_PAYLOAD_MAX - r->rsp_len, &last);
	if (len == 0 && !last)
		return E2BIG;
	if (len && (err = reply_append(r, n->children + offset, len)))
		return err;
	return last ? reply_append(r, "", 1) : 0;
}

int do_get_perms(struct request *r)
{
	struct node *n;
	size_t len;
	int err = readable_node(r, true, &n);

	if (err)
		return err;
	len = perms_format(n->perms, n->nperms, r->rsp, XS_PAYLOAD_MAX);
	if (len == 0)
		return E2BIG;
	r->rsp_len = len;
	return 0;
}

/* Domains a permission list names must exist (PROTOCOL.md §2.3): an unknown
 * owner is ENOENT, other unknown entries are kept but flagged stale. */
static int check_domains(struct request *r, struct perm *perms, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int err = domain_named(r->daemon, perms[i].domid);
		if (err == ENOENT && i > 0) {
			perms[i].access |= PERM_STALE;
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

int do_set_perms(struct request *r)
{
	const char *argv[XS_PAYLOAD_MAX / 2];
	char path[XS_PATH_BUF];
	struct perm perms[XS_PAYLOAD_MAX / 2];
	struct node_ctx ctx;
	unsigned n, limit;
	bool rel;
	int err;

	n = request_args_min(r, argv, 2, XS_PAYLOAD_MAX / 2);
	if (n == 0)
		return EINVAL;
	limit = request_quota(r, QUOTA_NODE_PERMS);
	if (!quota_allows(limit, n - 1))
		return request_quota_exceeded(r, QUOTA_NODE_PERMS, n - 1, ENOSPC);
	if ((err = ops_resolve(r, argv[0], true, path, &rel)))
		return err;
	if (perms_parse(argv + 1, n - 1, perms))
		return EINVAL;
	if ((err = check_domains(r, perms, n - 1)))
		return err;
	ctx_init(&ctx, r);
	err = nodeops_set_perms(&ctx, path, perms, n - 1);
	return err ? finish(r, &ctx, err) : reply_ok(r);
}
