/* SPDX-License-Identifier: MIT */
/* Unit tests for RFC 3501 date and date-time handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-date.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t
date(const char *s)
{
	int64_t t;

	if (!imap_date_parse(s, strlen(s), &t))
		return -1;
	return t;
}

static void
test_date(void **state)
{
	(void)state;
	assert_int_equal(date("1-Jan-1970"), 0);
	assert_int_equal(date("01-Jan-1970"), 0);
	assert_int_equal(date("1-Feb-1994"), 760060800);
	assert_int_equal(date("1-fEB-1994"), 760060800);
	assert_int_equal(date("29-Feb-2000"), 951782400);
	assert_int_equal(date("29-Feb-2024"), 1709164800);
	assert_int_equal(date("31-Dec-1969"), -86400);
	assert_int_equal(date("1-Jan-0000"), -62167219200);
	assert_int_equal(date("31-Dec-9999"), 253402214400);
	/* malformed */
	assert_int_equal(date("29-Feb-1900"), -1);
	assert_int_equal(date("29-Feb-2023"), -1);
	assert_int_equal(date("31-Apr-2020"), -1);
	assert_int_equal(date("0-Jan-2020"), -1);
	assert_int_equal(date("32-Jan-2020"), -1);
	assert_int_equal(date("001-Jan-2020"), -1);
	assert_int_equal(date("1-January-2020"), -1);
	assert_int_equal(date("1-Jan-20"), -1);
	assert_int_equal(date("1-Jan-20200"), -1);
	assert_int_equal(date("1 Jan 2020"), -1);
	assert_int_equal(date("1-Foo-2020"), -1);
	assert_int_equal(date(" 1-Jan-2020"), -1);
	assert_int_equal(date("1-Jan-2020 "), -1);
	assert_int_equal(date("a-Jan-2020"), -1);
	assert_int_equal(date(""), -1);
	assert_int_equal(date("1"), -1);
}

static void
test_datetime(void **state)
{
	int64_t t;
	int zone;

	(void)state;
	/* RFC 3501 section 9 zone: subtract the zone to get UT */
	assert_true(
	    imap_datetime_parse(" 1-Feb-1994 21:52:25 -0800", 26, &t, &zone));
	assert_int_equal(t, 760060800 + 21 * 3600 + 52 * 60 + 25 + 8 * 3600);
	assert_int_equal(zone, -480);
	assert_true(
	    imap_datetime_parse("17-Jul-1996 02:44:25 -0700", 26, &t, &zone));
	assert_int_equal(t, 837596665);
	assert_true(
	    imap_datetime_parse("01-Jan-1970 00:00:00 +0100", 26, &t, &zone));
	assert_int_equal(t, -3600);
	assert_int_equal(zone, 60);
	assert_true(
	    imap_datetime_parse("31-Dec-2016 23:59:60 +0000", 26, &t, &zone));
	assert_int_equal(t, 1483228799);
	/* no roll-over past year 9999 */
	assert_true(
	    imap_datetime_parse("31-Dec-9999 23:59:60 -2359", 26, &t, &zone));
	{
		struct buf b = BUF_INIT;

		assert_int_equal(imap_date_append_datetime(&b, t, zone), 0);
		assert_string_equal(buf_cstr(&b),
				    "\"31-Dec-9999 23:59:59 -2359\"");
		buf_free(&b);
	}
	/* malformed */
	static const char *const bad[] = {
	    "1-Feb-1994 21:52:25 -0800", /* date-day-fixed */
	    " 1-Feb-1994 21:52:25 -080",  " 1-Feb-1994 21:52:25 0800 ",
	    " 1-Feb-1994 24:00:00 +0000", " 1-Feb-1994 23:60:00 +0000",
	    " 1-Feb-1994 23:00:61 +0000", " 1-Feb-1994 1:52:25 -08000",
	    " 1-Feb-1994 21:52:25 -2400", " 1-Feb-1994 21:52:25 -0860",
	    " 1-Feb-1994 21:52:25 *0800", " 1-Feb-1994T21:52:25 -0800",
	    " 1-Feb-1994 21-52-25 -0800", "30-Feb-1994 21:52:25 -0800",
	    "  -Feb-1994 21:52:25 -0800", " 1-Feb-1994 21:52:25  0800",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (imap_datetime_parse(bad[i], strlen(bad[i]), &t, &zone))
			fail_msg("accepted: %s", bad[i]);
	}
}

