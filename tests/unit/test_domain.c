/* test_domain.c - domains: INTRODUCE, RELEASE and the cleanup after a
 * departed domain, special watches, targets, features (PROTOCOL.md §1.5, §2.5
 * special watches, §2.7), and the domain_life.c module driven directly:
 * its port map, its cleanup on a bare model, the causes its events name. */
#include "unit.h"

#include <unistd.h>

#include "trace_file.h"

static int introduce(struct ut *u, const char *domid, const char *port)
{
	return ut_callv(u->priv, XS_INTRODUCE, 0, domid, "0", port, NULL);
}

static int release(struct ut *u, const char *domid)
{
	return ut_callv(u->priv, XS_RELEASE, 0, domid, NULL);
}

/* ---- INTRODUCE / IS_DOMAIN_INTRODUCED / RELEASE / RESUME ---- */

static void first_introduce_fires_introduce_domain_once(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_watch(u->priv, "@introduceDomain", "intro");
	assert_ok(introduce(u, "5", "3"));
	ut_expect_event(u->priv, "@introduceDomain", "intro");
	ut_expect_quiet(u->priv);
	assert_ok(introduce(u, "5", "4"));
	ut_expect_quiet(u->priv);
	assert_int_equal(domain_find(&u->d.model.domains, 5)->evtchn, 4);
	/* The privileged domain's own introduction is not announced. */
	assert_ok(introduce(u, "0", "1"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void introduce_rejects_bad_arguments(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(introduce(u, "5", "0"), EINVAL);
	assert_err(introduce(u, "5", "-1"), EINVAL);
	assert_err(introduce(u, "x", "1"), EINVAL);
	assert_err(introduce(u, "65536", "1"), EINVAL);
	assert_err(ut_callv(u->priv, XS_INTRODUCE, 0, "5", "0", NULL), EINVAL);
	assert_null(domain_find(&u->d.model.domains, 5));
	ut_free(u);
}

static void is_domain_introduced_answers_t_or_f(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(introduce(u, "5", "1"));
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL));
	assert_string_equal(ut_reply(u->priv), "T");
	assert_int_equal(u->priv->reply.hdr.len, 2);
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "6", NULL));
	assert_string_equal(ut_reply(u->priv), "F");
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "32752", NULL));
	assert_string_equal(ut_reply(u->priv), "T");
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "0", NULL));
	assert_string_equal(ut_reply(u->priv), "T");
	assert_ok(release(u, "5"));
	assert_ok(ut_callv(u->priv, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL));
	assert_string_equal(ut_reply(u->priv), "F");
	ut_free(u);
}

static void release_and_resume_need_an_introduced_guest(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(release(u, "0"), EINVAL);
	assert_err(release(u, "9"), ENOENT);
	assert_err(release(u, "x"), EINVAL);
	assert_err(ut_callv(u->priv, XS_RESUME, 0, "0", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_RESUME, 0, "9", NULL), ENOENT);
	assert_ok(introduce(u, "9", "1"));
	domain_find(&u->d.model.domains, 9)->shutdown_reported = true;
	assert_ok(ut_callv(u->priv, XS_RESUME, 0, "9", NULL));
	assert_false(domain_find(&u->d.model.domains, 9)->shutdown_reported);
	assert_ok(release(u, "9"));
	assert_err(release(u, "9"), ENOENT);
	ut_free(u);
}

