/* SPDX-License-Identifier: MIT */
/*
 * The local user database: one small text file per account and one claim
 * file per name (docs/accounts-format.md). Readers need no lock: a lookup
 * is one open+read of the record (two more for an alias). Writers lock the
 * account they change (fcntl OFD locks), claim names with link() and
 * replace records with rename(), so concurrent msadm runs and servers on
 * one host or on several hosts sharing the file system never see a
 * partial record, and two accounts never own one name.
 */
#include "auth/userdb-local-private.h"
#include "auth/account-record.h"
#include "lib/fsutil.h"
#include "lib/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef VEC(const char *) name_list;

static struct local_db *
local_db(struct userdb *db)
{
	return CONTAINER_OF(db, struct local_db, db);
}

int
userdb_local_read(const struct local_db *ldb, const char *userid,
		  struct account **acct_r, struct err *err)
{
	struct buf data = BUF_INIT;
	struct local_path p;
	int dirfd, ret;

	*acct_r = NULL;
	if (userdb_local_fs_path(ldb, LOCAL_USERS, userid, &p, err) < 0)
		return -1;
	dirfd = userdb_local_fs_open_dir(&p, false, err);
	if (dirfd < 0)
		return err->code == ERR_NOTFOUND ? 0 : -1;
	ret =
	    userdb_local_fs_read(dirfd, p.leaf, ACCOUNT_RECORD_MAX, &data, err);
	close(dirfd);
	if (ret == 1) {
		*acct_r = account_record_parse(data.data, data.len, err);
		if (*acct_r == NULL) {
			err_prefix(err, "account %s", userid);
			ret = -1;
		} else if (strcmp((*acct_r)->userid, userid) != 0) {
			ret = err_set(err, ERR_CORRUPT,
				      "account %s: the record is for %s",
				      userid, (*acct_r)->userid);
			account_destroy(acct_r);
		}
	}
	if (data.data != NULL)
		mem_wipe(data.data, data.cap);
	buf_free(&data);
	return ret;
}

static int
local_lookup(struct userdb *db, const char *name, struct account **acct_r,
	     struct err *err)
{
	struct local_db *ldb = local_db(db);
	char owner[ACCOUNT_USERID_MAX + 1];
	int ret;

	ret = userdb_local_read(ldb, name, acct_r, err);
	if (ret != 0)
		return ret;
	/* Not a user id: maybe an alias. */
	ret = userdb_local_names_owner(ldb, name, owner, err);
	if (ret <= 0 || strcmp(owner, name) == 0)
		return ret < 0 ? -1 : 0;
	ret = userdb_local_read(ldb, owner, acct_r, err);
	if (ret > 0 && !account_has_alias(*acct_r, name)) {
		/* a claim left behind by an interrupted writer */
		account_destroy(acct_r);
		ret = 0;
	}
	return ret;
}

static int
write_record(const struct local_db *ldb, const struct account *acct,
	     bool create, struct err *err)
{
	struct buf data = BUF_INIT;
	struct local_path p;
	int dirfd, ret = -1;

	if (account_record_format(acct, &data, err) < 0 ||
	    userdb_local_fs_path(ldb, LOCAL_USERS, acct->userid, &p, err) < 0)
		goto out;
	dirfd = userdb_local_fs_open_dir(&p, true, err);
	if (dirfd < 0)
		goto out;
	if (create) {
		ret = userdb_local_fs_create(dirfd, p.leaf, data.data, data.len,
					     err);
		if (ret > 0)
			ret = err_set(err, ERR_EXISTS, "account %s exists",
				      acct->userid);
	} else {
		ret = userdb_local_fs_replace(dirfd, p.leaf, data.data,
					      data.len, err);
	}
	close(dirfd);
out:
	if (data.data != NULL)
		mem_wipe(data.data, data.cap);
	buf_free(&data);
	return ret;
}

/* Best effort: these claims were made by the failing operation, or are
   no longer wanted; a leftover claim is taken over when needed. */
static void
release_all(const struct local_db *ldb, const name_list *names,
	    const char *owner)
{
	struct err ignored;

	for (size_t i = 0; i < names->n; i++)
		(void)userdb_local_names_release(ldb, names->v[i], owner,
						 &ignored);
}

/* Claims the aliases of acct that old (may be NULL) does not have;
   records the new claims in created. */
