/* SPDX-License-Identifier: MIT */
/*
 * Listing the mailbox hierarchy and subscriptions.
 *
 * Subscriptions are one small file each in .coffer/subscriptions/, named by
 * a hash of the mailbox name and holding the name: subscribing creates a
 * file (O_EXCL), unsubscribing removes it, so concurrent sessions never
 * lose each other's changes and no lock is needed.
 */
#include "store/mdir-private.h"
#include "store/store-path.h"
#include "lib/codec.h"
#include "lib/fsutil.h"
#include "lib/hash.h"
#include "lib/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct list_ctx {
	struct mdir_user *u;
	store_list_cb *cb;
	void *ctx;
	struct hash subscribed;
	VEC(char *) subs;
	unsigned depth;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Decoded names of the child mailboxes of dir, sorted. */
static void
children(const char *dir, struct str_vec *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct buf name = BUF_INIT;

		if (de->d_name[0] == '.' ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			char p[4400];
			struct stat sb;

			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))
				continue;
		}
		if (store_path_decode_component(de->d_name, &name) == 0 &&
		    name.len > 0 && memchr(name.data, '\0', name.len) == NULL)
			vec_push(out, buf_steal(&name));
		buf_free(&name);
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
}

static bool
dir_has_children(const char *dir)
{
	struct str_vec c = VEC_INIT;
	bool any;

	children(dir, &c);
	any = c.n > 0;
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	vec_free(&c);
	return any;
}

static int
walk(struct list_ctx *lc, const char *dir, const char *prefix)
{
	struct str_vec names = VEC_INIT;
	int ret = 0;

	if (++lc->depth > STORE_MAILBOX_DEPTH_MAX) {
		lc->depth--;
		return 0;
	}
	children(dir, &names);
	for (size_t i = 0; i < names.n && ret >= 0; i++) {
		struct store_mailbox_info info;
		struct buf path = BUF_INIT, full = BUF_INIT;
		char use[32], mdir[4400];
		struct stat sb;

		buf_printf(&full, "%s%s", prefix, names.v[i]);
		buf_printf(&path, "%s/", dir);
		store_path_encode_component(names.v[i], strlen(names.v[i]),
					    &path, NULL);
		snprintf(mdir, sizeof(mdir), "%s/" MDIR_DIR, buf_cstr(&path));
		memset(&info, 0, sizeof(info));
		info.name = buf_cstr(&full);
		info.noselect = stat(mdir, &sb) < 0;
		info.has_children = dir_has_children(buf_cstr(&path));
		info.subscribed = hash_get_str(&lc->subscribed, info.name) !=
				  NULL;
		if (!info.noselect) {
			mdir_read_special_use(buf_cstr(&path), use,
					      sizeof(use));
			info.special_use = use[0] != '\0' ? use : NULL;
		}
		ret = lc->cb(lc->ctx, &info);
		if (ret >= 0 && info.has_children) {
			buf_append_c(&full, STORE_HIERARCHY_SEP);
			ret = walk(lc, buf_cstr(&path), buf_cstr(&full));
		}
		buf_free(&path);
		buf_free(&full);
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	vec_free(&names);
	lc->depth--;
	return ret;
}

static int
collect_sub(void *ctx, const char *name)
{
	struct list_ctx *lc = ctx;
	char *copy = xstrdup(name);

	vec_push(&lc->subs, copy);
	hash_put_str(&lc->subscribed, copy, copy);
	return 0;
}

int
mdir_mailbox_list(struct store_user *user, store_list_cb *cb, void *ctx,
		  struct err *err)
{
	struct list_ctx lc;
	int ret;

	memset(&lc, 0, sizeof(lc));
	lc.u = (struct mdir_user *)user;
	lc.cb = cb;
	lc.ctx = ctx;
	hash_init(&lc.subscribed, false);
	(void)mdir_subscriptions(user, collect_sub, &lc, NULL);
	ret = walk(&lc, user->dir, "");
	for (size_t i = 0; i < lc.subs.n; i++)
		free(lc.subs.v[i]);
	vec_free(&lc.subs);
	hash_free(&lc.subscribed);
	(void)err;
	return ret < 0 ? ret : 0;
}

/* ---- subscriptions ---- */

static void
sub_dir(struct mdir_user *u, char *out, size_t size)
{
	snprintf(out, size, "%s/" MDIR_ACCOUNT_DIR "/subscriptions",
		 u->pub.dir);
}

/* File name for a subscription: 16 hex digits of a 64-bit hash plus a
   collision counter. */
static void
sub_name(const char *name, unsigned n, char out[40])
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = name; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	snprintf(out, 40, "%016llx.%u", (unsigned long long)h, n);
}

