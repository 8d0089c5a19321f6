/* SPDX-License-Identifier: MIT */
/*
 * Accounts' stores: opening (and provisioning) an account tree, STATUS
 * without loading a mailbox, and quota usage.
 *
 * STATUS reads only the newest snapshot's header and the log records after
 * it: every record carries the exact counter changes it causes (computed
 * by its writer against the state it was built on), so MESSAGES, UNSEEN,
 * UIDNEXT, HIGHESTMODSEQ and SIZE need neither the message files nor the
 * per-message index.
 */
#include "store/mdir-private.h"
#include "store/store-path.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens the account-like tree at dir (ownership of dir passes). With
   create, the tree and the mailbox `first` are created when missing. */
static int
open_tree(struct store *store, const char *id, struct buf *dirp, bool create,
	  const char *first, struct store_user **user_r, struct err *err)
{
	struct buf dir = *dirp;
	struct mdir_user *u;
	struct stat sb;
	char meta[4200];

	if (stat(buf_cstr(&dir), &sb) < 0) {
		if (errno != ENOENT || !create) {
			err_set(err, errno == ENOENT ? ERR_NOTFOUND : ERR_TEMP,
				"%s has no mail store", id);
			buf_free(&dir);
			return -1;
		}
		if (mkdir_parents(buf_cstr(&dir), 0700) < 0) {
			err_set_errno(err, "mkdir", buf_cstr(&dir));
			buf_free(&dir);
			return -1;
		}
	}
	snprintf(meta, sizeof(meta), "%s/" MDIR_ACCOUNT_DIR, buf_cstr(&dir));
	if (mkdir(meta, 0700) < 0 && errno != EEXIST) {
		err_set_errno(err, "mkdir", meta);
		buf_free(&dir);
		return -1;
	}
	u = xcalloc(1, sizeof(*u));
	u->pub.v = &mdir_vfuncs;
	u->pub.store = store;
	u->pub.userid = xstrdup(id);
	u->pub.dir = buf_steal(&dir);
	u->acct_fd = -1;
	if (create && first != NULL &&
	    mdir_mailbox_kind(&u->pub, first) != STORE_MAILBOX_SELECTABLE) {
		struct err cerr;

		if (mdir_mailbox_create(&u->pub, first, NULL, &cerr) < 0 &&
		    cerr.code != ERR_EXISTS) {
			if (err != NULL)
				*err = cerr;
			mdir_user_close(&u->pub);
			return -1;
		}
	}
	*user_r = &u->pub;
	return 0;
}

int
mdir_user_open(struct store *store, const char *userid,
	       const char *userdir_override, bool create,
	       struct store_user **user_r, struct err *err)
{
	struct buf dir = BUF_INIT;

	if (store_account_dir(userdir_override != NULL ? userdir_override
						       : store->userdir,
			      userid, &dir, err) < 0) {
		buf_free(&dir);
		return -1;
	}
	return open_tree(store, userid, &dir, create, STORE_INBOX, user_r,
			 err);
}

int
mdir_shared_open(struct store *store, const char *name, const char *path,
		 bool create, struct store_user **user_r, struct err *err)
{
	struct buf dir = BUF_INIT;
	char *id;
	int ret;

	if (store_mailbox_name_validate(name, err) < 0 ||
	    strchr(name, STORE_HIERARCHY_SEP) != NULL)
		return err_set(err, ERR_PARAMS, "invalid shared root name");
	if (path != NULL) {
		if (path[0] != '/')
			return err_set(err, ERR_PARAMS,
				       "shared root path must be absolute");
		buf_append_str(&dir, path);
	} else {
		if (store->shared_root_dir[0] == '\0')
			return err_set(err, ERR_PARAMS,
				       "shared_root_dir is not set");
		buf_printf(&dir, "%s/", store->shared_root_dir);
		if (store_path_encode_component(name, strlen(name), &dir,
						err) < 0) {
			buf_free(&dir);
			return -1;
		}
	}
	id = xasprintf("#shared/%s", name);
	ret = open_tree(store, id, &dir, create, name, user_r, err);
	free(id);
	return ret;
}

void
mdir_user_close(struct store_user *user)
{
	free(user->userid);
	free(user->dir);
	free(user);
}

void
mdir_user_set_quota(struct store_user *user, uint64_t limit)
{
	((struct mdir_user *)user)->quota_limit = limit;
}

/* ---- STATUS from headers and log records ---- */

struct counters {
	uint32_t messages, unseen, deleted, uidnext, recent_next;
	uint64_t size, highestmodseq, seq;
	uint32_t gen;
};

