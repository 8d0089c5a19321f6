/* SPDX-License-Identifier: MIT */
/*
 * The message store API. Every protocol (IMAP, POP3, LMTP) and tool reaches
 * mail only through this header; the on-disk format ("mdir", see
 * docs/storage-format.md) sits behind a backend vtable (store-private.h).
 *
 * Objects:
 *   struct store          process-wide context (one per process, any thread)
 *   struct store_user     one account's store; owned by one session/thread
 *   struct store_mailbox  an open view of one mailbox; owned by one thread
 *   struct store_append   an append transaction (APPEND, LMTP delivery)
 *
 * Calls are synchronous and may block on disk I/O: run them on worker
 * threads, never on an event dispatcher. Several processes and hosts may
 * use the same files at once; there are no locks (see storage-format.md).
 *
 * Mailbox names are UTF-8 with hierarchy separator '/'. "INBOX" is
 * case-insensitive and always spelled "INBOX" in results.
 *
 * Errors follow lib/err.h. Notable classes: ERR_NOTFOUND (no such mailbox:
 * IMAP [TRYCREATE] where appropriate), ERR_EXISTS, ERR_PARAMS (bad name),
 * ERR_NOQUOTA, ERR_TOOBIG, ERR_EXPUNGED, ERR_LIMIT, ERR_INTERNAL.
 */
#ifndef COFFER_STORE_STORE_H
#define COFFER_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"

struct store;
struct store_user;
struct store_mailbox;
struct store_append;

#define STORE_HIERARCHY_SEP '/'
#define STORE_INBOX "INBOX"
/* Longest mailbox name in bytes (UTF-8), and deepest hierarchy. */
#define STORE_MAILBOX_NAME_MAX 1000
#define STORE_MAILBOX_DEPTH_MAX 32
/* Longest keyword, distinct keywords per mailbox, keywords per message. */
#define STORE_KEYWORD_MAX_LEN 128
#define STORE_KEYWORDS_PER_MAILBOX_MAX 4096
#define STORE_KEYWORDS_PER_MESSAGE_MAX 256

/* System flags (RFC 3501 section 2.3.2). STORE_FLAG_RECENT is reported by
   accessors for the view that owns \Recent; it cannot be stored. */
enum store_flag {
	STORE_FLAG_SEEN = 0x01,
	STORE_FLAG_ANSWERED = 0x02,
	STORE_FLAG_FLAGGED = 0x04,
	STORE_FLAG_DELETED = 0x08,
	STORE_FLAG_DRAFT = 0x10,
	STORE_FLAG_RECENT = 0x20,
};
#define STORE_FLAGS_STORABLE 0x1f

/* Builds the opaque per-message cache blob (parsed MIME summary) from the
   complete message. Returns 0, or -1 when the message cannot be summarised
   (the store then keeps no cache for it). */
typedef int store_cache_builder_fn(const uint8_t *msg, size_t len,
				   struct buf *blob_out);
/* Told after every local commit that changed a mailbox; used to inform
   other hosts (event daemon). Called from the committing thread. */
typedef void store_change_hook_fn(void *ctx, const char *userid,
				  const char *mailbox);

/* How a mailbox's log orders records (docs/storage-format.md): append
   mode on local file systems, link mode where several hosts share the
   files. AUTO picks link mode on network and cluster file systems. The
   choice is made when a mailbox is created and recorded in it. */
enum store_log_mode {
	STORE_LOG_AUTO = 0,
	STORE_LOG_APPEND,
	STORE_LOG_LINK,
};

struct store_settings {
	const char *userdir;	     /* root of account trees */
	const char *shared_root_dir; /* root of shared folders */
	bool fsync;		     /* durability discipline; default true */
	bool use_mmap;		     /* mmap index snapshots */
	store_cache_builder_fn *cache_builder; /* NULL: no cache */
	store_change_hook_fn *change_hook;     /* NULL: none */
	void *change_hook_ctx;
	/* Records in a log generation before it is compacted (0 = default). */
	unsigned compact_records;
	/* Seconds a retired generation stays in trash before removal. */
	unsigned trash_grace_secs;
	enum store_log_mode log_mode;
};

