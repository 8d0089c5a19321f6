/* SPDX-License-Identifier: MIT */
/*
 * Where the text of a FETCH body item lies in the stored message (RFC 3501
 * section 6.4.5): BODY[section]<origin.octets>, BODY.PEEK, RFC822,
 * RFC822.HEADER and RFC822.TEXT become a list of byte ranges of the
 * message file, which the server then streams from the file without ever
 * holding the message in memory.
 *
 * Everything here is a pure function of a parsed summary (mime-summary.h)
 * and, for HEADER.FIELDS and HEADER.FIELDS.NOT, of the header's bytes: no
 * store, no I/O. Reentrant; a struct fetch_ranges belongs to its caller.
 */
#ifndef COFFER_PROTO_IMAP_FETCH_SECTION_H
#define COFFER_PROTO_IMAP_FETCH_SECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mime/mime-summary.h"
#include "proto/imap/imap-fetch-parse.h"

struct fetch_range {
	uint64_t offset;
	uint64_t size; /* > 0 */
};

/* Byte ranges in output order; adjacent ranges are merged as they are
   added. `total` is the sum of the sizes. */
struct fetch_ranges {
	struct fetch_range *v;
	size_t n, cap;
	uint64_t total;
};

/* clang-format off */
#define FETCH_RANGES_INIT { NULL, 0, 0, 0 }
/* clang-format on */

void fetch_ranges_clear(struct fetch_ranges *r);
void fetch_ranges_free(struct fetch_ranges *r);
/* Appends [offset, offset + size); size 0 adds nothing. */
void fetch_ranges_add(struct fetch_ranges *r, uint64_t offset, uint64_t size);
/* Keeps bytes [origin, origin + count) of the concatenation (RFC 3501
   section 6.4.5 partial fetch: an origin beyond the end leaves nothing,
   a window reaching past the end is cut there). */
void fetch_ranges_window(struct fetch_ranges *r, uint64_t origin,
			 uint64_t count);

/* True for the items whose text comes from the message: BODY[...],
   BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT. */
bool fetch_section_is_body(const struct imap_fetch_item *item);
/* True if the item needs the summary to be located (everything but the
   whole message: BODY[], BODY.PEEK[] and RFC822). */
bool fetch_section_needs_summary(const struct imap_fetch_item *item);
/* True for HEADER.FIELDS and HEADER.FIELDS.NOT, whose ranges come from
   fetch_section_header_fields() applied to the located header. */
bool fetch_section_is_subset(const struct imap_fetch_item *item);

/* Locates the text of a body item in a message of msg_size bytes. sum may
   be NULL when fetch_section_needs_summary() is false. For HEADER.FIELDS
   (.NOT) the result is the header to subset. Returns 1 with the range, or
   0 if the message has no such section (a part number that does not
   exist, HEADER/TEXT of a part that is not a message/rfc822): the item
   is then answered with an empty string, as Dovecot does. */
int fetch_section_locate(const struct mime_summary *sum, uint64_t msg_size,
			 const struct imap_fetch_item *item, uint64_t *offset_r,
			 uint64_t *size_r);

/* Appends the ranges that HEADER.FIELDS (exclude = false) or
   HEADER.FIELDS.NOT (exclude = true) select from the header hdr[0..len),
   which lies at file offset `base`: every field whose name matches (does
   not match) one of names[0..n_names), case-insensitively, then the blank
   line ending the header if it has one (RFC 3501 section 6.4.5). Lines
   that are not fields never match, so .NOT keeps them. The bytes are
   exactly those of mime_header_filter(). Costs O(len + total name
   length): long name lists are hashed. */
void fetch_section_header_fields(const uint8_t *hdr, size_t len, uint64_t base,
				 const char *const *names, size_t n_names,
				 bool exclude, struct fetch_ranges *out);

#endif
