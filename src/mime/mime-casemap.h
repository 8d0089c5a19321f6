/* SPDX-License-Identifier: MIT */
/*
 * The i;unicode-casemap comparator's canonical form (RFC 5051 section 2),
 * used for IMAP SEARCH (RFC 3501 section 6.4.4 asks for case-insensitive
 * substring matching): each code point is mapped to its titlecase
 * property, then fully decomposed (compatibility decomposition, like
 * NFKD, but per code point without reordering, as the RFC describes).
 * Substring search on the results is then an i;octet search.
 *
 * Input bytes that are not valid UTF-8 are taken as Latin-1 code points
 * (the same reading as mime-charset.h's fallback), so every input has a
 * canonical form. Uses ICU; thread-safe.
 */
#ifndef COFFER_MIME_MIME_CASEMAP_H
#define COFFER_MIME_MIME_CASEMAP_H

#include <stddef.h>
#include "lib/buf.h"

/* Appends the canonical form of in[0..len) to out. */
void mime_casemap_append(const void *in, size_t len, struct buf *out);

#endif
