/* SPDX-License-Identifier: MIT */
/*
 * RFC 2047 encoded-word decoding of unstructured header fields and phrases
 * to UTF-8, for SEARCH, SORT and display. Lenient like real mail readers:
 * encoded words are recognised anywhere (also inside words and quoted
 * strings), white space between adjacent encoded words is dropped (RFC 2047
 * section 6.2), adjacent words in the same charset are joined before
 * conversion (so a character split across two words survives), and the
 * RFC 2231 section 5 language suffix ("=?utf-8*en?q?...?=") is accepted.
 * Malformed words (white space or '?' in the text, unknown encoding) are
 * left as they are. Text outside encoded words keeps
 * valid UTF-8 and reads other 8-bit bytes as Latin-1.
 *
 * Pure function; thread-safe.
 */
#ifndef COFFER_MIME_MIME_RFC2047_H
#define COFFER_MIME_MIME_RFC2047_H

#include <stddef.h>
#include "lib/buf.h"

/* Longest encoded-text accepted inside one encoded word (RFC 2047 allows
   75 bytes for the whole word; real mail exceeds that). */
#define MIME_RFC2047_WORD_MAX 4096

/* Appends the decoded form of in[0..len) to out (always valid UTF-8). */
void mime_rfc2047_decode(const void *in, size_t len, struct buf *out);

#endif
