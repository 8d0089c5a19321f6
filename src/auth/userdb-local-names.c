/* SPDX-License-Identifier: MIT */
/*
 * Name claims of the local user database. Every user id and every alias
 * has a claim file naming the account that owns it, created with link(),
 * so that two accounts can never own one name, even when writers on
 * several hosts race. Claims are only created, changed or removed by a
 * writer holding the owning account's lock.
 */
#include "auth/userdb-local-private.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CLAIM_ATTEMPTS 5

static int
claim_dir(const struct local_db *ldb, const char *name, bool create,
	  struct local_path *p, struct err *err)
{
	if (userdb_local_fs_path(ldb, LOCAL_NAMES, name, p, err) < 0)
		return -1;
	return userdb_local_fs_open_dir(p, create, err);
}

/* Parses "<userid>\n". */
static bool
parse_claim(const struct buf *b, char *owner)
{
	if (b->len < 2 || b->len > ACCOUNT_USERID_MAX + 1 ||
	    b->data[b->len - 1] != '\n' ||
	    memchr(b->data, '\n', b->len - 1) != NULL ||
	    memchr(b->data, '\0', b->len) != NULL)
		return false;
	memcpy(owner, b->data, b->len - 1);
	owner[b->len - 1] = '\0';
	return account_userid_valid(owner);
}

static int
read_owner(int dirfd, const char *name, const char *leaf, char *owner,
	   struct err *err)
{
	struct buf b = BUF_INIT;
	int ret =
	    userdb_local_fs_read(dirfd, leaf, ACCOUNT_USERID_MAX + 1, &b, err);

	if (ret == -1 && err->code == ERR_CORRUPT)
		ret = err_set(err, ERR_CORRUPT, "name claim of %s is damaged",
			      name);
	if (ret == 1 && !parse_claim(&b, owner))
		ret = err_set(err, ERR_CORRUPT, "name claim of %s is damaged",
			      name);
	buf_free(&b);
	return ret;
}

int
userdb_local_names_owner(const struct local_db *ldb, const char *name,
			 char *owner, struct err *err)
{
	struct local_path p;
	int dirfd, ret;

	dirfd = claim_dir(ldb, name, false, &p, err);
	if (dirfd < 0)
		return err->code == ERR_NOTFOUND ? 0 : -1;
	ret = read_owner(dirfd, name, p.leaf, owner, err);
	close(dirfd);
	return ret;
}

static int
claim_text(const char *owner, char *text, size_t size)
{
	return snprintf(text, size, "%s\n", owner);
}

/* With cur's lock held: is cur's claim of name backed by its record? */
static int
claim_is_live(const struct local_db *ldb, const char *name, const char *cur,
	      struct err *err)
{
	struct account *rec = NULL;
	int ret = userdb_local_read(ldb, cur, &rec, err);

	if (ret > 0)
		ret = strcmp(name, cur) == 0 || account_has_alias(rec, name);
	account_destroy(&rec);
	return ret;
}

/* Takes over name from cur if cur's claim is a leftover of an
   interrupted writer. 1 taken, 0 retry, -1 error (ERR_EXISTS if live). */
static int
take_over(const struct local_db *ldb, int dirfd, const char *name,
	  const char *leaf, const char *cur, const char *owner, struct err *err)
{
	char again[ACCOUNT_USERID_MAX + 1], text[ACCOUNT_USERID_MAX + 2];
	struct local_lock lock;
	int live, ret;

	/* Never wait here: two writers could each hold their own lock and
	   want the other's. A busy owner is a live owner. */
	if (userdb_local_fs_lock(ldb, cur, 0, &lock, err) < 0) {
		if (err->code != ERR_TEMP)
			return -1;
		return err_set(err, ERR_EXISTS, "%s is already used by %s",
			       name, cur);
	}
	live = claim_is_live(ldb, name, cur, err);
	if (live != 0) {
		userdb_local_fs_unlock(&lock, false);
		return live < 0
			   ? -1
			   : err_set(err, ERR_EXISTS,
				     "%s is already used by %s", name, cur);
	}
	ret = read_owner(dirfd, name, leaf, again, err);
	if (ret == 1 && strcmp(again, cur) == 0) {
		claim_text(owner, text, sizeof(text));
		ret = userdb_local_fs_replace(dirfd, leaf, text, strlen(text),
					      err) < 0
			  ? -1
			  : 1;
	} else if (ret >= 0) {
		ret = 0; /* changed or gone meanwhile */
	}
	userdb_local_fs_unlock(&lock, false);
	return ret;
}

int
userdb_local_names_claim(const struct local_db *ldb, const char *name,
			 const char *owner, bool *created_r, struct err *err)
{
	char cur[ACCOUNT_USERID_MAX + 1], text[ACCOUNT_USERID_MAX + 2];
	struct local_path p;
	int dirfd, ret = -1;

	*created_r = false;
	dirfd = claim_dir(ldb, name, true, &p, err);
	if (dirfd < 0)
		return -1;
	claim_text(owner, text, sizeof(text));
	for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
		ret = userdb_local_fs_create(dirfd, p.leaf, text, strlen(text),
					     err);
		if (ret <= 0) {
			*created_r = ret == 0;
			break;
		}
		ret = read_owner(dirfd, name, p.leaf, cur, err);
		if (ret < 0)
			break;
		if (ret == 0)
			continue; /* released meanwhile */
		if (strcmp(cur, owner) == 0) {
			ret = 0;
			break;
		}
		ret = take_over(ldb, dirfd, name, p.leaf, cur, owner, err);
		if (ret != 0) {
			*created_r = ret > 0;
			ret = ret > 0 ? 0 : -1;
			break;
		}
		ret = -1;
		err_set(err, ERR_TEMP, "name %s keeps changing; try again",
			name);
	}
	close(dirfd);
	return ret;
}

int
userdb_local_names_move(const struct local_db *ldb, const char *name,
			const char *old_owner, const char *new_owner,
			struct err *err)
{
	char cur[ACCOUNT_USERID_MAX + 1], text[ACCOUNT_USERID_MAX + 2];
	struct local_path p;
	int dirfd, ret;

	dirfd = claim_dir(ldb, name, true, &p, err);
	if (dirfd < 0)
		return -1;
	ret = read_owner(dirfd, name, p.leaf, cur, err);
	if (ret >= 0 && (ret == 0 || strcmp(cur, old_owner) == 0)) {
		claim_text(new_owner, text, sizeof(text));
		ret = userdb_local_fs_replace(dirfd, p.leaf, text, strlen(text),
					      err);
	} else if (ret > 0) {
		ret = err_set(err, ERR_EXISTS, "%s is already used by %s", name,
			      cur);
	}
	close(dirfd);
	return ret < 0 ? -1 : 0;
}

int
userdb_local_names_release(const struct local_db *ldb, const char *name,
			   const char *owner, struct err *err)
{
	char cur[ACCOUNT_USERID_MAX + 1];
	struct local_path p;
	int dirfd, ret;

	dirfd = claim_dir(ldb, name, false, &p, err);
	if (dirfd < 0)
		return err->code == ERR_NOTFOUND ? 0 : -1;
	ret = read_owner(dirfd, name, p.leaf, cur, err);
	if (ret > 0 && strcmp(cur, owner) == 0)
		ret = userdb_local_fs_unlink(dirfd, p.leaf, err);
	close(dirfd);
	return ret < 0 ? -1 : 0;
}