static int
claim_aliases(const struct local_db *ldb, const struct account *acct,
	      const struct account *old, name_list *created, struct err *err)
{
	for (size_t i = 0; i < acct->aliases.n; i++) {
		const char *alias = acct->aliases.v[i];
		bool made;

		if (old != NULL && account_has_alias(old, alias))
			continue;
		if (userdb_local_names_claim(ldb, alias, acct->userid, &made,
					     err) < 0)
			return -1;
		if (made)
			vec_push(created, alias);
	}
	return 0;
}

/* Replaces old's record with acct (same user id), moving alias claims. */
static int
replace_record(const struct local_db *ldb, const struct account *old,
	       const struct account *acct, struct err *err)
{
	name_list created = VEC_INIT, gone = VEC_INIT;
	int ret = -1;

	if (claim_aliases(ldb, acct, old, &created, err) < 0 ||
	    write_record(ldb, acct, false, err) < 0) {
		release_all(ldb, &created, acct->userid);
		goto out;
	}
	for (size_t i = 0; i < old->aliases.n; i++) {
		if (!account_has_alias(acct, old->aliases.v[i]))
			vec_push(&gone, old->aliases.v[i]);
	}
	release_all(ldb, &gone, acct->userid);
	ret = 0;
out:
	vec_free(&created);
	vec_free(&gone);
	return ret;
}

static int
create_record(const struct local_db *ldb, const struct account *acct,
	      bool self_claimed, struct err *err)
{
	name_list created = VEC_INIT;
	int ret = 0;

	if (claim_aliases(ldb, acct, NULL, &created, err) < 0 ||
	    write_record(ldb, acct, true, err) < 0) {
		if (self_claimed)
			vec_push(&created, acct->userid);
		release_all(ldb, &created, acct->userid);
		ret = -1;
	}
	vec_free(&created);
	return ret;
}

static int
local_add(struct userdb *db, const struct account *acct, bool overwrite,
	  struct err *err)
{
	struct local_db *ldb = local_db(db);
	struct account *old = NULL;
	struct local_lock lock;
	bool self_claimed;
	int ret;

	if (userdb_local_fs_lock(ldb, acct->userid, USERDB_LOCAL_LOCK_WAIT_MS,
				 &lock, err) < 0)
		return -1;
	ret = userdb_local_names_claim(ldb, acct->userid, acct->userid,
				       &self_claimed, err);
	if (ret == 0)
		ret = userdb_local_read(ldb, acct->userid, &old, err);
	if (ret > 0 && !overwrite)
		ret =
		    err_set(err, ERR_EXISTS, "account %s exists", acct->userid);
	else if (ret > 0)
		ret = replace_record(ldb, old, acct, err);
	else if (ret == 0)
		ret = create_record(ldb, acct, self_claimed, err);
	account_destroy(&old);
	userdb_local_fs_unlock(&lock, false);
	return ret < 0 ? -1 : 0;
}

static int
local_update(struct userdb *db, const char *userid, userdb_update_fn *fn,
	     void *ctx, struct err *err)
{
	struct local_db *ldb = local_db(db);
	struct account *old = NULL, *acct = NULL;
	struct local_lock lock;
	int ret;

	if (userdb_local_fs_lock(ldb, userid, USERDB_LOCAL_LOCK_WAIT_MS, &lock,
				 err) < 0)
		return -1;
	ret = userdb_local_read(ldb, userid, &old, err);
	if (ret == 0)
		ret = err_set(err, ERR_NOTFOUND, "no account %s", userid);
	if (ret > 0) {
		acct = account_dup(old);
		ret = fn(acct, ctx, err);
		if (ret == 0 && strcmp(acct->userid, userid) != 0)
			ret = err_set(err, ERR_PARAMS,
				      "an update cannot change the user id");
		if (ret == 0)
			ret = replace_record(ldb, old, acct, err);
	}
	account_destroy(&acct);
	account_destroy(&old);
	userdb_local_fs_unlock(&lock, false);
	return ret < 0 ? -1 : 0;
}

static int
unlink_record(const struct local_db *ldb, const char *userid, struct err *err)
{
	struct local_path p;
	int dirfd, ret;

	if (userdb_local_fs_path(ldb, LOCAL_USERS, userid, &p, err) < 0)
		return -1;
	dirfd = userdb_local_fs_open_dir(&p, false, err);
	if (dirfd < 0)
		return -1;
	ret = userdb_local_fs_unlink(dirfd, p.leaf, err);
	close(dirfd);
	return ret;
}

