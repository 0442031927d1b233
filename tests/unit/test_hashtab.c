/*
 * test_hashtab.c - the intrusive hash table (src/hashtab.c): lookup,
 * removal, replacement and relinking of a moved element, the growth
 * policy its header states, and iteration.
 *
 * Built with -Wl,--wrap=calloc (Makefile): __wrap_calloc below fails the
 * allocations a test asks to fail, to show a failed doubling costs no
 * insertion.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hashtab.h"

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static bool calloc_fails; /* every calloc fails while set */

void *__wrap_calloc(size_t n, size_t size)
{
	return calloc_fails ? NULL : __real_calloc(n, size);
}

/* The link is not the first member: hashtab_entry must subtract. */
struct item {
	unsigned key;
	struct hashtab_link link;
	uint32_t hash;        /* chosen by the test, to force collisions */
	unsigned visits;
};

static unsigned rehash_calls;

static uint32_t item_hash(const struct hashtab_link *l)
{
	rehash_calls++;
	return hashtab_entry(l, struct item, link)->hash;
}

static bool item_has_key(const struct hashtab_link *l, const void *key)
{
	return hashtab_entry(l, struct item, link)->key == *(const unsigned *)key;
}

static struct item *find(const struct hashtab *t, uint32_t hash, unsigned key)
{
	struct hashtab_link *l = hashtab_find(t, hash, item_has_key, &key);

	return l ? hashtab_entry(l, struct item, link) : NULL;
}

static void init(struct hashtab *t, size_t nbuckets, size_t max_load)
{
	calloc_fails = false;
	rehash_calls = 0;
	assert_int_equal(hashtab_init(t, nbuckets, max_load, item_hash), 0);
}

static void inserted_elements_are_found_by_hash_and_key(void **state)
{
	struct item it[3] = { { .key = 1, .hash = 11 }, { .key = 2, .hash = 22 },
			      { .key = 3, .hash = 33 } };
	struct hashtab t;

	(void)state;
	init(&t, 8, 1);
	for (int i = 0; i < 3; i++)
		hashtab_insert(&t, &it[i].link, it[i].hash);
	assert_int_equal(t.count, 3);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(find(&t, it[i].hash, it[i].key), &it[i]);
	assert_null(find(&t, 11, 2));  /* right chain, other key */
	assert_null(find(&t, 44, 4));
	hashtab_destroy(&t, NULL);
}

static void equal_hashes_share_a_chain_newest_first(void **state)
{
	struct item a = { .key = 1, .hash = 5 }, b = { .key = 2, .hash = 5 },
		    twin = { .key = 1, .hash = 5 };
	struct hashtab t;

	(void)state;
	init(&t, 4, 4);
	hashtab_insert(&t, &a.link, 5);
	hashtab_insert(&t, &b.link, 5);
	assert_ptr_equal(find(&t, 5, 1), &a);
	assert_ptr_equal(find(&t, 5, 2), &b);
	assert_ptr_equal(hashtab_chain(&t, 5), &b.link);
	/* The table does not refuse duplicates: the head of the chain is found. */
	hashtab_insert(&t, &twin.link, 5);
	assert_ptr_equal(find(&t, 5, 1), &twin);
	hashtab_destroy(&t, NULL);
}

static void remove_unlinks_only_that_element(void **state)
{
	struct item a = { .key = 1, .hash = 7 }, b = { .key = 2, .hash = 7 },
		    c = { .key = 3, .hash = 7 }, stranger = { .key = 4, .hash = 7 };
	struct hashtab t;

	(void)state;
	init(&t, 4, 4);
	hashtab_insert(&t, &a.link, 7);
	hashtab_insert(&t, &b.link, 7);
	hashtab_insert(&t, &c.link, 7);
	assert_true(hashtab_remove(&t, &b.link, 7)); /* the middle of the chain */
	assert_int_equal(t.count, 2);
	assert_null(find(&t, 7, 2));
	assert_ptr_equal(find(&t, 7, 1), &a);
	assert_ptr_equal(find(&t, 7, 3), &c);
	assert_false(hashtab_remove(&t, &stranger.link, 7));
	assert_false(hashtab_remove(&t, &b.link, 7));
	assert_int_equal(t.count, 2);
	hashtab_destroy(&t, NULL);
}

