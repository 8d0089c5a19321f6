/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the incremental IMAP command parser. Every input is run
 * through a driver that delivers it whole, one byte at a time and in
 * pseudo-random chunks, and the three transcripts must be identical.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-parser.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum lit_policy { LIT_STREAM, LIT_COLLECT, LIT_REJECT };

struct drive {
	struct imap_parser_settings set;
	bool utf8;
	enum lit_policy policy;
	bool reject_continue; /* answer CONTINUE with a reject */
	size_t max_pool_used; /* out: largest pool use seen */
};

static uint32_t
lcg(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static const char *
code_name(enum imap_parse_error_code code)
{
	switch (code) {
	case IMAP_PARSE_ERR_SYNTAX:
		return "SYNTAX";
	case IMAP_PARSE_ERR_TOOBIG:
		return "TOOBIG";
	case IMAP_PARSE_ERR_LIMIT:
		return "LIMIT";
	case IMAP_PARSE_ERR_LINE_TOO_LONG:
		return "LINE";
	}
	return "?";
}

static void
record_literal(struct buf *out, struct imap_parser *parser, bool paused)
{
	const struct imap_literal_info *li = imap_parser_literal(parser);

	if (!paused) {
		buf_printf(out, "CONT %llu\n", (unsigned long long)li->size);
		return;
	}
	buf_printf(out, "LIT %s %llu %s%s depth=%u [", li->name,
		   (unsigned long long)li->size, li->sync ? "sync" : "nonsync",
		   li->literal8 ? " lit8" : "", li->depth);
	test_render_args(out, li->args, li->count);
	buf_append_str(out, "]\n");
}

/* Feeds `in` in chunks of `chunk` bytes (0: random sizes) and returns the
   transcript of results (heap string). */
static char *
drive_input(struct drive *d, const void *in, size_t len, size_t chunk,
	    uint32_t seed)
{
	const uint8_t *data = in;
	struct pool *pool = pool_create(1024);
	struct imap_parser *parser = imap_parser_create(pool, &d->set);
	struct buf out = BUF_INIT;
	size_t delivered = 0, consumed = 0;
	uint64_t stream_left = 0;
	bool fatal = false;

	imap_parser_set_utf8(parser, d->utf8);
	while (!fatal && delivered < len) {
		size_t n = chunk != 0 ? chunk : 1 + lcg(&seed) % 13;

		delivered += n < len - delivered ? n : len - delivered;
		for (;;) {
			enum imap_parse_result r;
			size_t used;

			if (stream_left > 0) {
				size_t avail = delivered - consumed;
				size_t k =
				    avail < stream_left ? avail : stream_left;

				consumed += k;
				stream_left -= k;
				if (stream_left > 0)
					break;
			}
			if (consumed == delivered)
				break;
			r = imap_parser_parse(parser, data + consumed,
					      delivered - consumed, &used);
			consumed += used;
			if (pool_used(pool) > d->max_pool_used)
				d->max_pool_used = pool_used(pool);
			if (r == IMAP_PARSE_MORE) {
				assert_int_equal(consumed, delivered);
				break;
			}
			if (r == IMAP_PARSE_COMMAND) {
				const struct imap_command *cmd =
				    imap_parser_command(parser);

				buf_printf(&out, "CMD %s %s [", cmd->tag,
					   cmd->name);
				test_render_args(&out, cmd->args, cmd->count);
				buf_append_str(&out, "]\n");
				pool_clear(pool);
			} else if (r == IMAP_PARSE_CONTINUE) {
				record_literal(&out, parser, false);
				if (d->reject_continue) {
					imap_parser_literal_reject(parser);
					buf_append_str(&out, "REJECTED\n");
				}
			} else if (r == IMAP_PARSE_LITERAL) {
				record_literal(&out, parser, true);
				if (d->policy == LIT_STREAM) {
					stream_left =
					    imap_parser_literal(parser)->size;
					imap_parser_literal_stream(parser);
				} else if (d->policy == LIT_COLLECT) {
					if (imap_parser_literal_collect(
						parser) < 0) {
						buf_append_str(&out,
							       "NOCOLLECT\n");
						imap_parser_literal_reject(
						    parser);
					}
				} else {
					imap_parser_literal_reject(parser);
				}
			} else {
				const struct imap_parse_error *e =
				    imap_parser_error(parser);

				assert_true(r == IMAP_PARSE_ERROR ||
					    r == IMAP_PARSE_FATAL);
				assert_int_equal(e->fatal,
						 r == IMAP_PARSE_FATAL);
				buf_printf(&out, "%s %s %s: %s\n",
					   e->fatal ? "FATAL" : "ERR",
					   e->tag != NULL ? e->tag : "*",
					   code_name(e->code), e->message);
				pool_clear(pool);
				if (r == IMAP_PARSE_FATAL) {
					fatal = true;
					break;
				}
			}
		}
	}
	imap_parser_destroy(&parser);
	pool_destroy(&pool);
	return buf_steal(&out);
}

/* Runs all chunkings, checks they agree, returns the transcript. */
static char *
drive_all(struct drive *d, const void *in, size_t len)
{
	char *whole = drive_input(d, in, len, len > 0 ? len : 1, 1);

	for (size_t chunk = 1; chunk <= 3; chunk++) {
		char *t = drive_input(d, in, len, chunk, 1);

		assert_string_equal(t, whole);
		free(t);
	}
	for (uint32_t seed = 1; seed <= 5; seed++) {
		char *t = drive_input(d, in, len, 0, seed);

		assert_string_equal(t, whole);
		free(t);
	}
	return whole;
}

static void
expect_n(struct drive *d, const char *in, size_t len, const char *transcript)
{
	char *t = drive_all(d, in, len);

	if (strcmp(t, transcript) != 0)
		fprintf(stderr, "input: %s\n", in);
	assert_string_equal(t, transcript);
	free(t);
}

#define expect(d, in, transcript) expect_n(d, in, strlen(in), transcript)
/* for inputs with NUL bytes: string literals only */
#define expect_lit(d, in, transcript) \
	expect_n(d, in, sizeof(in) - 1, transcript)

static void
expect_plain(const char *in, const char *transcript)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS}};

	expect(&d, in, transcript);
}