static void domain_release_removes_owned_nodes_and_acl_entries(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	/* Nodes domain 5 owns, one with a child owned by someone else. */
	assert_ok(ut_write(g, 0, "data/a", "1"));
	assert_ok(ut_write(g, 0, "data/b", "2"));
	assert_ok(ut_mkdir(u->priv, 0, "/shared"));
	assert_ok(ut_set_perms(u->priv, 0, "/shared", "n0", "b5"));
	assert_ok(ut_write(g, 0, "/shared/mine", "m"));
	assert_ok(ut_write(u->priv, 0, "/shared/mine/dom0kid", "k"));
	assert_ok(ut_set_perms(u->priv, 0, "/shared/mine/dom0kid", "n0"));
	/* Nodes of others naming domain 5 in their ACL. */
	assert_ok(ut_write(u->priv, 0, "/acl", "x"));
	assert_ok(ut_set_perms(u->priv, 0, "/acl", "n0", "r5", "r6", "w5"));
	assert_ok(ut_set_perms(u->priv, 0, "@releaseDomain", "n0", "r5"));
	assert_int_equal(ut_nodes_owned(u, 5), 4);

	assert_ok(release(u, "5"));
	assert_true(g->io.destroyed);
	assert_err(ut_read(u->priv, 0, "/local/domain/5/data"), ENOENT);
	assert_err(ut_read(u->priv, 0, "/shared/mine"), ENOENT);
	assert_err(ut_read(u->priv, 0, "/shared/mine/dom0kid"), ENOENT);
	assert_string_equal(ut_children(u->priv, 0, "/shared"), "");
	/* The toolstack's node stays; it is removed by the toolstack. */
	assert_string_equal(ut_perms(u->priv, 0, "/local/domain/5"), "n0");
	assert_string_equal(ut_perms(u->priv, 0, "/shared"), "n0");
	assert_string_equal(ut_perms(u->priv, 0, "/acl"), "n0,r6");
	assert_string_equal(ut_perms(u->priv, 0, "@releaseDomain"), "n0");
	assert_int_equal(ut_nodes_owned(u, 5), 0);
	ut_assert_consistent(u);
	ut_free(u);
}

static void release_fires_release_domain_after_cleanup(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	assert_ok(ut_write(g, 0, "x", "1"));
	ut_watch(u->priv, "@releaseDomain", "rel");
	ut_watch(u->priv, "/local/domain/5/x", "node");
	assert_ok(release(u, "5"));
	/* The owned node goes first, then the announcement. */
	ut_expect_event(u->priv, "/local/domain/5/x", "node");
	ut_expect_event(u->priv, "@releaseDomain", "rel");
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void release_drops_the_domains_watches_and_transactions(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);
	size_t watches;

	(void)state;
	ut_make_home(u, 5);
	watches = u->d.model.watches.by_path.count;
	ut_watch(g, "a", "t");
	ut_txn_start(g);
	assert_ok(release(u, "5"));
	assert_int_equal(u->d.model.watches.by_path.count, watches);
	assert_true(g->conn->dead);
	assert_null(g->conn->txns);
	ut_free(u);
}

static void keep_orphans_hands_nodes_to_the_privileged_domain(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	ut_make_home(u, 5);
	u->d.model.keep_orphans = true;
	assert_ok(ut_write(g, 0, "kept", "v"));
	assert_ok(release(u, "5"));
	assert_string_equal(ut_value(u->priv, 0, "/local/domain/5/kept"), "v");
	assert_string_equal(ut_perms(u->priv, 0, "/local/domain/5/kept"), "n0");
	assert_int_equal(ut_nodes_owned(u, 5), 0);
	ut_free(u);
}

/* ---- special watches ---- */

static void depth_watch_on_release_domain_gets_the_domid(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_guest(u, 5);
	ut_watch_depth(u->priv, "@releaseDomain", "d1", 1);
	assert_ok(release(u, "5"));
	assert_true(ut_take_event(u->priv, "@releaseDomain/5", "d1"));
	ut_free(u);
}

static void watch_on_release_domain_slash_domid_filters_one_domain(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_guest(u, 5);
	ut_guest(u, 6);
	ut_watch(u->priv, "@releaseDomain/5", "five");
	assert_ok(release(u, "6"));
	ut_expect_quiet(u->priv);
	assert_ok(release(u, "5"));
	ut_expect_event(u->priv, "@releaseDomain/5", "five");
	ut_expect_quiet(u->priv);
	ut_free(u);
}

/* A plain @releaseDomain watcher (no depth: every existing toolstack)
 * gets "@releaseDomain" once per release, as before 4.22; the
 * per-domain paths are for depth-limited or per-domain watchers. */
