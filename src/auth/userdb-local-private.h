/* SPDX-License-Identifier: MIT */
/*
 * Internals of the local user database (docs/accounts-format.md):
 *
 *	<data_dir>/accounts/VERSION			"coffer-accounts 1"
 *	<data_dir>/accounts/users/<domain>/<local>	account records
 *	<data_dir>/accounts/users/<domain>/.<local>.lock	writer locks
 *	<data_dir>/accounts/names/<domain>/<local>	name claims
 *
 * <domain> and <local> are the parts of a canonical name, encoded so that
 * they are safe, injective file names that never start with '.'; files
 * starting with '.' are locks and temporary files.
 */
#ifndef COFFER_AUTH_USERDB_LOCAL_PRIVATE_H
#define COFFER_AUTH_USERDB_LOCAL_PRIVATE_H

#include "auth/userdb-private.h"
#include "lib/buf.h"

#include <limits.h>

#define USERDB_LOCAL_VERSION "coffer-accounts 1\n"
/* How long a writer waits for another writer's lock on one account. */
#define USERDB_LOCAL_LOCK_WAIT_MS 10000

struct local_db {
	struct userdb db;
	char *root;
	bool create;
};

enum local_tree { LOCAL_USERS, LOCAL_NAMES };

struct local_path {
	char dir[PATH_MAX];
	char leaf[NAME_MAX + 1];
};

struct local_lock {
	int fd;
	int dirfd;
	char name[NAME_MAX + 1];
};

/* userdb-local-fs.c: file-system primitives. All return -1 with err set
   on failure. */

/* Encodes one name part as a file name: [a-z0-9_+=@-] and '.' (not
   first) are kept, anything else becomes %XX. */
int userdb_local_fs_encode(const char *s, size_t len, char *out, size_t size);
/* Reverses the encoding into out; false if s is not an encoding. */
bool userdb_local_fs_decode(const char *s, char *out, size_t size);
/* The directory and file name of a canonical name in a tree. */
int userdb_local_fs_path(const struct local_db *ldb, enum local_tree tree,
			 const char *name, struct local_path *p,
			 struct err *err);
/* Opens p->dir (creating it when create). Returns the fd, or -1; a
   missing directory without create gives ERR_NOTFOUND. */
int userdb_local_fs_open_dir(const struct local_path *p, bool create,
			     struct err *err);
/* Writes a complete new file under leaf, never replacing one: a temporary
   file is written and fsynced, then link()ed. Returns 0 if created, 1 if
   leaf already existed, -1 on error. */
int userdb_local_fs_create(int dirfd, const char *leaf, const void *data,
			   size_t len, struct err *err);
/* Atomically replaces (or creates) leaf with the data (rename()). */
int userdb_local_fs_replace(int dirfd, const char *leaf, const void *data,
			    size_t len, struct err *err);
/* Reads leaf (at most max bytes) into out. 1 read, 0 missing, -1 error. */
int userdb_local_fs_read(int dirfd, const char *leaf, size_t max,
			 struct buf *out, struct err *err);
/* Removes leaf and syncs the directory; a missing file is fine. */
int userdb_local_fs_unlink(int dirfd, const char *leaf, struct err *err);
/* Takes the writer lock of an account, waiting up to wait_ms
   milliseconds for another writer (then ERR_TEMP). */
int userdb_local_fs_lock(const struct local_db *ldb, const char *userid,
			 unsigned wait_ms, struct local_lock *lock,
			 struct err *err);
/* Releases the lock; with remove, the lock file is deleted first (only
   when the account itself is gone). */
void userdb_local_fs_unlock(struct local_lock *lock, bool remove);

/* userdb-local-names.c: name claims ("names" tree). Each claim file holds
   the canonical user id owning the name. */

/* Reads the owner of name into owner (ACCOUNT_USERID_MAX + 1 bytes).
   1 found, 0 no claim, -1 error (ERR_CORRUPT for a damaged claim). */
int userdb_local_names_owner(const struct local_db *ldb, const char *name,
			     char *owner, struct err *err);
/* Claims name for owner. *created_r tells whether this call made the
   claim (false: owner already had it). A claim left behind by an
   interrupted writer (its owner's record does not list the name) is taken
   over. ERR_EXISTS if another account owns the name. The caller holds
   owner's lock. */
int userdb_local_names_claim(const struct local_db *ldb, const char *name,
			     const char *owner, bool *created_r,
			     struct err *err);
/* Points an existing claim of old_owner at new_owner (rename). */
int userdb_local_names_move(const struct local_db *ldb, const char *name,
			    const char *old_owner, const char *new_owner,
			    struct err *err);
/* Removes the claim if owner holds it. The caller holds owner's lock. */
int userdb_local_names_release(const struct local_db *ldb, const char *name,
			       const char *owner, struct err *err);

/* userdb-local.c */
/* Reads the record of userid. 1 found, 0 missing, -1 error. */
int userdb_local_read(const struct local_db *ldb, const char *userid,
		      struct account **acct_r, struct err *err);

#endif
