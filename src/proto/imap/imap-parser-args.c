/* SPDX-License-Identifier: MIT */
/*
 * Argument tokens of the command parser: atoms, quoted strings, lists and
 * the start of literals (RFC 3501 section 9).
 */
#include "proto/imap/imap-parser-private.h"
#include "lib/panic.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>

/* The atom-like token: ATOM-CHAR plus "]" (astring), list-wildcards
   (list-mailbox, sequence sets) and, first only, "\" (flags). Which of these
   a command accepts is decided by the accessors in imap-arg.h. */
static bool
is_token_char(unsigned char c)
{
	return imap_is_list_char(c);
}

static void
start_token(struct imap_parser *p, unsigned flags)
{
	buf_clear(&p->tok);
	p->tok_flags = flags;
	p->tok_brackets = 0;
	p->tok_8bit = false;
}

/* Copies the token into the pool as a new argument. */
static bool
push_token(struct imap_parser *p, enum imap_arg_type type)
{
	struct imap_arg *arg;
	char *str;

	if (!imap_parser__count_arg(p)) {
		imap_parser__error(p, IMAP_PARSE_ERR_LIMIT,
				   "Too many arguments");
		return false;
	}
	str = pool_alloc(p->pool, p->tok.len + 1);
	if (p->tok.len > 0)
		memcpy(str, p->tok.data, p->tok.len);
	arg = vec_push_new(&p->stack);
	arg->type = type;
	arg->flags = p->tok_flags;
	arg->len = p->tok.len;
	arg->u.str = str;
	return true;
}

static bool
append_token(struct imap_parser *p, const uint8_t *data, size_t n)
{
	/* the line budget keeps the token within max_line_length */
	if (buf_append(&p->tok, data, n) < 0) {
		imap_parser__fatal(p, IMAP_PARSE_ERR_LINE_TOO_LONG,
				   "Command line too long");
		return false;
	}
	return true;
}

static enum imap_parse_result
open_list(struct imap_parser *p)
{
	struct list_frame *frame;

	if (p->lists.n >= p->set.max_depth) {
		imap_parser__error(p, IMAP_PARSE_ERR_LIMIT,
				   "Lists nested too deeply");
		return IMAP_PARSE_MORE;
	}
	if (!imap_parser__count_arg(p)) {
		imap_parser__error(p, IMAP_PARSE_ERR_LIMIT,
				   "Too many arguments");
		return IMAP_PARSE_MORE;
	}
	frame = vec_push_new(&p->lists);
	frame->start = p->stack.n;
	frame->bracket = p->bracket_pending;
	p->bracket_pending = false;
	p->after_open = true;
	return IMAP_PARSE_MORE;
}

static void
close_list(struct imap_parser *p)
{
	struct list_frame frame = vec_pop(&p->lists);
	size_t n = p->stack.n - frame.start;
	struct imap_arg *elems, *arg;

	elems = pool_alloc_array(p->pool, n, sizeof(*elems));
	if (n > 0)
		memcpy(elems, &p->stack.v[frame.start], n * sizeof(*elems));
	p->stack.n = frame.start;
	arg = vec_push_new(&p->stack);
	arg->type = IMAP_ARG_LIST;
	arg->len = n;
	arg->u.list = elems;
	p->after_bracket_list = frame.bracket;
	p->state = PS_AFTER_ARG;
}

static enum imap_parse_result
step_arg_start(struct imap_parser *p, unsigned char c, size_t *pos)
{
	bool after_open = p->after_open;

	p->after_open = false;
	if (c != '(')
		p->bracket_pending = false;
	switch (c) {
	case '(':
		*pos += 1;
		return open_list(p);
	case ')':
		if (!after_open)
			break;
		*pos += 1;
		close_list(p);
		return IMAP_PARSE_MORE;
	case '"':
		start_token(p, 0);
		p->state = PS_QUOTED;
		*pos += 1;
		return IMAP_PARSE_MORE;
	case '{':
		p->lit8 = false;
		p->lit_size = 0;
		p->lit_overflow = false;
		p->state = PS_LIT_OPEN;
		*pos += 1;
		return IMAP_PARSE_MORE;
	case '~':
		p->state = PS_TILDE;
		*pos += 1;
		return IMAP_PARSE_MORE;
	case '\\':
		start_token(p, IMAP_ARG_FLAG_BACKSLASH);
		if (!append_token(p, &c, 1))
			return IMAP_PARSE_FATAL;
		p->state = PS_ATOM;
		*pos += 1;
		return IMAP_PARSE_MORE;
	default:
		if (is_token_char(c)) {
			start_token(p, 0);
			p->state = PS_ATOM;
			return IMAP_PARSE_MORE;
		}
		break;
	}
	if (c == '\r' || c == '\n') {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   after_open ? "Missing ')'"
					      : "Missing argument");
	} else if (c >= 0x80) {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "8-bit characters outside a literal");
	} else {
		/* RFC 3501 section 9: SP is exactly one space */
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Unexpected character");
	}
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result
step_after_arg(struct imap_parser *p, unsigned char c, size_t *pos)
{
	bool after_bracket_list = p->after_bracket_list;

	p->after_bracket_list = false;
	if (c != ' ')
		p->bracket_pending = false;
	switch (c) {
	case ' ':
		p->state = PS_ARG_START;
		*pos += 1;
		return IMAP_PARSE_MORE;
	case ')':
		if (p->lists.n == 0) {
			imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
					   "Unexpected ')'");
			return IMAP_PARSE_MORE;
		}
		*pos += 1;
		close_list(p);
		return IMAP_PARSE_MORE;
	case '\r':
		p->state = PS_CMD_LF;
		*pos += 1;
		return IMAP_PARSE_MORE;
	case ']':
		/* BODY[HEADER.FIELDS (From To)]<0.100>: the section ends
		   right after the list (RFC 3501 section 6.4.5) */
		if (!after_bracket_list)
			break;
		start_token(p, IMAP_ARG_FLAG_NO_SP);
		p->state = PS_ATOM;
		return IMAP_PARSE_MORE;
	case '\n':
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Line not terminated by CRLF");
		return IMAP_PARSE_MORE;
	default:
		break;
	}
	imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
			   "Missing space between arguments");
	return IMAP_PARSE_MORE;
}

