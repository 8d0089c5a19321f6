/* SPDX-License-Identifier: MIT */
/*
 * The user database: accounts by canonical user id or alias. One
 * interface, several back-ends behind a vtable; today the local back-end
 * (one file per account below <data_dir>/accounts, see
 * docs/accounts-format.md), later LDAP.
 *
 * Names given to these functions must already be canonical
 * (account_canonicalize()). A struct userdb may be used by any number of
 * threads at once: it holds no mutable state, and writers in different
 * threads, processes or hosts are serialised by the back-end (file
 * locks and atomic renames for the local back-end). Every function may
 * block on disk I/O; lookups and password checks are meant for worker
 * threads.
 */
#ifndef COFFER_AUTH_USERDB_H
#define COFFER_AUTH_USERDB_H

#include <stdbool.h>
#include "auth/account.h"
#include "config/config.h"
#include "lib/err.h"

struct userdb;
struct userdb_iter;

enum userdb_open_flags {
	USERDB_OPEN_READ = 0,
	/* Create the database directories if missing (msadm). */
	USERDB_OPEN_CREATE = 0x1,
};

/* Opens the database configured by cfg (a reference to cfg is kept).
   Without USERDB_OPEN_CREATE a missing database is an empty one.
   Returns 0 or -1. */
int userdb_open(struct ms_config *cfg, enum userdb_open_flags flags,
		struct userdb **db_r, struct err *err);
/* Closes and sets *db to NULL. NULL-safe. */
void userdb_close(struct userdb **db);

/* Looks a canonical user id or alias up. Returns 1 and a new account in
   *acct_r (account_destroy() it), 0 if there is no such name, -1 on
   error (ERR_CORRUPT for a damaged record). */
int userdb_lookup(struct userdb *db, const char *name, struct account **acct_r,
		  struct err *err);

/* Creates an account with its aliases. Fails with ERR_EXISTS if the user
   id exists (unless overwrite: then the record is replaced) or if the
   user id or an alias is already a name of another account. Concurrent
   adds of one user id or alias: exactly one succeeds. Returns 0 or -1. */
int userdb_add(struct userdb *db, const struct account *acct, bool overwrite,
	       struct err *err);

/* Modifies an account in place: fn is called with the current record
   while the account is locked, changes whatever it likes except the user
   id, and returns 0 (write it) or -1 (abort with its err). Aliases added
   or removed by fn are claimed and released. Fails with ERR_NOTFOUND if
   the account does not exist. Returns 0 or -1. */
typedef int userdb_update_fn(struct account *acct, void *ctx, struct err *err);
int userdb_update(struct userdb *db, const char *userid, userdb_update_fn *fn,
		  void *ctx, struct err *err);

/* Deletes an account and releases its names. ERR_NOTFOUND if missing.
   Mail is not touched (that is the store's business). */
int userdb_delete(struct userdb *db, const char *userid, struct err *err);

/* Renames an account, keeping its aliases, properties and secrets;
   properties whose value is the old user id (e.g. "mail") are rewritten.
   ERR_NOTFOUND, or ERR_EXISTS if new_userid is taken. */
int userdb_rename(struct userdb *db, const char *old_userid,
		  const char *new_userid, struct err *err);

/* Iterates accounts ordered by domain, then local part, optionally
   filtered by POSIX extended regular expressions (case-insensitive, unanchored)
   on the domain and on the local part; NULL matches all. Returns NULL and sets
   err for an invalid expression. */
struct userdb_iter *userdb_iter_init(struct userdb *db, const char *domain_re,
				     const char *user_re, struct err *err);
/* Returns 1 with the next account (account_destroy() it), 0 at the end,
   -1 for an account that could not be read (err names it; the iteration
   may continue). */
int userdb_iter_next(struct userdb_iter *iter, struct account **acct_r,
		     struct err *err);
void userdb_iter_deinit(struct userdb_iter **iter);

/* Does the work of one password verification and discards it (unknown
   or impossible names cost what a real check costs); it waits its turn
   like real checks do, at most one per CPU at a time. */
void userdb_verify_dummy(struct userdb *db, const char *password);

/* Checks a login: looks name (canonical id or alias) up and verifies the
   password in constant time whether or not the account exists. Returns 1
   (account enabled and password right; *acct_r set if acct_r is not NULL)
   or 0 (rejected: err says why for the log -- ERR_NOTFOUND unknown user,
   ERR_PERM disabled or migrating, ERR_PARAMS wrong password), or -1 on
   an internal error. Service access is the caller's to check
   (account_service_access()). Password checks are CPU-bound and memory
   hungry (yescrypt: 16 MiB), so at most one per online CPU runs at a
   time; others wait. */
int userdb_authenticate(struct userdb *db, const char *name,
			const char *password, struct account **acct_r,
			struct err *err);

/* Where the local back-end keeps its files (for messages and tests). */
const char *userdb_location(const struct userdb *db);

#endif
