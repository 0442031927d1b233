/* test_store.c - the node hash table (store.c) and the tree operations on
 * top of it (nodeops.c, ops_node.c): PROTOCOL.md §2.2. */
#include "unit.h"

static struct node *mknode(const char *path, unsigned owner, const char *value)
{
	struct perm p = { (uint16_t)owner, PERM_NONE };
	struct node *n = node_new(path, strlen(path));

	assert_non_null(n);
	assert_ok(node_set_perms(n, &p, 1));
	if (value) {
		n = node_set_value(n, value, strlen(value));
		assert_non_null(n);
	}
	return n;
}

/* Records account() calls as a net count per domain. */
struct acct {
	int net[16];
	unsigned calls;
};

static void record_account(void *ctx, unsigned domid, int delta)
{
	struct acct *a = ctx;

	assert_true(domid < 16);
	a->net[domid] += delta;
	a->calls++;
}

/* ---- store.c ---- */

static void inserted_node_is_found_by_its_full_path(void **state)
{
	struct store s;

	(void)state;
	assert_ok(store_init(&s));
	assert_ok(store_insert(&s, mknode("/a", 0, "1")));
	assert_ok(store_insert(&s, mknode("/a/b", 0, "2")));
	assert_int_equal(s.nodes.count, 2);
	assert_string_equal(ut_store_value(&s, "/a"), "1");
	assert_string_equal(ut_store_value(&s, "/a/b"), "2");
	/* Only the given length counts. */
	assert_ptr_equal(store_lookup(&s, "/a/b", 2), store_lookup(&s, "/a", 2));
	store_destroy(&s);
}

static void lookup_of_absent_path_or_longer_name_is_null(void **state)
{
	struct store s;

	(void)state;
	assert_ok(store_init(&s));
	assert_ok(store_insert(&s, mknode("/a", 0, NULL)));
	assert_null(store_lookup(&s, "/ab", 3));
	assert_null(store_lookup(&s, "/", 1));
	assert_null(store_lookup(&s, "/a/b", 4));
	store_destroy(&s);
}

static void hash_of_a_prefix_comes_back_from_the_whole_paths_hash(void **state)
{
	/* Every byte value, so the undoing of each step is exercised. */
	char path[300];
	uint32_t whole;

	(void)state;
	for (size_t i = 0; i < sizeof(path); i++)
		path[i] = (char)(i * 7 + 1);
	whole = store_hash(path, sizeof(path));
	for (size_t prefix = 0; prefix <= sizeof(path); prefix++)
		assert_int_equal(store_hash_prefix(whole, path, sizeof(path), prefix),
				 store_hash(path, prefix));
}

static void every_store_change_takes_a_fresh_generation(void **state)
{
	struct store s;
	struct node *a, *b;
	uint64_t g;

	(void)state;
	assert_ok(store_init(&s));
	a = mknode("/a", 0, NULL);
	assert_ok(store_insert(&s, a));
	assert_true(a->generation > 0);
	assert_int_equal(a->generation, s.generation);
	b = mknode("/b", 0, NULL);
	assert_ok(store_insert(&s, b));
	assert_true(b->generation > a->generation);
	g = a->generation;
	store_touch(&s, a);
	assert_true(a->generation > g);
	assert_int_equal(a->generation, s.generation);
	g = s.generation;
	store_delete(&s, b);
	assert_true(s.generation > g);
	g = a->generation;
	b = mknode("/a", 0, "new");
	store_replace(&s, a, b); /* frees a */
	assert_true(b->generation > g);
	store_destroy(&s);
}

static void table_grows_and_keeps_every_node_findable(void **state)
{
	struct store s;
	char path[32];

	(void)state;
	assert_ok(store_init(&s));
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/n%u", i);
		assert_ok(store_insert(&s, mknode(path, 0, path)));
	}
	assert_int_equal(s.nodes.count, 10000);
	assert_true(s.nodes.nbuckets >= 8192);
	assert_int_equal(s.nodes.nbuckets & (s.nodes.nbuckets - 1), 0);
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/n%u", i);
		const char *v = ut_store_value(&s, path);
		assert_non_null(v);
		assert_string_equal(v, path);
	}
	store_destroy(&s);
}

