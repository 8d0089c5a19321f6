/* SPDX-License-Identifier: MIT */
/* Unit tests for compiled SEARCH programs (search-eval.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "mime/mime-casemap.h"
#include "mime/mime-parser.h"
#include "mime/mime-write.h"
#include "proto/imap/imap-flags.h"
#include "proto/imap/search-eval.h"

#include <stdio.h>
#include <string.h>

static struct pool *pool;

static int
setup(void **state)
{
	(void)state;
	pool = pool_create(16384);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pool_destroy(&pool);
	return 0;
}

/* Compiles `args` for a mailbox of 10 messages with UIDs up to 20; NULL
   with *code_r set if compiling failed. */
static struct search_program *
compile_code(const char *args, enum err_code *code_r)
{
	struct imap_search_settings set = {0};
	struct imap_search_program *ast;
	struct search_program *prog;
	const struct imap_arg *a;
	const char *error;
	struct err err;
	size_t count;

	a = test_parse_args(pool, args, &count);
	assert_non_null(a);
	assert_int_equal(imap_search_parse(pool, a, count, &set, &ast, &error),
			 IMAP_SEARCH_PARSE_OK);
	if (search_compile(pool, ast, 10, 20, &prog, &err) < 0) {
		*code_r = err.code;
		return NULL;
	}
	return prog;
}

static struct search_program *
compile(const char *args)
{
	enum err_code code;
	struct search_program *prog = compile_code(args, &code);

	assert_non_null(prog);
	return prog;
}

static struct search_msg
msg(uint32_t seq, uint32_t uid, uint32_t flags)
{
	struct search_msg m;

	memset(&m, 0, sizeof(m));
	m.seq = seq;
	m.uid = uid;
	m.flags = flags;
	m.size = 1000;
	m.internaldate = 1174777200; /* 2007-03-24 23:00 UTC */
	return m;
}

/* Evaluates args against m and frees the program. */
static enum search_result
eval(const char *args, const struct search_msg *m)
{
	struct search_program *prog = compile(args);
	enum search_result r = search_eval(prog, m);

	search_program_free(&prog);
	return r;
}

static void
test_day(void **state)
{
	(void)state;
	assert_int_equal(search_day(0, 0), 0);
	assert_int_equal(search_day(86399, 0), 0);
	assert_int_equal(search_day(86400, 0), 1);
	assert_int_equal(search_day(-1, 0), -1);
	assert_int_equal(search_day(-86400, 0), -1);
	assert_int_equal(search_day(-86401, 0), -2);
	/* 23:00 UTC is the next day at +0200, the same day at -0100 */
	assert_int_equal(search_day(1174777200, 120), 13597);
	assert_int_equal(search_day(1174777200, -60), 13596);
}

static void
test_index_keys(void **state)
{
	const char *kw[] = {"Work", "$Label1"};
	struct search_msg m = msg(3, 7, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED);

	(void)state;
	m.keywords = kw;
	m.keyword_count = 2;
	assert_int_equal(eval("ALL", &m), SEARCH_YES);
	assert_int_equal(eval("SEEN FLAGGED", &m), SEARCH_YES);
	assert_int_equal(eval("UNSEEN", &m), SEARCH_NO);
	assert_int_equal(eval("ANSWERED", &m), SEARCH_NO);
	assert_int_equal(eval("UNANSWERED UNDELETED UNDRAFT", &m), SEARCH_YES);
	assert_int_equal(eval("KEYWORD work", &m), SEARCH_YES);
	assert_int_equal(eval("UNKEYWORD $label1", &m), SEARCH_NO);
	assert_int_equal(eval("KEYWORD other", &m), SEARCH_NO);
	assert_int_equal(eval("OLD", &m), SEARCH_YES);
	assert_int_equal(eval("NEW", &m), SEARCH_NO);
	m.flags = IMAP_FLAG_RECENT;
	assert_int_equal(eval("NEW", &m), SEARCH_YES);
	assert_int_equal(eval("RECENT UNSEEN NOT OLD", &m), SEARCH_YES);
	assert_int_equal(eval("LARGER 999 SMALLER 1001", &m), SEARCH_YES);
	assert_int_equal(eval("LARGER 1000", &m), SEARCH_NO);
	assert_int_equal(eval("SMALLER 1000", &m), SEARCH_NO);
	assert_int_equal(eval("ON 24-Mar-2007", &m), SEARCH_YES);
	m.internal_zone = 120; /* the server's zone: already the 25th */
	assert_int_equal(eval("ON 25-Mar-2007", &m), SEARCH_YES);
	assert_int_equal(eval("BEFORE 25-Mar-2007", &m), SEARCH_NO);
	assert_int_equal(eval("SINCE 25-Mar-2007", &m), SEARCH_YES);
	assert_int_equal(eval("BEFORE 26-Mar-2007 SINCE 25-Mar-2007", &m),
			 SEARCH_YES);
}

