/* SPDX-License-Identifier: MIT */
/* Unit tests for the load generator's parts that read untrusted bytes or
   compute results: histograms, the corpus, IMAP framing and parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "loadgen/corpus.h"
#include "loadgen/hist.h"
#include "loadgen/imap.h"
#include "lib/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- histograms ---- */

static void
test_hist_quantiles(void **state)
{
	struct hist h, h2;

	(void)state;
	hist_init(&h);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		hist_record(&h, v);
	assert_int_equal(h.count, 100000);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, 100000);
	/* within the bucket precision of 1/64 */
	for (unsigned i = 1; i < 100; i++) {
		double q = i / 100.0, want = q * 100000;
		double got = (double)hist_quantile(&h, q);

		assert_true(got >= want * (1 - 1.0 / 64) - 1);
		assert_true(got <= want * (1 + 1.0 / 64) + 1);
	}
	assert_int_equal(hist_quantile(&h, 0), 1);
	assert_int_equal(hist_quantile(&h, 1), 100000);
	/* small values are exact */
	hist_init(&h2);
	for (unsigned i = 0; i < 10; i++)
		hist_record(&h2, 7);
	assert_int_equal(hist_quantile(&h2, 0.5), 7);
	assert_int_equal(hist_quantile(&h2, 0.99), 7);
	/* huge values land in the last bucket, max stays exact */
	hist_record(&h2, UINT64_MAX / 2);
	assert_int_equal(h2.max, UINT64_MAX / 2);
	assert_int_equal(hist_quantile(&h2, 1), UINT64_MAX / 2);
	hist_merge(&h, &h2);
	assert_int_equal(h.count, 100011);
	assert_int_equal(h.max, UINT64_MAX / 2);
	assert_int_equal(h.min, 1);
}

/* ---- corpus ---- */

static const char msg1[] = "From: a@example.com\r\n"
			   "X-Bench-Id: t-1\r\n"
			   "Message-ID: <one@example.com>\r\n"
			   "\r\n"
			   "X-Bench-Id: t-2\r\n";
static const char msg2[] = "X-Bench-Id:   t-2  \r\n"
			   "\r\n"
			   "body\r\n";