static void
finish_atom(struct imap_parser *p)
{
	enum imap_arg_type type = IMAP_ARG_ATOM;

	if (p->tok_flags == 0 && p->tok.len == 3 &&
	    mem_eq_icase(p->tok.data, "NIL", 3))
		type = IMAP_ARG_NIL;
	if (!push_token(p, type))
		return;
	p->bracket_pending = p->tok_brackets > 0;
	p->state = PS_AFTER_ARG;
}

static enum imap_parse_result
step_atom(struct imap_parser *p, const uint8_t *data, size_t end, size_t *pos)
{
	size_t start = *pos, i = start;
	unsigned char c;

	for (; i < end && is_token_char(c = data[i]); i++) {
		if (c == '%' || c == '*') {
			p->tok_flags |= IMAP_ARG_FLAG_WILDCARD;
		} else if (c == '[') {
			p->tok_flags |= IMAP_ARG_FLAG_BRACKET;
			p->tok_brackets++;
		} else if (c == ']' && p->tok_brackets > 0) {
			p->tok_brackets--;
		}
	}
	*pos = i;
	if (!append_token(p, data + start, i - start))
		return IMAP_PARSE_FATAL;
	if (i == end)
		return IMAP_PARSE_MORE;
	switch (data[i]) {
	case ' ':
	case ')':
	case '\r':
	case '\n':
		finish_atom(p);
		return IMAP_PARSE_MORE;
	default:
		break;
	}
	/* RFC 3501 section 9: atoms are 7-bit ATOM-CHARs */
	imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
			   data[i] >= 0x80 ? "8-bit characters in atom"
					   : "Invalid character in atom");
	return IMAP_PARSE_MORE;
}

static void
finish_quoted(struct imap_parser *p)
{
	if (p->tok_8bit && !utf8_valid(p->tok.data, p->tok.len)) {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Invalid UTF-8 in quoted string");
		return;
	}
	if (push_token(p, IMAP_ARG_QUOTED))
		p->state = PS_AFTER_ARG;
}

/* QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials
   (RFC 3501 section 9); RFC 6855 section 3 adds UTF-8 once enabled. */
static enum imap_parse_result
step_quoted(struct imap_parser *p, const uint8_t *data, size_t end, size_t *pos)
{
	size_t start = *pos, i = start;
	unsigned char c = 0;

	for (; i < end; i++) {
		c = data[i];
		if (c == '"' || c == '\\' || c == '\r' || c == '\n' ||
		    c == '\0')
			break;
		if (c >= 0x80) {
			if (!p->utf8)
				break;
			p->tok_8bit = true;
		}
	}
	*pos = i;
	if (!append_token(p, data + start, i - start))
		return IMAP_PARSE_FATAL;
	if (i == end)
		return IMAP_PARSE_MORE;
	if (c == '"') {
		*pos = i + 1;
		finish_quoted(p);
	} else if (c == '\\') {
		*pos = i + 1;
		p->state = PS_QUOTED_ESC;
	} else if (c == '\r' || c == '\n') {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Unterminated quoted string");
	} else if (c == '\0') {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "NUL in quoted string");
	} else {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "8-bit characters in quoted string");
	}
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result
step_quoted_esc(struct imap_parser *p, unsigned char c, size_t *pos)
{
	if (c != '"' && c != '\\') {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Invalid escape in quoted string");
		return IMAP_PARSE_MORE;
	}
	if (!append_token(p, &c, 1))
		return IMAP_PARSE_FATAL;
	*pos += 1;
	p->state = PS_QUOTED;
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result
step_tilde(struct imap_parser *p, unsigned char c, size_t *pos)
{
	static const uint8_t tilde = '~';

	if (c == '{') {
		/* RFC 4466 section 3: literal8 = "~{" number ["+"] "}" */
		p->lit8 = true;
		p->lit_size = 0;
		p->lit_overflow = false;
		p->state = PS_LIT_OPEN;
		*pos += 1;
		return IMAP_PARSE_MORE;
	}
	/* "~" is an ATOM-CHAR: an atom such as "~smith" */
	start_token(p, 0);
	if (!append_token(p, &tilde, 1))
		return IMAP_PARSE_FATAL;
	p->state = PS_ATOM;
	return IMAP_PARSE_MORE;
}

enum imap_parse_result
imap_parser__step_arg(struct imap_parser *p, const uint8_t *data, size_t end,
		      size_t *pos)
{
	switch (p->state) {
	case PS_ARG_START:
		return step_arg_start(p, data[*pos], pos);
	case PS_AFTER_ARG:
		return step_after_arg(p, data[*pos], pos);
	case PS_ATOM:
		return step_atom(p, data, end, pos);
	case PS_QUOTED:
		return step_quoted(p, data, end, pos);
	case PS_QUOTED_ESC:
		return step_quoted_esc(p, data[*pos], pos);
	case PS_TILDE:
		return step_tilde(p, data[*pos], pos);
	default:
		i_unreached();
	}
}
