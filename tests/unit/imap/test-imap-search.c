/* SPDX-License-Identifier: MIT */
/* Unit tests for the SEARCH program parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-search-parse.h"

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

static enum imap_search_parse_result
parse(const char *args, const struct imap_search_settings *set,
      struct imap_search_program **prog_r, const char **error_r)
{
	const struct imap_arg *a;
	size_t count;

	a = test_parse_args(pool, args, &count);
	assert_non_null(a);
	return imap_search_parse(pool, a, count, set, prog_r, error_r);
}

/* Parses, writes back canonically, and checks the canonical form parses
   to itself; returns it, or "BAD: msg" / "NO: msg". */
static const char *
canon(const char *args)
{
	static char out[4096];
	struct imap_search_program *prog, *prog2;
	enum imap_search_parse_result r;
	const char *error;
	struct buf b = BUF_INIT, b2 = BUF_INIT;

	r = parse(args, NULL, &prog, &error);
	if (r != IMAP_SEARCH_PARSE_OK) {
		snprintf(out, sizeof(out), "%s: %s",
			 r == IMAP_SEARCH_PARSE_BAD ? "BAD" : "NO", error);
		return out;
	}
	assert_int_equal(imap_search_program_append(&b, prog), 0);
	assert_int_equal(parse(buf_cstr(&b), NULL, &prog2, &error),
			 IMAP_SEARCH_PARSE_OK);
	assert_int_equal(imap_search_program_append(&b2, prog2), 0);
	assert_string_equal(buf_cstr(&b), buf_cstr(&b2));
	assert_int_equal(prog->ext, prog2->ext);
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_free(&b);
	buf_free(&b2);
	return out;
}