static int
local_remove(struct userdb *db, const char *userid, struct err *err)
{
	struct local_db *ldb = local_db(db);
	struct account *old = NULL;
	struct local_lock lock;
	name_list names = VEC_INIT;
	int ret;

	if (userdb_local_fs_lock(ldb, userid, USERDB_LOCAL_LOCK_WAIT_MS, &lock,
				 err) < 0)
		return -1;
	ret = userdb_local_read(ldb, userid, &old, err);
	/* A damaged record can still be deleted; its alias claims become
	   leftovers that later claims take over. */
	if (ret < 0 && err->code == ERR_CORRUPT)
		ret = 2;
	if (ret > 0)
		ret = unlink_record(ldb, userid, err);
	else if (ret == 0)
		ret = err_set(err, ERR_NOTFOUND, "no account %s", userid);
	if (old != NULL && ret == 0) {
		for (size_t i = 0; i < old->aliases.n; i++)
			vec_push(&names, old->aliases.v[i]);
	}
	/* also cleans up after an interrupted add */
	if (ret == 0 || err->code == ERR_NOTFOUND)
		vec_push(&names, userid);
	release_all(ldb, &names, userid);
	vec_free(&names);
	account_destroy(&old);
	userdb_local_fs_unlock(&lock, ret == 0);
	return ret < 0 ? -1 : 0;
}

/* The renamed copy of old: new user id, properties that named the old id
   (mail=...) follow, and an alias that became the user id is dropped. */
static struct account *
renamed(const struct account *old, const char *new_userid)
{
	struct account *a = account_dup(old);

	a->userid = pool_strdup(a->pool, new_userid);
	account_remove_alias(a, new_userid);
	for (size_t i = 0; i < a->props.n; i++) {
		if (strcmp(a->props.v[i].value, old->userid) == 0)
			a->props.v[i].value = a->userid;
	}
	return a;
}

static int
rename_locked(const struct local_db *ldb, const char *old_userid,
	      const char *new_userid, struct err *err)
{
	struct account *old = NULL, *taken = NULL, *acct = NULL;
	bool claimed = false;
	int ret;

	ret = userdb_local_read(ldb, old_userid, &old, err);
	if (ret == 0)
		ret = err_set(err, ERR_NOTFOUND, "no account %s", old_userid);
	if (ret > 0)
		ret = userdb_local_read(ldb, new_userid, &taken, err);
	if (ret > 0)
		ret = err_set(err, ERR_EXISTS, "account %s exists", new_userid);
	if (ret < 0)
		goto out;
	/* renaming an account to one of its own aliases */
	if (account_has_alias(old, new_userid))
		ret = userdb_local_names_move(ldb, new_userid, old_userid,
					      new_userid, err);
	else
		ret = userdb_local_names_claim(ldb, new_userid, new_userid,
					       &claimed, err);
	if (ret < 0)
		goto out;
	acct = renamed(old, new_userid);
	if (write_record(ldb, acct, true, err) < 0) {
		if (claimed)
			(void)userdb_local_names_release(ldb, new_userid,
							 new_userid, err);
		ret = -1;
		goto out;
	}
	for (size_t i = 0; i < acct->aliases.n && ret == 0; i++)
		ret = userdb_local_names_move(ldb, acct->aliases.v[i],
					      old_userid, new_userid, err);
	if (ret == 0)
		ret = unlink_record(ldb, old_userid, err);
	if (ret == 0)
		ret = userdb_local_names_release(ldb, old_userid, old_userid,
						 err);
out:
	account_destroy(&old);
	account_destroy(&taken);
	account_destroy(&acct);
	return ret;
}

static int
local_rename(struct userdb *db, const char *old_userid, const char *new_userid,
	     struct err *err)
{
	struct local_db *ldb = local_db(db);
	struct local_lock first, second;
	bool old_first = strcmp(old_userid, new_userid) < 0;
	int ret;

	/* Locks in name order: two renames never wait for each other in a
	   circle. */
	if (userdb_local_fs_lock(ldb, old_first ? old_userid : new_userid,
				 USERDB_LOCAL_LOCK_WAIT_MS, &first, err) < 0)
		return -1;
	if (userdb_local_fs_lock(ldb, old_first ? new_userid : old_userid,
				 USERDB_LOCAL_LOCK_WAIT_MS, &second, err) < 0) {
		userdb_local_fs_unlock(&first, false);
		return -1;
	}
	ret = rename_locked(ldb, old_userid, new_userid, err);
	userdb_local_fs_unlock(&second, ret == 0 && !old_first);
	userdb_local_fs_unlock(&first, ret == 0 && old_first);
	return ret < 0 ? -1 : 0;
}

