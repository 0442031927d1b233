/* test_quota.c - quota names, parsing and enforcement (PROTOCOL.md §2.6, with
 * quota.h's semantic: the limit is the largest amount allowed, 0 means
 * unlimited, privileged callers are never limited). */
#include "unit.h"

/* ---- quota.c ---- */

static void defaults_match_the_spec_table(void **state)
{
	struct quota_set q;

	(void)state;
	quota_defaults(&q);
	assert_int_equal(q.hard[QUOTA_NODES], 1000);
	assert_int_equal(q.hard[QUOTA_WATCHES], 128);
	assert_int_equal(q.hard[QUOTA_OUTSTANDING], 20);
	assert_int_equal(q.hard[QUOTA_MEMORY], 2621440);
	assert_int_equal(q.soft_memory, 2097152);
	assert_int_equal(q.hard[QUOTA_TRANSACTIONS], 10);
	assert_int_equal(q.hard[QUOTA_TRANSACTION_NODES], 1024);
	assert_int_equal(q.hard[QUOTA_NODE_PERMS], 5);
	assert_int_equal(q.hard[QUOTA_PATH_MAX], 2048);
	assert_int_equal(q.hard[QUOTA_NODE_SIZE], 2048);
}

static void lookup_accepts_wire_and_control_names(void **state)
{
	enum quota_id id;
	bool soft;

	(void)state;
	assert_ok(quota_lookup("nodes", &id, &soft));
	assert_int_equal(id, QUOTA_NODES);
	assert_false(soft);
	assert_ok(quota_lookup("node-permissions", &id, &soft));
	assert_int_equal(id, QUOTA_NODE_PERMS);
	assert_ok(quota_lookup("permissions", &id, &soft));
	assert_int_equal(id, QUOTA_NODE_PERMS);
	assert_ok(quota_lookup("transaction-nodes", &id, &soft));
	assert_int_equal(id, QUOTA_TRANSACTION_NODES);
	assert_ok(quota_lookup("soft-memory", &id, &soft));
	assert_int_equal(id, QUOTA_MEMORY);
	assert_true(soft);
	assert_err(quota_lookup("bogus", &id, &soft), EINVAL);
	assert_err(quota_lookup("", &id, &soft), EINVAL);
	assert_err(quota_lookup("Nodes", &id, &soft), EINVAL);
}

static void value_parser_takes_plain_decimal_only(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1x", "0x10", "4294967296", "99999999999999999999",
	};
	unsigned v;

	(void)state;
	assert_ok(quota_parse_value("0", &v));
	assert_int_equal(v, 0);
	assert_ok(quota_parse_value("4294967295", &v));
	assert_int_equal(v, 4294967295u);
	assert_ok(quota_parse_value("010", &v));
	assert_int_equal(v, 10);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (quota_parse_value(bad[i], &v) != EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
}

static void assignment_sets_the_named_quota(void **state)
{
	struct quota_set q;

	(void)state;
	quota_defaults(&q);
	assert_ok(quota_parse_assignment(&q, "nodes=5", false));
	assert_int_equal(q.hard[QUOTA_NODES], 5);
	assert_ok(quota_parse_assignment(&q, "permissions=3", false));
	assert_int_equal(q.hard[QUOTA_NODE_PERMS], 3);
	assert_ok(quota_parse_assignment(&q, "soft-memory=100", false));
	assert_int_equal(q.soft_memory, 100);
	assert_ok(quota_parse_assignment(&q, "memory=7", true));
	assert_int_equal(q.soft_memory, 7);
	assert_int_equal(q.hard[QUOTA_MEMORY], 2621440);
	assert_err(quota_parse_assignment(&q, "nodes=1", true), EINVAL);
	assert_err(quota_parse_assignment(&q, "nodes", false), EINVAL);
	assert_err(quota_parse_assignment(&q, "=5", false), EINVAL);
	assert_err(quota_parse_assignment(&q, "bogus=1", false), EINVAL);
	assert_err(quota_parse_assignment(&q, "nodes=x", false), EINVAL);
	assert_int_equal(q.hard[QUOTA_NODES], 5);
}

static void limit_is_the_largest_amount_allowed_and_zero_is_unlimited(void **state)
{
	(void)state;
	assert_true(quota_allows(5, 5));
	assert_false(quota_allows(5, 6));
	assert_true(quota_allows(0, 123456789));
}

