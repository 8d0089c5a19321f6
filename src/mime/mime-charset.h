/* SPDX-License-Identifier: MIT */
/*
 * Conversion of text in a MIME charset (RFC 2046 section 4.1.2) to UTF-8,
 * streaming and never failing: a charset that is unknown, missing or
 * labelled us-ascii/utf-8 is read as "UTF-8 where valid, Latin-1 for any
 * other byte", so mislabelled and unlabelled 8-bit text still comes out as
 * readable, valid UTF-8. Known charsets go through ICU converters;
 * malformed input becomes U+FFFD. "iso-8859-1" is read as windows-1252,
 * its superset in practice (as web browsers do).
 *
 * A struct mime_charset is owned by one thread at a time; separate
 * converters may be used in parallel.
 */
#ifndef COFFER_MIME_MIME_CHARSET_H
#define COFFER_MIME_MIME_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"

/* Longest charset name we look up; longer labels use the fallback. */
#define MIME_CHARSET_NAME_MAX 64

struct mime_charset;

/* name may be NULL (no charset given). Never fails. */
struct mime_charset *mime_charset_create(const char *name);
void mime_charset_destroy(struct mime_charset **cs);
/* True if the name was not usable and the UTF-8/Latin-1 fallback is in
   use (also for us-ascii and utf-8 labels). */
bool mime_charset_is_fallback(const struct mime_charset *cs);
/* Converts the next chunk, appending UTF-8 to out. A multi-byte sequence
   cut by the chunk end is kept until the next call. */
void mime_charset_convert(struct mime_charset *cs, const void *in,
			  size_t len, struct buf *out);
/* Ends the input: a pending incomplete sequence is converted as well as
   possible. The converter can then be reused for a new text. */
void mime_charset_flush(struct mime_charset *cs, struct buf *out);

/* One-shot convenience: create, convert, flush, destroy. */
void mime_charset_to_utf8(const char *charset, const void *in, size_t len,
			  struct buf *out);
/* Appends in[0..len) with valid UTF-8 kept and every other byte taken as
   Latin-1 (the fallback above, without state). */
void mime_charset_utf8_or_latin1(const void *in, size_t len,
				 struct buf *out);

#endif
