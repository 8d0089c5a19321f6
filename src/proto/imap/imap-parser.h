/* SPDX-License-Identifier: MIT */
/*
 * Incremental IMAP command parser (RFC 3501 section 9, RFC 7888 LITERAL+ and
 * LITERAL-, RFC 3516 / RFC 4466 literal8).
 *
 * The parser does no I/O. The caller feeds it whatever bytes it has buffered
 * and learns how many it consumed; consumed bytes are never needed again, so
 * the caller may discard them at once. Tokens split across feeds are carried
 * in the parser; feeding a command in one piece or one byte at a time gives
 * identical results.
 *
 *	for (;;) {
 *		r = imap_parser_parse(p, buf, len, &used);
 *		discard `used` bytes from the input;
 *		switch (r) {
 *		case IMAP_PARSE_MORE: read more input; break;
 *		case IMAP_PARSE_CONTINUE: send "+ OK\r\n"; break;
 *		case IMAP_PARSE_LITERAL: APPEND data: see below; break;
 *		case IMAP_PARSE_COMMAND: run imap_parser_command(p); break;
 *		case IMAP_PARSE_ERROR: send BAD (tagged if the error has a tag);
 *		case IMAP_PARSE_FATAL: send BYE and close;
 *		}
 *	}
 *
 * Literals. A synchronising literal {n} in an ordinary command is checked
 * against the in-memory limits and announced with IMAP_PARSE_CONTINUE: the
 * caller sends a continuation request, or refuses with
 * imap_parser_literal_reject() and a tagged BAD/NO (RFC 3501 section 7.5).
 * Non-synchronising literals {n+} are read without a pause. In APPEND,
 * REPLACE and UID REPLACE (RFC 3502, 4469, 8508) every literal pauses with
 * IMAP_PARSE_LITERAL so that the message data never passes through the
 * parser: the caller inspects imap_parser_literal(), then calls exactly one
 * of imap_parser_literal_stream() (it will consume exactly `size` bytes
 * itself and then resume feeding the parser), imap_parser_literal_collect()
 * (small literals such as a mailbox name) or imap_parser_literal_reject().
 * For a synchronising literal the caller sends the continuation itself
 * before streaming or collecting.
 *
 * Errors. A non-fatal error is reported once the rest of the offending line
 * has been consumed, so the parser is in step with the client again and the
 * next byte starts a new command. Non-synchronising literals announced at the
 * end of skipped lines are skipped too (their bytes are already on the way);
 * a synchronising one ends the command, as the client waits for a
 * continuation that never comes. Fatal errors leave the stream unusable:
 *   - more than max_line_length bytes of command text (literal data not
 *     counted), whether or not a CRLF ever arrives;
 *   - a non-synchronising literal that must be refused (too big, LITERAL-
 *     violation, no LITERAL+, part of a bad command, rejected by the caller)
 *     and is larger than max_stream_literal, the most we are willing to
 *     read and throw away (RFC 7888 section 4 allows closing).
 * Every other problem is non-fatal: syntax errors, 8-bit or NUL bytes where
 * RFC 3501 forbids them, nesting deeper than max_depth, more than max_args
 * arguments, synchronising literals over the limits, bad tags.
 *
 * Error codes map to response codes: IMAP_PARSE_ERR_TOOBIG to [TOOBIG]
 * (RFC 7888 section 5 requires it for LITERAL- violations in APPEND),
 * IMAP_PARSE_ERR_LIMIT to [LIMIT] (RFC 5530).
 *
 * Memory. A command's tag, name and arguments live in the pool given to
 * imap_parser_create() (or imap_parser_set_pool()). After COMMAND, ERROR or
 * LINE the parser holds nothing in that pool, so the caller may clear it,
 * or keep the command while parsing the next one into another pool. Error
 * and literal information points into the parser and is valid until the
 * next call. The parser's own scratch memory is bounded by the settings
 * and shrinks back between commands.
 *
 * Thread affinity: a parser belongs to one connection and is used by one
 * thread at a time.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_PARSER_H
#define COFFER_PROTO_IMAP_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/pool.h"
#include "proto/imap/imap-arg.h"

#define IMAP_TAG_MAX 128
#define IMAP_COMMAND_NAME_MAX 32
/* RFC 7888 section 5: non-synchronising literals are at most 4096 octets
   when LITERAL- is advertised. */
#define IMAP_LITERAL_MINUS_MAX 4096

enum imap_literal_mode {
	IMAP_LITERAL_SYNC_ONLY, /* neither LITERAL+ nor LITERAL- advertised */
	IMAP_LITERAL_PLUS,	/* LITERAL+ */
	IMAP_LITERAL_MINUS,	/* LITERAL- */
};

/* Zero fields take the defaults in brackets. */
struct imap_parser_settings {
	/* command text per command, literal data excluded [65536] */
	size_t max_line_length;
	/* list nesting [32] */
	unsigned max_depth;
	/* arguments (list elements included) per command [10000] */
	unsigned max_args;
	/* one literal collected in memory [65536] */
	size_t max_literal_size;
	/* all in-memory literals of one command [1 MiB] */
	size_t max_literal_total;
	/* one streamed literal (APPENDLIMIT, RFC 7889); also the largest
	   refused non-synchronising literal we skip rather than disconnect
	   [64 MiB, at most UINT32_MAX] */
	uint64_t max_stream_literal;
	enum imap_literal_mode literal_mode; /* [IMAP_LITERAL_SYNC_ONLY] */
};

