/* test_watch.c - watch registration, matching and delivery (PROTOCOL.md §1.5
 * WATCH/UNWATCH, §2.5). */
#include "unit.h"

/* Sends a request and returns without taking anything from the output. */
static void send_raw(struct ut_peer *p, uint32_t type, uint32_t tx, const void *payload,
		     size_t len)
{
	struct xs_msg_header h = { type, ++p->last_req, tx, (uint32_t)len };

	request_handle(p->conn, &h, payload);
}

/* ---- registration ---- */

static void watch_reply_ok_precedes_initial_event_with_path_as_registered(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	char buf[64];
	struct ut_msg m;

	(void)state;
	send_raw(g, XS_WATCH, 0, buf, ut_args(buf, sizeof(buf), "dev/vif", "tok", NULL));
	assert_true(ut_pop(g, &m));
	assert_int_equal(m.hdr.type, XS_WATCH);
	assert_int_equal(m.hdr.len, 3);
	assert_memory_equal(m.body, "OK", 3);
	ut_expect_event(g, "dev/vif", "tok");
	ut_expect_quiet(g);
	ut_free(u);
}

static void initial_event_fires_without_permission_check(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/secret", "s"));
	assert_ok(ut_callv(g, XS_WATCH, 0, "/secret", "t", NULL));
	ut_expect_event(g, "/secret", "t");
	assert_ok(ut_callv(g, XS_WATCH, 0, "/does/not/exist", "t", NULL));
	ut_expect_event(g, "/does/not/exist", "t");
	ut_free(u);
}

static void duplicate_watch_is_eexist(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	struct ut_peer *g2 = ut_guest(u, 6);

	(void)state;
	ut_watch(g, "data", "t");
	assert_err(ut_callv(g, XS_WATCH, 0, "data", "t", NULL), EEXIST);
	/* Same canonical path, written absolutely. */
	assert_err(ut_callv(g, XS_WATCH, 0, "/local/domain/5/data", "t", NULL), EEXIST);
	/* Another token or another connection is another watch. */
	ut_watch(g, "data", "t2");
	ut_watch(g2, "/local/domain/5/data", "t");
	ut_expect_quiet(g);
	ut_free(u);
}

static void unwatch_removes_the_watch_and_unknown_is_enoent(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch(u->priv, "/u", "t");
	assert_err(ut_unwatch(u->priv, "/u", "other"), ENOENT);
	assert_err(ut_unwatch(u->priv, "/v", "t"), ENOENT);
	assert_ok(ut_unwatch(u->priv, "/u", "t"));
	assert_ok(ut_write(u->priv, 0, "/u", "x"));
	ut_expect_quiet(u->priv);
	assert_err(ut_unwatch(u->priv, "/u", "t"), ENOENT);
	ut_free(u);
}

static void unwatch_canonicalises_relative_paths(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_watch(g, "/local/domain/5/rel", "t");
	assert_ok(ut_unwatch(g, "rel", "t"));
	assert_int_equal(g->conn->nwatches, 0);
	ut_free(u);
}

static void watch_and_unwatch_need_exact_argument_counts(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_callv(u->priv, XS_WATCH, 0, "/a", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_WATCH, 0, "/a", "t", "1", "x", NULL), EINVAL);
	ut_watch(u->priv, "/a", "t");
	assert_err(ut_callv(u->priv, XS_UNWATCH, 0, "/a", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_UNWATCH, 0, "/a", "t", "x", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_WATCH, 0, "/a b", "t", NULL), EINVAL);
	ut_free(u);
}

static void watch_ignores_the_tx_id(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_callv(u->priv, XS_WATCH, 77, "/w", "t", NULL));
	ut_expect_event(u->priv, "/w", "t");
	assert_ok(ut_callv(u->priv, XS_UNWATCH, 78, "/w", "t", NULL));
	ut_free(u);
}