static void delete_unlinks_only_that_node(void **state)
{
	struct store s;
	char path[32];

	(void)state;
	assert_ok(store_init(&s));
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "/n%u", i);
		assert_ok(store_insert(&s, mknode(path, 0, NULL)));
	}
	for (unsigned i = 0; i < 3000; i += 2) {
		snprintf(path, sizeof(path), "/n%u", i);
		store_delete(&s, store_lookup(&s, path, strlen(path)));
	}
	assert_int_equal(s.nodes.count, 1500);
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(path, sizeof(path), "/n%u", i);
		if ((store_lookup(&s, path, strlen(path)) != NULL) != (i % 2 == 1))
			fail_msg("%s wrongly %s", path, i % 2 ? "missing" : "present");
	}
	store_destroy(&s);
}

static void accounting_follows_insert_delete_and_owner_changes(void **state)
{
	struct store s;
	struct acct a = { { 0 }, 0 };
	struct node *n;
	struct perm p[2] = { { 3, PERM_NONE }, { 4, PERM_READ } };

	(void)state;
	assert_ok(store_init(&s));
	s.account = record_account;
	s.account_ctx = &a;
	n = mknode("/a", 1, NULL);
	assert_ok(store_insert(&s, n));
	assert_ok(store_insert(&s, mknode("/b", 1, NULL)));
	assert_int_equal(a.net[1], 2);
	assert_ok(store_set_perms(&s, n, p, 2));
	assert_int_equal(a.net[1], 1);
	assert_int_equal(a.net[3], 1);
	assert_int_equal(a.net[4], 0);
	/* Same owner: nothing to account. */
	a.calls = 0;
	assert_ok(store_set_perms(&s, n, p, 1));
	assert_int_equal(a.calls, 0);
	{
		struct node *m = mknode("/a", 2, NULL);
		store_replace(&s, n, m); /* frees n */
		n = m;
	}
	assert_int_equal(a.net[3], 0);
	assert_int_equal(a.net[2], 1);
	store_delete(&s, n);
	assert_int_equal(a.net[2], 0);
	assert_int_equal(a.net[1], 1);
	store_destroy(&s);
}

static void replace_puts_the_new_node_in_place_of_the_old(void **state)
{
	struct store s;
	struct node *base, *from;
	struct perm many[3] = { { 0, PERM_NONE }, { 5, PERM_READ }, { 6, PERM_WRITE } };
	struct perm one = { 7, PERM_READ };

	(void)state;
	assert_ok(store_init(&s));
	base = mknode("/a", 0, "old");
	assert_ok(node_add_child(base, "x", 1));
	assert_ok(store_insert(&s, base));
	/* inline perms -> heap perms */
	from = node_clone(base);
	from = node_set_value(from, "new", 3);
	assert_non_null(from);
	assert_ok(node_add_child(from, "y", 1));
	assert_ok(node_set_perms(from, many, 3));
	store_replace(&s, base, from);
	base = from;
	assert_ptr_equal(store_lookup(&s, "/a", 2), base);
	assert_string_equal(ut_store_value(&s, "/a"), "new");
	assert_int_equal(base->children_len, 4);
	assert_memory_equal(base->children, "x\0y\0", 4);
	assert_int_equal(base->nperms, 3);
	assert_int_equal(base->perms[2].domid, 6);
	/* heap perms -> inline perms */
	from = node_clone(base);
	assert_ok(node_set_perms(from, &one, 1));
	store_replace(&s, base, from);
	base = from;
	assert_ptr_equal(store_lookup(&s, "/a", 2), base);
	assert_int_equal(base->nperms, 1);
	assert_ptr_equal(base->perms, &base->perm_inline);
	assert_int_equal(base->perms[0].domid, 7);
	store_destroy(&s);
}

