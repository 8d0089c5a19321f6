/* SPDX-License-Identifier: MIT */
/*
 * Unsolicited updates of the selected mailbox: EXPUNGE (RFC 3501 section
 * 7.4.1), EXISTS and RECENT (7.3.1, 7.3.2), FLAGS and PERMANENTFLAGS when
 * new keywords appear (7.2.6, 7.1), and FETCH (FLAGS) for flags changed by
 * other sessions (7.4.2).
 *
 * Two steps, so that a large burst of changes (100,000 expunges) never
 * overflows the output buffer: imap_sync() brings the store's view up to
 * date and queues what the client must be told, in a compact form (4
 * bytes per change); imap_sync_write() writes the queue out as far as the
 * output buffer allows and is called again once the client has read.
 *
 * The session runs both at the end of every command (cmd->def flags say
 * how), and IDLE runs them on each wakeup. FETCH, STORE and SEARCH may
 * call imap_sync(s, STORE_SYNC_NO_EXPUNGE) themselves when they want to
 * report new messages or flag changes while they run; expunges stay in
 * the view until a command that may report them ends.
 *
 * Flag changes made through the session's own view are not queued (the
 * store leaves them out): STORE reports its own changes.
 *
 * Owned by the session's thread.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_SERVER_SYNC_H
#define COFFER_PROTO_IMAP_IMAP_SERVER_SYNC_H

#include <stdbool.h>
#include "lib/err.h"
#include "proto/imap/imap-server-session.h"

/* Starts tracking a newly selected mailbox whose SELECT responses told the
   client its current EXISTS, RECENT and keywords. */
void imap_sync_init(struct imap_session *s);
/* Drops the queue (the mailbox is being closed). */
void imap_sync_deinit(struct imap_session *s);

/* Syncs the selected mailbox (a no-op without one) and queues the
   changes; `flags` are STORE_SYNC_* flags. Returns 0, or -1 if the
   session cannot go on: the mailbox was deleted, renamed away or its
   UIDVALIDITY changed. The caller then ends the session with
   imap_session_bye(s, imap_sync_bye_text(err)). */
int imap_sync(struct imap_session *s, unsigned flags, struct err *err);
/* The BYE text for a failed imap_sync(). */
const char *imap_sync_bye_text(const struct err *err);

/* Writes queued updates. Returns true when the queue is empty, false when
   the output filled up first (call again after it drained). `uid`: FETCH
   responses carry the UID (during UID commands, RFC 3501 section 6.4.8). */
bool imap_sync_write(struct imap_session *s, bool uid);
/* Writes "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)]" for the
   mailbox's current keywords (SELECT, and when new keywords appear). */
void imap_sync_write_flags(struct imap_session *s);
/* True if updates are queued. */
bool imap_sync_pending(const struct imap_session *s);

#endif