static void plain_release_domain_watch_gets_only_the_plain_event(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_guest(u, 5);
	ut_watch(u->priv, "@releaseDomain", "plain");
	assert_ok(release(u, "5"));
	ut_expect_event(u->priv, "@releaseDomain", "plain");
	ut_expect_quiet(u->priv);
	ut_free(u);
}

static void special_events_only_reach_domains_allowed_to_read_them(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g6 = ut_guest(u, 6);

	(void)state;
	ut_guest(u, 5);
	ut_guest(u, 7);
	ut_watch(g6, "@releaseDomain", "rel");
	ut_watch(g6, "@introduceDomain", "intro");
	/* @releaseDomain is readable by DOMID_ANY (4.22), @introduceDomain
	 * by nobody but dom0 until its permissions say otherwise. */
	assert_ok(release(u, "5"));
	assert_true(ut_take_event(g6, "@releaseDomain", "rel"));
	assert_ok(introduce(u, "8", "1"));
	ut_expect_quiet(g6);
	/* A permission change is itself an event for those who may read. */
	assert_ok(ut_set_perms(u->priv, 0, "@introduceDomain", "n0", "r6"));
	assert_true(ut_take_event(g6, "@introduceDomain", "intro"));
	assert_ok(introduce(u, "9", "1"));
	assert_true(ut_take_event(g6, "@introduceDomain", "intro"));
	/* ... including those who could read it before the change. */
	assert_ok(ut_set_perms(u->priv, 0, "@releaseDomain", "n0"));
	assert_true(ut_take_event(g6, "@releaseDomain", "rel"));
	assert_ok(release(u, "7"));
	ut_expect_quiet(g6);
	ut_free(u);
}

/* ---- SET_TARGET, features ---- */

static void set_target_needs_both_domains_introduced(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_guest(u, 5);
	assert_err(ut_callv(u->priv, XS_SET_TARGET, 0, "6", "5", NULL), ENOENT);
	assert_err(ut_callv(u->priv, XS_SET_TARGET, 0, "5", "6", NULL), ENOENT);
	assert_err(ut_callv(u->priv, XS_SET_TARGET, 0, "5", NULL), EINVAL);
	ut_guest(u, 6);
	assert_ok(ut_callv(u->priv, XS_SET_TARGET, 0, "6", "5", NULL));
	assert_int_equal(domain_find(&u->d.model.domains, 6)->target, 5);
	ut_free(u);
}

static void get_feature_reports_what_the_daemon_offers(void **state)
{
	struct ut *u = ut_new();
	char expect[16];

	(void)state;
	snprintf(expect, sizeof(expect), "%u", DAEMON_FEATURES);
	assert_ok(ut_call(u->priv, XS_GET_FEATURE, 0, NULL, 0));
	assert_string_equal(ut_reply(u->priv), expect);
	ut_free(u);
}

static void set_feature_only_before_introduction_and_only_known_bits(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_callv(u->priv, XS_SET_FEATURE, 0, "5", "2", NULL));
	assert_ok(ut_callv(u->priv, XS_GET_FEATURE, 0, "5", NULL));
	assert_string_equal(ut_reply(u->priv), "2");
	/* RECONNECTION (1) is a guest ring feature; bit 16 is unknown. */
	assert_ok(ut_callv(u->priv, XS_SET_FEATURE, 0, "5", "1", NULL));
	assert_err(ut_callv(u->priv, XS_SET_FEATURE, 0, "5", "16", NULL), EINVAL);
	assert_err(ut_callv(u->priv, XS_SET_FEATURE, 0, "5", "x", NULL), EINVAL);
	assert_ok(introduce(u, "5", "1"));
	assert_err(ut_callv(u->priv, XS_SET_FEATURE, 0, "5", "4", NULL), EBUSY);
	ut_free(u);
}

static void guest_may_ask_its_own_features_only(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_call(g, XS_GET_FEATURE, 0, NULL, 0));
	assert_err(ut_callv(g, XS_GET_FEATURE, 0, "5", NULL), EACCES);
	ut_free(u);
}