static void
test_simple_commands(void **state)
{
	(void)state;
	expect_plain("a1 NOOP\r\n", "CMD a1 NOOP []\n");
	expect_plain("a1 noop\r\nA2 Capability\r\n",
		     "CMD a1 NOOP []\nCMD A2 CAPABILITY []\n");
	expect_plain("x.1 LOGIN fred \"pass \\\"word\\\\\"\r\n",
		     "CMD x.1 LOGIN [fred \"pass \\\"word\\\\\"]\n");
	expect_plain("t SELECT NIL\r\n", "CMD t SELECT [NIL]\n");
	expect_plain("t LIST \"\" *\r\n", "CMD t LIST [\"\" *]\n");
	expect_plain("t LIST ~/Mail/ %\r\n", "CMD t LIST [~/Mail/ %]\n");
	expect_plain("t STORE 1:* +FLAGS.SILENT (\\Seen $Junk)\r\n",
		     "CMD t STORE [1:* +FLAGS.SILENT (\\Seen $Junk)]\n");
	expect_plain("t X () (()) ((a) b)\r\n", "CMD t X [() (()) ((a) b)]\n");
	expect_plain("t X \"\" a]b\r\n", "CMD t X [\"\" a]b]\n");
	/* tags may contain "]" and other ASTRING-CHARs but not "+" */
	expect_plain("a]b NOOP\r\n", "CMD a]b NOOP []\n");
}

static void
test_fetch_section_syntax(void **state)
{
	struct pool *pool = pool_create(1024);
	const struct imap_arg *args, *list;
	size_t count;

	(void)state;
	expect_plain(
	    "t FETCH 1:4 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.50> "
	    "UID)\r\n",
	    "CMD t FETCH [1:4 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]"
	    "<0.50> UID)]\n");
	expect_plain("t FETCH 1 BODY[HEADER.FIELDS.NOT (X)]\r\n",
		     "CMD t FETCH [1 BODY[HEADER.FIELDS.NOT (X)]]\n");
	/* "]" may only follow a list opened after an unclosed "[" */
	expect_plain("t FETCH 1 (a (b)])\r\n",
		     "ERR t SYNTAX: Missing space between arguments\n");
	expect_plain("t FETCH 1 BODY[1] (X)]\r\n",
		     "ERR t SYNTAX: Missing space between arguments\n");

	args = test_parse_args(pool, "1 BODY[HEADER.FIELDS (A)]<1.2>", &count);
	assert_non_null(args);
	assert_int_equal(count, 4);
	assert_true(args[1].flags & IMAP_ARG_FLAG_BRACKET);
	assert_true(imap_arg_get_list(&args[2], &list, &count));
	assert_int_equal(count, 1);
	assert_true(args[3].flags & IMAP_ARG_FLAG_NO_SP);
	assert_string_equal(args[3].u.str, "]<1.2>");
	pool_destroy(&pool);
}

