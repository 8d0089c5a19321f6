/* SPDX-License-Identifier: MIT */
/* The store front end: settings, the process context, and dispatch of every
   public call to the backend's vtable. */
#include "store/store.h"
#include "store/mdir-private.h"
#include "store/store-private.h"
#include "lib/mem.h"

#include <stdlib.h>
#include <string.h>

void
store_settings_init(struct store_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->fsync = true;
	set->use_mmap = true;
}

int
store_create(const struct store_settings *set, struct store **store_r,
	     struct err *err)
{
	struct store *s;

	if (set->userdir == NULL || set->userdir[0] != '/')
		return err_set(err, ERR_PARAMS,
			       "userdir must be an absolute path");
	s = xcalloc(1, sizeof(*s));
	s->set = *set;
	s->userdir = xstrdup(set->userdir);
	s->shared_root_dir = xstrdup(set->shared_root_dir != NULL ?
					     set->shared_root_dir : "");
	s->set.userdir = s->userdir;
	s->set.shared_root_dir = s->shared_root_dir;
	if (s->set.compact_records == 0)
		s->set.compact_records = MDIR_DEFAULT_COMPACT_RECORDS;
	if (s->set.trash_grace_secs == 0)
		s->set.trash_grace_secs = MDIR_DEFAULT_TRASH_GRACE;
	pthread_mutex_init(&s->registry_lock, NULL);
	hash_init(&s->registry, false);
	pthread_mutex_init(&s->notify_lock, NULL);
	hash_init(&s->watch_by_wd, false);
	s->inotify_fd = -1;
	if (mdir_notify_init(s, err) < 0) {
		store_destroy(&s);
		return -1;
	}
	*store_r = s;
	return 0;
}

void
store_destroy(struct store **store)
{
	struct store *s = *store;

	if (s == NULL)
		return;
	mdir_state_registry_deinit(s);
	mdir_notify_deinit(s);
	hash_free(&s->registry);
	hash_free(&s->watch_by_wd);
	pthread_mutex_destroy(&s->registry_lock);
	pthread_mutex_destroy(&s->notify_lock);
	free(s->userdir);
	free(s->shared_root_dir);
	free(s);
	*store = NULL;
}

int
store_user_open(struct store *store, const char *userid,
		const char *userdir_override, bool create,
		struct store_user **user_r, struct err *err)
{
	return mdir_user_open(store, userid, userdir_override, create, user_r,
			      err);
}

int
store_shared_open(struct store *store, const char *name, const char *path,
		  bool create, struct store_user **user_r, struct err *err)
{
	return mdir_shared_open(store, name, path, create, user_r, err);
}

void
store_user_close(struct store_user **user)
{
	if (*user == NULL)
		return;
	(*user)->v->user_close(*user);
	*user = NULL;
}

int
store_user_usage(struct store_user *user, uint64_t *bytes_r,
		 uint64_t *messages_r, struct err *err)
{
	return user->v->user_usage(user, bytes_r, messages_r, err);
}

int
store_user_usage_recalc(struct store_user *user, uint64_t *bytes_r,
			uint64_t *messages_r, struct err *err)
{
	return user->v->user_usage_recalc(user, bytes_r, messages_r, err);
}

void
store_user_set_quota(struct store_user *user, uint64_t limit_bytes)
{
	user->v->user_set_quota(user, limit_bytes);
}

int
store_mailbox_create(struct store_user *user, const char *name,
		     const char *special_use, struct err *err)
{
	return user->v->mailbox_create(user, name, special_use, err);
}

int
store_mailbox_delete(struct store_user *user, const char *name,
		     struct err *err)
{
	return user->v->mailbox_delete(user, name, err);
}

int
store_mailbox_rename(struct store_user *user, const char *oldname,
		     const char *newname, struct err *err)
{
	return user->v->mailbox_rename(user, oldname, newname, err);
}

int
store_mailbox_set_special_use(struct store_user *user, const char *name,
			      const char *special_use, struct err *err)
{
	return user->v->mailbox_set_special_use(user, name, special_use, err);
}

