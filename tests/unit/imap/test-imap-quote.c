/* SPDX-License-Identifier: MIT */
/* Unit tests for the string writers, checked against the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-arg.h"
#include "proto/imap/imap-quote.h"

#include <stdint.h>
#include <string.h>

static const char *
astring(const char *s, unsigned flags)
{
	static struct buf b;

	buf_free(&b);
	assert_int_equal(imap_append_astring(&b, s, strlen(s), flags), 0);
	return buf_cstr(&b);
}

static const char *
string(const void *s, size_t len)
{
	static struct buf b;

	buf_free(&b);
	assert_int_equal(imap_append_string(&b, s, len, 0), 0);
	return buf_cstr(&b);
}

static void
test_choice(void **state)
{
	(void)state;
	assert_string_equal(astring("INBOX", 0), "INBOX");
	assert_string_equal(astring("a]b", 0), "a]b");
	assert_string_equal(astring("", 0), "\"\"");
	assert_string_equal(astring("NIL", 0), "\"NIL\"");
	assert_string_equal(astring("nil", 0), "\"nil\"");
	assert_string_equal(astring("Sent Items", 0), "\"Sent Items\"");
	assert_string_equal(astring("a*", 0), "\"a*\"");
	assert_string_equal(astring("a%", 0), "\"a%\"");
	assert_string_equal(astring("(x)", 0), "\"(x)\"");
	assert_string_equal(astring("{5}", 0), "\"{5}\"");
	assert_string_equal(astring("\\Seen", 0), "\"\\\\Seen\"");
	assert_string_equal(astring("say \"hi\"", 0), "\"say \\\"hi\\\"\"");
	assert_string_equal(astring("caf\xc3\xa9", 0), "{5}\r\ncaf\xc3\xa9");
	assert_string_equal(astring("caf\xc3\xa9", IMAP_QUOTE_UTF8),
			    "\"caf\xc3\xa9\"");
	/* invalid UTF-8 is never quoted */
	assert_string_equal(astring("caf\xc3", IMAP_QUOTE_UTF8),
			    "{4}\r\ncaf\xc3");
	assert_string_equal(string("a\r\nb", 4), "{4}\r\na\r\nb");
	assert_string_equal(string("a\0b", 3), "{3}\r\na\0b");
	assert_string_equal(string("plain", 5), "\"plain\"");
	assert_string_equal(string("", 0), "\"\"");
}

static void
test_long_and_nil(void **state)
{
	char big[IMAP_QUOTE_MAX + 1];
	struct buf b = BUF_INIT;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(imap_append_string(&b, big, IMAP_QUOTE_MAX, 0), 0);
	assert_int_equal(b.data[0], '"');
	buf_clear(&b);
	assert_int_equal(imap_append_astring(&b, big, sizeof(big), 0), 0);
	assert_true(strncmp(buf_cstr(&b), "{1025}\r\nxxx", 11) == 0);
	buf_clear(&b);
	assert_int_equal(imap_append_nstring(&b, NULL, 0, 0), 0);
	assert_int_equal(imap_append_nstring(&b, "NIL", 3, 0), 0);
	assert_string_equal(buf_cstr(&b), "NIL\"NIL\"");
	buf_clear(&b);
	assert_int_equal(imap_append_literal8(&b, "\0\1", 2), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "~{2}\r\n\0\1", 8);
	buf_clear(&b);
	assert_int_equal(imap_append_literal_header(&b, 5000000000ull, false),
			 0);
	assert_string_equal(buf_cstr(&b), "{5000000000}\r\n");
	assert_int_equal(imap_append_quoted(&b, "a\nb", 3, 0), -1);
	buf_free(&b);
}

static void
test_full_buffer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 6);
	buf_append_str(&b, "ab");
	assert_int_equal(imap_append_quoted(&b, "cdef", 4, 0), -1);
	assert_int_equal(imap_append_literal(&b, "cdef", 4), -1);
	assert_int_equal(imap_append_astring(&b, "x y z", 5, 0), -1);
	assert_string_equal(buf_cstr(&b), "ab");
	buf_free(&b);
}

/* Whatever the writer produces, the parser reads back byte for byte. */
static void
test_parser_roundtrip(void **state)
{
	struct pool *pool = pool_create(4096);
	uint32_t seed = 99;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		uint8_t data[40];
		size_t len, count;
		struct buf args = BUF_INIT;
		const struct imap_arg *parsed;
		const char *str;
		size_t slen;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % sizeof(data);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* no NUL: RFC 3501 literals cannot carry it */
			data[i] = (uint8_t)(1 + (seed >> 16) % 255);
			if ((seed >> 8) % 3 == 0)
				data[i] = "a \"\\(*%]\r\n{}"[(seed >> 4) % 12];
		}
		assert_int_equal(imap_append_astring(&args, data, len, 0), 0);
		parsed = test_parse_args(pool, buf_cstr(&args), &count);
		assert_non_null(parsed);
		assert_int_equal(count, 1);
		assert_true(imap_arg_get_astring(&parsed[0], &str, &slen));
		assert_int_equal(slen, len);
		if (len > 0)
			assert_memory_equal(str, data, len);
		buf_free(&args);
		pool_clear(pool);
	}
	pool_destroy(&pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_choice),
	    cmocka_unit_test(test_long_and_nil),
	    cmocka_unit_test(test_full_buffer),
	    cmocka_unit_test(test_parser_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