static void
test_literals(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS}};

	(void)state;
	expect(&d, "a LOGIN {4}\r\nfred {3}\r\nabc\r\n",
	       "CONT 4\nCONT 3\nCMD a LOGIN [{4}fred {3}abc]\n");
	/* RFC 7888 section 3 example */
	expect(&d, "A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n",
	       "CMD A001 LOGIN [{11}FRED FOOBAR {7}fat man]\n");
	expect(&d, "a X {0}\r\n {0+}\r\n\r\n", "CONT 0\nCMD a X [{0} {0}]\n");
	/* number = 1*DIGIT: leading zeros are legal */
	expect(&d, "a X {003+}\r\nabc\r\n", "CMD a X [{3}abc]\n");
	expect(&d, "a X {0000000000000000000003+}\r\nabc\r\n",
	       "CMD a X [{3}abc]\n");
	/* CHAR8 excludes NUL; literal8 allows it (RFC 3516) */
	expect_lit(&d, "a X {3+}\r\na\0b c\r\nb NOOP\r\n",
		   "ERR a SYNTAX: NUL octet in literal\nCMD b NOOP []\n");
	expect_lit(&d, "a X ~{3+}\r\na\0b\r\n", "CMD a X [~{3}a\\x00b]\n");
	/* 8-bit and CR LF inside literals are fine */
	expect(&d, "a X {4+}\r\n\xc3\xa9\r\n (x)\r\n",
	       "CMD a X [{4}\\xc3\\xa9\\x0d\\x0a (x)]\n");
	/* a literal inside a list, followed by more list elements */
	expect(&d, "a X (a {1+}\r\nb c)\r\n", "CMD a X [(a {1}b c)]\n");
	/* bad literal syntax */
	expect(&d, "a X {}\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid literal size\nCMD b NOOP []\n");
	expect(&d, "a X {+1}\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid literal size\nCMD b NOOP []\n");
	expect(&d, "a X {1a}\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid literal size\nCMD b NOOP []\n");
	expect(&d, "a X {1} \r\nb NOOP\r\n",
	       "ERR a SYNTAX: Literal size not followed by CRLF\n"
	       "CMD b NOOP []\n");
	expect(&d, "a X {1}\nb NOOP\r\n",
	       "ERR a SYNTAX: Literal size not followed by CRLF\n"
	       "CMD b NOOP []\n");
	expect(&d, "a X x{1}\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid character in atom\nCMD b NOOP []\n");
	/* a literal must be followed by SP, ")" or CRLF */
	expect(&d, "a X {1+}\r\nxy\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Missing space between arguments\n"
	       "CMD b NOOP []\n");
}

