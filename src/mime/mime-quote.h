/* SPDX-License-Identifier: MIT */
/*
 * Writing IMAP strings (RFC 3501 section 4.3 and the formal syntax in
 * section 9): quoted strings when the bytes allow it, literals otherwise,
 * NIL for absent values. The MIME layer uses this for ENVELOPE and
 * BODYSTRUCTURE. (The IMAP library has its own, richer writers in
 * proto/imap/imap-quote.h; these are prefixed mime_ so both can be linked
 * into one program.)
 *
 * All functions append to a struct buf and return 0, or -1 when the buffer's
 * maximum was reached (the buffer then holds a truncated response and must
 * not be sent). Pure functions; thread-safe.
 */
#ifndef COFFER_MIME_MIME_QUOTE_H
#define COFFER_MIME_MIME_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"

/* Strings longer than this are always sent as literals, so that a client
   with a line-length limit never sees a huge quoted string. */
#define MIME_QUOTED_MAX_LEN 1024
/* A quoted string may escape this many quoted-specials ('"' and '\');
   beyond that a literal is shorter (same trade-off as Dovecot). */
#define MIME_QUOTED_MAX_ESCAPES 4

/* True if data[0..len) can be sent as a quoted string: only 7-bit
   TEXT-CHARs (no NUL, CR, LF or 8-bit bytes), at most
   MIME_QUOTED_MAX_ESCAPES quoted-specials, and len <= MIME_QUOTED_MAX_LEN. */
bool mime_quote_can_quote(const void *data, size_t len);

/* Appends data as an IMAP string: quoted if mime_quote_can_quote(),
   otherwise as a literal "{n}\r\n<bytes>". A NUL byte cannot appear in
   any IMAP4rev1 string (CHAR8 excludes it), so each NUL is written as
   U+FFFD (and the string becomes a literal). */
int mime_quote_string(struct buf *out, const void *data, size_t len);
/* As mime_quote_string() for a C string; NULL is written as NIL. */
int mime_quote_nstring(struct buf *out, const char *s);
/* An astring (RFC 3501 section 9): a bare atom when s consists only of
   ASTRING-CHARs and is not "NIL" (any case), a string otherwise. */
int mime_quote_astring(struct buf *out, const char *s);

#endif
