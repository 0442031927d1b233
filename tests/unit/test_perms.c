/* test_perms.c - permission syntax and the access rule (PROTOCOL.md §1.5, §2.3). */
#include "unit.h"

#define RWO (PERM_READ | PERM_WRITE | PERM_OWNER)

static const struct perm_subject dom5 = { 5, -1, false, true, 0 };

/* ---- perm_for: C's perm_for_conn ---- */

static void privileged_caller_gets_everything(void **state)
{
	const struct perm_subject priv = { 0, -1, true, true, 0 };
	const struct perm p[] = { { 7, PERM_NONE } };

	(void)state;
	assert_int_equal(perm_for(&priv, p, 1), RWO);
}

static void owner_gets_read_write_owner_whatever_its_letter(void **state)
{
	const struct perm p[] = { { 5, PERM_NONE }, { 5, PERM_NONE } };

	(void)state;
	assert_int_equal(perm_for(&dom5, p, 1), RWO);
	assert_int_equal(perm_for(&dom5, p, 2), RWO);
}

static void target_of_owner_gets_owner_rights(void **state)
{
	const struct perm_subject stubdom = { 6, 5, false, true, 0 };
	const struct perm p[] = { { 5, PERM_NONE } };

	(void)state;
	assert_int_equal(perm_for(&stubdom, p, 1), RWO);
}

static void domid_any_owner_gives_everyone_full_access(void **state)
{
	const struct perm p[] = { { XS_DOMID_ANY, PERM_NONE } };

	(void)state;
	assert_int_equal(perm_for(&dom5, p, 1), RWO);
}

static void first_matching_later_entry_decides(void **state)
{
	const struct perm p[] = { { 0, PERM_NONE }, { 5, PERM_READ }, { 5, PERM_WRITE } };
	const struct perm q[] = { { 0, PERM_NONE }, { 5, PERM_WRITE }, { 5, PERM_READ } };

	(void)state;
	assert_int_equal(perm_for(&dom5, p, 3), PERM_READ);
	assert_int_equal(perm_for(&dom5, q, 3), PERM_WRITE);
}

static void domid_any_entry_matches_every_domain_in_order(void **state)
{
	const struct perm p[] = { { 0, PERM_NONE }, { XS_DOMID_ANY, PERM_READ } };
	const struct perm q[] = { { 0, PERM_NONE }, { XS_DOMID_ANY, PERM_WRITE },
				  { 5, PERM_READ } };

	(void)state;
	assert_int_equal(perm_for(&dom5, p, 2), PERM_READ);
	assert_int_equal(perm_for(&dom5, q, 3), PERM_WRITE);
}

static void entry_for_callers_target_applies(void **state)
{
	const struct perm_subject stubdom = { 6, 5, false, true, 0 };
	const struct perm p[] = { { 0, PERM_NONE }, { 5, PERM_READ | PERM_WRITE } };

	(void)state;
	assert_int_equal(perm_for(&stubdom, p, 2), PERM_READ | PERM_WRITE);
}

static void unlisted_domain_gets_the_owner_entrys_letter(void **state)
{
	const struct perm p[] = { { 0, PERM_READ }, { 5, PERM_WRITE } };
	const struct perm_subject dom7 = { 7, -1, false, true, 0 };

	(void)state;
	assert_int_equal(perm_for(&dom7, p, 2), PERM_READ);
	assert_int_equal(perm_for(&dom5, p, 2), PERM_WRITE);
}

static void stale_entry_is_ignored(void **state)
{
	const struct perm p[] = { { 0, PERM_NONE }, { 5, PERM_READ | PERM_STALE },
				  { 5, PERM_WRITE } };
	const struct perm q[] = { { 0, PERM_READ }, { 5, PERM_NONE | PERM_STALE } };

	(void)state;
	assert_int_equal(perm_for(&dom5, p, 3), PERM_WRITE);
	/* Falls back to the default letter, not to "no access". */
	assert_int_equal(perm_for(&dom5, q, 2), PERM_READ);
}

static void empty_perm_list_grants_nothing_to_unprivileged(void **state)
{
	(void)state;
	assert_int_equal(perm_for(&dom5, NULL, 0), PERM_NONE);
}

/* ---- parsing and printing ---- */

