/* SPDX-License-Identifier: MIT */
/*
 * SEARCH matcher tests: header, body and text keys over the corpus,
 * RFC 2047 / transfer / charset decoding, i;unicode-casemap matching,
 * needles straddling chunks, early termination and key validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "mime/mime-casemap.h"
#include "mime/mime-parser.h"
#include "mime/mime-search.h"
#include "mime/mime-summary.h"
#include "mime-test-util.h"

#include <string.h>

struct key {
	enum mime_search_type type;
	const char *field;
	const char *needle;
	bool match;
};

static struct mime_summary *
summarize(struct pool *pool, const struct buf *msg)
{
	struct mime_message *m = mime_parse(pool, msg->data, msg->len, NULL);
	struct mime_summary *s;
	struct buf blob = BUF_INIT;
	struct err err;

	assert_int_equal(mime_summary_serialize(m, &blob), 0);
	assert_int_equal(mime_summary_parse(blob.data, blob.len, pool, &s,
					    &err), 0);
	buf_free(&blob);
	return s;
}

/* Runs the keys on a corpus message one-shot and in 1- and 5-byte
   chunks; all must agree with the expectations. */
static void
check(const char *name, const struct key *keys, size_t n)
{
	struct pool *pool = pool_create(16384);
	struct mime_search *search = mime_search_create();
	struct buf msg = BUF_INIT;
	struct mime_summary *s;
	uint64_t want = 0, got;
	struct err err;

	test_read_message(name, &msg);
	s = summarize(pool, &msg);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(mime_search_add(search, keys[i].type,
						 keys[i].field, keys[i].needle,
						 strlen(keys[i].needle), &err),
				 (int)i);
		if (keys[i].match)
			want |= 1ull << i;
	}
	got = mime_search_message(search, s, msg.data, msg.len);
	for (size_t i = 0; i < n; i++) {
		if (((got >> i) & 1) != ((want >> i) & 1))
			fail_msg("%s: key %zu (%s) %s", name, i,
				 keys[i].needle,
				 keys[i].match ? "did not match" : "matched");
	}
	for (size_t chunk = 1; chunk <= 5; chunk += 4) {
		struct mime_search_ctx *ctx = mime_search_begin(search, s);

		for (size_t off = 0; off < msg.len; off += chunk) {
			if (mime_search_feed(ctx, msg.data + off,
					     MIN(chunk, msg.len - off)) == 1)
				break;
		}
		assert_int_equal(mime_search_end(&ctx), want);
	}
	mime_search_destroy(&search);
	buf_free(&msg);
	pool_destroy(&pool);
}

#define H MIME_SEARCH_HEADER
#define B MIME_SEARCH_BODY
#define T MIME_SEARCH_TEXT

static void
test_search_headers(void **state)
{
	static const struct key k1[] = {
		{ H, "Subject", "caf\xc3\xa9", true },
		{ H, "subject", "CAF\xc3\x89", true },
		{ H, "Subject", "\xe2\x80\x9cquoted\xe2\x80\x9d", true },
		{ H, "Subject", "split \xe2\x82\xac euro", true },
		{ H, "Subject", "\xe3\x81\xa6\xe3\x81\x99\xe3\x81\xa8", true },
		{ H, "From", "andr\xc3\xa9 pirard", true },
		{ H, "From", "pirard@vm1", true },
		{ H, "To", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
		  true },
		{ H, "Cc", "\xe6\x97\xa5\xe6\x9c\xac", true },
		{ H, "Bcc", "", false },
		{ H, "Subject", "", true },
		{ H, "X-Broken", "=?bogus?x?word?=", true },
		{ H, "Subject", "body", false },
		{ B, NULL, "body", true },
		{ B, NULL, "caf\xc3\xa9", false },
		{ T, NULL, "caf\xc3\xa9", true },
		{ T, NULL, "x-broken: =?utf-8?q?unterminated", true },
	};
	static const struct key k2[] = {
		{ H, "X-Long", "yyyyyyyy", true },
		{ H, "Received", "host1999 by mx1999", true },
		{ T, NULL, "received: from host42 ", true },
		{ B, NULL, "host42", false },
	};

	(void)state;
	check("subjects-2047.eml", k1, N_ELEMENTS(k1));
	check("long-header.eml", k2, N_ELEMENTS(k2));
}

