/* SPDX-License-Identifier: MIT */
/* Unit tests for sequence sets, including a brute-force model check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-seqset.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct pool *pool;

static int
setup(void **state)
{
	(void)state;
	pool = pool_create(4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pool_destroy(&pool);
	return 0;
}

/* Parses and renders back; "ERR" if refused. */
static const char *
roundtrip(const char *s, uint32_t star, unsigned flags)
{
	static char out[512];
	struct imap_seqset set;
	const char *error;
	struct buf b = BUF_INIT;

	if (imap_seqset_parse(pool, s, strlen(s), star, flags, 0, &set,
			      &error) < 0) {
		assert_non_null(error);
		assert_false(imap_seqset_is_valid(s, strlen(s), flags, 0) &&
			     star != 0);
		return "ERR";
	}
	assert_true(imap_seqset_is_valid(s, strlen(s), flags, 0));
	if (set.dollar)
		return "$";
	imap_seqset_append(&set, &b);
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void
test_parse(void **state)
{
	(void)state;
	assert_string_equal(roundtrip("1", 10, 0), "1");
	assert_string_equal(roundtrip("1:5,7,9:*", 15, 0), "1:5,7,9:15");
	/* RFC 3501 section 9 examples */
	assert_string_equal(roundtrip("2,4:7,9,12:*", 15, 0), "2,4:7,9,12:15");
	assert_string_equal(roundtrip("*:4,5:7", 10, 0), "4:10");
	assert_string_equal(roundtrip("4:2", 10, 0), "2:4");
	assert_string_equal(roundtrip("3291:*", 100, 0), "100:3291");
	assert_string_equal(roundtrip("*", 7, 0), "7");
	assert_string_equal(roundtrip("*:*", 7, 0), "7");
	/* overlapping and adjacent ranges coalesce */
	assert_string_equal(roundtrip("5,4,3,1:2,10:20,15:25,26", 99, 0),
			    "1:5,10:26");
	assert_string_equal(roundtrip("4294967295", 1, 0), "4294967295");
	assert_string_equal(roundtrip("1:4294967295", 1, 0), "1:4294967295");
	assert_string_equal(roundtrip("4294967295:4294967294,1", 1, 0),
			    "1,4294967294:4294967295");
	/* "$" only with SEARCHRES */
	assert_string_equal(roundtrip("$", 1, IMAP_SEQSET_FLAG_DOLLAR), "$");
	assert_string_equal(roundtrip("$", 1, 0), "ERR");
	assert_string_equal(roundtrip("$,1", 1, IMAP_SEQSET_FLAG_DOLLAR),
			    "ERR");
	assert_string_equal(roundtrip("1:$", 1, IMAP_SEQSET_FLAG_DOLLAR),
			    "ERR");
	/* "*" refused */
	assert_string_equal(roundtrip("1:*", 5, IMAP_SEQSET_FLAG_NO_STAR),
			    "ERR");
	assert_string_equal(roundtrip("1:5", 5, IMAP_SEQSET_FLAG_NO_STAR),
			    "1:5");
	assert_string_equal(roundtrip("*", 0, 0), "ERR");
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "0",
	    "0:5",
	    "5:0",
	    "1:",
	    ":1",
	    "a",
	    "1a",
	    "1,,2",
	    ",1",
	    "1,",
	    "1::2",
	    "1:2:3",
	    "01",
	    "1:02",
	    "-1",
	    "+1",
	    " 1",
	    "1 ",
	    "4294967296",
	    "99999999999999999999",
	    "1:4294967296",
	    "**",
	    "*1",
	    "1*",
	    "1.5",
	    "1;2",
	    "\xc3\xa9",
	    "%",
	};
	struct imap_seqset set;
	const char *error;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (imap_seqset_parse(pool, bad[i], strlen(bad[i]), 10,
				      IMAP_SEQSET_FLAG_DOLLAR, 0, &set,
				      &error) == 0)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_false(imap_seqset_is_valid(bad[i], strlen(bad[i]),
						  IMAP_SEQSET_FLAG_DOLLAR, 0));
	}
	/* a NUL inside the length */
	assert_int_equal(
	    imap_seqset_parse(pool, "1\0002", 3, 10, 0, 0, &set, &error), -1);
}

static void
test_range_limit(void **state)
{
	struct buf b = BUF_INIT;
	struct imap_seqset set;
	const char *error;

	(void)state;
	for (int i = 1; i <= 1000; i++)
		buf_printf(&b, "%s%d", i > 1 ? "," : "", i * 2);
	assert_int_equal(imap_seqset_parse(pool, (const char *)b.data, b.len, 1,
					   0, 1000, &set, &error),
			 0);
	assert_int_equal(set.count, 1000);
	assert_int_equal(imap_seqset_count(&set), 1000);
	assert_int_equal(imap_seqset_parse(pool, (const char *)b.data, b.len, 1,
					   0, 999, &set, &error),
			 -1);
	assert_string_equal(error, "Too many ranges in sequence set");
	assert_false(imap_seqset_is_valid((const char *)b.data, b.len, 0, 999));
	buf_free(&b);
}