static void
count_record(struct counters *c, const uint8_t *data, size_t len,
	     uint64_t seq)
{
	struct mdir_rec_iter *it = xmalloc(sizeof(*it));
	struct mdir_op op;

	if (mdir_rec_parse(data, len, it, NULL) < 0) {
		free(it);
		return;
	}
	while (mdir_rec_next(it, &op)) {
		switch (op.type) {
		case MDIR_OP_APPEND:
			if (op.u.append.uid < c->uidnext)
				break;
			c->messages++;
			c->size += op.u.append.size;
			if ((op.u.append.flags & STORE_FLAG_SEEN) == 0)
				c->unseen++;
			if (op.u.append.flags & STORE_FLAG_DELETED)
				c->deleted++;
			c->uidnext = op.u.append.uid + 1;
			c->highestmodseq = seq;
			break;
		case MDIR_OP_FLAGS:
			c->unseen += (uint32_t)op.u.flags.unseen_delta;
			c->deleted += (uint32_t)op.u.flags.deleted_delta;
			c->highestmodseq = seq;
			break;
		case MDIR_OP_EXPUNGE:
			c->messages -= op.u.expunge.count;
			c->size -= op.u.expunge.bytes;
			c->unseen += (uint32_t)op.u.expunge.unseen_delta;
			c->deleted += (uint32_t)op.u.expunge.deleted_delta;
			c->highestmodseq = seq;
			break;
		case MDIR_OP_RECENT:
			if (op.u.recent.next > c->recent_next)
				c->recent_next = op.u.recent.next;
			break;
		case MDIR_OP_CLOSE:
			c->gen = op.u.close.next_gen;
			break;
		}
	}
	free(it);
}

static int
read_index_header(int mdir_fd, uint32_t gen, struct mdir_index_header *h,
		  struct err *err)
{
	uint8_t data[MDIR_INDEX_HEADER_SIZE];
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "index.%u", gen);
	fd = openat(mdir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set_errno(err, "open", name);
	if (read_full(fd, data, sizeof(data)) != sizeof(data)) {
		close(fd);
		return err_set(err, ERR_CORRUPT, "%s: truncated", name);
	}
	close(fd);
	return mdir_index_header_decode(data, sizeof(data), h, err);
}

/* Counters of the mailbox whose .mdir is mdir_fd, without loading it.
   Returns 0, or -1 if the files do not allow it (the caller then loads the
   full state, which also repairs what can be repaired). */
static int
quick_counters(int mdir_fd, bool append, struct counters *c, struct err *err)
{
	struct mdir_index_header h;
	uint32_t older, gen = mdir_newest_index(mdir_fd, &older);
	struct buf rec = BUF_INIT;
	struct mdir_log log;
	bool open = false;

	if (gen == 0 || read_index_header(mdir_fd, gen, &h, err) < 0)
		return -1;
	mdir_log_init(&log, append);
	memset(c, 0, sizeof(*c));
	c->messages = h.messages;
	c->unseen = h.unseen;
	c->deleted = h.deleted;
	c->uidnext = h.uidnext;
	c->recent_next = h.recent_next;
	c->size = h.total_size;
	c->highestmodseq = h.highestmodseq;
	c->seq = h.base_seq;
	c->gen = gen;
	for (;;) {
		uint32_t g = c->gen;
		int r;

		if (!open) {
			if (mdir_log_open(&log, mdir_fd, c->gen, c->seq,
					  NULL) < 0)
				break; /* retired under us: good enough */
			open = true;
		}
		r = mdir_log_read_next(&log, &rec, err);
		if (r <= 0)
			break;
		count_record(c, rec.data, rec.len, ++c->seq);
		if (c->gen != g)
			open = false;
	}
	mdir_log_close(&log);
	buf_free(&rec);
	return 0;
}

static void
fill_status(struct store_status *st, const struct counters *c,
	    uint32_t uidvalidity)
{
	st->messages = c->messages;
	st->unseen = c->unseen;
	st->deleted = c->deleted;
	st->uidnext = c->uidnext;
	st->uidvalidity = uidvalidity;
	st->highestmodseq = c->highestmodseq;
	st->size = c->size;
}

