/* SPDX-License-Identifier: MIT */
/*
 * Internals of the mdir backend. Not for use outside src/store/mdir-*.c.
 *
 * A mailbox's in-process state (struct mdir_state) is shared by every view
 * of that mailbox in this process and found through the store's registry
 * by the mailbox GUID. It holds the index snapshot it was loaded from
 * (mapped), the messages as sorted parallel arrays (24 bytes each), and the
 * cold data of messages appended since that snapshot ("tail").
 *
 * Locking: st->lock (rwlock) protects all state fields. Readers (accessors)
 * take it shared; applying log records takes it exclusive. Committing a
 * record holds it exclusive from the refresh to the link so that writers in
 * one process never race each other; writers in other processes are ordered
 * by the exclusive link(2) of the next log sequence number.
 */
#ifndef COFFER_STORE_MDIR_PRIVATE_H
#define COFFER_STORE_MDIR_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/vec.h"
#include "store/mdir-format.h"
#include "store/mdir-log.h"
#include "store/store-private.h"

#define MDIR_DIR ".mdir"
#define MDIR_ACCOUNT_DIR ".coffer"
#define MDIR_COLD_TAIL 0x80000000u
#define MDIR_DEFAULT_COMPACT_RECORDS 512
#define MDIR_COMPACT_RECORDS_CAP 65536
/* Messages appended since the snapshot before compaction (heap bound). */
#define MDIR_COMPACT_TAIL_MAX 2048
#define MDIR_DEFAULT_TRASH_GRACE 600
/* Abandoned temp files are removed after these ages (seconds). */
#define MDIR_TMP_RECORD_MAX_AGE 3600
#define MDIR_TMP_STAGING_MAX_AGE 86400

struct mdir_tail {
	uint64_t size;
	int64_t internaldate, savedate;
	uint8_t guid[16];
	char *staging; /* tmp/<name> until rolled forward, else NULL */
	uint8_t *blob; /* cache blob or NULL */
	uint32_t blob_len;
};

struct mdir_kwset {
	uint16_t n;
	uint16_t *idx; /* sorted keyword indices */
};

struct mdir_expunged {
	uint32_t lo, hi;
	uint64_t modseq;
};

struct mdir_watcher {
	store_watch_cb *cb;
	void *ctx;
	const void *owner;
};

struct mdir_cache_fd {
	uint32_t gen;
	int fd;
};

struct mdir_state {
	struct store *store;
	pthread_rwlock_t lock;
	/* registry fields, protected by store->registry_lock */
	unsigned refcount;
	struct mdir_state *lru_prev, *lru_next;

	struct mdir_header header;
	int mdir_fd, msg_fd, tmp_fd;
	struct mdir_log log;
	uint32_t gen;	    /* log generation we read and append to */
	uint64_t seq;	    /* last log record applied */
	uint64_t gen_base;  /* seq at which this generation started */
	uint32_t uidnext, recent_next;
	uint64_t highestmodseq;
	uint32_t unseen, deleted;
	uint64_t total_size;
	bool deleted_mailbox; /* the directory went away */
	bool needs_reload;    /* a reconstruct replaced the index */

	/* messages, sorted by uid */
	uint32_t n, cap;
	uint32_t *uid, *flags, *kwset, *cold;
	uint64_t *modseq;

	/* snapshot we loaded: records are its cold data */
	uint8_t *snap;
	size_t snap_len;
	bool snap_mmapped;
	uint32_t snap_gen, snap_messages;
	VEC(struct mdir_tail) tail;

	VEC(char *) kw_names;
	struct hash kw_hash; /* name -> index + 1 */
	VEC(struct mdir_kwset) kwsets; /* [0] is the empty set */
	struct hash kwset_hash;	       /* idx bytes -> id + 1 */
	VEC(struct mdir_expunged) expunged;

	pthread_mutex_t cache_lock; /* protects cache_fds */
	VEC(struct mdir_cache_fd) cache_fds;

