/* test_path.c - path syntax, resolution and helpers (PROTOCOL.md §2.1). */
#include "unit.h"

static int resolve(const char *in, unsigned domid, bool special, char *out, bool *rel)
{
	return path_resolve(in, domid, special, out, rel);
}

static void absolute_path_is_kept_as_is(void **state)
{
	char out[XS_PATH_BUF];
	bool rel = true;

	(void)state;
	assert_ok(resolve("/local/domain/3/device", 3, false, out, &rel));
	assert_string_equal(out, "/local/domain/3/device");
	assert_false(rel);
}

static void relative_path_resolves_under_the_callers_home(void **state)
{
	char out[XS_PATH_BUF];
	bool rel = false;

	(void)state;
	assert_ok(resolve("device/vif/0", 7, false, out, &rel));
	assert_string_equal(out, "/local/domain/7/device/vif/0");
	assert_true(rel);
	/* Socket clients act as domain 0 and resolve under its home. */
	assert_ok(resolve("name", 0, false, out, &rel));
	assert_string_equal(out, "/local/domain/0/name");
	assert_true(rel);
}

static void root_is_a_valid_path(void **state)
{
	char out[XS_PATH_BUF];
	bool rel;

	(void)state;
	assert_ok(resolve("/", 0, false, out, &rel));
	assert_string_equal(out, "/");
	assert_false(rel);
}

static void all_allowed_characters_are_accepted(void **state)
{
	char out[XS_PATH_BUF];
	bool rel;

	(void)state;
	assert_ok(resolve("/AZaz09-_@/x", 0, false, out, &rel));
	assert_ok(resolve("/a/b-c_d/E@F", 0, false, out, &rel));
}