static void replace_takes_the_place_of_the_old_element(void **state)
{
	struct item a = { .key = 1, .hash = 9 }, old = { .key = 2, .hash = 9 },
		    c = { .key = 3, .hash = 9 }, new = { .key = 2, .hash = 9 },
		    stranger = { .key = 4, .hash = 9 };
	struct hashtab t;

	(void)state;
	init(&t, 4, 4);
	hashtab_insert(&t, &a.link, 9);
	hashtab_insert(&t, &old.link, 9);
	hashtab_insert(&t, &c.link, 9);
	assert_true(hashtab_replace(&t, &old.link, &new.link, 9));
	assert_int_equal(t.count, 3);
	assert_ptr_equal(find(&t, 9, 2), &new);
	/* Same place: c, new, a. */
	assert_ptr_equal(hashtab_chain(&t, 9), &c.link);
	assert_ptr_equal(c.link.next, &new.link);
	assert_ptr_equal(new.link.next, &a.link);
	assert_false(hashtab_replace(&t, &stranger.link, &old.link, 9));
	assert_int_equal(t.count, 3);
	hashtab_destroy(&t, NULL);
}

static void slot_relinks_an_element_that_moved(void **state)
{
	struct item *it = malloc(sizeof(*it)), *moved;
	struct item after = { .key = 2, .hash = 3 }, stranger = { .key = 3, .hash = 3 };
	struct hashtab_link **slot;
	struct hashtab t;

	(void)state;
	assert_non_null(it);
	*it = (struct item){ .key = 1, .hash = 3 };
	init(&t, 4, 4);
	hashtab_insert(&t, &it->link, 3);
	hashtab_insert(&t, &after.link, 3);
	slot = hashtab_slot(&t, &it->link, 3);
	assert_ptr_equal(*slot, &it->link);
	moved = malloc(sizeof(*moved));
	assert_non_null(moved);
	*moved = *it; /* what realloc does */
	free(it);
	*slot = &moved->link;
	assert_ptr_equal(find(&t, 3, 1), moved);
	assert_ptr_equal(find(&t, 3, 2), &after);
	/* Not in the table: the end of the chain. */
	assert_null(*hashtab_slot(&t, &stranger.link, 3));
	assert_true(hashtab_remove(&t, &moved->link, 3));
	free(moved);
	hashtab_destroy(&t, NULL);
}

static void insertion_at_max_load_doubles_the_buckets(void **state)
{
	struct item it[17];
	struct hashtab t;

	(void)state;
	init(&t, 4, 2);
	for (unsigned i = 0; i < 8; i++) {
		it[i] = (struct item){ .key = i, .hash = i * 2654435761u };
		hashtab_insert(&t, &it[i].link, it[i].hash);
	}
	assert_int_equal(t.nbuckets, 4); /* 8 = 2 a bucket: not past it yet */
	assert_int_equal(rehash_calls, 0);
	it[8] = (struct item){ .key = 8, .hash = 8 * 2654435761u };
	hashtab_insert(&t, &it[8].link, it[8].hash);
	assert_int_equal(t.nbuckets, 8);
	assert_int_equal(rehash_calls, 8); /* the ones already there */
	for (unsigned i = 9; i < 17; i++) {
		it[i] = (struct item){ .key = i, .hash = i * 2654435761u };
		hashtab_insert(&t, &it[i].link, it[i].hash);
	}
	assert_int_equal(t.nbuckets, 16);
	assert_int_equal(t.count, 17);
	for (unsigned i = 0; i < 17; i++)
		assert_ptr_equal(find(&t, it[i].hash, i), &it[i]);
	hashtab_destroy(&t, NULL);
}

