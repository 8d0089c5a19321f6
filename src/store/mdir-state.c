/* SPDX-License-Identifier: MIT */
/*
 * Mailbox states: loading from the newest index snapshot plus the log,
 * refreshing from the log, and the per-process registry that lets every
 * view of a mailbox share one state.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unreferenced states kept loaded for a quick re-SELECT. */
#define MDIR_LRU_MAX 64

static int
read_header(int mdir_fd, struct mdir_header *h, struct err *err)
{
	uint8_t data[MDIR_HEADER_SIZE + 1];
	int fd = openat(mdir_fd, "header", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return err_set_errno(err, "open", MDIR_DIR "/header");
	n = read_full(fd, data, sizeof(data));
	close(fd);
	if (n < 0)
		return err_set_errno(err, "read", MDIR_DIR "/header");
	return mdir_header_decode(data, (size_t)n, h, err);
}

static int
open_subdir(int mdir_fd, const char *name, struct err *err)
{
	int fd = openat(mdir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		err_set_errno(err, "open", name);
	return fd;
}

static int
open_log_dir(struct mdir_state *st, struct err *err)
{
	return mdir_log_open(&st->log, st->mdir_fd, st->gen, st->seq, err);
}

/* True if our log is still the one named log.<gen>: a retired generation
   is renamed into trash/ and later removed. */
static bool
gen_is_current(struct mdir_state *st)
{
	return mdir_log_is_current(&st->log, st->mdir_fd);
}

int
mdir_state_refresh_locked(struct mdir_state *st, struct err *err)
{
	struct buf rec = BUF_INIT;
	int ret = 0;

	for (;;) {
		uint32_t gen = st->gen;
		int r = mdir_log_read_next(&st->log, &rec, err);

		if (r < 0) {
			ret = -1;
			break;
		}
		if (r == 0) {
			if (gen_is_current(st)) {
				mdir_log_idle(&st->log);
				break;
			}
			/* our generation was retired: start over from the
			   newest snapshot, which covers it */
			ret = mdir_state_reload_locked(st, err);
			break;
		}
		if (mdir_apply_record(st, rec.data, rec.len, st->log.seq,
				      err) < 0) {
			/* a damaged record (e.g. an unsynced flag change cut
			   by a power failure) is skipped, not fatal */
			log_warning("mdir: skipping log record %llu: %s",
				    (unsigned long long)st->log.seq,
				    err != NULL ? err->msg : "");
			st->seq = st->log.seq;
			continue;
		}
		if (st->needs_reload) {
			st->needs_reload = false;
			ret = mdir_state_reload_locked(st, err);
			break;
		}
		if (st->gen != gen) {
			struct err lerr;

			if (open_log_dir(st, &lerr) < 0) {
				/* the next generation was retired already
				   (we are far behind): its snapshot covers
				   it, start over from the newest one */
				if (lerr.code == ERR_NOTFOUND) {
					ret = mdir_state_reload_locked(st, err);
				} else {
					if (err != NULL)
						*err = lerr;
					ret = -1;
				}
				break;
			}
			mdir_watch_retarget(st);
		}
	}
	buf_free(&rec);
	{
		struct stat sb;

		/* a mailbox deleted meanwhile fails to reload (its index
		   is gone): that is "deleted", not corruption */
		if (fstat(st->mdir_fd, &sb) == 0 && sb.st_nlink == 0) {
			st->deleted_mailbox = true;
			if (ret < 0)
				ret = err_set(err, ERR_NOTFOUND,
					      "Mailbox was deleted");
		}
	}
	return ret;
}

static void
unmap_snapshot(struct mdir_state *st)
{
	if (st->snap == NULL)
		return;
	if (st->snap_mmapped)
		munmap(st->snap, st->snap_len);
	else
		free(st->snap);
	st->snap = NULL;
	st->snap_len = 0;
}

/* Resets the message arrays and tables before a reload. Keyword name
   strings handed to views must stay valid, so they are kept. */
static void
reset_contents(struct mdir_state *st)
{
	VEC(char *) names = VEC_INIT;

	names.v = st->kw_names.v;
	names.n = st->kw_names.n;
	names.cap = st->kw_names.cap;
	st->kw_names.v = NULL;
	st->kw_names.n = st->kw_names.cap = 0;
	mdir_state_free_contents(st);
	st->kw_names.v = names.v;
	st->kw_names.n = names.n;
	st->kw_names.cap = names.cap;
	hash_init(&st->kw_hash, true);
	for (size_t i = 0; i < st->kw_names.n; i++)
		hash_put(&st->kw_hash, st->kw_names.v[i],
			 strlen(st->kw_names.v[i]),
			 (void *)(uintptr_t)(i + 1));
	hash_init(&st->kwset_hash, false);
	vec_push_new(&st->kwsets); /* set 0: no keywords */
	unmap_snapshot(st);
}

int
mdir_state_reload_locked(struct mdir_state *st, struct err *err)
{
	struct err lerr;

	/* a snapshot may be retired between finding and opening it when
	   other processes compact quickly: look again, a few times */
	for (int attempt = 0;; attempt++) {
		uint32_t older, newest = mdir_newest_index(st->mdir_fd, &older);

		if (newest == 0)
			return err_set(err, ERR_CORRUPT,
				       "mailbox has no index");
		reset_contents(st);
		if (mdir_snapshot_load(st, newest, &lerr) == 0 &&
		    open_log_dir(st, &lerr) == 0)
			break;
		if (lerr.code == ERR_NOTFOUND && attempt < 10)
			continue;
		log_err("mdir: index.%u unusable (%s); trying index.%u",
			newest, lerr.msg, older);
		reset_contents(st);
		if (older == 0 || mdir_snapshot_load(st, older, err) < 0 ||
		    open_log_dir(st, err) < 0) {
			if (older == 0 && err != NULL)
				*err = lerr;
			return -1;
		}
		break;
	}
	mdir_watch_retarget(st);
	return mdir_state_refresh_locked(st, err);
}

static struct mdir_state *
state_new(struct store *store, int mdir_fd, const struct mdir_header *h)
{
	struct mdir_state *st = xcalloc(1, sizeof(*st));

	st->store = store;
	st->header = *h;
	st->mdir_fd = mdir_fd;
	st->msg_fd = st->tmp_fd = -1;
	mdir_log_init(&st->log, (h->flags & MDIR_HEADER_APPEND_LOG) != 0);
	st->watch_wd = -1;
	st->refcount = 1;
	pthread_rwlock_init(&st->lock, NULL);
	pthread_mutex_init(&st->watch_lock, NULL);
	pthread_mutex_init(&st->cache_lock, NULL);
	pthread_mutex_init(&st->append_lock, NULL);
	pthread_cond_init(&st->append_cond, NULL);
	hash_init(&st->kw_hash, true);
	hash_init(&st->kwset_hash, false);
	vec_push_new(&st->kwsets);
	return st;
}

static void
state_destroy(struct mdir_state *st)
{
	mdir_watch_remove(st, NULL);
	mdir_state_free_contents(st);
	unmap_snapshot(st);
	for (size_t i = 0; i < st->cache_fds.n; i++)
		close(st->cache_fds.v[i].fd);
	vec_free(&st->cache_fds);
	vec_free(&st->watchers);
	vec_free(&st->append_queue);
	mdir_log_close(&st->log);
	if (st->msg_fd >= 0)
		close(st->msg_fd);
	if (st->tmp_fd >= 0)
		close(st->tmp_fd);
	close(st->mdir_fd);
	pthread_rwlock_destroy(&st->lock);
	pthread_mutex_destroy(&st->watch_lock);
	pthread_mutex_destroy(&st->cache_lock);
	pthread_mutex_destroy(&st->append_lock);
	pthread_cond_destroy(&st->append_cond);
	free(st);
}

static int
state_load(struct mdir_state *st, struct err *err)
{
	st->msg_fd = open_subdir(st->mdir_fd, "msg", err);
	if (st->msg_fd < 0)
		return -1;
	st->tmp_fd = open_subdir(st->mdir_fd, "tmp", err);
	if (st->tmp_fd < 0)
		return -1;
	return mdir_state_reload_locked(st, err);
}

static void
lru_unlink(struct store *store, struct mdir_state *st)
{
	if (st->lru_prev != NULL)
		st->lru_prev->lru_next = st->lru_next;
	else if (store->lru_head == st)
		store->lru_head = st->lru_next;
	else
		return; /* not on the list */
	if (st->lru_next != NULL)
		st->lru_next->lru_prev = st->lru_prev;
	else
		store->lru_tail = st->lru_prev;
	st->lru_prev = st->lru_next = NULL;
	store->lru_count--;
}

int
mdir_state_get(struct store *store, int mdir_fd, struct mdir_state **st_r,
	       struct err *err)
{
	struct mdir_header h;
	struct mdir_state *st;
	int ret;

	if (read_header(mdir_fd, &h, err) < 0) {
		close(mdir_fd);
		return -1;
	}
	pthread_mutex_lock(&store->registry_lock);
	st = hash_get(&store->registry, h.guid, sizeof(h.guid));
	if (st != NULL) {
		if (st->refcount++ == 0)
			lru_unlink(store, st);
		pthread_mutex_unlock(&store->registry_lock);
		close(mdir_fd);
		pthread_rwlock_wrlock(&st->lock);
		ret = st->log.fd < 0 ? state_load(st, err)
				     : mdir_state_refresh_locked(st, err);
		pthread_rwlock_unlock(&st->lock);
	} else {
		st = state_new(store, mdir_fd, &h);
		/* publish before loading, locked, so that a concurrent open
		   of the same mailbox waits instead of loading it twice */
		pthread_rwlock_wrlock(&st->lock);
		hash_put(&store->registry, st->header.guid,
			 sizeof(st->header.guid), st);
		pthread_mutex_unlock(&store->registry_lock);
		ret = state_load(st, err);
		pthread_rwlock_unlock(&st->lock);
	}
	if (ret < 0) {
		mdir_state_put(&st);
		return -1;
	}
	*st_r = st;
	return 0;
}

void
mdir_state_put(struct mdir_state **stp)
{
	struct mdir_state *st = *stp, *victim = NULL;
	struct store *store;

	if (st == NULL)
		return;
	*stp = NULL;
	store = st->store;
	pthread_mutex_lock(&store->registry_lock);
	if (--st->refcount > 0) {
		pthread_mutex_unlock(&store->registry_lock);
		return;
	}
	if (st->log.fd < 0 || st->deleted_mailbox) {
		/* failed to load or gone: do not cache */
		hash_remove(&store->registry, st->header.guid,
			    sizeof(st->header.guid));
		victim = st;
	} else {
		st->lru_next = store->lru_head;
		if (store->lru_head != NULL)
			store->lru_head->lru_prev = st;
		store->lru_head = st;
		if (store->lru_tail == NULL)
			store->lru_tail = st;
		store->lru_count++;
		if (store->lru_count > MDIR_LRU_MAX) {
			victim = store->lru_tail;
			lru_unlink(store, victim);
			hash_remove(&store->registry, victim->header.guid,
				    sizeof(victim->header.guid));
		}
	}
	pthread_mutex_unlock(&store->registry_lock);
	if (victim != NULL)
		state_destroy(victim);
}

void
mdir_state_registry_deinit(struct store *store)
{
	struct hash_entry *e;

	for (size_t it = 0; hash_next(&store->registry, &it, &e);) {
		struct mdir_state *st = e->value;

		if (st->refcount > 0)
			log_err("mdir: mailbox state still referenced at "
				"shutdown");
		state_destroy(st);
	}
	hash_free(&store->registry);
	hash_init(&store->registry, false);
	store->lru_head = store->lru_tail = NULL;
	store->lru_count = 0;
}

int
mdir_state_open_private(struct store *store, int mdir_fd,
			const struct mdir_header *h, struct mdir_state **st_r,
			struct err *err)
{
	struct mdir_state *st = state_new(store, mdir_fd, h);

	st->msg_fd = open_subdir(mdir_fd, "msg", err);
	st->tmp_fd = st->msg_fd < 0 ? -1 : open_subdir(mdir_fd, "tmp", err);
	if (st->tmp_fd < 0) {
		state_destroy(st);
		return -1;
	}
	*st_r = st;
	return 0;
}

void
mdir_state_close_private(struct mdir_state **st)
{
	if (*st != NULL)
		state_destroy(*st);
	*st = NULL;
}

void
mdir_state_reset(struct mdir_state *st)
{
	reset_contents(st);
}