static void children_keep_creation_order_and_remove_by_whole_name(void **state)
{
	struct node *n = mknode("/d", 0, NULL);

	(void)state;
	assert_ok(node_add_child(n, "ab", 2));
	assert_ok(node_add_child(n, "a", 1));
	assert_ok(node_add_child(n, "c", 1));
	assert_memory_equal(n->children, "ab\0a\0c\0", 7);
	node_remove_child(n, "a", 1);
	assert_int_equal(n->children_len, 5);
	assert_memory_equal(n->children, "ab\0c\0", 5);
	node_remove_child(n, "zz", 2);
	assert_int_equal(n->children_len, 5);
	node_remove_child(n, "ab", 2);
	node_remove_child(n, "c", 1);
	assert_int_equal(n->children_len, 0);
	assert_null(n->children);
	node_free(n);
}

static void clone_is_a_deep_copy(void **state)
{
	struct perm p[2] = { { 1, PERM_NONE }, { 2, PERM_READ } };
	struct node *n = mknode("/c", 0, "value"), *c;

	(void)state;
	assert_ok(node_set_perms(n, p, 2));
	assert_ok(node_add_child(n, "k", 1));
	n->generation = 42;
	c = node_clone(n);
	assert_non_null(c);
	assert_int_equal(c->generation, 42);
	assert_int_equal(c->path_len, 2);
	assert_string_equal(c->path, "/c");
	assert_ptr_not_equal(node_value(c), node_value(n));
	assert_ptr_not_equal(c->children, n->children);
	assert_ptr_not_equal(c->perms, n->perms);
	node_value(n)[0] = 'X';
	n->perms[1].domid = 9;
	assert_memory_equal(node_value(c), "value", 5);
	assert_int_equal(c->perms[1].domid, 2);
	node_free(n);
	node_free(c);
}

static void quota_size_counts_header_perms_value_and_children(void **state)
{
	struct perm p[3] = { { 0, 0 }, { 1, 0 }, { 2, 0 } };
	struct node *n = mknode("/q", 0, "12345");

	(void)state;
	assert_int_equal(node_quota_size(n), 16 + 8 + 5);
	assert_ok(node_set_perms(n, p, 3));
	assert_ok(node_add_child(n, "abc", 3));
	assert_int_equal(node_quota_size(n), 16 + 24 + 5 + 4);
	node_free(n);
}

static void count_node(struct node *n, void *ctx)
{
	unsigned *seen = ctx;

	assert_true(n->path[1] >= '0' && n->path[1] <= '9');
	seen[n->path[1] - '0']++;
}

static void foreach_visits_every_node_once(void **state)
{
	struct store s;
	unsigned seen[10] = { 0 };
	char path[4];

	(void)state;
	assert_ok(store_init(&s));
	for (unsigned i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/%u", i);
		assert_ok(store_insert(&s, mknode(path, 0, NULL)));
	}
	store_foreach(&s, count_node, seen);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(seen[i], 1);
	store_destroy(&s);
}

/* ---- tree operations ---- */

static void write_creates_missing_parents_with_inherited_perms(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/shared"));
	assert_ok(ut_set_perms(u->priv, 0, "/shared", "n0", "b5", "r6"));
	assert_ok(ut_write(g, 0, "/shared/a/b/c", "v"));
	/* The whole list is copied; an unprivileged creator becomes owner. */
	assert_string_equal(ut_perms(u->priv, 0, "/shared/a"), "n5,b5,r6");
	assert_string_equal(ut_perms(u->priv, 0, "/shared/a/b"), "n5,b5,r6");
	assert_string_equal(ut_perms(u->priv, 0, "/shared/a/b/c"), "n5,b5,r6");
	assert_string_equal(ut_value(u->priv, 0, "/shared/a"), "");
	assert_string_equal(ut_value(u->priv, 0, "/shared/a/b"), "");
	assert_string_equal(ut_value(u->priv, 0, "/shared/a/b/c"), "v");
	assert_string_equal(ut_children(u->priv, 0, "/shared"), "a");
	assert_int_equal(ut_nodes_owned(u, 5), 3);
	/* A privileged creator keeps the parent's owner. */
	assert_ok(ut_write(u->priv, 0, "/shared/a/p/q", "w"));
	assert_string_equal(ut_perms(u->priv, 0, "/shared/a/p"), "n5,b5,r6");
	assert_string_equal(ut_perms(u->priv, 0, "/shared/a/p/q"), "n5,b5,r6");
	assert_ok(ut_write(u->priv, 0, "/shared/z", "w"));
	assert_string_equal(ut_perms(u->priv, 0, "/shared/z"), "n0,b5,r6");
	ut_free(u);
}