static void
test_sets(void **state)
{
	struct search_msg m = msg(10, 20, 0);
	struct search_program *prog;

	(void)state;
	assert_int_equal(eval("*", &m), SEARCH_YES);
	assert_int_equal(eval("UID *", &m), SEARCH_YES);
	assert_int_equal(eval("1:9", &m), SEARCH_NO);
	assert_int_equal(eval("5:*", &m), SEARCH_YES);
	assert_int_equal(eval("UID 1:19,21", &m), SEARCH_NO);
	assert_int_equal(eval("NOT 2,4", &m), SEARCH_YES);
	/* top-level sets become filters; nested ones do not */
	prog = compile("1:5 UID 3:* 4:8 ALL");
	assert_non_null(prog->seq_filter);
	assert_non_null(prog->uid_filter);
	assert_int_equal(imap_seqset_min(prog->seq_filter), 4);
	assert_int_equal(imap_seqset_max(prog->seq_filter), 5);
	assert_int_equal(imap_seqset_min(prog->uid_filter), 3);
	assert_int_equal(imap_seqset_max(prog->uid_filter), 20);
	search_program_free(&prog);
	prog = compile("OR 1 2 NOT UID 5");
	assert_null(prog->seq_filter);
	assert_null(prog->uid_filter);
	search_program_free(&prog);
}

/* Three-valued evaluation: cheap facts decide first, text only when it
   matters. */
static void
test_three_valued(void **state)
{
	struct search_msg m = msg(1, 1, 0);
	uint64_t masks[4] = {0};

	(void)state;
	/* AND: a NO from the index decides without text */
	assert_int_equal(eval("BODY x SEEN", &m), SEARCH_NO);
	assert_int_equal(eval("SEEN BODY x", &m), SEARCH_NO);
	assert_int_equal(eval("UNSEEN BODY x", &m), SEARCH_MAYBE);
	/* OR: a YES decides */
	assert_int_equal(eval("OR BODY x UNSEEN", &m), SEARCH_YES);
	assert_int_equal(eval("OR BODY x SEEN", &m), SEARCH_MAYBE);
	assert_int_equal(eval("NOT BODY x", &m), SEARCH_MAYBE);
	assert_int_equal(eval("NOT OR BODY x UNSEEN", &m), SEARCH_NO);
	/* SENT* waits for the summary; no Date header matches nothing */
	assert_int_equal(eval("SENTON 24-Mar-2007", &m), SEARCH_MAYBE);
	m.have_summary = true;
	assert_int_equal(eval("SENTON 24-Mar-2007", &m), SEARCH_NO);
	assert_int_equal(eval("NOT SENTON 24-Mar-2007", &m), SEARCH_YES);
	m.has_date = true;
	m.date = 1174777200;
	m.date_zone = 120;
	assert_int_equal(eval("SENTON 25-Mar-2007", &m), SEARCH_YES);
	assert_int_equal(eval("SENTBEFORE 25-Mar-2007", &m), SEARCH_NO);
	assert_int_equal(eval("SENTSINCE 25-Mar-2007 UNSEEN", &m), SEARCH_YES);
	/* the text masks: key i is bit i % 64 of group i / 64 */
	m.have_text = true;
	m.text_masks = masks;
	masks[0] = 1u << 1; /* the second key matched */
	assert_int_equal(eval("HEADER X a BODY b", &m), SEARCH_NO);
	assert_int_equal(eval("OR TEXT a BODY b", &m), SEARCH_YES);
	assert_int_equal(eval("NOT BODY a", &m), SEARCH_YES);
}

static void
test_text_groups_and_limits(void **state)
{
	struct search_program *prog;
	struct buf args = BUF_INIT;
	enum err_code code;

	(void)state;
	for (int i = 0; i < 256; i++)
		buf_printf(&args, "%sHEADER X k%d", i > 0 ? " " : "", i);
	prog = compile(buf_cstr(&args));
	assert_int_equal(prog->n_groups, 4);
	search_program_free(&prog);
	buf_append_str(&args, " BODY one-more");
	assert_null(compile_code(buf_cstr(&args), &code));
	assert_int_equal(code, ERR_LIMIT);
	buf_clear(&args);
	/* a search string beyond the matcher's bound */
	buf_append_str(&args, "BODY {7000+}\r\n");
	for (int i = 0; i < 7000; i++)
		buf_append_c(&args, 'x');
	assert_null(compile_code(buf_cstr(&args), &code));
	assert_int_equal(code, ERR_LIMIT);
	buf_clear(&args);
	/* a header name the matcher does not take: a limit, not a crash */
	buf_append_str(&args, "HEADER ");
	for (int i = 0; i < 300; i++)
		buf_append_c(&args, 'h');
	buf_append_str(&args, " x");
	assert_null(compile_code(buf_cstr(&args), &code));
	assert_int_equal(code, ERR_LIMIT);
	buf_free(&args);
}

