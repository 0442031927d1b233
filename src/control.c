/* control.c - CONTROL commands, in the form xenstore-control prints them
 * (PROTOCOL.md §4.2): help, log, check, memreport, print, quota, quota-soft,
 * live-update (live_update.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "live_update.h"
#include "log.h"
#include "ops.h"
#include "request.h"
#include "store.h"
#include "txn.h"
#include "watch.h"

#define CTL_MAX_ARGS 8

struct control_cmd {
	const char *name;
	const char *synopsis;
	int (*fn)(struct request *r, const char **argv, unsigned argc);
};

static const struct control_cmd commands[];

/* Builds a text reply with its NUL, like C's send_reply of a string. */
struct text {
	char buf[XS_PAYLOAD_MAX];
	size_t len;
	bool overflow;
};

static void text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

static int text_reply(struct request *r, struct text *t)
{
	return t->overflow ? E2BIG : reply_str(r, t->buf);
}

static int ctl_help(struct request *r, const char **argv, unsigned argc)
{
	struct text t = { .len = 0 };

	(void)argv;
	if (argc)
		return EINVAL;
	for (const struct control_cmd *c = commands; c->name; c++)
		text_add(&t, "%s\t%s\n", c->name, c->synopsis);
	return text_reply(r, &t);
}

/* Live tracing needs no switch (xenstore-snoop attaches to the USDT
 * probes) and the trace file is chosen at start-up (-T), so the log
 * switches are accepted and do nothing. */
static int ctl_log(struct request *r, const char **argv, unsigned argc)
{
	if (argc != 1 || (strcmp(argv[0], "on") && strcmp(argv[0], "off")))
		return EINVAL;
	return reply_str(r, "OK");
}

static int ctl_print(struct request *r, const char **argv, unsigned argc)
{
	if (argc != 1)
		return EINVAL;
	log_info("control: %s", argv[0]);
	return reply_str(r, "OK");
}

static int ctl_check(struct request *r, const char **argv, unsigned argc)
{
	char report[1024];
	unsigned problems;

	(void)argv;
	if (argc)
		return EINVAL;
	problems = daemon_check(r->daemon, report, sizeof(report));
	return reply_str(r, problems ? report : "OK");
}

struct mem_totals {
	size_t nodes, node_bytes, value_bytes, child_bytes;
};

static void add_node(struct node *n, void *arg)
{
	struct mem_totals *m = arg;
	m->nodes++;
	m->node_bytes += node_heap_size(n);
	m->value_bytes += n->value_len;
	m->child_bytes += n->children_len;
}

static int ctl_memreport(struct request *r, const char **argv, unsigned argc)
{
	struct daemon *d = r->daemon;
	struct mem_totals m = { 0 };
	struct text t = { .len = 0 };
	size_t out = 0, txns = 0, entries = 0;

	(void)argv;
	if (argc > 1)
		return EINVAL;
	store_foreach(&d->model.store, add_node, &m);
	for (struct conn *c = d->conns; c; c = c->next) {
		out += c->out_cap + CONN_IN_BUF;
		for (struct txn *x = c->txns; x; x = x->next) {
			txns++;
			entries += x->entries.count;
		}
	}
	text_add(&t, "nodes:        %zu (%zu bytes: %zu values, %zu child lists)\n",
		 m.nodes, m.node_bytes, m.value_bytes, m.child_bytes);
	text_add(&t, "hash table:   %zu buckets (%zu bytes)\n", d->model.store.nodes.nbuckets,
		 d->model.store.nodes.nbuckets * sizeof(void *));
	text_add(&t, "watches:      %zu (%zu buckets)\n", d->model.watches.by_path.count,
		 d->model.watches.by_path.nbuckets);
	text_add(&t, "transactions: %zu open, %zu nodes tracked\n", txns, entries);
	text_add(&t, "connections:  %u (%zu bytes of buffers)\n", d->nconns, out);
	text_add(&t, "domains:      %zu\n", d->model.domains.by_id.count);
	text_add(&t, "requests:     %llu served\n", (unsigned long long)d->requests);
	text_add(&t, "overflow:     %llu watch events dropped at an output limit\n",
		 (unsigned long long)d->events_dropped);
	text_add(&t, "out of memory: %llu connections closed\n",
		 (unsigned long long)d->oom_closes);
	return text_reply(r, &t);
}

