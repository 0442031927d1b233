/*
 * quota.h - the per-domain limits of PROTOCOL.md §2.6: names, defaults, the
 * command-line letters of C xenstored, and lookup with per-domain
 * overrides.  Quotas apply to unprivileged domains only.
 *
 * Semantic (one for all quotas): the value is the largest amount allowed.
 * nodes=1000 lets a domain own 1000 nodes; the request that would make it
 * 1001 is refused.  0 means unlimited.
 */
#ifndef XS_QUOTA_H
#define XS_QUOTA_H

#include <stdbool.h>
#include <stddef.h>

enum quota_id {
	QUOTA_NODES,
	QUOTA_WATCHES,
	QUOTA_OUTSTANDING,
	QUOTA_MEMORY,
	QUOTA_TRANSACTIONS,
	QUOTA_TRANSACTION_NODES,
	QUOTA_NODE_PERMS,
	QUOTA_PATH_MAX,
	QUOTA_NODE_SIZE,
	QUOTA_COUNT
};

struct quota_info {
	const char *name;        /* GET/SET_QUOTA name (C 4.22) */
	const char *ctl_name;    /* name in `xenstore-control quota` (C 4.17) */
	const char *description;
	unsigned default_value;
};

extern const struct quota_info quota_table[QUOTA_COUNT];

struct quota_set {
	unsigned hard[QUOTA_COUNT];
	unsigned soft_memory;    /* only memory has a soft (warning) level */
};

void quota_defaults(struct quota_set *q);
/* Accepts the GET/SET_QUOTA name, the CONTROL name, and "soft-memory". */
int quota_lookup(const char *name, enum quota_id *id, bool *soft);
/* Parses "name=value" (the -Q option); 0 or EINVAL. */
int quota_parse_assignment(struct quota_set *q, const char *arg, bool soft);
/* Decimal value parser shared by options, CONTROL and SET_QUOTA. */
int quota_parse_value(const char *s, unsigned *out);
/* True when `value` is within `limit` (0 = unlimited). */
static inline bool quota_allows(unsigned limit, size_t value)
{
	return limit == 0 || value <= limit;
}

#endif