enum store_mailbox_kind
store_mailbox_kind(struct store_user *user, const char *name)
{
	return user->v->mailbox_kind(user, name);
}

int
store_mailbox_list(struct store_user *user, store_list_cb *cb, void *ctx,
		   struct err *err)
{
	return user->v->mailbox_list(user, cb, ctx, err);
}

int
store_subscribe(struct store_user *user, const char *name, bool subscribe,
		struct err *err)
{
	return user->v->subscribe(user, name, subscribe, err);
}

int
store_subscriptions(struct store_user *user, store_name_cb *cb, void *ctx,
		    struct err *err)
{
	return user->v->subscriptions(user, cb, ctx, err);
}

int
store_mailbox_status(struct store_user *user, const char *name,
		     unsigned items, struct store_status *st, struct err *err)
{
	return user->v->mailbox_status(user, name, items, st, err);
}

int
store_mailbox_open(struct store_user *user, const char *name, unsigned flags,
		   struct store_mailbox **box_r, struct err *err)
{
	return user->v->mailbox_open(user, name, flags, box_r, err);
}

void
store_mailbox_close(struct store_mailbox **box)
{
	if (*box == NULL)
		return;
	(*box)->v->mailbox_close(*box);
	*box = NULL;
}

const char *
store_mailbox_name(const struct store_mailbox *box)
{
	return box->v->mailbox_name(box);
}

bool
store_mailbox_readonly(const struct store_mailbox *box)
{
	return box->v->mailbox_readonly(box);
}

uint32_t
store_mailbox_uidvalidity(const struct store_mailbox *box)
{
	return box->v->mailbox_uidvalidity(box);
}

uint32_t
store_mailbox_uidnext(const struct store_mailbox *box)
{
	return box->v->mailbox_uidnext(box);
}

uint64_t
store_mailbox_highestmodseq(const struct store_mailbox *box)
{
	return box->v->mailbox_highestmodseq(box);
}

uint32_t
store_mailbox_count(const struct store_mailbox *box)
{
	return box->v->mailbox_count(box);
}

uint32_t
store_mailbox_recent_count(const struct store_mailbox *box)
{
	return box->v->mailbox_recent_count(box);
}

uint32_t
store_mailbox_first_unseen(struct store_mailbox *box)
{
	return box->v->mailbox_first_unseen(box);
}

size_t
store_mailbox_keywords(struct store_mailbox *box, const char *const **names_r)
{
	return box->v->mailbox_keywords(box, names_r);
}

int
store_msg_info(struct store_mailbox *box, uint32_t seq,
	       struct store_msg_info *info_r)
{
	return box->v->msg_info(box, seq, info_r);
}

size_t
store_msg_keywords(struct store_mailbox *box, uint32_t seq,
		   const char *const **names_r)
{
	return box->v->msg_keywords(box, seq, names_r);
}

uint32_t
store_mailbox_seq(struct store_mailbox *box, uint32_t uid)
{
	return box->v->mailbox_seq(box, uid);
}

uint32_t
store_mailbox_uid(struct store_mailbox *box, uint32_t seq)
{
	return box->v->mailbox_uid(box, seq);
}

int
store_msg_open(struct store_mailbox *box, uint32_t seq, int *fd_r,
	       struct err *err)
{
	return box->v->msg_open(box, seq, fd_r, err);
}

int
store_msg_cache(struct store_mailbox *box, uint32_t seq, struct buf *out,
		struct err *err)
{
	return box->v->msg_cache(box, seq, out, err);
}

int
store_update_flags(struct store_mailbox *box, const struct store_uid_set *uids,
		   const struct store_flag_update *update,
		   struct store_uid_set *modified_r, struct err *err)
{
	return box->v->update_flags(box, uids, update, modified_r, err);
}

int
store_expunge(struct store_mailbox *box, const struct store_uid_set *uids,
	      struct err *err)
{
	return box->v->expunge(box, uids, err);
}

