/* SPDX-License-Identifier: MIT */
/*
 * Tests of the text utilities: IMAP quoting, header iteration and
 * HEADER.FIELDS subsets, transfer decoding, charsets, RFC 2047 and
 * RFC 2231 decoding, addresses and dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "mime/mime-quote.h"
#include "mime/mime-address.h"
#include "mime/mime-charset.h"
#include "mime/mime-content.h"
#include "mime/mime-date.h"
#include "mime/mime-decode.h"
#include "mime/mime-header.h"
#include "mime/mime-rfc2047.h"

#include <string.h>

static const char *
cstr(struct buf *b)
{
	return buf_cstr(b);
}

static void
test_imap_quote(void **state)
{
	struct buf b = BUF_INIT;
	char longstr[MIME_QUOTED_MAX_LEN + 2];

	(void)state;
	mime_quote_nstring(&b, NULL);
	buf_append_c(&b, ' ');
	mime_quote_nstring(&b, "");
	buf_append_c(&b, ' ');
	mime_quote_nstring(&b, "a \"b\" \\c");
	buf_append_c(&b, ' ');
	mime_quote_nstring(&b, "caf\xc3\xa9");
	buf_append_c(&b, ' ');
	mime_quote_nstring(&b, "two\r\nlines");
	buf_append_c(&b, ' ');
	mime_quote_nstring(&b, "\"\"\"\"\"");
	assert_string_equal(cstr(&b), "NIL \"\" \"a \\\"b\\\" \\\\c\" "
				      "{5}\r\ncaf\xc3\xa9 {10}\r\ntwo\r\nlines "
				      "{5}\r\n\"\"\"\"\"");
	buf_clear(&b);
	mime_quote_string(&b, "a\0b", 3);
	assert_string_equal(cstr(&b), "{5}\r\na\xef\xbf\xbd" "b");
	buf_clear(&b);
	memset(longstr, 'x', sizeof(longstr) - 1);
	longstr[sizeof(longstr) - 1] = '\0';
	assert_true(mime_quote_can_quote(longstr, MIME_QUOTED_MAX_LEN));
	mime_quote_nstring(&b, longstr);
	assert_memory_equal(b.data, "{1025}\r\n", 8);
	buf_clear(&b);
	mime_quote_astring(&b, "INBOX");
	buf_append_c(&b, ' ');
	mime_quote_astring(&b, "nil");
	buf_append_c(&b, ' ');
	mime_quote_astring(&b, "a b");
	buf_append_c(&b, ' ');
	mime_quote_astring(&b, "x]y");
	assert_string_equal(cstr(&b), "INBOX \"nil\" \"a b\" x]y");
	buf_free(&b);
	/* a buffer maximum is reported */
	buf_init(&b, 4);
	assert_int_equal(mime_quote_nstring(&b, "toolong"), -1);
	buf_free(&b);
}

static const char header[] =
	"Received: from a\r\n\tby b\r\n"
	"Subject: Hello\r\n"
	" world\r\n"
	"junk line\r\n"
	"X-Empty:\r\n"
	"subject : second\r\n"
	"\r\n";

static void
test_header_iter(void **state)
{
	struct mime_header_iter it;
	struct mime_header_field f;
	struct buf b = BUF_INIT;
	const char *names[] = { "SUBJECT", "x-empty" };
	int n = 0;

	(void)state;
	mime_header_iter_init(&it, header, strlen(header));
	while (mime_header_iter_next(&it, &f)) {
		if (n == 1) {
			assert_true(mime_header_name_eq(f.name, f.name_len,
							"subject"));
			mime_header_unfold(f.value, f.value_len, &b);
			assert_string_equal(cstr(&b), "Hello world");
			assert_int_equal(f.raw_len, 24);
		}
		if (n == 2)
			assert_int_equal(f.name_len, 0); /* junk */
		if (n == 4)
			assert_true(mime_header_name_eq(f.name, f.name_len,
							"Subject"));
		n++;
	}
	assert_int_equal(n, 5);
	assert_non_null(it.blank_line);
	buf_clear(&b);
	mime_header_filter(header, strlen(header), names, 2, false, &b);
	assert_string_equal(cstr(&b), "Subject: Hello\r\n world\r\nX-Empty:\r\n"
				      "subject : second\r\n\r\n");
	buf_clear(&b);
	mime_header_filter(header, strlen(header), names, 2, true, &b);
	assert_string_equal(cstr(&b), "Received: from a\r\n\tby b\r\n"
				      "junk line\r\n\r\n");
	/* no blank line (a message without body): none added */
	buf_clear(&b);
	mime_header_filter("A: 1\r\nB: 2", 11, names, 0, true, &b);
	assert_string_equal(cstr(&b), "A: 1\r\nB: 2");
	buf_clear(&b);
	mime_header_unfold(" a\r\n\tb\rc\0d \t", 12, &b);
	assert_string_equal(cstr(&b), "a\tb c\xef\xbf\xbd" "d");
	buf_free(&b);
}