static void
test_search_bodies(void **state)
{
	static const struct key alt[] = {
		{ B, NULL, "gr\xc3\xbc\xc3\x9f" "e aus m\xc3\xbcnchen", true },
		{ B, NULL, "M\xc3\x9cNCHEN", true },
		{ B, NULL, "munchen", false },
		{ B, NULL, "a soft line break", true },
		{ B, NULL, "<b>m\xc3\xbcnchen</b>", true },
		{ B, NULL, "multi-part message in mime", false },
		{ B, NULL, "=C3", false },
		{ T, NULL, "subject: alternative", true },
	};
	static const struct key fwd[] = {
		{ B, NULL, "original text", true },
		{ B, NULL, "subject: original subject", true },
		{ B, NULL, "see below", true },
		{ B, NULL, "fwd@example", false },
		{ T, NULL, "fwd@example", true },
		{ B, NULL, "R0lGOD", false },
		{ H, "Subject", "fwd: original", true },
		{ H, "To", "someone", false },
	};
	static const struct key att[] = {
		{ B, NULL, "attached report", true },
		{ B, NULL, "AAECAwQF", false },
		{ T, NULL, "report.pdf", false },
	};
	static const struct key latin[] = {
		{ B, NULL, "cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e", true },
		{ B, NULL, "\xe2\x80\x9cquoted\xe2\x80\x9d", true },
		{ B, NULL, "", true },
		{ T, NULL, "", true },
	};
	static const struct key nested[] = {
		{ B, NULL, "plain version", true },
		{ B, NULL, "cid:img1", true },
		{ B, NULL, "notes", true },
		{ B, NULL, "iVBOR", false },
	};

	(void)state;
	check("alternative.eml", alt, N_ELEMENTS(alt));
	check("forwarded.eml", fwd, N_ELEMENTS(fwd));
	check("attachment-base64.eml", att, N_ELEMENTS(att));
	check("latin1-body.eml", latin, N_ELEMENTS(latin));
	check("nested-related.eml", nested, N_ELEMENTS(nested));
}

static void
test_search_api(void **state)
{
	struct mime_search *s = mime_search_create();
	struct pool *pool = pool_create(4096);
	struct mime_search_ctx *ctx;
	struct mime_summary *sum;
	struct buf msg = BUF_INIT, canon = BUF_INIT;
	char big[MIME_SEARCH_NEEDLE_MAX + 1];
	struct err err;

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(mime_search_add(s, B, NULL, big, sizeof(big), &err),
			 -1);
	assert_int_equal(err.code, ERR_LIMIT);
	assert_int_equal(mime_search_add(s, H, "a b", "x", 1, &err), -1);
	assert_int_equal(err.code, ERR_PARAMS);
	assert_int_equal(mime_search_add(s, H, "", "x", 1, &err), -1);
	assert_int_equal(mime_search_add(s, H, "a:b", "x", 1, &err), -1);
	assert_int_equal(mime_search_add(s, H, NULL, "x", 1, &err), -1);
	for (int i = 0; i < MIME_SEARCH_MAX_KEYS; i++)
		assert_int_equal(mime_search_add(s, H, "Subject", "x", 1,
						 &err), i);
	assert_int_equal(mime_search_add(s, H, "Subject", "x", 1, &err), -1);
	mime_search_destroy(&s);

	/* a header-only search is decided after the header */
	s = mime_search_create();
	assert_int_equal(mime_search_add(s, H, "Subject", "none", 4, &err),
			 0);
	buf_append_str(&msg, "Subject: hi\r\n\r\nbody\r\n");
	sum = summarize(pool, &msg);
	ctx = mime_search_begin(s, sum);
	assert_int_equal(mime_search_feed(ctx, msg.data, 10), 0);
	assert_int_equal(mime_search_feed(ctx, msg.data + 10, 5), 1);
	assert_int_equal(mime_search_end(&ctx), 0);
	mime_search_destroy(&s);
	assert_null(s);

	/* RFC 5051 section 2's example: U+01C4 -> U+0044 U+007A U+030C */
	mime_casemap_append("\xc7\x84", 2, &canon);
	assert_string_equal(buf_cstr(&canon), "Dz\xcc\x8c");
	buf_clear(&canon);
	mime_casemap_append("\xef\xac\x81 caf\xe9", 8, &canon);
	/* U+FB01 has no titlecase mapping; it decomposes to "fi" */
	assert_string_equal(buf_cstr(&canon), "fi CAFE\xcc\x81");
	buf_free(&canon);
	buf_free(&msg);
	pool_destroy(&pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_headers),
		cmocka_unit_test(test_search_bodies),
		cmocka_unit_test(test_search_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