static void write_of_existing_node_replaces_value_and_keeps_perms(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/a", "one"));
	assert_ok(ut_set_perms(u->priv, 0, "/a", "n0", "b5"));
	assert_ok(ut_write(g, 0, "/a", "two"));
	assert_string_equal(ut_value(u->priv, 0, "/a"), "two");
	assert_string_equal(ut_perms(u->priv, 0, "/a"), "n0,b5");
	assert_int_equal(ut_nodes_owned(u, 5), 0);
	ut_free(u);
}

static void read_returns_raw_value_without_added_nul(void **state)
{
	struct ut *u = ut_new();
	static const char bin[] = { 'a', '\0', 'b', '\0', '\xff' };

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/t", "abc"));
	assert_ok(ut_read(u->priv, 0, "/t"));
	assert_int_equal(u->priv->reply.hdr.len, 3);
	assert_memory_equal(ut_reply(u->priv), "abc", 3);
	assert_ok(ut_writen(u->priv, 0, "/bin", bin, sizeof(bin)));
	assert_ok(ut_read(u->priv, 0, "/bin"));
	assert_int_equal(u->priv->reply.hdr.len, sizeof(bin));
	assert_memory_equal(ut_reply(u->priv), bin, sizeof(bin));
	ut_free(u);
}

static void write_with_empty_value_makes_an_empty_node(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/e", "x"));
	assert_ok(ut_writen(u->priv, 0, "/e", NULL, 0));
	assert_ok(ut_read(u->priv, 0, "/e"));
	assert_int_equal(u->priv->reply.hdr.len, 0);
	ut_free(u);
}

static void write_without_nul_after_path_is_einval(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_call(u->priv, XS_WRITE, 0, "/nonul", 6), EINVAL);
	assert_null(store_lookup(&u->d.model.store, "/nonul", 6));
	ut_free(u);
}

static void mkdir_creates_missing_ancestors_with_empty_values(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/m/n/o"));
	assert_string_equal(ut_value(u->priv, 0, "/m"), "");
	assert_string_equal(ut_value(u->priv, 0, "/m/n/o"), "");
	assert_string_equal(ut_children(u->priv, 0, "/m/n"), "o");
	ut_free(u);
}

static void mkdir_of_existing_node_changes_nothing(void **state)
{
	struct ut *u = ut_new();
	const struct node *n;
	uint64_t gen;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/m", "keep"));
	n = store_lookup(&u->d.model.store, "/m", 2);
	gen = n->generation;
	assert_ok(ut_mkdir(u->priv, 0, "/m"));
	assert_string_equal(ut_value(u->priv, 0, "/m"), "keep");
	assert_int_equal(n->generation, gen);
	ut_free(u);
}

static void directory_lists_children_in_creation_order(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/d/zeta"));
	assert_ok(ut_mkdir(u->priv, 0, "/d/alpha"));
	assert_ok(ut_write(u->priv, 0, "/d/mid", "x"));
	assert_ok(ut_directory(u->priv, 0, "/d"));
	assert_int_equal(u->priv->reply.hdr.len, sizeof("zeta\0alpha\0mid"));
	assert_memory_equal(ut_reply(u->priv), "zeta\0alpha\0mid", sizeof("zeta\0alpha\0mid"));
	assert_ok(ut_directory(u->priv, 0, "/d/mid"));
	assert_int_equal(u->priv->reply.hdr.len, 0);
	assert_string_equal(ut_children(u->priv, 0, "/"), "tool,d");
	ut_free(u);
}

