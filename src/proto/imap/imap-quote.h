/* SPDX-License-Identifier: MIT */
/*
 * Writers for IMAP strings in server responses (RFC 3501 section 9:
 * astring, string, nstring, literal; RFC 3516 literal8). Each picks the
 * most compact form that is exact:
 *
 *   atom    only for astrings: 1*ASTRING-CHAR, not "NIL" in any case
 *	     (a client reading an nstring-like field could take it as NIL);
 *   quoted  TEXT-CHARs (7-bit, no CR, LF or NUL), "\" and DQUOTE escaped,
 *	     at most IMAP_QUOTE_MAX bytes; with IMAP_QUOTE_UTF8 also valid
 *	     UTF-8 (RFC 6855 section 3, after ENABLE UTF8=ACCEPT);
 *   literal everything else: CR, LF, 8-bit, long strings. RFC 3501 CHAR8
 *	     excludes NUL: data that may contain NUL (message bodies) needs
 *	     literal8 (BINARY) or sanitising by the caller; these writers never
 *	     alter data.
 *
 * All writers append to out and return 0, or -1 if out is full (nothing
 * is appended then). Reentrant.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_QUOTE_H
#define COFFER_PROTO_IMAP_IMAP_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

/* Longer strings are sent as literals. */
#define IMAP_QUOTE_MAX 1024

enum imap_quote_flags {
	IMAP_QUOTE_UTF8 = 0x01, /* UTF8=ACCEPT is enabled */
};

/* True if data may be sent as an atom in an astring position. */
bool imap_quote_is_astring_atom(const void *data, size_t len);
/* True if data may be sent as a quoted string. */
bool imap_quote_can_quote(const void *data, size_t len, unsigned flags);

int imap_append_astring(struct buf *out, const void *data, size_t len,
			unsigned flags);
int imap_append_string(struct buf *out, const void *data, size_t len,
		       unsigned flags);
/* data == NULL writes NIL. */
int imap_append_nstring(struct buf *out, const void *data, size_t len,
			unsigned flags);
/* A quoted string; -1 if data cannot be quoted (see above). */
int imap_append_quoted(struct buf *out, const void *data, size_t len,
		       unsigned flags);
/* "{len}" CRLF data */
int imap_append_literal(struct buf *out, const void *data, size_t len);
/* "~{len}" CRLF data (RFC 3516 section 7): binary-safe. */
int imap_append_literal8(struct buf *out, const void *data, size_t len);
/* Only the "{size}" CRLF (or "~{size}" CRLF) announcement, for data the
   caller streams itself. */
int imap_append_literal_header(struct buf *out, uint64_t size, bool literal8);

#endif
