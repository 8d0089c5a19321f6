/* SPDX-License-Identifier: MIT */
/* Unit tests for the FETCH item parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-fetch-parse.h"

#include <inttypes.h>
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

/* Renders the parsed request: response names, then markers. */
static const char *
fetch_uid(const char *args, bool uid)
{
	static char out[2048];
	struct imap_fetch_request *req;
	const struct imap_arg *a;
	const char *error;
	struct buf b = BUF_INIT;
	size_t count;

	a = test_parse_args(pool, args, &count);
	assert_non_null(a);
	if (imap_fetch_parse(pool, a, count, uid, &req, &error) < 0) {
		snprintf(out, sizeof(out), "BAD: %s", error);
		return out;
	}
	for (size_t i = 0; i < req->count; i++) {
		const struct imap_fetch_item *it = &req->items[i];

		if (i > 0)
			buf_append_c(&b, ' ');
		assert_int_equal(imap_fetch_item_append_name(&b, it), 0);
		if (it->peek)
			buf_append_str(&b, "/peek");
		if (it->partial)
			buf_printf(&b, "/%" PRIu64 "+%" PRIu64,
				   it->partial_offset, it->partial_count);
		if (it->preview_lazy)
			buf_append_str(&b, "/lazy");
	}
	if (req->sets_seen)
		buf_append_str(&b, " !seen");
	if (req->changedsince_set)
		buf_printf(&b, " !changedsince=%" PRIu64, req->changedsince);
	if (req->vanished)
		buf_append_str(&b, " !vanished");
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_free(&b);
	return out;
}

static const char *
fetch(const char *args)
{
	return fetch_uid(args, false);
}

static uint32_t
ext_of(const char *args, bool uid)
{
	struct imap_fetch_request *req;
	const struct imap_arg *a;
	const char *error;
	size_t count;

	a = test_parse_args(pool, args, &count);
	assert_non_null(a);
	assert_int_equal(imap_fetch_parse(pool, a, count, uid, &req, &error),
			 0);
	return req->ext;
}

static void
test_items(void **state)
{
	(void)state;
	assert_string_equal(fetch("FLAGS"), "FLAGS");
	assert_string_equal(fetch("(envelope flags internaldate rfc822 "
				  "rfc822.header rfc822.size rfc822.text body "
				  "bodystructure uid)"),
			    "ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER "
			    "RFC822.SIZE RFC822.TEXT BODY BODYSTRUCTURE UID "
			    "!seen");
	/* RFC 3501 section 6.4.5 macros */
	assert_string_equal(fetch("ALL"),
			    "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE");
	assert_string_equal(fetch("fast"), "FLAGS INTERNALDATE RFC822.SIZE");
	assert_string_equal(fetch("FULL"),
			    "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY");
	assert_string_equal(fetch("(ALL)"), "BAD: Unknown FETCH item");
	assert_string_equal(fetch("RFC822.HEADER"), "RFC822.HEADER");
	assert_string_equal(fetch("RFC822.TEXT"), "RFC822.TEXT !seen");
}

static void
test_sections(void **state)
{
	(void)state;
	assert_string_equal(fetch("BODY[]"), "BODY[] !seen");
	assert_string_equal(fetch("BODY.PEEK[]"), "BODY[]/peek");
	assert_string_equal(fetch("body.peek[header]"), "BODY[HEADER]/peek");
	assert_string_equal(fetch("BODY[TEXT]"), "BODY[TEXT] !seen");
	assert_string_equal(fetch("BODY[1]"), "BODY[1] !seen");
	assert_string_equal(fetch("BODY[1.2.3]"), "BODY[1.2.3] !seen");
	assert_string_equal(fetch("BODY[4.2.HEADER]"),
			    "BODY[4.2.HEADER] !seen");
	assert_string_equal(fetch("BODY[3.MIME]"), "BODY[3.MIME] !seen");
	assert_string_equal(fetch("BODY[3.TEXT]"), "BODY[3.TEXT] !seen");
	assert_string_equal(fetch("BODY.PEEK[HEADER.FIELDS (From To)]"),
			    "BODY[HEADER.FIELDS (From To)]/peek");
	assert_string_equal(fetch("BODY[HEADER.FIELDS.NOT (X-A \"X-B\")]"),
			    "BODY[HEADER.FIELDS.NOT (X-A X-B)] !seen");
	assert_string_equal(fetch("BODY.PEEK[1.2.HEADER.FIELDS ({4+}\r\n"
				  "Date)]<0.100>"),
			    "BODY[1.2.HEADER.FIELDS (Date)]<0>/peek/0+100");
	assert_string_equal(fetch("(UID BODY.PEEK[HEADER.FIELDS (Subject)] "
				  "FLAGS)"),
			    "UID BODY[HEADER.FIELDS (Subject)]/peek FLAGS");
	/* partials */
	assert_string_equal(fetch("BODY[]<0.32768>"),
			    "BODY[]<0>/0+32768 !seen");
	assert_string_equal(fetch("BODY[TEXT]<4294967295.4294967295>"),
			    "BODY[TEXT]<4294967295>/4294967295+4294967295 "
			    "!seen");
	assert_string_equal(fetch("BODY[]<00.1>"), "BODY[]<0>/0+1 !seen");
	/* RFC 3516 */
	assert_string_equal(fetch("(BINARY[] BINARY.PEEK[1.2]<5.10> "
				  "BINARY.SIZE[3])"),
			    "BINARY[] BINARY[1.2]/peek/5+10 BINARY.SIZE[3] "
			    "!seen");
	assert_string_equal(fetch("(BINARY.PEEK[1] BINARY.SIZE[1])"),
			    "BINARY[1]/peek BINARY.SIZE[1]");
}