static void node_may_have_a_value_and_children(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/both", "v"));
	assert_ok(ut_write(u->priv, 0, "/both/kid", "k"));
	assert_string_equal(ut_value(u->priv, 0, "/both"), "v");
	assert_string_equal(ut_children(u->priv, 0, "/both"), "kid");
	ut_free(u);
}

static void rm_removes_whole_subtree_regardless_of_owners(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/top/shared"));
	assert_ok(ut_set_perms(u->priv, 0, "/top/shared", "n0", "b5"));
	assert_ok(ut_write(g, 0, "/top/shared/g/x", "1"));
	assert_ok(ut_write(g, 0, "/top/shared/g/y", "2"));
	assert_ok(ut_write(u->priv, 0, "/top/other", "3"));
	assert_int_equal(ut_nodes_owned(u, 5), 3);
	assert_ok(ut_rm(u->priv, 0, "/top/shared"));
	assert_null(store_lookup(&u->d.model.store, "/top/shared", 11));
	assert_null(store_lookup(&u->d.model.store, "/top/shared/g", 13));
	assert_null(store_lookup(&u->d.model.store, "/top/shared/g/x", 15));
	assert_null(store_lookup(&u->d.model.store, "/top/shared/g/y", 15));
	assert_string_equal(ut_children(u->priv, 0, "/top"), "other");
	assert_int_equal(ut_nodes_owned(u, 5), 0);
	ut_free(u);
}

static void rm_of_missing_node_with_existing_parent_is_ok(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/p"));
	assert_ok(ut_rm(u->priv, 0, "/p/missing"));
	ut_free(u);
}

static void rm_of_missing_node_with_missing_parent_is_enoent(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_rm(u->priv, 0, "/nope/missing"), ENOENT);
	ut_free(u);
}

static void rm_of_root_is_einval(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_rm(u->priv, 0, "/"), EINVAL);
	assert_non_null(store_lookup(&u->d.model.store, "/tool", 5));
	ut_free(u);
}

static void read_of_missing_node_is_enoent(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_read(u->priv, 0, "/missing"), ENOENT);
	assert_err(ut_directory(u->priv, 0, "/missing"), ENOENT);
	assert_err(ut_get_perms(u->priv, 0, "/missing"), ENOENT);
	assert_err(ut_set_perms(u->priv, 0, "/missing", "n0"), ENOENT);
	ut_free(u);
}

/* Module level: what the tree operations report as changes. */
static void rm_subtree_reports_root_and_exact_changes_for_descendants(void **state)
{
	struct store s;
	struct node_ctx ctx;
	struct ut_changes ch = { 0 };
	int root;

	(void)state;
	ut_store_init(&s);
	ut_ctx(&ctx, &s, NULL, 0, true, NULL);
	assert_ok(nodeops_write(&ctx, "/a/b/c/d", "1", 1));
	assert_ok(nodeops_write(&ctx, "/a/b/e", "2", 1));
	ut_ctx(&ctx, &s, NULL, 0, true, &ch);
	assert_ok(nodeops_rm(&ctx, "/a/b"));
	assert_int_equal(ch.n, 4);
	root = ut_change_index(&ch, "/a/b", false);
	assert_true(root >= 0);
	assert_true(ut_change_index(&ch, "/a/b/c", true) >= 0);
	assert_true(ut_change_index(&ch, "/a/b/c/d", true) >= 0);
	assert_true(ut_change_index(&ch, "/a/b/e", true) >= 0);
	assert_int_equal(s.nodes.count, 2); /* "/" and "/a" */
	store_destroy(&s);
}

