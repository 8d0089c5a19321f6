/* SPDX-License-Identifier: MIT */
/*
 * msadm ren [-l] new_userid userid: rename an account and move its mail
 * volume (M-Box guide 3.2.4; the argument order is new, then old). The
 * guide never explains -l; Coffer reads it as "rename the mail volume
 * too", which is what ren always does, so -l is accepted and changes
 * nothing.
 */
#include "tools/msadm/msadm.h"
#include "lib/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Moves the mail directory without ever replacing one (rename(2) would
   silently replace an empty target directory). */
static int
move_mail(const char *from, const char *to, struct err *err)
{
	char parent[4096];
	const char *slash = strrchr(to, '/');

	if (!exists(from))
		return 0;
	if (slash != NULL && slash > to) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - to), to);
		if (mkdir_parents(parent, 0700) < 0)
			return err_set_errno(err, "mkdir", parent);
	}
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0)
		return err_set_errno(err, "rename", from);
	if (fsync_parent(to) < 0 || fsync_parent(from) < 0)
		return err_set_errno(err, "fsync", to);
	return 0;
}

int
msadm_cmd_ren(struct msadm *ctx, const struct msadm_cmd *cmd, int argc,
	      char **argv)
{
	char new_id[ACCOUNT_USERID_MAX + 1], old_id[ACCOUNT_USERID_MAX + 1];
	struct buf old_dir = BUF_INIT, new_dir = BUF_INIT;
	struct account *acct = NULL;
	struct msadm_opts o;
	struct userdb *db;
	struct err err, undo;
	int c, ret = -1;

	msadm_opts_init(&o, argc, argv);
	while ((c = msadm_opts_next(&o, "l")) != -1) {
		if (c != 'l')
			return msadm_usage(ctx, cmd);
	}
	if (o.ind != argc - 2)
		return msadm_usage(ctx, cmd);
	if (msadm_userid(ctx, argv[o.ind], new_id) < 0 ||
	    msadm_userid(ctx, argv[o.ind + 1], old_id) < 0)
		return CLI_EXIT_USAGE;
	if ((db = msadm_db(ctx, true)) == NULL)
		return CLI_EXIT_FAIL;
	ret = userdb_lookup(db, old_id, &acct, &err);
	if (ret == 0 || (ret > 0 && strcmp(acct->userid, old_id) != 0)) {
		/* an alias is not an account */
		err_set(&err, ERR_NOTFOUND, "no account %s", old_id);
		ret = -1;
	}
	if (ret < 0)
		goto out;
	ret = -1;
	if (msadm_mail_dir(ctx, old_id, acct, &old_dir, &err) < 0 ||
	    msadm_mail_dir(ctx, new_id, acct, &new_dir, &err) < 0)
		goto out;
	if (exists(buf_cstr(&new_dir))) {
		err_set(&err, ERR_EXISTS, "mail directory %s already exists",
			buf_cstr(&new_dir));
		goto out;
	}
	if (userdb_rename(db, old_id, new_id, &err) < 0)
		goto out;
	ret = move_mail(buf_cstr(&old_dir), buf_cstr(&new_dir), &err);
	if (ret < 0 && userdb_rename(db, new_id, old_id, &undo) < 0)
		msadm_error(ctx, "could not undo the rename: %s", undo.msg);
out:
	account_destroy(&acct);
	buf_free(&old_dir);
	buf_free(&new_dir);
	return ret < 0 ? msadm_fail(ctx, &err) : CLI_EXIT_OK;
}
