/* SPDX-License-Identifier: MIT */
/*
 * The incremental MIME parser: line scanning, boundaries (RFC 2046
 * section 5.1.1) and the part tree. Header fields are handled in
 * mime-parser-header.c.
 *
 * Bytes are consumed from a window (the caller's chunk, or the small carry
 * buffer when a line straddles chunks). A step stops early only when it
 * needs to see more of a line to decide: a header line without its LF (up
 * to HEADER_SEGMENT_MIN bytes), or the start of a possible boundary line
 * (up to 2 + boundary + 2 bytes). So the carry stays small and bodies are
 * never copied.
 */
#include "mime/mime-parser-private.h"

#include "lib/mem.h"
#include "lib/panic.h"

#include <stdint.h>
#include <string.h>

/* A header line shorter than this waits for its LF; a longer one is
   processed in pieces. */
#define HEADER_SEGMENT_MIN 1024
/* Most bytes moved into the carry buffer at once. */
#define CARRY_PIECE 4096

void
mime_limits_default(struct mime_limits *limits)
{
	limits->max_depth = MIME_DEFAULT_MAX_DEPTH;
	limits->max_parts = MIME_DEFAULT_MAX_PARTS;
	limits->max_header_bytes = MIME_DEFAULT_MAX_HEADER_BYTES;
	limits->max_total_header_bytes = MIME_DEFAULT_MAX_TOTAL_HEADER_BYTES;
}

static struct mime_part *
open_part(struct mime_parser *p, struct mime_part *parent, uint64_t offset)
{
	struct mime_part *part = pool_alloc(p->pool, sizeof(*part));
	struct parser_part *pp;

	part->parent = parent;
	part->depth = parent == NULL ? 0 : parent->depth + 1;
	part->header_offset = offset;
	part->body_offset = offset;
	p->msg->part_count++;
	pp = vec_push_new(&p->open);
	pp->part = part;
	p->state = STATE_HEADER;
	return part;
}

static void
update_max_bound_len(struct mime_parser *p)
{
	p->max_bound_len = 0;
	for (size_t i = 0; i < p->bounds.n; i++)
		p->max_bound_len = MAX(p->max_bound_len, p->bounds.v[i].len);
}

static void
start_multipart(struct mime_parser *p, struct mime_part *part)
{
	const char *boundary = mime_content_param(&part->content, "boundary");
	struct parser_boundary *b;

	if (part->depth >= p->limits.max_depth) {
		part->flags |= MIME_PART_OPAQUE;
		p->msg->flags |= MIME_MSG_LIMITED;
		return;
	}
	if (boundary == NULL || boundary[0] == '\0' ||
	    strlen(boundary) > MIME_BOUNDARY_MAX) {
		p->msg->flags |= MIME_MSG_MALFORMED;
		return;
	}
	b = vec_push_new(&p->bounds);
	b->str = boundary;
	b->len = strlen(boundary);
	b->part = part;
	update_max_bound_len(p);
}

static void
start_message(struct mime_parser *p, struct mime_part *part)
{
	struct mime_part *child;

	if (part->depth >= p->limits.max_depth ||
	    p->msg->part_count >= p->limits.max_parts) {
		part->flags |= MIME_PART_OPAQUE;
		p->msg->flags |= MIME_MSG_LIMITED;
		return;
	}
	if (part->encoding == MIME_ENC_BASE64 ||
	    part->encoding == MIME_ENC_QP) {
		/* RFC 2046 section 5.2.1: no encoding but 7bit, 8bit or
		   binary is permitted; an encoded message is not parsed */
		part->flags |= MIME_PART_OPAQUE;
		p->msg->flags |= MIME_MSG_MALFORMED;
		return;
	}
	child = open_part(p, part, part->body_offset);
	child->flags |= MIME_PART_ROOT;
	part->children = child;
	part->n_children = 1;
}

