/* test_txn.c - transactions: overlays, conflicts, commit (PROTOCOL.md §2.4). */
#include "unit.h"

/* ---- module level: a bare store and txn_commit ---- */

static void conflict_path_recorded(void **state)
{
	struct store s;
	struct node_ctx out, in;
	struct ut_changes ch = { 0 };
	struct txn *t = txn_new(1, 0);
	struct node *n;

	(void)state;
	ut_store_init(&s);
	ut_ctx(&out, &s, NULL, 0, true, NULL);
	assert_ok(nodeops_write(&out, "/a", "1", 1));
	assert_ok(nodeops_write(&out, "/b", "1", 1));
	ut_ctx(&in, &s, t, 0, true, NULL);
	assert_ok(nodeops_get(&in, "/a", PERM_READ, &n));
	assert_ok(nodeops_write(&in, "/b", "2", 1));
	assert_ok(nodeops_write(&out, "/a", "x", 1));
	assert_err(txn_commit(t, &s, ut_record_change, &ch), EAGAIN);
	assert_non_null(t->conflict_path);
	assert_string_equal(t->conflict_path, "/a");
	assert_string_equal(ut_store_value(&s, "/b"), "1");
	assert_int_equal(ch.n, 0);
	txn_free(t);
	store_destroy(&s);
}

static void conflict_on_shared_directory_names_the_directory(void **state)
{
	struct store s;
	struct node_ctx out, in1, in2;
	struct txn *t1 = txn_new(1, 0), *t2 = txn_new(2, 0);

	(void)state;
	ut_store_init(&s);
	ut_ctx(&out, &s, NULL, 0, true, NULL);
	assert_ok(nodeops_mkdir(&out, "/dir"));
	ut_ctx(&in1, &s, t1, 0, true, NULL);
	ut_ctx(&in2, &s, t2, 0, true, NULL);
	assert_ok(nodeops_write(&in1, "/dir/a", "1", 1));
	assert_ok(nodeops_write(&in2, "/dir/b", "2", 1));
	assert_ok(txn_commit(t1, &s, ut_record_change, &(struct ut_changes){ 0 }));
	assert_err(txn_commit(t2, &s, ut_record_change, &(struct ut_changes){ 0 }), EAGAIN);
	assert_string_equal(t2->conflict_path, "/dir");
	assert_non_null(store_lookup(&s, "/dir/a", 6));
	assert_null(store_lookup(&s, "/dir/b", 6));
	txn_free(t1);
	txn_free(t2);
	store_destroy(&s);
}

static void commit_applies_changes_then_reports_them_in_order(void **state)
{
	struct store s;
	struct node_ctx out, in;
	struct ut_changes ch = { 0 };
	struct txn *t = txn_new(1, 0);

	(void)state;
	ut_store_init(&s);
	ut_ctx(&out, &s, NULL, 0, true, NULL);
	assert_ok(nodeops_write(&out, "/old/x", "1", 1));
	assert_ok(nodeops_write(&out, "/keep", "1", 1));
	ut_ctx(&in, &s, t, 0, true, &ch);
	assert_ok(nodeops_write(&in, "/new/y", "2", 1));
	assert_ok(nodeops_write(&in, "/keep", "3", 1));
	assert_ok(nodeops_rm(&in, "/old"));
	/* Nothing reached the store or the watchers yet. */
	assert_int_equal(ch.n, 0);
	assert_null(store_lookup(&s, "/new", 4));
	assert_string_equal(ut_store_value(&s, "/keep"), "1");
	assert_non_null(store_lookup(&s, "/old/x", 6));
	assert_ok(txn_commit(t, &s, ut_record_change, &ch));
	assert_string_equal(ut_store_value(&s, "/new/y"), "2");
	assert_string_equal(ut_store_value(&s, "/new"), "");
	assert_string_equal(ut_store_value(&s, "/keep"), "3");
	assert_null(store_lookup(&s, "/old", 4));
	assert_null(store_lookup(&s, "/old/x", 6));
	/* Changes come out in the order they were made. */
	assert_true(ch.n >= 4);
	assert_string_equal(ch.c[0].path, "/new/y");
	assert_string_equal(ch.c[1].path, "/keep");
	/* A removed subtree parent first, as both Xen daemons at commit. */
	assert_int_equal(ut_change_index(&ch, "/old", false), 2);
	assert_int_equal(ut_change_index(&ch, "/old/x", true), 3);
	txn_free(t);
	store_destroy(&s);
}

