/* SPDX-License-Identifier: MIT */
/*
 * Change notification. Inside the process, a commit calls the watchers of
 * the mailbox directly. Across processes on one host, an inotify watch on
 * the mailbox's current log directory sees the new record file appear.
 * Across hosts, the change hook (store_settings.change_hook) lets the event
 * daemon carry the news.
 */
#include "store/mdir-private.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

int
mdir_notify_init(struct store *store, struct err *err)
{
	(void)err;
	store->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (store->inotify_fd < 0)
		log_warning("inotify_init1() failed: %m; changes made by "
			    "other processes are seen on the next command");
	return 0;
}

void
mdir_notify_deinit(struct store *store)
{
	if (store->inotify_fd >= 0)
		close(store->inotify_fd);
	store->inotify_fd = -1;
}

int
store_notify_fd(struct store *store)
{
	return store->inotify_fd;
}

void
store_notify_process(struct store *store)
{
	char data[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(store->inotify_fd, data, sizeof(data))) > 0) {
		for (char *p = data; p < data + n;) {
			const struct inotify_event *ev = (const void *)p;
			struct mdir_state *st;

			pthread_mutex_lock(&store->notify_lock);
			st = hash_get(&store->watch_by_wd, &ev->wd,
				      sizeof(ev->wd));
			if (st != NULL)
				mdir_notify_changed(st);
			pthread_mutex_unlock(&store->notify_lock);
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* Lock order: store->notify_lock, then st->watch_lock. */

/* Adds the inotify watch; caller holds both locks. */
static void
watch_start(struct mdir_state *st)
{
	struct store *store = st->store;
	char path[64];
	int wd;

	if (store->inotify_fd < 0 || st->log.fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", st->log.fd);
	/* a new record is a new file (link mode) or more data (append) */
	wd = inotify_add_watch(store->inotify_fd, path,
			       st->log.append ? IN_MODIFY
					      : IN_CREATE | IN_MOVED_TO |
							IN_ONLYDIR);
	if (wd < 0) {
		log_debug("inotify_add_watch() failed: %m");
		return;
	}
	st->watch_wd = wd;
	hash_put(&store->watch_by_wd, &st->watch_wd, sizeof(st->watch_wd), st);
}

static void
watch_stop(struct mdir_state *st)
{
	struct store *store = st->store;

	if (st->watch_wd < 0)
		return;
	hash_remove(&store->watch_by_wd, &st->watch_wd, sizeof(st->watch_wd));
	inotify_rm_watch(store->inotify_fd, st->watch_wd);
	st->watch_wd = -1;
}

void
mdir_watch_add(struct mdir_state *st, store_watch_cb *cb, void *ctx,
	       const void *owner)
{
	struct mdir_watcher *w = NULL;

	pthread_mutex_lock(&st->store->notify_lock);
	pthread_mutex_lock(&st->watch_lock);
	for (size_t i = 0; i < st->watchers.n; i++) {
		if (st->watchers.v[i].owner == owner)
			w = &st->watchers.v[i];
	}
	if (w == NULL) {
		w = vec_push_new(&st->watchers);
		w->owner = owner;
	}
	w->cb = cb;
	w->ctx = ctx;
	if (st->watch_wd < 0)
		watch_start(st);
	pthread_mutex_unlock(&st->watch_lock);
	pthread_mutex_unlock(&st->store->notify_lock);
}

void
mdir_watch_remove(struct mdir_state *st, const void *owner)
{
	pthread_mutex_lock(&st->store->notify_lock);
	pthread_mutex_lock(&st->watch_lock);
	for (size_t i = st->watchers.n; i > 0; i--) {
		if (owner == NULL || st->watchers.v[i - 1].owner == owner)
			vec_delete(&st->watchers, i - 1);
	}
	if (st->watchers.n == 0)
		watch_stop(st);
	pthread_mutex_unlock(&st->watch_lock);
	pthread_mutex_unlock(&st->store->notify_lock);
}

void
mdir_watch_retarget(struct mdir_state *st)
{
	pthread_mutex_lock(&st->store->notify_lock);
	pthread_mutex_lock(&st->watch_lock);
	if (st->watch_wd >= 0) {
		watch_stop(st);
		watch_start(st);
	}
	pthread_mutex_unlock(&st->watch_lock);
	pthread_mutex_unlock(&st->store->notify_lock);
}

void
mdir_mailbox_watch(struct store_mailbox *pub, store_watch_cb *cb, void *ctx)
{
	struct mdir_box *box = (struct mdir_box *)pub;

	if (cb == NULL)
		mdir_watch_remove(box->st, box);
	else
		mdir_watch_add(box->st, cb, ctx, box);
}