static void
decode(enum mime_encoding enc, const char *in, size_t chunk, struct buf *out)
{
	struct mime_decoder d;
	size_t len = strlen(in);

	mime_decoder_init(&d, enc);
	for (size_t i = 0; i < len; i += chunk)
		mime_decoder_feed(&d, in + i, MIN(chunk, len - i), out);
	mime_decoder_finish(&d, out);
}

static void
test_transfer_decoding(void **state)
{
	static const struct {
		enum mime_encoding enc;
		const char *in, *out;
	} cases[] = {
		{ MIME_ENC_BASE64, "aGVsbG8gd29ybGQ=", "hello world" },
		{ MIME_ENC_BASE64, "aGVs\r\nbG8g\r\n d29y*bGQ", "hello world" },
		{ MIME_ENC_BASE64, "YQ==YmM=", "abc" },
		{ MIME_ENC_BASE64, "!!!", "" },
		{ MIME_ENC_QP, "a=3Db=\r\nc =\r\nd\r\n", "a=bc d\r\n" },
		{ MIME_ENC_QP, "trail  \r\nend\t\r\n", "trail\r\nend\r\n" },
		{ MIME_ENC_QP, "bad=ZZ =4 =\r", "bad=ZZ =4 " },
		{ MIME_ENC_QP, "low=c3=a9 soft= \t\r\nx", "low\xc3\xa9 softx" },
		{ MIME_ENC_QP, "end=4", "end=4" },
		{ MIME_ENC_7BIT, "as =3D is", "as =3D is" },
	};
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		for (size_t chunk = 1; chunk <= 5; chunk += 4) {
			buf_clear(&b);
			decode(cases[i].enc, cases[i].in, chunk, &b);
			assert_string_equal(cstr(&b), cases[i].out);
		}
	}
	buf_clear(&b);
	mime_qp_decode("a_b=3F=xx", 9, true, &b);
	assert_string_equal(cstr(&b), "a b?=xx");
	assert_int_equal(mime_encoding_parse("Quoted-Printable", 16),
			 MIME_ENC_QP);
	assert_int_equal(mime_encoding_parse("x-uuencode", 10),
			 MIME_ENC_UNKNOWN);
	assert_string_equal(mime_encoding_name(MIME_ENC_BASE64), "base64");
	buf_free(&b);
}

static void
test_charsets(void **state)
{
	struct buf b = BUF_INIT;
	struct mime_charset *cs;
	const char *sjis = "\x93\xfa\x96\x7b"; /* "Japan" in Shift_JIS */

	(void)state;
	mime_charset_to_utf8("ISO-8859-1", "caf\xe9 \x93q\x94", 8, &b);
	assert_string_equal(cstr(&b), "caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d");
	buf_clear(&b);
	mime_charset_to_utf8("x-unknown-charset", "caf\xc3\xa9 caf\xe9", 10,
			     &b);
	assert_string_equal(cstr(&b), "caf\xc3\xa9 caf\xc3\xa9");
	buf_clear(&b);
	mime_charset_to_utf8("utf-8,swaplfnl", "a\nb", 3, &b);
	assert_string_equal(cstr(&b), "a\nb");
	/* streaming: multi-byte sequences cut between chunks */
	cs = mime_charset_create("Shift_JIS");
	assert_false(mime_charset_is_fallback(cs));
	buf_clear(&b);
	for (int i = 0; i < 4; i++)
		mime_charset_convert(cs, sjis + i, 1, &b);
	mime_charset_flush(cs, &b);
	assert_string_equal(cstr(&b), "\xe6\x97\xa5\xe6\x9c\xac");
	mime_charset_destroy(&cs);
	cs = mime_charset_create(NULL);
	assert_true(mime_charset_is_fallback(cs));
	buf_clear(&b);
	mime_charset_convert(cs, "\xe2\x82", 2, &b);
	mime_charset_convert(cs, "\xac!\xe2", 3, &b);
	mime_charset_flush(cs, &b);
	assert_string_equal(cstr(&b), "\xe2\x82\xac!\xc3\xa2");
	mime_charset_destroy(&cs);
	buf_free(&b);
}

