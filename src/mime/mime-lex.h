/* SPDX-License-Identifier: MIT */
/*
 * Lexical scanning of structured header field bodies: RFC 5322 section 3.2
 * (CFWS, atoms, quoted strings, domain literals, including the obsolete
 * forms of section 4) and RFC 2045 section 5.1 tokens. The scanner is
 * lenient: it never fails on bad input, it just stops or skips, and every
 * loop advances, so callers can recover from garbage.
 *
 * 8-bit bytes are accepted inside atoms, tokens and quoted strings
 * (RFC 6532 allows UTF-8 there, and raw 8-bit values are common). A
 * struct mime_lex only points into the caller's bytes; it owns nothing.
 */
#ifndef COFFER_MIME_MIME_LEX_H
#define COFFER_MIME_MIME_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

struct mime_lex {
	const uint8_t *p;
	const uint8_t *end;
	/* Contents (without the parentheses) of the last comment that
	   mime_lex_skip_cfws() skipped, or NULL. */
	const uint8_t *comment;
	size_t comment_len;
};

void mime_lex_init(struct mime_lex *lx, const void *data, size_t len);

static inline bool
mime_lex_eof(const struct mime_lex *lx)
{
	return lx->p >= lx->end;
}

/* The next byte, or -1 at the end. */
static inline int
mime_lex_peek(const struct mime_lex *lx)
{
	return lx->p < lx->end ? *lx->p : -1;
}

/* Skips folding white space and (nested) comments. An unterminated comment
   runs to the end of the input. */
void mime_lex_skip_cfws(struct mime_lex *lx);

/* RFC 5322 atext (plus 8-bit bytes). Returns false (and does not move) if
   the next byte is not atext. */
bool mime_lex_atom(struct mime_lex *lx, const uint8_t **start_r,
		   size_t *len_r);
/* RFC 5322 dot-atom-text, with CFWS allowed around the dots as in the
   obsolete obs-local-part/obs-domain forms ("a . b"). The dots and atoms
   are appended to out without the white space and comments. Returns false
   if no atom was found. */
bool mime_lex_dot_atom(struct mime_lex *lx, struct buf *out);
/* RFC 2045 token (plus 8-bit bytes). */
bool mime_lex_token(struct mime_lex *lx, const uint8_t **start_r,
		    size_t *len_r);
/* Expects '"' at the current position; appends the unquoted contents
   (quoted-pairs resolved, CR/LF of folding removed) to out. An unterminated
   string runs to the end. Returns false if not at '"'. */
bool mime_lex_quoted(struct mime_lex *lx, struct buf *out);
/* Expects '[' at the current position; appends the domain literal with its
   brackets (contents unquoted, white space removed). */
bool mime_lex_domain_literal(struct mime_lex *lx, struct buf *out);
/* An RFC 5322 word (atom or quoted string), unquoted into out. */
bool mime_lex_word(struct mime_lex *lx, struct buf *out);

#endif