static void
test_large_set_fast(void **state)
{
	/* 100000 single values in descending order: must be quick */
	struct buf b = BUF_INIT;
	struct imap_seqset set;
	const char *error;

	(void)state;
	for (int i = 100000; i >= 1; i--)
		buf_printf(&b, "%s%d", i < 100000 ? "," : "", i * 3);
	assert_int_equal(imap_seqset_parse(pool, (const char *)b.data, b.len, 1,
					   0, 0, &set, &error),
			 0);
	assert_int_equal(set.count, 100000);
	assert_int_equal(imap_seqset_min(&set), 3);
	assert_int_equal(imap_seqset_max(&set), 300000);
	assert_true(imap_seqset_contains(&set, 150000));
	assert_false(imap_seqset_contains(&set, 150001));
	buf_free(&b);
}

static void
test_iterate(void **state)
{
	struct imap_seqset set, empty;
	struct imap_seqset_iter it;
	const char *error;
	uint32_t n, expect[] = {1, 2, 3, 7, 4294967294, 4294967295};
	size_t i = 0;

	(void)state;
	assert_int_equal(imap_seqset_parse(pool, "7,1:3,4294967294:*", 18,
					   4294967295u, 0, 0, &set, &error),
			 0);
	imap_seqset_iter_init(&it, &set);
	while (imap_seqset_iter_next(&it, &n)) {
		assert_true(i < 6);
		assert_int_equal(n, expect[i++]);
	}
	assert_int_equal(i, 6);
	assert_int_equal(imap_seqset_count(&set), 6);
	imap_seqset_init_empty(&empty);
	imap_seqset_iter_init(&it, &empty);
	assert_false(imap_seqset_iter_next(&it, &n));
	assert_int_equal(imap_seqset_min(&empty), 0);
	assert_int_equal(imap_seqset_count(&empty), 0);
}

/* --- model check against bitmaps over a small universe ----------------- */

#define UNIVERSE 64

static uint32_t
lcg(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void
random_set(uint32_t *seed, struct imap_seqset *set, uint64_t *bits)
{
	struct imap_seq_range r[8];
	size_t n = lcg(seed) % 8;

	*bits = 0;
	for (size_t i = 0; i < n; i++) {
		r[i].lo = 1 + lcg(seed) % (UNIVERSE - 1);
		r[i].hi = 1 + lcg(seed) % (UNIVERSE - 1);
		for (uint32_t v = r[i].lo < r[i].hi ? r[i].lo : r[i].hi;
		     v <= (r[i].lo < r[i].hi ? r[i].hi : r[i].lo); v++)
			*bits |= 1ull << v;
	}
	imap_seqset_from_ranges(pool, r, n, set);
}

static void
check_set(const struct imap_seqset *set, uint64_t bits)
{
	uint64_t count = 0;

	for (size_t i = 0; i < set->count; i++) {
		assert_true(set->ranges[i].lo <= set->ranges[i].hi);
		/* normalised: sorted, with gaps between ranges */
		if (i > 0)
			assert_true(set->ranges[i - 1].hi + 1 <
				    set->ranges[i].lo);
	}
	for (uint32_t v = 0; v < UNIVERSE; v++) {
		bool in = (bits >> v) & 1;

		assert_int_equal(imap_seqset_contains(set, v), in);
		count += in;
	}
	assert_int_equal(imap_seqset_count(set), count);
}

static void
test_algebra_model(void **state)
{
	uint32_t seed = 42;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct imap_seqset a, b, u, x, d;
		uint64_t ab, bb;
		struct buf str = BUF_INIT;
		struct imap_seqset back;
		const char *error;

		random_set(&seed, &a, &ab);
		random_set(&seed, &b, &bb);
		check_set(&a, ab);
		check_set(&b, bb);
		imap_seqset_union(pool, &a, &b, &u);
		check_set(&u, ab | bb);
		imap_seqset_intersect(pool, &a, &b, &x);
		check_set(&x, ab & bb);
		imap_seqset_subtract(pool, &a, &b, &d);
		check_set(&d, ab & ~bb);
		/* the compact string parses back to the same set */
		imap_seqset_append(&a, &str);
		if (a.count > 0) {
			assert_int_equal(
			    imap_seqset_parse(pool, (const char *)str.data,
					      str.len, 1, 0, 0, &back, &error),
			    0);
			check_set(&back, ab);
		}
		buf_free(&str);
		if (round % 100 == 0)
			pool_clear(pool);
	}
}

static void
test_from_values(void **state)
{
	uint32_t v[] = {9, 3, 0, 4, 5, 9, 1, 4294967295u};
	struct imap_seqset set;
	struct buf b = BUF_INIT;

	(void)state;
	imap_seqset_from_values(pool, v, 8, &set);
	imap_seqset_append(&set, &b);
	assert_string_equal(buf_cstr(&b), "1,3:5,9,4294967295");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_range_limit),
	    cmocka_unit_test(test_large_set_fast),
	    cmocka_unit_test(test_iterate),
	    cmocka_unit_test(test_algebra_model),
	    cmocka_unit_test(test_from_values),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
