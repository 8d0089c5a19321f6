/* SPDX-License-Identifier: MIT */
/* Unit tests for the DATA/BDAT normaliser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/lmtp/lmtp-normalize.h"
#include "lib/macros.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct result {
	char out[8192];
	size_t out_len;
	size_t consumed;
	struct lmtp_norm n;
};

/* Feeds input in pieces of `piece` octets (0: all at once) with an output
   window of out_room octets, then finishes. */
static void
run_pieces(enum lmtp_norm_mode mode, bool strip, const char *in, size_t len,
	   size_t piece, size_t out_room, struct result *r)
{
	memset(r, 0, sizeof(*r));
	lmtp_norm_init(&r->n, mode, strip);
	while (r->consumed < len && !r->n.done) {
		size_t avail = len - r->consumed, n, out_len;

		if (piece != 0 && avail > piece)
			avail = piece;
		n = lmtp_norm_feed(&r->n, (const uint8_t *)in + r->consumed,
				   avail, (uint8_t *)r->out + r->out_len,
				   MIN(out_room, sizeof(r->out) - r->out_len),
				   &out_len);
		r->consumed += n;
		r->out_len += out_len;
		assert_true(n > 0 || r->n.done);
	}
	r->out_len += lmtp_norm_finish(&r->n, (uint8_t *)r->out + r->out_len,
				       sizeof(r->out) - r->out_len);
	assert_int_equal(r->n.out_bytes, r->out_len);
}

static void
run(enum lmtp_norm_mode mode, const char *in, struct result *r)
{
	run_pieces(mode, false, in, strlen(in), 0, sizeof(r->out), r);
}

static void
expect_dot(const char *in, const char *out, bool done)
{
	struct result r;

	run(LMTP_NORM_DOT, in, &r);
	if (r.out_len != strlen(out) || memcmp(r.out, out, r.out_len) != 0)
		fail_msg("output for \"%s\" is \"%.*s\"", in, (int)r.out_len,
			 r.out);
	assert_int_equal(r.n.done, done);
}

static void
test_dot_basic(void **state)
{
	struct result r;

	expect_dot("a\r\nb\r\n.\r\n", "a\r\nb\r\n", true);
	expect_dot(".\r\n", "", true);
	expect_dot("\r\n.\r\n", "\r\n", true);
	/* nothing after the terminator is taken */
	run(LMTP_NORM_DOT, "x\r\n.\r\nQUIT\r\n", &r);
	assert_true(r.n.done);
	assert_int_equal(r.consumed, 6);
	/* no terminator yet */
	expect_dot("a\r\nb", "a\r\nb", false);
	expect_dot("a\r\n.", "a\r\n", false);
	expect_dot("a\r\n.\r", "a\r\n", false);
}

static void
test_dot_unstuffing(void **state)
{
	/* RFC 5321 section 4.5.2 */
	expect_dot("..a\r\n.\r\n", ".a\r\n", true);
	expect_dot("..\r\n.\r\n", ".\r\n", true);
	expect_dot("a\r\n...\r\n.\r\n", "a\r\n..\r\n", true);
	expect_dot("a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n", true);
	expect_dot(". \r\n.\r\n", " \r\n", true);
}

static void
test_bare_line_ends(void **state)
{
	expect_dot("a\nb\r\n.\r\n", "a\r\nb\r\n", true);
	expect_dot("a\rb\r\n.\r\n", "a\r\nb\r\n", true);
	expect_dot("a\r\r\nb\r\n.\r\n", "a\r\n\r\nb\r\n", true);
	expect_dot("a\n\nb\r\n.\r\n", "a\r\n\r\nb\r\n", true);
	/* RFC 5321 section 4.1.1.4: <LF>.<LF> does not end the data */
	expect_dot("a\n.\nb\r\n.\r\n", "a\r\n.\r\nb\r\n", true);
	expect_dot("a\n.\r\n", "a\r\n.\r\n", false);
	/* a dot and a bare CR: the dot goes, the CR becomes a line end */
	expect_dot(".\rx\r\n.\r\n", "\r\nx\r\n", true);
	expect_dot(".\n.\r\n", "\r\n.\r\n", false);
	expect_dot("\r.\r\n", "\r\n.\r\n", false);
}