static void root_watch_does_not_see_special_events(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_guest(u, 5);
	ut_watch(u->priv, "/", "root");
	assert_ok(introduce(u, "6", "1"));
	assert_ok(release(u, "5"));
	ut_expect_quiet(u->priv);
	ut_free(u);
}

/* PROTOCOL.md §2.7: entries naming a departed domain are removed from every ACL; a
 * transaction that copied the node before must not put them back. */
static void acl_cleanup_is_not_undone_by_an_older_transaction(void **state)
{
	struct ut *u = ut_new();
	uint32_t tx;
	int err;

	(void)state;
	ut_guest(u, 5);
	assert_ok(ut_write(u->priv, 0, "/acl", "x"));
	assert_ok(ut_set_perms(u->priv, 0, "/acl", "n0", "r5"));
	tx = ut_txn_start(u->priv);
	assert_string_equal(ut_value(u->priv, tx, "/acl"), "x");
	assert_ok(release(u, "5"));
	assert_string_equal(ut_perms(u->priv, 0, "/acl"), "n0");
	assert_ok(ut_write(u->priv, tx, "/acl", "y"));
	err = ut_txn_end(u->priv, tx, true);
	assert_true(err == 0 || err == EAGAIN);
	assert_string_equal(ut_perms(u->priv, 0, "/acl"), "n0");
	ut_free(u);
}

/* dom0 gives nodes to domain 9 inside a transaction and 9 dies before
 * the commit: at commit they are treated as the cleanup treated the
 * store when 9 went (its nodes removed, its ACL entries dropped), so the
 * next domain 9 inherits nothing. */
static void transaction_commit_forgets_a_domain_that_died_meanwhile(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g;
	uint32_t tx;

	(void)state;
	ut_guest(u, 9);
	assert_ok(ut_write(u->priv, 0, "/given", "v"));
	assert_ok(ut_write(u->priv, 0, "/given/kid", "k"));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_set_perms(u->priv, tx, "/given", "n9"));
	assert_ok(ut_write(u->priv, tx, "/made", "m"));
	assert_ok(ut_set_perms(u->priv, tx, "/made", "n9"));
	assert_ok(ut_write(u->priv, tx, "/acl", "a"));
	assert_ok(ut_set_perms(u->priv, tx, "/acl", "n0", "b9", "r7"));
	ut_watch(u->priv, "/given/kid", "kid");
	assert_ok(release(u, "9"));
	assert_ok(ut_txn_end(u->priv, tx, true));
	ut_expect_event(u->priv, "/given/kid", "kid");
	assert_err(ut_read(u->priv, 0, "/given"), ENOENT);
	assert_err(ut_read(u->priv, 0, "/made"), ENOENT);
	assert_string_equal(ut_perms(u->priv, 0, "/acl"), "n0,r7");
	assert_int_equal(ut_nodes_owned(u, 9), 0);
	/* A new domain 9 owns nothing and is granted nothing. */
	g = ut_guest(u, 9);
	assert_err(ut_write(g, 0, "/given", "mine"), EACCES);
	assert_err(ut_read(g, 0, "/acl"), EACCES);
	ut_free(u);
}

/* The same with -K: the nodes are handed to dom0 instead; also when a
 * new domain 9 exists by the time of the commit. */
static void transaction_commit_hands_a_dead_domains_nodes_to_priv_with_keep_orphans(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g;
	uint32_t tx;

	(void)state;
	u->d.model.keep_orphans = true;
	ut_guest(u, 9);
	assert_ok(ut_write(u->priv, 0, "/given", "v"));
	tx = ut_txn_start(u->priv);
	assert_ok(ut_set_perms(u->priv, tx, "/given", "n9", "r9", "r3"));
	assert_ok(release(u, "9"));
	/* The id is reused before the commit. */
	g = ut_guest(u, 9);
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_string_equal(ut_perms(u->priv, 0, "/given"), "n0");
	assert_int_equal(ut_nodes_owned(u, 9), 0);
	assert_err(ut_write(g, 0, "/given", "mine"), EACCES);
	ut_free(u);
}

/* A domain introduced during the transaction, and one that lived
 * through it, keep what the transaction gave them. */
