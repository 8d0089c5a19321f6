/* SPDX-License-Identifier: MIT */
/* Unit tests for modified UTF-7 (RFC 3501 section 5.1.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/utf8.h"
#include "proto/imap/imap-utf7.h"

#include <stdint.h>
#include <string.h>

static void
check_pair(const char *utf8, const char *utf7)
{
	struct buf b = BUF_INIT;

	assert_int_equal(imap_utf8_to_utf7(utf8, strlen(utf8), &b), 0);
	assert_string_equal(buf_cstr(&b), utf7);
	buf_clear(&b);
	assert_int_equal(imap_utf7_to_utf8(utf7, strlen(utf7), &b), 0);
	assert_string_equal(buf_cstr(&b), utf8);
	assert_true(imap_utf7_is_valid(utf7, strlen(utf7)));
	buf_free(&b);
}

static void
test_examples(void **state)
{
	(void)state;
	check_pair("", "");
	check_pair("INBOX", "INBOX");
	check_pair("a&b", "a&-b");
	check_pair("&", "&-");
	check_pair("&&", "&-&-");
	/* RFC 3501 section 5.1.3 example: English, Chinese, Japanese */
	check_pair("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
		   "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		   "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	check_pair("\xe5\x8f\xb0\xe5\x8c\x97\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa"
		   "\x9e",
		   "&U,BTF2XlZyyKng-");
	check_pair("\xe2\x98\xba!", "&Jjo-!");
	check_pair("Entw\xc3\xbcrfe", "Entw&APw-rfe");
	check_pair("\xc3\xa9&\xc3\xa9", "&AOk-&-&AOk-");
	/* a character outside the BMP: a surrogate pair */
	check_pair("\xf0\x9f\x93\xa7 Mail", "&2D3c5w- Mail");
	/* control characters are encoded too */
	check_pair("a\tb\x7f", "a&AAk-b&AH8-");
	/* one, two and three UTF-16 units: 3, 6 and 8 base64 digits */
	check_pair("\xc3\xa9", "&AOk-");
	check_pair("\xc3\xa9\xc3\xa9", "&AOkA6Q-");
	check_pair("\xc3\xa9\xc3\xa9\xc3\xa9", "&AOkA6QDp-");
}

static void
test_invalid_utf7(void **state)
{
	static const char *const bad[] = {
	    "&Jjo!",		  /* no shift back before "!" */
	    "&U,BTFw-&ZeVnLIqe-", /* superfluous shift */
	    "&",		  /* unterminated */
	    "&AOk",		  /* unterminated */
	    "a&",		  /* unterminated */
	    "&AGE-",		  /* "a" must represent itself */
	    "&ACY-",		  /* "&" has its own form */
	    "&ACA-",		  /* " " too */
	    "&AOl-",		  /* non-zero padding bits */
	    "&AOkA-",		  /* superfluous base64 digit */
	    "&AOkA6QD-",	  /* superfluous base64 digit */
	    "&2D0-",		  /* lone high surrogate */
	    "&3ec-",		  /* lone low surrogate */
	    "&2D3YPQ-",		  /* high followed by high */
	    "&AAA-",		  /* U+0000 */
	    "&AO/-",		  /* "/" is not modified base64 */
	    "&AO=-",		  /* no padding */
	    "caf\xc3\xa9",	  /* 8-bit bytes */
	    "a\tb",		  /* controls must be encoded */
	    "a\x7f",
	    "&-&AOk", /* unterminated after a valid "&-" */
	};
	struct buf b = BUF_INIT;

	(void)state;
	buf_append_str(&b, "keep");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (imap_utf7_is_valid(bad[i], strlen(bad[i])))
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(imap_utf7_to_utf8(bad[i], strlen(bad[i]), &b),
				 -1);
		/* nothing appended on error */
		assert_string_equal(buf_cstr(&b), "keep");
	}
	/* "&-" followed by a real shift is fine (no "-&" null shift) */
	assert_true(imap_utf7_is_valid("&AOk-&-", 7));
	buf_free(&b);
}

static void
test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
	    "\xc3",		/* truncated */
	    "\xc0\xaf",		/* overlong */
	    "\xed\xa0\x80",	/* surrogate */
	    "\xf4\x90\x80\x80", /* > U+10FFFF */
	    "\xff",
	};
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(imap_utf8_to_utf7(bad[i], strlen(bad[i]), &b),
				 -1);
		assert_int_equal(b.len, 0);
	}
	assert_int_equal(imap_utf8_to_utf7("a\0b", 3, &b), -1);
	assert_int_equal(imap_utf8_to_utf7("\x01", 1, &b), 0);
	assert_string_equal(buf_cstr(&b), "&AAE-");
	buf_free(&b);
}

static void
test_plain(void **state)
{
	(void)state;
	assert_true(imap_utf7_is_plain("INBOX/Sent Items", 16));
	assert_false(imap_utf7_is_plain("a&b", 3));
	assert_false(imap_utf7_is_plain("caf\xc3\xa9", 5));
}

static void
test_buffer_full(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(imap_utf8_to_utf7("\xc3\xa9", 2, &b), -1);
	assert_int_equal(b.len, 0);
	assert_int_equal(imap_utf7_to_utf8("abcdef", 6, &b), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static uint32_t
lcg(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* Every valid UTF-8 string round-trips, and every accepted mUTF-7 string
   is the canonical encoding of its decoding. */
static void
test_roundtrip_random(void **state)
{
	static const uint32_t pool_cp[] = {
	    'a',    'Z',    '&',    '-',     ' ',     '~',	'/',
	    '\t',   0x7f,   0xe9,   0x7ff,   0x800,   0x4e2d,	0xd7ff,
	    0xe000, 0xfffd, 0xffff, 0x10000, 0x1f4e7, 0x10ffff,
	};
	uint32_t seed = 7;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct buf u8 = BUF_INIT, u7 = BUF_INIT, back = BUF_INIT;
		size_t n = lcg(&seed) % 12;

		for (size_t i = 0; i < n; i++) {
			uint8_t tmp[4];
			size_t k = utf8_encode(
			    pool_cp[lcg(&seed) %
				    (sizeof(pool_cp) / sizeof(pool_cp[0]))],
			    tmp);

			buf_append(&u8, tmp, k);
		}
		assert_int_equal(
		    imap_utf8_to_utf7((const char *)u8.data, u8.len, &u7), 0);
		assert_true(imap_utf7_is_valid((const char *)u7.data, u7.len));
		assert_int_equal(
		    imap_utf7_to_utf8((const char *)u7.data, u7.len, &back), 0);
		assert_int_equal(back.len, u8.len);
		if (u8.len > 0)
			assert_memory_equal(back.data, u8.data, u8.len);
		buf_free(&u8);
		buf_free(&u7);
		buf_free(&back);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples),
	    cmocka_unit_test(test_invalid_utf7),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_buffer_full),
	    cmocka_unit_test(test_roundtrip_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