static void
test_raw(void **state)
{
	struct result r;

	run(LMTP_NORM_RAW, ".\r\n..x\r\n.\r\n", &r);
	assert_false(r.n.done);
	assert_int_equal(r.out_len, 11);
	assert_memory_equal(r.out, ".\r\n..x\r\n.\r\n", 11);
	/* a CR at the very end becomes CRLF at finish */
	run(LMTP_NORM_RAW, "a\nb\r", &r);
	assert_int_equal(r.out_len, 6);
	assert_memory_equal(r.out, "a\r\nb\r\n", 6);
	run(LMTP_NORM_RAW, "", &r);
	assert_int_equal(r.out_len, 0);
}

/* Every way of cutting the input gives the same result. */
static void
check_splits(enum lmtp_norm_mode mode, bool strip, const char *in)
{
	size_t len = strlen(in);
	struct result whole, *r = malloc(sizeof(*r));

	run_pieces(mode, strip, in, len, 0, sizeof(whole.out), &whole);
	for (size_t piece = 1; piece <= len; piece++) {
		for (size_t room = LMTP_NORM_MIN_ROOM; room <= 8; room++) {
			run_pieces(mode, strip, in, len, piece, room, r);
			assert_int_equal(r->out_len, whole.out_len);
			assert_memory_equal(r->out, whole.out, whole.out_len);
			assert_int_equal(r->consumed, whole.consumed);
			assert_int_equal(r->n.done, whole.n.done);
			assert_int_equal(r->n.header_8bit, whole.n.header_8bit);
			assert_string_equal(r->n.msgid, whole.n.msgid);
		}
	}
	free(r);
}

static void
test_splits(void **state)
{
	static const char *const inputs[] = {
	    "a\r\nb\r\n.\r\n",
	    "..x\r\n.\rz\n.\n\r\r\n.\r\n",
	    "Message-ID:\r\n <a@b>\r\nSubject: \xe9t\xe9\r\n\r\n.\r\n",
	    "\r\n\r\n\r\r\n\n..\r\n.\r\nafter",
	    "x\r",
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		check_splits(LMTP_NORM_DOT, false, inputs[i]);
		check_splits(LMTP_NORM_DOT, true, inputs[i]);
		check_splits(LMTP_NORM_RAW, false, inputs[i]);
	}
}

static void
test_header_8bit(void **state)
{
	const char *msg = "Subject: caf\xc3\xa9\x8a\r\n\r\nbody \xff\r\n.\r\n";
	struct result r;

	run_pieces(LMTP_NORM_DOT, false, msg, strlen(msg), 0, 8192, &r);
	assert_true(r.n.header_8bit);
	assert_false(r.n.in_header);
	assert_memory_equal(r.out, "Subject: caf\xc3\xa9\x8a\r\n", 17);

	/* allow8bitheaders: the high bit goes; 0x8a would be LF: '?' */
	run_pieces(LMTP_NORM_DOT, true, msg, strlen(msg), 0, 8192, &r);
	assert_true(r.n.header_8bit);
	assert_int_equal(r.out_len, 27);
	assert_memory_equal(r.out, "Subject: cafC)?\r\n\r\nbody \xff\r\n", 27);

	/* 8-bit octets in the body only */
	run(LMTP_NORM_DOT, "A: b\r\n\r\n\xff\xfe\r\n.\r\n", &r);
	assert_false(r.n.header_8bit);
	/* a bare CR at a line start ends the header section too */
	run(LMTP_NORM_DOT, "A: b\r\rX: \xff\r\n.\r\n", &r);
	assert_false(r.n.header_8bit);
}

static void
test_msgid(void **state)
{
	struct result r;
	char big[600];

	run(LMTP_NORM_DOT,
	    "Subject: x\r\nMessage-ID: <abc@x.org>  \r\n\r\n.\r\n", &r);
	assert_string_equal(r.n.msgid, "<abc@x.org>");
	assert_true(r.n.msgid_done);
	/* folded, other case, first one wins */
	run(LMTP_NORM_DOT,
	    "message-id:\r\n\t<a@b>\r\nMessage-ID: <second@b>\r\n\r\n.\r\n",
	    &r);
	assert_string_equal(r.n.msgid, "<a@b>");
	/* not a Message-ID field */
	run(LMTP_NORM_DOT,
	    "X-Message-ID: <no@x>\r\n Message-ID: <cont@x>\r\n\r\n"
	    "Message-ID: <body@x>\r\n.\r\n",
	    &r);
	assert_string_equal(r.n.msgid, "");
	/* the last header line of a message without a body */
	run(LMTP_NORM_RAW, "Message-ID: <end@x>", &r);
	assert_string_equal(r.n.msgid, "<end@x>");
	/* control octets are left out, tabs count as spaces */
	run_pieces(LMTP_NORM_DOT, false,
		   "Message-ID: <a\0b\x01"
		   "c>\t<d>\r\n\r\n.\r\n",
		   30, 0, 8192, &r);
	assert_string_equal(r.n.msgid, "<abc> <d>");
	assert_int_equal(r.n.msgid_len, 9);
	/* bounded */
	memcpy(big, "Message-ID: ", 12);
	memset(big + 12, 'm', 500);
	memcpy(big + 512, "\r\n\r\n.\r\n", 8);
	run(LMTP_NORM_DOT, big, &r);
	assert_int_equal(strlen(r.n.msgid), LMTP_NORM_MSGID_MAX);
}