static void
test_literal_limits(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS,
				  .max_literal_size = 10,
				  .max_literal_total = 15,
				  .max_stream_literal = 100}};
	struct buf in = BUF_INIT;
	char *t;

	(void)state;
	/* 4 GB: refused before anything is allocated */
	expect(&d, "a LOGIN {4294967296}\r\nb NOOP\r\n",
	       "ERR a TOOBIG: Literal too large\nCMD b NOOP []\n");
	assert_true(d.max_pool_used < 1024);
	expect(&d, "a LOGIN {4294967295}\r\nb NOOP\r\n",
	       "ERR a TOOBIG: Literal too large\nCMD b NOOP []\n");
	expect(&d, "a LOGIN {99999999999999999999999}\r\nb NOOP\r\n",
	       "ERR a TOOBIG: Literal too large\nCMD b NOOP []\n");
	assert_true(d.max_pool_used < 1024);
	/* non-synchronising and too large to skip: fatal */
	expect(&d, "a LOGIN {4294967295+}\r\nxxxx",
	       "FATAL a TOOBIG: Literal too large\n");
	expect(&d, "a LOGIN {101+}\r\nxxxx",
	       "FATAL a TOOBIG: Literal too large\n");
	/* non-synchronising, over the in-memory limit: skipped */
	expect(&d, "a LOGIN {11+}\r\n01234567890 x\r\nb NOOP\r\n",
	       "ERR a TOOBIG: Literal too large\nCMD b NOOP []\n");
	expect(&d, "a LOGIN {10+}\r\n0123456789\r\n",
	       "CMD a LOGIN [{10}0123456789]\n");
	/* per-command total */
	expect(&d, "a X {10+}\r\n0123456789 {6+}\r\n012345\r\nb NOOP\r\n",
	       "ERR a TOOBIG: Literal too large\nCMD b NOOP []\n");
	expect(&d, "a X {10+}\r\n0123456789 {5}\r\n01234\r\n",
	       "CONT 5\nCMD a X [{10}0123456789 {5}01234]\n");

	/* LITERAL- (RFC 7888 section 5) */
	d.set.literal_mode = IMAP_LITERAL_MINUS;
	d.set.max_literal_size = 8192;
	d.set.max_literal_total = 16384;
	d.set.max_stream_literal = 10000;
	buf_append_str(&in, "a LOGIN {4097+}\r\n");
	for (int i = 0; i < 4097; i++)
		buf_append_c(&in, 'x');
	buf_append_str(&in, " y\r\nb NOOP\r\n");
	t = drive_all(&d, in.data, in.len);
	assert_string_equal(t, "ERR a TOOBIG: Non-synchronizing literal "
			       "larger than 4096 octets\nCMD b NOOP []\n");
	free(t);
	buf_clear(&in);
	buf_append_str(&in, "a LOGIN {4096+}\r\n");
	for (int i = 0; i < 4096; i++)
		buf_append_c(&in, 'x');
	buf_append_str(&in, "\r\n");
	t = drive_all(&d, in.data, in.len);
	assert_true(strncmp(t, "CMD a LOGIN [{4096}xxx", 22) == 0);
	free(t);
	/* a synchronising literal of that size is fine under LITERAL- */
	expect(&d, "a X {5000}\r\n", "CONT 5000\n");
	buf_free(&in);

	/* no LITERAL+ at all */
	d.set.literal_mode = IMAP_LITERAL_SYNC_ONLY;
	expect(&d, "a LOGIN {3+}\r\nabc x\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Non-synchronizing literals are not "
	       "supported\nCMD b NOOP []\n");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	/* unbalanced parentheses */
	expect_plain("a X (b\r\nb NOOP\r\n",
		     "ERR a SYNTAX: Missing ')'\nCMD b NOOP []\n");
	expect_plain("a X (b (c)\r\n", "ERR a SYNTAX: Missing ')'\n");
	expect_plain("a X (\r\n", "ERR a SYNTAX: Missing ')'\n");
	expect_plain("a X b)\r\nb NOOP\r\n",
		     "ERR a SYNTAX: Unexpected ')'\nCMD b NOOP []\n");
	expect_plain("a X )\r\n", "ERR a SYNTAX: Unexpected character\n");
	expect_plain("a X (a )\r\n", "ERR a SYNTAX: Unexpected character\n");
	/* spaces */
	expect_plain("a X  b\r\n", "ERR a SYNTAX: Unexpected character\n");
	expect_plain("a X b \r\n", "ERR a SYNTAX: Missing argument\n");
	expect_plain("a  X\r\n", "ERR a SYNTAX: Missing command name\n");
	expect_plain("a X\tb\r\n", "ERR a SYNTAX: Invalid command name\n");
	expect_plain("a X (a)(b)\r\n",
		     "ERR a SYNTAX: Missing space between arguments\n");
	expect_plain("a X \"a\"b\r\n",
		     "ERR a SYNTAX: Missing space between arguments\n");
	/* unknown tokens */
	expect_plain("a X a\"b\r\n",
		     "ERR a SYNTAX: Invalid character in atom\n");
	expect_plain("a X a\\b\r\n",
		     "ERR a SYNTAX: Invalid character in atom\n");
	expect_plain("a X \x01\r\n", "ERR a SYNTAX: Unexpected character\n");
	expect_plain("a X \"a\\b\"\r\n",
		     "ERR a SYNTAX: Invalid escape in quoted string\n");
	expect_plain("a X \"abc\r\nb NOOP\r\n",
		     "ERR a SYNTAX: Unterminated quoted string\n"
		     "CMD b NOOP []\n");
	/* tags */
	expect_plain("\r\n", "ERR * SYNTAX: Empty command line\n");
	expect_plain("+a NOOP\r\n", "ERR * SYNTAX: Invalid tag\n");
	expect_plain("a+ NOOP\r\n", "ERR * SYNTAX: Invalid tag\n");
	expect_plain("* NOOP\r\n", "ERR * SYNTAX: Invalid tag\n");
	expect_plain("\"a\" NOOP\r\n", "ERR * SYNTAX: Invalid tag\n");
	expect_plain("a\r\n", "ERR * SYNTAX: Invalid tag\n");
	expect_plain("a \r\n", "ERR a SYNTAX: Missing command name\n");
	expect_plain("a NO*OP\r\n", "ERR a SYNTAX: Invalid command name\n");
	/* line ends */
	expect_plain("a NOOP\n", "ERR a SYNTAX: Invalid command name\n");
	expect_plain("a X b\n", "ERR a SYNTAX: Line not terminated by CRLF\n");
	expect_plain("a X b\rc\r\n", "ERR a SYNTAX: CR not followed by LF\n");
	/* NUL */
	{
		struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS}};

		expect_lit(&d, "a X \"\0\"\r\n",
			   "ERR a SYNTAX: NUL in quoted string\n");
		expect_lit(&d, "a X a\0\r\n",
			   "ERR a SYNTAX: Invalid character in atom\n");
		expect_lit(&d, "a\0 NOOP\r\n", "ERR * SYNTAX: Invalid tag\n");
	}
}