/* /r with children b (c, f) and d (e), created in that order. */
static void make_branching_tree(struct node_ctx *ctx)
{
	static const char *const paths[] = { "/r/b/c", "/r/d/e", "/r/b/f" };

	for (size_t i = 0; i < 3; i++)
		assert_ok(nodeops_write(ctx, paths[i], "", 0));
}

static const char *change_order(const struct ut_changes *ch, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < ch->n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s%s", i ? " " : "",
					 ch->c[i].path, ch->c[i].exact ? "" : "*");
	return buf;
}

/* C fires a removed subtree's events as its walk leaves each node
 * (children first); inside a transaction both Xen daemons fire them at
 * commit in the order the walk reached each node, parent first. */
static void rm_events_follow_the_walk_inside_and_outside_transactions(void **state)
{
	struct store s;
	struct node_ctx out, in;
	struct ut_changes ch = { 0 };
	struct txn *t = txn_new(1, 0);
	char order[512];

	(void)state;
	ut_store_init(&s);
	ut_ctx(&out, &s, NULL, 0, true, NULL);
	make_branching_tree(&out);
	ut_ctx(&out, &s, NULL, 0, true, &ch);
	assert_ok(nodeops_rm(&out, "/r"));
	assert_string_equal(change_order(&ch, order, sizeof(order)),
			    "/r/b/c /r/b/f /r/b /r/d/e /r/d /r*");
	ch.n = 0;
	ut_ctx(&out, &s, NULL, 0, true, NULL);
	make_branching_tree(&out);
	ut_ctx(&in, &s, t, 0, true, NULL);
	assert_ok(nodeops_rm(&in, "/r"));
	assert_ok(txn_commit(t, &s, ut_record_change, &ch));
	assert_string_equal(change_order(&ch, order, sizeof(order)),
			    "/r* /r/b /r/b/c /r/b/f /r/d /r/d/e");
	txn_free(t);
	store_destroy(&s);
}

static void commit_stamps_fresh_generations(void **state)
{
	struct store s;
	struct node_ctx out, in;
	struct txn *t = txn_new(1, 0);
	uint64_t before;

	(void)state;
	ut_store_init(&s);
	ut_ctx(&out, &s, NULL, 0, true, NULL);
	assert_ok(nodeops_write(&out, "/a", "1", 1));
	ut_ctx(&in, &s, t, 0, true, NULL);
	assert_ok(nodeops_write(&in, "/a", "2", 1));
	assert_ok(nodeops_write(&in, "/b", "2", 1));
	before = s.generation;
	assert_ok(txn_commit(t, &s, ut_record_change, &(struct ut_changes){ 0 }));
	assert_true(store_lookup(&s, "/a", 2)->generation > before);
	assert_true(store_lookup(&s, "/b", 2)->generation > before);
	txn_free(t);
	store_destroy(&s);
}

static void node_created_and_deleted_in_one_transaction_leaves_nothing(void **state)
{
	struct store s;
	struct node_ctx out, in;
	struct txn *t = txn_new(1, 0);

	(void)state;
	ut_store_init(&s);
	ut_ctx(&out, &s, NULL, 0, true, NULL);
	assert_ok(nodeops_mkdir(&out, "/d"));
	ut_ctx(&in, &s, t, 0, true, NULL);
	assert_ok(nodeops_write(&in, "/d/tmp/x", "1", 1));
	assert_ok(nodeops_rm(&in, "/d/tmp"));
	assert_ok(txn_commit(t, &s, ut_record_change, &(struct ut_changes){ 0 }));
	assert_null(store_lookup(&s, "/d/tmp", 6));
	assert_null(store_lookup(&s, "/d/tmp/x", 8));
	assert_int_equal(store_lookup(&s, "/d", 2)->children_len, 0);
	assert_int_equal(s.nodes.count, 2);
	txn_free(t);
	store_destroy(&s);
}

static void transaction_node_limit_fails_lookup_and_dooms_commit(void **state)
{
	struct store s;
	struct node_ctx in;
	struct txn *t = txn_new(1, 2);
	struct node *n;

	(void)state;
	ut_store_init(&s);
	ut_ctx(&in, &s, t, 0, true, NULL);
	assert_ok(view_lookup(&in.view, "/a", 2, &n));
	assert_ok(view_lookup(&in.view, "/b", 2, &n));
	assert_ok(view_lookup(&in.view, "/a", 2, &n)); /* already tracked */
	assert_err(view_lookup(&in.view, "/c", 2, &n), ENOSPC);
	assert_int_equal(t->entries.count, 2);
	assert_true(t->failed != 0);
	assert_true(txn_commit(t, &s, ut_record_change, &(struct ut_changes){ 0 }) != 0);
	txn_free(t);
	store_destroy(&s);
}

