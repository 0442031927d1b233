/*
 * test_snoop_conns.c - xenstore-snoop's table of connections
 * (tools/snoop/snoop_conns.c): every connection added is found until it
 * is forgotten, across the table's growth and deletions in the middle of
 * probe chains.
 */
#include <stdlib.h>

#include "snoop_conns.h"
#include "snoop_streams.h"

static void connections_are_found_until_forgotten(void **state)
{
	const unsigned n = 2000;	/* several doublings of the table */

	(void)state;
	for (unsigned id = 1; id <= n; id++) {
		struct conn_info *c = conn_get(id, id % 7, 0);

		assert_non_null(c);
		assert_int_equal(c->id, id);
	}
	for (unsigned id = 1; id <= n; id += 2)
		conn_forget(id);
	for (unsigned id = 1; id <= n; id++) {
		struct conn_info *c = conn_find(id);

		if (id % 2) {
			assert_null(c);
		} else {
			assert_non_null(c);
			assert_int_equal(c->domid, id % 7);
		}
	}
	assert_null(conn_find(n + 1));
}

static void known_connection_keeps_what_was_learnt(void **state)
{
	struct conn_info *c;

	(void)state;
	c = conn_get(5, 0, 0);
	snprintf(c->comm, sizeof(c->comm), "xl");
	assert_ptr_equal(conn_get(5, 3, 0), c);
	assert_string_equal(comm_of(5), "xl");
	assert_null(comm_of(6));
	conn_forget(5);
	assert_null(comm_of(5));
}

static void guest_connection_has_no_command_name(void **state)
{
	(void)state;
	assert_non_null(conn_get(9, 6, 0));
	assert_null(comm_of(9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(connections_are_found_until_forgotten, fresh_run),
		cmocka_unit_test_setup(known_connection_keeps_what_was_learnt, fresh_run),
		cmocka_unit_test_setup(guest_connection_has_no_command_name, fresh_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
