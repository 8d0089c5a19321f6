/* SPDX-License-Identifier: MIT */
/* Parser internals shared by the imap-parser*.c files. */
#ifndef COFFER_PROTO_IMAP_IMAP_PARSER_PRIVATE_H
#define COFFER_PROTO_IMAP_IMAP_PARSER_PRIVATE_H

#include "proto/imap/imap-parser.h"
#include "lib/buf.h"
#include "lib/vec.h"

enum parser_state {
	PS_TAG,		 /* reading the tag */
	PS_NAME,	 /* reading the command name */
	PS_CMD_LF,	 /* CR ended the command, LF must follow */
	PS_LIT_OPEN,	 /* after "{": a digit must follow */
	PS_LIT_SIZE,	 /* literal size digits */
	PS_LIT_CLOSE,	 /* after "+": "}" must follow */
	PS_LIT_CR,	 /* after "}" */
	PS_LIT_LF,	 /* after "}" CR */
	PS_LIT_DATA,	 /* reading an in-memory literal */
	PS_SKIP_LINE,	 /* after an error: skipping to the end of line */
	PS_SKIP_LITERAL, /* after an error: skipping literal octets */
	PS_PAUSED,	 /* IMAP_PARSE_LITERAL awaits the caller's answer */
	PS_DONE,	 /* a result was returned; next call starts anew */
	PS_RESTART,	 /* a silently skipped command ended: start anew */
	PS_FATAL,	 /* stream unusable */
	PS_READ_LINE,	 /* imap_parser_read_line() in progress */
	/* argument states, handled by imap-parser-args.c */
	PS_ARG_START,  /* an argument must start here */
	PS_AFTER_ARG,  /* SP, ")" or CRLF must follow */
	PS_ATOM,       /* inside an atom */
	PS_QUOTED,     /* inside a quoted string */
	PS_QUOTED_ESC, /* after a backslash in a quoted string */
	PS_TILDE,      /* "~" at the start of an argument */
};

/* Recognises "{<number>[+]}" CR LF at the end of a skipped line. */
enum tracker_state {
	TRK_NONE,
	TRK_OPEN,
	TRK_DIGITS,
	TRK_PLUS,
	TRK_CLOSE,
	TRK_CR,
};

struct skip_tracker {
	enum tracker_state st;
	uint64_t size;
	bool overflow;
	bool plus;
};

struct list_frame {
	size_t start; /* stack index of the list's first element */
	bool bracket; /* opened right after an atom with an unclosed "[" */
};

struct imap_parser {
	struct imap_parser_settings set;
	struct pool *pool;
	bool utf8;
	enum parser_state state;

	/* reset by begin_command() */
	char tag[IMAP_TAG_MAX + 1];
	size_t tag_len;
	bool tag_valid;
	char name[IMAP_COMMAND_NAME_MAX + 1];
	size_t name_len;
	size_t line_used;	  /* command text bytes so far */
	unsigned arg_count;	  /* arguments so far (list elements too) */
	uint64_t literal_total;	  /* in-memory literal octets so far */
	bool after_open;	  /* PS_ARG_START directly after "(" */
	bool bracket_pending;	  /* last atom left a "[" open */
	bool after_bracket_list;  /* PS_AFTER_ARG after such a list */
	bool silent;		  /* skipped command was answered already */
	struct imap_command *cmd; /* result, in the pool */

	/* the token being read */
	struct buf tok;
	unsigned tok_flags;
	int tok_brackets;
	bool tok_8bit;

	/* the literal being announced or read */
	uint64_t lit_size;
	bool lit_overflow;
	bool lit_plus;
	bool lit8;
	char *lit_data;
	size_t lit_pos;
	bool cont_pending; /* CONTINUE returned; reject still possible */
	struct imap_literal_info lit_info;

	/* error recovery */
	struct skip_tracker trk;
	uint64_t skip_left;
	struct imap_parse_error error;

	/* arguments of open lists and the top level */
	VEC(struct imap_arg) stack;
	VEC(struct list_frame) lists;
};

/* Records a non-fatal error and switches to skipping the line. The byte at
   the current position has not been consumed; the skipper will see it. */
void imap_parser__error(struct imap_parser *p, enum imap_parse_error_code code,
			const char *message);
enum imap_parse_result imap_parser__fatal(struct imap_parser *p,
					  enum imap_parse_error_code code,
					  const char *message);
/* Accounts for one more argument; false if over max_args. */
static inline bool
imap_parser__count_arg(struct imap_parser *p)
{
	return ++p->arg_count <= p->set.max_args;
}
/* Skips `size` octets of a refused non-synchronising literal, then the
   rest of the line; fatal above max_stream_literal. */
enum imap_parse_result imap_parser__skip_literal(struct imap_parser *p,
						 uint64_t size);
/* The PS_LIT_OPEN .. PS_LIT_LF states (imap-parser-literal.c). */
enum imap_parse_result imap_parser__step_literal_size(struct imap_parser *p,
						      unsigned char c,
						      size_t *pos);
/* The PS_LIT_DATA state (imap-parser-literal.c). */
enum imap_parse_result imap_parser__step_literal_data(struct imap_parser *p,
						      const uint8_t *data,
						      size_t avail,
						      size_t *pos);
/* Handles the PS_ARG_START .. PS_TILDE states. */
enum imap_parse_result imap_parser__step_arg(struct imap_parser *p,
					     const uint8_t *data, size_t end,
					     size_t *pos);

#endif
