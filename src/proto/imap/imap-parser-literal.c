/* SPDX-License-Identifier: MIT */
/*
 * Literals in the command parser: announcement "{n}" / "{n+}" / "~{n}"
 * (RFC 3501 section 9, RFC 7888, RFC 4466), in-memory collection, the
 * APPEND-style pause, and the caller's answers to it.
 */
#include "proto/imap/imap-parser-private.h"
#include "lib/panic.h"
#include "lib/str.h"

#include <string.h>

/* Refuses an announced literal whose line ended just now. */
static enum imap_parse_result
refuse_literal(struct imap_parser *p, enum imap_parse_error_code code,
	       const char *message, uint64_t size)
{
	imap_parser__error(p, code, message);
	if (!p->lit_plus) {
		/* the client waits for a continuation: the command ends */
		p->state = PS_DONE;
		return IMAP_PARSE_ERROR;
	}
	return imap_parser__skip_literal(p, size);
}

/* RFC 3502, 4469 and 8508: commands whose literals carry message data. */
static bool
command_streams_literals(const struct imap_parser *p)
{
	if (strcmp(p->name, "APPEND") == 0 || strcmp(p->name, "REPLACE") == 0)
		return true;
	return strcmp(p->name, "UID") == 0 && p->stack.n > 0 &&
	       imap_arg_atom_equals(&p->stack.v[0], "REPLACE");
}

static void
fill_literal_info(struct imap_parser *p, uint64_t size)
{
	struct imap_literal_info *info = &p->lit_info;

	info->size = size;
	info->sync = !p->lit_plus;
	info->literal8 = p->lit8;
	info->depth = (unsigned)p->lists.n;
	info->tag = p->tag;
	info->name = p->name;
	info->args = p->stack.v;
	info->count = p->lists.n > 0 ? p->lists.v[0].start : p->stack.n;
}

static void
push_literal(struct imap_parser *p)
{
	struct imap_arg *arg = vec_push_new(&p->stack);

	arg->type = p->lit8 ? IMAP_ARG_LITERAL8 : IMAP_ARG_LITERAL;
	arg->flags = p->lit_plus ? IMAP_ARG_FLAG_NONSYNC : 0;
	arg->len = (size_t)p->lit_size;
	arg->u.str = p->lit_data;
	p->state = PS_AFTER_ARG;
	memset(&p->trk, 0, sizeof(p->trk));
}

static void
start_collect(struct imap_parser *p)
{
	p->lit_data = pool_alloc(p->pool, (size_t)p->lit_size + 1);
	p->lit_pos = 0;
	p->literal_total += p->lit_size;
	if (p->lit_size == 0)
		push_literal(p);
	else
		p->state = PS_LIT_DATA;
}

static bool
literal_fits_memory(const struct imap_parser *p, uint64_t size)
{
	return size <= p->set.max_literal_size &&
	       size <= p->set.max_literal_total - p->literal_total;
}

static enum imap_parse_result
literal_announced(struct imap_parser *p)
{
	uint64_t size = p->lit_overflow ? UINT64_MAX : p->lit_size;

	if (p->lit_plus && p->set.literal_mode == IMAP_LITERAL_SYNC_ONLY) {
		return refuse_literal(
		    p, IMAP_PARSE_ERR_SYNTAX,
		    "Non-synchronizing literals are not supported", size);
	}
	if (p->lit_plus && p->set.literal_mode == IMAP_LITERAL_MINUS &&
	    size > IMAP_LITERAL_MINUS_MAX) {
		/* RFC 7888 section 5 */
		return refuse_literal(
		    p, IMAP_PARSE_ERR_TOOBIG,
		    "Non-synchronizing literal larger than 4096 octets", size);
	}
	if (!imap_parser__count_arg(p)) {
		return refuse_literal(p, IMAP_PARSE_ERR_LIMIT,
				      "Too many arguments", size);
	}
	if (command_streams_literals(p)) {
		if (size > p->set.max_stream_literal) {
			return refuse_literal(p, IMAP_PARSE_ERR_TOOBIG,
					      "Literal too large", size);
		}
		fill_literal_info(p, size);
		p->state = PS_PAUSED;
		return IMAP_PARSE_LITERAL;
	}
	if (!literal_fits_memory(p, size))
		return refuse_literal(p, IMAP_PARSE_ERR_TOOBIG,
				      "Literal too large", size);
	start_collect(p);
	if (p->lit_plus)
		return IMAP_PARSE_MORE;
	fill_literal_info(p, size);
	p->cont_pending = true;
	return IMAP_PARSE_CONTINUE;
}