static void
test_eight_bit(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS}};

	(void)state;
	/* RFC 3501 section 9: atoms and quoted strings are 7-bit */
	expect(&d, "a X caf\xc3\xa9\r\n",
	       "ERR a SYNTAX: 8-bit characters "
	       "in atom\n");
	expect(&d, "a X \xc3\xa9\r\n",
	       "ERR a SYNTAX: 8-bit characters outside a literal\n");
	expect(&d, "a X \"caf\xc3\xa9\"\r\n",
	       "ERR a SYNTAX: 8-bit characters in quoted string\n");
	expect(&d, "a\xc3\xa9 NOOP\r\n", "ERR * SYNTAX: Invalid tag\n");
	/* RFC 6855: UTF8=ACCEPT allows valid UTF-8 in quoted strings */
	d.utf8 = true;
	expect(&d, "a X \"caf\xc3\xa9\"\r\n", "CMD a X [\"caf\\xc3\\xa9\"]\n");
	expect(&d, "a X \"caf\xc3\"\r\n",
	       "ERR a SYNTAX: Invalid UTF-8 in quoted string\n");
	expect(&d, "a X \"\xed\xa0\x80\"\r\n",
	       "ERR a SYNTAX: Invalid UTF-8 in quoted string\n");
	expect(&d, "a X caf\xc3\xa9\r\n",
	       "ERR a SYNTAX: 8-bit characters "
	       "in atom\n");
}

static void
test_limits(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS,
				  .max_depth = 3,
				  .max_args = 6}};
	struct buf in = BUF_INIT;
	char *t;

	(void)state;
	expect(&d, "a X (((a)))\r\n", "CMD a X [(((a)))]\n");
	expect(&d, "a X ((((a))))\r\nb NOOP\r\n",
	       "ERR a LIMIT: Lists nested too deeply\nCMD b NOOP []\n");
	expect(&d, "a X 1 2 3 4 5 6\r\n", "CMD a X [1 2 3 4 5 6]\n");
	expect(&d, "a X 1 2 3 4 5 6 7\r\n",
	       "ERR a LIMIT: Too many arguments\n");
	expect(&d, "a X (1 2) (3 4) 5\r\n",
	       "ERR a LIMIT: Too many arguments\n");
	expect(&d, "a X 1 2 3 4 5 6 {1+}\r\nx\r\nb NOOP\r\n",
	       "ERR a LIMIT: Too many arguments\nCMD b NOOP []\n");

	/* the default nesting limit with a realistic depth */
	d.set.max_depth = 0;
	d.set.max_args = 0;
	for (int i = 0; i < 33; i++)
		buf_append_c(&in, '(');
	{
		struct buf line = BUF_INIT;

		buf_printf(&line, "a X %s\r\nb NOOP\r\n", buf_cstr(&in));
		t = drive_all(&d, line.data, line.len);
		assert_string_equal(t, "ERR a LIMIT: Lists nested too deeply\n"
				       "CMD b NOOP []\n");
		free(t);
		buf_free(&line);
	}
	buf_free(&in);
}

static void
test_line_length(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS}};
	struct buf in = BUF_INIT;
	char *t;

	(void)state;
	/* a line that never ends: fatal once 64 KiB are exceeded */
	buf_append_str(&in, "a X ");
	for (int i = 0; i < 70000; i++)
		buf_append_c(&in, 'x');
	t = drive_input(&d, in.data, in.len, 4096, 1);
	assert_string_equal(t, "FATAL a LINE: Command line too long\n");
	free(t);
	/* exactly at the limit is fine */
	buf_clear(&in);
	buf_append_str(&in, "a X ");
	for (int i = 0; i < 65536 - 6; i++)
		buf_append_c(&in, 'x');
	buf_append_str(&in, "\r\n");
	assert_int_equal(in.len, 65536);
	t = drive_input(&d, in.data, in.len, 1000, 1);
	assert_true(strncmp(t, "CMD a X [xxx", 12) == 0);
	free(t);
	/* skipping a bad line is bounded too */
	buf_clear(&in);
	buf_append_str(&in, "a X (");
	for (int i = 0; i < 70000; i++)
		buf_append_c(&in, ')');
	t = drive_input(&d, in.data, in.len, 333, 1);
	assert_string_equal(t, "FATAL a LINE: Command line too long\n");
	free(t);
	/* literal data does not count */
	d.set.max_line_length = 64;
	d.set.max_literal_size = 1000;
	buf_clear(&in);
	buf_append_str(&in, "a X {200+}\r\n");
	for (int i = 0; i < 200; i++)
		buf_append_c(&in, 'y');
	buf_append_str(&in, "\r\n");
	t = drive_all(&d, in.data, in.len);
	assert_true(strncmp(t, "CMD a X [{200}yyy", 17) == 0);
	free(t);
	buf_free(&in);
}