static void
test_rfc2047(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard" },
		{ "=?utf-8?b?5pel5pys6Kqe?=",
		  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
		{ "=?a?q?x?= =?a?q?y?=", "xy" },
		{ "=?a?q?x?=\r\n =?b?q?y?=", "xy" },
		{ "=?a?q?x?= z =?a?q?y?=", "x z y" },
		{ "=?utf-8?q?split_=E2=82?= =?utf-8?q?=AC?=",
		  "split \xe2\x82\xac" },
		{ "=?utf-8*en?q?lang?=", "lang" },
		{ "=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=",
		  "\xe3\x81\xa6\xe3\x81\x99\xe3\x81\xa8" },
		{ "=?bogus?x?word?=", "=?bogus?x?word?=" },
		{ "=?utf-8?q?unterminated", "=?utf-8?q?unterminated" },
		{ "raw caf\xe9", "raw caf\xc3\xa9" },
		{ "a=?utf-8?q?b?=c", "abc" },
	};
	struct buf b = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		buf_clear(&b);
		mime_rfc2047_decode(cases[i].in, strlen(cases[i].in), &b);
		assert_string_equal(cstr(&b), cases[i].out);
	}
	buf_free(&b);
}

static void
test_content_params(void **state)
{
	struct pool *pool = pool_create(4096);
	struct mime_content c;
	const char *v;

	(void)state;
	v = "Text/Plain; Charset=\"utf-8\" (c); format=flowed";
	assert_true(mime_content_parse(pool, v, strlen(v), true, &c));
	assert_string_equal(c.type, "Text");
	assert_string_equal(c.subtype, "Plain");
	assert_string_equal(mime_content_param(&c, "charset"), "utf-8");
	assert_string_equal(mime_content_param(&c, "FORMAT"), "flowed");
	/* RFC 2231 section 3 and 4 examples, joined */
	v = "application/x-stuff; title*1*=%2A%2A%2Afun%2A%2A%2A%20; "
	    "title*0*=us-ascii'en'This%20is%20even%20more%20; "
	    "title*2=\"isn't it 100%!\"; plain=1";
	assert_true(mime_content_parse(pool, v, strlen(v), true, &c));
	assert_int_equal(c.n_params, 2);
	assert_string_equal(c.params[0].name, "plain");
	assert_string_equal(c.params[1].name, "title*");
	assert_string_equal(c.params[1].value,
			    "us-ascii'en'This%20is%20even%20more%20"
			    "%2A%2A%2Afun%2A%2A%2A%20isn't it 100%25!");
	assert_string_equal(mime_content_param_decode(pool, &c, "title"),
			    "This is even more ***fun*** isn't it 100%!");
	v = "attachment; filename*0=\"a\"; filename*1=\"b.txt\"";
	assert_true(mime_content_parse(pool, v, strlen(v), false, &c));
	assert_string_equal(c.params[0].name, "filename");
	assert_string_equal(c.params[0].value, "ab.txt");
	v = "attachment; filename=\"=?utf-8?q?=C3=A9t=C3=A9?=.txt\"";
	assert_true(mime_content_parse(pool, v, strlen(v), false, &c));
	assert_string_equal(mime_content_param_decode(pool, &c, "filename"),
			    "\xc3\xa9t\xc3\xa9.txt");
	assert_null(mime_content_param_decode(pool, &c, "name"));
	assert_string_equal(mime_content_rfc2231_decode(pool,
							"iso-8859-1''%E9t%E9"),
			    "\xc3\xa9t\xc3\xa9");
	assert_string_equal(mime_content_rfc2231_decode(pool, "a%00b"),
			    "a\xef\xbf\xbd" "b");
	/* invalid types */
	assert_false(mime_content_parse(pool, "text", 4, true, &c));
	assert_false(mime_content_parse(pool, "/plain", 6, true, &c));
	assert_false(mime_content_parse(pool, "; x=y", 5, false, &c));
	assert_string_equal(mime_content_param(&c, "x"), "y");
	v = "multipart/mixed; boundary=----=_Part_1(x).y; name=a(1).txt";
	assert_true(mime_content_parse(pool, v, strlen(v), true, &c));
	assert_string_equal(mime_content_param(&c, "boundary"),
			    "----=_Part_1(x).y");
	pool_destroy(&pool);
}

static const char *
addresses(struct pool *pool, const char *value)
{
	struct buf b = BUF_INIT;
	const char *s;

	mime_address_write_imap(mime_address_parse(pool, value,
						   strlen(value)), &b);
	s = pool_strdup(pool, cstr(&b));
	buf_free(&b);
	return s;
}