/* Fills in the defaults (fsync and mmap on). */
void store_settings_init(struct store_settings *set);
int store_create(const struct store_settings *set, struct store **store_r,
		 struct err *err);
/* All users and mailboxes must be closed first. */
void store_destroy(struct store **store);

/* Change notification across processes on this host: poll this fd (an
   inotify descriptor) for input and call store_notify_process() when it is
   readable. Returns -1 if unavailable (notification then relies on polling
   by the caller). */
int store_notify_fd(struct store *store);
void store_notify_process(struct store *store);

/* ---- Accounts ---- */

/* Opens an account's store. userdir_override replaces the default root for
   this account (per-user mboxRootUserDir), NULL otherwise. With create, the
   account directory and INBOX are created when missing (first login or
   delivery); without it, a missing account fails with ERR_NOTFOUND. */
int store_user_open(struct store *store, const char *userid,
		    const char *userdir_override, bool create,
		    struct store_user **user_r, struct err *err);
/* Opens a shared root (ms.conf <shared_root name path>) as a store of its
   own: its mailboxes are the shared folders below "Shared Folders/<name>".
   path is the root's directory, or NULL for <shared_root_dir>/<name>
   (name encoded like a mailbox name). With create, the root directory and
   its top mailbox (named like the root) are created when missing. */
int store_shared_open(struct store *store, const char *name, const char *path,
		      bool create, struct store_user **user_r,
		      struct err *err);
void store_user_close(struct store_user **user);
const char *store_user_id(const struct store_user *user);
/* The account's directory (msadm path). */
const char *store_user_dir(const struct store_user *user);

/* Current usage, kept exact by every commit (no file scan). */
int store_user_usage(struct store_user *user, uint64_t *bytes_r,
		     uint64_t *messages_r, struct err *err);
/* Recalculates usage from the message files themselves (msadm du -r). */
int store_user_usage_recalc(struct store_user *user, uint64_t *bytes_r,
			    uint64_t *messages_r, struct err *err);
/* Sets the limit enforced on appends to this user (0 = none). Counted on
   exact bytes; an append that would exceed it fails with ERR_NOQUOTA. */
void store_user_set_quota(struct store_user *user, uint64_t limit_bytes);

/* ---- Mailboxes ---- */

/* Validates a UTF-8 mailbox name: no empty components, no control chars,
   depth and length bounded. Returns 0 or -1 (ERR_PARAMS). */
int store_mailbox_name_validate(const char *name, struct err *err);

/* special_use: NULL or one RFC 6154 attribute ("\\Sent", ...). Parents are
   created as needed (without .mdir, i.e. \Noselect until created). */
int store_mailbox_create(struct store_user *user, const char *name,
			 const char *special_use, struct err *err);
/* RFC 3501 section 6.3.4: a mailbox with children becomes \Noselect; one
   without is removed; INBOX and \Noselect mailboxes with children cannot be
   deleted. */
int store_mailbox_delete(struct store_user *user, const char *name,
			 struct err *err);
/* RFC 3501 section 6.3.5: children move along; renaming INBOX moves its
   messages into a new mailbox and leaves INBOX empty. */
int store_mailbox_rename(struct store_user *user, const char *oldname,
			 const char *newname, struct err *err);
/* Sets or clears (NULL) the special-use attribute. */
int store_mailbox_set_special_use(struct store_user *user, const char *name,
				  const char *special_use, struct err *err);

enum store_mailbox_kind {
	STORE_MAILBOX_NONEXISTENT = 0,
	STORE_MAILBOX_NOSELECT = 1, /* exists only as a parent */
	STORE_MAILBOX_SELECTABLE = 2,
};
enum store_mailbox_kind store_mailbox_kind(struct store_user *user,
					   const char *name);

