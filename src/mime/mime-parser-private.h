/* SPDX-License-Identifier: MIT */
/* Parser state shared by mime-parser.c and mime-parser-header.c. */
#ifndef COFFER_MIME_MIME_PARSER_PRIVATE_H
#define COFFER_MIME_MIME_PARSER_PRIVATE_H

#include "lib/buf.h"
#include "lib/vec.h"
#include "mime/mime-parser.h"

/* The header fields a part's header is scanned for. */
enum mime_field {
	FIELD_CONTENT_TYPE = 0,
	FIELD_CONTENT_TRANSFER_ENCODING,
	FIELD_CONTENT_ID,
	FIELD_CONTENT_DESCRIPTION,
	FIELD_CONTENT_DISPOSITION,
	FIELD_CONTENT_LANGUAGE,
	FIELD_CONTENT_LOCATION,
	FIELD_CONTENT_MD5,
	/* envelope fields, message headers only */
	FIELD_DATE,
	FIELD_SUBJECT,
	FIELD_FROM,
	FIELD_SENDER,
	FIELD_REPLY_TO,
	FIELD_TO,
	FIELD_CC,
	FIELD_BCC,
	FIELD_IN_REPLY_TO,
	FIELD_MESSAGE_ID,
	FIELD_COUNT
};
#define FIELD_FIRST_ENVELOPE FIELD_DATE

enum parser_state {
	STATE_HEADER,
	STATE_BODY,
	STATE_SKIP_LINE, /* the rest of a boundary line */
};

struct parser_boundary {
	const char *str;
	size_t len;
	struct mime_part *part;	      /* the multipart it delimits */
	struct mime_part *last_child; /* for appending */
};

/* Per-part bookkeeping while the part is open. */
struct parser_part {
	struct mime_part *part;
	uint64_t body_start_lines;
	bool header_done;
};

struct mime_parser {
	struct pool *pool;
	struct mime_limits limits;
	struct mime_message *msg;

	enum parser_state state;
	uint64_t offset;	 /* absolute offset of the window start */
	uint64_t lines;		 /* LF bytes consumed so far */
	bool line_start;	 /* at the start of a line */
	unsigned int eol_len;	 /* length of the last line ending: 1 or 2 */
	uint8_t prev_byte;	 /* last byte consumed */
	bool child_after_line;	 /* SKIP_LINE: a part starts after it */
	struct buf carry;	 /* unconsumed bytes between feeds */

	VEC(struct parser_part) open; /* open parts, outermost first */
	VEC(struct parser_boundary) bounds;
	size_t max_bound_len;

	/* header of the innermost open part */
	int field;		/* enum mime_field being read, or -1 */
	bool in_field;		/* a field (relevant or not) is open */
	struct buf values[FIELD_COUNT];
	bool seen[FIELD_COUNT];
	size_t header_stored;	/* bytes stored for this part */
	size_t total_stored;
	bool header_overflow;
};

static inline struct parser_part *
parser_cur(struct mime_parser *p)
{
	return &p->open.v[p->open.n - 1];
}

/* mime-parser-header.c */
void mime_parser__header_segment(struct mime_parser *p, const uint8_t *seg,
				 size_t len, bool line_start);
/* The header ended (blank line, boundary or end of input): interprets the
   stored fields into the part and resets the header state. */
void mime_parser__header_finish(struct mime_parser *p, struct mime_part *part);
void mime_parser__header_deinit(struct mime_parser *p);

#endif