static void domain_override_takes_precedence_over_global(void **state)
{
	struct quota_set q;
	struct domain_table t = { 0 };
	struct domain *d;

	(void)state;
	quota_defaults(&q);
	d = domain_get(&t, 5, 0);
	assert_non_null(d);
	assert_int_equal(domain_quota(d, &q, QUOTA_NODES), 1000);
	d->quota[QUOTA_NODES] = 3;
	assert_int_equal(domain_quota(d, &q, QUOTA_NODES), 3);
	assert_int_equal(domain_quota(d, &q, QUOTA_WATCHES), 128);
	assert_int_equal(domain_quota(NULL, &q, QUOTA_NODES), 1000);
	domain_table_destroy(&t);
}

/* ---- enforcement ---- */

static void unprivileged_node_quota_enospc(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	char name[16];

	(void)state;
	ut_make_home(u, 5);
	u->d.model.quotas.hard[QUOTA_NODES] = 5;
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_ok(ut_write(g, 0, name, "v"));
	}
	assert_int_equal(ut_nodes_owned(u, 5), 5);
	assert_err(ut_write(g, 0, "n5", "v"), ENOSPC);
	assert_err(ut_mkdir(g, 0, "n6"), ENOSPC);
	/* Changing what it owns is still fine. */
	assert_ok(ut_write(g, 0, "n0", "changed"));
	/* Removing frees quota; a multi-node create that does not fit
	 * leaves nothing behind (XSA-415). */
	assert_ok(ut_rm(g, 0, "n4"));
	assert_err(ut_write(g, 0, "x/y", "v"), ENOSPC);
	assert_err(ut_read(g, 0, "x"), ENOENT);
	assert_ok(ut_write(g, 0, "x", "v"));
	assert_int_equal(ut_nodes_owned(u, 5), 5);
	ut_free(u);
}

static void privileged_domain_is_not_limited_by_quotas(void **state)
{
	struct ut *u = ut_new();
	char path[32];

	(void)state;
	u->d.model.quotas.hard[QUOTA_NODES] = 1;
	u->d.model.quotas.hard[QUOTA_NODE_SIZE] = 20;
	u->d.model.quotas.hard[QUOTA_WATCHES] = 1;
	u->d.model.quotas.hard[QUOTA_TRANSACTIONS] = 1;
	u->d.model.quotas.hard[QUOTA_NODE_PERMS] = 1;
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/p/%d", i);
		assert_ok(ut_write(u->priv, 0, path, "a value longer than twenty bytes"));
		ut_watch(u->priv, path, "t");
	}
	ut_txn_start(u->priv);
	ut_txn_start(u->priv);
	assert_ok(ut_set_perms(u->priv, 0, "/p", "n0", "r1", "r2", "r3"));
	ut_free(u);
}

static void unprivileged_node_size_quota_enospc(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	char value[2100];

	(void)state;
	ut_make_home(u, 5);
	u->d.model.quotas.hard[QUOTA_NODE_SIZE] = 2048;
	memset(value, 'v', sizeof(value));
	/* 16-byte header + 2 perms (n5,b5) x 8 + value. */
	assert_ok(ut_writen(g, 0, "big", value, 2048 - 32));
	assert_err(ut_writen(g, 0, "big", value, 2048 - 32 + 1), ENOSPC);
	assert_err(ut_writen(g, 0, "bigger", value, 2048 - 32 + 1), ENOSPC);
	assert_err(ut_read(g, 0, "bigger"), ENOENT);
	ut_free(u);
}

/* PROTOCOL.md §2.6: node-size counts the child list too; C checks every node an
 * unprivileged request writes, including the parent gaining a child. */
static void child_list_counts_toward_parent_node_size(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	char name[32];
	int i;

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_mkdir(g, 0, "d"));
	u->d.model.quotas.hard[QUOTA_NODE_SIZE] = 100;
	/* "d" costs 16 + 2 x 8 = 32; each 9-character child name adds 10. */
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "d/child%04d", i);
		assert_ok(ut_mkdir(g, 0, name));
	}
	snprintf(name, sizeof(name), "d/child%04d", i);
	assert_err(ut_mkdir(g, 0, name), ENOSPC);
	ut_free(u);
}

static void unprivileged_watch_quota_enospc(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	u->d.model.quotas.hard[QUOTA_WATCHES] = 3;
	ut_watch(g, "a", "t");
	ut_watch(g, "b", "t");
	ut_watch(g, "c", "t");
	assert_err(ut_callv(g, XS_WATCH, 0, "d", "t", NULL), ENOSPC);
	ut_expect_quiet(g);
	assert_ok(ut_unwatch(g, "a", "t"));
	ut_watch(g, "d", "t");
	assert_int_equal(g->conn->domain->watches, 3);
	ut_free(u);
}

