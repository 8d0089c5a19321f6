/* SPDX-License-Identifier: MIT */
/* Unit tests for flag lists and STORE arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-flags.h"

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

/* Parses STORE arguments and renders the request; "ERR: msg" if refused. */
static const char *
store(const char *args)
{
	static char out[512];
	struct imap_store_request req;
	const struct imap_arg *a;
	const char *error = NULL;
	struct buf flags = BUF_INIT;
	size_t count;

	a = test_parse_args(pool, args, &count);
	assert_non_null(a);
	if (imap_store_parse(pool, a, count, &req, &error) < 0) {
		snprintf(out, sizeof(out), "ERR: %s", error);
		return out;
	}
	imap_flags_append(&flags, &req.flags);
	snprintf(out, sizeof(out), "%c%s %s", "=+-"[req.mode],
		 req.silent ? " silent" : "", buf_cstr(&flags));
	if (req.unchangedsince_set) {
		size_t n = strlen(out);

		snprintf(out + n, sizeof(out) - n, " unchangedsince=%llu%s",
			 (unsigned long long)req.unchangedsince,
			 req.ext == IMAP_EXT_CONDSTORE ? " [CONDSTORE]" : "");
	}
	buf_free(&flags);
	return out;
}

static void
test_store(void **state)
{
	(void)state;
	assert_string_equal(store("FLAGS (\\Seen)"), "= (\\Seen)");
	assert_string_equal(store("+FLAGS (\\Deleted \\seen $Junk)"),
			    "+ (\\Seen \\Deleted $Junk)");
	assert_string_equal(store("-flags.silent ()"), "- silent ()");
	assert_string_equal(store("+Flags.Silent \\Answered \\Flagged kw"),
			    "+ silent (\\Answered \\Flagged kw)");
	assert_string_equal(store("FLAGS \\Draft"), "= (\\Draft)");
	/* RFC 7162 UNCHANGEDSINCE */
	assert_string_equal(store("(UNCHANGEDSINCE 320162338) +FLAGS.SILENT "
				  "(\\Deleted)"),
			    "+ silent (\\Deleted) unchangedsince=320162338 "
			    "[CONDSTORE]");
	assert_string_equal(store("(unchangedsince 0) FLAGS ()"),
			    "= () unchangedsince=0 [CONDSTORE]");
	/* errors */
	assert_string_equal(store("FLAGS"), "ERR: Missing flags");
	assert_string_equal(store("FLAGZ (\\Seen)"),
			    "ERR: Invalid STORE data item");
	assert_string_equal(store("+FLAGS.LOUD (\\Seen)"),
			    "ERR: Invalid STORE data item");
	assert_string_equal(store("*FLAGS (\\Seen)"),
			    "ERR: Invalid STORE data item");
	assert_string_equal(store("\"FLAGS\" (\\Seen)"),
			    "ERR: Invalid STORE data item");
	assert_string_equal(store("FLAGS (\\Seen) x"),
			    "ERR: Unexpected arguments after flag list");
	assert_string_equal(store("FLAGS (\\Recent)"),
			    "ERR: \\Recent cannot be set");
	assert_string_equal(store("FLAGS (\\Foo)"), "ERR: Invalid system flag");
	assert_string_equal(store("FLAGS (\\*)"), "ERR: Invalid system flag");
	assert_string_equal(store("FLAGS (\"quoted\")"),
			    "ERR: Invalid flag keyword");
	assert_string_equal(store("FLAGS (a*b)"), "ERR: Invalid flag keyword");
	assert_string_equal(store("FLAGS (a]b)"), "ERR: Invalid flag keyword");
	assert_string_equal(store("FLAGS ((x))"), "ERR: Invalid flag keyword");
	assert_string_equal(store("FLAGS ({2+}\r\nab)"),
			    "ERR: Invalid flag keyword");
	assert_string_equal(store("(UNCHANGEDSINCE) FLAGS ()"),
			    "ERR: Invalid UNCHANGEDSINCE value");
	assert_string_equal(store("(UNCHANGEDSINCE -1) FLAGS ()"),
			    "ERR: Invalid UNCHANGEDSINCE value");
	assert_string_equal(store("(UNCHANGEDSINCE 9223372036854775808) "
				  "FLAGS ()"),
			    "ERR: Invalid UNCHANGEDSINCE value");
	assert_string_equal(store("(UNCHANGEDSINCE 1 UNCHANGEDSINCE 2) "
				  "FLAGS ()"),
			    "ERR: UNCHANGEDSINCE given twice");
	assert_string_equal(store("(FOO 1) FLAGS ()"),
			    "ERR: Unknown STORE modifier");
	assert_string_equal(store("() FLAGS ()"),
			    "ERR: Empty STORE modifier list");
}

static void
test_keywords(void **state)
{
	struct buf b = BUF_INIT;
	struct imap_flags flags;
	const struct imap_arg *a;
	const char *error;
	size_t count;

	(void)state;
	assert_true(imap_flag_keyword_is_valid("$MDNSent", 8));
	assert_false(imap_flag_keyword_is_valid("", 0));
	assert_false(imap_flag_keyword_is_valid("a b", 3));
	assert_false(imap_flag_keyword_is_valid("\\Seen", 5));
	assert_false(imap_flag_keyword_is_valid("caf\xc3\xa9", 5));
	/* length bound */
	for (int i = 0; i < IMAP_KEYWORD_MAX; i++)
		buf_append_c(&b, 'k');
	assert_true(imap_flag_keyword_is_valid((const char *)b.data, b.len));
	buf_append_c(&b, 'k');
	assert_false(imap_flag_keyword_is_valid((const char *)b.data, b.len));
	buf_clear(&b);
	/* duplicates go, case-insensitively, first spelling kept */
	a = test_parse_args(pool, "($Junk \\Seen $junk \\SEEN Work $JUNK)",
			    &count);
	assert_non_null(a);
	assert_int_equal(imap_flags_parse_list(pool, &a[0], &flags, &error), 0);
	assert_int_equal(flags.keyword_count, 2);
	imap_flags_append(&b, &flags);
	assert_string_equal(buf_cstr(&b), "(\\Seen $Junk Work)");
	buf_clear(&b);
	flags.system = IMAP_FLAG_RECENT | IMAP_FLAG_DRAFT;
	flags.keyword_count = 0;
	imap_flags_append(&b, &flags);
	assert_string_equal(buf_cstr(&b), "(\\Draft \\Recent)");
	assert_int_equal(
	    imap_flags_parse_list(pool, &a[0].u.list[0], &flags, &error), -1);
	assert_string_equal(imap_flag_name(IMAP_FLAG_SEEN), "\\Seen");
	assert_null(imap_flag_name(0x40));
	buf_free(&b);
}

static void
test_many_keywords(void **state)
{
	struct buf args = BUF_INIT;
	struct imap_flags flags;
	const struct imap_arg *a;
	const char *error;
	size_t count;

	(void)state;
	/* thousands of keywords: de-duplication is not quadratic */
	buf_append_c(&args, '(');
	for (int i = 0; i < 9000; i++)
		buf_printf(&args, "%sk%d", i > 0 ? " " : "", i % 4500);
	buf_append_c(&args, ')');
	a = test_parse_args(pool, buf_cstr(&args), &count);
	assert_non_null(a);
	assert_int_equal(imap_flags_parse_list(pool, &a[0], &flags, &error), 0);
	assert_int_equal(flags.keyword_count, 4500);
	buf_free(&args);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store),
	    cmocka_unit_test(test_keywords),
	    cmocka_unit_test(test_many_keywords),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
