/* SPDX-License-Identifier: MIT */
/*
 * Appends (IMAP APPEND/MULTIAPPEND, LMTP delivery, COPY) with group commit.
 *
 * Durability discipline for a message (docs/storage-format.md):
 *   1. the message is written to .mdir/tmp/<staging> and fdatasync()ed;
 *   2. tmp/ is fsync()ed so the staging name survives a power cut;
 *   3. an APPEND record naming the staging file is committed (record file
 *      fdatasync()ed, linked into the log, log directory fsync()ed):
 *      this is the commit point, only now is the client told OK / 250;
 *   4. the staging file is renamed to msg/<uid>.<guid> (not synced: a
 *      reader or compaction completes the rename after a crash).
 * A crash before 3 leaves only an unreferenced staging file, removed after
 * a day; a crash after 3 loses nothing.
 *
 * Concurrent transactions on one mailbox in this process share steps 2-3:
 * the first to arrive becomes the leader and commits everything queued
 * meanwhile in one record (group commit).
 */
#include "store/mdir-private.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/rand.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest number of messages one batch record carries. */
#define MDIR_BATCH_MAX_MSGS 256
#define MDIR_BATCH_MAX_BYTES (16u * 1024 * 1024)

struct mdir_append_msg {
	char staging[UNIQUE_NAME_MAX];
	uint8_t guid[16];
	uint64_t size;
	int64_t internaldate;
	uint32_t flags;
	char **kw;
	uint16_t nkw;
	uint8_t *blob;
	uint32_t blob_len;
	uint32_t uid; /* assigned at commit */
};

struct mdir_append {
	struct store_append pub;
	struct mdir_user *user;
	struct mdir_state *st;
	char *name;
	VEC(struct mdir_append_msg) msgs;
	struct mdir_append_msg cur;
	int fd;	     /* message being streamed, -1 if none */
	bool failed; /* a write failed: only abort is possible */
	bool no_quota; /* a MOVE inside one account does not grow usage */
};

struct mdir_append_req {
	struct mdir_append *txn;
	bool done;
	int ret;
	struct err err;
};

static void
msg_free(struct mdir_append_msg *m)
{
	for (uint16_t i = 0; i < m->nkw; i++)
		free(m->kw[i]);
	free(m->kw);
	free(m->blob);
	memset(m, 0, sizeof(*m));
}

static int
set_meta(struct mdir_append_msg *m, int64_t internaldate, uint32_t flags,
	 const char *const *kw, size_t nkw, struct err *err)
{
	if (nkw > STORE_KEYWORDS_PER_MESSAGE_MAX)
		return err_set(err, ERR_LIMIT, "too many keywords");
	for (size_t i = 0; i < nkw; i++) {
		size_t len = strlen(kw[i]);

		if (len == 0 || len > STORE_KEYWORD_MAX_LEN)
			return err_set(err, ERR_PARAMS, "invalid keyword");
	}
	memset(m, 0, sizeof(*m));
	m->internaldate = internaldate;
	m->flags = flags & STORE_FLAGS_STORABLE;
	m->nkw = (uint16_t)nkw;
	m->kw = nkw > 0 ? xcalloc(nkw, sizeof(*m->kw)) : NULL;
	for (size_t i = 0; i < nkw; i++)
		m->kw[i] = xstrdup(kw[i]);
	rand_bytes(m->guid, sizeof(m->guid));
	unique_name(m->staging, sizeof(m->staging));
	return 0;
}

void
mdir_append_no_quota(struct store_append *pub)
{
	((struct mdir_append *)pub)->no_quota = true;
}

int
mdir_append_begin(struct store_user *user, const char *name,
		  struct store_append **txn_r, struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	struct mdir_append *txn;
	struct mdir_state *st;
	int fd;

	if (mdir_mailbox_open_dir(u, name, &fd, err) < 0 ||
	    mdir_state_get(user->store, fd, &st, err) < 0)
		return -1;
	txn = xcalloc(1, sizeof(*txn));
	txn->pub.v = &mdir_vfuncs;
	txn->user = u;
	txn->st = st;
	txn->name = xstrdup(name);
	txn->fd = -1;
	*txn_r = &txn->pub;
	return 0;
}

