/* SPDX-License-Identifier: MIT */
/* Unit tests for LIST / LIST-EXTENDED argument parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-list-parse.h"

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

static const char *
list(const char *args)
{
	static char out[512];
	struct imap_list_request *req;
	const struct imap_arg *a;
	const char *error;
	struct buf b = BUF_INIT;
	size_t count;

	a = test_parse_args(pool, args, &count);
	assert_non_null(a);
	if (imap_list_parse(pool, a, count, &req, &error) < 0) {
		snprintf(out, sizeof(out), "BAD: %s", error);
		return out;
	}
	buf_printf(&b, "sel=%x ret=%x ref=[%.*s]", req->select_opts,
		   req->return_opts, (int)req->ref_len, req->ref);
	for (size_t i = 0; i < req->pattern_count; i++)
		buf_printf(&b, " pat=[%.*s]", (int)req->patterns[i].len,
			   req->patterns[i].str);
	if (req->status_count > 0)
		buf_printf(&b, " status=%zu", req->status_count);
	buf_printf(&b, "%s ext=%x", req->extended ? " ext" : "", req->ext);
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_free(&b);
	return out;
}

static void
test_list(void **state)
{
	(void)state;
	/* RFC 3501 */
	assert_string_equal(list("\"\" *"), "sel=0 ret=0 ref=[] pat=[*] ext=0");
	assert_string_equal(list("~/Mail/ %"),
			    "sel=0 ret=0 ref=[~/Mail/] pat=[%] ext=0");
	assert_string_equal(list("\"\" \"\""),
			    "sel=0 ret=0 ref=[] pat=[] ext=0");
	assert_string_equal(list("\"\" INBOX*"),
			    "sel=0 ret=0 ref=[] pat=[INBOX*] ext=0");
	assert_string_equal(list("{3+}\r\nabc {1+}\r\n%"),
			    "sel=0 ret=0 ref=[abc] pat=[%] ext=0");
	/* RFC 5258 examples */
	assert_string_equal(list("(SUBSCRIBED) \"\" \"*\""),
			    "sel=1 ret=0 ref=[] pat=[*] ext ext=200");
	assert_string_equal(list("(SUBSCRIBED RECURSIVEMATCH) \"\" %"),
			    "sel=5 ret=0 ref=[] pat=[%] ext ext=200");
	assert_string_equal(list("\"\" (\"foo\" \"foo/*\")"),
			    "sel=0 ret=0 ref=[] pat=[foo] pat=[foo/*] ext "
			    "ext=200");
	assert_string_equal(list("\"\" % RETURN (CHILDREN SUBSCRIBED)"),
			    "sel=0 ret=3 ref=[] pat=[%] ext ext=200");
	assert_string_equal(list("() \"\" % RETURN ()"),
			    "sel=0 ret=0 ref=[] pat=[%] ext ext=200");
	/* RFC 6154 and RFC 5819 */
	assert_string_equal(list("(SPECIAL-USE) \"\" *"),
			    "sel=8 ret=0 ref=[] pat=[*] ext ext=a00");
	assert_string_equal(list("\"\" % RETURN (SPECIAL-USE)"),
			    "sel=0 ret=4 ref=[] pat=[%] ext ext=a00");
	assert_string_equal(list("\"\" % RETURN (STATUS (MESSAGES UNSEEN))"),
			    "sel=0 ret=8 ref=[] pat=[%] status=2 ext ext=600");
	/* errors */
	assert_string_equal(list("\"\""), "BAD: Missing LIST arguments");
	assert_string_equal(list("(SUBSCRIBED) \"\""),
			    "BAD: Missing LIST arguments");
	assert_string_equal(list("(FOO) \"\" *"),
			    "BAD: Unknown LIST selection option");
	assert_string_equal(list("(RECURSIVEMATCH) \"\" *"),
			    "BAD: RECURSIVEMATCH needs SUBSCRIBED");
	assert_string_equal(list("(REMOTE RECURSIVEMATCH) \"\" *"),
			    "BAD: RECURSIVEMATCH needs SUBSCRIBED");
	assert_string_equal(list("a* *"), "BAD: Invalid reference");
	assert_string_equal(list("(a) *"),
			    "BAD: Unknown LIST selection option");
	assert_string_equal(list("\"\" ()"), "BAD: Empty pattern list");
	assert_string_equal(list("\"\" ((x))"), "BAD: Invalid mailbox pattern");
	assert_string_equal(list("\"\" \\x"), "BAD: Invalid mailbox pattern");
	assert_string_equal(list("\"\" * x"), "BAD: Unexpected LIST arguments");
	assert_string_equal(list("\"\" * RETURN"),
			    "BAD: RETURN options expected");
	assert_string_equal(list("\"\" * RETURN (X)"),
			    "BAD: Unknown or repeated LIST return option");
	assert_string_equal(list("\"\" * RETURN (CHILDREN CHILDREN)"),
			    "BAD: Unknown or repeated LIST return option");
	assert_string_equal(list("\"\" * RETURN (STATUS)"),
			    "BAD: STATUS return option needs a list of items");
	assert_string_equal(list("\"\" * RETURN (STATUS ())"),
			    "BAD: STATUS return option needs a list of items");
	assert_string_equal(list("\"\" * RETURN (STATUS (\"x\"))"),
			    "BAD: Invalid STATUS item");
	assert_string_equal(list("\"\" * RETURN () x"),
			    "BAD: Unexpected LIST arguments");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