/* ---- end to end ---- */

/* test-xenstore "ta err" (PROTOCOL.md §2.4). */
static void ta_err_commit_fails_with_eagain_and_keeps_outside_value(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *other = ut_peer(u, 0);
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/ta/A", "a"));
	tx = ut_txn_start(u->priv);
	assert_string_equal(ut_value(u->priv, tx, "/ta/A"), "a");
	assert_ok(ut_write(other, 0, "/ta/A", "b"));
	assert_string_equal(ut_value(u->priv, tx, "/ta/A"), "a");
	assert_ok(ut_write(u->priv, tx, "/ta/A", "c"));
	assert_string_equal(ut_value(u->priv, tx, "/ta/A"), "c");
	assert_err(ut_txn_end(u->priv, tx, true), EAGAIN);
	assert_string_equal(ut_value(u->priv, 0, "/ta/A"), "b");
	ut_free(u);
}

static void two_transactions_adding_children_to_one_directory_conflict(void **state)
{
	struct ut *u = ut_new();
	uint32_t t1, t2;

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/dir"));
	t1 = ut_txn_start(u->priv);
	t2 = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, t1, "/dir/a", "1"));
	assert_ok(ut_write(u->priv, t2, "/dir/b", "2"));
	assert_ok(ut_txn_end(u->priv, t1, true));
	assert_err(ut_txn_end(u->priv, t2, true), EAGAIN);
	assert_string_equal(ut_children(u->priv, 0, "/dir"), "a");
	assert_err(ut_read(u->priv, 0, "/dir/b"), ENOENT);
	ut_free(u);
}

static void transactions_touching_disjoint_nodes_both_commit(void **state)
{
	struct ut *u = ut_new();
	uint32_t t1, t2;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/x/a", "0"));
	assert_ok(ut_write(u->priv, 0, "/y/b", "0"));
	t1 = ut_txn_start(u->priv);
	t2 = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, t1, "/x/a", "1"));
	assert_ok(ut_write(u->priv, t2, "/y/b", "2"));
	/* Unrelated changes outside do not matter either (no store copy). */
	assert_ok(ut_write(u->priv, 0, "/z", "outside"));
	assert_ok(ut_txn_end(u->priv, t1, true));
	assert_ok(ut_txn_end(u->priv, t2, true));
	assert_string_equal(ut_value(u->priv, 0, "/x/a"), "1");
	assert_string_equal(ut_value(u->priv, 0, "/y/b"), "2");
	ut_free(u);
}

static void snapshot_is_taken_at_first_access_not_at_start(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/s", "before"));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, 0, "/s", "after"));
	assert_string_equal(ut_value(u->priv, tx, "/s"), "after");
	assert_ok(ut_write(u->priv, tx, "/s", "mine"));
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_string_equal(ut_value(u->priv, 0, "/s"), "mine");
	ut_free(u);
}

static void read_only_transaction_conflicts_when_what_it_read_changed(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/r", "1"));
	tx = ut_txn_start(u->priv);
	assert_string_equal(ut_value(u->priv, tx, "/r"), "1");
	assert_ok(ut_write(u->priv, 0, "/r", "2"));
	assert_err(ut_txn_end(u->priv, tx, true), EAGAIN);
	ut_free(u);
}

static void absence_seen_in_transaction_conflicts_when_node_appears(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	tx = ut_txn_start(u->priv);
	assert_err(ut_read(u->priv, tx, "/appears"), ENOENT);
	assert_ok(ut_write(u->priv, 0, "/appears", "now"));
	assert_err(ut_read(u->priv, tx, "/appears"), ENOENT);
	assert_err(ut_txn_end(u->priv, tx, true), EAGAIN);
	ut_free(u);
}

static void node_deleted_outside_conflicts_with_transaction_that_read_it(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/gone", "1"));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, tx, "/gone", "2"));
	assert_ok(ut_rm(u->priv, 0, "/gone"));
	assert_err(ut_txn_end(u->priv, tx, true), EAGAIN);
	assert_err(ut_read(u->priv, 0, "/gone"), ENOENT);
	ut_free(u);
}