static void
test_resync(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS}};

	(void)state;
	/* a bad line ending in a non-synchronising literal: its octets
	   and the rest of the command are skipped */
	expect(&d, "a X \"x {9+}\r\n\"b NOOP\r\n c\r\nd NOOP\r\n",
	       "ERR a SYNTAX: Unterminated quoted string\nCMD d NOOP []\n");
	expect(&d, "a X ( {2+}\r\nxx {3+}\r\nyyy)\r\nd NOOP\r\n",
	       "ERR a SYNTAX: Unexpected character\nCMD d NOOP []\n");
	/* ... a synchronising one ends the command: the client waits */
	expect(&d, "a X a\"b {5}\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid character in atom\nCMD b NOOP []\n");
	/* braces that are not a literal announcement */
	expect(&d, "a X a\" {5+} \r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid character in atom\nCMD b NOOP []\n");
	expect(&d, "a X a\" {5+x}\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid character in atom\nCMD b NOOP []\n");
	expect(&d, "a X a\" {+}\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid character in atom\nCMD b NOOP []\n");
	expect(&d, "a X a\" ~{2+}\r\nxx\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid character in atom\nCMD b NOOP []\n");
	/* an error right before the literal announcement */
	expect(&d, "a X a{2+}\r\nxx\r\nb NOOP\r\n",
	       "ERR a SYNTAX: Invalid character in atom\nCMD b NOOP []\n");
	/* overflowing size in a skipped line */
	expect(&d, "a X a\" {99999999999+}\r\nb NOOP\r\n",
	       "FATAL a TOOBIG: Literal too large\n");
}

static void
test_continue_reject(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS},
			  .reject_continue = true};

	(void)state;
	expect(&d, "a LOGIN {5}\r\nb NOOP\r\n",
	       "CONT 5\nREJECTED\nCMD b NOOP []\n");
	expect(&d, "a LOGIN {0}\r\nb NOOP\r\n",
	       "CONT 0\nREJECTED\nCMD b NOOP []\n");
}

static void
test_append_stream(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS},
			  .policy = LIT_STREAM};

	(void)state;
	expect(&d, "a APPEND INBOX (\\Seen) {5}\r\nhello\r\n",
	       "LIT APPEND 5 sync depth=0 [INBOX (\\Seen)]\n"
	       "CMD a APPEND [INBOX (\\Seen) <stream 5>]\n");
	/* RFC 3502 MULTIAPPEND with LITERAL+ */
	expect(&d,
	       "a append box {3+}\r\nabc \" 1-Feb-1994 21:52:25 -0800\" "
	       "{2+}\r\nde\r\nb NOOP\r\n",
	       "LIT APPEND 3 nonsync depth=0 [box]\n"
	       "LIT APPEND 2 nonsync depth=0 [box <stream 3> \" 1-Feb-1994 "
	       "21:52:25 -0800\"]\n"
	       "CMD a APPEND [box <stream 3> \" 1-Feb-1994 21:52:25 -0800\" "
	       "<stream 2>]\nCMD b NOOP []\n");
	/* RFC 3516 literal8 */
	expect_lit(&d, "a APPEND box ~{3}\r\n\0\1\2\r\n",
		   "LIT APPEND 3 sync lit8 depth=0 [box]\n"
		   "CMD a APPEND [box <stream 3>]\n");
	/* RFC 4469 CATENATE: the literal sits inside a list */
	expect(&d, "a APPEND box CATENATE (URL \"/x\" TEXT {3+}\r\nabc)\r\n",
	       "LIT APPEND 3 nonsync depth=1 [box CATENATE]\n"
	       "CMD a APPEND [box CATENATE (URL \"/x\" TEXT <stream 3>)]\n");
	/* RFC 8508 REPLACE and UID REPLACE */
	expect(&d, "a UID REPLACE 4 box {2+}\r\nhi\r\n",
	       "LIT UID 2 nonsync depth=0 [REPLACE 4 box]\n"
	       "CMD a UID [REPLACE 4 box <stream 2>]\n");
	expect(&d, "a REPLACE 4 box {2+}\r\nhi\r\n",
	       "LIT REPLACE 2 nonsync depth=0 [4 box]\n"
	       "CMD a REPLACE [4 box <stream 2>]\n");
	/* UID FETCH literals are collected as usual */
	expect(&d, "a UID FETCH 1 (BODY[HEADER.FIELDS ({4+}\r\nFrom)])\r\n",
	       "CMD a UID [FETCH 1 (BODY[HEADER.FIELDS ({4}From)])]\n");
	/* over APPENDLIMIT */
	d.set.max_stream_literal = 10;
	expect(&d, "a APPEND box {11}\r\nb NOOP\r\n",
	       "ERR a TOOBIG: Literal too large\nCMD b NOOP []\n");
	expect(&d, "a APPEND box {11+}\r\n01234567890\r\n",
	       "FATAL a TOOBIG: Literal too large\n");
}

