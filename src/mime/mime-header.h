/* SPDX-License-Identifier: MIT */
/*
 * Header blocks as raw bytes (RFC 5322 section 2.2): iterating over fields
 * with their folded continuation lines, field-name matching, unfolding, and
 * the HEADER.FIELDS / HEADER.FIELDS.NOT subsets of RFC 3501 section 6.4.5.
 *
 * Lines end at LF; a CR before it is part of the line ending. A line that
 * is not a field (no colon, or a name that is not RFC 5322 ftext) is
 * returned with its continuation lines as a field without a name
 * (name_len 0), so that callers can keep or skip such junk. Nothing here
 * allocates except into the caller's buffers; all functions are
 * thread-safe.
 */
#ifndef COFFER_MIME_MIME_HEADER_H
#define COFFER_MIME_MIME_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

struct mime_header_field {
	/* Field name without the colon and the obsolete white space before
	   it (RFC 5322 section 4.5); name_len is 0 for a junk line, whose
	   value is then the whole line. */
	const uint8_t *name;
	size_t name_len;
	/* Everything after the colon up to the end of the last continuation
	   line, without that line's ending (still folded). */
	const uint8_t *value;
	size_t value_len;
	/* The complete field as it appears: all lines and the final line
	   ending (if the block did not end before it). */
	const uint8_t *raw;
	size_t raw_len;
};

struct mime_header_iter {
	const uint8_t *data;
	size_t len;
	size_t pos;
	/* Set when iteration stopped at the blank line ending the block. */
	const uint8_t *blank_line;
	size_t blank_line_len;
};

/* hdr[0..len) is a header block, with or without its blank line; it must
   stay valid while the iterator is used. */
void mime_header_iter_init(struct mime_header_iter *it, const void *hdr,
			   size_t len);
/* Returns true with the next field, false at the blank line (which is
   then stored in it->blank_line) or the end. */
bool mime_header_iter_next(struct mime_header_iter *it,
			   struct mime_header_field *field_r);

/* If line[0..len) starts a header field ("name:" with an RFC 5322 ftext
   name, white space allowed before the colon), stores the name length and
   the offset just past the colon and returns true. */
bool mime_header_line_is_field(const uint8_t *line, size_t len,
			       size_t *name_len_r, size_t *value_start_r);

/* Case-insensitive field-name comparison (RFC 5322 section 1.2.2). */
bool mime_header_name_eq(const void *name, size_t name_len,
			 const char *wanted);

/* Appends the unfolded value (RFC 5322 section 2.2.3): line endings of
   folding removed, a bare CR becomes a space, each NUL becomes U+FFFD,
   leading and trailing white space trimmed. */
void mime_header_unfold(const void *value, size_t len, struct buf *out);

/* RFC 3501 section 6.4.5 HEADER.FIELDS (exclude = false) and
   HEADER.FIELDS.NOT (exclude = true): appends the original bytes of every
   field whose name matches (does not match) one of names[0..n_names) -
   junk lines never match, so .NOT keeps them, as Dovecot does -
   followed by the blank line as it appears in hdr, if hdr has one (it is
   included in all header fetches "except in the case of a message which
   has no body and no blank line"). */
void mime_header_filter(const void *hdr, size_t len,
			const char *const *names, size_t n_names,
			bool exclude, struct buf *out);

#endif