/* The blank line ending the current header was consumed up to end. */
static void
header_done(struct mime_parser *p, uint64_t end)
{
	struct parser_part *pp = parser_cur(p);
	struct mime_part *part = pp->part;

	part->header_size = end - part->header_offset;
	part->body_offset = end;
	pp->header_done = true;
	pp->body_start_lines = p->lines;
	mime_parser__header_finish(p, part);
	p->state = STATE_BODY;
	if ((part->flags & MIME_PART_MULTIPART) != 0)
		start_multipart(p, part);
	else if ((part->flags & MIME_PART_MESSAGE) != 0)
		start_message(p, part);
}

/* Ends the innermost open part at end; at a boundary, the line ending
   before it (eol_len bytes) belongs to the boundary, not the part. */
static void
close_part(struct mime_parser *p, uint64_t end, unsigned int eol_len)
{
	struct parser_part *pp = parser_cur(p);
	struct mime_part *part = pp->part;
	uint64_t content_end = end - eol_len;

	if (content_end < part->header_offset) {
		/* an empty part starting right at the cut */
		part->header_offset = content_end;
	}
	if (!pp->header_done || content_end < part->body_offset) {
		/* The header runs up to the end: no body, and no blank line
		   either if the line ending before a boundary was the blank
		   line's ("the initial CRLF is considered to be attached to
		   the boundary delimiter line", RFC 2046 section 5.1.1). */
		part->header_size = content_end - part->header_offset;
		part->body_offset = content_end;
		part->body_size = 0;
		part->body_lines = 0;
		if (!pp->header_done) {
			mime_parser__header_finish(p, part);
			/* a message part whose header never ended holds no
			   message */
			if ((part->flags & MIME_PART_MESSAGE) != 0)
				part->flags |= MIME_PART_OPAQUE;
		}
	} else {
		part->body_size = content_end - part->body_offset;
		part->body_lines = p->lines - pp->body_start_lines;
		if (eol_len > 0 && end - 1 >= part->body_offset)
			part->body_lines--; /* that LF was the boundary's */
	}
	if ((part->flags & (MIME_PART_MULTIPART | MIME_PART_OPAQUE)) ==
		    MIME_PART_MULTIPART &&
	    part->n_children == 0)
		p->msg->flags |= MIME_MSG_MALFORMED;
	p->open.n--;
}

static void
on_boundary(struct mime_parser *p, size_t bi, bool close, uint64_t line_off)
{
	struct mime_part *mpart = p->bounds.v[bi].part;

	while (parser_cur(p)->part != mpart)
		close_part(p, line_off, p->eol_len);
	p->bounds.n = close ? bi : bi + 1;
	update_max_bound_len(p);
	p->child_after_line = !close;
	p->state = STATE_SKIP_LINE;
	p->line_start = false;
}

/* At a line start with boundaries active: -1 = need more bytes, 0 = not
   a boundary line, 1 = boundary handled (state is now SKIP_LINE). */
static int
boundary_line(struct mime_parser *p, const uint8_t *data, size_t len,
	      size_t pos, bool final)
{
	const uint8_t *s = data + pos, *nl;
	size_t avail = len - pos, look = 2 + p->max_bound_len + 2;
	size_t line_len, blen, best = SIZE_MAX;
	bool close;

	if (s[0] != '-')
		return 0;
	nl = memchr(s, '\n', MIN(avail, look));
	if (nl == NULL && avail < look && !final)
		return -1;
	line_len = nl != NULL ? (size_t)(nl - s) : MIN(avail, look);
	if (line_len < 2 || s[1] != '-')
		return 0;
	/* RFC 2046 section 5.1.1: the boundary must appear in its entirety
	   at the line start; the rest of the line need not match. The
	   longest match wins, the innermost on a tie (as in Dovecot). */
	for (size_t i = p->bounds.n; i-- > 0;) {
		const struct parser_boundary *b = &p->bounds.v[i];

		if (b->len <= line_len - 2 &&
		    memcmp(s + 2, b->str, b->len) == 0 &&
		    (best == SIZE_MAX || b->len > p->bounds.v[best].len))
			best = i;
	}
	if (best == SIZE_MAX)
		return 0;
	blen = p->bounds.v[best].len;
	close = line_len >= 2 + blen + 2 && s[2 + blen] == '-' &&
		s[3 + blen] == '-';
	if (!close && p->msg->part_count >= p->limits.max_parts) {
		/* no room for another part: the line is content */
		p->msg->flags |= MIME_MSG_LIMITED;
		return 0;
	}
	on_boundary(p, best, close, p->offset + pos);
	return 1;
}