static void
test_addresses(void **state)
{
	struct pool *pool = pool_create(4096);

	(void)state;
	assert_string_equal(addresses(pool, ""), "NIL");
	assert_string_equal(addresses(pool, " , ,"), "NIL");
	assert_string_equal(addresses(pool, "John Q. Public <jqp@x.test>"),
			    "((\"John Q. Public\" NIL \"jqp\" \"x.test\"))");
	assert_string_equal(addresses(pool, "jdoe@x.test (John  Doe)"),
			    "((\"John Doe\" NIL \"jdoe\" \"x.test\"))");
	assert_string_equal(addresses(pool, "g: a@b, c@d;, e@f"),
			    "((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")"
			    "(NIL NIL \"c\" \"d\")(NIL NIL NIL NIL)"
			    "(NIL NIL \"e\" \"f\"))");
	assert_string_equal(addresses(pool, "g: a@b"),
			    "((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")"
			    "(NIL NIL NIL NIL))");
	assert_string_equal(addresses(pool, "<@r1,@r2:u@h>"),
			    "((NIL \"@r1,@r2\" \"u\" \"h\"))");
	assert_string_equal(addresses(pool, "<>, a@, @b, user"),
			    "((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")"
			    "(NIL NIL \"a\" \"MISSING_DOMAIN\")"
			    "(NIL NIL \"MISSING_MAILBOX\" \"b\")"
			    "(NIL NIL \"user\" \"MISSING_DOMAIN\"))");
	assert_string_equal(addresses(pool, "\"a b\"@[1.2.3.4]"),
			    "((NIL NIL \"a b\" \"[1.2.3.4]\"))");
	assert_string_equal(addresses(pool, "((nested) comment) x@y"),
			    "((NIL NIL \"x\" \"y\"))");
	assert_string_equal(addresses(pool, "a@b c@d, e@f"),
			    "((NIL NIL \"a\" \"b\")(NIL NIL \"e\" \"f\"))");
	assert_string_equal(addresses(pool, "\"J\xc3\xb6rg\" <j@x>"),
			    "(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\"))");
	pool_destroy(&pool);
}

static void
check_date(const char *in, int64_t t, int tz)
{
	int64_t t2;
	int tz2;

	if (mime_date_parse(in, strlen(in), &t2, &tz2) < 0)
		fail_msg("date not parsed: %s", in);
	if (t2 != t || tz2 != tz)
		fail_msg("%s: got %lld %d, wanted %lld %d", in,
			 (long long)t2, tz2, (long long)t, tz);
}

static void
test_dates(void **state)
{
	char buf[MIME_DATE_RFC5322_SIZE];
	int64_t t;
	int tz;

	(void)state;
	/* 1997-11-21 09:55:06 -0600 = 15:55:06 UTC */
	check_date("Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360);
	check_date("21 Nov 1997 09:55:06 -0600", 880127706, -360);
	check_date(" Fri , 21 Nov 97 09 :55 :06 CST", 880127706, -360);
	check_date("Fri, 21 Nov 1997 15:55:06 GMT (comment)", 880127706, 0);
	check_date("Fri, 21 November 1997 15:55 +0000", 880127700, 0);
	check_date("Fri Nov 21 15:55:06 1997", 880127706, 0);
	check_date("21 Nov 1997 15:55:06 Z", 880127706, 0);
	check_date("21 Nov 1997 15:55:06 XYZT", 880127706, 0);
	check_date("21-Nov-1997 21:25:06 +05:30", 880127706, 330);
	check_date("1 Jan 2049 00:00:00 +0000", 2493072000, 0);
	check_date("1 Jan 50 00:00:00 +0000", -631152000, 0);
	check_date("1 Jan 100 00:00:00 +0000", 946684800, 0); /* 1900 + 100 */
	check_date("31 Dec 1969 23:59:59 +0000", -1, 0);
	check_date("29 Feb 2000 12:00:60 +0000", 951825659, 0);
	assert_int_equal(mime_date_parse("", 0, &t, &tz), -1);
	assert_int_equal(mime_date_parse("yesterday", 9, &t, &tz), -1);
	assert_int_equal(mime_date_parse("32 Jan 2000", 11, &t, &tz), -1);
	assert_int_equal(mime_date_parse("1 Foo 2000", 10, &t, &tz), -1);
	assert_int_equal(mime_date_parse("1 Jan 5", 7, &t, &tz), -1);
	mime_date_format_imap(880127706, -360, buf);
	assert_string_equal(buf, "21-Nov-1997 09:55:06 -0600");
	mime_date_format_imap(837596665, -420, buf);
	assert_string_equal(buf, "17-Jul-1996 02:44:25 -0700");
	mime_date_format_imap(0, 0, buf);
	assert_string_equal(buf, " 1-Jan-1970 00:00:00 +0000");
	mime_date_format_imap(-1, 0, buf);
	assert_string_equal(buf, "31-Dec-1969 23:59:59 +0000");
	mime_date_format_rfc5322(880127706, 60, buf);
	assert_string_equal(buf, "Fri, 21 Nov 1997 16:55:06 +0100");
	mime_date_format_imap(INT64_MAX / 2, 0, buf);
	assert_string_equal(buf, "31-Dec-9999 23:59:59 +0000");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imap_quote),
		cmocka_unit_test(test_header_iter),
		cmocka_unit_test(test_transfer_decoding),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_content_params),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
