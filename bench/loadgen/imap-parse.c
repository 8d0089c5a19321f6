/* SPDX-License-Identifier: MIT */
/*
 * IMAP response framing and tokens for the load generator (imap.h).
 * RFC 3501 section 4 (data formats) and section 9 (formal syntax), read
 * leniently where it does not matter for checking answers.
 */
#include "imap.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <stdio.h>
#include <string.h>

/* A literal announced at the end of the line in[start..eol] (in[eol] is
   '\n'): "{123}\r\n" or "{123+}\r\n" (RFC 7888). The line starts at
   start: bytes before it (an earlier literal) never count. Returns 1 with
   its size, 0 if there is none, -1 if the size is absurd. */
static int
literal_at(const uint8_t *in, size_t start, size_t eol, uint64_t *size_r)
{
	size_t i, digits_end;
	uint64_t n;

	if (eol < start + 4 || in[eol - 1] != '\r' || in[eol - 2] != '}')
		return 0;
	i = eol - 2;
	if (in[i - 1] == '+')
		i--;
	digits_end = i;
	while (i > start && digits_end - i < 20 && ascii_isdigit(in[i - 1]))
		i--;
	if (i == digits_end || i == start || in[i - 1] != '{')
		return 0;
	if (mem_to_u64(in + i, digits_end - i, LG_IN_MAX, &n) != digits_end - i)
		return -1;
	*size_r = n;
	return 1;
}

int
imap_frame(const uint8_t *in, size_t len, size_t *scan, size_t *lit_end,
	   size_t *resp_len_r)
{
	/* *scan is where this line (after the last literal) starts;
	 *lit_end is where a literal still arriving ends */
	size_t start = *scan;

	if (*lit_end != 0) {
		if (len < *lit_end)
			return 0;
		start = *lit_end;
		*lit_end = 0;
	}
	for (;;) {
		const uint8_t *nl = memchr(in + start, '\n', len - start);
		size_t eol;
		uint64_t lit;
		int ret;

		if (nl == NULL) {
			*scan = start;
			return len - start > IMAP_LINE_MAX ? -1 : 0;
		}
		eol = (size_t)(nl - in);
		if (eol - start > IMAP_LINE_MAX)
			return -1;
		if ((ret = literal_at(in, start, eol, &lit)) < 0)
			return -1;
		if (ret == 0) {
			*resp_len_r = eol + 1;
			return 1;
		}
		start = eol + 1 + (size_t)lit;
		*scan = start;
		if (len < start) {
			*lit_end = start;
			return 0;
		}
	}
}

void
imap_lex_init(struct imap_lex *lx, const uint8_t *p, size_t len)
{
	lx->p = p;
	lx->end = p + len;
}

static bool
atom_end(uint8_t ch)
{
	return ch == ' ' || ch == '(' || ch == ')' || ch == '\r' ||
	       ch == '\n' || ch == '"' || ch == '{';
}

static void
lex_quoted(struct imap_lex *lx, struct imap_tok *t)
{
	const uint8_t *p = ++lx->p;

	t->type = IMAP_TOK_STRING;
	t->quoted = true;
	t->p = p;
	for (; p < lx->end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < lx->end)
			p++;
		else if (*p == '\r' || *p == '\n')
			break;
	}
	if (p >= lx->end || *p != '"') {
		t->type = IMAP_TOK_ERROR;
		return;
	}
	t->len = (size_t)(p - t->p);
	lx->p = p + 1;
}

static void
lex_literal(struct imap_lex *lx, struct imap_tok *t)
{
	const uint8_t *p = lx->p + 1;
	uint64_t n;
	size_t digits;

	t->type = IMAP_TOK_ERROR;
	digits = mem_to_u64(p, (size_t)(lx->end - p), LG_IN_MAX, &n);
	if (digits == 0)
		return;
	p += digits;
	if (p < lx->end && *p == '+')
		p++;
	if (lx->end - p < 3 || memcmp(p, "}\r\n", 3) != 0)
		return;
	p += 3;
	if ((uint64_t)(lx->end - p) < n)
		return;
	t->type = IMAP_TOK_STRING;
	t->quoted = false;
	t->p = p;
	t->len = (size_t)n;
	lx->p = p + n;
}

