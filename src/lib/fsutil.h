/* SPDX-License-Identifier: MIT */
/*
 * File-system helpers with the durability discipline written down in
 * docs/storage-format.md: data is fsync()ed before it is made visible by
 * rename()/link(), and the directory is fsync()ed after it changes when the
 * change must survive a power cut.
 */
#ifndef COFFER_LIB_FSUTIL_H
#define COFFER_LIB_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <dirent.h>
#include <sys/types.h>
#include "lib/buf.h"
#include "lib/err.h"

/* Writes everything, retrying on EINTR and short writes. 0 or -1 (errno). */
int write_full(int fd, const void *data, size_t len);
int pwrite_full(int fd, const void *data, size_t len, off_t offset);
/* Reads up to len bytes, retrying on EINTR; returns bytes read (short only at
   EOF) or -1. */
ssize_t read_full(int fd, void *data, size_t len);
ssize_t pread_full(int fd, void *data, size_t len, off_t offset);

int fsync_dirfd(int dirfd);
int fsync_dir(const char *path);
/* fsync()s the directory containing path. */
int fsync_parent(const char *path);

/* mkdir -p; existing directories are fine. */
int mkdir_parents(const char *path, mode_t mode);

/* Reads a whole file of at most max bytes into out (appended). Fails with
   ERR_TOOBIG beyond max. dirfd may be AT_FDCWD. */
int file_read_all_at(int dirfd, const char *path, size_t max, struct buf *out,
		     struct err *err);
int file_read_all(const char *path, size_t max, struct buf *out,
		  struct err *err);

/* Replaces path atomically: writes "<path>.tmp.<unique>", fsyncs it when
   durable, renames it over path, then fsyncs the directory when durable.
   A crash leaves either the old or the new content, never a mixture. */
int file_write_atomic(const char *path, const void *data, size_t len,
		      mode_t mode, bool durable, struct err *err);
/* As above, relative to a directory fd. */
int file_write_atomic_at(int dirfd, const char *name, const void *data,
			 size_t len, mode_t mode, bool durable,
			 struct err *err);

/* Removes a directory tree without following symlinks. Missing is OK. */
int rm_rf(const char *path, struct err *err);
int rm_rf_at(int dirfd, const char *name, struct err *err);

/* A directory stream over a duplicate of dirfd, positioned at the start
   (dirfd itself stays open and unchanged). NULL with errno on failure. */
DIR *opendir_at(int dirfd);

/* Fills buf with a name unique across processes and hosts:
   "<sec>.<usec>.<pid>.<random hex>". */
void unique_name(char *buf, size_t size);
#define UNIQUE_NAME_MAX 64

#endif