int
mdir_append_msg_begin(struct store_append *pub, int64_t internaldate,
		      uint32_t flags, const char *const *keywords,
		      size_t keyword_count, struct err *err)
{
	struct mdir_append *txn = (struct mdir_append *)pub;

	if (txn->fd >= 0 || txn->failed)
		return err_set(err, ERR_PARAMS, "append in progress");
	if (set_meta(&txn->cur, internaldate, flags, keywords, keyword_count,
		     err) < 0)
		return -1;
	/* read-write: the cache builder maps the finished file */
	txn->fd = openat(txn->st->tmp_fd, txn->cur.staging,
			 O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (txn->fd < 0) {
		msg_free(&txn->cur);
		return err_set_errno(err, "open", txn->cur.staging);
	}
	return 0;
}

int
mdir_append_msg_write(struct store_append *pub, const void *data, size_t len,
		      struct err *err)
{
	struct mdir_append *txn = (struct mdir_append *)pub;

	if (txn->fd < 0)
		return err_set(err, ERR_PARAMS, "no message in progress");
	if (write_full(txn->fd, data, len) < 0) {
		txn->failed = true;
		return err_set_errno(err, "write", txn->cur.staging);
	}
	txn->cur.size += len;
	return 0;
}

/* Builds the cache blob from the finished file. */
static void
build_blob(struct mdir_append *txn, struct mdir_append_msg *m, int fd)
{
	store_cache_builder_fn *builder = txn->st->store->set.cache_builder;
	struct buf blob = BUF_INIT;
	void *map = NULL;

	if (builder == NULL)
		return;
	if (m->size > 0) {
		map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return;
	}
	if (builder(map != NULL ? map : (const uint8_t *)"", m->size, &blob) ==
		    0 &&
	    blob.len <= MDIR_BLOB_MAX) {
		m->blob_len = (uint32_t)blob.len;
		m->blob = (uint8_t *)buf_steal(&blob);
	}
	buf_free(&blob);
	if (map != NULL)
		munmap(map, m->size);
}

/* Makes the staging file durable (unless its data is known to be
   already), dates it and summarises it. */
static int
finish_file(struct mdir_append *txn, struct mdir_append_msg *m, int fd,
	    bool durable, struct err *err)
{
	struct timespec ts[2];

	ts[0].tv_sec = ts[1].tv_sec = m->internaldate;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	/* INTERNALDATE is kept as the file's mtime too, so that it can be
	   recovered from the files alone */
	if (futimens(fd, ts) < 0)
		log_debug("mdir: futimens failed: %m");
	if (txn->st->store->set.fsync && !durable && fdatasync(fd) < 0)
		return err_set_errno(err, "fdatasync", m->staging);
	if (m->blob == NULL)
		build_blob(txn, m, fd);
	return 0;
}

int
mdir_append_msg_finish(struct store_append *pub, struct err *err)
{
	struct mdir_append *txn = (struct mdir_append *)pub;
	int ret;

	if (txn->fd < 0 || txn->failed)
		return err_set(err, ERR_PARAMS, "no message in progress");
	ret = finish_file(txn, &txn->cur, txn->fd, false, err);
	close(txn->fd);
	txn->fd = -1;
	if (ret < 0) {
		txn->failed = true;
		return -1;
	}
	vec_push(&txn->msgs, txn->cur);
	memset(&txn->cur, 0, sizeof(txn->cur));
	return 0;
}

/* Copies src into a new staging file (the source is on another file
   system, so it cannot be hard-linked). */
static int
copy_file(struct mdir_append *txn, int src, struct mdir_append_msg *m,
	  struct err *err)
{
	char buf[65536];
	int dst = openat(txn->st->tmp_fd, m->staging,
			 O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n;

	if (dst < 0)
		return err_set_errno(err, "open", m->staging);
	while ((n = read(src, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (write_full(dst, buf, (size_t)n) < 0) {
			n = -1;
			break;
		}
	}
	close(dst);
	if (n < 0) {
		unlinkat(txn->st->tmp_fd, m->staging, 0);
		return err_set_errno(err, "copy", m->staging);
	}
	return 0;
}

int
mdir_append_add_fd(struct mdir_append *txn, int dirfd, const char *path,
		   int64_t internaldate, uint32_t flags,
		   const char *const *kw, size_t nkw, const uint8_t *guid,
		   const uint8_t *blob, uint32_t blob_len, bool *src_durable,
		   struct err *err)
{
	struct mdir_append_msg m;
	struct stat sb;
	bool linked = true;
	int fd, ret = 0;

	if (txn->fd >= 0 || txn->failed)
		return err_set(err, ERR_PARAMS, "append in progress");
	if (set_meta(&m, internaldate, flags, kw, nkw, err) < 0)
		return -1;
	if (guid != NULL)
		memcpy(m.guid, guid, 16);
	/* AT_SYMLINK_FOLLOW: path may be /proc/self/fd/<n> naming an
	   unnamed (O_TMPFILE) file, which is how it gets its first name */
	if (linkat(dirfd, path, txn->st->tmp_fd, m.staging,
		   AT_SYMLINK_FOLLOW) < 0) {
		int src;

		/* ENOENT too: an unnamed file whose first link was removed
		   again (a recipient before this one failed) cannot be
		   linked any more, but it can still be opened and copied */
		if (errno != EXDEV && errno != EPERM && errno != EMLINK &&
		    errno != ENOENT) {
			msg_free(&m);
			return err_set_errno(err, "link", path);
		}
		src = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
		linked = false;
		if (src < 0 || copy_file(txn, src, &m, err) < 0) {
			if (src < 0)
				err_set_errno(err, "open", path);
			else
				close(src);
			msg_free(&m);
			return -1;
		}
		close(src);
	}
	fd = openat(txn->st->tmp_fd, m.staging, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		ret = err_set_errno(err, "open", m.staging);
	} else {
		/* a link shares the source's inode: if its data is
		   durable, so is this copy's (fdatasync() would only cost
		   a device flush); a copy is new data */
		bool *shared = linked ? src_durable : NULL;

		m.size = (uint64_t)sb.st_size;
		if (blob != NULL && blob_len <= MDIR_BLOB_MAX) {
			m.blob = xmemdup(blob, blob_len);
			m.blob_len = blob_len;
		}
		ret = finish_file(txn, &m, fd, shared != NULL && *shared, err);
		if (ret == 0 && shared != NULL && txn->st->store->set.fsync)
			*shared = true;
	}
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		unlinkat(txn->st->tmp_fd, m.staging, 0);
		msg_free(&m);
		return -1;
	}
	vec_push(&txn->msgs, m);
	return 0;
}

int
mdir_append_add_file(struct store_append *pub, const char *path,
		     int64_t internaldate, uint32_t flags,
		     const char *const *keywords, size_t keyword_count,
		     const uint8_t *blob, size_t blob_len, bool *src_durable,
		     struct err *err)
{
	if (blob_len > MDIR_BLOB_MAX)
		blob = NULL; /* too big to cache: summarised on demand */
	return mdir_append_add_fd((struct mdir_append *)pub, AT_FDCWD, path,
				  internaldate, flags, keywords, keyword_count,
				  NULL, blob, (uint32_t)blob_len, src_durable,
				  err);
}

static void
txn_free(struct mdir_append *txn, bool unlink_staging)
{
	if (txn->fd >= 0) {
		close(txn->fd);
		unlinkat(txn->st->tmp_fd, txn->cur.staging, 0);
		msg_free(&txn->cur);
	}
	for (size_t i = 0; i < txn->msgs.n; i++) {
		if (unlink_staging)
			unlinkat(txn->st->tmp_fd, txn->msgs.v[i].staging, 0);
		msg_free(&txn->msgs.v[i]);
	}
	vec_free(&txn->msgs);
	mdir_state_put(&txn->st);
	free(txn->name);
	free(txn);
}

void
mdir_append_abort(struct store_append *pub)
{
	txn_free((struct mdir_append *)pub, true);
}

struct batch {
	struct mdir_append_req **reqs;
	size_t n;
	struct mdir_str kw[STORE_KEYWORDS_PER_MESSAGE_MAX];
};

static int
build_batch(struct mdir_state *st, struct buf *rec, void *ctx,
	    struct err *err)
{
	struct batch *b = ctx;
	uint32_t uid = st->uidnext;
	int64_t now = time_now();

	for (size_t r = 0; r < b->n; r++) {
		struct mdir_append *txn = b->reqs[r]->txn;

		if (UINT32_MAX - uid < txn->msgs.n)
			return err_set(err, ERR_LIMIT, "mailbox UIDs "
							"exhausted");
		for (size_t i = 0; i < txn->msgs.n; i++) {
			struct mdir_append_msg *m = &txn->msgs.v[i];
			struct mdir_op op;

			memset(&op, 0, sizeof(op));
			op.type = MDIR_OP_APPEND;
			m->uid = uid++;
			op.u.append.uid = m->uid;
			op.u.append.flags = m->flags;
			op.u.append.size = m->size;
			op.u.append.internaldate = m->internaldate;
			op.u.append.savedate = now;
			memcpy(op.u.append.guid, m->guid, 16);
			for (uint16_t k = 0; k < m->nkw; k++) {
				b->kw[k].p = m->kw[k];
				b->kw[k].len = (uint16_t)strlen(m->kw[k]);
			}
			op.u.append.kw = b->kw;
			op.u.append.nkw = m->nkw;
			op.u.append.staging.p = m->staging;
			op.u.append.staging.len = (uint16_t)strlen(m->staging);
			op.u.append.blob = m->blob;
			op.u.append.blob_len = m->blob_len;
			mdir_rec_add(rec, &op);
		}
	}
	return 1;
}

/* Leader: commits one batch of queued transactions. */
static int
commit_batch(struct mdir_state *st, struct batch *b, struct err *err)
{
	int ret;

	if (st->store->set.fsync && fsync_dirfd(st->tmp_fd) < 0)
		return err_set_errno(err, "fsync", "tmp");
	ret = mdir_commit(st, build_batch, NULL, b, st->store->set.fsync, err);
	if (ret <= 0)
		return -1;
	for (size_t r = 0; r < b->n; r++) {
		struct mdir_append *txn = b->reqs[r]->txn;

		for (size_t i = 0; i < txn->msgs.n; i++) {
			struct mdir_append_msg *m = &txn->msgs.v[i];
			char name[MDIR_MSG_NAME_MAX];

			mdir_msg_name(m->uid, m->guid, name);
			/* ENOENT: a reader already completed the rename */
			if (renameat(st->tmp_fd, m->staging, st->msg_fd,
				     name) < 0 &&
			    errno != ENOENT)
				log_warning("mdir: rename(tmp/%s) failed: %m",
					    m->staging);
		}
	}
	return 0;
}

/* Takes queued requests for one batch; caller holds append_lock. */
static void
take_batch(struct mdir_state *st, struct batch *b)
{
	size_t msgs = 0, bytes = 0, n = 0;

	while (n < st->append_queue.n) {
		struct mdir_append *txn = st->append_queue.v[n]->txn;
		size_t tb = 0;

		for (size_t i = 0; i < txn->msgs.n; i++)
			tb += txn->msgs.v[i].blob_len + 512;
		if (n > 0 && (msgs + txn->msgs.n > MDIR_BATCH_MAX_MSGS ||
			      bytes + tb > MDIR_BATCH_MAX_BYTES))
			break;
		msgs += txn->msgs.n;
		bytes += tb;
		n++;
	}
	b->reqs = xmemdup(st->append_queue.v, n * sizeof(*b->reqs));
	b->n = n;
	memmove(st->append_queue.v, st->append_queue.v + n,
		(st->append_queue.n - n) * sizeof(*b->reqs));
	st->append_queue.n -= n;
}

static int
group_commit(struct mdir_state *st, struct mdir_append_req *req)
{
	pthread_mutex_lock(&st->append_lock);
	vec_push(&st->append_queue, req);
	while (!req->done && st->append_leader)
		pthread_cond_wait(&st->append_cond, &st->append_lock);
	if (!req->done) {
		st->append_leader = true;
		while (st->append_queue.n > 0) {
			struct batch b;
			struct err err;
			int ret;

			memset(&b, 0, sizeof(b));
			take_batch(st, &b);
			pthread_mutex_unlock(&st->append_lock);
			ret = commit_batch(st, &b, &err);
			pthread_mutex_lock(&st->append_lock);
			for (size_t i = 0; i < b.n; i++) {
				b.reqs[i]->ret = ret;
				if (ret < 0)
					b.reqs[i]->err = err;
				b.reqs[i]->done = true;
			}
			free(b.reqs);
			pthread_cond_broadcast(&st->append_cond);
		}
		st->append_leader = false;
		pthread_cond_broadcast(&st->append_cond);
	}
	pthread_mutex_unlock(&st->append_lock);
	return req->ret;
}

int
mdir_append_commit(struct store_append *pub, uint32_t *uidvalidity_r,
		   struct store_uid_set *uids_r, struct err *err)
{
	struct mdir_append *txn = (struct mdir_append *)pub;
	struct mdir_append_req req;
	uint64_t bytes = 0;

	if (txn->fd >= 0 || txn->failed) {
		txn_free(txn, true);
		return err_set(err, ERR_PARAMS, "incomplete append");
	}
	if (txn->msgs.n == 0) {
		txn_free(txn, true);
		return err_set(err, ERR_PARAMS, "nothing to append");
	}
	for (size_t i = 0; i < txn->msgs.n; i++)
		bytes += txn->msgs.v[i].size;
	if (!txn->no_quota && mdir_quota_check(txn->user, bytes, err) < 0) {
		txn_free(txn, true);
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.txn = txn;
	if (group_commit(txn->st, &req) < 0) {
		if (err != NULL)
			*err = req.err;
		txn_free(txn, true);
		return -1;
	}
	if (uidvalidity_r != NULL)
		*uidvalidity_r = txn->st->header.uidvalidity;
	for (size_t i = 0; uids_r != NULL && i < txn->msgs.n; i++)
		store_uid_set_add(uids_r, txn->msgs.v[i].uid,
				  txn->msgs.v[i].uid);
	{
		struct store *store = txn->st->store;

		if (store->set.change_hook != NULL)
			store->set.change_hook(store->set.change_hook_ctx,
					       txn->user->pub.userid,
					       txn->name);
	}
	txn_free(txn, false);
	return 0;
}