struct store_mailbox_info {
	const char *name; /* UTF-8, valid during the callback */
	bool noselect;
	bool has_children;
	bool subscribed;
	const char *special_use; /* NULL or e.g. "\\Sent" */
};
/* Calls cb for every mailbox of the account, parents before children,
   siblings in byte order. A negative return from cb stops the walk and is
   returned. */
typedef int store_list_cb(void *ctx, const struct store_mailbox_info *info);
int store_mailbox_list(struct store_user *user, store_list_cb *cb, void *ctx,
		       struct err *err);

int store_subscribe(struct store_user *user, const char *name, bool subscribe,
		    struct err *err);
/* Calls cb with each subscribed name (which need not exist). */
typedef int store_name_cb(void *ctx, const char *name);
int store_subscriptions(struct store_user *user, store_name_cb *cb, void *ctx,
			struct err *err);

enum store_status_item {
	STORE_STATUS_MESSAGES = 0x01,
	STORE_STATUS_RECENT = 0x02,
	STORE_STATUS_UIDNEXT = 0x04,
	STORE_STATUS_UIDVALIDITY = 0x08,
	STORE_STATUS_UNSEEN = 0x10,
	STORE_STATUS_HIGHESTMODSEQ = 0x20,
	STORE_STATUS_SIZE = 0x40,
	STORE_STATUS_DELETED = 0x80,
};
struct store_status {
	uint32_t messages, recent, uidnext, uidvalidity, unseen, deleted;
	uint64_t highestmodseq, size;
};
/* Status without opening a view; never scans message files. */
int store_mailbox_status(struct store_user *user, const char *name,
			 unsigned items, struct store_status *st,
			 struct err *err);

/* ---- Views (SELECT / EXAMINE) ---- */

enum store_open_flags {
	/* EXAMINE: no changes; unclaimed messages show as \Recent without
	   being claimed */
	STORE_OPEN_READONLY = 0x01,
	STORE_OPEN_NO_RECENT = 0x02, /* POP3/tools: do not claim \Recent */
};
int store_mailbox_open(struct store_user *user, const char *name,
		       unsigned flags, struct store_mailbox **box_r,
		       struct err *err);
void store_mailbox_close(struct store_mailbox **box);
const char *store_mailbox_name(const struct store_mailbox *box);
bool store_mailbox_readonly(const struct store_mailbox *box);

uint32_t store_mailbox_uidvalidity(const struct store_mailbox *box);
/* UIDNEXT as of the view's last sync. */
uint32_t store_mailbox_uidnext(const struct store_mailbox *box);
uint64_t store_mailbox_highestmodseq(const struct store_mailbox *box);
/* Messages in the view (the session's sequence numbers 1..count). */
uint32_t store_mailbox_count(const struct store_mailbox *box);
uint32_t store_mailbox_recent_count(const struct store_mailbox *box);
/* Sequence number of the first message without \Seen, 0 if none. */
uint32_t store_mailbox_first_unseen(struct store_mailbox *box);
/* Keywords defined in the mailbox (IMAP FLAGS / PERMANENTFLAGS). The array
   and strings stay valid until the view is closed. */
size_t store_mailbox_keywords(struct store_mailbox *box,
			      const char *const **names_r);

struct store_msg_info {
	uint32_t uid;
	uint32_t flags;	    /* enum store_flag, RECENT for this view */
	uint64_t modseq;    /* RFC 7162 */
	uint64_t size;	    /* RFC822.SIZE: exact bytes as stored (CRLF) */
	int64_t internaldate; /* seconds since the epoch */
	int64_t savedate;     /* RFC 8514 */
	uint8_t guid[16];     /* stable object id (RFC 8474 EMAILID basis) */
	bool expunged;	      /* expunged elsewhere, not yet reported */
};
/* seq in 1..count. Returns 0, or -1 if seq is out of range. A message
   expunged elsewhere but still in the view answers with its UID,
   expunged=true and every other field zero. */
int store_msg_info(struct store_mailbox *box, uint32_t seq,
		   struct store_msg_info *info_r);
/* Keywords of a message; the names stay valid until the view is closed. */
size_t store_msg_keywords(struct store_mailbox *box, uint32_t seq,
			  const char *const **names_r);
