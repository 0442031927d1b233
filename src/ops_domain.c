/* ops_domain.c - the handlers of the domain requests: INTRODUCE,
 * RELEASE, RESUME, IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH, SET_TARGET,
 * GET/SET_FEATURE, GET/SET_QUOTA (PROTOCOL.md §1.5).  They parse and
 * check arguments and format replies; a domain's introduction and
 * release happen in domain_life.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "domain.h"
#include "domain_life.h"
#include "ops.h"
#include "request.h"

int ops_domid(const char *arg, unsigned *domid)
{
	return xs_parse_domid(arg, domid);
}

static int one_domid(struct request *r, unsigned *domid)
{
	const char *arg;

	if (!request_args(r, &arg, 1))
		return EINVAL;
	return ops_domid(arg, domid);
}

/* RELEASE and RESUME name an introduced domain other than the
 * privileged one. */
static int introduced_guest(struct request *r, struct domain **out)
{
	unsigned domid;
	int err = one_domid(r, &domid);

	if (err)
		return err;
	if (domid == r->daemon->model.priv_domid)
		return EINVAL;
	*out = domain_find(&r->daemon->model.domains, domid);
	return *out && (*out)->introduced ? 0 : ENOENT;
}

/* The privileged domain counts as introduced: C xenstored introduces it
 * at start-up. */
static bool is_introduced(const struct daemon *d, unsigned domid)
{
	const struct domain *dom = domain_find(&d->model.domains, domid);
	return domid == d->model.priv_domid || (dom && dom->introduced);
}

int do_introduce(struct request *r)
{
	const char *argv[3];
	unsigned domid;
	char *end;
	uint64_t gfn;
	long port;
	int err;

	if (request_args_min(r, argv, 3, 3) != 3 || ops_domid(argv[0], &domid))
		return EINVAL;
	gfn = strtoull(argv[1], &end, 0);
	port = strtol(argv[2], NULL, 10);
	if (port <= 0)
		return EINVAL;
	if (end == argv[1] || *end != '\0')
		return EINVAL;
	err = domain_introduce(r->daemon, domid, gfn, (unsigned)port, &r->events);
	return err ? err : reply_ok(r);
}

int do_release(struct request *r)
{
	struct domain *dom;
	int err = introduced_guest(r, &dom);

	if (err)
		return err;
	domain_release(r->daemon, dom, "release", &r->events);
	return reply_ok(r);
}

int do_resume(struct request *r)
{
	struct domain *dom;
	int err = introduced_guest(r, &dom);

	if (err)
		return err;
	domain_resume(dom);
	return reply_ok(r);
}

int do_is_domain_introduced(struct request *r)
{
	unsigned domid;
	int err = one_domid(r, &domid);

	if (err)
		return err;
	return reply_str(r, domid == XS_DOMID_SELF || is_introduced(r->daemon, domid) ? "T"
										      : "F");
}

int do_get_domain_path(struct request *r)
{
	unsigned domid;
	int err = one_domid(r, &domid);

	return err ? err : reply_printf(r, "/local/domain/%u", domid);
}

int do_set_target(struct request *r)
{
	const char *argv[2];
	unsigned domid, tdomid;
	struct domain *dom;

	if (!request_args(r, argv, 2) || ops_domid(argv[0], &domid) ||
	    ops_domid(argv[1], &tdomid))
		return EINVAL;
	if (!is_introduced(r->daemon, domid) || !is_introduced(r->daemon, tdomid))
		return ENOENT;
	dom = domain_get(&r->daemon->model.domains, domid, r->daemon->model.store.generation);
	if (!dom)
		return ENOMEM;
	dom->target = (int)tdomid;
	return reply_ok(r);
}

static uint32_t features_of(const struct domain *dom)
{
	return dom && dom->features_set ? dom->features : GUEST_FEATURES;
}

