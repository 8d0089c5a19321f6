/* SPDX-License-Identifier: MIT */
/* Unit tests for the lib layer: buffers, pools, hashes, numbers, codecs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/cobs.h"
#include "lib/rand.h"
#include "lib/codec.h"
#include "lib/hash.h"
#include "lib/mailaddr.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "lib/strnum.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"
#include "lib/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
test_buf_limits(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_append_str(&b, "hello"), 0);
	assert_int_equal(buf_append_str(&b, "world"), 0);
	assert_int_equal(buf_append_c(&b, '!'), -1);
	assert_string_equal(buf_cstr(&b), "helloworld");
	buf_consume(&b, 5);
	assert_string_equal(buf_cstr(&b), "world");
	assert_int_equal(buf_printf(&b, "%d", 12345), 0);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	buf_free(&b);
}

static void
test_pool(void **state)
{
	struct pool *p = pool_create(512);
	char *big;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		char *s = pool_printf(p, "item %d", i);
		assert_string_equal(s, s); /* touch */
	}
	big = pool_alloc(p, 100000);
	memset(big, 'x', 100000);
	assert_string_equal(pool_strdup(p, "abc"), "abc");
	pool_clear(p);
	assert_int_equal(pool_used(p), 0);
	assert_string_equal(pool_strndup(p, "abcdef", 3), "abc");
	pool_destroy(&p);
	assert_null(p);
}

static void
test_hash(void **state)
{
	struct hash h;
	char keys[2000][16];
	struct hash_entry *e;
	size_t n = 0;

	(void)state;
	hash_init(&h, true);
	for (int i = 0; i < 2000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "Key%d", i);
		hash_put_str(&h, keys[i], keys[i]);
	}
	assert_ptr_equal(hash_get_str(&h, "KEY77"), keys[77]);
	for (int i = 0; i < 2000; i += 2)
		assert_non_null(hash_remove(&h, keys[i], strlen(keys[i])));
	assert_null(hash_get_str(&h, "key0"));
	assert_ptr_equal(hash_get_str(&h, "key1999"), keys[1999]);
	for (size_t it = 0; hash_next(&h, &it, &e);)
		n++;
	assert_int_equal(n, 1000);
	hash_free(&h);
}

static void
test_strnum(void **state)
{
	uint32_t u32;
	uint64_t u64;
	int64_t i64;
	bool b;

	(void)state;
	assert_int_equal(str_to_u32("4294967295", &u32), 0);
	assert_int_equal(u32, 4294967295u);
	assert_int_equal(str_to_u32("4294967296", &u32), -1);
	assert_int_equal(str_to_u32("", &u32), -1);
	assert_int_equal(str_to_u32("12a", &u32), -1);
	assert_int_equal(str_to_u32("-1", &u32), -1);
	assert_int_equal(str_to_u64("18446744073709551615", &u64), 0);
	assert_int_equal(str_to_u64("18446744073709551616", &u64), -1);
	assert_int_equal(str_to_i64("-9223372036854775808", &i64), 0);
	assert_true(i64 == INT64_MIN);
	assert_int_equal(str_to_bool("TRUE", &b), 0);
	assert_true(b);
	assert_int_equal(str_to_bool("maybe", &b), -1);
}

static void
test_base64(void **state)
{
	struct buf b = BUF_INIT, d = BUF_INIT;
	const char *cases[] = { "", "f", "fo", "foo", "foob", "fooba",
				"foobar" };
	const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
			      "Zm9vYmE=", "Zm9vYmFy" };

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		buf_clear(&b);
		buf_clear(&d);
		base64_encode(cases[i], strlen(cases[i]), &b);
		assert_string_equal(buf_cstr(&b), enc[i]);
		assert_int_equal(base64_decode(b.data, b.len, &d), 0);
		assert_int_equal(d.len, strlen(cases[i]));
		assert_memory_equal(d.data, cases[i], d.len);
	}
	assert_int_equal(base64_decode("Zg=a", 4, &d), -1);
	assert_int_equal(base64_decode("Zg", 2, &d), -1);
	assert_int_equal(base64_decode("Z!==", 4, &d), -1);
	buf_free(&b);
	buf_free(&d);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid("h\xc3\xa9llo", 6));
	assert_false(utf8_valid("\xc0\xaf", 2));	   /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));	   /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(utf8_valid("\xe2\x82", 2));	   /* truncated */
}

static void
test_vec_and_str(void **state)
{
	VEC(int) v = VEC_INIT;
	char s[] = "  a,b ,c  ";
	char *parts[4];

	(void)state;
	for (int i = 0; i < 100; i++)
		vec_push(&v, i);
	vec_delete(&v, 0);
	assert_int_equal(v.n, 99);
	assert_int_equal(v.v[0], 1);
	*vec_push_new(&v) = 7;
	assert_int_equal(v.n, 100);
	assert_int_equal(vec_last(&v), 7);
	vec_free(&v);
	assert_int_equal(str_split(str_trim(s), ',', parts, 4), 3);
	assert_string_equal(parts[1], "b ");
	assert_true(str_eq_icase("INBOX", "inbox"));
	assert_non_null(mem_find_icase("Hello World", 11, "WORLD", 5));
	assert_null(mem_find_icase("Hello", 5, "hellos", 6));
}