static void write_and_mkdir_report_one_change_of_the_requested_path(void **state)
{
	struct store s;
	struct node_ctx ctx;
	struct ut_changes ch = { 0 };

	(void)state;
	ut_store_init(&s);
	ut_ctx(&ctx, &s, NULL, 0, true, &ch);
	assert_ok(nodeops_write(&ctx, "/x/y/z", "v", 1));
	assert_int_equal(ch.n, 1);
	assert_string_equal(ch.c[0].path, "/x/y/z");
	assert_false(ch.c[0].exact);
	assert_ok(nodeops_mkdir(&ctx, "/x/y"));
	assert_int_equal(ch.n, 1);
	assert_ok(nodeops_mkdir(&ctx, "/x/w"));
	assert_int_equal(ch.n, 2);
	assert_ok(nodeops_set_perms(&ctx, "/x", &(struct perm){ 0, PERM_READ }, 1));
	assert_int_equal(ch.n, 3);
	assert_int_equal(ch.c[2].old_nperms, 1);
	store_destroy(&s);
}

/* ---- DIRECTORY_PART and E2BIG ---- */

/* 300 children with 20-character names: 6300 bytes of child list. */
static void make_big_directory(struct ut *u)
{
	char path[64];

	for (unsigned i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/big/child-%014u", i);
		assert_int_equal(strlen(path), 5 + 20);
		assert_ok(ut_mkdir(u->priv, 0, path));
	}
}

static void directory_too_big_for_one_reply_is_e2big(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	make_big_directory(u);
	assert_err(ut_directory(u->priv, 0, "/big"), E2BIG);
	ut_free(u);
}

static void directory_part_pages_through_a_large_directory(void **state)
{
	struct ut *u = ut_new();
	const struct node *big;
	char all[8192], off[16], gen[32] = "";
	size_t got = 0;
	unsigned rounds = 0;
	bool end = false;

	(void)state;
	make_big_directory(u);
	big = store_lookup(&u->d.model.store, "/big", 4);
	while (!end) {
		const char *body = u->priv->reply.body;
		size_t len, glen, chunk;

		snprintf(off, sizeof(off), "%zu", got);
		assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/big", off, NULL));
		len = u->priv->reply.hdr.len;
		assert_true(len <= XS_PAYLOAD_MAX);
		glen = strlen(body);
		if (rounds == 0)
			memcpy(gen, body, glen + 1);
		assert_string_equal(body, gen);
		chunk = len - glen - 1;
		/* The end of the list is marked by an extra empty string. */
		if (len >= glen + 2 && body[len - 1] == '\0' && body[len - 2] == '\0') {
			end = true;
			chunk--;
		}
		assert_true(got + chunk <= sizeof(all));
		memcpy(all + got, body + glen + 1, chunk);
		got += chunk;
		assert_true(++rounds < 10);
	}
	assert_true(rounds >= 2);
	assert_int_equal(got, big->children_len);
	assert_memory_equal(all, big->children, got);
	ut_free(u);
}

static void directory_part_past_the_end_gives_generation_and_empty_list(void **state)
{
	struct ut *u = ut_new();
	const struct node *n;
	char expect[64];
	int len;

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/dp/a"));
	n = store_lookup(&u->d.model.store, "/dp", 3);
	len = snprintf(expect, sizeof(expect), "%llu", (unsigned long long)n->generation);
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/dp", "2", NULL));
	assert_int_equal(u->priv->reply.hdr.len, len + 2);
	assert_memory_equal(ut_reply(u->priv), expect, (size_t)len + 1);
	assert_int_equal(ut_reply(u->priv)[len + 1], '\0');
	/* From 0: the child and the end marker. */
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/dp", "0", NULL));
	assert_int_equal(u->priv->reply.hdr.len, len + 1 + 2 + 1);
	assert_memory_equal(ut_reply(u->priv) + len + 1, "a\0", 3);
	ut_free(u);
}