static void
test_section_errors(void **state)
{
	(void)state;
	assert_string_equal(fetch("BODY[0]"),
			    "BAD: Invalid section part number");
	assert_string_equal(fetch("BODY[01]"),
			    "BAD: Invalid section part number");
	assert_string_equal(fetch("BODY[4294967296]"),
			    "BAD: Invalid section part number");
	assert_string_equal(fetch("BODY[1.]"), "BAD: Invalid section");
	assert_string_equal(fetch("BODY[.1]"), "BAD: Invalid section");
	assert_string_equal(fetch("BODY[1..2]"), "BAD: Invalid section");
	assert_string_equal(fetch("BODY[MIME]"), "BAD: Invalid section");
	assert_string_equal(fetch("BODY[HEADERS]"), "BAD: Invalid section");
	assert_string_equal(fetch("BODY[1HEADER]"), "BAD: Invalid section");
	assert_string_equal(fetch("BODY[HEADER.FIELDS]"),
			    "BAD: Header field list expected");
	assert_string_equal(fetch("BODY[HEADER.FIELDS ()]"),
			    "BAD: Header field list expected");
	assert_string_equal(fetch("BODY[HEADER.FIELDS (a:b)]"),
			    "BAD: Invalid header field name");
	assert_string_equal(fetch("BODY[HEADER.FIELDS (\"a b\")]"),
			    "BAD: Invalid header field name");
	assert_string_equal(fetch("BODY[HEADER.FIELDS ((a))]"),
			    "BAD: Invalid header field name");
	assert_string_equal(fetch("(BODY[TEXT (a)])"), "BAD: Missing ']'");
	assert_string_equal(fetch("BODY[HEADER"), "BAD: Missing ']'");
	assert_string_equal(fetch("BODY[TEXT"), "BAD: Missing ']'");
	assert_string_equal(fetch("BODY.PEEK"), "BAD: Unknown FETCH item");
	assert_string_equal(fetch("BODYX[]"), "BAD: Unknown FETCH item");
	assert_string_equal(fetch("BINARY[TEXT]"),
			    "BAD: Invalid BINARY section");
	assert_string_equal(fetch("BINARY[1.MIME]"),
			    "BAD: Invalid BINARY section");
	assert_string_equal(fetch("BINARY.SIZE[1]<0.5>"),
			    "BAD: BINARY.SIZE takes no partial");
	/* partials */
	assert_string_equal(fetch("BODY[]<0>"), "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]<0.0>"), "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]<1.05>"), "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]<.5>"), "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]<4294967296.1>"),
			    "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]<1.4294967296>"),
			    "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]<1.2"), "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]<1.2>x"), "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]x"), "BAD: Invalid partial");
	assert_string_equal(fetch("BODY[]]"), "BAD: Invalid partial");
	/* part nesting bound */
	{
		struct buf b = BUF_INIT;

		buf_append_str(&b, "BODY[");
		for (int i = 0; i < IMAP_FETCH_MAX_PARTS; i++)
			buf_printf(&b, "%s1", i > 0 ? "." : "");
		buf_append_str(&b, "]");
		assert_true(strncmp(fetch(buf_cstr(&b)), "BODY[1.1.1", 10) ==
			    0);
		buf_truncate(&b, b.len - 1);
		buf_append_str(&b, ".1]");
		assert_string_equal(fetch(buf_cstr(&b)),
				    "BAD: Section part nested too deeply");
		buf_free(&b);
	}
}

static void
test_errors(void **state)
{
	struct imap_fetch_request *req;
	const char *error;

	(void)state;
	assert_int_equal(imap_fetch_parse(pool, NULL, 0, false, &req, &error),
			 -1);
	assert_string_equal(error, "Missing FETCH items");
	assert_string_equal(fetch("()"), "BAD: Empty FETCH item list");
	assert_string_equal(fetch("FOO"), "BAD: Unknown FETCH item");
	assert_string_equal(fetch("\"FLAGS\""), "BAD: Invalid FETCH item");
	assert_string_equal(fetch("(FLAGS (UID))"), "BAD: Invalid FETCH item");
	assert_string_equal(fetch("FLAGS UID"), "BAD: Invalid FETCH modifiers");
	assert_string_equal(fetch("FLAGS (X) (Y)"),
			    "BAD: Unknown or repeated FETCH modifier");
	assert_string_equal(fetch("FLAGS ()"), "BAD: Invalid FETCH modifiers");
	assert_string_equal(fetch("FLAGS (CHANGEDSINCE 1) x"),
			    "BAD: Unexpected FETCH arguments");
	assert_string_equal(fetch("NIL"), "BAD: Invalid FETCH item");
	assert_string_equal(fetch("FLAGS*"), "BAD: Invalid FETCH item");
}