static void depth_argument_needs_the_watchdepth_feature(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	u->priv->conn->features &= ~XS_FEATURE_WATCHDEPTH;
	assert_err(ut_callv(u->priv, XS_WATCH, 0, "/a", "t", "1", NULL), EINVAL);
	u->priv->conn->features |= XS_FEATURE_WATCHDEPTH;
	ut_watch_depth(u->priv, "/a", "t", 1);
	ut_free(u);
}

static void negative_or_malformed_depth_is_einval(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_callv(u->priv, XS_WATCH, 0, "/a", "t", "-1", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_WATCH, 0, "/a", "t", "x", NULL), EINVAL);
	assert_int_equal(u->d.model.watches.by_path.count, 0);
	ut_free(u);
}

/* ---- matching ---- */

static void watch_fires_for_its_path_and_descendants_only(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch(u->priv, "/a", "t");
	assert_ok(ut_write(u->priv, 0, "/a", "1"));
	ut_expect_event(u->priv, "/a", "t");
	assert_ok(ut_write(u->priv, 0, "/a/b/c", "1"));
	ut_expect_event(u->priv, "/a/b/c", "t");
	assert_ok(ut_write(u->priv, 0, "/ab", "1"));
	assert_ok(ut_write(u->priv, 0, "/b/a", "1"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void root_watch_sees_every_change(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch(u->priv, "/", "all");
	assert_ok(ut_write(u->priv, 0, "/x", "1"));
	ut_expect_event(u->priv, "/x", "all");
	assert_ok(ut_write(u->priv, 0, "/x/y/z", "1"));
	ut_expect_event(u->priv, "/x/y/z", "all");
	assert_ok(ut_rm(u->priv, 0, "/x"));
	assert_true(ut_take_event(u->priv, "/x", "all"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void write_of_same_value_still_fires(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/same", "v"));
	ut_watch(u->priv, "/same", "t");
	assert_ok(ut_write(u->priv, 0, "/same", "v"));
	ut_expect_event(u->priv, "/same", "t");
	ut_free(u);
}

static void mkdir_fires_only_when_it_creates(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch(u->priv, "/m", "t");
	assert_ok(ut_mkdir(u->priv, 0, "/m"));
	ut_expect_event(u->priv, "/m", "t");
	assert_ok(ut_mkdir(u->priv, 0, "/m"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void set_perms_fires(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/p"));
	ut_watch(u->priv, "/p", "t");
	assert_ok(ut_set_perms(u->priv, 0, "/p", "n0", "r3"));
	ut_expect_event(u->priv, "/p", "t");
	ut_free(u);
}

static void rm_of_missing_node_fires_nothing(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch(u->priv, "/", "t");
	assert_ok(ut_rm(u->priv, 0, "/tool/missing"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void failed_request_fires_nothing(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_watch(u->priv, "/", "t");
	assert_err(ut_write(g, 0, "/denied", "x"), EACCES);
	assert_err(ut_set_perms(g, 0, "/tool", "n5"), EACCES);
	assert_err(ut_rm(g, 0, "/tool"), EACCES);
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void rm_subtree_fires_exact_events_for_descendants(void **state)
{
	struct ut *u = ut_new();
	static const char *const watched[] = {
		"/", "/a", "/a/b", "/a/b/c", "/a/b/c/d", "/a/b/e", "/a/x",
	};

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/a/b/c/d", "1"));
	assert_ok(ut_write(u->priv, 0, "/a/b/e", "1"));
	assert_ok(ut_write(u->priv, 0, "/a/x", "1"));
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		ut_watch(u->priv, watched[i], watched[i]);
	assert_ok(ut_rm(u->priv, 0, "/a/b"));
	/* The root of the removal matches as usual... */
	assert_true(ut_take_event(u->priv, "/a/b", "/"));
	assert_true(ut_take_event(u->priv, "/a/b", "/a"));
	assert_true(ut_take_event(u->priv, "/a/b", "/a/b"));
	/* ...each removed descendant only matches a watch on exactly it. */
	assert_true(ut_take_event(u->priv, "/a/b/c", "/a/b/c"));
	assert_true(ut_take_event(u->priv, "/a/b/c/d", "/a/b/c/d"));
	assert_true(ut_take_event(u->priv, "/a/b/e", "/a/b/e"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void writers_own_watch_event_precedes_its_reply(void **state)
{
	struct ut *u = ut_new();
	char buf[32];
	struct ut_msg m;

	(void)state;
	ut_watch(u->priv, "/own", "t");
	send_raw(u->priv, XS_WRITE, 0, buf, ut_args(buf, sizeof(buf), "/own", NULL));
	ut_expect_event(u->priv, "/own", "t");
	assert_true(ut_pop(u->priv, &m));
	assert_int_equal(m.hdr.type, XS_WRITE);
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void each_matching_watch_gets_its_own_event(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *other = ut_peer(u, 0);

	(void)state;
	ut_watch(u->priv, "/e", "one");
	ut_watch(u->priv, "/e", "two");
	ut_watch(u->priv, "/", "three");
	ut_watch(other, "/e", "one");
	assert_ok(ut_write(u->priv, 0, "/e/f", "1"));
	assert_true(ut_take_event(u->priv, "/e/f", "one"));
	assert_true(ut_take_event(u->priv, "/e/f", "two"));
	assert_true(ut_take_event(u->priv, "/e/f", "three"));
	ut_expect_quiet(u->priv);
	ut_expect_event(other, "/e/f", "one");
	ut_expect_quiet(other);
	ut_free(u);
}

static void relative_watch_reports_relative_path(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	ut_watch(g, "device", "rel");
	ut_watch(g, "/local/domain/5/device", "abs");
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/device/vif/0", "x"));
	assert_true(ut_take_event(g, "device/vif/0", "rel"));
	assert_true(ut_take_event(g, "/local/domain/5/device/vif/0", "abs"));
	ut_expect_quiet(g);
	/* The privileged socket client's relative watches work the same. */
	ut_watch(u->priv, "name", "rel0");
	assert_ok(ut_write(u->priv, 0, "/local/domain/0/name", "Domain-0"));
	ut_expect_event(u->priv, "name", "rel0");
	ut_free(u);
}

static void depth_limited_watch(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch_depth(u->priv, "/a", "d0", 0);
	ut_watch_depth(u->priv, "/a", "d1", 1);
	ut_watch_depth(u->priv, "/", "r1", 1);
	assert_ok(ut_write(u->priv, 0, "/a", "1"));
	assert_true(ut_take_event(u->priv, "/a", "d0"));
	assert_true(ut_take_event(u->priv, "/a", "d1"));
	assert_true(ut_take_event(u->priv, "/a", "r1"));
	ut_expect_quiet(u->priv);
	assert_ok(ut_write(u->priv, 0, "/a/b", "1"));
	assert_true(ut_take_event(u->priv, "/a/b", "d1"));
	ut_expect_quiet(u->priv);
	assert_ok(ut_write(u->priv, 0, "/a/b/c", "1"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void unwatch_and_close_stop_events(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	size_t before;

	(void)state;
	ut_make_home(u, 5);
	before = u->d.model.watches.by_path.count;
	ut_watch(g, "a", "t");
	ut_watch(g, "b", "t");
	assert_int_equal(g->conn->domain->watches, 2);
	assert_int_equal(u->d.model.watches.by_path.count, before + 2);
	conn_close(g->conn, "test");
	assert_true(g->io.destroyed);
	assert_int_equal(u->d.model.watches.by_path.count, before);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->watches, 0);
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/a", "x"));
	ut_free(u);
}

static void reset_watches_removes_every_watch_of_the_caller(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	ut_watch(g, "a", "t");
	ut_watch(g, "/", "t");
	ut_watch(u->priv, "/local/domain/5/a", "keep");
	assert_ok(ut_callv(g, XS_RESET_WATCHES, 0, "", NULL));
	assert_int_equal(g->conn->nwatches, 0);
	assert_int_equal(g->conn->domain->watches, 0);
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/a", "x"));
	ut_expect_quiet(g);
	ut_expect_event(u->priv, "/local/domain/5/a", "keep");
	ut_free(u);
}

/* ---- transactions ---- */

static void transaction_events_only_on_commit(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *watcher = ut_peer(u, 0);
	uint32_t tx;

	(void)state;
	ut_watch(watcher, "/t", "t");
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, tx, "/t/x", "1"));
	assert_ok(ut_mkdir(u->priv, tx, "/t/y"));
	ut_expect_quiet(watcher);
	assert_ok(ut_txn_end(u->priv, tx, true));
	ut_expect_event(watcher, "/t/x", "t");
	ut_expect_event(watcher, "/t/y", "t");
	ut_expect_quiet(watcher);
	ut_free(u);
}

static void aborted_or_conflicting_transaction_fires_nothing(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *watcher = ut_peer(u, 0);
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/t/c", "0"));
	ut_watch(watcher, "/t/x", "t");
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, tx, "/t/x", "1"));
	assert_ok(ut_txn_end(u->priv, tx, false));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_write(u->priv, tx, "/t/x", "1"));
	assert_ok(ut_read(u->priv, tx, "/t/c"));
	assert_ok(ut_write(u->priv, 0, "/t/c", "changed"));
	assert_err(ut_txn_end(u->priv, tx, true), EAGAIN);
	ut_expect_quiet(watcher);
	ut_free(u);
}

static void transaction_rm_fires_exact_events_at_commit(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/r/s/t", "1"));
	ut_watch(u->priv, "/r", "anc");
	ut_watch(u->priv, "/r/s/t", "leaf");
	tx = ut_txn_start(u->priv);
	assert_ok(ut_rm(u->priv, tx, "/r/s"));
	ut_expect_quiet(u->priv);
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_true(ut_take_event(u->priv, "/r/s", "anc"));
	assert_true(ut_take_event(u->priv, "/r/s/t", "leaf"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

/* ---- XSA-115 permission filter ---- */

static void watcher_only_learns_of_changes_it_may_read(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	ut_watch(g, "/", "all");
	assert_ok(ut_write(u->priv, 0, "/secret/x", "s"));
	assert_ok(ut_write(u->priv, 0, "/secret", "s"));
	ut_expect_quiet(g);
	assert_ok(ut_write(u->priv, 0, "/local/domain/5/x", "mine"));
	ut_expect_event(g, "/local/domain/5/x", "all");
	ut_free(u);
}

static void watcher_sees_change_of_unreadable_node_under_readable_parent(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/open"));
	assert_ok(ut_set_perms(u->priv, 0, "/open", "n0", "r5"));
	assert_ok(ut_write(u->priv, 0, "/open/hidden", "h"));
	assert_ok(ut_set_perms(u->priv, 0, "/open/hidden", "n0"));
	ut_watch(g, "/open", "t");
	assert_ok(ut_write(u->priv, 0, "/open/hidden", "h2"));
	ut_expect_event(g, "/open/hidden", "t");
	ut_free(u);
}

static void set_perms_revoking_access_still_notifies_previous_reader(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/p", "v"));
	assert_ok(ut_set_perms(u->priv, 0, "/p", "n0", "r5"));
	ut_watch(g, "/p", "t");
	assert_ok(ut_set_perms(u->priv, 0, "/p", "n0"));
	ut_expect_event(g, "/p", "t");
	/* Now it may not know about further changes. */
	assert_ok(ut_write(u->priv, 0, "/p", "w"));
	ut_expect_quiet(g);
	ut_free(u);
}

/* PROTOCOL.md §2.5: a watch on a node removed with its ancestor fires
 * with its own path - and the watcher could read that node. */
static void rm_of_ancestor_notifies_unprivileged_watcher_of_descendant(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_write(g, 0, "dev/vbd/x", "1"));
	ut_watch(g, "dev/vbd/x", "leaf");
	assert_ok(ut_rm(u->priv, 0, "/local/domain/5/dev"));
	ut_expect_event(g, "dev/vbd/x", "leaf");
	ut_free(u);
}

/* PROTOCOL.md §2.5, XSA-115: the event goes to a watcher that can read P; P is the
 * removed node, which the watcher could read. */
static void rm_notifies_watcher_who_could_read_the_removed_node(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/vm/5/dev", "d"));
	assert_ok(ut_set_perms(u->priv, 0, "/vm/5/dev", "n5"));
	assert_string_equal(ut_value(g, 0, "/vm/5/dev"), "d");
	assert_err(ut_read(g, 0, "/vm/5"), EACCES);
	ut_watch(g, "/vm/5/dev", "t");
	assert_ok(ut_rm(u->priv, 0, "/vm/5/dev"));
	ut_expect_event(g, "/vm/5/dev", "t");
	ut_free(u);
}

/* ---- scale and limits ---- */

static void watch_matching_cost_independent_of_unrelated_watches(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *crowd = ut_peer(u, 0);
	char path[64], token[16];

	(void)state;
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/unrelated/%u/leaf", i);
		snprintf(token, sizeof(token), "t%u", i);
		assert_ok(ut_callv(crowd, XS_WATCH, 0, path, token, NULL));
	}
	ut_discard(crowd);
	assert_int_equal(u->d.model.watches.by_path.count, 10000);
	ut_watch(u->priv, "/target/x", "mine");
	assert_ok(ut_write(u->priv, 0, "/target/x/y", "1"));
	ut_expect_event(u->priv, "/target/x/y", "mine");
	ut_expect_quiet(u->priv);
	ut_expect_quiet(crowd);
	/* And each of the crowd still gets exactly its own events. */
	assert_ok(ut_write(u->priv, 0, "/unrelated/5000/leaf/sub", "1"));
	ut_expect_event(crowd, "/unrelated/5000/leaf/sub", "t5000");
	ut_expect_quiet(crowd);
	assert_ok(ut_write(u->priv, 0, "/unrelated/777", "1"));
	ut_expect_quiet(crowd);
	assert_ok(ut_rm(u->priv, 0, "/unrelated"));
	ut_expect_event(crowd, "/unrelated/5000/leaf", "t5000");
	ut_expect_quiet(crowd);
	ut_free(u);
}

static void event_too_big_for_one_message_is_dropped(void **state)
{
	struct ut *u = ut_new();
	char *path = malloc(2200), *token = malloc(2100);

	(void)state;
	assert_non_null(path);
	assert_non_null(token);
	/* Paths are at most 2048 characters after the home prefix, so the
	 * token makes the size. */
	memset(path, 'p', 2016);
	memcpy(path, "/local/domain/5/", 16);
	path[2016] = '\0';
	memset(token, 't', 2070);
	token[2070] = '\0';
	ut_watch(u->priv, path, token); /* 2016 + 2070 + 2 bytes: fits */
	assert_ok(ut_write(u->priv, 0, path, "x"));
	ut_expect_event(u->priv, path, token);
	strcat(path, "/child-with-a-name-of-forty-characters-x"); /* 4129 bytes */
	assert_ok(ut_write(u->priv, 0, path, "x"));
	ut_expect_quiet(u->priv); /* must be dropped (XSA-324) */
	free(path);
	free(token);
	ut_free(u);
}

static void root_watch_fires_for_change_of_root_itself(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch_depth(u->priv, "/", "d0", 0);
	ut_watch(u->priv, "/", "any");
	assert_ok(ut_set_perms(u->priv, 0, "/", "n0", "r1"));
	assert_true(ut_take_event(u->priv, "/", "d0"));
	assert_true(ut_take_event(u->priv, "/", "any"));
	ut_expect_quiet(u->priv);
	assert_ok(ut_write(u->priv, 0, "/x", "1"));
	ut_expect_event(u->priv, "/x", "any");
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void watch_token_may_hold_any_bytes_but_nul(void **state)
{
	struct ut *u = ut_new();
	static const char token[] = "a b\t\xff/../@";

	(void)state;
	ut_watch(u->priv, "/tok", token);
	assert_ok(ut_write(u->priv, 0, "/tok", "1"));
	ut_expect_event(u->priv, "/tok", token);
	assert_ok(ut_unwatch(u->priv, "/tok", token));
	ut_free(u);
}

static void set_perms_in_transaction_notifies_previous_reader_at_commit(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/p", "v"));
	assert_ok(ut_set_perms(u->priv, 0, "/p", "n0", "r5"));
	ut_watch(g, "/p", "t");
	tx = ut_txn_start(u->priv);
	assert_ok(ut_set_perms(u->priv, tx, "/p", "n0"));
	ut_expect_quiet(g);
	assert_ok(ut_txn_end(u->priv, tx, true));
	ut_expect_event(g, "/p", "t");
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(watch_reply_ok_precedes_initial_event_with_path_as_registered),
		cmocka_unit_test(initial_event_fires_without_permission_check),
		cmocka_unit_test(duplicate_watch_is_eexist),
		cmocka_unit_test(unwatch_removes_the_watch_and_unknown_is_enoent),
		cmocka_unit_test(unwatch_canonicalises_relative_paths),
		cmocka_unit_test(watch_and_unwatch_need_exact_argument_counts),
		cmocka_unit_test(watch_ignores_the_tx_id),
		cmocka_unit_test(depth_argument_needs_the_watchdepth_feature),
		cmocka_unit_test(negative_or_malformed_depth_is_einval),
		cmocka_unit_test(watch_fires_for_its_path_and_descendants_only),
		cmocka_unit_test(root_watch_sees_every_change),
		cmocka_unit_test(write_of_same_value_still_fires),
		cmocka_unit_test(mkdir_fires_only_when_it_creates),
		cmocka_unit_test(set_perms_fires),
		cmocka_unit_test(rm_of_missing_node_fires_nothing),
		cmocka_unit_test(failed_request_fires_nothing),
		cmocka_unit_test(rm_subtree_fires_exact_events_for_descendants),
		cmocka_unit_test(writers_own_watch_event_precedes_its_reply),
		cmocka_unit_test(each_matching_watch_gets_its_own_event),
		cmocka_unit_test(relative_watch_reports_relative_path),
		cmocka_unit_test(depth_limited_watch),
		cmocka_unit_test(unwatch_and_close_stop_events),
		cmocka_unit_test(reset_watches_removes_every_watch_of_the_caller),
		cmocka_unit_test(transaction_events_only_on_commit),
		cmocka_unit_test(aborted_or_conflicting_transaction_fires_nothing),
		cmocka_unit_test(transaction_rm_fires_exact_events_at_commit),
		cmocka_unit_test(watcher_only_learns_of_changes_it_may_read),
		cmocka_unit_test(watcher_sees_change_of_unreadable_node_under_readable_parent),
		cmocka_unit_test(set_perms_revoking_access_still_notifies_previous_reader),
		cmocka_unit_test(rm_of_ancestor_notifies_unprivileged_watcher_of_descendant),
		cmocka_unit_test(rm_notifies_watcher_who_could_read_the_removed_node),
		cmocka_unit_test(watch_matching_cost_independent_of_unrelated_watches),
		cmocka_unit_test(event_too_big_for_one_message_is_dropped),
		cmocka_unit_test(root_watch_fires_for_change_of_root_itself),
		cmocka_unit_test(watch_token_may_hold_any_bytes_but_nul),
		cmocka_unit_test(set_perms_in_transaction_notifies_previous_reader_at_commit),
	};
	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
