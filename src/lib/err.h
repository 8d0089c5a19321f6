/* SPDX-License-Identifier: MIT */
/*
 * Error reporting convention (see docs/STYLE.md):
 *
 *   int f(..., struct err *err);   returns -1 on error, 0 for "not found /
 *                                  would block / need more" where documented,
 *                                  and 0 or a positive count on success.
 *
 * The struct err carries a class (for mapping to IMAP response codes, POP3
 * and LMTP status codes) and a message meant for the log and the
 * administrator. Protocol code never shows an ERR_INTERNAL message to a
 * client; it says "Internal error" and logs the detail.
 */
#ifndef COFFER_LIB_ERR_H
#define COFFER_LIB_ERR_H

#include "lib/macros.h"

enum err_code {
	ERR_NONE = 0,
	ERR_INTERNAL,	 /* I/O or system failure: log it, tell client little */
	ERR_TEMP,	 /* transient; retrying later may succeed */
	ERR_NOTFOUND,	 /* no such mailbox, user, message, file */
	ERR_EXISTS,	 /* already exists */
	ERR_PARAMS,	 /* invalid argument from the caller / client */
	ERR_PERM,	 /* not allowed */
	ERR_NOQUOTA,	 /* quota exceeded */
	ERR_LIMIT,	 /* a configured or built-in limit was hit */
	ERR_TOOBIG,	 /* message or object too large */
	ERR_INUSE,	 /* held by someone else (POP3 maildrop) */
	ERR_EXPUNGED,	 /* message was expunged meanwhile */
	ERR_NOTPOSSIBLE, /* valid request that cannot be done here */
	ERR_CORRUPT,	 /* on-disk data failed validation */
};

struct err {
	enum err_code code;
	char msg[512];
};

/* Sets the error (if err is not NULL) and returns -1. */
int err_set(struct err *err, enum err_code code, const char *fmt, ...)
	ATTR_FORMAT(3, 4);
/* Sets "<call>(<arg>) failed: <strerror(errno)>" with a code derived from
   errno (ENOENT -> NOTFOUND, EEXIST -> EXISTS, EDQUOT -> NOQUOTA, ...) and
   returns -1. errno is preserved. */
int err_set_errno(struct err *err, const char *call, const char *arg);
/* Prefixes the existing message with "<prefix>: ". */
void err_prefix(struct err *err, const char *fmt, ...) ATTR_FORMAT(2, 3);
void err_clear(struct err *err);
const char *err_code_name(enum err_code code);

#endif