static void abort_discards_every_change(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/k", "1"));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, tx, "/k", "2"));
	assert_ok(ut_write(u->priv, tx, "/n/m", "3"));
	assert_ok(ut_rm(u->priv, tx, "/tool"));
	assert_ok(ut_txn_end(u->priv, tx, false));
	assert_string_equal(ut_value(u->priv, 0, "/k"), "1");
	assert_err(ut_read(u->priv, 0, "/n"), ENOENT);
	assert_string_equal(ut_children(u->priv, 0, "/"), "tool,k");
	ut_free(u);
}

static void transaction_sees_its_own_changes_and_others_do_not(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/v"));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, tx, "/v/a", "1"));
	assert_ok(ut_mkdir(u->priv, tx, "/v/b"));
	assert_string_equal(ut_children(u->priv, tx, "/v"), "a,b");
	assert_string_equal(ut_value(u->priv, tx, "/v/a"), "1");
	assert_string_equal(ut_children(u->priv, 0, "/v"), "");
	assert_err(ut_read(u->priv, 0, "/v/a"), ENOENT);
	assert_ok(ut_rm(u->priv, tx, "/v/a"));
	assert_err(ut_read(u->priv, tx, "/v/a"), ENOENT);
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_string_equal(ut_children(u->priv, 0, "/v"), "b");
	ut_free(u);
}

static void rm_inside_transaction_removes_subtree_at_commit(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_write(g, 0, "sub/a/b", "1"));
	assert_ok(ut_write(g, 0, "sub/c", "2"));
	assert_int_equal(ut_nodes_owned(u, 5), 4);
	tx = ut_txn_start(g);
	assert_ok(ut_rm(g, tx, "sub"));
	assert_int_equal(ut_nodes_owned(u, 5), 4);
	assert_ok(ut_txn_end(g, tx, true));
	assert_err(ut_read(g, 0, "sub"), ENOENT);
	assert_null(store_lookup(&u->d.model.store, "/local/domain/5/sub/a/b", 23));
	assert_int_equal(ut_nodes_owned(u, 5), 0);
	ut_free(u);
}

static void created_nodes_inherit_perms_inside_transaction(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	tx = ut_txn_start(g);
	assert_ok(ut_write(g, tx, "p/q", "v"));
	assert_string_equal(ut_perms(g, tx, "p/q"), "n5,b5");
	assert_ok(ut_txn_end(g, tx, true));
	assert_string_equal(ut_perms(u->priv, 0, "/local/domain/5/p"), "n5,b5");
	assert_string_equal(ut_perms(u->priv, 0, "/local/domain/5/p/q"), "n5,b5");
	assert_int_equal(ut_nodes_owned(u, 5), 2);
	ut_free(u);
}

static void no_store_copy_transaction_touches_only_accessed_nodes(void **state)
{
	struct ut *u = ut_new();
	struct node_ctx ctx;
	char path[32];
	size_t count;
	struct txn *t;
	uint32_t tx;

	(void)state;
	ut_ctx(&ctx, &u->d.model.store, NULL, 0, true, NULL);
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/big/n%u", i);
		assert_ok(nodeops_write(&ctx, path, "v", 1));
	}
	count = u->d.model.store.nodes.count;
	tx = ut_txn_start(u->priv);
	t = ut_txn(u->priv, tx);
	assert_int_equal(t->entries.count, 0);
	assert_string_equal(ut_value(u->priv, tx, "/big/n5000"), "v");
	assert_int_equal(t->entries.count, 1);
	assert_ok(ut_write(u->priv, tx, "/big/n5001", "w"));
	assert_int_equal(t->entries.count, 2);
	/* Creating a node reads its parent too. */
	assert_ok(ut_write(u->priv, tx, "/big/new", "n"));
	assert_int_equal(t->entries.count, 4);
	/* Listing a 10,000-child directory is one node. */
	assert_ok(ut_callv(u->priv, XS_DIRECTORY_PART, tx, "/big", "0", NULL));
	assert_int_equal(t->entries.count, 4);
	assert_int_equal(u->d.model.store.nodes.count, count);
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_int_equal(u->d.model.store.nodes.count, count + 1);
	assert_string_equal(ut_value(u->priv, 0, "/big/n5001"), "w");
	assert_string_equal(ut_value(u->priv, 0, "/big/new"), "n");
	ut_free(u);
}

