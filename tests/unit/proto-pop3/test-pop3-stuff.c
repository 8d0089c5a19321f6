/* SPDX-License-Identifier: MIT */
/* Byte-stuffing and TOP's line limit, at every chunk boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/pop3/pop3-stuff.h"
#include "lib/buf.h"

#include <string.h>

static void
emit_buf(void *ctx, const void *data, size_t len)
{
	assert_int_equal(buf_append(ctx, data, len), 0);
}

/* Stuffs msg in chunks of `chunk` bytes (0 = one piece). */
static void
stuff(const char *msg, size_t len, bool top, uint64_t lines, size_t chunk,
      struct buf *out)
{
	struct pop3_stuffer st;
	size_t pos = 0;

	pop3_stuff_init(&st, top, lines);
	while (pos < len && !st.done) {
		size_t n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
		size_t used = pop3_stuff(&st, (const uint8_t *)msg + pos, n,
					 emit_buf, out);

		assert_true(used == n || st.done);
		pos += used;
	}
	pop3_stuff_finish(&st, emit_buf, out);
	assert_int_equal(st.bytes_out, out->len);
}

/* Checks the result for every chunk size from 1 to len. */
static void
check(const char *msg, bool top, uint64_t lines, const char *expect)
{
	size_t len = strlen(msg);

	for (size_t chunk = 0; chunk <= len; chunk++) {
		struct buf out = BUF_INIT;

		stuff(msg, len, top, lines, chunk, &out);
		if (out.len != strlen(expect) ||
		    memcmp(out.data, expect, out.len) != 0)
			fail_msg("chunk %zu: got '%.*s'", chunk, (int)out.len,
				 (const char *)out.data);
		buf_free(&out);
	}
}

static void
test_retr(void **state)
{
	(void)state;
	check("", false, 0, ".\r\n");
	check("A: b\r\n\r\nbody\r\n", false, 0, "A: b\r\n\r\nbody\r\n.\r\n");
	/* RFC 1939 section 3: lines starting with '.' get another one */
	check(".\r\n", false, 0, "..\r\n.\r\n");
	check("a\r\n.b\r\n..\r\n.\r\nc\r\n", false, 0,
	      "a\r\n..b\r\n...\r\n..\r\nc\r\n.\r\n");
	check("x.\r\n.", false, 0, "x.\r\n..\r\n.\r\n");
	/* an unterminated last line gets its CRLF before the terminator */
	check("A: b\r\n\r\nno end", false, 0, "A: b\r\n\r\nno end\r\n.\r\n");
	check("trailing CR\r", false, 0, "trailing CR\r\r\n.\r\n");
	/* bare LF ends lines for stuffing purposes */
	check("a\n.b\n", false, 0, "a\n..b\n.\r\n");
	/* dots in the middle of lines are left alone */
	check("a.b\r\n...\r\n", false, 0, "a.b\r\n....\r\n.\r\n");
}

static void
test_top(void **state)
{
	const char *msg = "From: a\r\nSubject: s\r\n\r\nl1\r\n.l2\r\nl3\r\n";

	(void)state;
	/* RFC 1939 section 7: headers, the blank line, then n lines */
	check(msg, true, 0, "From: a\r\nSubject: s\r\n\r\n.\r\n");
	check(msg, true, 1, "From: a\r\nSubject: s\r\n\r\nl1\r\n.\r\n");
	check(msg, true, 2, "From: a\r\nSubject: s\r\n\r\nl1\r\n..l2\r\n.\r\n");
	check(msg, true, 3,
	      "From: a\r\nSubject: s\r\n\r\nl1\r\n..l2\r\nl3\r\n"
	      ".\r\n");
	/* more lines than the body has: the entire message */
	check(msg, true, 1000,
	      "From: a\r\nSubject: s\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n");
	/* a body whose last line has no line end counts it as a line */
	check("A: b\r\n\r\nx\r\ny", true, 2, "A: b\r\n\r\nx\r\ny\r\n.\r\n");
	/* no body separator: all of it is header */
	check("A: b\r\nC: d\r\n", true, 0, "A: b\r\nC: d\r\n.\r\n");
	/* empty body lines count as lines */
	check("A: b\r\n\r\n\r\n\r\nz\r\n", true, 2,
	      "A: b\r\n\r\n\r\n\r\n.\r\n");
	/* separator as a bare LF */
	check("A: b\n\nl1\nl2\n", true, 1, "A: b\n\nl1\n.\r\n");
	/* a message starting with the separator */
	check("\r\nbody\r\n", true, 0, "\r\n.\r\n");
	/* a line of just CR is not the separator unless followed by LF */
	check("A: b\r\n\rX\r\n\r\nbody\r\nmore\r\n", true, 1,
	      "A: b\r\n\rX\r\n\r\nbody\r\n.\r\n");
}

static void
test_large(void **state)
{
	/* long lines far beyond any chunk */
	enum { N = 100000 };
	char *msg = test_malloc(N + 1);
	struct buf out = BUF_INIT;

	(void)state;
	memset(msg, '.', N);
	msg[N] = '\0';
	msg[N / 2] = '\n';
	stuff(msg, N, false, 0, 4096, &out);
	/* two lines start with '.', the last lacks its CRLF */
	assert_int_equal(out.len, N + 2 + 2 + 3);
	buf_free(&out);
	test_free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retr),
	    cmocka_unit_test(test_top),
	    cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