static void
test_args(void **state)
{
	struct pool *pool = pool_create(1024);
	const struct imap_arg *args;
	size_t count;
	int64_t t;
	int zone;

	(void)state;
	args = test_parse_args(pool,
			       "1-Feb-1994 \"1-Feb-1994\" {10+}\r\n1-Feb-1994 "
			       "\" 1-Feb-1994 21:52:25 -0800\" 1-Feb-*",
			       &count);
	assert_non_null(args);
	assert_int_equal(count, 5);
	assert_true(imap_arg_get_date(&args[0], &t));
	assert_int_equal(t, 760060800);
	assert_true(imap_arg_get_date(&args[1], &t));
	/* date = date-text / DQUOTE date-text DQUOTE: no literal */
	assert_false(imap_arg_get_date(&args[2], &t));
	assert_true(imap_arg_get_datetime(&args[3], &t, &zone));
	assert_false(imap_arg_get_date(&args[4], &t));
	/* date-time needs its quotes */
	assert_false(imap_arg_get_datetime(&args[0], &t, &zone));
	pool_destroy(&pool);
}

static void
test_format(void **state)
{
	struct buf b = BUF_INIT;
	int64_t t;
	int zone;

	(void)state;
	assert_int_equal(imap_date_append_datetime(&b, 837596665, -420), 0);
	assert_string_equal(buf_cstr(&b), "\"17-Jul-1996 02:44:25 -0700\"");
	assert_int_equal(b.len, IMAP_DATETIME_QUOTED_LEN);
	buf_clear(&b);
	assert_int_equal(imap_date_append_datetime(&b, 0, 330), 0);
	assert_string_equal(buf_cstr(&b), "\"01-Jan-1970 05:30:00 +0530\"");
	buf_clear(&b);
	assert_int_equal(imap_date_append_datetime(&b, -1, 0), 0);
	assert_string_equal(buf_cstr(&b), "\"31-Dec-1969 23:59:59 +0000\"");
	buf_clear(&b);
	assert_int_equal(imap_date_append_datetime(&b, 0, 24 * 60), -1);
	assert_int_equal(imap_date_append_datetime(&b, INT64_MAX / 2, 0), -1);
	assert_int_equal(imap_date_append_date(&b, 760060800 + 3600), 0);
	assert_string_equal(buf_cstr(&b), "1-Feb-1994");
	buf_free(&b);

	/* formatting and parsing agree over a wide range */
	for (int64_t x = -62167219200 + 86400; x < 253402214400;
	     x += 86400 * 37 + 3607) {
		char tmp[40];

		buf_init(&b, 0);
		assert_int_equal(imap_date_append_datetime(&b, x, -90), 0);
		assert_int_equal(b.len, 28);
		memcpy(tmp, b.data + 1, 26);
		assert_true(imap_datetime_parse(tmp, 26, &t, &zone));
		assert_int_equal(t, x);
		assert_int_equal(zone, -90);
		buf_free(&b);
	}
}

static void
test_against_libc(void **state)
{
	(void)state;
	/* days_from_civil agrees with timegm() */
	for (int y = 1900; y <= 2100; y += 7) {
		for (int m = 0; m < 12; m++) {
			static const char *const mon[] = {
			    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
			    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
			struct tm tm = {
			    .tm_year = y - 1900, .tm_mon = m, .tm_mday = 28};
			char s[32];

			snprintf(s, sizeof(s), "28-%s-%d", mon[m], y);
			assert_int_equal(date(s), (int64_t)timegm(&tm));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_datetime),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_against_libc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