static void invalid_characters_are_einval(void **state)
{
	static const char *const bad[] = {
		"/a b", "/a.b", "/a:b", "/a\\b", "/a\tb", "/a*", "/a+b", "/a%b",
		"/caf\xc3\xa9", "/a~", "/a,b", "/a=b",
	};
	char out[XS_PATH_BUF];
	bool rel;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (resolve(bad[i], 0, false, out, &rel) != EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
}

static void empty_path_is_einval(void **state)
{
	char out[XS_PATH_BUF];
	bool rel;

	(void)state;
	assert_err(resolve("", 0, false, out, &rel), EINVAL);
	assert_err(resolve("", 0, true, out, &rel), EINVAL);
}

static void double_slash_is_einval(void **state)
{
	char out[XS_PATH_BUF];
	bool rel;

	(void)state;
	assert_err(resolve("//", 0, false, out, &rel), EINVAL);
	assert_err(resolve("/a//b", 0, false, out, &rel), EINVAL);
	assert_err(resolve("a//b", 0, false, out, &rel), EINVAL);
}

static void trailing_slash_is_einval(void **state)
{
	char out[XS_PATH_BUF];
	bool rel;

	(void)state;
	assert_err(resolve("/a/", 0, false, out, &rel), EINVAL);
	assert_err(resolve("a/", 4, false, out, &rel), EINVAL);
	/* XSA-481: must be rejected, not crash. */
	assert_err(resolve("/local/domain/", 0, false, out, &rel), EINVAL);
}

static void special_path_accepted_only_when_allowed(void **state)
{
	char out[XS_PATH_BUF];
	bool rel = true;

	(void)state;
	assert_err(resolve("@releaseDomain", 0, false, out, &rel), EINVAL);
	assert_ok(resolve("@releaseDomain", 0, true, out, &rel));
	assert_string_equal(out, "@releaseDomain");
	assert_false(rel);
	assert_ok(resolve("@releaseDomain/5", 0, true, out, &rel));
	assert_string_equal(out, "@releaseDomain/5");
}

static void overlong_path_is_einval_without_overflow(void **state)
{
	char out[XS_PATH_BUF];
	char *in = malloc(XS_PATH_BUF + 100);
	bool rel;

	(void)state;
	assert_non_null(in);
	memset(in, 'a', XS_PATH_BUF + 99);
	in[0] = '/';
	in[XS_PATH_BUF + 99] = '\0';
	assert_err(resolve(in, 0, false, out, &rel), EINVAL);
	/* The longest string a 4096-byte payload can carry resolves. */
	in[XS_PAYLOAD_MAX - 1] = '\0';
	in[0] = 'a';
	assert_ok(resolve(in, 65535, false, out, &rel));
	assert_int_equal(strlen(out), strlen("/local/domain/65535/") + XS_PAYLOAD_MAX - 1);
	free(in);
}

static void home_is_local_domain_domid(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(path_home(0, out, sizeof(out)), 15);
	assert_string_equal(out, "/local/domain/0");
	assert_int_equal(path_home(65535, out, sizeof(out)), 19);
	assert_string_equal(out, "/local/domain/65535");
}

static void quota_length_counts_only_below_a_domain_home(void **state)
{
	(void)state;
	assert_int_equal(path_quota_length("/local/domain/5/abc"), 3);
	assert_int_equal(path_quota_length("/local/domain/123/a/b"), 3);
	/* Not below a home: the whole path counts. */
	assert_int_equal(path_quota_length("/local/domain/5"), strlen("/local/domain/5"));
	assert_int_equal(path_quota_length("/tool/xenstored"), strlen("/tool/xenstored"));
	assert_int_equal(path_quota_length("/local/domain/x/abc"),
			 strlen("/local/domain/x/abc"));
	assert_int_equal(path_quota_length("/vm/5/abc"), strlen("/vm/5/abc"));
	/* The id is what C's sscanf("%5u/") takes: five characters at most,
	 * a sign allowed. */
	assert_int_equal(path_quota_length("/local/domain/12345/abc"), 3);
	assert_int_equal(path_quota_length("/local/domain/000007/abc"),
			 strlen("/local/domain/000007/abc"));
	assert_int_equal(path_quota_length("/local/domain/-7/abc"), 3);
	assert_int_equal(path_quota_length("/local/domain/-/abc"),
			 strlen("/local/domain/-/abc"));
}

static void parent_len_of_nested_top_level_and_root(void **state)
{
	(void)state;
	assert_int_equal(path_parent_len("/a/b/c", 6), 4);
	assert_int_equal(path_parent_len("/a/b", 4), 2);
	assert_int_equal(path_parent_len("/a", 2), 1);
	assert_int_equal(path_parent_len("/", 1), 0);
	/* Only a prefix of the buffer counts. */
	assert_int_equal(path_parent_len("/a/b/c", 4), 2);
	assert_int_equal(path_parent_len("@introduceDomain", 16), 0);
	assert_int_equal(path_parent_len("@releaseDomain/5", 16), 14);
}

static void is_under_matches_whole_components_only(void **state)
{
	(void)state;
	assert_true(path_is_under("/a", "/a", 2));
	assert_true(path_is_under("/a/b", "/a", 2));
	assert_true(path_is_under("/a/b/c", "/a/b", 4));
	assert_false(path_is_under("/ab", "/a", 2));
	assert_false(path_is_under("/a", "/a/b", 4));
	assert_false(path_is_under("/b/a", "/a", 2));
}

static void root_covers_every_absolute_path_but_no_special(void **state)
{
	(void)state;
	assert_true(path_is_under("/", "/", 1));
	assert_true(path_is_under("/a", "/", 1));
	assert_true(path_is_under("/a/b/c", "/", 1));
	assert_false(path_is_under("@releaseDomain", "/", 1));
}

static void depth_below_counts_components(void **state)
{
	(void)state;
	assert_int_equal(path_depth_below("/a", 2, "/a"), 0);
	assert_int_equal(path_depth_below("/a", 2, "/a/b"), 1);
	assert_int_equal(path_depth_below("/a", 2, "/a/b/c"), 2);
	assert_int_equal(path_depth_below("/", 1, "/a"), 1);
	assert_int_equal(path_depth_below("/", 1, "/a/b"), 2);
	assert_int_equal(path_depth_below("@releaseDomain", 14, "@releaseDomain/7"), 1);
}

/* End to end: the path rules as a client meets them. */

static void invalid_path_in_a_request_is_einval(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_write(u->priv, 0, "/a//b", "x"), EINVAL);
	assert_err(ut_read(u->priv, 0, "/a/"), EINVAL);
	assert_err(ut_mkdir(u->priv, 0, "/a b"), EINVAL);
	assert_err(ut_rm(u->priv, 0, ""), EINVAL);
	assert_err(ut_directory(u->priv, 0, "/local/domain/"), EINVAL);
	assert_null(store_lookup(&u->d.model.store, "/a", 2));
	ut_free(u);
}

static void special_path_is_einval_outside_watch_and_perms(void **state)
{
	struct ut *u = ut_new();

	(void)state;
	assert_err(ut_read(u->priv, 0, "@releaseDomain"), EINVAL);
	assert_err(ut_write(u->priv, 0, "@releaseDomain", "x"), EINVAL);
	assert_err(ut_mkdir(u->priv, 0, "@foo"), EINVAL);
	assert_err(ut_rm(u->priv, 0, "@introduceDomain"), EINVAL);
	assert_err(ut_directory(u->priv, 0, "@releaseDomain"), EINVAL);
	assert_ok(ut_get_perms(u->priv, 0, "@releaseDomain"));
	assert_ok(ut_set_perms(u->priv, 0, "@releaseDomain", "n0", "r3"));
	ut_watch(u->priv, "@introduceDomain", "t");
	assert_ok(ut_unwatch(u->priv, "@introduceDomain", "t"));
	ut_free(u);
}