static void parse_accepts_every_access_letter(void **state)
{
	const char *const args[] = { "n0", "r5", "w6", "b7" };
	struct perm p[4];

	(void)state;
	assert_ok(perms_parse(args, 4, p));
	assert_int_equal(p[0].domid, 0);
	assert_int_equal(p[0].access, PERM_NONE);
	assert_int_equal(p[1].domid, 5);
	assert_int_equal(p[1].access, PERM_READ);
	assert_int_equal(p[2].domid, 6);
	assert_int_equal(p[2].access, PERM_WRITE);
	assert_int_equal(p[3].domid, 7);
	assert_int_equal(p[3].access, PERM_READ | PERM_WRITE);
}

static void parse_accepts_hex_and_octal_ids_like_strtol_base_0(void **state)
{
	const char *const args[] = { "r0x10", "w010", "b65535" };
	struct perm p[3];

	(void)state;
	assert_ok(perms_parse(args, 3, p));
	assert_int_equal(p[0].domid, 16);
	assert_int_equal(p[1].domid, 8);
	assert_int_equal(p[2].domid, 65535);
}

static void parse_rejects_malformed_entries(void **state)
{
	static const char *const bad[] = {
		"", "r", "x5", "R5", "r5a", "r-1", "r65536", "r99999999999999999999", "5",
	};
	struct perm p[1];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (perms_parse(&bad[i], 1, p) != EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
}

static void format_prints_letter_and_decimal_id_each_nul_terminated(void **state)
{
	const struct perm p[] = { { 0, PERM_NONE }, { 5, PERM_READ }, { 6, PERM_WRITE },
				  { XS_DOMID_ANY, PERM_READ | PERM_WRITE } };
	static const char expect[] = "n0\0r5\0w6\0b32757";
	char out[64];

	(void)state;
	assert_int_equal(perms_format(p, 4, out, sizeof(out)), sizeof(expect));
	assert_memory_equal(out, expect, sizeof(expect));
}

static void format_prints_stale_entries_like_c(void **state)
{
	const struct perm p[] = { { 0, PERM_NONE }, { 9, PERM_READ | PERM_STALE } };
	static const char expect[] = "n0\0r9";
	char out[64];

	(void)state;
	assert_int_equal(perms_format(p, 2, out, sizeof(out)), sizeof(expect));
	assert_memory_equal(out, expect, sizeof(expect));
}

static void format_returns_zero_when_it_does_not_fit(void **state)
{
	const struct perm p[] = { { 0, PERM_NONE }, { 12345, PERM_READ } };
	char out[16];

	(void)state;
	assert_int_equal(perms_format(p, 2, out, 9), 0);
	assert_int_equal(perms_format(p, 2, out, 10), 10);
}

/* ---- end to end: GET_PERMS / SET_PERMS and access checks ---- */

/* /secret: n0 (nobody); /open: n0,r5 (domain 5 reads); /rw: n0,b5. */
static struct ut *perm_tree(void)
{
	struct ut *u = ut_new();

	assert_ok(ut_write(u->priv, 0, "/secret/x", "s"));
	assert_ok(ut_write(u->priv, 0, "/open/x", "o"));
	assert_ok(ut_set_perms(u->priv, 0, "/open", "n0", "r5"));
	assert_ok(ut_set_perms(u->priv, 0, "/open/x", "n0", "r5"));
	assert_ok(ut_write(u->priv, 0, "/open/hidden", "h"));
	assert_ok(ut_set_perms(u->priv, 0, "/open/hidden", "n0"));
	assert_ok(ut_mkdir(u->priv, 0, "/rw"));
	assert_ok(ut_set_perms(u->priv, 0, "/rw", "n0", "b5"));
	return u;
}

static void initial_tree_is_owned_by_priv_with_no_access(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_string_equal(ut_perms(u->priv, 0, "/"), "n0");
	assert_string_equal(ut_perms(u->priv, 0, "/tool"), "n0");
	assert_string_equal(ut_perms(u->priv, 0, "/tool/xenstored"), "n0");
	assert_string_equal(ut_perms(u->priv, 0, "@introduceDomain"), "n0");
	assert_ok(ut_get_perms(u->priv, 0, "@releaseDomain"));
	assert_int_equal(u->priv->reply.body[0], 'n');
	assert_int_equal(u->priv->reply.body[1], '0');
	ut_free(u);
}

static void set_perms_then_get_perms_round_trips(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/a"));
	assert_ok(ut_set_perms(u->priv, 0, "/a", "r0", "w5", "b6", "n7"));
	assert_string_equal(ut_perms(u->priv, 0, "/a"), "r0,w5,b6,n7");
	/* Hex ids come back in decimal. */
	assert_ok(ut_set_perms(u->priv, 0, "/a", "b0x10"));
	assert_string_equal(ut_perms(u->priv, 0, "/a"), "b16");
	ut_free(u);
}

static void set_perms_with_malformed_entry_is_einval(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/a"));
	assert_err(ut_set_perms(u->priv, 0, "/a", "n0", "x5"), EINVAL);
	assert_err(ut_set_perms(u->priv, 0, "/a", "r"), EINVAL);
	assert_err(ut_callv(u->priv, XS_SET_PERMS, 0, "/a", NULL), EINVAL);
	assert_string_equal(ut_perms(u->priv, 0, "/a"), "n0");
	ut_free(u);
}

static void info_hiding_gives_eacces_for_unreadable_parent(void **state)
{
	struct ut *u = perm_tree();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	/* Missing below an unreadable ancestor: EACCES, not ENOENT. */
	assert_err(ut_read(g, 0, "/secret/missing"), EACCES);
	assert_err(ut_read(g, 0, "/secret/a/b/c"), EACCES);
	assert_err(ut_directory(g, 0, "/secret/missing"), EACCES);
	assert_err(ut_get_perms(g, 0, "/secret/missing"), EACCES);
	/* Missing below a readable ancestor: the truth. */
	assert_err(ut_read(g, 0, "/open/missing"), ENOENT);
	assert_err(ut_read(g, 0, "/open/a/b/c"), ENOENT);
	/* The privileged domain always learns the truth. */
	assert_err(ut_read(u->priv, 0, "/secret/missing"), ENOENT);
	ut_free(u);
}

static void unreadable_node_is_eacces(void **state)
{
	struct ut *u = perm_tree();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_err(ut_read(g, 0, "/secret/x"), EACCES);
	assert_err(ut_read(g, 0, "/open/hidden"), EACCES);
	assert_err(ut_directory(g, 0, "/secret"), EACCES);
	assert_err(ut_get_perms(g, 0, "/secret"), EACCES);
	assert_string_equal(ut_value(g, 0, "/open/x"), "o");
	assert_string_equal(ut_children(g, 0, "/open"), "x,hidden");
	assert_string_equal(ut_perms(g, 0, "/open"), "n0,r5");
	ut_free(u);
}

static void write_needs_write_access_on_the_node(void **state)
{
	struct ut *u = perm_tree();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_err(ut_write(g, 0, "/open/x", "new"), EACCES);
	assert_string_equal(ut_value(u->priv, 0, "/open/x"), "o");
	assert_ok(ut_write(g, 0, "/rw", "v"));
	assert_string_equal(ut_value(u->priv, 0, "/rw"), "v");
	ut_free(u);
}

static void create_needs_write_access_on_nearest_existing_ancestor(void **state)
{
	struct ut *u = perm_tree();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_err(ut_write(g, 0, "/open/new", "v"), EACCES);
	assert_err(ut_mkdir(g, 0, "/open/new/deeper"), EACCES);
	assert_err(ut_write(g, 0, "/secret/new", "v"), EACCES);
	assert_null(store_lookup(&u->d.model.store, "/open/new", 9));
	assert_ok(ut_write(g, 0, "/rw/a/b", "v"));
	assert_ok(ut_mkdir(g, 0, "/rw/c"));
	assert_string_equal(ut_value(u->priv, 0, "/rw/a/b"), "v");
	ut_free(u);
}

static void rm_needs_write_access(void **state)
{
	struct ut *u = perm_tree();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_err(ut_rm(g, 0, "/open/x"), EACCES);
	assert_err(ut_rm(g, 0, "/secret"), EACCES);
	assert_non_null(store_lookup(&u->d.model.store, "/open/x", 7));
	assert_ok(ut_write(u->priv, 0, "/rw/child", "c"));
	assert_ok(ut_rm(g, 0, "/rw/child"));
	assert_null(store_lookup(&u->d.model.store, "/rw/child", 9));
	ut_free(u);
}

/* C's errno_from_parents checks only the permission asked for on the
 * nearest existing ancestor: a domain that may write a directory but not
 * read it creates and removes there; reading a missing node is EACCES. */
static void write_only_ancestor_allows_create_and_rm_but_hides_reads(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/drop"));
	assert_ok(ut_set_perms(u->priv, 0, "/drop", "n0", "w5"));
	assert_ok(ut_write(g, 0, "/drop/a", "v"));
	assert_ok(ut_mkdir(g, 0, "/drop/b/c"));
	assert_string_equal(ut_value(u->priv, 0, "/drop/a"), "v");
	assert_string_equal(ut_perms(u->priv, 0, "/drop/b/c"), "n5,w5");
	assert_ok(ut_rm(g, 0, "/drop/missing"));
	assert_err(ut_rm(g, 0, "/drop/missing/deeper"), ENOENT);
	assert_err(ut_read(g, 0, "/drop/missing"), EACCES);
	assert_err(ut_get_perms(g, 0, "/drop/missing"), EACCES);
	/* A node it cannot write, below the write-only directory. */
	assert_ok(ut_write(u->priv, 0, "/drop/ro", "r"));
	assert_ok(ut_set_perms(u->priv, 0, "/drop/ro", "n0", "r5"));
	assert_err(ut_write(g, 0, "/drop/ro", "x"), EACCES);
	assert_err(ut_rm(g, 0, "/drop/ro"), EACCES);
	/* Read-only on the ancestor: reads learn the truth, writes do not. */
	assert_ok(ut_set_perms(u->priv, 0, "/drop", "n0", "r5"));
	assert_err(ut_read(g, 0, "/drop/missing"), ENOENT);
	assert_err(ut_write(g, 0, "/drop/new", "v"), EACCES);
	assert_err(ut_rm(g, 0, "/drop/missing"), EACCES);
	ut_free(u);
}

static void set_perms_needs_ownership(void **state)
{
	struct ut *u = perm_tree();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	/* Read-write access is not enough. */
	assert_err(ut_set_perms(g, 0, "/rw", "n0", "b5", "r6"), EACCES);
	assert_string_equal(ut_perms(u->priv, 0, "/rw"), "n0,b5");
	ut_free(u);
}

static void owner_may_change_acl_but_not_owner(void **state)
{
	struct ut *u = perm_tree();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_ok(ut_write(g, 0, "/rw/mine", "m"));
	assert_string_equal(ut_perms(g, 0, "/rw/mine"), "n5,b5");
	assert_ok(ut_set_perms(g, 0, "/rw/mine", "r5", "w6"));
	assert_string_equal(ut_perms(g, 0, "/rw/mine"), "r5,w6");
	assert_err(ut_set_perms(g, 0, "/rw/mine", "n6"), EPERM);
	assert_string_equal(ut_perms(g, 0, "/rw/mine"), "r5,w6");
	ut_free(u);
}

static void privileged_may_give_a_node_to_another_domain(void **state)
{
	struct ut *u = ut_new();
	unsigned before = ut_nodes_owned(u, 5);

	(void)state;
	assert_ok(ut_mkdir(u->priv, 0, "/given"));
	assert_ok(ut_set_perms(u->priv, 0, "/given", "n5"));
	assert_string_equal(ut_perms(u->priv, 0, "/given"), "n5");
	assert_int_equal(ut_nodes_owned(u, 5), before + 1);
	assert_ok(ut_set_perms(u->priv, 0, "/given", "n0"));
	assert_int_equal(ut_nodes_owned(u, 5), before);
	ut_free(u);
}

static void target_domain_acts_with_its_targets_rights(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g5 = ut_guest(u, 5);
	struct ut_peer *stub = ut_guest(u, 6);

	(void)state;
	(void)g5;
	assert_ok(ut_write(u->priv, 0, "/vm5/dev", "d"));
	assert_ok(ut_set_perms(u->priv, 0, "/vm5", "n5"));
	assert_ok(ut_set_perms(u->priv, 0, "/vm5/dev", "n5"));
	assert_err(ut_read(stub, 0, "/vm5/dev"), EACCES);
	assert_ok(ut_callv(u->priv, XS_SET_TARGET, 0, "6", "5", NULL));
	assert_string_equal(ut_value(stub, 0, "/vm5/dev"), "d");
	assert_ok(ut_write(stub, 0, "/vm5/dev", "by-stub"));
	assert_ok(ut_set_perms(stub, 0, "/vm5/dev", "n5", "r7"));
	assert_string_equal(ut_perms(u->priv, 0, "/vm5/dev"), "n5,r7");
	ut_free(u);
}

static void domid_any_entry_lets_every_domain_read(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 9);

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/pub", "p"));
	assert_err(ut_read(g, 0, "/pub"), EACCES);
	assert_ok(ut_set_perms(u->priv, 0, "/pub", "n0", "r32757"));
	assert_string_equal(ut_value(g, 0, "/pub"), "p");
	assert_err(ut_write(g, 0, "/pub", "x"), EACCES);
	ut_free(u);
}