	pthread_mutex_t watch_lock;
	VEC(struct mdir_watcher) watchers;
	int watch_wd; /* inotify watch on the log dir, -1 if none */

	/* group commit of appends (mdir-append.c) */
	pthread_mutex_t append_lock;
	pthread_cond_t append_cond;
	bool append_leader;
	VEC(struct mdir_append_req *) append_queue;
};

struct mdir_user {
	struct store_user pub;
	uint64_t quota_limit;
	int acct_fd; /* account directory */
};

struct mdir_box {
	struct store_mailbox pub;
	struct mdir_user *user;
	struct mdir_state *st;
	char *name;
	unsigned flags;
	VEC(uint32_t) uids; /* the session's sequence numbers */
	uint64_t synced_seq;
	/* a sync with STORE_SYNC_NO_EXPUNGE saw changes: expunges may be
	   waiting to be reported */
	bool expunges_deferred;
	uint64_t modseq_reported;
	uint32_t uidnext;
	VEC(struct store_uid_range) recent;
	uint32_t recent_count;
	VEC(uint64_t) own_seqs; /* our flag records since the last sync */
	store_watch_cb *watch_cb;
	void *watch_ctx;
	uint32_t hint; /* position of the last looked-up message */
	VEC(char *) kw_scratch;	   /* store_msg_keywords() result */
	VEC(char *) names_scratch; /* store_mailbox_keywords() result */
};

/* ---- mdir-state.c ---- */
/* Opens (and creates the registry entry for) the mailbox whose .mdir
   directory is dirfd (ownership of dirfd passes to the function). */
int mdir_state_get(struct store *store, int mdir_fd,
		   struct mdir_state **st_r, struct err *err);
void mdir_state_put(struct mdir_state **st);
/* Reads log records beyond st->seq. Caller holds st->lock exclusively. */
int mdir_state_refresh_locked(struct mdir_state *st, struct err *err);
/* Reloads from the newest snapshot. Caller holds st->lock exclusively. */
int mdir_state_reload_locked(struct mdir_state *st, struct err *err);
void mdir_state_registry_deinit(struct store *store);
/* A state outside the registry (reconstruct); owns mdir_fd. */
int mdir_state_open_private(struct store *store, int mdir_fd,
			    const struct mdir_header *h,
			    struct mdir_state **st_r, struct err *err);
void mdir_state_close_private(struct mdir_state **st);
/* Empties a state's messages and tables. */
void mdir_state_reset(struct mdir_state *st);

/* ---- mdir-apply.c ---- */
int mdir_apply_record(struct mdir_state *st, const uint8_t *data, size_t len,
		      uint64_t seq, struct err *err);
/* Position of uid in the arrays, or the insertion point with found=false. */
uint32_t mdir_find_uid(const struct mdir_state *st, uint32_t uid,
		       bool *found_r);
int mdir_kwset_intern(struct mdir_state *st, const uint16_t *idx, uint16_t n,
		      uint32_t *id_r);
int mdir_keyword_index(struct mdir_state *st, const char *name, size_t len,
		       bool create, uint16_t *idx_r);
void mdir_state_free_contents(struct mdir_state *st);
/* Cold data of message at position pos. */
void mdir_cold(const struct mdir_state *st, uint32_t pos,
	       struct mdir_index_record *rec_r, const struct mdir_tail **tail_r);
int mdir_grow(struct mdir_state *st, uint32_t need);

/* ---- mdir-commit.c ---- */
/* Builds the record against the current state (lock held exclusively).
   Returns 1 to commit, 0 if there is nothing to do, -1 on error. */
typedef int mdir_build_fn(struct mdir_state *st, struct buf *rec, void *ctx,
			  struct err *err);
/* Called with the lock still held right after our record was applied. */
typedef void mdir_applied_fn(struct mdir_state *st, uint64_t seq, void *ctx);
int mdir_commit(struct mdir_state *st, mdir_build_fn *build,
		mdir_applied_fn *applied, void *ctx, bool durable,
		struct err *err);