static void children_page_holds_whole_names_and_says_when_it_ends(void **state)
{
	struct node *n = mknode("/d", 0, NULL);
	bool last;

	(void)state;
	assert_ok(node_add_child(n, "a", 1));
	assert_ok(node_add_child(n, "bb", 2));
	assert_ok(node_add_child(n, "ccc", 3));
	/* Room for "a\0bb\0" and a spare byte, not for "ccc\0" too. */
	assert_int_equal(node_children_page(n, 0, 8, &last), 5);
	assert_false(last);
	assert_int_equal(node_children_page(n, 5, 8, &last), 4);
	assert_true(last);
	assert_int_equal(node_children_page(n, 0, 11, &last), 9);
	assert_true(last);
	assert_int_equal(node_children_page(n, 9, 8, &last), 0);
	assert_true(last);
	assert_int_equal(node_children_page(n, 100, 8, &last), 0);
	assert_true(last);
	/* A name that does not fit an empty page. */
	assert_int_equal(node_children_page(n, 5, 4, &last), 0);
	assert_false(last);
	node_free(n);
}

/* Names can no longer be this long (paths are limited to 2048), but a
 * page with neither a name nor the end marker would make a client ask
 * for the same page forever: E2BIG, like DIRECTORY. */
static void directory_part_of_a_name_longer_than_a_page_is_e2big(void **state)
{
	struct ut *u = ut_new();
	char path[4200];
	struct node *dir;

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/long/x"));
	dir = store_lookup(&u->d.model.store, "/long", 5);
	/* 4094 bytes and a NUL do not fit beside any generation and the
	 * marker's byte. */
	memcpy(path, "/long/", 6);
	memset(path + 6, 'a', 4094);
	path[6 + 4094] = '\0';
	assert_ok(node_add_child(dir, path + 6, 4094));
	assert_ok(store_insert(&u->d.model.store, mknode(path, 0, NULL)));
	assert_err(ut_directory(u->priv, 0, "/long"), E2BIG);
	/* The short name makes a page of its own, without the marker. */
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/long", "0", NULL));
	assert_int_equal(u->priv->reply.hdr.len, strlen(ut_reply(u->priv)) + 1 + 2);
	assert_memory_equal(ut_reply(u->priv) + strlen(ut_reply(u->priv)) + 1, "x", 2);
	assert_err(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/long", "2", NULL), E2BIG);
	ut_free(u);
}

static void directory_part_generation_changes_with_the_child_list(void **state)
{
	struct ut *u = ut_new();
	char before[32];

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/dg/a"));
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/dg", "0", NULL));
	snprintf(before, sizeof(before), "%.31s", ut_reply(u->priv));
	assert_ok(ut_mkdir(u->priv, 0, "/dg/b"));
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/dg", "0", NULL));
	assert_string_not_equal(ut_reply(u->priv), before);
	ut_free(u);
}

/* C reads the offset with atoi(): junk or nothing is offset 0. */
static void directory_part_with_junk_offset_starts_at_zero(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/dp"));
	assert_ok(ut_mkdir(u->priv, 0, "/dp/a"));
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/dp", "x", NULL));
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/dp", "", NULL));
	assert_err(ut_callv(u->priv, XS_DIRECTORY_PART, 0, "/dp", NULL), EINVAL);
	ut_free(u);
}

/* ---- the consistency checker every test relies on ---- */

static void check_reports_orphans_missing_children_and_bad_counts(void **state)
{
	struct ut *u = ut_new();
	char report[512];
	struct node *n;

	(void)state;
	assert_int_equal(daemon_check(&u->d, report, sizeof(report)), 0);
	/* A node its parent does not list. */
	n = store_lookup(&u->d.model.store, "/tool", 5);
	node_remove_child(store_lookup(&u->d.model.store, "/", 1), "tool", 4);
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "/tool"));
	assert_ok(node_add_child(store_lookup(&u->d.model.store, "/", 1), "tool", 4));
	/* A listed child that does not exist. */
	assert_ok(node_add_child(n, "ghost", 5));
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "/tool/ghost"));
	node_remove_child(n, "ghost", 5);
	assert_int_equal(daemon_check(&u->d, report, sizeof(report)), 0);
	ut_free(u);
}

/* The check walks the tree hashing each path a name at a time: deep paths
 * check clean, and a name listed twice is a problem even where it makes
 * the walk reach as many nodes as the tree has (another node unreached). */
