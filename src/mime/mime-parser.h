/* SPDX-License-Identifier: MIT */
/*
 * Incremental MIME message parser (RFC 2045, RFC 2046, RFC 5322) building
 * the part tree of mime-part.h.
 *
 *	struct mime_parser *p = mime_parser_create(pool, NULL);
 *	while ((n = read(fd, buf, sizeof(buf))) > 0)
 *		mime_parser_feed(p, buf, n);
 *	mime_parser_finish(&p, &msg);
 *
 * Data may be fed in chunks of any size; boundaries and header lines may
 * straddle them and the result is the same as for one chunk. Bodies are
 * only scanned (sizes, lines, boundary lines): parser memory is bounded by
 * the stored header fields and the part count, never by body size.
 *
 * Parsing never fails: every byte sequence yields a tree that writes as a
 * valid BODYSTRUCTURE. Limits turn hostile nesting and part counts into
 * opaque parts (see mime_limits), and damage is reported in
 * mime_message.flags.
 *
 * A parser is used by one thread at a time. The result lives in the pool
 * passed to mime_parser_create() and stays valid until that pool is
 * cleared or destroyed.
 */
#ifndef COFFER_MIME_MIME_PARSER_H
#define COFFER_MIME_MIME_PARSER_H

#include <stddef.h>
#include "lib/pool.h"
#include "mime/mime-part.h"

struct mime_limits {
	/* Deepest part (root = 0). A multipart or message part whose
	   children would be deeper is kept as an opaque part. At most
	   MIME_MAX_DEPTH (the writers recurse once per level). */
	unsigned int max_depth;
	/* Most parts in the tree. Once reached, further boundary lines
	   that would start a part are body content of the current part. */
	unsigned int max_parts;
	/* Most bytes of interpreted header fields stored per part; fields
	   beyond are ignored (the header is still scanned to its end). */
	size_t max_header_bytes;
	/* Most such bytes over the whole message. */
	size_t max_total_header_bytes;
};

#define MIME_MAX_DEPTH 200
#define MIME_DEFAULT_MAX_DEPTH 50
#define MIME_DEFAULT_MAX_PARTS 5000
#define MIME_DEFAULT_MAX_HEADER_BYTES (256 * 1024)
#define MIME_DEFAULT_MAX_TOTAL_HEADER_BYTES (4 * 1024 * 1024)

/* Longest boundary honoured (RFC 2046 section 5.1.1 allows 70; real mail
   has longer ones). A longer boundary parameter counts as missing. */
#define MIME_BOUNDARY_MAX 250

/* Fills in the defaults above. */
void mime_limits_default(struct mime_limits *limits);

/* limits may be NULL for the defaults. The result is allocated from
   pool. */
struct mime_parser *mime_parser_create(struct pool *pool,
				       const struct mime_limits *limits);
/* Parses the next len bytes. */
void mime_parser_feed(struct mime_parser *p, const void *data, size_t len);
/* Ends the input, frees the parser, sets *p to NULL and returns the
   message. */
void mime_parser_finish(struct mime_parser **p, struct mime_message **msg_r);
/* Frees a parser without a result (NULL-safe). */
void mime_parser_destroy(struct mime_parser **p);

/* One-shot parse of a complete message (e.g. an mmapped file). */
struct mime_message *mime_parse(struct pool *pool, const void *data,
				size_t len, const struct mime_limits *limits);

#endif
