/* SPDX-License-Identifier: MIT */
/*
 * POP3 command lines (RFC 1939 section 3, RFC 2449 section 3) and the
 * PLAIN SASL message (RFC 4616 section 2). Pure functions over bytes from
 * the client: no allocation, no global state, thread-safe. Results point
 * into the caller's input and are valid as long as it is.
 */
#ifndef COFFER_PROTO_POP3_PARSE_H
#define COFFER_PROTO_POP3_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest command line accepted from a client, CRLF included. RFC 2449
   section 4 requires 255 octets; more is accepted for PASS with a long
   password (up to 1024 octets in the account store) and AUTH with a long
   initial response. Responses inside an AUTH exchange have their own
   limit (POP3_SASL_LINE_MAX, pop3-sasl.h). */
#define POP3_LINE_MAX 2048
#define POP3_ARGS_MAX 2

enum pop3_verb {
	POP3_CMD_USER,
	POP3_CMD_PASS,
	POP3_CMD_APOP,
	POP3_CMD_AUTH,
	POP3_CMD_STLS,
	POP3_CMD_CAPA,
	POP3_CMD_QUIT,
	POP3_CMD_STAT,
	POP3_CMD_LIST,
	POP3_CMD_RETR,
	POP3_CMD_DELE,
	POP3_CMD_NOOP,
	POP3_CMD_RSET,
	POP3_CMD_TOP,
	POP3_CMD_UIDL,
	POP3_CMD_COUNT
};

struct pop3_arg {
	const char *p; /* not NUL-terminated */
	size_t len;
};

struct pop3_cmd {
	enum pop3_verb verb;
	unsigned nargs;
	/* Arguments split at spaces. For PASS, args[0] is everything after
	   "PASS " verbatim, spaces included (RFC 1939 section 7: "a POP3
	   server may treat spaces in the argument as part of the
	   password"). */
	struct pop3_arg args[POP3_ARGS_MAX];
};

enum pop3_parse_result {
	POP3_PARSE_OK = 0,
	POP3_PARSE_EMPTY,    /* nothing but spaces */
	POP3_PARSE_BAD_CHAR, /* NUL, control characters or DEL */
	POP3_PARSE_UNKNOWN,  /* not a command this server knows */
	POP3_PARSE_SYNTAX,   /* known command, wrong arguments */
};

/* Parses one command line without its line end. Keywords are
   case-insensitive; arguments are separated by one or more spaces (RFC
   1939 asks for one; clients that send more are tolerated) and may hold
   bytes >= 0x80 (UTF-8 user names and passwords). On POP3_PARSE_SYNTAX
   cmd_r->verb tells which command it was. */
enum pop3_parse_result pop3_parse_command(const char *line, size_t len,
					  struct pop3_cmd *cmd_r);

/* The keyword of a verb, upper case ("RETR"). */
const char *pop3_parse_verb_name(enum pop3_verb verb);

/* A message-number (RFC 1939 section 4: base-10): 1..UINT32_MAX, digits
   only. Returns 0, or -1 for anything else. */
int pop3_parse_msgnum(const struct pop3_arg *arg, uint32_t *num_r);
/* TOP's line count: a non-negative decimal number of at most 19 digits.
   Returns 0 or -1. */
int pop3_parse_count(const struct pop3_arg *arg, uint64_t *num_r);

/* The parts of a PLAIN message, pointing into the input. */
struct pop3_plain {
	const char *authzid; /* may be empty (len 0) */
	size_t authzid_len;
	const char *authcid;
	size_t authcid_len;
	const char *passwd;
	size_t passwd_len;
};
/* RFC 4616 section 2: message = [authzid] NUL authcid NUL passwd, each
   part UTF-8 without NUL, authcid and passwd non-empty. Parts longer
   than max_part are refused (the RFC requires accepting 255 octets).
   Returns 0, or -1 for a malformed message. */
int pop3_parse_plain(const uint8_t *msg, size_t len, size_t max_part,
		     struct pop3_plain *plain_r);

#endif