static void quota_list(struct text *t, const struct quota_set *q, bool soft)
{
	static const enum quota_id order[] = {
		QUOTA_NODES, QUOTA_WATCHES, QUOTA_TRANSACTIONS, QUOTA_OUTSTANDING,
		QUOTA_TRANSACTION_NODES, QUOTA_MEMORY, QUOTA_NODE_SIZE, QUOTA_PATH_MAX,
		QUOTA_NODE_PERMS,
	};

	text_add(t, "Quota settings:\n");
	if (soft) {
		text_add(t, "%-17s: %8u %s\n", "memory", q->soft_memory,
			 "Total Xenstore memory per domain (warning level)");
		return;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const struct quota_info *qi = &quota_table[order[i]];
		text_add(t, "%-17s: %8u %s\n", qi->ctl_name, q->hard[order[i]],
			 qi->description);
	}
}

static int quota_set_cmd(struct daemon *d, const char **argv, unsigned argc, bool soft)
{
	enum quota_id id;
	bool is_soft;
	unsigned v;

	if (argc != 3 || quota_lookup(argv[1], &id, &is_soft) ||
	    quota_parse_value(argv[2], &v))
		return EINVAL;
	if (soft || is_soft) {
		if (id != QUOTA_MEMORY)
			return EINVAL;
		d->model.quotas.soft_memory = v;
	} else {
		d->model.quotas.hard[id] = v;
	}
	return 0;
}

static int quota_domain(struct request *r, const char *arg)
{
	struct text t = { .len = 0 };
	struct domain *dom;
	unsigned domid;

	if (ops_domid(arg, &domid))
		return EINVAL;
	dom = domain_find(&r->daemon->model.domains, domid);
	if (!dom)
		return ENOENT;
	text_add(&t, "Domain %u:\n", domid);
	text_add(&t, "%-16s: %8u\n", "nodes", dom->nodes);
	text_add(&t, "%-16s: %8u\n", "watches", dom->watches);
	text_add(&t, "%-16s: %8u\n", "transactions", dom->transactions);
	return text_reply(r, &t);
}

static int ctl_quota_common(struct request *r, const char **argv, unsigned argc,
			    bool soft)
{
	struct text t = { .len = 0 };
	int err;

	if (argc == 0) {
		quota_list(&t, &r->daemon->model.quotas, soft);
		return text_reply(r, &t);
	}
	if (strcmp(argv[0], "set") == 0) {
		err = quota_set_cmd(r->daemon, argv, argc, soft);
		return err ? err : reply_str(r, "OK");
	}
	if (soft || argc != 1)
		return EINVAL;
	return quota_domain(r, argv[0]);
}

static int ctl_quota(struct request *r, const char **argv, unsigned argc)
{
	return ctl_quota_common(r, argv, argc, false);
}

static int ctl_quota_soft(struct request *r, const char **argv, unsigned argc)
{
	return ctl_quota_common(r, argv, argc, true);
}

static const struct control_cmd commands[] = {
	{ "check", "", ctl_check },
	{ "log", "on|off (accepted; trace with xenstore-snoop instead)", ctl_log },
	/* C's text, the client's default included. */
	{ "live-update", "[-c <cmdline>] [-F] [-t <timeout>] <file>\n"
			 "    Default timeout is 60 seconds.", live_update_control },
	{ "memreport", "[<file>] (report is returned, not written)", ctl_memreport },
	{ "print", "<string>", ctl_print },
	{ "quota", "[set <name> <val>|<domid>]", ctl_quota },
	{ "quota-soft", "[set <name> <val>]", ctl_quota_soft },
	{ "help", "", ctl_help },
	{ NULL, NULL, NULL },
};

int do_control(struct request *r)
{
	const char *argv[CTL_MAX_ARGS + 1];
	unsigned argc = xs_count_args(r->payload, r->hdr.len);

	if (argc == 0 || argc > CTL_MAX_ARGS + 1)
		return EINVAL;
	xs_split_args(r->payload, r->hdr.len, argv, argc);
	for (const struct control_cmd *c = commands; c->name; c++)
		if (strcmp(c->name, argv[0]) == 0)
			return c->fn(r, argv + 1, argc - 1);
	return EINVAL;
}
