/* test_arglist.c - the argument lists a live update hands to the next
 * process in one environment variable (arglist.h). */
#include "unit.h"

#include "arglist.h"

static void encoded_lists_decode_back_with_any_byte(void **state)
{
	char *tricky[] = { "-T", "/a dir/with;colons:and 3:digits", "", "x\n|y" };
	char *one[] = { "-U" };
	struct arglist a = { 0 }, b = { 0 };
	char *enc = NULL;
	const char *s;

	(void)state;
	assert_ok(arglist_encode(&enc, tricky, 4));
	assert_ok(arglist_encode(&enc, one, 1));
	s = enc;
	assert_ok(arglist_decode(&s, &a));
	assert_ok(arglist_decode(&s, &b));
	assert_string_equal(s, "");
	assert_int_equal(a.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(a.v[i], tricky[i]);
	assert_null(a.v[4]);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0], "-U");
	arglist_free(&a);
	arglist_free(&b);
	free(enc);
}

static void empty_list_round_trips(void **state)
{
	struct arglist a = { 0 };
	char *enc = NULL;
	const char *s;

	(void)state;
	assert_ok(arglist_encode(&enc, NULL, 0));
	assert_string_equal(enc, "0;");
	s = enc;
	assert_ok(arglist_decode(&s, &a));
	assert_int_equal(a.n, 0);
	free(enc);
}

/* A variable set by someone else must not be taken for a list. */
static void malformed_strings_are_refused(void **state)
{
	static const char *const bad[] = { "", "x", "2;2:ab", "1;5:ab", "1;-1:", "1;2ab",
					   "99999999999999999999;" };
	struct arglist a = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *s = bad[i];

		assert_int_equal(arglist_decode(&s, &a), EINVAL);
		arglist_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encoded_lists_decode_back_with_any_byte),
		cmocka_unit_test(empty_list_round_trips),
		cmocka_unit_test(malformed_strings_are_refused),
	};
	return cmocka_run_group_tests_name("arglist", tests, NULL, NULL);
}