static char *
make_set(const char *index, const char *data, size_t len)
{
	char tmpl[] = "/tmp/coffer-test-corpus.XXXXXX";
	char path[256], *dir;
	FILE *f;

	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	dir = strdup(dir);
	snprintf(path, sizeof(path), "%s/messages.bin", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	snprintf(path, sizeof(path), "%s/index.tsv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(index, f);
	fclose(f);
	return dir;
}

static void
test_corpus_verify(void **state)
{
	char data[sizeof(msg1) + sizeof(msg2)], index[256], why[256];
	size_t l1 = sizeof(msg1) - 1, l2 = sizeof(msg2) - 1;
	const struct corpus_msg *m;
	struct corpus c;
	struct err err;
	char *dir;

	(void)state;
	memcpy(data, msg1, l1);
	memcpy(data + l1, msg2, l2);
	snprintf(index, sizeof(index),
		 "t-1\t0\t%zu\t<one@example.com>\nt-2\t%zu\t%zu\t<two>\n", l1,
		 l1, l2);
	dir = make_set(index, data, l1 + l2);
	corpus_init(&c);
	assert_int_equal(corpus_load(&c, dir, &err), 0);
	assert_non_null(corpus_set(&c, "t"));
	assert_null(corpus_set(&c, "x"));
	/* the header names the message, not the body's look-alike */
	assert_int_equal(corpus_verify(&c, msg1, l1, &m, why, sizeof(why)), 0);
	assert_string_equal(m->id, "t-1");
	assert_string_equal(m->msgid, "<one@example.com>");
	assert_int_equal(corpus_verify(&c, msg2, l2, &m, why, sizeof(why)), 0);
	assert_string_equal(m->id, "t-2");
	/* one byte less, one byte changed, no header */
	assert_int_equal(corpus_verify(&c, msg1, l1 - 1, &m, why, sizeof(why)),
			 -1);
	assert_non_null(strstr(why, "expected"));
	data[l1 - 3] ^= 1;
	assert_int_equal(corpus_verify(&c, data, l1, &m, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "differs"));
	assert_int_equal(
	    corpus_verify(&c, "x\r\n\r\n", 5, &m, why, sizeof(why)), -1);
	assert_non_null(corpus_find_id(&c, " t-1\r\n", 6));
	assert_null(corpus_find_id(&c, " t-3\r\n", 6));
	assert_null(corpus_find_id(&c, "", 0));
	/* the same set twice */
	assert_int_equal(corpus_load(&c, dir, &err), -1);
	corpus_deinit(&c);
	(void)rm_rf(dir, NULL);
	free(dir);
}

static void
test_corpus_bad_index(void **state)
{
	static const char *const bad[] = {
	    "",			   /* empty */
	    "t-1\t0\t5\n",	   /* 3 fields */
	    "t-1\t0\t5\t<a>\tx\n", /* 5 fields */
	    "t-1\t0\t50\t<a>\n",   /* beyond the data */
	    "t-1\t18446744073709551615\t5\t<a>\n",
	    "t-1\t0\t0\t<a>\n",			/* empty message */
	    "t-1\t0\t5\t<a>",			/* no line end */
	    "t-1\t0\t5\t<a>\nt-1\t5\t5\t<b>\n", /* duplicate */
	    "t-1\t0\t5\t<a>\nu-2\t5\t5\t<b>\n", /* two sets */
	    "nodash\t0\t5\t<a>\n",
	    "t 1\t0\t5\t<a>\n",
	    "t-1\tx\t5\t<a>\n",
	};
	struct corpus c;
	struct err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *dir = make_set(bad[i], "0123456789", 10);

		corpus_init(&c);
		assert_int_equal(corpus_load(&c, dir, &err), -1);
		corpus_deinit(&c);
		(void)rm_rf(dir, NULL);
		free(dir);
	}
	corpus_init(&c);
	assert_int_equal(corpus_load(&c, "/nonexistent/dir", &err), -1);
	corpus_deinit(&c);
}

static void
test_checksum(void **state)
{
	uint8_t a[100];

	(void)state;
	memset(a, 'a', sizeof(a));
	/* every length and every position matters */
	for (size_t n = 0; n < 20; n++)
		assert_true(corpus_checksum(a, n) != corpus_checksum(a, n + 1));
	for (size_t i = 0; i < sizeof(a); i++) {
		uint64_t before = corpus_checksum(a, sizeof(a));

		a[i] = 'b';
		assert_true(corpus_checksum(a, sizeof(a)) != before);
		a[i] = 'a';
	}
}

/* ---- IMAP framing ---- */

/* Feeds text one byte at a time; returns the responses' lengths. */
static unsigned
frame_all(const char *text, size_t len, size_t *lens, unsigned max)
{
	size_t scan = 0, lit_end = 0, start = 0, resp;
	unsigned n = 0;

	for (size_t have = 1; have <= len; have++) {
		int ret;

		while ((ret = imap_frame((const uint8_t *)text + start,
					 have - start, &scan, &lit_end,
					 &resp)) > 0) {
			assert_true(n < max);
			lens[n++] = resp;
			start += resp;
			scan = lit_end = 0;
		}
		assert_int_equal(ret, 0);
	}
	return n;
}

static void
test_imap_frame(void **state)
{
	static const char text[] = "* 1 EXISTS\r\n"
				   "* 1 FETCH (BODY[] {5}\r\nab\r\nc UID 1)\r\n"
				   "* 2 FETCH (BODY[] {5+}\r\n{1}\r\n)\r\n"
				   "A {3}\r\n{1}\r\n"
				   "A1 OK done\r\n";
	size_t lens[8], scan = 0, lit_end = 0, resp;
	char big[64];

	(void)state;
	assert_int_equal(frame_all(text, sizeof(text) - 1, lens, 8), 5);
	assert_int_equal(lens[0], 12);
	assert_int_equal(lens[1], 37);
	assert_int_equal(lens[2], 32);
	/* "{1}" at the end of a literal announces nothing */
	assert_int_equal(lens[3], 12);
	assert_int_equal(lens[4], 12);
	/* a literal larger than any response may be */
	snprintf(big, sizeof(big), "* 1 FETCH (BODY[] {%u}\r\n", LG_IN_MAX + 1);
	assert_int_equal(imap_frame((const uint8_t *)big, strlen(big), &scan,
				    &lit_end, &resp),
			 -1);
	/* braces that are not a literal */
	scan = lit_end = 0;
	assert_int_equal(imap_frame((const uint8_t *)"* OK {x}\r\n", 10, &scan,
				    &lit_end, &resp),
			 1);
	assert_int_equal(resp, 10);
}

static void
test_imap_frame_long_line(void **state)
{
	size_t len = IMAP_LINE_MAX + 10, scan = 0, lit_end = 0, resp;
	uint8_t *line = malloc(len);

	(void)state;
	memset(line, 'a', len);
	assert_int_equal(imap_frame(line, len, &scan, &lit_end, &resp), -1);
	free(line);
}

/* ---- tokens ---- */

static void
lex_expect(struct imap_lex *lx, enum imap_tok_type type, const char *text)
{
	struct imap_tok t;

	imap_lex_next(lx, &t);
	assert_int_equal(t.type, type);
	if (text != NULL) {
		assert_int_equal(t.len, strlen(text));
		assert_memory_equal(t.p, text, t.len);
	}
}

static void
test_imap_lex(void **state)
{
	static const char line[] =
	    "* OK [APPENDUID 1 2] BODY[HEADER.FIELDS (X-A)] \"q\\\"x\" "
	    "nil (a {3}\r\nx y) \\Seen\r\n";
	struct imap_lex lx;
	struct imap_tok t;
	char text[8];

	(void)state;
	imap_lex_init(&lx, (const uint8_t *)line, sizeof(line) - 1);
	lex_expect(&lx, IMAP_TOK_ATOM, "*");
	lex_expect(&lx, IMAP_TOK_ATOM, "OK");
	lex_expect(&lx, IMAP_TOK_ATOM, "[APPENDUID 1 2]");
	lex_expect(&lx, IMAP_TOK_ATOM, "BODY[HEADER.FIELDS (X-A)]");
	imap_lex_next(&lx, &t);
	assert_int_equal(t.type, IMAP_TOK_STRING);
	assert_true(t.quoted);
	imap_tok_text(&t, text, sizeof(text));
	assert_string_equal(text, "q\"x");
	lex_expect(&lx, IMAP_TOK_NIL, NULL);
	lex_expect(&lx, IMAP_TOK_LPAREN, NULL);
	lex_expect(&lx, IMAP_TOK_ATOM, "a");
	lex_expect(&lx, IMAP_TOK_STRING, "x y");
	lex_expect(&lx, IMAP_TOK_RPAREN, NULL);
	lex_expect(&lx, IMAP_TOK_ATOM, "\\Seen");
	lex_expect(&lx, IMAP_TOK_EOL, NULL);
	lex_expect(&lx, IMAP_TOK_EOL, NULL);

	/* malformed: open quote, short literal, literal without CRLF */
	imap_lex_init(&lx, (const uint8_t *)"\"abc\r\n", 6);
	lex_expect(&lx, IMAP_TOK_ERROR, NULL);
	imap_lex_init(&lx, (const uint8_t *)"{9}\r\nab", 7);
	lex_expect(&lx, IMAP_TOK_ERROR, NULL);
	imap_lex_init(&lx, (const uint8_t *)"{2}ab", 5);
	lex_expect(&lx, IMAP_TOK_ERROR, NULL);
	imap_lex_init(&lx, (const uint8_t *)"{}\r\n", 4);
	lex_expect(&lx, IMAP_TOK_ERROR, NULL);
}

static void
test_imap_skip_depth(void **state)
{
	char deep[200];
	struct imap_lex lx;
	size_t n = 0;

	(void)state;
	for (unsigned i = 0; i < IMAP_DEPTH_MAX + 5; i++)
		deep[n++] = '(';
	for (unsigned i = 0; i < IMAP_DEPTH_MAX + 5; i++)
		deep[n++] = ')';
	imap_lex_init(&lx, (const uint8_t *)deep, n);
	assert_int_equal(imap_lex_skip_value(&lx, 0), -1);
	imap_lex_init(&lx, (const uint8_t *)"((a) b \"c\")", 11);
	assert_int_equal(imap_lex_skip_value(&lx, 0), 0);
	imap_lex_init(&lx, (const uint8_t *)"(a", 2);
	assert_int_equal(imap_lex_skip_value(&lx, 0), -1);
	imap_lex_init(&lx, (const uint8_t *)")", 1);
	assert_int_equal(imap_lex_skip_value(&lx, 0), -1);
}

/* ---- FETCH ---- */

static int
parse_fetch(const char *s, struct imap_fetch *f)
{
	struct imap_lex lx;

	memset(f, 0, sizeof(*f));
	imap_lex_init(&lx, (const uint8_t *)s, strlen(s));
	return imap_parse_fetch(&lx, f);
}

static void
test_imap_fetch(void **state)
{
	struct imap_fetch f;
	char flags[128];

	(void)state;
	assert_int_equal(
	    parse_fetch("(UID 7 FLAGS (\\Seen \\Recent $Junk) "
			"RFC822.SIZE 12 INTERNALDATE \"1-Jan-2020 "
			"00:00:00 +0000\" ENVELOPE (\"d\" \"s\" ((NIL NIL "
			"\"a\" \"b\")) NIL NIL NIL NIL NIL NIL "
			"\"<m@x>\") BODY[HEADER.FIELDS (X-BENCH-ID)] "
			"{4}\r\nab\r\n BODY[] {3}\r\nxyz MODSEQ (5))\r\n",
			&f),
	    0);
	assert_true(f.has_uid && f.has_flags && f.has_size && f.has_env &&
		    f.has_hdr && f.has_body);
	assert_int_equal(f.uid, 7);
	assert_int_equal(f.flags, IMAP_F_SEEN | IMAP_F_RECENT | IMAP_F_KEYWORD);
	assert_int_equal(f.size, 12);
	assert_string_equal(f.env_msgid, "<m@x>");
	assert_int_equal(f.hdr_len, 4);
	assert_int_equal(f.body_len, 3);
	assert_memory_equal(f.body, "xyz", 3);
	imap_flags_str(f.flags, flags, sizeof(flags));
	assert_string_equal(flags, "\\Seen");
	imap_flags_str(IMAP_F_COMPARED, flags, 20);
	assert_string_equal(flags, "\\Seen \\Answered");

	assert_int_equal(parse_fetch("(ENVELOPE (NIL NIL NIL NIL NIL NIL NIL "
				     "NIL NIL NIL))\r\n",
				     &f),
			 0);
	assert_string_equal(f.env_msgid, "");
	assert_int_equal(parse_fetch("(BODY[] NIL)\r\n", &f), 0);
	assert_false(f.has_body);

	/* malformed */
	assert_int_equal(parse_fetch("UID 1\r\n", &f), -1);
	assert_int_equal(parse_fetch("(UID x)\r\n", &f), -1);
	assert_int_equal(parse_fetch("(UID 99999999999)\r\n", &f), -1);
	assert_int_equal(parse_fetch("(FLAGS \\Seen)\r\n", &f), -1);
	assert_int_equal(parse_fetch("(FLAGS (\"x\"))\r\n", &f), -1);
	assert_int_equal(parse_fetch("(UID 1\r\n", &f), -1);
	assert_int_equal(parse_fetch("(UID 1) x\r\n", &f), -1);
	assert_int_equal(parse_fetch("(ENVELOPE (NIL))\r\n", &f), -1);
	assert_int_equal(parse_fetch("(ENVELOPE (NIL NIL NIL NIL NIL NIL NIL "
				     "NIL NIL NIL NIL))\r\n",
				     &f),
			 -1);
	assert_int_equal(parse_fetch("(BODY[] (a))\r\n", &f), -1);
	assert_int_equal(parse_fetch("(\"UID\" 1)\r\n", &f), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hist_quantiles),
	    cmocka_unit_test(test_corpus_verify),
	    cmocka_unit_test(test_corpus_bad_index),
	    cmocka_unit_test(test_checksum),
	    cmocka_unit_test(test_imap_frame),
	    cmocka_unit_test(test_imap_frame_long_line),
	    cmocka_unit_test(test_imap_lex),
	    cmocka_unit_test(test_imap_skip_depth),
	    cmocka_unit_test(test_imap_fetch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