static void transaction_commit_keeps_entries_of_live_domains(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g8 = ut_guest(u, 8), *g9;
	uint32_t tx;

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/n", "v"));
	tx = ut_txn_start(u->priv);
	g9 = ut_guest(u, 9);
	assert_ok(ut_set_perms(u->priv, tx, "/n", "n8", "r9"));
	assert_ok(ut_write(u->priv, tx, "/m", "w"));
	assert_ok(ut_set_perms(u->priv, tx, "/m", "n9", "b8"));
	assert_ok(ut_txn_end(u->priv, tx, true));
	assert_string_equal(ut_perms(u->priv, 0, "/n"), "n8,r9");
	assert_string_equal(ut_perms(u->priv, 0, "/m"), "n9,b8");
	assert_ok(ut_write(g8, 0, "/n", "by8"));
	assert_string_equal(ut_value(g9, 0, "/n"), "by8");
	assert_ok(ut_write(g9, 0, "/m", "by9"));
	ut_free(u);
}

/* ---- domain_life.c driven directly ---- */

static void port_map_grows_on_demand_and_forgets_unmapped_ports(void **state)
{
	struct port_map m = { 0 };
	struct conn *a = (struct conn *)&m, *b = (struct conn *)&a;

	(void)state;
	assert_null(domain_port_conn(&m, 0));
	assert_err(domain_map_port(&m, -1, a), EINVAL);
	assert_ok(domain_map_port(&m, 3, a));
	assert_ok(domain_map_port(&m, 5000, b));
	assert_true(m.size > 5000);
	assert_ptr_equal(domain_port_conn(&m, 3), a);
	assert_ptr_equal(domain_port_conn(&m, 5000), b);
	assert_null(domain_port_conn(&m, 4));
	assert_null(domain_port_conn(&m, -1));
	assert_null(domain_port_conn(&m, (int)m.size));
	domain_unmap_port(&m, 3);
	domain_unmap_port(&m, 1 << 30); /* never mapped: nothing to do */
	assert_null(domain_port_conn(&m, 3));
	assert_ptr_equal(domain_port_conn(&m, 5000), b);
	domain_port_map_free(&m);
	assert_null(domain_port_conn(&m, 5000));
}

/* A bare model (no daemon, no connections) with /a and /a/b owned by
 * domain 5 and /c readable by it. */
static void model_with_domain_5(struct model *m)
{
	struct node_ctx ctx;
	struct perm owned = { 5, PERM_NONE }, acl[2] = { { 0, PERM_NONE }, { 5, PERM_READ } };

	assert_ok(model_init(m));
	ut_ctx(&ctx, &m->store, NULL, 0, true, NULL);
	assert_ok(nodeops_write(&ctx, "/a", "x", 1));
	assert_ok(nodeops_set_perms(&ctx, "/a", &owned, 1));
	assert_ok(nodeops_write(&ctx, "/a/b", "y", 1));
	assert_ok(nodeops_write(&ctx, "/c", "z", 1));
	assert_ok(nodeops_set_perms(&ctx, "/c", acl, 2));
	assert_int_equal(domain_find(&m->domains, 5)->nodes, 2);
}

static void cleanup_of_a_bare_model_reports_each_removal_to_its_caller(void **state)
{
	struct model m;
	struct ut_changes rec = { 0 };
	char report[256];
	const struct node *c;

	(void)state;
	model_with_domain_5(&m);
	domain_cleanup(&m, 5, ut_record_change, &rec);
	assert_null(store_lookup(&m.store, "/a", 2));
	assert_null(store_lookup(&m.store, "/a/b", 4));
	/* Each removed node once (whether /a/b goes with /a or on its own
	 * depends on the order the walk finds them). */
	assert_int_equal(rec.n, 2);
	assert_true(ut_change_index(&rec, "/a", false) >= 0);
	assert_true(ut_change_index(&rec, "/a/b", false) >= 0 ||
		    ut_change_index(&rec, "/a/b", true) >= 0);
	c = store_lookup(&m.store, "/c", 2);
	assert_non_null(c);
	assert_int_equal(c->nperms, 1);
	assert_null(domain_find(&m.domains, 5));
	assert_int_equal(model_check(&m, report, sizeof(report)), 0);
	model_destroy(&m);
}

