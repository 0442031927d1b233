/*
 * nodeops.h - the tree operations with their full semantics (PROTOCOL.md §2.2,
 * §2.3): permission checks with information hiding, creation of missing
 * ancestors with inherited permissions, subtree removal, permission
 * changes and node quotas.  They work through a view, so the same code
 * serves transactions, and report each change through the view's
 * change_fn (txn.h): what the change means to watchers is the caller's
 * business (watch_changed() for requests, a recorder in the tests).
 */
#ifndef XS_NODEOPS_H
#define XS_NODEOPS_H

#include <stddef.h>

#include "perms.h"
#include "quota.h"
#include "txn.h"

struct domain;

struct node_ctx {
	struct view view;
	struct perm_subject who;
	struct domain *dom;        /* caller's accounting record, NULL if none */
	unsigned limit_nodes;      /* 0 = unlimited (privileged callers) */
	unsigned limit_node_size;
	/* Set when a call fails with ENOSPC for a quota: which one and the
	 * value the request would have reached. */
	int quota_hit;             /* enum quota_id, or -1 */
	size_t quota_value;
};

/* *out = node at path if `perm` (PERM_READ/WRITE/OWNER bits) is granted.
 * ENOENT/EACCES with information hiding. */
int nodeops_get(struct node_ctx *ctx, const char *path, unsigned perm,
		struct node **out);
int nodeops_write(struct node_ctx *ctx, const char *path, const void *value,
		  size_t len);
int nodeops_mkdir(struct node_ctx *ctx, const char *path);
int nodeops_rm(struct node_ctx *ctx, const char *path);
int nodeops_set_perms(struct node_ctx *ctx, const char *path,
		      const struct perm *perms, unsigned nperms);

#endif