static void
test_done_stops(void **state)
{
	struct lmtp_norm n;
	uint8_t out[16];
	size_t out_len;

	lmtp_norm_init(&n, LMTP_NORM_DOT, false);
	assert_int_equal(lmtp_norm_feed(&n, (const uint8_t *)".\r\nabc", 6, out,
					sizeof(out), &out_len),
			 3);
	assert_true(n.done);
	assert_int_equal(lmtp_norm_feed(&n, (const uint8_t *)"abc", 3, out,
					sizeof(out), &out_len),
			 0);
	assert_int_equal(out_len, 0);
	/* no room: nothing consumed */
	lmtp_norm_init(&n, LMTP_NORM_DOT, false);
	assert_int_equal(
	    lmtp_norm_feed(&n, (const uint8_t *)"abc", 3, out, 2, &out_len), 0);
}

/* The body fast path (whole lines at once) must produce exactly what the
   octet-by-octet state machine does, which is all that runs when input
   comes one octet at a time. Random messages over an alphabet rich in
   line ends and periods, fed whole, octet by octet and in random pieces
   with random output room. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
compare(const struct result *a, const struct result *b)
{
	assert_int_equal(a->out_len, b->out_len);
	assert_memory_equal(a->out, b->out, a->out_len);
	assert_int_equal(a->consumed, b->consumed);
	assert_int_equal(a->n.done, b->n.done);
	assert_int_equal(a->n.in_header, b->n.in_header);
	assert_int_equal(a->n.header_8bit, b->n.header_8bit);
	assert_string_equal(a->n.msgid, b->n.msgid);
}

static void
test_random_equivalence(void **state)
{
	static const char *const atoms[] = {
	    "a", "bc", "defgh", " ", "\r\n", "\r\n", "\r\n", "\r\n.",
	    "\r\n..", "\r\n.\r\n", "\n", "\r", ".", "\xe9", "\r\n\r\n",
	    "Message-ID: <x@y>\r\n",
	};
	struct result *whole = malloc(sizeof(*whole));
	struct result *slow = malloc(sizeof(*slow));
	struct result *cut = malloc(sizeof(*cut));
	char in[1024];
	uint64_t x = 0x9e3779b97f4a7c15u;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = 0;
		enum lmtp_norm_mode mode =
		    round % 2 ? LMTP_NORM_DOT : LMTP_NORM_RAW;
		bool strip = round % 3 == 0;

		if (round % 4 < 2)
			len = (size_t)snprintf(in, sizeof(in), "H: v\r\n\r\n");
		while (len < 700) {
			const char *a = atoms[next_rand(&x) % N_ELEMENTS(atoms)];
			size_t alen = strlen(a);

			memcpy(in + len, a, alen);
			len += alen;
			if (next_rand(&x) % 40 == 0)
				break;
		}
		run_pieces(mode, strip, in, len, 0, sizeof(whole->out), whole);
		run_pieces(mode, strip, in, len, 1, LMTP_NORM_MIN_ROOM, slow);
		compare(whole, slow);
		run_pieces(mode, strip, in, len, 1 + next_rand(&x) % 97,
			   LMTP_NORM_MIN_ROOM + next_rand(&x) % 200, cut);
		compare(whole, cut);
	}
	free(whole);
	free(slow);
	free(cut);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dot_basic),
	    cmocka_unit_test(test_dot_unstuffing),
	    cmocka_unit_test(test_bare_line_ends),
	    cmocka_unit_test(test_raw),
	    cmocka_unit_test(test_splits),
	    cmocka_unit_test(test_random_equivalence),
	    cmocka_unit_test(test_header_8bit),
	    cmocka_unit_test(test_msgid),
	    cmocka_unit_test(test_done_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