static void cleanup_with_keep_orphans_hands_nodes_over_without_events(void **state)
{
	struct model m;
	struct ut_changes rec = { 0 };
	char report[256];
	const struct node *n;

	(void)state;
	model_with_domain_5(&m);
	m.keep_orphans = true;
	domain_cleanup(&m, 5, ut_record_change, &rec);
	n = store_lookup(&m.store, "/a/b", 4);
	assert_non_null(n);
	assert_int_equal(node_owner(n), 0);
	assert_int_equal(rec.n, 0);
	assert_null(domain_find(&m.domains, 5));
	assert_int_equal(model_check(&m, report, sizeof(report)), 0);
	model_destroy(&m);
}

static void cleanup_leaves_the_privileged_domain_alone(void **state)
{
	struct model m;
	struct ut_changes rec = { 0 };

	(void)state;
	model_with_domain_5(&m);
	domain_cleanup(&m, 0, ut_record_change, &rec);
	assert_int_equal(rec.n, 0);
	assert_non_null(store_lookup(&m.store, "/c", 2));
	assert_int_equal(store_lookup(&m.store, "/c", 2)->nperms, 2);
	model_destroy(&m);
}

/* The whole of a small file, NUL-terminated. */
static void read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Events name the request that caused them; a death the hypervisor
 * reports names none, even while a request's events went before. */
static void special_events_name_the_request_or_no_cause(void **state)
{
	struct ut *u = ut_new();
	char path[] = "/tmp/test_domain.trace.XXXXXX", text[4096];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	ut_hv_attach(u);
	assert_ok(trace_file_open(&u->d.trace, path));
	ut_watch(u->priv, "@introduceDomain", "intro");
	ut_watch(u->priv, "@releaseDomain", "rel");
	ut_ring_introduce(u, 5);
	ut_expect_event(u->priv, "@introduceDomain", "intro");
	u->hv->state[5] = HV_DOM_DYING;
	domain_check_states(&u->d);
	ut_expect_event(u->priv, "@releaseDomain", "rel");
	trace_file_close(u->d.trace);
	u->d.trace = NULL;
	read_file(path, text, sizeof(text));
	unlink(path);
	/* The first event of each watch is WATCH's own; then INTRODUCE's,
	 * then the hypervisor's. */
	assert_non_null(strstr(text, "XS_WATCH_EVENT: @introduceDomain intro "
				     "(cause: XS_INTRODUCE 5, dom 0 pid 0)\n"));
	assert_non_null(strstr(text, "XS_WATCH_EVENT: @releaseDomain rel (cause: none)\n"));
	ut_free(u);
}

/* Named in permissions while the hypervisor knew it, never introduced:
 * its death cleans up after it without announcing a release. */
static void death_of_a_domain_only_named_in_permissions_is_silent(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	ut_hv_attach(u);
	u->hv->state[7] = HV_DOM_RUNNING;
	assert_ok(ut_write(u->priv, 0, "/x", "v"));
	assert_ok(ut_set_perms(u->priv, 0, "/x", "n0", "r7"));
	assert_ok(ut_write(u->priv, 0, "/y", "w"));
	assert_ok(ut_set_perms(u->priv, 0, "/y", "n7"));
	ut_watch(u->priv, "@releaseDomain", "rel");
	ut_watch(u->priv, "/y", "y");
	u->hv->state[7] = HV_DOM_GONE;
	domain_check_states(&u->d);
	ut_expect_event(u->priv, "/y", "y");
	ut_expect_quiet(u->priv);
	assert_err(ut_read(u->priv, 0, "/y"), ENOENT);
	assert_string_equal(ut_perms(u->priv, 0, "/x"), "n0");
	assert_null(domain_find(&u->d.model.domains, 7));
	ut_free(u);
}

/* A domain a permission list names is remembered while the hypervisor
 * knows it; one it does not know gets no record. */
