/* SPDX-License-Identifier: MIT */
/* Helpers shared by the IMAP unit tests: parse command text into args. */
#ifndef COFFER_TESTS_IMAP_TEST_UTIL_H
#define COFFER_TESTS_IMAP_TEST_UTIL_H

#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-parser.h"

/* Parses one complete command line ("tag NAME args\r\n" is built from
   `args`: "t X " + args + CRLF) and returns its top-level arguments, or
   NULL if the parser refused it. Literals ({n+}) may be used. */
const struct imap_arg *test_parse_args(struct pool *pool, const char *args,
				       size_t *count_r);
/* Appends a canonical rendering of args to out: atoms bare, quoted
   strings in quotes, literals as {n}bytes, lists in parentheses. */
void test_render_args(struct buf *out, const struct imap_arg *args,
		      size_t count);

#endif