static void unprivileged_transaction_quota_enospc(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t a;

	(void)state;
	u->d.model.quotas.hard[QUOTA_TRANSACTIONS] = 2;
	a = ut_txn_start(g);
	ut_txn_start(g);
	assert_err(ut_callv(g, XS_TRANSACTION_START, 0, "", NULL), ENOSPC);
	assert_ok(ut_txn_end(g, a, false));
	ut_txn_start(g);
	ut_free(u);
}

/* The request that hits transaction-nodes gets ENOSPC (PROTOCOL.md §2.6) and dooms
 * the transaction.  C (PROTOCOL.md §2.4) then fails the commit with ENOMEM; this
 * daemon deliberately reports the errno that doomed it
 * (docs/DIFFERENCES.md, "commit of a doomed transaction"). */
static void transaction_nodes_quota_dooms_commit_with_its_errno(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_write(g, 0, "a", "1"));
	assert_ok(ut_write(g, 0, "b", "1"));
	assert_ok(ut_write(g, 0, "c", "1"));
	u->d.model.quotas.hard[QUOTA_TRANSACTION_NODES] = 3;
	tx = ut_txn_start(g);
	assert_ok(ut_read(g, tx, "a"));
	assert_ok(ut_write(g, tx, "b", "2"));
	assert_ok(ut_read(g, tx, "c"));
	assert_err(ut_read(g, tx, "/local/domain/5"), ENOSPC);
	assert_err(ut_txn_end(g, tx, true), ENOSPC);
	assert_null(g->conn->txns);
	assert_string_equal(ut_value(g, 0, "b"), "1");
	ut_free(u);
}

/* PROTOCOL.md §2.4: at commit the node quota for created nodes is checked
 * (ENOSPC): two transactions that each fit must not together push a
 * domain past its node quota. */
static void transaction_commit_rechecks_node_quota(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t t1, t2;

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_mkdir(u->priv, 0, "/local/domain/5/A"));
	assert_ok(ut_mkdir(u->priv, 0, "/local/domain/5/B"));
	u->d.model.quotas.hard[QUOTA_NODES] = 4;
	t1 = ut_txn_start(g);
	t2 = ut_txn_start(g);
	assert_ok(ut_write(g, t1, "A/1", "v"));
	assert_ok(ut_write(g, t1, "A/2", "v"));
	assert_ok(ut_write(g, t1, "A/3", "v"));
	assert_ok(ut_write(g, t2, "B/1", "v"));
	assert_ok(ut_write(g, t2, "B/2", "v"));
	assert_ok(ut_write(g, t2, "B/3", "v"));
	assert_ok(ut_txn_end(g, t1, true));
	assert_int_equal(ut_nodes_owned(u, 5), 3);
	assert_err(ut_txn_end(g, t2, true), ENOSPC);
	assert_int_equal(ut_nodes_owned(u, 5), 3);
	assert_err(ut_read(g, 0, "B/1"), ENOENT);
	ut_free(u);
}

static void transaction_create_counts_against_node_quota(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	u->d.model.quotas.hard[QUOTA_NODES] = 2;
	assert_ok(ut_write(g, 0, "one", "v"));
	tx = ut_txn_start(g);
	assert_ok(ut_write(g, tx, "two", "v"));
	assert_err(ut_write(g, tx, "three", "v"), ENOSPC);
	ut_free(u);
}

/* A transaction charges and credits the owner of each node: deleting
 * nodes dom0 made writable for the guest frees none of the guest's
 * quota (it used to, so the guest ended above its quota). */
static void transaction_delete_of_others_nodes_frees_no_quota(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/dom0s-a", "v"));
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/dom0s-b", "v"));
	u->d.model.quotas.hard[QUOTA_NODES] = 2;
	assert_ok(ut_write(g, 0, "one", "v"));
	assert_ok(ut_write(g, 0, "two", "v"));
	tx = ut_txn_start(g);
	assert_ok(ut_rm(g, tx, "dom0s-a"));
	assert_ok(ut_rm(g, tx, "dom0s-b"));
	assert_err(ut_write(g, tx, "three", "v"), ENOSPC);
	/* Its own nodes do free quota, in the same transaction. */
	assert_ok(ut_rm(g, tx, "one"));
	assert_ok(ut_write(g, tx, "three", "v"));
	assert_err(ut_write(g, tx, "four", "v"), ENOSPC);
	assert_ok(ut_txn_end(g, tx, true));
	assert_int_equal(ut_nodes_owned(u, 5), 2);
	ut_free(u);
}

/* The net count could go below zero (and, cast to size_t, refuse any
 * creation with ENOSPC). */