static void named_domain_is_known_only_if_the_hypervisor_knows_it(void **state)
{
	struct ut *u = ut_new();
	struct domain *dom;

	(void)state;
	ut_hv_attach(u);
	assert_err(domain_named(&u->d, 7), ENOENT);
	assert_null(domain_find(&u->d.model.domains, 7));
	u->hv->state[7] = HV_DOM_RUNNING;
	assert_ok(domain_named(&u->d, 7));
	dom = domain_find(&u->d.model.domains, 7);
	assert_non_null(dom);
	assert_true(dom->known);
	assert_false(dom->introduced);
	assert_ok(domain_named(&u->d, XS_DOMID_ANY));
	assert_null(domain_find(&u->d.model.domains, XS_DOMID_ANY));
	assert_ok(domain_named(&u->d, 0));
	ut_free(u);
}

/* The port map follows the ring connection: entered at INTRODUCE, gone
 * with RELEASE. */
static void release_takes_the_ring_out_of_the_port_map(void **state)
{
	struct ut *u = ut_new();
	struct conn *c;
	int port;

	(void)state;
	ut_hv_attach(u);
	ut_ring_introduce(u, 5);
	c = ut_ring_conn(u, 5);
	assert_non_null(c);
	port = ring_conn_port(c);
	assert_true(port >= 0);
	assert_ptr_equal(domain_port_conn(&u->d.ports, port), c);
	assert_ok(release(u, "5"));
	assert_null(domain_port_conn(&u->d.ports, port));
	assert_null(ut_ring_conn(u, 5));
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_introduce_fires_introduce_domain_once),
		cmocka_unit_test(introduce_rejects_bad_arguments),
		cmocka_unit_test(is_domain_introduced_answers_t_or_f),
		cmocka_unit_test(release_and_resume_need_an_introduced_guest),
		cmocka_unit_test(domain_release_removes_owned_nodes_and_acl_entries),
		cmocka_unit_test(release_fires_release_domain_after_cleanup),
		cmocka_unit_test(release_drops_the_domains_watches_and_transactions),
		cmocka_unit_test(keep_orphans_hands_nodes_to_the_privileged_domain),
		cmocka_unit_test(depth_watch_on_release_domain_gets_the_domid),
		cmocka_unit_test(watch_on_release_domain_slash_domid_filters_one_domain),
		cmocka_unit_test(plain_release_domain_watch_gets_only_the_plain_event),
		cmocka_unit_test(special_events_only_reach_domains_allowed_to_read_them),
		cmocka_unit_test(set_target_needs_both_domains_introduced),
		cmocka_unit_test(get_feature_reports_what_the_daemon_offers),
		cmocka_unit_test(set_feature_only_before_introduction_and_only_known_bits),
		cmocka_unit_test(guest_may_ask_its_own_features_only),
		cmocka_unit_test(root_watch_does_not_see_special_events),
		cmocka_unit_test(acl_cleanup_is_not_undone_by_an_older_transaction),
		cmocka_unit_test(transaction_commit_forgets_a_domain_that_died_meanwhile),
		cmocka_unit_test(transaction_commit_hands_a_dead_domains_nodes_to_priv_with_keep_orphans),
		cmocka_unit_test(transaction_commit_keeps_entries_of_live_domains),
		cmocka_unit_test(port_map_grows_on_demand_and_forgets_unmapped_ports),
		cmocka_unit_test(cleanup_of_a_bare_model_reports_each_removal_to_its_caller),
		cmocka_unit_test(cleanup_with_keep_orphans_hands_nodes_over_without_events),
		cmocka_unit_test(cleanup_leaves_the_privileged_domain_alone),
		cmocka_unit_test(special_events_name_the_request_or_no_cause),
		cmocka_unit_test(death_of_a_domain_only_named_in_permissions_is_silent),
		cmocka_unit_test(release_takes_the_ring_out_of_the_port_map),
		cmocka_unit_test(named_domain_is_known_only_if_the_hypervisor_knows_it),
	};
	return cmocka_run_group_tests_name("domain", tests, NULL, NULL);
}
