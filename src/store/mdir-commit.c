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

void
mdir_seq_name(uint64_t seq, char out[24])
{
	snprintf(out, 24, "%llu", (unsigned long long)seq);
}

int
mdir_read_record(struct mdir_state *st, int log_fd, uint64_t seq,
		 struct buf *out, struct err *err)
{
	char name[24];
	struct stat sb;
	ssize_t n;
	int fd;

	(void)st;
	mdir_seq_name(seq, name);
	fd = openat(log_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set_errno(err, "open", name);
	}
	if (fstat(fd, &sb) < 0) {
		err_set_errno(err, "fstat", name);
		close(fd);
		return -1;
	}
	buf_clear(out);
	if (sb.st_size > (off_t)MDIR_REC_MAX ||
	    buf_reserve(out, (size_t)sb.st_size + 1) < 0) {
		close(fd);
		/* an oversized record is damage; let apply reject it */
		buf_append(out, "", 0);
		return 1;
	}
	n = read_full(fd, out->data, (size_t)sb.st_size + 1);
	close(fd);
	if (n < 0)
		return err_set_errno(err, "read", name);
	out->len = (size_t)n;
	return 1;
}

static int
write_temp(struct mdir_state *st, const struct buf *rec, bool durable,
	   char *tmpname, size_t size, struct err *err)
{
	char uniq[UNIQUE_NAME_MAX];
	int fd;

	unique_name(uniq, sizeof(uniq));
	snprintf(tmpname, size, "rec.%s", uniq);
	fd = openat(st->tmp_fd, tmpname,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set_errno(err, "open", tmpname);
	if (write_full(fd, rec->data, rec->len) < 0 ||
	    (durable && fdatasync(fd) < 0)) {
		err_set_errno(err, "write", tmpname);
		close(fd);
		unlinkat(st->tmp_fd, tmpname, 0);
		return -1;
	}
	close(fd);
	return 0;
}

/* Commits with st->lock held exclusively. On success *log_fd_r is a
   duplicate of the log directory the record went into (for the caller's
   directory fsync), or -1. */
static int
commit_locked(struct mdir_state *st, mdir_build_fn *build,
	      mdir_applied_fn *applied, void *ctx, bool durable,
	      int *log_fd_r, struct err *err)
{
	struct buf rec = BUF_INIT;
	char tmpname[UNIQUE_NAME_MAX + 8];
	bool have_tmp = false;
	int ret = -1;

	*log_fd_r = -1;
	for (unsigned attempt = 0;; attempt++) {
		char seqname[24];
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
		if (have_tmp)
			unlinkat(st->tmp_fd, tmpname, 0);
		have_tmp = false;
		if (write_temp(st, &rec, durable, tmpname, sizeof(tmpname),
			       err) < 0)
			break;
		have_tmp = true;
		mdir_seq_name(st->seq + 1, seqname);
		if (linkat(st->tmp_fd, tmpname, st->log_fd, seqname, 0) < 0) {
			if (errno == EEXIST || errno == ENOENT)
				continue; /* lost the race: refresh, rebuild */
			err_set_errno(err, "link", seqname);
			break;
		}
		if (mdir_apply_record(st, rec.data, rec.len, st->seq + 1,
				      err) < 0)
			break;
		if (applied != NULL)
			applied(st, st->seq, ctx);
		if (durable)
			*log_fd_r = dup(st->log_fd);
		ret = 1;
		break;
	}
	if (have_tmp)
		unlinkat(st->tmp_fd, tmpname, 0);
	buf_free(&rec);
	return ret;
}

int
mdir_commit(struct mdir_state *st, mdir_build_fn *build,
	    mdir_applied_fn *applied, void *ctx, bool durable,
	    struct err *err)
{
	int log_fd, ret;

	pthread_rwlock_wrlock(&st->lock);
	ret = commit_locked(st, build, applied, ctx, durable, &log_fd, err);
	if (ret > 0) {
		struct err cerr;

		/* compaction failure never fails the commit itself */
		if (mdir_compact_locked(st, false, &cerr) < 0)
			log_err("mdir: compaction failed: %s", cerr.msg);
	}
	pthread_rwlock_unlock(&st->lock);
	if (log_fd >= 0) {
		/* the link must be durable before we acknowledge */
		if (fsync_dirfd(log_fd) < 0) {
			err_set_errno(err, "fsync", "log directory");
			ret = -1;
		}
		close(log_fd);
	}
	if (ret > 0)
		mdir_notify_changed(st);
	return ret;
}

int
mdir_commit_locked(struct mdir_state *st, mdir_build_fn *build,
		   mdir_applied_fn *applied, void *ctx, struct err *err)
{
	int log_fd, ret;

	ret = commit_locked(st, build, applied, ctx, st->store->set.fsync,
			    &log_fd, err);
	if (log_fd >= 0) {
		if (fsync_dirfd(log_fd) < 0) {
			err_set_errno(err, "fsync", "log directory");
			ret = -1;
		}
		close(log_fd);
	}
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
