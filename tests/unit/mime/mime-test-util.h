/* SPDX-License-Identifier: MIT */
/* Helpers shared by the mime unit tests. */
#ifndef COFFER_TEST_MIME_TEST_UTIL_H
#define COFFER_TEST_MIME_TEST_UTIL_H

#include <stddef.h>
#include "lib/buf.h"
#include "mime/mime-parser.h"

/* Appends s[0..len) with CR, LF, backslash and bytes outside 0x20..0x7e
   escaped (\r, \n, \\, \xHH), so that IMAP strings fit on one line. */
void test_escape(struct buf *out, const void *s, size_t len);
/* A text description of a parse result: ENVELOPE, BODY, BODYSTRUCTURE,
   flags and one line per part (offsets, sizes, lines, type). */
void test_describe(const struct mime_message *msg, struct buf *out);
/* Reads a file of the test corpus (messages/<name>) into out. */
void test_read_message(const char *name, struct buf *out);
/* Parses data in chunks: size 0 = pseudo-random sizes from seed. */
struct mime_message *test_parse_chunked(struct pool *pool, const void *data,
					size_t len, size_t chunk,
					unsigned int seed);

#endif
