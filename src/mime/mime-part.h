/* SPDX-License-Identifier: MIT */
/*
 * The parsed structure of a message: a tree of MIME parts with exact byte
 * ranges and the header fields IMAP needs (RFC 3501 sections 6.4.5 and
 * 7.4.2). Produced by mime-parser.h; immutable afterwards and owned by the
 * pool given to the parser, so it may be shared read-only between threads.
 *
 * Tree shape (the model RFC 3501 section numbering is defined on):
 * - the root is the message itself: its header is the message header;
 * - a multipart part's children are its body parts, in order;
 * - a message/rfc822 (or message/global) part has exactly one child, the
 *   embedded message, whose header starts where the part's body starts.
 */
#ifndef COFFER_MIME_MIME_PART_H
#define COFFER_MIME_MIME_PART_H

#include <stdbool.h>
#include <stdint.h>
#include "mime/mime-content.h"
#include "mime/mime-decode.h"

enum mime_part_flags {
	MIME_PART_MULTIPART = 1 << 0, /* type multipart (children follow) */
	MIME_PART_MESSAGE = 1 << 1,   /* message/rfc822 or message/global */
	MIME_PART_GLOBAL = 1 << 2,    /* ... and it is message/global */
	MIME_PART_TEXT = 1 << 3,      /* type text */
	/* A multipart or message part left unparsed: nested too deep, or a
	   message with a base64/quoted-printable body (RFC 2046 section
	   5.2.1 forbids that). It has no children. */
	MIME_PART_OPAQUE = 1 << 4,
	MIME_PART_ROOT = 1 << 5,      /* a message header (has envelope) */
	/* no usable Content-Type: the RFC 2045 section 5.2 default (or the
	   multipart/digest default of RFC 2046 section 5.1.5) applies */
	MIME_PART_DEFAULT_TYPE = 1 << 6,
	MIME_PART_HEADER_8BIT = 1 << 7, /* 8-bit bytes in its header */
};

/* The envelope fields of a message header (RFC 3501 section 7.4.2), each
   unfolded and trimmed, NULL when the field is absent. Address fields are
   kept as text (mime-address.h parses them); repeated address fields are
   joined into one list, for the other fields the last occurrence wins
   (both as Dovecot does). */
struct mime_envelope {
	const char *date;
	const char *subject;
	const char *from;
	const char *sender;
	const char *reply_to;
	const char *to;
	const char *cc;
	const char *bcc;
	const char *in_reply_to;
	const char *message_id;
};

struct mime_part {
	struct mime_part *parent;
	struct mime_part *children; /* first child */
	struct mime_part *next;	    /* next sibling */
	unsigned int n_children;
	unsigned int depth; /* root = 0 */
	uint32_t flags;	    /* enum mime_part_flags */

	/* Byte ranges in the message. The header includes its blank line
	   (if any); the body ends before the line ending that precedes a
	   boundary (RFC 2046 section 5.1.1). Lines count LF bytes in the
	   body. */
	uint64_t header_offset;
	uint64_t header_size;
	uint64_t body_offset;
	uint64_t body_size;
	uint64_t body_lines;

	/* Content-Type with defaults applied: type and subtype are never
	   NULL; params as in mime-content.h (no defaults added). */
	struct mime_content content;
	/* Content-Transfer-Encoding token as written, NULL if absent or
	   invalid ("7bit" then applies) */
	const char *encoding_name;
	enum mime_encoding encoding;
	const char *id;		 /* Content-ID */
	const char *description; /* Content-Description */
	const char *md5;	 /* Content-MD5 */
	const char *location;	 /* Content-Location */
	/* Content-Disposition; type NULL when absent or invalid */
	struct mime_content disposition;
	/* Content-Language tags, n_languages = 0 when absent */
	const char **languages;
	unsigned int n_languages;
	/* MIME_PART_ROOT parts only, else NULL */
	const struct mime_envelope *envelope;
};

enum mime_message_flags {
	MIME_MSG_HEADER_8BIT = 1 << 0, /* 8-bit bytes in some header */
	MIME_MSG_HEADER_NUL = 1 << 1,  /* NUL bytes in some header */
	/* structure damaged: boundary missing or never seen, no final
	   boundary, invalid Content-Type, oversized header, ... */
	MIME_MSG_MALFORMED = 1 << 2,
	/* a depth or part-count limit stopped the parse of some part */
	MIME_MSG_LIMITED = 1 << 3,
};

struct mime_message {
	struct mime_part *root;
	uint64_t size;		 /* bytes parsed */
	unsigned int part_count; /* parts in the tree, root included */
	uint32_t flags;		 /* enum mime_message_flags */
};

/* A part's charset parameter (raw), or NULL. */
const char *mime_part_charset(const struct mime_part *part);

#endif