/* The same with st->lock already held exclusively; fsyncs the log directory
   before returning (used by compaction and recovery). */
int mdir_commit_locked(struct mdir_state *st, mdir_build_fn *build,
		       mdir_applied_fn *applied, void *ctx, struct err *err);
/* Notifies watchers and the change hook after a commit. */
void mdir_notify_changed(struct mdir_state *st);

/* ---- mdir-snapshot.c ---- */
int mdir_snapshot_load(struct mdir_state *st, uint32_t gen, struct err *err);
/* Compacts the log if it has grown enough (lock held exclusively). */
int mdir_compact_locked(struct mdir_state *st, bool force, struct err *err);
int mdir_snapshot_write(struct mdir_state *st, uint32_t gen,
			struct err *err);
/* Newest index generation present in .mdir (0 if none). */
uint32_t mdir_newest_index(int mdir_fd, uint32_t *older_r);
int mdir_cache_read(struct mdir_state *st, uint32_t gen, uint64_t off,
		    uint32_t len, struct buf *out, struct err *err);
void mdir_trash_cleanup(struct mdir_state *st);

/* ---- mdir-mailbox.c ---- */
/* Builds "<account dir>/<enc comp>/.../<enc comp>" for a mailbox name. */
int mdir_mailbox_path(struct mdir_user *u, const char *name, struct buf *out,
		      struct err *err);
/* Opens the mailbox's .mdir directory. */
int mdir_mailbox_open_dir(struct mdir_user *u, const char *name, int *fd_r,
			  struct err *err);
/* Canonical name: "INBOX" case folded; other names unchanged. */
const char *mdir_canonical_name(const char *name, char *buf, size_t size);

/* ---- vtable implementations (one per file family) ---- */
struct mdir_append;
void mdir_user_close(struct store_user *user);
int mdir_user_usage(struct store_user *user, uint64_t *bytes_r,
		    uint64_t *messages_r, struct err *err);
int mdir_user_usage_recalc(struct store_user *user, uint64_t *bytes_r,
			   uint64_t *messages_r, struct err *err);
void mdir_user_set_quota(struct store_user *user, uint64_t limit);
int mdir_quota_check(struct mdir_user *u, uint64_t add, struct err *err);
int mdir_mailbox_create(struct store_user *user, const char *name,
			const char *special_use, struct err *err);
int mdir_mailbox_delete(struct store_user *user, const char *name,
			struct err *err);
int mdir_mailbox_rename(struct store_user *user, const char *oldname,
			const char *newname, struct err *err);
int mdir_mailbox_set_special_use(struct store_user *user, const char *name,
				 const char *special_use, struct err *err);
enum store_mailbox_kind mdir_mailbox_kind(struct store_user *user,
					  const char *name);
void mdir_read_special_use(const char *path, char *out, size_t size);
int mdir_mailbox_list(struct store_user *user, store_list_cb *cb, void *ctx,
		      struct err *err);
int mdir_subscribe(struct store_user *user, const char *name, bool subscribe,
		   struct err *err);
int mdir_subscriptions(struct store_user *user, store_name_cb *cb, void *ctx,
		       struct err *err);
int mdir_mailbox_status(struct store_user *user, const char *name,
			unsigned items, struct store_status *st,
			struct err *err);
int mdir_mailbox_open(struct store_user *user, const char *name,
		      unsigned flags, struct store_mailbox **box_r,
		      struct err *err);
void mdir_mailbox_close(struct store_mailbox *box);
const char *mdir_mailbox_name(const struct store_mailbox *box);
bool mdir_mailbox_readonly(const struct store_mailbox *box);
uint32_t mdir_mailbox_uidvalidity(const struct store_mailbox *box);
uint32_t mdir_mailbox_uidnext(const struct store_mailbox *box);
uint64_t mdir_mailbox_highestmodseq(const struct store_mailbox *box);
uint32_t mdir_mailbox_count(const struct store_mailbox *box);
uint32_t mdir_mailbox_recent_count(const struct store_mailbox *box);
uint32_t mdir_mailbox_first_unseen(struct store_mailbox *box);
size_t mdir_mailbox_keywords(struct store_mailbox *box,
			     const char *const **names_r);