static void
lex_atom(struct imap_lex *lx, struct imap_tok *t)
{
	const uint8_t *p = lx->p;
	unsigned brackets = 0;

	/* "BODY[HEADER.FIELDS (X)]" and "[APPENDUID 1 2]" are one token:
	   spaces and parentheses inside brackets belong to it */
	for (; p < lx->end; p++) {
		if (*p == '[')
			brackets++;
		else if (*p == ']' && brackets > 0)
			brackets--;
		else if (*p == '\r' || *p == '\n')
			break;
		else if (brackets == 0 && atom_end(*p))
			break;
	}
	t->type = IMAP_TOK_ATOM;
	t->quoted = false;
	t->p = lx->p;
	t->len = (size_t)(p - lx->p);
	lx->p = p;
	if (t->len == 3 && mem_eq_icase(t->p, "NIL", 3))
		t->type = IMAP_TOK_NIL;
}

void
imap_lex_next(struct imap_lex *lx, struct imap_tok *t)
{
	while (lx->p < lx->end && *lx->p == ' ')
		lx->p++;
	t->p = lx->p;
	t->len = 0;
	t->quoted = false;
	if (lx->p >= lx->end || *lx->p == '\r' || *lx->p == '\n') {
		t->type = IMAP_TOK_EOL;
		return;
	}
	switch (*lx->p) {
	case '(':
		t->type = IMAP_TOK_LPAREN;
		lx->p++;
		return;
	case ')':
		t->type = IMAP_TOK_RPAREN;
		lx->p++;
		return;
	case '"':
		lex_quoted(lx, t);
		return;
	case '{':
		lex_literal(lx, t);
		return;
	default:
		lex_atom(lx, t);
	}
}

int
imap_lex_skip_value(struct imap_lex *lx, unsigned depth)
{
	struct imap_tok t;

	imap_lex_next(lx, &t);
	switch (t.type) {
	case IMAP_TOK_ATOM:
	case IMAP_TOK_STRING:
	case IMAP_TOK_NIL:
		return 0;
	case IMAP_TOK_LPAREN:
		if (depth >= IMAP_DEPTH_MAX)
			return -1;
		for (;;) {
			const uint8_t *save = lx->p;

			imap_lex_next(lx, &t);
			if (t.type == IMAP_TOK_RPAREN)
				return 0;
			lx->p = save;
			if (imap_lex_skip_value(lx, depth + 1) < 0)
				return -1;
		}
	default:
		return -1;
	}
}

bool
imap_tok_is(const struct imap_tok *t, const char *atom)
{
	size_t n = strlen(atom);

	return t->type == IMAP_TOK_ATOM && t->len == n &&
	       mem_eq_icase(t->p, atom, n);
}

int
imap_tok_u32(const struct imap_tok *t, uint32_t *num_r)
{
	uint64_t n;

	if (t->type != IMAP_TOK_ATOM || t->len == 0 ||
	    mem_to_u64(t->p, t->len, UINT32_MAX, &n) != t->len)
		return -1;
	*num_r = (uint32_t)n;
	return 0;
}

void
imap_tok_text(const struct imap_tok *t, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	for (size_t i = 0; i < t->len && o + 1 < size; i++) {
		if (t->quoted && t->p[i] == '\\' && i + 1 < t->len)
			i++;
		out[o++] = (char)t->p[i];
	}
	out[o] = '\0';
}

static const struct {
	const char *name;
	uint8_t bit;
} flag_names[] = {
    {"\\Seen", IMAP_F_SEEN},	   {"\\Answered", IMAP_F_ANSWERED},
    {"\\Flagged", IMAP_F_FLAGGED}, {"\\Deleted", IMAP_F_DELETED},
    {"\\Draft", IMAP_F_DRAFT},	   {"\\Recent", IMAP_F_RECENT},
};