int do_get_feature(struct request *r)
{
	struct domain *dom;
	unsigned domid;
	int err;

	if (r->hdr.len == 0)
		return reply_printf(r, "%u", r->conn->priv ? DAEMON_FEATURES
							  : features_of(r->conn->domain));
	if (!r->conn->priv)
		return EACCES;
	if ((err = one_domid(r, &domid)))
		return err;
	dom = domain_find(&r->daemon->model.domains, domid);
	if (!dom && domid != r->daemon->model.priv_domid)
		return ENOENT;
	return reply_printf(r, "%u", features_of(dom));
}

int do_set_feature(struct request *r)
{
	const char *argv[2];
	struct domain *dom;
	unsigned domid, features;

	if (!request_args(r, argv, 2) || ops_domid(argv[0], &domid) ||
	    quota_parse_value(argv[1], &features))
		return EINVAL;
	if (features & ~GUEST_FEATURES)
		return EINVAL;
	if (!domain_exists(r->daemon, domid))
		return ENOENT;
	dom = domain_get(&r->daemon->model.domains, domid, r->daemon->model.store.generation);
	if (!dom)
		return ENOMEM;
	if (dom->introduced)
		return EBUSY;
	dom->features = features;
	dom->features_set = true;
	return reply_ok(r);
}

static int quota_names(struct request *r)
{
	static const enum quota_id order[] = {
		QUOTA_NODES, QUOTA_WATCHES, QUOTA_OUTSTANDING, QUOTA_MEMORY,
	};
	static const enum quota_id rest[] = {
		QUOTA_TRANSACTIONS, QUOTA_TRANSACTION_NODES, QUOTA_NODE_PERMS,
		QUOTA_PATH_MAX, QUOTA_NODE_SIZE,
	};
	char buf[256];
	size_t len = 0;

	/* C 4.22 order: soft-memory sits after memory. */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s ",
					quota_table[order[i]].name);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "soft-memory");
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s",
					quota_table[rest[i]].name);
	return reply_str(r, buf);
}

static unsigned quota_value(const struct daemon *d, const struct domain *dom,
			    enum quota_id id, bool soft)
{
	if (soft)
		return d->model.quotas.soft_memory;
	return domain_quota(dom, &d->model.quotas, id);
}

int do_get_quota(struct request *r)
{
	const char *argv[2];
	unsigned nargs = xs_count_args(r->payload, r->hdr.len), domid;
	struct domain *dom = NULL;
	enum quota_id id;
	bool soft;

	if (r->hdr.len == 0)
		return quota_names(r);
	if (nargs < 1 || nargs > 2)
		return EINVAL;
	xs_split_args(r->payload, r->hdr.len, argv, nargs);
	if (nargs == 2) {
		if (ops_domid(argv[0], &domid))
			return EINVAL;
		dom = domain_find(&r->daemon->model.domains, domid);
		if (!dom)
			return ENOENT;
	}
	if (quota_lookup(argv[nargs - 1], &id, &soft))
		return EINVAL;
	return reply_printf(r, "%u", quota_value(r->daemon, dom, id, soft && !dom));
}

int do_set_quota(struct request *r)
{
	const char *argv[3];
	unsigned nargs = xs_count_args(r->payload, r->hdr.len), domid, value;
	struct daemon *d = r->daemon;
	enum quota_id id;
	bool soft;

	if (nargs < 2 || nargs > 3)
		return EINVAL;
	xs_split_args(r->payload, r->hdr.len, argv, nargs);
	if (quota_lookup(argv[nargs - 2], &id, &soft) ||
	    quota_parse_value(argv[nargs - 1], &value))
		return EINVAL;
	if (nargs == 2) {
		if (soft)
			d->model.quotas.soft_memory = value;
		else
			d->model.quotas.hard[id] = value;
		return reply_ok(r);
	}
	if (ops_domid(argv[0], &domid) || soft)
		return EINVAL;
	struct domain *dom = domain_find(&d->model.domains, domid);
	if (!dom)
		return ENOENT;
	dom->quota[id] = value;
	return reply_ok(r);
}
