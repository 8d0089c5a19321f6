/* SPDX-License-Identifier: MIT */
/*
 * Text matching for IMAP SEARCH (RFC 3501 section 6.4.4): HEADER <field>
 * <string> (and SUBJECT, FROM, TO, CC, BCC, which are HEADER searches of
 * those fields), BODY <string> and TEXT <string>, as case-insensitive
 * substring matches in the i;unicode-casemap comparator (RFC 5051, see
 * mime-casemap.h).
 *
 * What each key looks at, decoded (RFC 2047 in headers, Content-Transfer-
 * Encoding and charset in bodies, mime-charset.h's fallback for unknown
 * charsets):
 * - HEADER: the unfolded values of the named fields of the message's own
 *   header; an empty string matches any message that has the field.
 * - BODY: every text/ leaf part and the header fields of embedded
 *   messages (message/rfc822 parts); other parts (images, applications)
 *   and multipart preambles and epilogues are skipped.
 * - TEXT: BODY plus the message's own header fields, as "Name: value".
 * A match never spans two parts or two header fields; line breaks inside
 * a body are matched as they are.
 *
 * The message is streamed through mime_search_feed() in file order and in
 * chunks of any size (a needle may straddle chunks); memory stays bounded
 * (header fields are matched on their first MIME_SEARCH_FIELD_MAX bytes).
 *
 * A struct mime_search holds the compiled keys and is used by one thread
 * at a time; so is each struct mime_search_ctx.
 */
#ifndef COFFER_MIME_MIME_SEARCH_H
#define COFFER_MIME_MIME_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "mime/mime-summary.h"

enum mime_search_type {
	MIME_SEARCH_HEADER,
	MIME_SEARCH_BODY,
	MIME_SEARCH_TEXT,
};

#define MIME_SEARCH_MAX_KEYS 64
/* Longest needle after canonicalisation, in bytes. */
#define MIME_SEARCH_NEEDLE_MAX 4096
/* Bytes of one header field that are searched. */
#define MIME_SEARCH_FIELD_MAX (64 * 1024)

struct mime_search;
struct mime_search_ctx;

struct mime_search *mime_search_create(void);
void mime_search_destroy(struct mime_search **s);

/* Adds a key. needle[0..len) is UTF-8 (invalid bytes are read as
   Latin-1); field is the header field name for MIME_SEARCH_HEADER and
   ignored otherwise. Returns the key's index (bit in the result mask), or
   -1 with ERR_LIMIT (too many keys, needle too long) or ERR_PARAMS (bad
   field name). */
int mime_search_add(struct mime_search *s, enum mime_search_type type,
		    const char *field, const void *needle, size_t len,
		    struct err *err);

/* Starts matching one message described by summary (which must stay valid
   until mime_search_end()). The keys must not change meanwhile. */
struct mime_search_ctx *mime_search_begin(const struct mime_search *s,
					  const struct mime_summary *summary);
/* Feeds the next len bytes of the message. Returns 1 when the result is
   decided and the rest of the message need not be fed, 0 otherwise. */
int mime_search_feed(struct mime_search_ctx *ctx, const void *data,
		     size_t len);
/* Ends matching, frees the context and returns the mask of matched keys
   (bit i = key i). */
uint64_t mime_search_end(struct mime_search_ctx **ctx);

/* One-shot: the whole message in memory. */
uint64_t mime_search_message(const struct mime_search *s,
			     const struct mime_summary *summary,
			     const void *data, size_t len);

#endif