static void transaction_ids_start_at_1_and_increment(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *other = ut_peer(u, 0);

	(void)state;
	assert_int_equal(ut_txn_start(u->priv), 1);
	assert_int_equal(ut_txn_start(u->priv), 2);
	assert_ok(ut_txn_end(u->priv, 2, false));
	assert_int_equal(ut_txn_start(u->priv), 3);
	/* Ids are per connection. */
	assert_int_equal(ut_txn_start(other), 1);
	ut_free(u);
}

static void transaction_ids_skip_zero_and_ids_in_use(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_int_equal(ut_txn_start(u->priv), 1);
	u->priv->conn->next_txid = UINT32_MAX;
	assert_int_equal(ut_txn_start(u->priv), UINT32_MAX);
	assert_int_equal(ut_txn_start(u->priv), 2);
	ut_free(u);
}

static void unknown_transaction_id_is_enoent(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_read(u->priv, 99, "/tool"), ENOENT);
	assert_err(ut_write(u->priv, 99, "/x", "1"), ENOENT);
	assert_err(ut_txn_end(u->priv, 99, true), ENOENT);
	assert_err(ut_txn_end(u->priv, 0, true), ENOENT);
	assert_err(ut_read(u->priv, 0, "/x"), ENOENT);
	ut_free(u);
}

static void transaction_id_is_dead_after_end_whatever_the_outcome(void **state)
{
	struct ut *u = ut_new();
	uint32_t ok, conflict;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/c", "0"));
	ok = ut_txn_start(u->priv);
	conflict = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, ok, "/c", "1"));
	assert_ok(ut_write(u->priv, conflict, "/c", "2"));
	assert_ok(ut_txn_end(u->priv, ok, true));
	assert_err(ut_txn_end(u->priv, conflict, true), EAGAIN);
	assert_err(ut_read(u->priv, ok, "/c"), ENOENT);
	assert_err(ut_read(u->priv, conflict, "/c"), ENOENT);
	assert_err(ut_txn_end(u->priv, conflict, false), ENOENT);
	assert_null(u->priv->conn->txns);
	ut_free(u);
}

static void nested_transaction_start_is_ebusy(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	tx = ut_txn_start(u->priv);
	assert_err(ut_callv(u->priv, XS_TRANSACTION_START, tx, "", NULL), EBUSY);
	assert_int_equal(u->priv->conn->ntxns, 1);
	ut_free(u);
}

static void transaction_end_argument_must_be_t_or_f(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	tx = ut_txn_start(u->priv);
	assert_err(ut_callv(u->priv, XS_TRANSACTION_END, tx, "X", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_TRANSACTION_END, tx, "TT", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_TRANSACTION_END, tx, "", NULL), EINVAL);
	assert_err(ut_call(u->priv, XS_TRANSACTION_END, tx, "T", 1), EINVAL);
	assert_err(ut_callv(u->priv, XS_TRANSACTION_END, tx, "T", "F", NULL), EINVAL);
	assert_ok(ut_txn_end(u->priv, tx, true));
	ut_free(u);
}

static void transaction_start_ignores_its_payload(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_call(u->priv, XS_TRANSACTION_START, 0, NULL, 0));
	assert_string_equal(ut_reply(u->priv), "1");
	assert_int_equal(u->priv->reply.hdr.len, 2);
	assert_ok(ut_callv(u->priv, XS_TRANSACTION_START, 0, "junk", "more", NULL));
	assert_string_equal(ut_reply(u->priv), "2");
	ut_free(u);
}

static void reset_watches_ends_transactions_even_when_sent_with_a_tx_id(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	ut_make_home(u, 5);
	tx = ut_txn_start(g);
	assert_ok(ut_write(g, tx, "x", "1"));
	assert_int_equal(g->conn->domain->transactions, 1);
	/* XSA-484: the tx_id of the request names the transaction dropped. */
	assert_ok(ut_callv(g, XS_RESET_WATCHES, tx, "", NULL));
	assert_null(g->conn->txns);
	assert_int_equal(g->conn->domain->transactions, 0);
	assert_err(ut_read(g, tx, "x"), ENOENT);
	assert_err(ut_read(g, 0, "x"), ENOENT);
	ut_free(u);
}

static void ending_a_transaction_releases_the_domains_count(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t a, b;

	(void)state;
	ut_make_home(u, 5);
	a = ut_txn_start(g);
	b = ut_txn_start(g);
	assert_int_equal(g->conn->domain->transactions, 2);
	assert_ok(ut_txn_end(g, a, true));
	assert_ok(ut_txn_end(g, b, false));
	assert_int_equal(g->conn->domain->transactions, 0);
	ut_free(u);
}