static void
test_append_collect_reject(void **state)
{
	struct drive d = {
	    .set = {.literal_mode = IMAP_LITERAL_PLUS, .max_literal_size = 8},
	    .policy = LIT_COLLECT};

	(void)state;
	/* the mailbox name as a literal */
	expect(&d, "a APPEND {5}\r\nINBOX {3+}\r\nabc\r\n",
	       "LIT APPEND 5 sync depth=0 []\n"
	       "LIT APPEND 3 nonsync depth=0 [{5}INBOX]\n"
	       "CMD a APPEND [{5}INBOX {3}abc]\n");
	expect(&d, "a APPEND box {9+}\r\n012345678\r\nb NOOP\r\n",
	       "LIT APPEND 9 nonsync depth=0 [box]\nNOCOLLECT\n"
	       "CMD b NOOP []\n");
	d.policy = LIT_REJECT;
	expect(&d, "a APPEND box {5}\r\nb NOOP\r\n",
	       "LIT APPEND 5 sync depth=0 [box]\nCMD b NOOP []\n");
	/* a refused non-synchronising literal is skipped silently, and so
	   is the rest of its command */
	expect(&d, "a APPEND box {5+}\r\nhello {2+}\r\nxx\r\nb NOOP\r\n",
	       "LIT APPEND 5 nonsync depth=0 [box]\nCMD b NOOP []\n");
	/* the skipped line is not charged to the next command's budget */
	{
		struct buf in = BUF_INIT;
		char *t;

		d.set.max_line_length = 64;
		buf_append_str(&in, "a APPEND box {5+}\r\nhello");
		for (int i = 0; i < 30; i++)
			buf_append_c(&in, 'x');
		buf_append_str(&in, "\r\nb X ");
		for (int i = 0; i < 55; i++)
			buf_append_c(&in, 'y');
		buf_append_str(&in, "\r\n");
		t = drive_all(&d, in.data, in.len);
		assert_true(strncmp(t,
				    "LIT APPEND 5 nonsync depth=0 [box]\n"
				    "CMD b X [yyy",
				    46) == 0);
		free(t);
		buf_free(&in);
	}
}

static void
test_read_line(void **state)
{
	struct pool *pool = pool_create(1024);
	struct imap_parser_settings set = {.max_line_length = 16};
	struct imap_parser *p = imap_parser_create(pool, &set);
	const char *in = "DONE\r\nc3RyaW5n\r\n";
	const char *line;
	size_t used, len, pos = 0;
	enum imap_parse_result r;

	(void)state;
	/* byte at a time */
	for (;;) {
		r = imap_parser_read_line(p, (const uint8_t *)in + pos, 1,
					  &used, &line, &len);
		pos += used;
		if (r != IMAP_PARSE_MORE)
			break;
	}
	assert_int_equal(r, IMAP_PARSE_LINE);
	assert_int_equal(pos, 6);
	assert_string_equal(line, "DONE");
	r = imap_parser_read_line(p, (const uint8_t *)in + pos,
				  strlen(in) - pos, &used, &line, &len);
	assert_int_equal(r, IMAP_PARSE_LINE);
	assert_string_equal(line, "c3RyaW5n");
	assert_int_equal(len, 8);
	/* a command after the line */
	r = imap_parser_parse(p, (const uint8_t *)"a NOOP\r\n", 8, &used);
	assert_int_equal(r, IMAP_PARSE_COMMAND);
	/* bare LF */
	r = imap_parser_read_line(p, (const uint8_t *)"DONE\nx", 6, &used,
				  &line, &len);
	assert_int_equal(r, IMAP_PARSE_ERROR);
	assert_int_equal(used, 5);
	/* empty line */
	r = imap_parser_read_line(p, (const uint8_t *)"\r\n", 2, &used, &line,
				  &len);
	assert_int_equal(r, IMAP_PARSE_LINE);
	assert_int_equal(len, 0);
	/* too long */
	r = imap_parser_read_line(p, (const uint8_t *)"0123456789", 10, &used,
				  &line, &len);
	assert_int_equal(r, IMAP_PARSE_MORE);
	r = imap_parser_read_line(p, (const uint8_t *)"0123456789", 10, &used,
				  &line, &len);
	assert_int_equal(r, IMAP_PARSE_FATAL);
	assert_true(imap_parser_error(p)->fatal);
	r = imap_parser_parse(p, (const uint8_t *)"a NOOP\r\n", 8, &used);
	assert_int_equal(r, IMAP_PARSE_FATAL);
	assert_int_equal(used, 0);
	imap_parser_destroy(&p);
	pool_destroy(&pool);
}