enum imap_parse_result
imap_parser__step_literal_size(struct imap_parser *p, unsigned char c,
			       size_t *pos)
{
	switch (p->state) {
	case PS_LIT_OPEN:
	case PS_LIT_SIZE:
		if (ascii_isdigit(c)) {
			unsigned d = c - '0';

			/* number = 1*DIGIT: leading zeros are legal */
			if (p->lit_size > (UINT32_MAX - d) / 10)
				p->lit_overflow = true;
			else
				p->lit_size = p->lit_size * 10 + d;
			p->state = PS_LIT_SIZE;
			break;
		}
		if (p->state == PS_LIT_SIZE && (c == '+' || c == '}')) {
			p->lit_plus = c == '+';
			p->state = c == '+' ? PS_LIT_CLOSE : PS_LIT_CR;
			break;
		}
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Invalid literal size");
		return IMAP_PARSE_MORE;
	case PS_LIT_CLOSE:
		if (c != '}') {
			imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
					   "Invalid literal size");
			return IMAP_PARSE_MORE;
		}
		p->state = PS_LIT_CR;
		break;
	case PS_LIT_CR:
	case PS_LIT_LF:
		if (c != (p->state == PS_LIT_CR ? '\r' : '\n')) {
			imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
					   "Literal size not followed by CRLF");
			return IMAP_PARSE_MORE;
		}
		*pos += 1;
		if (p->state == PS_LIT_LF)
			return literal_announced(p);
		p->state = PS_LIT_LF;
		return IMAP_PARSE_MORE;
	default:
		i_unreached();
	}
	*pos += 1;
	return IMAP_PARSE_MORE;
}

enum imap_parse_result
imap_parser__step_literal_data(struct imap_parser *p, const uint8_t *data,
			       size_t avail, size_t *pos)
{
	size_t want = (size_t)p->lit_size - p->lit_pos;
	size_t n = avail < want ? avail : want;
	const uint8_t *src = data + *pos;

	/* RFC 3501 section 9: literal = ... *CHAR8, CHAR8 = %x01-ff;
	   only literal8 (RFC 3516) may carry NUL */
	if (!p->lit8 && memchr(src, '\0', n) != NULL) {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "NUL octet in literal");
		p->skip_left = want;
		p->state = PS_SKIP_LITERAL;
		return IMAP_PARSE_MORE;
	}
	memcpy(p->lit_data + p->lit_pos, src, n);
	p->lit_pos += n;
	*pos += n;
	if (p->lit_pos == p->lit_size)
		push_literal(p);
	return IMAP_PARSE_MORE;
}

void
imap_parser_literal_stream(struct imap_parser *p)
{
	struct imap_arg *arg;

	i_assert(p->state == PS_PAUSED);
	arg = vec_push_new(&p->stack);
	arg->type = IMAP_ARG_LITERAL_STREAM;
	arg->flags = p->lit_plus ? IMAP_ARG_FLAG_NONSYNC : 0;
	arg->len = (size_t)p->lit_info.size;
	arg->u.str = NULL;
	p->state = PS_AFTER_ARG;
	memset(&p->trk, 0, sizeof(p->trk));
}

int
imap_parser_literal_collect(struct imap_parser *p)
{
	i_assert(p->state == PS_PAUSED);
	if (!literal_fits_memory(p, p->lit_info.size))
		return -1;
	start_collect(p);
	return 0;
}

void
imap_parser_literal_reject(struct imap_parser *p)
{
	i_assert(p->state == PS_PAUSED || p->cont_pending);
	p->cont_pending = false;
	if (!p->lit_plus) {
		/* RFC 3501 section 7.5: without "+" the client sends no
		   literal; the command is over */
		p->state = PS_DONE;
		return;
	}
	p->silent = true;
	p->skip_left = p->lit_info.size;
	p->state = PS_SKIP_LITERAL;
}

const struct imap_literal_info *
imap_parser_literal(const struct imap_parser *p)
{
	return &p->lit_info;
}