static void owner_change_inside_transaction_is_accounted_at_commit(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/given/a", "1"));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_set_perms(u->priv, tx, "/given/a", "n5"));
	assert_ok(ut_write(u->priv, tx, "/given/a/b", "2"));
	assert_int_equal(ut_nodes_owned(u, 5), 0);
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_string_equal(ut_perms(u->priv, 0, "/given/a/b"), "n5");
	assert_int_equal(ut_nodes_owned(u, 5), 2);
	ut_free(u);
}

static void rm_in_transaction_conflicts_with_child_added_outside(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/d/a", "1"));
	tx = ut_txn_start(u->priv);
	assert_string_equal(ut_children(u->priv, tx, "/d"), "a");
	assert_ok(ut_write(u->priv, 0, "/d/b", "2"));
	assert_ok(ut_rm(u->priv, tx, "/d"));
	assert_err(ut_txn_end(u->priv, tx, true), EAGAIN);
	assert_string_equal(ut_children(u->priv, 0, "/d"), "a,b");
	ut_free(u);
}

static void transaction_id_of_another_connection_is_enoent(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *other = ut_peer(u, 0);
	uint32_t tx;

	(void)state;
	tx = ut_txn_start(u->priv);
	assert_err(ut_read(other, tx, "/tool"), ENOENT);
	assert_err(ut_txn_end(other, tx, true), ENOENT);
	assert_ok(ut_txn_end(u->priv, tx, true));
	ut_free(u);
}

static void transaction_start_with_unknown_tx_id_is_enoent(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_callv(u->priv, XS_TRANSACTION_START, 5, "", NULL), ENOENT);
	assert_null(u->priv->conn->txns);
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conflict_path_recorded),
		cmocka_unit_test(conflict_on_shared_directory_names_the_directory),
		cmocka_unit_test(commit_applies_changes_then_reports_them_in_order),
		cmocka_unit_test(rm_events_follow_the_walk_inside_and_outside_transactions),
		cmocka_unit_test(commit_stamps_fresh_generations),
		cmocka_unit_test(node_created_and_deleted_in_one_transaction_leaves_nothing),
		cmocka_unit_test(transaction_node_limit_fails_lookup_and_dooms_commit),
		cmocka_unit_test(ta_err_commit_fails_with_eagain_and_keeps_outside_value),
		cmocka_unit_test(two_transactions_adding_children_to_one_directory_conflict),
		cmocka_unit_test(transactions_touching_disjoint_nodes_both_commit),
		cmocka_unit_test(snapshot_is_taken_at_first_access_not_at_start),
		cmocka_unit_test(read_only_transaction_conflicts_when_what_it_read_changed),
		cmocka_unit_test(absence_seen_in_transaction_conflicts_when_node_appears),
		cmocka_unit_test(node_deleted_outside_conflicts_with_transaction_that_read_it),
		cmocka_unit_test(abort_discards_every_change),
		cmocka_unit_test(transaction_sees_its_own_changes_and_others_do_not),
		cmocka_unit_test(rm_inside_transaction_removes_subtree_at_commit),
		cmocka_unit_test(created_nodes_inherit_perms_inside_transaction),
		cmocka_unit_test(no_store_copy_transaction_touches_only_accessed_nodes),
		cmocka_unit_test(transaction_ids_start_at_1_and_increment),
		cmocka_unit_test(transaction_ids_skip_zero_and_ids_in_use),
		cmocka_unit_test(unknown_transaction_id_is_enoent),
		cmocka_unit_test(transaction_id_is_dead_after_end_whatever_the_outcome),
		cmocka_unit_test(nested_transaction_start_is_ebusy),
		cmocka_unit_test(transaction_end_argument_must_be_t_or_f),
		cmocka_unit_test(transaction_start_ignores_its_payload),
		cmocka_unit_test(reset_watches_ends_transactions_even_when_sent_with_a_tx_id),
		cmocka_unit_test(ending_a_transaction_releases_the_domains_count),
		cmocka_unit_test(owner_change_inside_transaction_is_accounted_at_commit),
		cmocka_unit_test(rm_in_transaction_conflicts_with_child_added_outside),
		cmocka_unit_test(transaction_id_of_another_connection_is_enoent),
		cmocka_unit_test(transaction_start_with_unknown_tx_id_is_enoent),
	};
	return cmocka_run_group_tests_name("txn", tests, NULL, NULL);
}