/* Whether the ENVELOPE of a message with header `hdr` has needle in
   field f. */
static bool
env_match(const char *hdr, enum search_envelope_field f, const char *needle)
{
	struct search_envelope *env = search_envelope_create();
	struct mime_message *m = mime_parse(pool, hdr, strlen(hdr), NULL);
	struct buf out = BUF_INIT, canon = BUF_INIT;
	bool ret;

	assert_int_equal(mime_write_envelope(m->root->envelope, &out), 0);
	assert_true(search_envelope_set(env, (const char *)out.data, out.len));
	mime_casemap_append(needle, strlen(needle), &canon);
	ret = search_envelope_match(env, f, canon.data, canon.len);
	/* asking again uses the field text built the first time */
	assert_true(search_envelope_match(env, f, canon.data, canon.len) ==
		    ret);
	buf_free(&out);
	buf_free(&canon);
	search_envelope_destroy(&env);
	return ret;
}

/* The imaptest "search-addresses" cases and RFC 2047 subjects. */
static void
test_envelope(void **state)
{
	static const char *const froms[] = {
	    "From: user-from@domain.org\r\n\r\n",
	    "From: RealFrom <user-from@domain.org>\r\n\r\n",
	    "From: <user-from (comment)@ (comment) domain.org>\r\n\r\n",
	    "From: user-from@domain.org (RealFrom)\r\n\r\n",
	};
	static const char groups[] =
	    "To: groupname: groupuser1@domain.org, groupuser2@domain.org;,"
	    "\r\n  groupname2: groupuser3@domain.org;\r\n\r\n";
	static const char literal_env[] =
	    "(NIL {3}\r\nx\"y NIL NIL NIL NIL NIL NIL NIL NIL)";
	struct search_envelope *env;

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(froms); i++) {
		assert_true(env_match(froms[i], SEARCH_ENVELOPE_FROM,
				      "user-from@domain.org"));
		assert_true(
		    env_match(froms[i], SEARCH_ENVELOPE_FROM, "SER-FRO"));
		assert_true(env_match(froms[i], SEARCH_ENVELOPE_FROM, ""));
		assert_false(env_match(froms[i], SEARCH_ENVELOPE_TO, ""));
		assert_true(env_match(froms[i], SEARCH_ENVELOPE_FROM,
				      "ealfro") == (i == 1 || i == 3));
	}
	assert_false(env_match("From: user-from1@domain.org, "
			       "user-from2@domain.org\r\n\r\n",
			       SEARCH_ENVELOPE_FROM, "user-from@domain.org"));
	assert_true(env_match(groups, SEARCH_ENVELOPE_TO, "groupname"));
	assert_true(env_match(groups, SEARCH_ENVELOPE_TO, "groupname2"));
	assert_true(env_match(groups, SEARCH_ENVELOPE_TO, "groupuser3"));
	assert_false(env_match(groups, SEARCH_ENVELOPE_TO, "groupuser4"));
	assert_true(env_match(groups, SEARCH_ENVELOPE_TO,
			      "groupname: <groupuser1@domain.org>, "));
	assert_true(env_match("To: a@b.c\r\nCc: c@d.e\r\nBcc: f@g.h\r\n"
			      "\r\n",
			      SEARCH_ENVELOPE_BCC, "f@g"));
	assert_true(env_match("Cc: =?utf-8?q?J=C3=BCrgen?= <j@x.y>\r\n\r\n",
			      SEARCH_ENVELOPE_CC, "J\xc3\x9cRGEN <J@"));
	assert_true(env_match("Subject: =?iso-8859-1?q?Caf=E9?= au lait\r\n"
			      "\r\n",
			      SEARCH_ENVELOPE_SUBJECT, "CAF\xc3\x89 AU"));
	assert_false(
	    env_match("From: a@b.c\r\n\r\n", SEARCH_ENVELOPE_SUBJECT, ""));
	/* a malformed envelope string: every field is NIL */
	env = search_envelope_create();
	assert_false(search_envelope_set(env, "(NIL \"x", 7));
	assert_false(search_envelope_match(env, SEARCH_ENVELOPE_SUBJECT,
					   (const uint8_t *)"", 0));
	assert_false(search_envelope_set(env, "(NIL {5}\r\nab)", 14));
	assert_true(search_envelope_set(env, literal_env, strlen(literal_env)));
	assert_true(search_envelope_match(env, SEARCH_ENVELOPE_SUBJECT,
					  (const uint8_t *)"X\"Y", 3));
	search_envelope_destroy(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_day),
	    cmocka_unit_test_setup_teardown(test_index_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_three_valued, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_text_groups_and_limits, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_envelope, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
