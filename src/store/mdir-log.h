/* SPDX-License-Identifier: MIT */
/*
 * The log transport of a mailbox generation: how records are ordered and
 * read. Two implementations share the record format and the rule that a
 * record is built against the exact state it follows:
 *
 * link mode (network and cluster file systems: NFS, CIFS, FUSE...):
 *   log.<G>/ is a directory; record number S is the file log.<G>/<S>,
 *   claimed with link(2), which fails if S is taken.
 *
 * append mode (local file systems, the default there):
 *   log.<G> is one file; each entry carries the sequence number it was
 *   built against (prev) and is appended with O_APPEND, which the kernel
 *   serialises. An entry is accepted iff prev equals the number of entries
 *   accepted before it; every reader applies that rule to the same bytes
 *   and so agrees on the order. A writer whose entry was rejected reads the
 *   ones that won, rebuilds and appends again. No inode per record, one
 *   write per commit.
 *
 * The mode is chosen when the mailbox is created and kept in its header,
 * so every process and host uses the same one.
 */
#ifndef COFFER_STORE_MDIR_LOG_H
#define COFFER_STORE_MDIR_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"

struct mdir_log {
	int fd;		/* log.<G>: directory (link) or file (append) */
	bool append;	/* mode */
	uint32_t gen;
	uint64_t seq;	/* last accepted record read */
	uint64_t off;	/* append mode: bytes consumed */
	struct buf rbuf; /* append mode: bytes read ahead, from rbuf_off */
	uint64_t rbuf_off;
};

/* Decimal file name of record `seq` in link mode. */
void mdir_seq_name(uint64_t seq, char out[24]);
void mdir_log_init(struct mdir_log *log, bool append);
void mdir_log_close(struct mdir_log *log);
/* The reader caught up: frees a read-ahead buffer grown past its minimum,
   so that idle mailboxes hold no I/O memory. */
void
mdir_log_idle(struct mdir_log *log);
/* Opens log.<gen> in mdir_fd, positioned after record `seq` (which must
   be where the generation starts, i.e. its snapshot's base or the CLOSE
   that led to it). */
int mdir_log_open(struct mdir_log *log, int mdir_fd, uint32_t gen,
		  uint64_t seq, struct err *err);
/* Creates log.<gen> (directory or empty file); an existing one is fine. */
int mdir_log_create(int mdir_fd, bool append, uint32_t gen, struct err *err);
/* Reads the record following log->seq into out. Returns 1 (and advances
   log->seq), 0 if there is none yet, -1 on error. */
int mdir_log_read_next(struct mdir_log *log, struct buf *out,
		       struct err *err);
/* Tries to commit rec as record log->seq + 1. Returns 1 if it is now
   that record (log->seq advanced), 0 if another writer got there first
   (read on, rebuild, retry), -1 on error. With durable, the record is on
   stable storage when 1 is returned, except for the final directory sync
   in link mode, which *dirsync_fd_r (if not -1) must receive. */
int mdir_log_append(struct mdir_log *log, int tmp_fd, const struct buf *rec,
		    bool durable, int *dirsync_fd_r, struct err *err);
/* True if log.<gen> in mdir_fd still names the generation we have open. */
bool mdir_log_is_current(const struct mdir_log *log, int mdir_fd);
/* Opens log.<gen> positioned at its first record, whatever it is (for
   recovery, when no snapshot says where the generation starts). */
int mdir_log_open_from_start(struct mdir_log *log, int mdir_fd, uint32_t gen,
			     struct err *err);

#endif