int
store_copy(struct store_mailbox *box, const struct store_uid_set *uids,
	   struct store_user *dst_user, const char *dst_name, bool move,
	   struct store_copy_result *result, struct err *err)
{
	return box->v->copy(box, uids, dst_user, dst_name, move, result, err);
}

void
store_copy_result_free(struct store_copy_result *result)
{
	store_uid_set_free(&result->src);
	store_uid_set_free(&result->dst);
}

int
store_mailbox_sync(struct store_mailbox *box, unsigned flags,
		   const struct store_sync_ops *ops, void *ctx,
		   struct err *err)
{
	return box->v->mailbox_sync(box, flags, ops, ctx, err);
}

void
store_mailbox_watch(struct store_mailbox *box, store_watch_cb *cb, void *ctx)
{
	box->v->mailbox_watch(box, cb, ctx);
}

int
store_append_begin(struct store_user *user, const char *name,
		   struct store_append **txn_r, struct err *err)
{
	return user->v->append_begin(user, name, txn_r, err);
}

int
store_append_msg_begin(struct store_append *txn, int64_t internaldate,
		       uint32_t flags, const char *const *keywords,
		       size_t keyword_count, struct err *err)
{
	return txn->v->append_msg_begin(txn, internaldate, flags, keywords,
					keyword_count, err);
}

int
store_append_msg_write(struct store_append *txn, const void *data, size_t len,
		       struct err *err)
{
	return txn->v->append_msg_write(txn, data, len, err);
}

int
store_append_msg_finish(struct store_append *txn, struct err *err)
{
	return txn->v->append_msg_finish(txn, err);
}

int
store_append_add_file(struct store_append *txn, const char *path,
		      int64_t internaldate, uint32_t flags,
		      const char *const *keywords, size_t keyword_count,
		      struct err *err)
{
	return txn->v->append_add_file(txn, path, internaldate, flags,
				       keywords, keyword_count, NULL, 0, NULL,
				       err);
}

int
store_append_add_file_cached(struct store_append *txn, const char *path,
			     int64_t internaldate, uint32_t flags,
			     const char *const *keywords,
			     size_t keyword_count, const uint8_t *blob,
			     size_t blob_len, bool *src_durable,
			     struct err *err)
{
	return txn->v->append_add_file(txn, path, internaldate, flags,
				       keywords, keyword_count, blob, blob_len,
				       src_durable, err);
}

int
store_append_commit(struct store_append **txn, uint32_t *uidvalidity_r,
		     struct store_uid_set *uids_r, struct err *err)
{
	int ret = (*txn)->v->append_commit(*txn, uidvalidity_r, uids_r, err);

	*txn = NULL; /* commit always consumes the transaction */
	return ret;
}

void
store_append_abort(struct store_append **txn)
{
	if (*txn == NULL)
		return;
	(*txn)->v->append_abort(*txn);
	*txn = NULL;
}

int
store_reconstruct(struct store_user *user, const char *name, bool dry_run,
		  store_reconstruct_cb *cb, void *ctx, struct err *err)
{
	return user->v->reconstruct(user, name, dry_run, cb, ctx, err);
}

void
store_uid_set_add(struct store_uid_set *set, uint32_t lo, uint32_t hi)
{
	/* merge with the last range when adjacent or overlapping */
	if (set->n > 0 && lo <= set->r[set->n - 1].hi + 1 &&
	    lo >= set->r[set->n - 1].lo) {
		if (hi > set->r[set->n - 1].hi)
			set->r[set->n - 1].hi = hi;
		return;
	}
	if (set->n == set->cap) {
		set->cap = set->cap < 8 ? 8 : set->cap * 2;
		set->r = xreallocarray(set->r, set->cap, sizeof(*set->r));
	}
	set->r[set->n].lo = lo;
	set->r[set->n].hi = hi;
	set->n++;
}

void
store_uid_set_free(struct store_uid_set *set)
{
	free(set->r);
	set->r = NULL;
	set->n = set->cap = 0;
}

const char *
store_user_id(const struct store_user *user)
{
	return user->userid;
}

const char *
store_user_dir(const struct store_user *user)
{
	return user->dir;
}