enum imap_parse_result {
	IMAP_PARSE_MORE,     /* all input consumed, command incomplete */
	IMAP_PARSE_COMMAND,  /* imap_parser_command() is ready */
	IMAP_PARSE_CONTINUE, /* synchronising literal: send "+ ..." */
	IMAP_PARSE_LITERAL,  /* APPEND-type literal: caller must decide */
	IMAP_PARSE_LINE,     /* imap_parser_read_line() has a line */
	IMAP_PARSE_ERROR,    /* non-fatal: answer BAD, carry on */
	IMAP_PARSE_FATAL,    /* answer BYE and close the connection */
};

enum imap_parse_error_code {
	IMAP_PARSE_ERR_SYNTAX, /* plain BAD */
	IMAP_PARSE_ERR_TOOBIG, /* literal too large: [TOOBIG] (RFC 4469) */
	IMAP_PARSE_ERR_LIMIT,  /* nesting/argument limit: [LIMIT] (5530) */
	IMAP_PARSE_ERR_LINE_TOO_LONG, /* fatal */
};

struct imap_parse_error {
	enum imap_parse_error_code code;
	bool fatal;
	/* the command's tag, or NULL if the tag itself was bad or missing
	   (answer "* BAD") */
	const char *tag;
	const char *message; /* for the client: no client bytes inside */
};

struct imap_command {
	const char *tag;
	const char *name; /* upper-case */
	const struct imap_arg *args;
	size_t count;
};

struct imap_literal_info {
	uint64_t size;
	bool sync;	/* synchronising: the client waits for "+" */
	bool literal8;	/* ~{n} */
	unsigned depth; /* list nesting at the literal; 0 = top level */
	const char *tag;
	const char *name;
	/* complete top-level arguments before the literal (or before the
	   list that contains it) */
	const struct imap_arg *args;
	size_t count;
};

struct imap_parser;

/* Creates a parser whose results are allocated from `pool`. */
struct imap_parser *imap_parser_create(struct pool *pool,
				       const struct imap_parser_settings *set);
void imap_parser_destroy(struct imap_parser **parser);
/* Changes the result pool. Only between commands (after COMMAND, ERROR
   or LINE, or before the first byte). */
void imap_parser_set_pool(struct imap_parser *parser, struct pool *pool);
/* After ENABLE UTF8=ACCEPT (RFC 6855 section 3): quoted strings may carry
   valid UTF-8. */
void imap_parser_set_utf8(struct imap_parser *parser, bool enabled);

/* Consumes input; *consumed_r tells how much. Never returns IMAP_PARSE_LINE.
   Once FATAL has been returned every call returns FATAL. Results are
   valid until the next call of any imap_parser_*() function except the
   getters, or until the pool is cleared. */
enum imap_parse_result imap_parser_parse(struct imap_parser *parser,
					 const uint8_t *data, size_t len,
					 size_t *consumed_r);
/* "The rest of the line" mode, for AUTHENTICATE responses (RFC 3501
   section 6.2.2) and IDLE's DONE (RFC 2177): only between commands.
   Returns MORE, LINE (*line_r and *len_r give the line without CRLF,
   valid until the next parser call), ERROR (line not ended by CRLF;
   the line was consumed) or FATAL (longer than max_line_length). */
enum imap_parse_result imap_parser_read_line(struct imap_parser *parser,
					     const uint8_t *data, size_t len,
					     size_t *consumed_r,
					     const char **line_r,
					     size_t *len_r);

/* After IMAP_PARSE_COMMAND. */
const struct imap_command *imap_parser_command(const struct imap_parser *p);
/* After IMAP_PARSE_ERROR or IMAP_PARSE_FATAL. */
const struct imap_parse_error *imap_parser_error(const struct imap_parser *p);
/* After IMAP_PARSE_LITERAL or IMAP_PARSE_CONTINUE. */
const struct imap_literal_info *
imap_parser_literal(const struct imap_parser *parser);

/* Answers to IMAP_PARSE_LITERAL. stream: the caller consumes exactly
   info->size bytes following the announcement and then calls
   imap_parser_parse() with what comes after them; the argument shows up
   as IMAP_ARG_LITERAL_STREAM. collect: the parser reads the literal into
   memory; returns -1 (nothing changes) if it exceeds the in-memory limits,
   0 otherwise. */
void imap_parser_literal_stream(struct imap_parser *parser);
int imap_parser_literal_collect(struct imap_parser *parser);
/* Answer to IMAP_PARSE_LITERAL or IMAP_PARSE_CONTINUE: the caller refuses
   the literal and answers the command itself (tagged NO or BAD). A
   synchronising literal ends the command; a non-synchronising one and the
   rest of its command are skipped silently (it is never larger than
   max_stream_literal, or the parser would have refused it already). */
void imap_parser_literal_reject(struct imap_parser *parser);

#endif
