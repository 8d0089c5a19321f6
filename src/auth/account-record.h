/* SPDX-License-Identifier: MIT */
/*
 * The text form of an account record, as stored by the local user
 * database (docs/accounts-format.md):
 *
 *	coffer-account 1
 *	userid: alice@example.com
 *	status: enabled
 *	password: $y$j9T$...
 *	alias: a.smith@example.com
 *	prop: givenName=Alice
 *
 * Records may be edited by hand, so parsing validates everything and
 * reports the first problem with its line number; it never trusts the
 * input. Pure functions; thread-safe.
 */
#ifndef COFFER_AUTH_ACCOUNT_RECORD_H
#define COFFER_AUTH_ACCOUNT_RECORD_H

#include <stddef.h>
#include "auth/account.h"
#include "lib/buf.h"
#include "lib/err.h"

#define ACCOUNT_RECORD_VERSION "coffer-account 1"
/* Largest record accepted. */
#define ACCOUNT_RECORD_MAX (256 * 1024)
#define ACCOUNT_RECORD_LINE_MAX 4096

/* Appends the record of a to out. The result is parsed back before it is
   accepted, so an account that would not read back (invalid field) is
   refused with ERR_PARAMS. Returns 0 or -1. */
int account_record_format(const struct account *a, struct buf *out,
			  struct err *err);
/* Parses a record. Returns a new account (account_destroy() it), or NULL
   with ERR_CORRUPT and "line N: <problem>" in err. */
struct account *account_record_parse(const void *data, size_t len,
				     struct err *err);

#endif