/* Commands as common clients send them; each must parse the same way
   whatever the chunking, and parse at all. */
static const char *const client_commands[] = {
    /* Thunderbird */
    "1 capability\r\n",
    "3 authenticate PLAIN\r\n",
    "5 ID (\"name\" \"Thunderbird\" \"version\" \"115.3.1\")\r\n",
    "6 select \"INBOX\" (CONDSTORE)\r\n",
    "7 UID fetch 1:* (FLAGS)\r\n",
    "8 UID fetch 4001:4005 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER."
    "FIELDS (From To Cc Bcc Subject Date Message-ID Priority "
    "X-Priority References Newsgroups In-Reply-To Content-Type "
    "Reply-To)])\r\n",
    "9 UID fetch 4005 (UID RFC822.SIZE BODY.PEEK[]<0.32768>)\r\n",
    "10 uid store 4005 +Flags (\\Seen)\r\n",
    "11 list (SUBSCRIBED) \"\" \"*\" RETURN (SPECIAL-USE)\r\n",
    "12 IDLE\r\n",
    /* Apple Mail */
    "1.2 UID FETCH 1:* (FLAGS UID) (CHANGEDSINCE 4000)\r\n",
    "1.3 UID SEARCH 1:* NOT DELETED\r\n",
    "1.4 UID FETCH 17 (BODYSTRUCTURE BODY.PEEK[HEADER])\r\n",
    "1.5 STATUS \"Sent Messages\" (MESSAGES UIDNEXT UIDVALIDITY "
    "UNSEEN HIGHESTMODSEQ)\r\n",
    /* Outlook */
    "A0003 LIST \"\" \"*\"\r\n",
    "A0004 SELECT \"INBOX\"\r\n",
    "A0005 UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE "
    "BODY.PEEK[HEADER])\r\n",
    /* mutt */
    "a0001 CAPABILITY\r\n",
    "a0002 LOGIN \"alice\" \"s3cret\"\r\n",
    "a0005 FETCH 1:3 (UID FLAGS INTERNALDATE RFC822.SIZE "
    "BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC "
    "MESSAGE-ID REFERENCES CONTENT-TYPE CONTENT-DESCRIPTION "
    "IN-REPLY-TO REPLY-TO LINES LIST-POST X-LABEL X-ORIGINAL-TO)])\r\n",
    "a0006 UID STORE 3 +FLAGS.SILENT (\\Seen)\r\n",
    /* mbsync */
    "4 LIST \"\" \"*\"\r\n",
    "5 SELECT \"INBOX\"\r\n",
    "6 UID FETCH 1:1000000000 (UID FLAGS)\r\n",
    "7 APPEND \"Sent\" (\\Seen) \"10-Jan-2024 10:11:12 +0100\" "
    "{5+}\r\nhello\r\n",
    "8 UID FETCH 12 (BODY.PEEK[])\r\n",
    /* offlineimap */
    "KGAB3 LIST \"\" \"\"\r\n",
    "KGAB4 EXAMINE INBOX\r\n",
    "KGAB5 UID SEARCH ALL\r\n",
    "KGAB6 FETCH 1:3 (FLAGS UID INTERNALDATE)\r\n",
    "KGAB7 UID SEARCH SINCE 01-Jan-2024\r\n",
};

static void
test_client_commands(void **state)
{
	struct drive d = {.set = {.literal_mode = IMAP_LITERAL_PLUS},
			  .policy = LIT_STREAM};

	(void)state;
	for (size_t i = 0;
	     i < sizeof(client_commands) / sizeof(client_commands[0]); i++) {
		char *t = drive_all(&d, client_commands[i],
				    strlen(client_commands[i]));

		if (strstr(t, "ERR") != NULL || strstr(t, "FATAL") != NULL)
			fprintf(stderr, "%s -> %s", client_commands[i], t);
		assert_null(strstr(t, "ERR"));
		assert_null(strstr(t, "FATAL"));
		assert_non_null(strstr(t, "CMD "));
		free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple_commands),
	    cmocka_unit_test(test_fetch_section_syntax),
	    cmocka_unit_test(test_literals),
	    cmocka_unit_test(test_literal_limits),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_eight_bit),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_line_length),
	    cmocka_unit_test(test_resync),
	    cmocka_unit_test(test_continue_reject),
	    cmocka_unit_test(test_append_stream),
	    cmocka_unit_test(test_append_collect_reject),
	    cmocka_unit_test(test_read_line),
	    cmocka_unit_test(test_client_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