/* Sequence number of uid in the view, 0 if none. */
uint32_t store_mailbox_seq(struct store_mailbox *box, uint32_t uid);
/* UID of seq (0 if out of range); cheap, for seq<->uid mapping loops. */
uint32_t store_mailbox_uid(struct store_mailbox *box, uint32_t seq);

/* Opens the message file read-only; the caller closes *fd_r. Fails with
   ERR_EXPUNGED if the message is gone. */
int store_msg_open(struct store_mailbox *box, uint32_t seq, int *fd_r,
		   struct err *err);
/* Appends the message's cache blob to out. If the cache is missing or
   corrupt it is rebuilt with the cache builder. Returns 1 if a blob was
   produced, 0 if no builder is configured, -1 on error. */
int store_msg_cache(struct store_mailbox *box, uint32_t seq, struct buf *out,
		    struct err *err);

/* ---- Changes ---- */

struct store_uid_range {
	uint32_t lo, hi; /* inclusive, lo <= hi */
};
struct store_uid_set {
	struct store_uid_range *r;
	size_t n, cap;
};
void store_uid_set_add(struct store_uid_set *set, uint32_t lo, uint32_t hi);
void store_uid_set_free(struct store_uid_set *set);

enum store_flags_mode {
	STORE_FLAGS_ADD,
	STORE_FLAGS_REMOVE,
	STORE_FLAGS_REPLACE,
};
struct store_flag_update {
	enum store_flags_mode mode;
	uint32_t flags; /* STORE_FLAGS_STORABLE bits */
	const char *const *keywords;
	size_t keyword_count;
	/* RFC 7162 UNCHANGEDSINCE; 0 = unconditional. */
	uint64_t unchangedsince;
};
/* Applies one flag change to the messages with UIDs in `uids` atomically.
   With unchangedsince, messages whose modseq is higher are left alone and
   their UIDs are added to modified_r (may be NULL). Changes made through
   this view are reported to it by the next sync like any other. */
int store_update_flags(struct store_mailbox *box,
		       const struct store_uid_set *uids,
		       const struct store_flag_update *update,
		       struct store_uid_set *modified_r, struct err *err);
/* Expunges messages that have \Deleted; with uids (UID EXPUNGE, RFC 4315),
   only those among them. The view learns of it at the next sync. */
int store_expunge(struct store_mailbox *box, const struct store_uid_set *uids,
		  struct err *err);

/* ---- Appends ---- */

/* Starts an append transaction into user's mailbox `name`. ERR_NOTFOUND if
   the mailbox does not exist (IMAP answers [TRYCREATE]). */
int store_append_begin(struct store_user *user, const char *name,
		       struct store_append **txn_r, struct err *err);
/* Streams one message: begin, write chunks, finish. The bytes are stored
   exactly as given (callers normalise line endings to CRLF). */
int store_append_msg_begin(struct store_append *txn, int64_t internaldate,
			   uint32_t flags, const char *const *keywords,
			   size_t keyword_count, struct err *err);
int store_append_msg_write(struct store_append *txn, const void *data,
			   size_t len, struct err *err);
int store_append_msg_finish(struct store_append *txn, struct err *err);
/* Adds an existing complete message file (e.g. an LMTP spool file written
   once for all recipients); it is hard-linked when possible, else copied.
   A symbolic link is followed, so /proc/self/fd/<n> adds an unnamed
   (O_TMPFILE) file. The file must not change afterwards. */
int store_append_add_file(struct store_append *txn, const char *path,
			  int64_t internaldate, uint32_t flags,
			  const char *const *keywords, size_t keyword_count,
			  struct err *err);
/* The same with the message's cache blob already built by the caller (e.g.
   once for all LMTP recipients), so the store does not parse the message
   again; blob may be NULL. src_durable (may be NULL) carries what is known
   about the file's data across calls for one file: true on input means it
   is durable already (an earlier call synced it), so a hard link to it is
   not synced again (a copy still is); on output it is true if the data is
   durable now (linked and synced). */
