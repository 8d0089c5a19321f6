/* SPDX-License-Identifier: MIT */
/*
 * The LMTP command-line parser: one line in, one parsed command (or the
 * error reply) out. A pure function: no allocation, no I/O, no state, so
 * it is thread-safe and fuzzed on its own (tests/fuzz/lmtp_command.c).
 *
 * Syntax from RFC 5321 section 4.1 (LMTP keeps it, RFC 2033 section 4),
 * with the parameters of SIZE (RFC 1870), BODY (RFC 6152) and BDAT
 * (RFC 3030 section 2). Deliberate tolerance, for MTAs found in the wild:
 *   - verbs, "FROM:", "TO:", parameter keywords and "LAST" are
 *     case-insensitive (RFC 5321 section 2.4);
 *   - spaces after "FROM:"/"TO:", several spaces between parameters and
 *     trailing spaces are accepted (section 4.1.1 asks servers to tolerate
 *     trailing white space);
 *   - sender addresses are checked loosely (any dot-string or quoted
 *     local part; host names may contain '_'): the MTA already accepted
 *     the message, and refusing its sender would only bounce it.
 *     Recipients are checked strictly later, by the account layer.
 * Source routes ("<@a,@b:user@c>") are accepted and dropped (section
 * 4.1.1.3). Control characters and 8-bit bytes anywhere in the line are
 * refused (section 4.1.2: 501).
 */
#ifndef COFFER_PROTO_LMTP_COMMAND_H
#define COFFER_PROTO_LMTP_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lmtp_status;

/* Longest command line, including its CRLF. RFC 5321 section 4.5.3.1.4
   allows 512 octets plus what extensions add (SIZE: 26, RFC 1870 section
   3); we take four times that. Longer lines get 500 5.5.2. */
#define LMTP_LINE_MAX 2048
/* RFC 5321 section 4.5.3.1.3: a path is at most 256 octets, including
   the angle brackets. */
#define LMTP_PATH_MAX 256
/* RFC 5321 section 4.5.3.1.2. */
#define LMTP_DOMAIN_MAX 255

enum lmtp_verb {
	LMTP_VERB_LHLO,
	LMTP_VERB_HELO,
	LMTP_VERB_EHLO,
	LMTP_VERB_MAIL,
	LMTP_VERB_RCPT,
	LMTP_VERB_DATA,
	LMTP_VERB_BDAT,
	LMTP_VERB_RSET,
	LMTP_VERB_NOOP,
	LMTP_VERB_QUIT,
	LMTP_VERB_VRFY,
	LMTP_VERB_HELP,
};

/* RFC 6152 section 2: BODY=7BIT / BODY=8BITMIME. */
enum lmtp_body {
	LMTP_BODY_DEFAULT = 0,
	LMTP_BODY_7BIT,
	LMTP_BODY_8BITMIME,
};

/* A reverse-path (MAIL) or forward-path (RCPT). */
struct lmtp_path {
	/* "<>": the null reverse-path (MAIL only). */
	bool null;
	/* The mailbox as sent, without angle brackets and source route
	   ("joe@example.com", "\"j d\"@example.com"); "" for "<>". Only
	   printable ASCII, so it may go into headers and replies. */
	char mailbox[LMTP_PATH_MAX + 1];
	/* The local part with quoting removed: "j d" for "\"j d\"". */
	char local[LMTP_PATH_MAX + 1];
	/* The local part was a quoted string. */
	bool quoted;
	/* The domain or address literal ("[192.0.2.1]"); "" only for
	   RCPT TO:<Postmaster> (RFC 5321 section 4.1.1.3). */
	char domain[LMTP_DOMAIN_MAX + 1];
};

struct lmtp_command {
	enum lmtp_verb verb;
	/* MAIL and RCPT. */
	struct lmtp_path path;
	/* MAIL: SIZE= was given (RFC 1870; values beyond 2^64-1 saturate).
	   BDAT: the chunk size (always set). */
	bool has_size;
	uint64_t size;
	/* MAIL: BODY= (RFC 6152). */
	enum lmtp_body body;
	/* BDAT: the LAST end-marker (RFC 3030 section 2). */
	bool last;
	/* LHLO, HELO, EHLO: the first word of the argument, printable ASCII
	   of at most LMTP_DOMAIN_MAX octets (any further words are ignored,
	   RFC 5321 section 4.1.1.1); "" if none was given. */
	char domain[LMTP_DOMAIN_MAX + 1];
};

/* Parses one command line of len octets (without its line end; it need
   not be NUL-terminated). Returns 0 with *cmd filled in, or -1 with
   *error_r set to the reply the client gets (a constant status). An
   unknown verb gives lmtp_st_unknown_cmd. Never reads beyond len. */
int lmtp_command_parse(const char *line, size_t len, struct lmtp_command *cmd,
		       const struct lmtp_status **error_r);

/* Name of a verb ("LHLO") for logs. */
const char *lmtp_command_verb_name(enum lmtp_verb verb);

#endif