static void
test_mailaddr(void **state)
{
	char long_local[MAILADDR_LOCAL_MAX + 2];
	char long_label[MAILADDR_LABEL_MAX + 2];
	char long_domain[MAILADDR_DOMAIN_MAX + 2];

	(void)state;
	assert_true(mailaddr_local_valid("joe", 3));
	assert_true(mailaddr_local_valid("j.o+e!#$%&'*-/=?^_`{|}~", 23));
	assert_false(mailaddr_local_valid("", 0));
	assert_false(mailaddr_local_valid(".joe", 4));
	assert_false(mailaddr_local_valid("joe.", 4));
	assert_false(mailaddr_local_valid("j..oe", 5));
	assert_false(mailaddr_local_valid("jo e", 4));
	assert_false(mailaddr_local_valid("jo\"e", 4));
	assert_false(mailaddr_local_valid("j\xc3\xa9", 3));
	memset(long_local, 'a', sizeof(long_local));
	assert_true(mailaddr_local_valid(long_local, MAILADDR_LOCAL_MAX));
	assert_false(mailaddr_local_valid(long_local, MAILADDR_LOCAL_MAX + 1));

	assert_true(mailaddr_domain_valid("example.com", 11));
	assert_true(mailaddr_domain_valid("a-b.c0", 6));
	assert_true(mailaddr_domain_valid("localhost", 9));
	assert_false(mailaddr_domain_valid("", 0));
	assert_false(mailaddr_domain_valid("-a.com", 6));
	assert_false(mailaddr_domain_valid("a-.com", 6));
	assert_false(mailaddr_domain_valid("a..com", 6));
	assert_false(mailaddr_domain_valid("a.com.", 6));
	assert_false(mailaddr_domain_valid(".a.com", 6));
	assert_false(mailaddr_domain_valid("a_b.com", 7));
	assert_false(mailaddr_domain_valid("[1.2.3.4]", 9));
	memset(long_label, 'b', sizeof(long_label));
	assert_true(mailaddr_domain_valid(long_label, MAILADDR_LABEL_MAX));
	assert_false(mailaddr_domain_valid(long_label, MAILADDR_LABEL_MAX + 1));
	memset(long_domain, 'c', sizeof(long_domain));
	for (size_t i = 50; i < sizeof(long_domain); i += 50)
		long_domain[i] = '.';
	assert_true(mailaddr_domain_valid(long_domain, MAILADDR_DOMAIN_MAX));
	assert_false(mailaddr_domain_valid(long_domain,
					   MAILADDR_DOMAIN_MAX + 1));

	assert_true(mailaddr_valid("joe@example.com", 15));
	assert_false(mailaddr_valid("joe", 3));
	assert_false(mailaddr_valid("@example.com", 12));
	assert_false(mailaddr_valid("joe@", 4));
	assert_false(mailaddr_valid("a@b@c", 5));
}

static void
test_cobs(void **state)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	uint8_t data[1200];

	(void)state;
	for (size_t len = 0; len < sizeof(data); len += 37) {
		for (int round = 0; round < 4; round++) {
			rand_bytes(data, len);
			if (round == 1)
				memset(data, 0, len);
			if (round == 2)
				memset(data, 0xaa, len);
			buf_clear(&enc);
			buf_clear(&dec);
			assert_int_equal(cobs_encode(data, len, &enc), 0);
			assert_null(memchr(enc.data, 0, enc.len));
			assert_true(enc.len <= COBS_MAX_ENCODED(len));
			assert_int_equal(cobs_decode(enc.data, enc.len, &dec),
					 0);
			assert_int_equal(dec.len, len);
			if (len > 0)
				assert_memory_equal(dec.data, data, len);
		}
	}
	/* a code that runs past the end, or an embedded zero, is invalid */
	assert_int_equal(cobs_decode("\x05" "ab", 3, &dec), -1);
	assert_int_equal(cobs_decode("\x03" "a\0", 3, &dec), -1);
	buf_free(&enc);
	buf_free(&dec);
}

static void
test_vec_push_new(void **state)
{
	struct pair {
		int a, b;
	};
	VEC(struct pair) v = VEC_INIT;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		struct pair *p = vec_push_new(&v);

		assert_int_equal(p->a, 0);
		assert_int_equal(p->b, 0);
		p->a = i;
	}
	assert_int_equal(v.n, 1000);
	assert_int_equal(vec_last(&v).a, 999);
	vec_reserve(&v, 5000);
	assert_true(v.cap >= 6000);
	assert_int_equal(v.v[500].a, 500);
	vec_free(&v);
}

static void
test_time_local_offset(void **state)
{
	(void)state;
	/* POSIX TZ rules need no time zone database */
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(time_local_offset(1174777200), 0);
	/* EET/EEST: 2007-03-24 23:00 UTC is winter time, 2007-03-25 02:00
	   UTC summer time; 2007-10-28 00:00 UTC still summer time */
	setenv("TZ", "EET-2EEST,M3.5.0/3,M10.5.0/4", 1);
	tzset();
	assert_int_equal(time_local_offset(1174777200), 120);
	assert_int_equal(time_local_offset(1174788000), 180);
	assert_int_equal(time_local_offset(1193529600), 180);
	assert_int_equal(time_local_offset(1193540400), 120);
	setenv("TZ", "NST+3:30", 1); /* half-hour zone west of UTC */
	tzset();
	assert_int_equal(time_local_offset(0), -210);
	unsetenv("TZ");
	tzset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_limits),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_strnum),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_vec_and_str),
		cmocka_unit_test(test_mailaddr),
		cmocka_unit_test(test_cobs),
		cmocka_unit_test(test_vec_push_new),
		cmocka_unit_test(test_time_local_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
