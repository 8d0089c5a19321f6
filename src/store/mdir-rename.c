/* SPDX-License-Identifier: MIT */
/*
 * RENAME (RFC 3501 section 6.3.5). A mailbox and all its children move with
 * one rename(2) of the directory. Renaming INBOX is special: its messages
 * move into a new mailbox and INBOX stays, empty, with its children.
 */
#include "store/mdir-private.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
rename_inbox(struct store_user *user, const char *newname, struct err *err)
{
	struct store_mailbox *box;
	struct store_copy_result res;
	struct store_uid_set all = { 0 };
	int ret;

	if (mdir_mailbox_create(user, newname, NULL, err) < 0)
		return -1;
	if (mdir_mailbox_open(user, STORE_INBOX, STORE_OPEN_NO_RECENT, &box,
			      err) < 0)
		return -1;
	if (store_mailbox_count(box) == 0) {
		store_mailbox_close(&box);
		return 0;
	}
	store_uid_set_add(&all, 1, UINT32_MAX);
	ret = mdir_copy(box, &all, user, newname, true, &res, err);
	if (ret == 0)
		store_copy_result_free(&res);
	store_uid_set_free(&all);
	store_mailbox_close(&box);
	return ret;
}

struct sub_move {
	const char *old, *new;
	size_t oldlen;
	VEC(char *) names;
};

static int
collect_subs(void *ctx, const char *name)
{
	struct sub_move *m = ctx;

	if (strncmp(name, m->old, m->oldlen) == 0 &&
	    (name[m->oldlen] == '\0' ||
	     name[m->oldlen] == STORE_HIERARCHY_SEP))
		vec_push(&m->names, xstrdup(name));
	return 0;
}

/* Subscriptions follow the renamed mailbox and its children. */
static void
move_subscriptions(struct store_user *user, const char *old, const char *new)
{
	struct sub_move m = { old, new, strlen(old), VEC_INIT };

	(void)mdir_subscriptions(user, collect_subs, &m, NULL);
	for (size_t i = 0; i < m.names.n; i++) {
		char *target = xasprintf("%s%s", new, m.names.v[i] + m.oldlen);

		if (store_mailbox_name_validate(target, NULL) == 0) {
			(void)mdir_subscribe(user, m.names.v[i], false, NULL);
			(void)mdir_subscribe(user, target, true, NULL);
		}
		free(target);
		free(m.names.v[i]);
	}
	vec_free(&m.names);
}

int
mdir_mailbox_rename(struct store_user *user, const char *oldname,
		    const char *newname, struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	char ob[STORE_MAILBOX_NAME_MAX + 8], nb[STORE_MAILBOX_NAME_MAX + 8];
	struct buf src = BUF_INIT, dst = BUF_INIT;
	char *parent;
	int ret = -1;

	if (store_mailbox_name_validate(oldname, err) < 0 ||
	    store_mailbox_name_validate(newname, err) < 0)
		return -1;
	oldname = mdir_canonical_name(oldname, ob, sizeof(ob));
	newname = mdir_canonical_name(newname, nb, sizeof(nb));
	if (strcmp(newname, STORE_INBOX) == 0)
		return err_set(err, ERR_EXISTS, "Mailbox already exists");
	if (mdir_mailbox_kind(user, newname) != STORE_MAILBOX_NONEXISTENT)
		return err_set(err, ERR_EXISTS, "Mailbox already exists");
	if (strcmp(oldname, STORE_INBOX) == 0)
		return rename_inbox(user, newname, err);
	if (mdir_mailbox_kind(user, oldname) == STORE_MAILBOX_NONEXISTENT)
		return err_set(err, ERR_NOTFOUND, "Mailbox doesn't exist: %s",
			       oldname);
	if (strncmp(newname, oldname, strlen(oldname)) == 0 &&
	    newname[strlen(oldname)] == STORE_HIERARCHY_SEP)
		return err_set(err, ERR_PARAMS,
			       "Can't rename mailbox under itself");
	if (mdir_mailbox_path(u, oldname, &src, err) < 0 ||
	    mdir_mailbox_path(u, newname, &dst, err) < 0)
		goto out;
	parent = xstrdup(buf_cstr(&dst));
	*strrchr(parent, '/') = '\0';
	if (mkdir_parents(parent, 0700) < 0) {
		err_set_errno(err, "mkdir", parent);
		free(parent);
		goto out;
	}
	if (renameat2(AT_FDCWD, buf_cstr(&src), AT_FDCWD, buf_cstr(&dst),
		      RENAME_NOREPLACE) < 0 &&
	    !((errno == EINVAL || errno == ENOSYS) &&
	      rename(buf_cstr(&src), buf_cstr(&dst)) == 0)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			err_set(err, ERR_EXISTS, "Mailbox already exists");
		else if (errno == ENOENT)
			err_set(err, ERR_NOTFOUND, "Mailbox doesn't exist");
		else
			err_set_errno(err, "rename", buf_cstr(&src));
		free(parent);
		goto out;
	}
	if (user->store->set.fsync) {
		(void)fsync_dir(parent);
		(void)fsync_parent(buf_cstr(&src));
	}
	free(parent);
	move_subscriptions(user, oldname, newname);
	ret = 0;
out:
	buf_free(&src);
	buf_free(&dst);
	return ret;
}