static void failed_doubling_still_inserts(void **state)
{
	struct item it[3];
	struct hashtab t;

	(void)state;
	init(&t, 1, 1);
	it[0] = (struct item){ .key = 0, .hash = 0 };
	hashtab_insert(&t, &it[0].link, 0);
	calloc_fails = true;
	for (unsigned i = 1; i < 3; i++) {
		it[i] = (struct item){ .key = i, .hash = i };
		hashtab_insert(&t, &it[i].link, i);
	}
	calloc_fails = false;
	assert_int_equal(t.nbuckets, 1);
	assert_int_equal(t.count, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_ptr_equal(find(&t, i, i), &it[i]);
	hashtab_destroy(&t, NULL);
}

static void init_without_memory_is_enomem(void **state)
{
	struct hashtab t;

	(void)state;
	calloc_fails = true;
	assert_int_equal(hashtab_init(&t, 4, 1, item_hash), ENOMEM);
	calloc_fails = false;
}

static void reserve_sizes_the_table_once(void **state)
{
	struct item it[128];
	struct hashtab t;

	(void)state;
	init(&t, 4, 2);
	hashtab_reserve(&t, 100);
	assert_int_equal(t.nbuckets, 64); /* the first power of two with 2 x >= 100 */
	hashtab_reserve(&t, 10);          /* never shrinks */
	assert_int_equal(t.nbuckets, 64);
	for (unsigned i = 0; i < 128; i++) {
		it[i] = (struct item){ .key = i, .hash = i };
		hashtab_insert(&t, &it[i].link, i);
	}
	assert_int_equal(t.nbuckets, 64);
	assert_int_equal(rehash_calls, 0);
	hashtab_reserve(&t, 129); /* rehashes what is there, once */
	assert_int_equal(t.nbuckets, 128);
	assert_int_equal(rehash_calls, 128);
	for (unsigned i = 0; i < 128; i++)
		assert_ptr_equal(find(&t, i, i), &it[i]);
	hashtab_destroy(&t, NULL);
}

struct removal {
	struct hashtab *t;
	unsigned visited;
};

/* Visits every element, removing the odd keys as it goes. */
static void visit_and_remove_odd(struct hashtab_link *l, void *ctx)
{
	struct removal *r = ctx;
	struct item *it = hashtab_entry(l, struct item, link);

	it->visits++;
	r->visited++;
	if (it->key % 2)
		assert_true(hashtab_remove(r->t, l, it->hash));
}

static void foreach_visits_each_element_once_and_may_remove_it(void **state)
{
	struct item it[40];
	struct hashtab t;
	struct removal r = { &t, 0 };

	(void)state;
	init(&t, 4, 4);
	for (unsigned i = 0; i < 40; i++) {
		it[i] = (struct item){ .key = i, .hash = i % 3 }; /* long chains */
		hashtab_insert(&t, &it[i].link, it[i].hash);
	}
	hashtab_foreach(&t, visit_and_remove_odd, &r);
	assert_int_equal(r.visited, 40);
	for (unsigned i = 0; i < 40; i++) {
		assert_int_equal(it[i].visits, 1);
		if (i % 2)
			assert_null(find(&t, it[i].hash, i));
		else
			assert_ptr_equal(find(&t, it[i].hash, i), &it[i]);
	}
	assert_int_equal(t.count, 20);
	hashtab_destroy(&t, NULL);
}

static unsigned freed;

static void free_item(struct hashtab_link *l)
{
	freed++;
	free(hashtab_entry(l, struct item, link));
}

static void destroy_frees_every_element(void **state)
{
	struct hashtab t;

	(void)state;
	init(&t, 2, 1);
	freed = 0;
	for (unsigned i = 0; i < 10; i++) {
		struct item *it = malloc(sizeof(*it));
		assert_non_null(it);
		*it = (struct item){ .key = i, .hash = i };
		hashtab_insert(&t, &it->link, i);
	}
	hashtab_destroy(&t, free_item);
	assert_int_equal(freed, 10);
	assert_int_equal(t.count, 0);
	assert_null(t.buckets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inserted_elements_are_found_by_hash_and_key),
		cmocka_unit_test(equal_hashes_share_a_chain_newest_first),
		cmocka_unit_test(remove_unlinks_only_that_element),
		cmocka_unit_test(replace_takes_the_place_of_the_old_element),
		cmocka_unit_test(slot_relinks_an_element_that_moved),
		cmocka_unit_test(insertion_at_max_load_doubles_the_buckets),
		cmocka_unit_test(failed_doubling_still_inserts),
		cmocka_unit_test(init_without_memory_is_enomem),
		cmocka_unit_test(reserve_sizes_the_table_once),
		cmocka_unit_test(foreach_visits_each_element_once_and_may_remove_it),
		cmocka_unit_test(destroy_frees_every_element),
	};
	return cmocka_run_group_tests_name("hashtab", tests, NULL, NULL);
}
