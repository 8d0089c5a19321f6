/* SPDX-License-Identifier: MIT */
/* RFC 5322 / RFC 2045 lexical scanning of structured field bodies. */
#include "mime/mime-lex.h"

#include <string.h>

void
mime_lex_init(struct mime_lex *lx, const void *data, size_t len)
{
	lx->p = data;
	lx->end = lx->p + len;
	lx->comment = NULL;
	lx->comment_len = 0;
}

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 5322 section 3.2.3: atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" /
   "&" / "'" / "*" / "+" / "-" / "/" / "=" / "?" / "^" / "_" / "`" / "{" /
   "|" / "}" / "~" */
static bool
is_atext(uint8_t c)
{
	if (c >= 0x80)
		return true;
	if (c <= 0x20 || c == 0x7f)
		return false;
	return strchr("()<>[]:;@\\,.\"", c) == NULL;
}

/* RFC 2045 section 5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs,
   or tspecials>; tspecials := "(" / ")" / "<" / ">" / "@" / "," / ";" /
   ":" / "\" / <"> / "/" / "[" / "]" / "?" / "=" */
static bool
is_token_char(uint8_t c)
{
	if (c >= 0x80)
		return true;
	if (c <= 0x20 || c == 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static void
skip_comment(struct mime_lex *lx)
{
	const uint8_t *start = ++lx->p;
	unsigned int depth = 1;

	/* RFC 5322 section 3.2.2: comments nest; quoted-pairs escape. A
	   counter instead of recursion keeps hostile nesting harmless. */
	while (lx->p < lx->end) {
		uint8_t c = *lx->p;

		if (c == '\\' && lx->p + 1 < lx->end) {
			lx->p += 2;
			continue;
		}
		if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			lx->comment = start;
			lx->comment_len = (size_t)(lx->p - start);
			lx->p++;
			return;
		}
		lx->p++;
	}
	lx->comment = start;
	lx->comment_len = (size_t)(lx->p - start);
}

void
mime_lex_skip_cfws(struct mime_lex *lx)
{
	while (lx->p < lx->end) {
		if (is_wsp(*lx->p))
			lx->p++;
		else if (*lx->p == '(')
			skip_comment(lx);
		else
			break;
	}
}

bool
mime_lex_atom(struct mime_lex *lx, const uint8_t **start_r, size_t *len_r)
{
	const uint8_t *start = lx->p;

	while (lx->p < lx->end && is_atext(*lx->p))
		lx->p++;
	*start_r = start;
	*len_r = (size_t)(lx->p - start);
	return *len_r > 0;
}

bool
mime_lex_dot_atom(struct mime_lex *lx, struct buf *out)
{
	const uint8_t *atom;
	size_t len;

	if (!mime_lex_atom(lx, &atom, &len))
		return false;
	buf_append(out, atom, len);
	for (;;) {
		const uint8_t *save = lx->p;

		mime_lex_skip_cfws(lx);
		if (mime_lex_peek(lx) != '.') {
			lx->p = save;
			return true;
		}
		lx->p++;
		buf_append_c(out, '.');
		mime_lex_skip_cfws(lx);
		/* obs-local-part also tolerates "a..b" and a trailing dot */
		if (mime_lex_atom(lx, &atom, &len))
			buf_append(out, atom, len);
	}
}

bool
mime_lex_token(struct mime_lex *lx, const uint8_t **start_r, size_t *len_r)
{
	const uint8_t *start = lx->p;

	while (lx->p < lx->end && is_token_char(*lx->p))
		lx->p++;
	*start_r = start;
	*len_r = (size_t)(lx->p - start);
	return *len_r > 0;
}

bool
mime_lex_quoted(struct mime_lex *lx, struct buf *out)
{
	const uint8_t *start;

	if (mime_lex_peek(lx) != '"')
		return false;
	start = ++lx->p;
	while (lx->p < lx->end && *lx->p != '"') {
		uint8_t c = *lx->p;

		if (c == '\\' && lx->p + 1 < lx->end) {
			buf_append(out, start, (size_t)(lx->p - start));
			lx->p++;
			start = lx->p++;
			continue;
		}
		if (c == '\r' || c == '\n') {
			/* folding inside a quoted string: drop the line end */
			buf_append(out, start, (size_t)(lx->p - start));
			start = ++lx->p;
			continue;
		}
		lx->p++;
	}
	buf_append(out, start, (size_t)(lx->p - start));
	if (lx->p < lx->end)
		lx->p++;
	return true;
}

bool
mime_lex_domain_literal(struct mime_lex *lx, struct buf *out)
{
	if (mime_lex_peek(lx) != '[')
		return false;
	buf_append_c(out, '[');
	lx->p++;
	while (lx->p < lx->end && *lx->p != ']') {
		uint8_t c = *lx->p++;

		if (c == '\\' && lx->p < lx->end)
			c = *lx->p++;
		else if (is_wsp(c))
			continue;
		buf_append_c(out, (char)c);
	}
	buf_append_c(out, ']');
	if (lx->p < lx->end)
		lx->p++;
	return true;
}

bool
mime_lex_word(struct mime_lex *lx, struct buf *out)
{
	const uint8_t *atom;
	size_t len;

	if (mime_lex_peek(lx) == '"')
		return mime_lex_quoted(lx, out);
	if (!mime_lex_atom(lx, &atom, &len))
		return false;
	buf_append(out, atom, len);
	return true;
}