static void special_node_perms_need_read_access(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 5);

	(void)state;
	assert_err(ut_get_perms(g, 0, "@introduceDomain"), EACCES);
	assert_ok(ut_set_perms(u->priv, 0, "@introduceDomain", "n0", "r5"));
	assert_string_equal(ut_perms(g, 0, "@introduceDomain"), "n0,r5");
	ut_free(u);
}

/* PROTOCOL.md §1.4, §2.3: a missing node is ENOENT; information hiding only applies
 * when the caller lacks access, and the privileged domain never does. */
static void get_perms_of_unknown_special_node_is_enoent_for_priv(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_get_perms(u->priv, 0, "@noSuchNode"), ENOENT);
	ut_free(u);
}

/* PROTOCOL.md §2.3, dead-domain safety (XSA-322): access granted to a domain must not
 * pass to a later domain that reuses its id. */
static void acl_entry_of_released_domain_grants_nothing_to_its_successor(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 9);

	(void)state;
	assert_ok(ut_write(u->priv, 0, "/old", "secret"));
	assert_ok(ut_set_perms(u->priv, 0, "/old", "n0", "r9"));
	assert_string_equal(ut_value(g, 0, "/old"), "secret");
	assert_ok(ut_callv(u->priv, XS_RELEASE, 0, "9", NULL));
	assert_true(g->io.destroyed);
	g = ut_guest(u, 9);
	assert_err(ut_read(g, 0, "/old"), EACCES);
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(privileged_caller_gets_everything),
		cmocka_unit_test(owner_gets_read_write_owner_whatever_its_letter),
		cmocka_unit_test(target_of_owner_gets_owner_rights),
		cmocka_unit_test(domid_any_owner_gives_everyone_full_access),
		cmocka_unit_test(first_matching_later_entry_decides),
		cmocka_unit_test(domid_any_entry_matches_every_domain_in_order),
		cmocka_unit_test(entry_for_callers_target_applies),
		cmocka_unit_test(unlisted_domain_gets_the_owner_entrys_letter),
		cmocka_unit_test(stale_entry_is_ignored),
		cmocka_unit_test(empty_perm_list_grants_nothing_to_unprivileged),
		cmocka_unit_test(parse_accepts_every_access_letter),
		cmocka_unit_test(parse_accepts_hex_and_octal_ids_like_strtol_base_0),
		cmocka_unit_test(parse_rejects_malformed_entries),
		cmocka_unit_test(format_prints_letter_and_decimal_id_each_nul_terminated),
		cmocka_unit_test(format_prints_stale_entries_like_c),
		cmocka_unit_test(format_returns_zero_when_it_does_not_fit),
		cmocka_unit_test(initial_tree_is_owned_by_priv_with_no_access),
		cmocka_unit_test(set_perms_then_get_perms_round_trips),
		cmocka_unit_test(set_perms_with_malformed_entry_is_einval),
		cmocka_unit_test(info_hiding_gives_eacces_for_unreadable_parent),
		cmocka_unit_test(unreadable_node_is_eacces),
		cmocka_unit_test(write_needs_write_access_on_the_node),
		cmocka_unit_test(create_needs_write_access_on_nearest_existing_ancestor),
		cmocka_unit_test(rm_needs_write_access),
		cmocka_unit_test(write_only_ancestor_allows_create_and_rm_but_hides_reads),
		cmocka_unit_test(set_perms_needs_ownership),
		cmocka_unit_test(owner_may_change_acl_but_not_owner),
		cmocka_unit_test(privileged_may_give_a_node_to_another_domain),
		cmocka_unit_test(target_domain_acts_with_its_targets_rights),
		cmocka_unit_test(domid_any_entry_lets_every_domain_read),
		cmocka_unit_test(special_node_perms_need_read_access),
		cmocka_unit_test(get_perms_of_unknown_special_node_is_enoent_for_priv),
		cmocka_unit_test(acl_entry_of_released_domain_grants_nothing_to_its_successor),
	};
	return cmocka_run_group_tests_name("perms", tests, NULL, NULL);
}
