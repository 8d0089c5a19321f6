/* SPDX-License-Identifier: MIT */
/*
 * A POP3 maildrop: the account's INBOX as it was when the session entered
 * the TRANSACTION state (RFC 1939 section 5), locked against other POP3
 * sessions (store-lock.h), with the session's deletion marks.
 *
 * Message-numbers 1..count are fixed for the session: messages delivered
 * later are not shown, and messages expunged by IMAP meanwhile keep their
 * number and size but can no longer be retrieved. Deletion marks live only
 * here until pop3_maildrop_commit() (the UPDATE state, RFC 1939 section 6).
 *
 * UIDL (RFC 1939 section 7): "<uidvalidity>.<uid>" in decimal, e.g.
 * "1700000000.42". It is stable across sessions, unique within the
 * maildrop for as long as the mailbox keeps its UIDVALIDITY, and the same
 * numbers an IMAP client sees (UIDVALIDITY response code and UID).
 *
 * Owned by one session; every function may block on disk I/O.
 */
#ifndef COFFER_PROTO_POP3_MAILDROP_H
#define COFFER_PROTO_POP3_MAILDROP_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/err.h"

struct store;
struct pop3_maildrop;

/* "<10 digits>.<10 digits>" and the NUL. */
#define POP3_UIDL_MAX 22
#define POP3_LOCK_NAME "pop3"

/* Opens userid's INBOX (creating the account's store and INBOX on first
   login, M-Box guide section 2.2.10.2) and locks it. userdir: per-account
   mail root or NULL. login_delay: minimum seconds since the previous POP3
   login (0 = none). Fails with ERR_INUSE (another POP3 session has the
   maildrop), ERR_LIMIT (login delay), or another class. */
int pop3_maildrop_open(struct store *store, const char *userid,
		       const char *userdir, unsigned login_delay,
		       struct pop3_maildrop **drop_r, struct err *err);
/* Releases the lock without changing anything and frees the maildrop
   (connection lost, timeout, QUIT done). NULL-safe; sets *drop to NULL. */
void pop3_maildrop_close(struct pop3_maildrop **drop);

/* Messages at login (the highest message-number). */
uint32_t pop3_maildrop_count(const struct pop3_maildrop *drop);
/* Messages and octets not marked as deleted (STAT, RFC 1939 section 5:
   "messages marked as deleted are not counted in either total"). */
uint32_t pop3_maildrop_live_count(const struct pop3_maildrop *drop);
uint64_t pop3_maildrop_live_size(const struct pop3_maildrop *drop);

/* Whether msg (1..count) exists and is not marked as deleted. */
bool pop3_maildrop_valid(const struct pop3_maildrop *drop, uint32_t msg);
bool pop3_maildrop_is_deleted(const struct pop3_maildrop *drop, uint32_t msg);
/* Exact size in octets as stored (RFC822.SIZE, CRLF line ends), as it
   was at login; 0 for a number out of range. */
uint64_t pop3_maildrop_size(const struct pop3_maildrop *drop, uint32_t msg);
/* Writes the unique-id of msg into uidl_r. */
void pop3_maildrop_uidl(struct pop3_maildrop *drop, uint32_t msg,
			char uidl_r[POP3_UIDL_MAX]);

/* Opens the message file; the caller closes *fd_r. ERR_EXPUNGED if
   another session expunged it meanwhile. */
int pop3_maildrop_open_msg(struct pop3_maildrop *drop, uint32_t msg, int *fd_r,
			   struct err *err);
/* Remembers that msg was retrieved completely (RETR): it gets \Seen at
   commit, so IMAP clients see it as read. */
void pop3_maildrop_mark_retrieved(struct pop3_maildrop *drop, uint32_t msg);

/* DELE: marks msg; it must be valid. */
void pop3_maildrop_delete(struct pop3_maildrop *drop, uint32_t msg);
/* RSET: clears every mark. */
void pop3_maildrop_reset(struct pop3_maildrop *drop);
/* Marked messages (for logs). */
uint32_t pop3_maildrop_deleted_count(const struct pop3_maildrop *drop);

/* The UPDATE state: sets \Seen on retrieved messages, then \Deleted on the
   marked ones and expunges exactly those (UID EXPUNGE semantics, RFC 4315
   section 2.1), so concurrent IMAP sessions see them expunged. Messages
   already expunged elsewhere are skipped. Returns 0, or -1 if some marked
   messages may not have been removed (RFC 1939 section 6: "-ERR some
   deleted messages not removed"). */
int pop3_maildrop_commit(struct pop3_maildrop *drop, struct err *err);

/* Refreshes the lock's heartbeat (every STORE_LOCK_HEARTBEAT_SECS).
   ERR_INUSE: the lock was lost and the session must end. */
int pop3_maildrop_heartbeat(struct pop3_maildrop *drop, struct err *err);

#endif
