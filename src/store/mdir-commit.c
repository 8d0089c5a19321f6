/* SPDX-License-Identifier: MIT */
/*
 * Committing a log record: the lock-free ordering protocol.
 *
 * The log of a mailbox is a sequence of immutable files log.<G>/<seq>.
 * A writer that has applied every record up to seq S builds its record
 * against exactly that state, writes it to a temporary file (fsynced when
 * durable) and link(2)s it to log.<G>/<S+1>. link() fails with EEXIST if
 * another writer (in any process, on any host sharing the file system) took
 * S+1 first; the writer then reads and applies that record and tries again
 * at the next number with a record rebuilt against the new state. A record
 * is visible to readers only once complete (link of a finished file), and
 * no two writers can ever own the same sequence number. See
 * docs/storage-format.md for the argument in full, including NFS.
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
#include <sys/stat.h>
#include <unistd.h>

/* A writer that keeps losing the race this many times gives up. */
#define MDIR_COMMIT_MAX_ATTEMPTS 10000

/* Commits with st->lock held exclusively. On success *dirsync_fd_r may
   hold a directory to fsync before the commit counts as durable. */
static int
commit_locked(struct mdir_state *st, mdir_build_fn *build,
	      mdir_applied_fn *applied, void *ctx, bool durable,
	      int *dirsync_fd_r, struct err *err)
{
	struct buf rec = BUF_INIT;
	int ret = -1;

	*dirsync_fd_r = -1;
	for (unsigned attempt = 0;; attempt++) {
		int r;

		if (attempt >= MDIR_COMMIT_MAX_ATTEMPTS) {
			err_set(err, ERR_TEMP, "mailbox too busy: gave up "
					       "after %u attempts", attempt);
			break;
		}
		if (mdir_state_refresh_locked(st, err) < 0)
			break;
		if (st->deleted_mailbox) {
			err_set(err, ERR_NOTFOUND, "mailbox was deleted");
			break;
		}
		mdir_rec_begin(&rec);
		r = build(st, &rec, ctx, err);
		if (r <= 0) {
			ret = r;
			break;
		}
		mdir_rec_finish(&rec);
		if (rec.len > MDIR_REC_MAX) {
			err_set(err, ERR_LIMIT, "change too large");
			break;
		}
		r = mdir_log_append(&st->log, st->tmp_fd, &rec, durable,
				    dirsync_fd_r, err);
		if (r < 0)
			break;
		if (r == 0)
			continue; /* lost the race: refresh, rebuild, retry */
		if (mdir_apply_record(st, rec.data, rec.len, st->log.seq,
				      err) < 0)
			break;
		if (applied != NULL)
			applied(st, st->seq, ctx);
		ret = 1;
		break;
	}
	buf_free(&rec);
	return ret;
}

static int
dirsync(int fd, struct err *err)
{
	int ret = 0;

	if (fd < 0)
		return 0;
	if (fsync_dirfd(fd) < 0)
		ret = err_set_errno(err, "fsync", "log directory");
	close(fd);
	return ret;
}

int
mdir_commit(struct mdir_state *st, mdir_build_fn *build,
	    mdir_applied_fn *applied, void *ctx, bool durable,
	    struct err *err)
{
	int dfd, ret;

	pthread_rwlock_wrlock(&st->lock);
	ret = commit_locked(st, build, applied, ctx, durable, &dfd, err);
	if (ret > 0) {
		struct err cerr;

		/* compaction failure never fails the commit itself */
		if (mdir_compact_locked(st, false, &cerr) < 0)
			log_err("mdir: compaction failed: %s", cerr.msg);
	}
	pthread_rwlock_unlock(&st->lock);
	/* the link must be durable before we acknowledge */
	if (dirsync(dfd, err) < 0)
		ret = -1;
	if (ret > 0)
		mdir_notify_changed(st);
	return ret;
}

int
mdir_commit_locked(struct mdir_state *st, mdir_build_fn *build,
		   mdir_applied_fn *applied, void *ctx, struct err *err)
{
	int dfd, ret;

	ret = commit_locked(st, build, applied, ctx, st->store->set.fsync,
			    &dfd, err);
	if (dirsync(dfd, err) < 0)
		ret = -1;
	return ret;
}

void
mdir_notify_changed(struct mdir_state *st)
{
	pthread_mutex_lock(&st->watch_lock);
	for (size_t i = 0; i < st->watchers.n; i++)
		st->watchers.v[i].cb(st->watchers.v[i].ctx);
	pthread_mutex_unlock(&st->watch_lock);
}
