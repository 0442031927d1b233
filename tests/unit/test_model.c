/* test_model.c - the data model on its own (model.h): no daemon, no
 * connections; its changes reach whoever the caller names. */
#include "unit.h"

static const struct node *lookup(struct model *m, const char *path)
{
	return store_lookup(&m->store, path, strlen(path));
}

static void starts_with_the_tree_c_xenstored_starts_with(void **state)
{
	static const char *const paths[] = {
		"/", "/tool", "/tool/xenstored", "@introduceDomain", "@releaseDomain",
	};
	struct model m;
	char report[256];

	(void)state;
	assert_ok(model_init(&m));
	assert_int_equal(m.store.nodes.count, 5);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct node *n = lookup(&m, paths[i]);
		assert_non_null(n);
		assert_int_equal(node_owner(n), 0);
		assert_int_equal(n->perms[0].access, PERM_NONE);
	}
	/* Any domain may watch @releaseDomain (for its own domid). */
	assert_int_equal(lookup(&m, "@releaseDomain")->nperms, 2);
	assert_int_equal(lookup(&m, "@releaseDomain")->perms[1].domid, XS_DOMID_ANY);
	assert_int_equal(m.quotas.hard[QUOTA_NODES], quota_table[QUOTA_NODES].default_value);
	assert_int_equal(model_check(&m, report, sizeof(report)), 0);
	assert_string_equal(report, "");
	model_destroy(&m);
}

/* Node operations on the bare model report every change to the callback
 * their view names, and the owner's record follows its nodes. */
static void changes_go_to_the_callback_and_nodes_to_their_owners_record(void **state)
{
	struct model m;
	struct node_ctx ctx;
	struct ut_changes rec = { 0 };
	struct perm owned = { 3, PERM_NONE };

	(void)state;
	assert_ok(model_init(&m));
	ut_ctx(&ctx, &m.store, NULL, 0, true, &rec);
	assert_ok(nodeops_write(&ctx, "/a/b", "v", 1));
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.c[0].path, "/a/b");
	assert_null(domain_find(&m.domains, 3));
	assert_ok(nodeops_set_perms(&ctx, "/a", &owned, 1));
	assert_int_equal(rec.n, 2);
	assert_string_equal(rec.c[1].path, "/a");
	assert_int_equal(rec.c[1].old_nperms, 1);
	assert_int_equal(domain_find(&m.domains, 3)->nodes, 1);
	assert_ok(nodeops_rm(&ctx, "/a"));
	/* The child, then the subtree's root (C's order outside transactions). */
	assert_int_equal(rec.n, 4);
	assert_string_equal(rec.c[2].path, "/a/b");
	assert_true(rec.c[2].exact);
	assert_string_equal(rec.c[3].path, "/a");
	assert_false(rec.c[3].exact);
	assert_null(domain_find(&m.domains, 3));
	assert_int_equal(m.watches.by_path.count, 0);
	model_destroy(&m);
}

static void check_reports_links_and_counts_that_disagree(void **state)
{
	struct model m;
	struct node *stray;
	struct perm p = { 4, PERM_NONE };
	char report[512];

	(void)state;
	assert_ok(model_init(&m));
	/* A node whose parent does not exist, owned by a domain the model
	 * has no record of (inserted behind the accounting's back). */
	m.store.account = NULL;
	stray = node_new("/nowhere/x", 10);
	assert_non_null(stray);
	assert_ok(node_set_perms(stray, &p, 1));
	assert_ok(store_insert(&m.store, stray));
	assert_int_equal(model_check(&m, report, sizeof(report)), 2);
	assert_non_null(strstr(report, "orphan: /nowhere/x\n"));
	assert_non_null(strstr(report, "unaccounted owner"));
	model_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(starts_with_the_tree_c_xenstored_starts_with),
		cmocka_unit_test(changes_go_to_the_callback_and_nodes_to_their_owners_record),
		cmocka_unit_test(check_reports_links_and_counts_that_disagree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