static void check_walks_deep_trees_and_reports_a_child_listed_twice(void **state)
{
	struct ut *u = ut_new();
	char report[512], deep[1024] = "/deep";
	struct node *d, *root;

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(deep, "/level");
	assert_ok(ut_mkdir(u->priv, 0, deep));
	assert_int_equal(daemon_check(&u->d, report, sizeof(report)), 0);
	d = store_lookup(&u->d.model.store, "/deep", 5);
	root = store_lookup(&u->d.model.store, "/", 1);
	assert_ok(node_add_child(d, "level", 5));
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "listed twice"));
	/* One node reached twice, one not at all: the counts agree. */
	node_remove_child(root, "tool", 4);
	assert_true(daemon_check(&u->d, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "not listed by its parent: /tool"));
	assert_ok(node_add_child(root, "tool", 4));
	node_remove_child(d, "level", 5);
	assert_int_equal(daemon_check(&u->d, report, sizeof(report)), 0);
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inserted_node_is_found_by_its_full_path),
		cmocka_unit_test(lookup_of_absent_path_or_longer_name_is_null),
		cmocka_unit_test(hash_of_a_prefix_comes_back_from_the_whole_paths_hash),
		cmocka_unit_test(every_store_change_takes_a_fresh_generation),
		cmocka_unit_test(table_grows_and_keeps_every_node_findable),
		cmocka_unit_test(delete_unlinks_only_that_node),
		cmocka_unit_test(accounting_follows_insert_delete_and_owner_changes),
		cmocka_unit_test(replace_puts_the_new_node_in_place_of_the_old),
		cmocka_unit_test(children_keep_creation_order_and_remove_by_whole_name),
		cmocka_unit_test(clone_is_a_deep_copy),
		cmocka_unit_test(quota_size_counts_header_perms_value_and_children),
		cmocka_unit_test(foreach_visits_every_node_once),
		cmocka_unit_test(write_creates_missing_parents_with_inherited_perms),
		cmocka_unit_test(write_of_existing_node_replaces_value_and_keeps_perms),
		cmocka_unit_test(read_returns_raw_value_without_added_nul),
		cmocka_unit_test(write_with_empty_value_makes_an_empty_node),
		cmocka_unit_test(write_without_nul_after_path_is_einval),
		cmocka_unit_test(mkdir_creates_missing_ancestors_with_empty_values),
		cmocka_unit_test(mkdir_of_existing_node_changes_nothing),
		cmocka_unit_test(directory_lists_children_in_creation_order),
		cmocka_unit_test(node_may_have_a_value_and_children),
		cmocka_unit_test(rm_removes_whole_subtree_regardless_of_owners),
		cmocka_unit_test(rm_of_missing_node_with_existing_parent_is_ok),
		cmocka_unit_test(rm_of_missing_node_with_missing_parent_is_enoent),
		cmocka_unit_test(rm_of_root_is_einval),
		cmocka_unit_test(read_of_missing_node_is_enoent),
		cmocka_unit_test(rm_subtree_reports_root_and_exact_changes_for_descendants),
		cmocka_unit_test(write_and_mkdir_report_one_change_of_the_requested_path),
		cmocka_unit_test(directory_too_big_for_one_reply_is_e2big),
		cmocka_unit_test(directory_part_pages_through_a_large_directory),
		cmocka_unit_test(directory_part_past_the_end_gives_generation_and_empty_list),
		cmocka_unit_test(children_page_holds_whole_names_and_says_when_it_ends),
		cmocka_unit_test(directory_part_of_a_name_longer_than_a_page_is_e2big),
		cmocka_unit_test(directory_part_generation_changes_with_the_child_list),
		cmocka_unit_test(directory_part_with_junk_offset_starts_at_zero),
		cmocka_unit_test(check_reports_orphans_missing_children_and_bad_counts),
		cmocka_unit_test(check_walks_deep_trees_and_reports_a_child_listed_twice),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