int
imap_parse_flags(struct imap_lex *lx, uint8_t *flags_r)
{
	struct imap_tok t;
	uint8_t flags = 0;

	imap_lex_next(lx, &t);
	if (t.type != IMAP_TOK_LPAREN)
		return -1;
	for (;;) {
		size_t i;

		imap_lex_next(lx, &t);
		if (t.type == IMAP_TOK_RPAREN)
			break;
		if (t.type != IMAP_TOK_ATOM)
			return -1;
		for (i = 0; i < N_ELEMENTS(flag_names); i++) {
			if (imap_tok_is(&t, flag_names[i].name))
				break;
		}
		flags |= i < N_ELEMENTS(flag_names) ? flag_names[i].bit
						    : IMAP_F_KEYWORD;
	}
	*flags_r = flags;
	return 0;
}

void
imap_flags_str(uint8_t flags, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < N_ELEMENTS(flag_names); i++) {
		int n;

		if ((flags & flag_names[i].bit & IMAP_F_COMPARED) == 0)
			continue;
		n = snprintf(out + o, size - o, "%s%s", o > 0 ? " " : "",
			     flag_names[i].name);
		if (n < 0 || (size_t)n >= size - o) {
			out[o] = '\0'; /* whole names only */
			break;
		}
		o += (size_t)n;
	}
}

/* ENVELOPE (RFC 3501 section 7.4.2): date, subject, from, sender,
   reply-to, to, cc, bcc, in-reply-to, message-id. */
static int
parse_envelope(struct imap_lex *lx, struct imap_fetch *f)
{
	struct imap_tok t;

	imap_lex_next(lx, &t);
	if (t.type != IMAP_TOK_LPAREN)
		return -1;
	for (unsigned i = 0; i < 9; i++) {
		if (imap_lex_skip_value(lx, 1) < 0)
			return -1;
	}
	imap_lex_next(lx, &t);
	if (t.type == IMAP_TOK_STRING)
		imap_tok_text(&t, f->env_msgid, sizeof(f->env_msgid));
	else if (t.type != IMAP_TOK_NIL)
		return -1;
	imap_lex_next(lx, &t);
	if (t.type != IMAP_TOK_RPAREN)
		return -1;
	f->has_env = true;
	return 0;
}

/* A BODY[...] item: the header fields or the whole message. */
static int
parse_section(struct imap_lex *lx, const struct imap_tok *name,
	      struct imap_fetch *f)
{
	struct imap_tok t;
	bool header = memmem(name->p, name->len, "HEADER", 6) != NULL;

	imap_lex_next(lx, &t);
	if (t.type != IMAP_TOK_STRING && t.type != IMAP_TOK_NIL)
		return -1;
	if (header) {
		f->has_hdr = true;
		f->hdr = t.p;
		f->hdr_len = t.type == IMAP_TOK_NIL ? 0 : t.len;
	} else {
		f->has_body = t.type == IMAP_TOK_STRING;
		f->body = t.p;
		f->body_len = t.len;
	}
	return 0;
}

int
imap_parse_fetch(struct imap_lex *lx, struct imap_fetch *f)
{
	struct imap_tok t, v;

	imap_lex_next(lx, &t);
	if (t.type != IMAP_TOK_LPAREN)
		return -1;
	for (;;) {
		imap_lex_next(lx, &t);
		if (t.type == IMAP_TOK_RPAREN)
			break;
		if (t.type != IMAP_TOK_ATOM)
			return -1;
		if (imap_tok_is(&t, "UID")) {
			imap_lex_next(lx, &v);
			if (imap_tok_u32(&v, &f->uid) < 0)
				return -1;
			f->has_uid = true;
		} else if (imap_tok_is(&t, "FLAGS")) {
			if (imap_parse_flags(lx, &f->flags) < 0)
				return -1;
			f->has_flags = true;
		} else if (imap_tok_is(&t, "RFC822.SIZE")) {
			imap_lex_next(lx, &v);
			if (imap_tok_u32(&v, &f->size) < 0)
				return -1;
			f->has_size = true;
		} else if (imap_tok_is(&t, "ENVELOPE")) {
			if (parse_envelope(lx, f) < 0)
				return -1;
		} else if (t.len > 5 && mem_eq_icase(t.p, "BODY[", 5)) {
			if (parse_section(lx, &t, f) < 0)
				return -1;
		} else if (imap_lex_skip_value(lx, 1) < 0) {
			return -1;
		}
	}
	imap_lex_next(lx, &t);
	return t.type == IMAP_TOK_EOL ? 0 : -1;
}