static uint32_t
ext_of(const char *args)
{
	struct imap_search_program *prog;
	const char *error;

	assert_int_equal(parse(args, NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	return prog->ext;
}

static void
test_all_keys(void **state)
{
	(void)state;
	assert_string_equal(canon("all answered deleted draft flagged new old "
				  "recent seen unanswered undeleted undraft "
				  "unflagged unseen"),
			    "ALL ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT "
			    "SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED "
			    "UNSEEN");
	assert_string_equal(canon("BCC a CC \"b c\" FROM {3+}\r\nd e "
				  "SUBJECT \"\" TEXT x BODY y TO z"),
			    "BCC a CC \"b c\" FROM \"d e\" SUBJECT \"\" TEXT x "
			    "BODY y TO z");
	assert_string_equal(canon("BEFORE 1-Feb-1994 ON \"01-feb-1994\" SINCE "
				  "29-Feb-2000 SENTBEFORE 1-Jan-2024 SENTON "
				  "2-Jan-2024 SENTSINCE 31-Dec-1999"),
			    "BEFORE 1-Feb-1994 ON 1-Feb-1994 SINCE 29-Feb-2000 "
			    "SENTBEFORE 1-Jan-2024 SENTON 2-Jan-2024 "
			    "SENTSINCE 31-Dec-1999");
	assert_string_equal(canon("HEADER Message-ID \"<x@y>\" HEADER "
				  "X-Spam \"\""),
			    "HEADER Message-ID <x@y> HEADER X-Spam \"\"");
	assert_string_equal(canon("KEYWORD $Junk UNKEYWORD NonJunk"),
			    "KEYWORD $Junk UNKEYWORD NonJunk");
	assert_string_equal(canon("LARGER 0 SMALLER 9223372036854775807"),
			    "LARGER 0 SMALLER 9223372036854775807");
	assert_string_equal(canon("1:5,7 UID 403:* 2 *"),
			    "1:5,7 UID 403:* 2 *");
	assert_string_equal(canon("NOT DELETED OR SEEN FLAGGED"),
			    "NOT DELETED OR SEEN FLAGGED");
	assert_string_equal(canon("(SEEN) (DELETED FROM x) NOT (ALL)"),
			    "(SEEN) (DELETED FROM x) NOT (ALL)");
	/* RFC 3501 section 6.4.4 examples */
	assert_string_equal(canon("FLAGGED SINCE 1-Feb-1994 NOT FROM "
				  "\"Smith\""),
			    "FLAGGED SINCE 1-Feb-1994 NOT FROM Smith");
	assert_string_equal(canon("TEXT \"string not in mailbox\""),
			    "TEXT \"string not in mailbox\"");
	assert_string_equal(canon("CHARSET UTF-8 TEXT {6+}\r\nXXXXXX"),
			    "CHARSET UTF-8 TEXT XXXXXX");
}

static void
test_extensions(void **state)
{
	struct imap_search_program *prog;
	const char *error;

	(void)state;
	assert_string_equal(imap_ext_name(IMAP_EXT_CONDSTORE), "CONDSTORE");
	assert_string_equal(imap_ext_name(IMAP_EXT_SPECIAL_USE), "SPECIAL-USE");
	assert_null(imap_ext_name(IMAP_EXT_CONDSTORE | IMAP_EXT_WITHIN));
	assert_null(imap_ext_name(0));
	assert_int_equal(ext_of("ALL"), 0);
	assert_int_equal(ext_of("MODSEQ 620162338"), IMAP_EXT_CONDSTORE);
	assert_string_equal(canon("MODSEQ \"/flags/\\\\draft\" all 620162338"),
			    "MODSEQ \"/flags/\\\\draft\" all 620162338");
	assert_string_equal(canon("modseq \"/flags/$MDNSent\" PRIV 0"),
			    "MODSEQ \"/flags/$MDNSent\" priv 0");
	assert_int_equal(ext_of("YOUNGER 259200 OLDER 1"), IMAP_EXT_WITHIN);
	assert_int_equal(ext_of("SAVEDBEFORE 1-Jan-2020 SAVEDON 2-Jan-2020 "
				"SAVEDSINCE 3-Jan-2020 SAVEDATESUPPORTED"),
			 IMAP_EXT_SAVEDATE);
	assert_int_equal(ext_of("$"), IMAP_EXT_SEARCHRES);
	assert_int_equal(ext_of("UID $"), IMAP_EXT_SEARCHRES);
	assert_int_equal(ext_of("EMAILID M6d99ac3275bb4e THREADID T64b4"),
			 IMAP_EXT_OBJECTID);
	assert_int_equal(ext_of("RETURN (MIN MAX) ALL"), IMAP_EXT_ESEARCH);
	assert_int_equal(ext_of("RETURN (SAVE) ALL"), IMAP_EXT_SEARCHRES);
	assert_int_equal(ext_of("RETURN (SAVE MIN) UNSEEN YOUNGER 5"),
			 IMAP_EXT_SEARCHRES | IMAP_EXT_ESEARCH |
			     IMAP_EXT_WITHIN);
	/* RFC 4731 section 3.1: RETURN () is RETURN (ALL) */
	assert_int_equal(parse("RETURN () ALL", NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	assert_true(prog->has_return);
	assert_int_equal(prog->return_opts, IMAP_SEARCH_RETURN_ALL);
	assert_string_equal(canon("return (count all min max save) charset "
				  "us-ascii seen"),
			    "RETURN (MIN MAX ALL COUNT SAVE) CHARSET US-ASCII "
			    "SEEN");
}

static void
test_values(void **state)
{
	struct imap_search_program *prog;
	const struct imap_search_key *k;
	const char *error;

	(void)state;
	{
		size_t count;

		/* 8-bit atoms never reach the search parser */
		assert_null(
		    test_parse_args(pool, "SUBJECT caf\xc3\xa9", &count));
	}
	assert_int_equal(parse("SINCE 1-Feb-1994 HEADER Subject {5+}\r\n"
			       "caf\xc3\xa9 UID 1:*",
			       NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	assert_int_equal(prog->root->type, IMAP_SEARCH_AND);
	assert_int_equal(prog->root->u.list.count, 3);
	k = &prog->root->u.list.keys[0];
	assert_int_equal(k->type, IMAP_SEARCH_SINCE);
	assert_int_equal(k->u.date, 760060800);
	k++;
	assert_int_equal(k->type, IMAP_SEARCH_HEADER);
	assert_string_equal(k->u.header.field, "Subject");
	assert_int_equal(k->u.header.value_len, 5);
	assert_memory_equal(k->u.header.value, "caf\xc3\xa9", 5);
	k++;
	assert_int_equal(k->type, IMAP_SEARCH_UID);
	assert_false(k->u.seqset.dollar);
	assert_int_equal(k->u.seqset.len, 3);
	assert_null(prog->charset);
	assert_int_equal(prog->nodes, 3);

	assert_int_equal(parse("OR OR FROM a TO b CC c", NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	k = &prog->root->u.list.keys[0];
	assert_int_equal(k->type, IMAP_SEARCH_OR);
	assert_int_equal(k->u.list.count, 2);
	assert_int_equal(k->u.list.keys[0].type, IMAP_SEARCH_OR);
	assert_int_equal(k->u.list.keys[1].type, IMAP_SEARCH_CC);
	assert_int_equal(prog->nodes, 5);
}

static void
test_charset(void **state)
{
	struct imap_search_program *prog;
	const char *error;

	(void)state;
	assert_int_equal(
	    parse("CHARSET ISO-8859-1 TEXT x", NULL, &prog, &error),
	    IMAP_SEARCH_PARSE_BADCHARSET);
	assert_string_equal(error, "Unsupported charset");
	assert_int_equal(parse("CHARSET \"utf-8\" TEXT x", NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	assert_string_equal(prog->charset, "UTF-8");
	assert_int_equal(parse("CHARSET US-ASCII TEXT {2+}\r\n\xc3\xa9", NULL,
			       &prog, &error),
			 IMAP_SEARCH_PARSE_BAD);
	assert_int_equal(
	    parse("CHARSET UTF-8 TEXT {2+}\r\n\xc3\xa9", NULL, &prog, &error),
	    IMAP_SEARCH_PARSE_OK);
	/* no CHARSET: UTF-8 is accepted (RFC 9051 section 6.4.4) */
	assert_int_equal(parse("TEXT {2+}\r\n\xc3\xa9", NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	assert_int_equal(parse("TEXT {2+}\r\n\xc3\x28", NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_BAD);
	assert_string_equal(error, "Search string is not valid UTF-8");
	assert_string_equal(canon("CHARSET"), "BAD: Charset name expected");
	assert_string_equal(canon("CHARSET (UTF-8) ALL"),
			    "BAD: Charset name expected");
	assert_string_equal(canon("CHARSET UTF-8"), "BAD: Missing search key");
}

static void
test_malformed(void **state)
{
	struct imap_search_program *prog;
	const char *error;

	(void)state;
	assert_int_equal(imap_search_parse(pool, NULL, 0, NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_BAD);
	assert_string_equal(error, "Missing search key");
	assert_string_equal(canon("FOO"), "BAD: Unknown search key");
	assert_string_equal(canon("NIL"), "BAD: Unknown search key");
	assert_string_equal(canon("\"ALL\""), "BAD: Invalid search key");
	assert_string_equal(canon("()"), "BAD: Missing search key");
	assert_string_equal(canon("NOT"), "BAD: Missing search key");
	assert_string_equal(canon("OR SEEN"), "BAD: Missing search key");
	assert_string_equal(canon("FROM"), "BAD: Search string expected");
	assert_string_equal(canon("FROM (a)"), "BAD: Search string expected");
	assert_string_equal(canon("FROM a*"), "BAD: Search string expected");
	assert_string_equal(canon("BEFORE"), "BAD: Invalid date");
	assert_string_equal(canon("BEFORE 30-Feb-2020"), "BAD: Invalid date");
	assert_string_equal(canon("BEFORE \" 1-Feb-1994 21:52:25 -0800\""),
			    "BAD: Invalid date");
	assert_string_equal(canon("LARGER"), "BAD: Invalid size");
	assert_string_equal(canon("LARGER -1"), "BAD: Invalid size");
	assert_string_equal(canon("LARGER 1k"), "BAD: Invalid size");
	assert_string_equal(canon("LARGER \"5\""), "BAD: Invalid size");
	assert_string_equal(canon("LARGER 9223372036854775808"),
			    "BAD: Invalid size");
	assert_string_equal(canon("YOUNGER 0"), "BAD: Invalid interval");
	assert_string_equal(canon("YOUNGER 05"), "BAD: Invalid interval");
	assert_string_equal(canon("YOUNGER 4294967296"),
			    "BAD: Invalid interval");
	assert_string_equal(canon("KEYWORD"), "BAD: Invalid keyword");
	assert_string_equal(canon("KEYWORD \\Seen"), "BAD: Invalid keyword");
	assert_string_equal(canon("KEYWORD \"x\""), "BAD: Invalid keyword");
	assert_string_equal(canon("HEADER"), "BAD: Invalid header field name");
	assert_string_equal(canon("HEADER \"\" x"),
			    "BAD: Invalid header field name");
	assert_string_equal(canon("HEADER \"a:b\" x"),
			    "BAD: Invalid header field name");
	assert_string_equal(canon("HEADER \"a b\" x"),
			    "BAD: Invalid header field name");
	assert_string_equal(canon("HEADER Subject"),
			    "BAD: Search string expected");
	/* bad sequence sets */
	assert_string_equal(canon("0"), "BAD: Invalid sequence set");
	assert_string_equal(canon("1:"), "BAD: Invalid sequence set");
	assert_string_equal(canon("1,,2"), "BAD: Invalid sequence set");
	assert_string_equal(canon("4294967296"), "BAD: Invalid sequence set");
	assert_string_equal(canon("UID a"), "BAD: Invalid sequence set");
	assert_string_equal(canon("UID"), "BAD: Invalid sequence set");
	assert_string_equal(canon("$,1"), "BAD: Invalid sequence set");
	/* MODSEQ */
	assert_string_equal(canon("MODSEQ"), "BAD: Invalid MODSEQ value");
	assert_string_equal(canon("MODSEQ 9223372036854775808"),
			    "BAD: Invalid MODSEQ value");
	assert_string_equal(canon("MODSEQ \"/flags/\\\\draft\" 5"),
			    "BAD: Invalid MODSEQ entry type");
	assert_string_equal(canon("MODSEQ \"/flags/\\\\draft\" mine 5"),
			    "BAD: Invalid MODSEQ entry type");
	assert_string_equal(canon("MODSEQ \"/vendor/x\" all 5"),
			    "BAD: Invalid MODSEQ entry name");
	assert_string_equal(canon("MODSEQ \"/flags/\" all 5"),
			    "BAD: Invalid MODSEQ entry name");
	assert_string_equal(canon("MODSEQ \"/flags/a b\" all 5"),
			    "BAD: Invalid MODSEQ entry name");
	/* RETURN */
	assert_string_equal(canon("RETURN ALL"),
			    "BAD: RETURN options expected");
	assert_string_equal(canon("RETURN (FOO) ALL"),
			    "BAD: Unknown RETURN option");
	assert_string_equal(canon("RETURN (MIN)"), "BAD: Missing search key");
	assert_string_equal(canon("CHARSET UTF-8 RETURN (MIN) ALL"),
			    "BAD: Unknown search key");
	/* object ids */
	assert_string_equal(canon("EMAILID"), "BAD: Invalid object ID");
	assert_string_equal(canon("EMAILID a.b"), "BAD: Invalid object ID");
	assert_string_equal(canon("EMAILID \"abc\""), "BAD: Invalid object ID");
}

static void
test_limits(void **state)
{
	struct imap_search_settings set = {.max_depth = 10, .max_nodes = 20};
	struct imap_search_program *prog;
	struct buf args = BUF_INIT;
	const char *error;

	(void)state;
	for (int i = 0; i < 10; i++)
		buf_append_str(&args, "NOT ");
	buf_append_str(&args, "SEEN");
	assert_int_equal(parse(buf_cstr(&args), &set, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	buf_clear(&args);
	for (int i = 0; i < 11; i++)
		buf_append_str(&args, "NOT ");
	buf_append_str(&args, "SEEN");
	assert_int_equal(parse(buf_cstr(&args), &set, &prog, &error),
			 IMAP_SEARCH_PARSE_BAD);
	assert_string_equal(error, "Search program nested too deeply");
	buf_clear(&args);
	for (int i = 0; i < 21; i++)
		buf_append_str(&args, "SEEN ");
	buf_append_str(&args, "SEEN");
	assert_int_equal(parse(buf_cstr(&args), &set, &prog, &error),
			 IMAP_SEARCH_PARSE_BAD);
	assert_string_equal(error, "Search program too large");

	/* defaults: a long OR chain as clients generate for many terms */
	buf_clear(&args);
	for (int i = 0; i < 60; i++)
		buf_append_str(&args, "OR ");
	for (int i = 0; i < 61; i++)
		buf_printf(&args, "%sSUBJECT s%d", i > 0 ? " " : "", i);
	assert_int_equal(parse(buf_cstr(&args), NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	assert_int_equal(prog->nodes, 121);
	buf_clear(&args);
	for (int i = 0; i < 128; i++)
		buf_append_str(&args, "NOT ");
	buf_append_str(&args, "SEEN");
	assert_int_equal(parse(buf_cstr(&args), NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_OK);
	buf_clear(&args);
	for (int i = 0; i < 129; i++)
		buf_append_str(&args, "NOT ");
	buf_append_str(&args, "SEEN");
	assert_int_equal(parse(buf_cstr(&args), NULL, &prog, &error),
			 IMAP_SEARCH_PARSE_BAD);
	buf_free(&args);
}

static void
test_clients(void **state)
{
	static const char *const searches[] = {
	    /* Thunderbird quick filter */
	    "UNDELETED OR OR OR FROM \"bob\" TO \"bob\" CC \"bob\" "
	    "SUBJECT \"bob\"",
	    /* Apple Mail */
	    "1:* NOT DELETED",
	    "UID 1:* UNSEEN",
	    /* Outlook */
	    "UNSEEN UNDELETED",
	    /* mutt */
	    "CHARSET UTF-8 OR SUBJECT x BODY x",
	    /* offlineimap / mbsync */
	    "ALL",
	    "SINCE 01-Jan-2024",
	    "UID 1:* NOT DELETED",
	    /* K-9 / FairEmail style */
	    "CHARSET UTF-8 OR OR FROM {3}\r\nabc SUBJECT {3}\r\nabc TEXT "
	    "{3}\r\nabc",
	    "RETURN (COUNT) UNSEEN",
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(searches); i++) {
		const char *c = canon(searches[i]);

		if (strncmp(c, "BAD", 3) == 0 || strncmp(c, "NO", 2) == 0)
			fail_msg("%s -> %s", searches[i], c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_keys),  cmocka_unit_test(test_extensions),
	    cmocka_unit_test(test_values),    cmocka_unit_test(test_charset),
	    cmocka_unit_test(test_malformed), cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_clients),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
