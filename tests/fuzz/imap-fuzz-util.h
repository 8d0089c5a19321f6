/* SPDX-License-Identifier: MIT */
/* Helpers for the IMAP fuzz targets. */
#ifndef COFFER_FUZZ_IMAP_FUZZ_UTIL_H
#define COFFER_FUZZ_IMAP_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-parser.h"

/* Parses "t X <data>" CRLF as one command (literals are fed through,
   APPEND-style pauses never happen for command X). Returns the arguments
   in pool, or NULL if the parser refused the line. */
const struct imap_arg *fuzz_parse_args(struct pool *pool, const uint8_t *data,
				       size_t size, size_t *count_r);
/* Renders arguments canonically into out (bounded by out's max). */
void fuzz_render_args(struct buf *out, const struct imap_arg *args,
		      size_t count);

#endif