static void transaction_deleting_more_than_it_owns_still_creates(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/d/a", "v"));
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/d/b", "v"));
	u->d.model.quotas.hard[QUOTA_NODES] = 2;
	tx = ut_txn_start(g);
	assert_ok(ut_rm(g, tx, "d"));
	assert_ok(ut_write(g, tx, "mine", "v"));
	assert_ok(ut_txn_end(g, tx, true));
	assert_int_equal(ut_nodes_owned(u, 5), 1);
	ut_free(u);
}

/* Ownership changes inside a transaction count as they would outside. */
static void transaction_owner_change_moves_the_charge(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	u->d.model.quotas.hard[QUOTA_NODES] = 1;
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, tx, "/local/domain/5/given", "v"));
	assert_ok(ut_set_perms(u->priv, tx, "/local/domain/5/given", "n5"));
	assert_int_equal(ut_txn(u->priv, tx)->nodes_owned, 0);
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_int_equal(ut_nodes_owned(u, 5), 1);
	tx = ut_txn_start(g);
	assert_err(ut_write(g, tx, "more", "v"), ENOSPC);
	assert_int_equal(ut_txn(g, tx)->nodes_owned, 0);
	ut_free(u);
}

static void unprivileged_set_perms_limited_by_node_permissions(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	u->d.model.quotas.hard[QUOTA_NODE_PERMS] = 5;
	assert_ok(ut_mkdir(g, 0, "p"));
	assert_ok(ut_set_perms(g, 0, "p", "n5", "r1", "r2", "r3", "r4"));
	assert_err(ut_set_perms(g, 0, "p", "n5", "r1", "r2", "r3", "r4", "r6"), ENOSPC);
	assert_string_equal(ut_perms(g, 0, "p"), "n5,r1,r2,r3,r4");
	ut_free(u);
}

static void per_domain_quota_override_applies_to_that_domain_only(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g5 = ut_guest(u, 5);
	struct ut_peer *g6 = ut_guest(u, 6);

	(void)state;
	ut_make_home(u, 5);
	ut_make_home(u, 6);
	assert_ok(ut_callv(u->priv, XS_SET_QUOTA, 0, "5", "nodes", "1", NULL));
	assert_ok(ut_write(g5, 0, "a", "v"));
	assert_err(ut_write(g5, 0, "b", "v"), ENOSPC);
	assert_ok(ut_write(g6, 0, "a", "v"));
	assert_ok(ut_write(g6, 0, "b", "v"));
	ut_free(u);
}

/* ---- GET_QUOTA / SET_QUOTA / CONTROL quota ---- */

static void get_quota_without_argument_lists_names_in_c_order(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_call(u->priv, XS_GET_QUOTA, 0, NULL, 0));
	assert_string_equal(ut_reply(u->priv),
			    "nodes watches outstanding memory soft-memory transactions "
			    "transaction-nodes node-permissions path-max node-size");
	assert_int_equal(u->priv->reply.hdr.len, strlen(ut_reply(u->priv)) + 1);
	ut_free(u);
}

static void set_quota_changes_what_get_quota_reports(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_callv(u->priv, XS_GET_QUOTA, 0, "nodes", NULL));
	assert_string_equal(ut_reply(u->priv), "1000");
	assert_ok(ut_callv(u->priv, XS_SET_QUOTA, 0, "nodes", "77", NULL));
	assert_ok(ut_callv(u->priv, XS_GET_QUOTA, 0, "nodes", NULL));
	assert_string_equal(ut_reply(u->priv), "77");
	assert_int_equal(u->d.model.quotas.hard[QUOTA_NODES], 77);
	assert_ok(ut_callv(u->priv, XS_SET_QUOTA, 0, "soft-memory", "1234", NULL));
	assert_ok(ut_callv(u->priv, XS_GET_QUOTA, 0, "soft-memory", NULL));
	assert_string_equal(ut_reply(u->priv), "1234");
	ut_free(u);
}

static void per_domain_get_and_set_quota(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_guest(u, 5);
	assert_ok(ut_callv(u->priv, XS_SET_QUOTA, 0, "5", "watches", "9", NULL));
	assert_ok(ut_callv(u->priv, XS_GET_QUOTA, 0, "5", "watches", NULL));
	assert_string_equal(ut_reply(u->priv), "9");
	assert_ok(ut_callv(u->priv, XS_GET_QUOTA, 0, "watches", NULL));
	assert_string_equal(ut_reply(u->priv), "128");
	assert_ok(ut_callv(u->priv, XS_GET_QUOTA, 0, "5", "nodes", NULL));
	assert_string_equal(ut_reply(u->priv), "1000");
	assert_err(ut_callv(u->priv, XS_GET_QUOTA, 0, "77", "nodes", NULL), ENOENT);
	assert_err(ut_callv(u->priv, XS_SET_QUOTA, 0, "77", "nodes", "1", NULL), ENOENT);
	ut_free(u);
}