static void
test_extensions(void **state)
{
	(void)state;
	assert_int_equal(ext_of("(FLAGS UID)", false), 0);
	assert_int_equal(ext_of("MODSEQ", false), IMAP_EXT_CONDSTORE);
	assert_int_equal(ext_of("BINARY.PEEK[]", false), IMAP_EXT_BINARY);
	assert_int_equal(ext_of("(EMAILID THREADID)", false),
			 IMAP_EXT_OBJECTID);
	assert_int_equal(ext_of("SAVEDATE", false), IMAP_EXT_SAVEDATE);
	assert_int_equal(ext_of("PREVIEW", false), IMAP_EXT_PREVIEW);
	assert_int_equal(ext_of("FLAGS (CHANGEDSINCE 12345)", false),
			 IMAP_EXT_CONDSTORE);
	assert_int_equal(ext_of("FLAGS (CHANGEDSINCE 12345 VANISHED)", true),
			 IMAP_EXT_CONDSTORE | IMAP_EXT_QRESYNC);
	/* RFC 8970: PREVIEW (LAZY) */
	assert_string_equal(fetch("PREVIEW (LAZY)"), "PREVIEW/lazy");
	assert_string_equal(fetch("(UID PREVIEW (lazy) FLAGS)"),
			    "UID PREVIEW/lazy FLAGS");
	assert_string_equal(fetch("PREVIEW (CHANGEDSINCE 5)"),
			    "PREVIEW !changedsince=5");
	assert_string_equal(fetch("PREVIEW (LAZY) (CHANGEDSINCE 5)"),
			    "PREVIEW/lazy !changedsince=5");
	/* RFC 7162 */
	assert_string_equal(
	    fetch_uid("(FLAGS) (CHANGEDSINCE 12345 VANISHED)", true),
	    "FLAGS !changedsince=12345 !vanished");
	assert_string_equal(fetch("FLAGS (VANISHED)"),
			    "BAD: VANISHED needs UID FETCH");
	assert_string_equal(fetch_uid("FLAGS (VANISHED)", true),
			    "BAD: VANISHED needs CHANGEDSINCE");
	assert_string_equal(fetch("FLAGS (CHANGEDSINCE 0)"),
			    "BAD: Invalid CHANGEDSINCE value");
	assert_string_equal(fetch("FLAGS (CHANGEDSINCE)"),
			    "BAD: Invalid CHANGEDSINCE value");
	assert_string_equal(fetch("FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)"),
			    "BAD: Unknown or repeated FETCH modifier");
}

static void
test_clients(void **state)
{
	static const char *const fetches[] = {
	    /* Thunderbird */
	    "(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc "
	    "Bcc Subject Date Message-ID Priority X-Priority References "
	    "Newsgroups In-Reply-To Content-Type Reply-To)])",
	    "(UID RFC822.SIZE BODY.PEEK[]<0.32768>)",
	    "(UID RFC822.SIZE BODY.PEEK[] BODY.PEEK[1.MIME])",
	    /* Apple Mail */
	    "(FLAGS UID) (CHANGEDSINCE 4000)",
	    "(BODYSTRUCTURE BODY.PEEK[HEADER])",
	    "(INTERNALDATE UID RFC822.SIZE FLAGS "
	    "BODY.PEEK[HEADER.FIELDS (date subject from to cc message-id "
	    "in-reply-to references x-priority x-uniform-type-identifier "
	    "x-universally-unique-identifier received-spf "
	    "x-spam-status x-spam-flag)])",
	    /* Outlook */
	    "(UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])",
	    /* mutt */
	    "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS "
	    "(DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES "
	    "CONTENT-TYPE CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES "
	    "LIST-POST X-LABEL X-ORIGINAL-TO)])",
	    "BODY.PEEK[]",
	    /* mbsync, offlineimap */
	    "(UID FLAGS)",
	    "(FLAGS UID INTERNALDATE)",
	    "(BODY.PEEK[] FLAGS INTERNALDATE)",
	};

	(void)state;
	for (size_t i = 0; i < N_ELEMENTS(fetches); i++) {
		const char *r = fetch(fetches[i]);

		if (strncmp(r, "BAD", 3) == 0)
			fail_msg("%s -> %s", fetches[i], r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_items),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_section_errors),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_extensions),
	    cmocka_unit_test(test_clients),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