static bool
matches(const regex_t *re, const char *s)
{
	return re == NULL || regexec(re, s, 0, NULL, 0) == 0;
}

/* The accounts of one domain directory. */
static int
list_domain(int usersfd, const char *dir_name, const char *domain,
	    const regex_t *user_re, userdb_names *names, struct err *err)
{
	char local[MAILADDR_LOCAL_MAX + 1], userid[ACCOUNT_USERID_MAX + 1];
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(usersfd, dir_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : err_set_errno(err, "open", dir_name);
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return err_set_errno(err, "fdopendir", dir_name);
	}
	while ((de = readdir(d)) != NULL) {
		/* '.' entries are locks and temporary files */
		if (de->d_name[0] == '.' ||
		    !userdb_local_fs_decode(de->d_name, local, sizeof(local)) ||
		    !matches(user_re, local))
			continue;
		snprintf(userid, sizeof(userid), "%s@%s", local, domain);
		if (account_userid_valid(userid))
			vec_push(names, xstrdup(userid));
	}
	closedir(d);
	return 0;
}

static int
local_list(struct userdb *db, const regex_t *domain_re, const regex_t *user_re,
	   userdb_names *names, struct err *err)
{
	struct local_db *ldb = local_db(db);
	char path[PATH_MAX], domain[MAILADDR_DOMAIN_MAX + 1];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/users", ldb->root);
	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT ? 0
				       : err_set_errno(err, "opendir", path);
	while (ret == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    !userdb_local_fs_decode(de->d_name, domain,
					    sizeof(domain)) ||
		    !matches(domain_re, domain))
			continue;
		ret = list_domain(dirfd(d), de->d_name, domain, user_re, names,
				  err);
	}
	closedir(d);
	return ret;
}

static const char *
local_location(const struct userdb *db)
{
	return CONTAINER_OF(db, struct local_db, db)->root;
}

static void
local_close(struct userdb *db)
{
	struct local_db *ldb = local_db(db);

	config_unref(&ldb->db.cfg);
	free(ldb->root);
	free(ldb);
}

static const struct userdb_vfuncs local_vfuncs = {
    .name = "local",
    .close = local_close,
    .lookup = local_lookup,
    .add = local_add,
    .update = local_update,
    .remove = local_remove,
    .rename = local_rename,
    .list = local_list,
    .location = local_location,
};

/* Creates the tree and its VERSION file, or checks the version. */
static int
check_version(const struct local_db *ldb, struct err *err)
{
	static const char version[] = USERDB_LOCAL_VERSION;
	struct buf data = BUF_INIT;
	char path[PATH_MAX];
	int rootfd, ret;

	if (ldb->create) {
		for (int i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/%s", ldb->root,
				 i == 0 ? "users" : "names");
			if (mkdir_parents(path, 0700) < 0)
				return err_set_errno(err, "mkdir", path);
		}
	}
	rootfd = open(ldb->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT && !ldb->create
			   ? 0
			   : err_set_errno(err, "open", ldb->root);
	ret = userdb_local_fs_read(rootfd, "VERSION", 256, &data, err);
	if (ret == 0 && ldb->create)
		ret = userdb_local_fs_create(rootfd, "VERSION", version,
					     strlen(version), err) < 0
			  ? -1
			  : 0;
	else if (ret > 0 && (data.len != strlen(version) ||
			     memcmp(data.data, version, data.len) != 0))
		ret = err_set(err, ERR_CORRUPT,
			      "%s/VERSION: unsupported account database "
			      "format",
			      ldb->root);
	close(rootfd);
	buf_free(&data);
	return ret < 0 ? -1 : 0;
}

int
userdb_local_open(struct ms_config *cfg, enum userdb_open_flags flags,
		  struct userdb **db_r, struct err *err)
{
	struct local_db *ldb = xcalloc(1, sizeof(*ldb));

	*db_r = NULL;
	ldb->db.v = &local_vfuncs;
	ldb->db.cfg = config_ref(cfg);
	ldb->root = xasprintf("%s/accounts", cfg->data_dir);
	ldb->create = (flags & USERDB_OPEN_CREATE) != 0;
	if (strlen(ldb->root) > PATH_MAX - 2 * NAME_MAX - 16) {
		local_close(&ldb->db);
		return err_set(err, ERR_PARAMS, "data_dir is too long");
	}
	if (check_version(ldb, err) < 0) {
		local_close(&ldb->db);
		return -1;
	}
	*db_r = &ldb->db;
	return 0;
}