/* Length of the line ending whose LF is at data[idx]. */
static unsigned int
eol_len_at(const struct mime_parser *p, const uint8_t *data, size_t idx)
{
	return (idx > 0 ? data[idx - 1] : p->prev_byte) == '\r' ? 2 : 1;
}

static size_t
header_step(struct mime_parser *p, const uint8_t *data, size_t len,
	    size_t pos, bool final)
{
	const uint8_t *s = data + pos, *nl;
	size_t avail = len - pos, n;

	if (p->line_start) {
		n = s[0] == '\n' ? 1 :
		    (avail >= 2 && s[0] == '\r' && s[1] == '\n') ? 2 : 0;
		if (n > 0) {
			p->lines++;
			p->eol_len = n;
			header_done(p, p->offset + pos + n);
			return n;
		}
		if (s[0] == '\r' && avail < 2 && !final)
			return 0;
	}
	nl = memchr(s, '\n', avail);
	if (nl == NULL && !final && avail < HEADER_SEGMENT_MIN)
		return 0;
	n = nl == NULL ? avail : (size_t)(nl - s) + 1;
	mime_parser__header_segment(p, s, n, p->line_start);
	p->line_start = nl != NULL;
	if (nl != NULL) {
		p->lines++;
		p->eol_len = eol_len_at(p, data, pos + n - 1);
	}
	return n;
}

static size_t
body_step(struct mime_parser *p, const uint8_t *data, size_t len,
	  size_t pos)
{
	const uint8_t *s = data + pos, *end = data + len, *nl, *last = NULL;

	if (p->bounds.n == 0) {
		/* nothing can end this body but the end of input */
		while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
			p->lines++;
			last = nl;
			s = nl + 1;
		}
		p->line_start = last == end - 1;
		if (p->line_start)
			p->eol_len = eol_len_at(p, data, len - 1);
		return len - pos;
	}
	/* stop only at lines that may be boundaries */
	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		p->lines++;
		s = nl + 1;
		if (s == end || *s == '-') {
			p->line_start = true;
			p->eol_len = eol_len_at(p, data, (size_t)(nl - data));
			return (size_t)(s - (data + pos));
		}
	}
	p->line_start = false;
	return len - pos;
}

/* After a delimiter line: the next body part of the innermost multipart
   starts at offset. */
static void
open_body_part(struct mime_parser *p, uint64_t offset)
{
	struct parser_boundary *b = &p->bounds.v[p->bounds.n - 1];
	struct mime_part *child = open_part(p, b->part, offset);

	if (b->last_child == NULL)
		b->part->children = child;
	else
		b->last_child->next = child;
	b->last_child = child;
	b->part->n_children++;
	p->child_after_line = false;
}

static size_t
skip_step(struct mime_parser *p, const uint8_t *data, size_t len,
	  size_t pos)
{
	const uint8_t *s = data + pos;
	const uint8_t *nl = memchr(s, '\n', len - pos);
	size_t n;

	if (nl == NULL)
		return len - pos;
	n = (size_t)(nl - s) + 1;
	p->lines++;
	p->eol_len = eol_len_at(p, data, pos + n - 1);
	p->line_start = true;
	p->state = STATE_BODY;
	if (p->child_after_line)
		open_body_part(p, p->offset + pos + n);
	return n;
}

