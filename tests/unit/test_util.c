/*
 * test_util.c - the bounded buffer, the arena, the string set and the
 * path helpers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void
test_util_buf_bounded(void **state)
{
	struct mdg_buf b;

	(void)state;
	mdg_buf_init(&b, 8);
	assert_int_equal(mdg_buf_append(&b, "abcd", 4), MDG_OK);
	assert_int_equal(mdg_buf_append(&b, "efgh", 4), MDG_OK);
	assert_string_equal(b.data, "abcdefgh");
	/* One byte past the bound is refused and leaves the buffer as it was. */
	assert_int_equal(mdg_buf_putc(&b, 'i'), MDG_ELIMIT);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "abcdefgh");
	mdg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(mdg_buf_printf(&b, "%d-%s", 42, "x"), MDG_OK);
	assert_string_equal(b.data, "42-x");
	mdg_buf_free(&b);
}

static void
test_util_size_overflow(void **state)
{
	size_t out = 0;

	(void)state;
	assert_true(mdg_size_add(1, 2, &out));
	assert_int_equal(out, 3);
	assert_false(mdg_size_add(SIZE_MAX, 1, &out));
	assert_true(mdg_size_mul(0, SIZE_MAX, &out));
	assert_int_equal(out, 0);
	assert_false(mdg_size_mul(SIZE_MAX / 2 + 1, 2, &out));
}

static void
test_util_arena_alignment_and_large(void **state)
{
	struct mdg_arena a;
	size_t i;
	char *big;

	(void)state;
	mdg_arena_init(&a);
	for (i = 1; i < 1000; i++) {
		void *p = mdg_arena_alloc(&a, i % 37 + 1);
		assert_int_equal((uintptr_t)p % sizeof(max_align_t), 0);
		memset(p, 0xAB, i % 37 + 1);
	}
	big = mdg_arena_alloc(&a, 1 << 20);
	memset(big, 'x', 1 << 20);
	assert_string_equal(mdg_arena_strdup(&a, "hello"), "hello");
	assert_string_equal(mdg_arena_strndup(&a, "hello world", 5), "hello");
	mdg_arena_free(&a);
}

static void
test_util_strset_add_get_grow(void **state)
{
	struct mdg_strset s;
	char key[32];
	long v = 0;
	int i;

	(void)state;
	mdg_strset_init(&s);
	assert_false(mdg_strset_get(&s, "x", 1, &v));
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		assert_true(mdg_strset_add(&s, key, strlen(key), i + 1, NULL));
	}
	assert_int_equal(s.n, 10000);
	assert_false(mdg_strset_add(&s, "K77", 3, 5, &v));
	assert_int_equal(v, 78);
	assert_true(mdg_strset_get(&s, "K9999", 5, &v));
	assert_int_equal(v, 10000);
	assert_false(mdg_strset_get(&s, "K10000", 6, &v));
	/* Keys are compared by length and bytes, NULs and prefixes included. */
	assert_true(mdg_strset_add(&s, "a\0b", 3, 1, NULL));
	assert_true(mdg_strset_add(&s, "a", 1, 2, NULL));
	assert_true(mdg_strset_get(&s, "a\0b", 3, &v));
	assert_int_equal(v, 1);
	mdg_strset_free(&s);
}

static void
test_util_paths(void **state)
{
	char *p;

	(void)state;
	p = mdg_path_join("examples/acme", "../../domains");
	assert_string_equal(p, "examples/acme/../../domains");
	free(p);
	p = mdg_path_join("examples/acme/", "x.yaml");
	assert_string_equal(p, "examples/acme/x.yaml");
	free(p);
	p = mdg_path_join(".", "x.yaml");
	assert_string_equal(p, "x.yaml");
	free(p);
	p = mdg_path_join("dir", "/abs/x.yaml");
	assert_string_equal(p, "/abs/x.yaml");
	free(p);
	p = mdg_path_dir("a/b/c.yaml");
	assert_string_equal(p, "a/b");
	free(p);
	p = mdg_path_dir("c.yaml");
	assert_string_equal(p, ".");
	free(p);
	p = mdg_path_dir("/c.yaml");
	assert_string_equal(p, "/");
	free(p);
	assert_string_equal(mdg_path_base("a/b/DE01-items.csv"), "DE01-items.csv");
	assert_int_equal(mdg_strcasecmp_ascii("Default_Code", "default_code"), 0);
	assert_true(mdg_strcasecmp_ascii("abc", "abd") < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_buf_bounded),
		cmocka_unit_test(test_util_size_overflow),
		cmocka_unit_test(test_util_arena_alignment_and_large),
		cmocka_unit_test(test_util_strset_add_get_grow),
		cmocka_unit_test(test_util_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