int mdir_msg_info(struct store_mailbox *box, uint32_t seq,
		  struct store_msg_info *info_r);
size_t mdir_msg_keywords(struct store_mailbox *box, uint32_t seq,
			 const char *const **names_r);
uint32_t mdir_mailbox_seq(struct store_mailbox *box, uint32_t uid);
uint32_t mdir_mailbox_uid(struct store_mailbox *box, uint32_t seq);
int mdir_msg_open(struct store_mailbox *box, uint32_t seq, int *fd_r,
		  struct err *err);
int mdir_msg_cache(struct store_mailbox *box, uint32_t seq, struct buf *out,
		   struct err *err);
void mdir_claim_recent(struct mdir_box *box);
int mdir_update_flags(struct store_mailbox *box,
		      const struct store_uid_set *uids,
		      const struct store_flag_update *update,
		      struct store_uid_set *modified_r, struct err *err);
int mdir_expunge(struct store_mailbox *box, const struct store_uid_set *uids,
		 struct err *err);
int mdir_expunge_uids(struct mdir_box *box, const struct store_uid_set *uids,
		      bool force, struct err *err);
int mdir_copy(struct store_mailbox *box, const struct store_uid_set *uids,
	      struct store_user *dst_user, const char *dst_name, bool move,
	      struct store_copy_result *result, struct err *err);
int mdir_mailbox_sync(struct store_mailbox *box, unsigned flags,
		      const struct store_sync_ops *ops, void *ctx,
		      struct err *err);
void mdir_mailbox_watch(struct store_mailbox *box, store_watch_cb *cb,
			void *ctx);
int mdir_append_begin(struct store_user *user, const char *name,
		      struct store_append **txn_r, struct err *err);
int mdir_append_msg_begin(struct store_append *txn, int64_t internaldate,
			  uint32_t flags, const char *const *keywords,
			  size_t keyword_count, struct err *err);
int mdir_append_msg_write(struct store_append *txn, const void *data,
			  size_t len, struct err *err);
int mdir_append_msg_finish(struct store_append *txn, struct err *err);
int mdir_append_add_file(struct store_append *txn, const char *path,
			 int64_t internaldate, uint32_t flags,
			 const char *const *keywords, size_t keyword_count,
			 const uint8_t *blob, size_t blob_len,
			 bool *src_durable, struct err *err);
/* Adds a message file found at dirfd/path with known metadata (COPY).
   src_durable as for store_append_add_file_cached(). */
int mdir_append_add_fd(struct mdir_append *txn, int dirfd, const char *path,
		       int64_t internaldate, uint32_t flags,
		       const char *const *kw, size_t nkw, const uint8_t *guid,
		       const uint8_t *blob, uint32_t blob_len,
		       bool *src_durable, struct err *err);
/* Exempts the transaction from the quota check (MOVE within an account). */
void mdir_append_no_quota(struct store_append *txn);
int mdir_append_commit(struct store_append *txn, uint32_t *uidvalidity_r,
		       struct store_uid_set *uids_r, struct err *err);
void mdir_append_abort(struct store_append *txn);
int mdir_reconstruct(struct store_user *user, const char *name, bool dry_run,
		     store_reconstruct_cb *cb, void *ctx, struct err *err);

/* ---- mdir-notify.c ---- */
int mdir_notify_init(struct store *store, struct err *err);
void mdir_notify_deinit(struct store *store);
void mdir_watch_add(struct mdir_state *st, store_watch_cb *cb, void *ctx,
		    const void *owner);
void mdir_watch_remove(struct mdir_state *st, const void *owner);
/* Re-targets the inotify watch after a generation change. */
void mdir_watch_retarget(struct mdir_state *st);

#endif
