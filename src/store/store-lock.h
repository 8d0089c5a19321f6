/* SPDX-License-Identifier: MIT */
/*
 * Maildrop locks: exclusive access of one kind of session (POP3, RFC 1939
 * section 4: "an exclusive-access lock on the maildrop") to an account,
 * across threads, processes and hosts that share the store -- without
 * flock() or fcntl() locks, which network file systems implement poorly
 * and which a crashed host never releases.
 *
 * A lock is a small file <account>/.coffer/<name>.lock created atomically
 * (link(2) of a fully written claim file) and naming its holder: host name,
 * boot id, pid, process start time and a random token. Its mtime is a
 * heartbeat the holder refreshes while the session lives. A lock is stale,
 * and may be taken over, when
 *   - its heartbeat is older than STORE_LOCK_STALE_SECS (any host), or
 *   - it was written on this host and the holder process is gone (its pid
 *     is unused or belongs to a process with another start time, or the
 *     host rebooted since).
 * Take-over renames a fresh claim over the stale file, serialised by an
 * exclusive marker file named after the stale file's inode, so that two
 * contenders cannot both win. The protocol is described in full in
 * docs/maildrop-lock.md and in store-lock.c.
 *
 * Hosts sharing a store must have distinct host names and roughly
 * synchronised clocks (the heartbeat is compared with the local clock).
 *
 * Thread-safety: a struct store_maildrop_lock belongs to one session (one
 * thread at a time). Different locks may be used by different threads.
 * All functions do blocking file I/O.
 */
#ifndef COFFER_STORE_STORE_LOCK_H
#define COFFER_STORE_STORE_LOCK_H

#include <stdint.h>
#include "lib/err.h"

struct store_user;
struct store_maildrop_lock;

/* How often a holder should call store_maildrop_lock_refresh(), and the
   heartbeat age after which a lock is stale whoever wrote it. */
#define STORE_LOCK_HEARTBEAT_SECS 60
#define STORE_LOCK_STALE_SECS 300
/* Longest lock name ("pop3"): letters, digits and '-'. */
#define STORE_LOCK_NAME_MAX 32

/* Takes the lock `name` of the account. min_interval_secs > 0 also
   enforces a minimum time between two successful acquisitions (POP3
   LOGIN-DELAY, RFC 2449 section 6.5): the time of the last one is kept in
   <account>/.coffer/<name>.last.
   Returns 0 with *lock_r set, or -1 with err set: ERR_INUSE if a live
   holder has it, ERR_LIMIT if the previous acquisition is too recent,
   ERR_PARAMS for a bad name, other classes for I/O errors. */
int store_maildrop_lock(struct store_user *user, const char *name,
			unsigned min_interval_secs,
			struct store_maildrop_lock **lock_r, struct err *err);

/* Refreshes the heartbeat and checks that the lock is still ours. Returns
   0, or -1 with ERR_INUSE if it was taken over (the session must end
   without changing the maildrop) or another class for an I/O error. */
int store_maildrop_lock_refresh(struct store_maildrop_lock *lock,
				struct err *err);

/* Releases the lock (if still ours) and frees it; sets *lock to NULL.
   NULL-safe. */
void store_maildrop_unlock(struct store_maildrop_lock **lock);

#endif
