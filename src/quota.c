/* quota.c - quota names, defaults and parsing (PROTOCOL.md §2.6). */
#include "quota.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct quota_info quota_table[QUOTA_COUNT] = {
	[QUOTA_NODES] = { "nodes", "nodes", "Nodes per domain", 1000 },
	[QUOTA_WATCHES] = { "watches", "watches", "Watches per domain", 128 },
	[QUOTA_OUTSTANDING] = { "outstanding", "outstanding",
				"Outstanding requests per domain", 20 },
	[QUOTA_MEMORY] = { "memory", "memory",
			   "Total Xenstore memory per domain (error level)", 2621440 },
	[QUOTA_TRANSACTIONS] = { "transactions", "transactions",
				 "Transactions per domain", 10 },
	[QUOTA_TRANSACTION_NODES] = { "transaction-nodes", "transaction-nodes",
				      "Max. number of accessed nodes per transaction", 1024 },
	[QUOTA_NODE_PERMS] = { "node-permissions", "permissions",
			       "Max. number of permissions per node", 5 },
	[QUOTA_PATH_MAX] = { "path-max", "path-max", "Max. length of a node path", 2048 },
	[QUOTA_NODE_SIZE] = { "node-size", "node-size", "Max. size of a node", 2048 },
};

#define SOFT_MEMORY_DEFAULT 2097152u

void quota_defaults(struct quota_set *q)
{
	for (int i = 0; i < QUOTA_COUNT; i++)
		q->hard[i] = quota_table[i].default_value;
	q->soft_memory = SOFT_MEMORY_DEFAULT;
}

int quota_lookup(const char *name, enum quota_id *id, bool *soft)
{
	*soft = false;
	if (strcmp(name, "soft-memory") == 0) {
		*id = QUOTA_MEMORY;
		*soft = true;
		return 0;
	}
	for (int i = 0; i < QUOTA_COUNT; i++) {
		if (strcmp(name, quota_table[i].name) == 0 ||
		    strcmp(name, quota_table[i].ctl_name) == 0) {
			*id = (enum quota_id)i;
			return 0;
		}
	}
	return EINVAL;
}

int quota_parse_value(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno || v > 0xffffffffUL)
		return EINVAL;
	*out = (unsigned)v;
	return 0;
}

int quota_parse_assignment(struct quota_set *q, const char *arg, bool soft)
{
	const char *eq = strchr(arg, '=');
	char name[64];
	enum quota_id id;
	bool is_soft;
	unsigned v;

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return EINVAL;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if (quota_lookup(name, &id, &is_soft) || quota_parse_value(eq + 1, &v))
		return EINVAL;
	if (soft || is_soft) {
		if (id != QUOTA_MEMORY)
			return EINVAL;
		q->soft_memory = v;
	} else {
		q->hard[id] = v;
	}
	return 0;
}
