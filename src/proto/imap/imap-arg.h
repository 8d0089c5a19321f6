/* SPDX-License-Identifier: MIT */
/*
 * The argument tree of a parsed IMAP command, the character classes of
 * RFC 3501 section 9, and typed accessors.
 *
 * The command parser (imap-parser.h) produces a flat array of top-level
 * arguments; lists nest. All memory belongs to the parser's per-command pool.
 * String values are binary-safe (data + len) and always NUL-terminated for
 * convenience; only IMAP_ARG_LITERAL8 may contain NUL bytes, since the parser
 * refuses NUL in atoms, quoted strings and plain literals (RFC 3501 section
 * 9: CHAR8 excludes %x00).
 *
 * The accessors are pure functions of the tree: thread-safe, no allocation.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_ARG_H
#define COFFER_PROTO_IMAP_IMAP_ARG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_arg_type {
	IMAP_ARG_ATOM,		 /* atom-like token, see the flags below */
	IMAP_ARG_QUOTED,	 /* "quoted", escapes removed */
	IMAP_ARG_LITERAL,	 /* {n} collected in memory */
	IMAP_ARG_LITERAL8,	 /* ~{n} collected in memory (RFC 3516) */
	IMAP_ARG_NIL,		 /* the atom NIL, any case */
	IMAP_ARG_LIST,		 /* ( ... ) */
	IMAP_ARG_LITERAL_STREAM, /* literal the caller consumed itself:
				    only its size (len) is known */
};

enum imap_arg_flags {
	/* atom contains "%" or "*" (list-wildcards; also sequence sets) */
	IMAP_ARG_FLAG_WILDCARD = 0x01,
	/* atom starts with "\" (flag names: "\Seen") */
	IMAP_ARG_FLAG_BACKSLASH = 0x02,
	/* literal was non-synchronising ({n+}, RFC 7888) */
	IMAP_ARG_FLAG_NONSYNC = 0x04,
	/* atom followed a ")" directly, without SP: only "]..." after the
	   header list of BODY[HEADER.FIELDS (...)] */
	IMAP_ARG_FLAG_NO_SP = 0x08,
	/* atom contains "[" (a FETCH section) */
	IMAP_ARG_FLAG_BRACKET = 0x10,
};

struct imap_arg {
	enum imap_arg_type type;
	unsigned flags; /* enum imap_arg_flags */
	/* bytes for strings, element count for lists, octet count for
	   IMAP_ARG_LITERAL_STREAM */
	size_t len;
	union {
		const char *str;	     /* strings; NUL-terminated */
		const struct imap_arg *list; /* IMAP_ARG_LIST */
	} u;
};

/* RFC 3501 section 9 character classes. */
static inline bool
imap_is_atom_char(unsigned char c)
{
	/* atom-specials: ( ) { SP CTL list-wildcards quoted-specials
	   resp-specials; and CHAR is 7-bit */
	if (c <= 0x20 || c >= 0x7f)
		return false;
	switch (c) {
	case '(':
	case ')':
	case '{':
	case '%':
	case '*':
	case '"':
	case '\\':
	case ']':
		return false;
	default:
		return true;
	}
}
static inline bool
imap_is_astring_char(unsigned char c)
{
	return c == ']' || imap_is_atom_char(c);
}
/* tag = 1*<any ASTRING-CHAR except "+"> */
static inline bool
imap_is_tag_char(unsigned char c)
{
	return c != '+' && imap_is_astring_char(c);
}
/* list-char = ATOM-CHAR / list-wildcards / resp-specials */
static inline bool
imap_is_list_char(unsigned char c)
{
	return c == '%' || c == '*' || imap_is_astring_char(c);
}
/* TEXT-CHAR = <any CHAR except CR and LF>, CHAR = %x01-7F */
static inline bool
imap_is_text_char(unsigned char c)
{
	return c >= 0x01 && c <= 0x7f && c != '\r' && c != '\n';
}

/* True if arg is an atom (or NIL) equal to `upper`, ASCII
   case-insensitively. `upper` must be upper-case. */
bool imap_arg_atom_equals(const struct imap_arg *arg, const char *upper);

/* Each getter returns true and fills its outputs if the argument has the
   requested syntax, false otherwise (outputs untouched). */

/* atom: a plain atom (no wildcard or backslash) or NIL. */
bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r);
/* astring = 1*ASTRING-CHAR / string. NIL counts as the atom "NIL". */
bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r);
/* string = quoted / literal. */
bool imap_arg_get_string(const struct imap_arg *arg, const char **str_r,
			 size_t *len_r);
/* nstring = string / nil. NIL gives *str_r = NULL, *len_r = 0. */
bool imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r);
/* list-mailbox = 1*list-char / string (LIST and LSUB patterns). */
bool imap_arg_get_list_mailbox(const struct imap_arg *arg, const char **str_r,
			       size_t *len_r);
bool imap_arg_get_list(const struct imap_arg *arg,
		       const struct imap_arg **list_r, size_t *count_r);
/* Any in-memory string, including literal8 (may contain NUL). */
bool imap_arg_get_bytes(const struct imap_arg *arg, const uint8_t **data_r,
			size_t *len_r);

/* Short name of a type for messages ("atom", "list", ...). */
const char *imap_arg_type_name(enum imap_arg_type type);

#endif
