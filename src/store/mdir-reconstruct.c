/* SPDX-License-Identifier: MIT */
/*
 * Reconstruct (msadm reconstruct): the index is a cache of the message
 * files; this rebuilds or repairs it from them.
 *
 * Healthy index: messages whose file is missing are expunged, message files
 * the index lacks are adopted (keeping the UID in their name when it is
 * still free, else with a new one), leftovers of expunged messages are
 * deleted, all through ordinary log records.
 *
 * Damaged index (no snapshot loads): a new generation is built from the
 * files. UIDs come from the file names, INTERNALDATE from their mtime and
 * sizes from their length; flags and keywords come from whatever can still
 * be read (an older snapshot and the logs). UIDVALIDITY changes only when
 * the mailbox header itself is lost. The old log is closed with a reset
 * record so that every process reloads the new snapshot.
 */
#include "store/mdir-private.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/rand.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct found_file {
	char *name;
	bool parsed;
	uint32_t uid;
	uint8_t guid[16];
	uint64_t size;
	int64_t mtime;
};

VEC_DECLARE(found_vec, struct found_file);

struct rc_ctx {
	struct mdir_user *u;
	bool dry_run;
	store_reconstruct_cb *cb;
	void *ctx;
};

static int
cmp_found(const void *a, const void *b)
{
	const struct found_file *x = a, *y = b;

	if (x->parsed != y->parsed)
		return x->parsed ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Lists the regular files of msg/. */
static void
scan_files(int msg_fd, struct found_vec *out)
{
	struct dirent *de;
	DIR *d;

	d = opendir_at(msg_fd);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct found_file *f;
		struct stat sb;

		if (de->d_name[0] == '.' ||
		    fstatat(msg_fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		f = vec_push_new(out);
		f->name = xstrdup(de->d_name);
		f->parsed = mdir_msg_name_parse(de->d_name, &f->uid,
						f->guid) == 0;
		f->size = (uint64_t)sb.st_size;
		f->mtime = sb.st_mtime;
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_found);
}

static void
free_files(struct found_vec *files)
{
	for (size_t i = 0; i < files->n; i++)
		free(files->v[i].name);
	vec_free(files);
}

static bool
was_expunged(const struct mdir_state *st, uint32_t uid)
{
	for (size_t i = 0; i < st->expunged.n; i++) {
		if (uid >= st->expunged.v[i].lo && uid <= st->expunged.v[i].hi)
			return true;
	}
	return false;
}

/* Writes the message at msg/<name> into tmp/<staging> with CRLF line
   endings (files dropped in by hand often have bare LFs). */
static int
stage_normalised(struct mdir_state *st, const char *name, const char *staging,
		 uint64_t *size_r, struct err *err)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	int ret = 0;

	if (file_read_all_at(st->msg_fd, name, 1024u * 1024 * 1024, &in,
			     err) < 0) {
		buf_free(&in);
		return -1;
	}
	for (size_t i = 0; i < in.len; i++) {
		if (in.data[i] == '\n' && (i == 0 || in.data[i - 1] != '\r'))
			buf_append_c(&out, '\r');
		buf_append_c(&out, (char)in.data[i]);
	}
	*size_r = out.len;
	if (file_write_atomic_at(st->tmp_fd, staging, out.data, out.len, 0600,
				 st->store->set.fsync, err) < 0)
		ret = -1;
	buf_free(&in);
	buf_free(&out);
	return ret;
}

struct adopt {
	struct found_file *f;
	uint32_t uid;
	uint8_t guid[16];
	char staging[UNIQUE_NAME_MAX];
	uint64_t size;
	uint8_t *blob;
	uint32_t blob_len;
};

struct adopt_ctx {
	struct adopt *a;
	size_t n;
};

static int
cmp_adopt(const void *x, const void *y)
{
	const struct adopt *a = x, *b = y;

	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

static int
build_adopt(struct mdir_state *st, struct buf *rec, void *vctx,
	    struct err *err)
{
	struct adopt_ctx *c = vctx;
	uint32_t next = st->uidnext;

	(void)err;
	/* files are sorted by the UID in their name: keep each such UID
	   that is still unused, give the others new ones after them */
	for (size_t i = 0; i < c->n; i++) {
		struct adopt *a = &c->a[i];

		a->uid = 0;
		if (a->f->parsed && a->f->uid >= next) {
			a->uid = a->f->uid;
			next = a->uid + 1;
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		if (c->a[i].uid == 0) {
			if (next == UINT32_MAX)
				return err_set(err, ERR_LIMIT, "UIDs exhausted");
			c->a[i].uid = next++;
		}
	}
	if (c->n > 1)
		qsort(c->a, c->n, sizeof(*c->a), cmp_adopt);
	for (size_t i = 0; i < c->n; i++) {
		struct adopt *a = &c->a[i];
		struct mdir_op op;

		memset(&op, 0, sizeof(op));
		op.type = MDIR_OP_APPEND;
		op.u.append.uid = a->uid;
		op.u.append.size = a->size;
		op.u.append.internaldate = a->f->mtime;
		op.u.append.savedate = time_now();
		memcpy(op.u.append.guid, a->guid, 16);
		op.u.append.staging.p = a->staging;
		op.u.append.staging.len = (uint16_t)strlen(a->staging);
		op.u.append.blob = a->blob;
		op.u.append.blob_len = a->blob_len;
		mdir_rec_add(rec, &op);
	}
	return c->n > 0 ? 1 : 0;
}

static void
make_blob(struct mdir_state *st, struct adopt *a)
{
	store_cache_builder_fn *builder = st->store->set.cache_builder;
	struct buf blob = BUF_INIT;
	struct stat sb;
	void *m;
	int fd;

	if (builder == NULL)
		return;
	fd = openat(st->tmp_fd, a->staging, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0 && sb.st_size > 0) {
		m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
		if (m != MAP_FAILED) {
			if (builder(m, (size_t)sb.st_size, &blob) == 0 &&
			    blob.len <= MDIR_BLOB_MAX) {
				a->blob_len = (uint32_t)blob.len;
				a->blob = (uint8_t *)buf_steal(&blob);
			}
			munmap(m, (size_t)sb.st_size);
		}
	}
	buf_free(&blob);
	close(fd);
}

/* Adopts files the index does not know; returns the count adopted. */
static int
adopt_files(struct mdir_state *st, struct found_file **files, size_t n,
	    struct store_reconstruct_report *rep, struct err *err)
{
	struct adopt_ctx c = { xcalloc(n + 1, sizeof(struct adopt)), 0 };
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		struct adopt *a = &c.a[c.n];
		struct found_file *f = files[i];

		a->f = f;
		unique_name(a->staging, sizeof(a->staging));
		if (f->parsed)
			memcpy(a->guid, f->guid, 16);
		else
			rand_bytes(a->guid, 16);
		if (stage_normalised(st, f->name, a->staging, &a->size,
				     err) < 0) {
			log_warning("reconstruct: cannot adopt %s: %s",
				    f->name, err->msg);
			continue;
		}
		make_blob(st, a);
		c.n++;
	}
	if (c.n > 0)
		ret = mdir_commit(st, build_adopt, NULL, &c,
				  st->store->set.fsync, err);
	for (size_t i = 0; i < c.n; i++) {
		struct adopt *a = &c.a[i];
		char name[MDIR_MSG_NAME_MAX];

		if (ret > 0) {
			/* the staged copy is now the message (a reader or
			   compaction may have completed the rename already);
			   the file found in msg/ under another name goes */
			mdir_msg_name(a->uid, a->guid, name);
			(void)renameat(st->tmp_fd, a->staging, st->msg_fd,
				       name);
			if (strcmp(name, a->f->name) != 0)
				unlinkat(st->msg_fd, a->f->name, 0);
			if (!a->f->parsed || a->uid != a->f->uid)
				rep->uids_reassigned++;
		} else {
			unlinkat(st->tmp_fd, a->staging, 0);
		}
		free(a->blob);
	}
	free(c.a);
	if (ret < 0)
		return -1;
	rep->adopted += (uint32_t)c.n;
	return 0;
}

/* Repairs a mailbox whose index loads: compares it with the files. */
static int
verify_state(struct mdir_state *st, bool dry_run,
	     struct store_reconstruct_report *rep, struct err *err)
{
	struct found_vec files = VEC_INIT;
	VEC(struct found_file *) unknown = VEC_INIT;
	struct store_uid_set missing = { 0 };
	int ret = 0;

	pthread_rwlock_wrlock(&st->lock);
	if (!dry_run && mdir_compact_locked(st, true, err) < 0)
		log_warning("reconstruct: compaction failed: %s", err->msg);
	scan_files(st->msg_fd, &files);
	/* the index's messages, each needs its file */
	for (uint32_t pos = 0, fi = 0; pos < st->n; pos++) {
		struct mdir_index_record r;
		const struct mdir_tail *t;
		char name[MDIR_MSG_NAME_MAX];
		struct stat sb;

		mdir_cold(st, pos, &r, &t);
		mdir_msg_name(st->uid[pos], r.guid, name);
		if (fstatat(st->msg_fd, name, &sb, 0) < 0 &&
		    !(t != NULL && t->staging != NULL &&
		      fstatat(st->tmp_fd, t->staging, &sb, 0) == 0)) {
			store_uid_set_add(&missing, st->uid[pos],
					  st->uid[pos]);
			rep->missing++;
		}
		(void)fi;
	}
	for (size_t i = 0; i < files.n; i++) {
		struct found_file *f = &files.v[i];
		bool found = false;
		uint32_t pos = 0;

		if (f->parsed)
			pos = mdir_find_uid(st, f->uid, &found);
		if (found) {
			struct mdir_index_record r;
			const struct mdir_tail *t;

			mdir_cold(st, pos, &r, &t);
			if (memcmp(r.guid, f->guid, 16) == 0)
				continue;
		}
		if (f->parsed && !found && f->uid < st->uidnext &&
		    was_expunged(st, f->uid)) {
			if (!dry_run)
				unlinkat(st->msg_fd, f->name, 0);
			rep->changed = true;
			continue;
		}
		vec_push(&unknown, f);
	}
	rep->messages = st->n;
	pthread_rwlock_unlock(&st->lock);
	if (missing.n > 0 || unknown.n > 0)
		rep->changed = true;
	if (!dry_run && missing.n > 0) {
		struct mdir_box box;

		memset(&box, 0, sizeof(box));
		box.st = st;
		ret = mdir_expunge_uids(&box, &missing, true, err);
	}
	if (ret == 0 && !dry_run && unknown.n > 0)
		ret = adopt_files(st, unknown.v, unknown.n, rep, err);
	else if (dry_run)
		rep->adopted = (uint32_t)unknown.n;
	if (ret == 0 && !dry_run) {
		pthread_rwlock_rdlock(&st->lock);
		rep->messages = st->n;
		pthread_rwlock_unlock(&st->lock);
	}
	store_uid_set_free(&missing);
	vec_free(&unknown);
	free_files(&files);
	return ret;
}

/* ---- rebuilding a damaged index ---- */

static bool
parse_num_name(const char *name, const char *prefix, uint64_t *v_r)
{
	size_t plen = strlen(prefix);
	char *end;

	if (strncmp(name, prefix, plen) != 0 || name[plen] < '0' ||
	    name[plen] > '9')
		return false;
	*v_r = strtoull(name + plen, &end, 10);
	return *end == '\0';
}

/* Highest generation number in use and the newest log directory's
   highest record number. */
static void
scan_generations(int mdir_fd, uint32_t *max_gen_r, uint32_t *log_gen_r)
{
	struct dirent *de;
	DIR *d;

	*max_gen_r = *log_gen_r = 0;
	d = opendir_at(mdir_fd);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		uint64_t g;

		if ((parse_num_name(de->d_name, "index.", &g) ||
		     parse_num_name(de->d_name, "cache.", &g) ||
		     parse_num_name(de->d_name, "log.", &g)) &&
		    g < UINT32_MAX && g > *max_gen_r)
			*max_gen_r = (uint32_t)g;
		if (parse_num_name(de->d_name, "log.", &g) &&
		    g < UINT32_MAX && g > *log_gen_r)
			*log_gen_r = (uint32_t)g;
	}
	closedir(d);
}

/* Replays whatever log records can be read, oldest generation first, into
   an empty state: the best available memory of flags and keywords.
   Returns the highest record number seen. */
static uint64_t
replay_all_logs(struct mdir_state *src, uint32_t max_gen)
{
	struct buf rec = BUF_INIT;
	uint64_t max = 0;

	for (uint32_t g = 1; g <= max_gen; g++) {
		struct mdir_log log;

		mdir_log_init(&log, src->log.append);
		if (mdir_log_open_from_start(&log, src->mdir_fd, g, NULL) ==
		    0) {
			while (mdir_log_read_next(&log, &rec, NULL) == 1)
				(void)mdir_apply_record(src, rec.data, rec.len,
							log.seq, NULL);
			if (log.seq > max)
				max = log.seq;
		}
		mdir_log_close(&log);
	}
	buf_free(&rec);
	return max;
}

/* Highest record number in log.<gen>, 0 if none. */
static uint64_t
last_record(int mdir_fd, bool append, uint32_t gen)
{
	struct buf rec = BUF_INIT;
	struct mdir_log log;
	uint64_t seq = 0;

	mdir_log_init(&log, append);
	if (mdir_log_open_from_start(&log, mdir_fd, gen, NULL) == 0) {
		while (mdir_log_read_next(&log, &rec, NULL) == 1)
			;
		seq = log.seq;
	}
	mdir_log_close(&log);
	buf_free(&rec);
	return seq;
}

/* Builds the new state's message list from the files, with flags and
   keywords taken from src where the same message is known there. */
static void
fill_from_files(struct mdir_state *nst, struct mdir_state *src,
		struct found_vec *files,
		struct store_reconstruct_report *rep)
{
	uint32_t next = 1;

	for (size_t i = 0; i < files->n; i++) {
		struct found_file *f = &files->v[i];
		struct mdir_tail *t;
		uint32_t uid, flags = 0, kwset = 0, pos = 0;
		bool found = false;

		/* files without a usable UID are adopted afterwards */
		if (!f->parsed || f->uid < next)
			continue;
		uid = f->uid;
		next = uid + 1;
		if (src != NULL)
			pos = mdir_find_uid(src, uid, &found);
		if (found) {
			struct mdir_index_record r;
			const struct mdir_tail *st;
			const struct mdir_kwset *ks;
			uint16_t idx[STORE_KEYWORDS_PER_MESSAGE_MAX];

			mdir_cold(src, pos, &r, &st);
			if (memcmp(r.guid, f->guid, 16) == 0) {
				flags = src->flags[pos];
				ks = &src->kwsets.v[src->kwset[pos]];
				for (uint16_t k = 0; k < ks->n; k++)
					mdir_keyword_index(
						nst,
						src->kw_names.v[ks->idx[k]],
						strlen(src->kw_names
							       .v[ks->idx[k]]),
						true, &idx[k]);
				(void)mdir_kwset_intern(nst, idx, ks->n,
							&kwset);
			}
		}
		mdir_grow(nst, nst->n + 1);
		t = vec_push_new(&nst->tail);
		t->size = f->size;
		t->internaldate = f->mtime;
		t->savedate = time_now();
		memcpy(t->guid, f->guid, 16);
		pos = nst->n++;
		nst->uid[pos] = uid;
		nst->flags[pos] = flags;
		nst->kwset[pos] = kwset;
		nst->cold[pos] = MDIR_COLD_TAIL | (uint32_t)(nst->tail.n - 1);
	}
	nst->uidnext = next;
	rep->messages = nst->n;
}

static int
build_reset_close(struct mdir_state *st, struct buf *rec, void *ctx,
		  struct err *err)
{
	struct mdir_op op;

	(void)st;
	(void)err;
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_CLOSE;
	op.u.close.next_gen = *(uint32_t *)ctx;
	op.u.close.flags = MDIR_CLOSE_RESET;
	mdir_rec_add(rec, &op);
	return 1;
}

/* Reads the header, or recovers it from a snapshot, or makes a new one
   (new UIDVALIDITY: unavoidable when nothing remembers the old one). */
static int
recover_header(struct mdir_user *u, int mdir_fd, bool dry_run,
	       struct mdir_header *h, struct store_reconstruct_report *rep,
	       struct err *err)
{
	uint8_t data[MDIR_HEADER_SIZE + 1];
	uint32_t older, g = mdir_newest_index(mdir_fd, &older);
	int fd = openat(mdir_fd, "header", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read_full(fd, data, sizeof(data));

	if (fd >= 0)
		close(fd);
	if (n > 0 && mdir_header_decode(data, (size_t)n, h, NULL) == 0)
		return 0;
	rep->index_was_damaged = true;
	memset(h, 0, sizeof(*h));
	for (uint32_t gen = g; gen > 0 && h->uidvalidity == 0;
	     gen = gen == g ? older : 0) {
		uint8_t ib[MDIR_INDEX_HEADER_SIZE];
		struct mdir_index_header ih;
		char name[32];

		snprintf(name, sizeof(name), "index.%u", gen);
		fd = openat(mdir_fd, name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read_full(fd, ib, sizeof(ib)) == sizeof(ib) &&
		    mdir_index_header_decode(ib, sizeof(ib), &ih, NULL) == 0) {
			h->uidvalidity = ih.uidvalidity;
			memcpy(h->guid, ih.guid, 16);
		}
		close(fd);
	}
	if (h->uidvalidity == 0) {
		h->uidvalidity = (uint32_t)time_now();
		rand_bytes(h->guid, 16);
		rep->uidvalidity_changed = true;
	}
	h->created = time_now();
	(void)u;
	if (!dry_run) {
		mdir_header_encode(h, data);
		return file_write_atomic_at(mdir_fd, "header", data,
					    MDIR_HEADER_SIZE,
					    0600, true, err);
	}
	return 0;
}

/* Appends the reset CLOSE to the old generation's log at `base`, so that
   every process reading it switches to the new snapshot. */
static int
close_old_log(struct mdir_state *src, int mdir_fd, uint32_t log_gen,
	      uint32_t ng, uint64_t base)
{
	struct buf rec = BUF_INIT, skip = BUF_INIT;
	struct mdir_log log;
	int dfd = -1, ret = -1;

	mdir_log_init(&log, src->log.append);
	if (mdir_log_open_from_start(&log, mdir_fd, log_gen, NULL) == 0) {
		while (mdir_log_read_next(&log, &skip, NULL) == 1)
			;
		if (log.seq + 1 == base) {
			mdir_rec_begin(&rec);
			build_reset_close(src, &rec, &ng, NULL);
			mdir_rec_finish(&rec);
			if (mdir_log_append(&log, src->tmp_fd, &rec, true, &dfd,
					    NULL) == 1)
				ret = 0;
			if (dfd >= 0) {
				fsync_dirfd(dfd);
				close(dfd);
			}
		}
	}
	mdir_log_close(&log);
	buf_free(&rec);
	buf_free(&skip);
	return ret;
}

/* Rebuilds the index of a mailbox whose snapshots cannot be loaded. */
static int
rebuild(struct mdir_user *u, int mdir_fd, bool dry_run,
	struct store_reconstruct_report *rep, struct err *err)
{
	struct store *store = u->pub.store;
	struct mdir_header h;
	struct mdir_state *src = NULL, *nst = NULL;
	struct found_vec files = VEC_INIT;
	uint32_t max_gen, log_gen, ng;
	uint64_t base;
	int ret = -1;

	rep->index_was_damaged = true;
	rep->changed = true;
	if (recover_header(u, mdir_fd, dry_run, &h, rep, err) < 0 ||
	    mdir_state_open_private(store, dup(mdir_fd), &h, &src, err) < 0)
		goto out;
	scan_generations(mdir_fd, &max_gen, &log_gen);
	pthread_rwlock_wrlock(&src->lock);
	if (mdir_state_reload_locked(src, NULL) < 0) {
		mdir_state_reset(src);
		src->seq = replay_all_logs(src, max_gen);
	}
	pthread_rwlock_unlock(&src->lock);
	scan_files(src->msg_fd, &files);
	if (mdir_state_open_private(store, dup(mdir_fd), &h, &nst, err) < 0)
		goto out;
	fill_from_files(nst, src, &files, rep);
	if (src->uidnext > nst->uidnext)
		nst->uidnext = src->uidnext;
	if (dry_run) {
		ret = 0;
		goto out;
	}
	base = last_record(mdir_fd, src->log.append, log_gen);
	if (src->seq > base)
		base = src->seq;
	base++; /* the reset CLOSE takes this number */
	ng = max_gen + 1;
	for (uint32_t pos = 0; pos < nst->n; pos++)
		nst->modseq[pos] = base;
	nst->seq = nst->gen_base = nst->highestmodseq = base;
	nst->recent_next = nst->uidnext;
	nst->gen = ng;
	for (uint32_t pos = 0; pos < nst->n; pos++) {
		struct mdir_tail *t = &nst->tail.v[nst->cold[pos] &
						   ~MDIR_COLD_TAIL];
		struct adopt a;
		char mname[MDIR_MSG_NAME_MAX];

		/* cache blobs, built from the files themselves */
		memset(&a, 0, sizeof(a));
		mdir_msg_name(nst->uid[pos], t->guid, mname);
		if (linkat(nst->msg_fd, mname, nst->tmp_fd, "reconstruct.blob",
			   0) == 0) {
			snprintf(a.staging, sizeof(a.staging),
				 "reconstruct.blob");
			make_blob(nst, &a);
			unlinkat(nst->tmp_fd, "reconstruct.blob", 0);
			t->blob = a.blob;
			t->blob_len = a.blob_len;
		}
	}
	if (mdir_log_create(mdir_fd, nst->log.append, ng, err) < 0 ||
	    mdir_snapshot_write(nst, ng, err) < 0)
		goto out;
	if (log_gen > 0 && close_old_log(src, mdir_fd, log_gen, ng, base) < 0)
		log_warning("reconstruct: could not close log.%u; processes "
			    "using it must reopen the mailbox", log_gen);
	ret = 0;
out:
	mdir_state_close_private(&src);
	mdir_state_close_private(&nst);
	free_files(&files);
	return ret;
}

static int
reconstruct_one(struct rc_ctx *rc, const char *name, struct err *err)
{
	struct store_reconstruct_report rep;
	struct mdir_state *st;
	struct err lerr;
	int fd, ret;

	memset(&rep, 0, sizeof(rep));
	rep.mailbox = name;
	if (mdir_mailbox_open_dir(rc->u, name, &fd, err) < 0)
		return -1;
	if (mdir_state_get(rc->u->pub.store, dup(fd), &st, &lerr) < 0) {
		log_warning("reconstruct %s: index unusable: %s", name,
			    lerr.msg);
		ret = rebuild(rc->u, fd, rc->dry_run, &rep, err);
		if (ret == 0 && !rc->dry_run &&
		    mdir_state_get(rc->u->pub.store, dup(fd), &st, err) == 0) {
			/* adopt what the rebuild could not place */
			ret = verify_state(st, false, &rep, err);
			mdir_state_put(&st);
		}
	} else {
		ret = verify_state(st, rc->dry_run, &rep, err);
		mdir_state_put(&st);
	}
	close(fd);
	if (ret == 0 && rc->cb != NULL)
		rc->cb(rc->ctx, &rep);
	return ret;
}

static int
reconstruct_cb(void *vctx, const struct store_mailbox_info *info)
{
	struct rc_ctx *rc = vctx;
	struct err err;

	if (info->noselect)
		return 0;
	if (reconstruct_one(rc, info->name, &err) < 0)
		log_err("reconstruct %s: %s", info->name, err.msg);
	return 0;
}

int
mdir_reconstruct(struct store_user *user, const char *name, bool dry_run,
		 store_reconstruct_cb *cb, void *ctx, struct err *err)
{
	struct rc_ctx rc = { (struct mdir_user *)user, dry_run, cb, ctx };

	if (name != NULL)
		return reconstruct_one(&rc, name, err);
	return mdir_mailbox_list(user, reconstruct_cb, &rc, err);
}