int store_append_add_file_cached(struct store_append *txn, const char *path,
				 int64_t internaldate, uint32_t flags,
				 const char *const *keywords,
				 size_t keyword_count, const uint8_t *blob,
				 size_t blob_len, bool *src_durable,
				 struct err *err);
/* Makes every message of the transaction visible and durable at once.
   On success the assigned UIDs are in uids_r (may be NULL) in the order the
   messages were added, and the mailbox's UIDVALIDITY in *uidvalidity_r. */
int store_append_commit(struct store_append **txn, uint32_t *uidvalidity_r,
			struct store_uid_set *uids_r, struct err *err);
void store_append_abort(struct store_append **txn);

/* ---- Copy and move ---- */

struct store_copy_result {
	uint32_t uidvalidity;	    /* of the destination */
	struct store_uid_set src;   /* source UIDs copied, ascending */
	struct store_uid_set dst;   /* their new UIDs, same order */
};
/* Copies (or moves: copy, then expunge the source messages) the messages
   with UIDs in `uids` into dst_user's mailbox dst_name. Message files are
   hard-linked when on the same file system. Keeps flags (except \Recent),
   keywords and INTERNALDATE. Expunged sources are skipped. */
int store_copy(struct store_mailbox *box, const struct store_uid_set *uids,
	       struct store_user *dst_user, const char *dst_name, bool move,
	       struct store_copy_result *result, struct err *err);
void store_copy_result_free(struct store_copy_result *result);

/* ---- Synchronisation and notification ---- */

struct store_sync_ops {
	/* A message left the view: seq as numbered just before its removal.
	   Reported in descending sequence order. */
	void (*expunge)(void *ctx, uint32_t seq, uint32_t uid);
	/* The view now has `count` messages (after new ones were added). */
	void (*exists)(void *ctx, uint32_t count);
	/* Flags or keywords (or modseq) of seq changed since last reported. */
	void (*flags)(void *ctx, uint32_t seq);
};
enum store_sync_flags {
	/* Keep expunged messages in the view (during FETCH/STORE/SEARCH,
	   RFC 3501 section 7.4.1); new messages and flag changes are still
	   reported. */
	STORE_SYNC_NO_EXPUNGE = 0x01,
};
/* Brings the view up to date with the mailbox and reports what changed
   since the last sync through ops (any member may be NULL). Returns 0, or
   -1 with ERR_NOTFOUND when the mailbox was deleted or renamed away, or
   with ERR_CORRUPT / ERR_NOTPOSSIBLE when UIDVALIDITY changed (the session
   must end: IMAP BYE). */
int store_mailbox_sync(struct store_mailbox *box, unsigned flags,
		       const struct store_sync_ops *ops, void *ctx,
		       struct err *err);

/* Calls cb (from any thread, possibly concurrently with the owner) when the
   mailbox may have changed: a commit in this process (immediately) or in
   another process on this host (within about a second). cb must only
   schedule work (e.g. conn_wakeup()); NULL removes the watch. */
typedef void store_watch_cb(void *ctx);
void store_mailbox_watch(struct store_mailbox *box, store_watch_cb *cb,
			 void *ctx);

/* ---- Maintenance ---- */

struct store_reconstruct_report {
	const char *mailbox;
	uint32_t messages;	  /* messages in the rebuilt index */
	uint32_t adopted;	  /* files found that the index lacked */
	uint32_t missing;	  /* index entries without a file */
	uint32_t uids_reassigned; /* messages that got new UIDs */
	bool uidvalidity_changed;
	bool index_was_damaged;
	bool changed; /* anything changed (or would, with dry_run) */
};
typedef void store_reconstruct_cb(void *ctx,
				  const struct store_reconstruct_report *rep);
/* Verifies and rebuilds the index of one mailbox (or all with name NULL)
   from the message files, keeping UIDs, flags and keywords where they are
   recoverable. dry_run reports without changing anything. */
int store_reconstruct(struct store_user *user, const char *name, bool dry_run,
		      store_reconstruct_cb *cb, void *ctx, struct err *err);

#endif