int
mdir_mailbox_status(struct store_user *user, const char *name, unsigned items,
		    struct store_status *out, struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	struct mdir_state *st;
	struct counters c;
	struct mdir_header h;
	int fd;

	memset(out, 0, sizeof(*out));
	if (mdir_mailbox_open_dir(u, name, &fd, err) < 0)
		return -1;
	if ((items & STORE_STATUS_RECENT) == 0) {
		uint8_t hb[MDIR_HEADER_SIZE + 1];
		int hfd = openat(fd, "header", O_RDONLY | O_CLOEXEC);
		ssize_t n = hfd < 0 ? -1 : read_full(hfd, hb, sizeof(hb));

		if (hfd >= 0)
			close(hfd);
		if (n > 0 && mdir_header_decode(hb, (size_t)n, &h, NULL) == 0 &&
		    quick_counters(fd, (h.flags & MDIR_HEADER_APPEND_LOG) != 0,
				   &c, NULL) == 0) {
			fill_status(out, &c, h.uidvalidity);
			close(fd);
			return 0;
		}
	}
	/* load the state (needed for RECENT, or to repair) */
	if (mdir_state_get(user->store, fd, &st, err) < 0)
		return -1;
	pthread_rwlock_rdlock(&st->lock);
	c.messages = st->n;
	c.unseen = st->unseen;
	c.deleted = st->deleted;
	c.uidnext = st->uidnext;
	c.size = st->total_size;
	c.highestmodseq = st->highestmodseq;
	fill_status(out, &c, st->header.uidvalidity);
	if (items & STORE_STATUS_RECENT) {
		bool found;

		for (uint32_t pos = mdir_find_uid(st, st->recent_next, &found);
		     pos < st->n; pos++)
			out->recent++;
	}
	pthread_rwlock_unlock(&st->lock);
	mdir_state_put(&st);
	return 0;
}

/* ---- quota usage ---- */

struct usage_ctx {
	struct store_user *user;
	uint64_t bytes, messages;
	bool recalc;
	struct err *err;
	int ret;
};

static uint64_t
files_size(struct mdir_user *u, const char *name, uint64_t *count_r)
{
	struct buf path = BUF_INIT;
	uint64_t total = 0;
	struct dirent *de;
	DIR *d;

	*count_r = 0;
	if (mdir_mailbox_path(u, name, &path, NULL) < 0) {
		buf_free(&path);
		return 0;
	}
	buf_append_str(&path, "/" MDIR_DIR "/msg");
	d = opendir(buf_cstr(&path));
	while (d != NULL && (de = readdir(d)) != NULL) {
		struct stat sb;
		uint8_t guid[16];
		uint32_t uid;

		if (mdir_msg_name_parse(de->d_name, &uid, guid) == 0 &&
		    fstatat(dirfd(d), de->d_name, &sb, 0) == 0) {
			total += (uint64_t)sb.st_size;
			(*count_r)++;
		}
	}
	if (d != NULL)
		closedir(d);
	buf_free(&path);
	return total;
}

static int
usage_cb(void *vctx, const struct store_mailbox_info *info)
{
	struct usage_ctx *c = vctx;
	struct store_status st;

	if (info->noselect)
		return 0;
	if (c->recalc) {
		uint64_t n;

		c->bytes += files_size((struct mdir_user *)c->user,
				       info->name, &n);
		c->messages += n;
		return 0;
	}
	if (mdir_mailbox_status(c->user, info->name,
				STORE_STATUS_MESSAGES | STORE_STATUS_SIZE, &st,
				c->err) < 0) {
		/* a mailbox removed while we walk is not an error */
		if (c->err != NULL && c->err->code == ERR_NOTFOUND)
			return 0;
		c->ret = -1;
		return -1;
	}
	c->bytes += st.size;
	c->messages += st.messages;
	return 0;
}

static int
usage(struct store_user *user, bool recalc, uint64_t *bytes_r,
      uint64_t *messages_r, struct err *err)
{
	struct usage_ctx c = { user, 0, 0, recalc, err, 0 };

	if (mdir_mailbox_list(user, usage_cb, &c, err) < 0 || c.ret < 0)
		return -1;
	*bytes_r = c.bytes;
	*messages_r = c.messages;
	return 0;
}

int
mdir_user_usage(struct store_user *user, uint64_t *bytes_r,
		uint64_t *messages_r, struct err *err)
{
	return usage(user, false, bytes_r, messages_r, err);
}

int
mdir_user_usage_recalc(struct store_user *user, uint64_t *bytes_r,
		       uint64_t *messages_r, struct err *err)
{
	return usage(user, true, bytes_r, messages_r, err);
}

int
mdir_quota_check(struct mdir_user *u, uint64_t add, struct err *err)
{
	uint64_t bytes, messages;

	if (u->quota_limit == 0)
		return 0;
	if (mdir_user_usage(&u->pub, &bytes, &messages, err) < 0)
		return -1;
	if (bytes + add > u->quota_limit)
		return err_set(err, ERR_NOQUOTA, "Quota exceeded (mailbox "
						 "for user is full)");
	return 0;
}
