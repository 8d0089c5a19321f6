/* SPDX-License-Identifier: MIT */
/*
 * Spool files: an incoming message is written once, to an unnamed file
 * beside the first recipient's mail or in the spool directory
 * (<data_dir>/spool, on the same file system as the users' mail by
 * default), and then added to every recipient's mailbox by the store,
 * which hard-links it where it can (single-instance storage) and copies
 * it otherwise.
 *
 * The octets are collected in a memory buffer that grows up to the
 * configured maximum (ms.conf lmtp_data_size) and is written out whenever
 * it fills, so most messages take a single write() and no message is
 * ever held in memory whole.
 *
 * Named files are "<host>-<unique>" (lib/fsutil.h unique_name(), which
 * holds the writer's pid). A file left by a crash is removed when the
 * service starts: lmtp_spool_dir_init() removes this host's files whose
 * writer is gone, and any of this host's files older than a day. Other
 * hosts sharing the directory clean up their own.
 *
 * A struct lmtp_spool belongs to one session (one thread at a time).
 */
#ifndef COFFER_PROTO_LMTP_SPOOL_H
#define COFFER_PROTO_LMTP_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"

struct lmtp_spool;

/* Longest host tag used in file names. */
#define LMTP_SPOOL_HOST_MAX 64
/* Smallest and initial size of the memory buffer. */
#define LMTP_SPOOL_BUF_MIN 16384

/* Creates dir (mode 0700, parents as needed) and removes stale files of
   this host (see above). host is the server's host name (sanitised for
   file names). Returns the number of files removed, or -1. */
int lmtp_spool_dir_init(const char *dir, const char *host, struct err *err);

/* Whether unnamed spool files can be linked into mailboxes: that goes
   through /proc/self/fd, which a chroot or container may lack. Without
   it, pass LMTP_SPOOL_NAMED. Checked once, by the server at creation. */
bool lmtp_spool_unnamed_usable(void);

/* lmtp_spool_create() flags */
#define LMTP_SPOOL_FSYNC 0x1u /* lmtp_spool_finish() calls fdatasync() */
#define LMTP_SPOOL_NAMED 0x2u /* never an unnamed (O_TMPFILE) file */

/* Creates a new empty spool file (mode 0600): unnamed (O_TMPFILE; its
   path is then /proc/self/fd/<n>) where the file system allows, else
   <dir>/<host>-<unique>. An unnamed file is created in near if that is
   not NULL and can hold one, else in dir. Passing a recipient's directory
   as near puts the file's inode beside that recipient's mail, where the
   file system's allocator spreads users apart, instead of every message
   of the server in the spool directory's allocation group. buf_max bounds
   the memory buffer (at least LMTP_SPOOL_BUF_MIN is used). Returns 0 or
   -1. */
int lmtp_spool_create(const char *dir, const char *near, const char *host,
		      size_t buf_max, unsigned flags,
		      struct lmtp_spool **spool_r, struct err *err);

/* Returns where at least min (<= LMTP_SPOOL_BUF_MIN) more octets may be
   written, and in *room_r how many fit; buffered octets are written to the
   file first if needed. Commit what was written with
   lmtp_spool_advance(). Returns NULL with err set on a write error. */
uint8_t *lmtp_spool_room(struct lmtp_spool *sp, size_t min, size_t *room_r,
			 struct err *err);
/* Marks n octets at the pointer lmtp_spool_room() returned as written. */
void lmtp_spool_advance(struct lmtp_spool *sp, size_t n);
/* Appends data (a convenience over room/advance). Returns 0 or -1. */
int lmtp_spool_append(struct lmtp_spool *sp, const void *data, size_t len,
		      struct err *err);

/* Writes what is buffered and, with LMTP_SPOOL_FSYNC, makes the file
   durable; without it, starts the write-back to the disk so that the
   store's sync later finds the data on its way. After this the file must
   not change. If the whole message was still in the memory buffer, its
   octets stay readable through lmtp_spool_data() until
   lmtp_spool_release_data(); otherwise the buffer is released. Returns 0
   or -1. */
int lmtp_spool_finish(struct lmtp_spool *sp, struct err *err);

/* After lmtp_spool_finish(): the whole message (size octets) if it is
   still in memory, else NULL. */
const uint8_t *lmtp_spool_data(const struct lmtp_spool *sp);
/* Releases the memory lmtp_spool_data() returns. */
void lmtp_spool_release_data(struct lmtp_spool *sp);

const char *lmtp_spool_path(const struct lmtp_spool *sp);
/* Octets written so far (buffered ones included). */
uint64_t lmtp_spool_size(const struct lmtp_spool *sp);

/* Closes and removes the file, frees the spool, sets *sp to NULL.
   NULL-safe. */
void lmtp_spool_destroy(struct lmtp_spool **sp);

#endif