/* Consumes what it can of data[0..len); returns the count. */
static size_t
run(struct mime_parser *p, const uint8_t *data, size_t len, bool final)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		if (p->line_start && p->bounds.n > 0 &&
		    p->state != STATE_SKIP_LINE) {
			int r = boundary_line(p, data, len, pos, final);

			if (r < 0)
				break;
			if (r > 0)
				continue;
		}
		switch (p->state) {
		case STATE_HEADER:
			n = header_step(p, data, len, pos, final);
			break;
		case STATE_BODY:
			n = body_step(p, data, len, pos);
			break;
		case STATE_SKIP_LINE:
			n = skip_step(p, data, len, pos);
			break;
		}
		if (n == 0)
			break;
		pos += n;
		p->prev_byte = data[pos - 1];
	}
	p->offset += pos;
	return pos;
}

struct mime_parser *
mime_parser_create(struct pool *pool, const struct mime_limits *limits)
{
	struct mime_parser *p = xcalloc(1, sizeof(*p));
	struct mime_part *root;

	p->pool = pool;
	if (limits != NULL)
		p->limits = *limits;
	else
		mime_limits_default(&p->limits);
	if (p->limits.max_parts == 0)
		p->limits.max_parts = 1;
	if (p->limits.max_depth > MIME_MAX_DEPTH)
		p->limits.max_depth = MIME_MAX_DEPTH;
	p->msg = pool_alloc(pool, sizeof(*p->msg));
	p->field = -1;
	p->line_start = true;
	root = open_part(p, NULL, 0);
	root->flags |= MIME_PART_ROOT;
	p->msg->root = root;
	return p;
}

void
mime_parser_feed(struct mime_parser *p, const void *data, size_t len)
{
	const uint8_t *d = data;
	size_t n;

	while (len > 0) {
		if (p->carry.len > 0) {
			/* complete the straddling line in the carry */
			const uint8_t *nl;

			n = MIN(len, CARRY_PIECE);
			nl = memchr(d, '\n', n);
			if (nl != NULL)
				n = (size_t)(nl - d) + 1;
			buf_append(&p->carry, d, n);
			d += n;
			len -= n;
			buf_consume(&p->carry,
				    run(p, p->carry.data, p->carry.len,
					false));
			continue;
		}
		n = run(p, d, len, false);
		if (n < len)
			buf_append(&p->carry, d + n, len - n);
		break;
	}
}

static void
parser_free(struct mime_parser *p)
{
	mime_parser__header_deinit(p);
	buf_free(&p->carry);
	vec_free(&p->open);
	vec_free(&p->bounds);
	free(p);
}

void
mime_parser_finish(struct mime_parser **pp, struct mime_message **msg_r)
{
	struct mime_parser *p = *pp;
	size_t n = 0;

	if (p->carry.len > 0)
		n = run(p, p->carry.data, p->carry.len, true);
	i_assert(n == p->carry.len);
	if (p->state == STATE_SKIP_LINE && p->child_after_line) {
		/* a delimiter line at the very end: an empty last part */
		open_body_part(p, p->offset);
	}
	while (p->open.n > 0)
		close_part(p, p->offset, 0);
	if (p->bounds.n > 0)
		p->msg->flags |= MIME_MSG_MALFORMED; /* no close delimiter */
	p->msg->size = p->offset;
	*msg_r = p->msg;
	parser_free(p);
	*pp = NULL;
}

void
mime_parser_destroy(struct mime_parser **pp)
{
	if (*pp == NULL)
		return;
	parser_free(*pp);
	*pp = NULL;
}

struct mime_message *
mime_parse(struct pool *pool, const void *data, size_t len,
	   const struct mime_limits *limits)
{
	struct mime_parser *p = mime_parser_create(pool, limits);
	struct mime_message *msg;

	mime_parser_feed(p, data, len);
	mime_parser_finish(&p, &msg);
	return msg;
}
