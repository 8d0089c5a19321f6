/* SPDX-License-Identifier: MIT */
/*
 * The storage backend interface behind store.h. A backend (mdir now; an
 * archive backend may follow, as in M-Box's database abstraction layer)
 * implements struct store_vfuncs and embeds the public objects as the first
 * member of its own structures. Only src/store/ includes this header.
 */
#ifndef COFFER_STORE_STORE_PRIVATE_H
#define COFFER_STORE_STORE_PRIVATE_H

#include <pthread.h>
#include "lib/hash.h"
#include "store/store.h"

struct mdir_state;

struct store_vfuncs {
	const char *name;

	void (*user_close)(struct store_user *user);
	int (*user_usage)(struct store_user *user, uint64_t *bytes_r,
			  uint64_t *messages_r, struct err *err);
	int (*user_usage_recalc)(struct store_user *user, uint64_t *bytes_r,
				 uint64_t *messages_r, struct err *err);
	void (*user_set_quota)(struct store_user *user, uint64_t limit);

	int (*mailbox_create)(struct store_user *user, const char *name,
			      const char *special_use, struct err *err);
	int (*mailbox_delete)(struct store_user *user, const char *name,
			      struct err *err);
	int (*mailbox_rename)(struct store_user *user, const char *oldname,
			      const char *newname, struct err *err);
	int (*mailbox_set_special_use)(struct store_user *user,
				       const char *name,
				       const char *special_use,
				       struct err *err);
	enum store_mailbox_kind (*mailbox_kind)(struct store_user *user,
						const char *name);
	int (*mailbox_list)(struct store_user *user, store_list_cb *cb,
			    void *ctx, struct err *err);
	int (*subscribe)(struct store_user *user, const char *name,
			 bool subscribe, struct err *err);
	int (*subscriptions)(struct store_user *user, store_name_cb *cb,
			     void *ctx, struct err *err);
	int (*mailbox_status)(struct store_user *user, const char *name,
			      unsigned items, struct store_status *st,
			      struct err *err);
	int (*mailbox_open)(struct store_user *user, const char *name,
			    unsigned flags, struct store_mailbox **box_r,
			    struct err *err);

	void (*mailbox_close)(struct store_mailbox *box);
	const char *(*mailbox_name)(const struct store_mailbox *box);
	bool (*mailbox_readonly)(const struct store_mailbox *box);
	uint32_t (*mailbox_uidvalidity)(const struct store_mailbox *box);
	uint32_t (*mailbox_uidnext)(const struct store_mailbox *box);
	uint64_t (*mailbox_highestmodseq)(const struct store_mailbox *box);
	uint32_t (*mailbox_count)(const struct store_mailbox *box);
	uint32_t (*mailbox_recent_count)(const struct store_mailbox *box);
	uint32_t (*mailbox_first_unseen)(struct store_mailbox *box);
	size_t (*mailbox_keywords)(struct store_mailbox *box,
				   const char *const **names_r);
	int (*msg_info)(struct store_mailbox *box, uint32_t seq,
			struct store_msg_info *info_r);
	size_t (*msg_keywords)(struct store_mailbox *box, uint32_t seq,
			       const char *const **names_r);
	uint32_t (*mailbox_seq)(struct store_mailbox *box, uint32_t uid);
	uint32_t (*mailbox_uid)(struct store_mailbox *box, uint32_t seq);
	int (*msg_open)(struct store_mailbox *box, uint32_t seq, int *fd_r,
			struct err *err);
	int (*msg_cache)(struct store_mailbox *box, uint32_t seq,
			 struct buf *out, struct err *err);
	int (*update_flags)(struct store_mailbox *box,
			    const struct store_uid_set *uids,
			    const struct store_flag_update *update,
			    struct store_uid_set *modified_r, struct err *err);
	int (*expunge)(struct store_mailbox *box,
		       const struct store_uid_set *uids, struct err *err);
	int (*copy)(struct store_mailbox *box,
		    const struct store_uid_set *uids,
		    struct store_user *dst_user, const char *dst_name,
		    bool move, struct store_copy_result *result,
		    struct err *err);
	int (*mailbox_sync)(struct store_mailbox *box, unsigned flags,
			    const struct store_sync_ops *ops, void *ctx,
			    struct err *err);
	void (*mailbox_watch)(struct store_mailbox *box, store_watch_cb *cb,
			      void *ctx);

	int (*append_begin)(struct store_user *user, const char *name,
			    struct store_append **txn_r, struct err *err);
	int (*append_msg_begin)(struct store_append *txn,
				int64_t internaldate, uint32_t flags,
				const char *const *keywords,
				size_t keyword_count, struct err *err);
	int (*append_msg_write)(struct store_append *txn, const void *data,
				size_t len, struct err *err);
	int (*append_msg_finish)(struct store_append *txn, struct err *err);
	int (*append_add_file)(struct store_append *txn, const char *path,
			       int64_t internaldate, uint32_t flags,
			       const char *const *keywords,
			       size_t keyword_count, const uint8_t *blob,
			       size_t blob_len, bool *src_durable,
			       struct err *err);
	int (*append_commit)(struct store_append *txn,
			     uint32_t *uidvalidity_r,
			     struct store_uid_set *uids_r, struct err *err);
	void (*append_abort)(struct store_append *txn);

	int (*reconstruct)(struct store_user *user, const char *name,
			   bool dry_run, store_reconstruct_cb *cb, void *ctx,
			   struct err *err);
};

struct store_user {
	const struct store_vfuncs *v;
	struct store *store;
	char *userid; /* canonical */
	char *dir;    /* account directory */
};

struct store_mailbox {
	const struct store_vfuncs *v;
	struct store_user *user;
};

struct store_append {
	const struct store_vfuncs *v;
};

struct store {
	struct store_settings set;
	char *userdir, *shared_root_dir;

	/* mdir registry of loaded mailbox states, keyed by mailbox GUID */
	pthread_mutex_t registry_lock;
	struct hash registry;
	struct mdir_state *lru_head, *lru_tail; /* unreferenced, cached */
	unsigned lru_count;

	/* inotify (mdir-notify.c) */
	pthread_mutex_t notify_lock;
	int inotify_fd;
	struct hash watch_by_wd; /* wd (as 4 bytes) -> struct mdir_state */
};

extern const struct store_vfuncs mdir_vfuncs;

int mdir_user_open(struct store *store, const char *userid,
		   const char *userdir_override, bool create,
		   struct store_user **user_r, struct err *err);
int mdir_shared_open(struct store *store, const char *name, const char *path,
		     bool create, struct store_user **user_r,
		     struct err *err);

#endif