static void relative_request_path_is_under_the_home(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 4);

	(void)state;
	ut_make_home(u, 4);
	assert_ok(ut_write(g, 0, "data/x", "1"));
	assert_string_equal(ut_value(u->priv, 0, "/local/domain/4/data/x"), "1");
	/* The socket client's relative paths live under /local/domain/0. */
	assert_ok(ut_write(u->priv, 0, "name", "Domain-0"));
	assert_string_equal(ut_value(u->priv, 0, "/local/domain/0/name"), "Domain-0");
	ut_free(u);
}

/* Quota path-max: the part below the home, unprivileged callers only.
 * Our semantic (quota.h): the limit is the largest length allowed. */
static void unprivileged_path_longer_than_path_max_is_einval(void **state)
{
	struct ut *u = ut_new();
	struct ut_peer *g = ut_guest(u, 4);
	char rel[2100];

	(void)state;
	ut_make_home(u, 4);
	u->d.model.quotas.hard[QUOTA_PATH_MAX] = 2048;
	/* A 2048-byte name is also a 2048-byte entry in its parent's child
	 * list; lift node-size so only path-max is under test. */
	u->d.model.quotas.hard[QUOTA_NODE_SIZE] = 0;
	memset(rel, 'a', sizeof(rel));
	rel[2048] = '\0';
	assert_ok(ut_write(g, 0, rel, "x"));
	rel[2048] = 'a';
	rel[2049] = '\0';
	assert_err(ut_write(g, 0, rel, "x"), EINVAL);
	assert_err(ut_read(g, 0, rel), EINVAL);
	ut_free(u);
}

/* Both Xen daemons refuse more than 2048 characters after the home
 * prefix from everyone; 4,000-byte paths from dom0 were accepted. */
static void privileged_path_is_limited_like_every_other(void **state)
{
	struct ut *u = ut_new();
	char path[3100];

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[XS_REL_PATH_MAX] = '\0';
	assert_ok(ut_write(u->priv, 0, path, "x"));
	assert_string_equal(ut_value(u->priv, 0, path), "x");
	path[XS_REL_PATH_MAX] = 'a';
	path[XS_REL_PATH_MAX + 1] = '\0';
	assert_err(ut_write(u->priv, 0, path, "x"), EINVAL);
	assert_err(ut_read(u->priv, 0, path), EINVAL);
	assert_err(ut_callv(u->priv, XS_WATCH, 0, path, "t", NULL), EINVAL);
	path[XS_REL_PATH_MAX + 1] = 'a';
	path[3000] = '\0';
	assert_err(ut_write(u->priv, 0, path, "x"), EINVAL);
	/* Below a home only the part after it counts. */
	memset(path, 'a', sizeof(path));
	memcpy(path, "/local/domain/7/", 16);
	path[16 + XS_REL_PATH_MAX] = '\0';
	assert_ok(ut_write(u->priv, 0, path, "x"));
	path[16 + XS_REL_PATH_MAX] = 'a';
	path[17 + XS_REL_PATH_MAX] = '\0';
	assert_err(ut_write(u->priv, 0, path, "x"), EINVAL);
	ut_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(absolute_path_is_kept_as_is),
		cmocka_unit_test(relative_path_resolves_under_the_callers_home),
		cmocka_unit_test(root_is_a_valid_path),
		cmocka_unit_test(all_allowed_characters_are_accepted),
		cmocka_unit_test(invalid_characters_are_einval),
		cmocka_unit_test(empty_path_is_einval),
		cmocka_unit_test(double_slash_is_einval),
		cmocka_unit_test(trailing_slash_is_einval),
		cmocka_unit_test(special_path_accepted_only_when_allowed),
		cmocka_unit_test(overlong_path_is_einval_without_overflow),
		cmocka_unit_test(home_is_local_domain_domid),
		cmocka_unit_test(quota_length_counts_only_below_a_domain_home),
		cmocka_unit_test(parent_len_of_nested_top_level_and_root),
		cmocka_unit_test(is_under_matches_whole_components_only),
		cmocka_unit_test(root_covers_every_absolute_path_but_no_special),
		cmocka_unit_test(depth_below_counts_components),
		cmocka_unit_test(invalid_path_in_a_request_is_einval),
		cmocka_unit_test(special_path_is_einval_outside_watch_and_perms),
		cmocka_unit_test(relative_request_path_is_under_the_home),
		cmocka_unit_test(unprivileged_path_longer_than_path_max_is_einval),
		cmocka_unit_test(privileged_path_is_limited_like_every_other),
	};
	return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