static void quota_requests_reject_bad_names_and_values(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_callv(u->priv, XS_GET_QUOTA, 0, "bogus", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_SET_QUOTA, 0, "bogus", "1", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_SET_QUOTA, 0, "nodes", "-1", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_SET_QUOTA, 0, "nodes", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_SET_QUOTA, 0, "x5", "nodes", "1", NULL), EINVAL);
	assert_int_equal(u->d.model.quotas.hard[QUOTA_NODES], 1000);
	ut_free(u);
}

static void quota_requests_are_privileged(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_err(ut_call(g, XS_GET_QUOTA, 0, NULL, 0), EACCES);
	assert_err(ut_callv(g, XS_SET_QUOTA, 0, "nodes", "1", NULL), EACCES);
	assert_int_equal(u->d.model.quotas.hard[QUOTA_NODES], 1000);
	ut_free(u);
}

static void control_quota_set_changes_the_global_limit(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_callv(u->priv, XS_CONTROL, 0, "quota", "set", "nodes", "9", NULL));
	assert_int_equal(u->d.model.quotas.hard[QUOTA_NODES], 9);
	assert_ok(ut_callv(u->priv, XS_CONTROL, 0, "quota", NULL));
	assert_non_null(strstr(ut_reply(u->priv), "nodes"));
	assert_err(ut_callv(u->priv, XS_CONTROL, 0, "quota", "set", "bogus", "1", NULL), EINVAL);
	ut_free(u);
}

/* PROTOCOL.md §2.6: node-size counts 8 bytes per permission entry, so an
 * unprivileged SET_PERMS can push a node past it. */
static void set_perms_counts_toward_node_size(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	char value[60];

	(void)state;
	ut_make_home(u, 5);
	memset(value, 'v', sizeof(value));
	assert_ok(ut_writen(g, 0, "n", value, sizeof(value)));
	u->d.model.quotas.hard[QUOTA_NODE_SIZE] = 100;
	/* 16 + 2 x 8 + 60 = 92 fits; 16 + 4 x 8 + 60 = 108 does not. */
	assert_ok(ut_set_perms(g, 0, "n", "n5", "b6"));
	assert_err(ut_set_perms(g, 0, "n", "n5", "r1", "r2", "r3"), ENOSPC);
	assert_string_equal(ut_perms(g, 0, "n"), "n5,b6");
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_match_the_spec_table),
		cmocka_unit_test(lookup_accepts_wire_and_control_names),
		cmocka_unit_test(value_parser_takes_plain_decimal_only),
		cmocka_unit_test(assignment_sets_the_named_quota),
		cmocka_unit_test(limit_is_the_largest_amount_allowed_and_zero_is_unlimited),
		cmocka_unit_test(domain_override_takes_precedence_over_global),
		cmocka_unit_test(unprivileged_node_quota_enospc),
		cmocka_unit_test(privileged_domain_is_not_limited_by_quotas),
		cmocka_unit_test(unprivileged_node_size_quota_enospc),
		cmocka_unit_test(child_list_counts_toward_parent_node_size),
		cmocka_unit_test(unprivileged_watch_quota_enospc),
		cmocka_unit_test(unprivileged_transaction_quota_enospc),
		cmocka_unit_test(transaction_nodes_quota_dooms_commit_with_its_errno),
		cmocka_unit_test(transaction_commit_rechecks_node_quota),
		cmocka_unit_test(transaction_create_counts_against_node_quota),
		cmocka_unit_test(transaction_delete_of_others_nodes_frees_no_quota),
		cmocka_unit_test(transaction_deleting_more_than_it_owns_still_creates),
		cmocka_unit_test(transaction_owner_change_moves_the_charge),
		cmocka_unit_test(unprivileged_set_perms_limited_by_node_permissions),
		cmocka_unit_test(per_domain_quota_override_applies_to_that_domain_only),
		cmocka_unit_test(get_quota_without_argument_lists_names_in_c_order),
		cmocka_unit_test(set_quota_changes_what_get_quota_reports),
		cmocka_unit_test(per_domain_get_and_set_quota),
		cmocka_unit_test(quota_requests_reject_bad_names_and_values),
		cmocka_unit_test(quota_requests_are_privileged),
		cmocka_unit_test(control_quota_set_changes_the_global_limit),
		cmocka_unit_test(set_perms_counts_toward_node_size),
	};
	return cmocka_run_group_tests_name("quota", tests, NULL, NULL);
}