/* Finds the file holding `name`: returns 1 and its file name, or 0 and
   the first free file name. */
static int
sub_find(int dfd, const char *name, char out[40])
{
	for (unsigned n = 0; n < 1000; n++) {
		struct buf b = BUF_INIT;
		int r;

		sub_name(name, n, out);
		r = file_read_all_at(dfd, out, STORE_MAILBOX_NAME_MAX + 8, &b,
				     NULL);
		if (r < 0 && errno == ENOENT) {
			buf_free(&b);
			return 0;
		}
		if (r == 0 && strcmp(buf_cstr(&b), name) == 0) {
			buf_free(&b);
			return 1;
		}
		buf_free(&b);
	}
	return -1;
}

int
mdir_subscribe(struct store_user *user, const char *name, bool subscribe,
	       struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	char dir[4200], file[40], cbuf[STORE_MAILBOX_NAME_MAX + 8];
	int dfd, r, ret = 0;

	if (store_mailbox_name_validate(name, err) < 0)
		return -1;
	name = mdir_canonical_name(name, cbuf, sizeof(cbuf));
	sub_dir(u, dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set_errno(err, "mkdir", dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set_errno(err, "open", dir);
	for (unsigned tries = 0; tries < 10; tries++) {
		r = sub_find(dfd, name, file);
		if (r < 0) {
			ret = err_set(err, ERR_LIMIT, "subscription table "
						      "damaged");
			break;
		}
		if (!subscribe) {
			if (r == 1 && unlinkat(dfd, file, 0) < 0 &&
			    errno != ENOENT)
				ret = err_set_errno(err, "unlink", file);
			break;
		}
		if (r == 1)
			break;
		{
			char tmp[64];
			int fd;

			snprintf(tmp, sizeof(tmp), "%s.tmp", file);
			fd = openat(dfd, tmp,
				    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				    0600);
			if (fd < 0 || write_full(fd, name, strlen(name)) < 0) {
				ret = err_set_errno(err, "write", tmp);
				if (fd >= 0)
					close(fd);
				break;
			}
			close(fd);
			/* link() claims the slot atomically */
			r = linkat(dfd, tmp, dfd, file, 0);
			unlinkat(dfd, tmp, 0);
			if (r == 0 || errno != EEXIST) {
				if (r < 0)
					ret = err_set_errno(err, "link", file);
				break;
			}
		}
	}
	close(dfd);
	return ret;
}

int
mdir_subscriptions(struct store_user *user, store_name_cb *cb, void *ctx,
		   struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	VEC(char *) names = VEC_INIT;
	char dir[4200];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	sub_dir(u, dir, sizeof(dir));
	d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_set_errno(err, "opendir", dir);
	while ((de = readdir(d)) != NULL) {
		struct buf b = BUF_INIT;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp") != NULL)
			continue;
		if (file_read_all_at(dirfd(d), de->d_name,
				     STORE_MAILBOX_NAME_MAX + 8, &b,
				     NULL) == 0 &&
		    store_mailbox_name_validate(buf_cstr(&b), NULL) == 0)
			vec_push(&names, buf_steal(&b));
		buf_free(&b);
	}
	closedir(d);
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		if (ret >= 0)
			ret = cb(ctx, names.v[i]);
		free(names.v[i]);
	}
	vec_free(&names);
	return ret < 0 ? ret : 0;
}
