/* SPDX-License-Identifier: MIT */
/* Spool files for single-instance delivery, and their crash cleanup. */
#include "proto/lmtp/lmtp-spool.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A spool file older than this is stale whoever wrote it: no session
   lives that long (the idle timeout ends it much earlier). */
#define LMTP_SPOOL_STALE_SECS 86400

struct lmtp_spool {
	char *path;
	int fd;
	bool unnamed; /* O_TMPFILE: path is /proc/self/fd/<fd> */
	bool fsync;
	bool whole; /* finished, and buf holds the whole message */
	uint64_t written; /* octets in the file */
	uint8_t *buf;
	size_t len, cap, max;
};

/* Host names become file-name prefixes: only [A-Za-z0-9.-], bounded. */
static void
host_tag(const char *host, char *out)
{
	size_t n = 0;

	for (; host[n] != '\0' && n < LMTP_SPOOL_HOST_MAX; n++) {
		char ch = host[n];

		out[n] = ascii_isalpha(ch) || ascii_isdigit(ch) || ch == '-' ||
				 (ch == '.' && n > 0)
			     ? ch
			     : '_';
	}
	if (n == 0)
		out[n++] = '_';
	out[n] = '\0';
}

/* The writer's pid from "<sec>.<usec>.<pid>.<hex>", or 0. */
static pid_t
name_pid(const char *unique)
{
	char copy[UNIQUE_NAME_MAX + 1], *parts[4];
	uint32_t pid;

	if (str_copy(copy, unique, sizeof(copy)) >= sizeof(copy) ||
	    str_split(copy, '.', parts, 4) != 4 ||
	    str_to_u32(parts[2], &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return 0;
	return (pid_t)pid;
}

static bool
file_stale(int dirfd, const char *name, const char *unique, time_t now)
{
	pid_t pid = name_pid(unique);
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(sb.st_mode))
		return false;
	if (now - sb.st_mtime > LMTP_SPOOL_STALE_SECS)
		return true;
	/* our own pid at start-up means a previous process had it */
	return pid == 0 || pid == getpid() ||
	       (kill(pid, 0) < 0 && errno == ESRCH);
}

int
lmtp_spool_dir_init(const char *dir, const char *host, struct err *err)
{
	char tag[LMTP_SPOOL_HOST_MAX + 2];
	size_t tag_len;
	time_t now = time(NULL);
	struct dirent *de;
	int removed = 0;
	DIR *d;

	if (mkdir_parents(dir, 0700) < 0)
		return err_set_errno(err, "mkdir", dir);
	d = opendir(dir);
	if (d == NULL)
		return err_set_errno(err, "opendir", dir);
	host_tag(host, tag);
	tag_len = strlen(tag);
	tag[tag_len++] = '-';
	tag[tag_len] = '\0';
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, tag, tag_len) != 0 ||
		    !file_stale(dirfd(d), de->d_name, de->d_name + tag_len,
				now))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
			removed++;
			log_info("lmtp: removed stale spool file %s/%s", dir,
				 de->d_name);
		} else if (errno != ENOENT) {
			log_warning("lmtp: unlink(%s/%s) failed: %m", dir,
				    de->d_name);
		}
	}
	closedir(d);
	return removed;
}

/* An unnamed file (O_TMPFILE) in dir: no directory entry to create and
   remove for every message, so concurrent sessions do not contend for the
   spool directory's lock, and a crash leaves nothing behind. The store
   links it into the mailbox through /proc/self/fd (open(2), O_TMPFILE).
   -1 where the file system or kernel cannot do it. */
static int
spool_open_unnamed(struct lmtp_spool *sp, const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	sp->fd = fd;
	sp->unnamed = true;
	sp->path = xasprintf("/proc/self/fd/%d", fd);
	return 0;
}

bool
lmtp_spool_unnamed_usable(void)
{
	return access("/proc/self/fd", X_OK) == 0;
}

int
lmtp_spool_create(const char *dir, const char *near, const char *host,
		  size_t buf_max, unsigned flags, struct lmtp_spool **spool_r,
		  struct err *err)
{
	char tag[LMTP_SPOOL_HOST_MAX + 1], uniq[UNIQUE_NAME_MAX];
	struct lmtp_spool *sp;

	sp = xcalloc(1, sizeof(*sp));
	sp->fsync = (flags & LMTP_SPOOL_FSYNC) != 0;
	sp->max = MAX(buf_max, (size_t)LMTP_SPOOL_BUF_MIN);
	if ((flags & LMTP_SPOOL_NAMED) == 0 &&
	    ((near != NULL && spool_open_unnamed(sp, near) == 0) ||
	     spool_open_unnamed(sp, dir) == 0)) {
		*spool_r = sp;
		return 0;
	}
	host_tag(host, tag);
	unique_name(uniq, sizeof(uniq));
	sp->path = xasprintf("%s/%s-%s", dir, tag, uniq);
	sp->fd = open(sp->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (sp->fd < 0) {
		err_set_errno(err, "open", sp->path);
		free(sp->path);
		free(sp);
		return -1;
	}
	*spool_r = sp;
	return 0;
}

static int
spool_flush(struct lmtp_spool *sp, struct err *err)
{
	if (sp->len == 0)
		return 0;
	if (write_full(sp->fd, sp->buf, sp->len) < 0)
		return err_set_errno(err, "write", sp->path);
	sp->written += sp->len;
	sp->len = 0;
	return 0;
}

uint8_t *
lmtp_spool_room(struct lmtp_spool *sp, size_t min, size_t *room_r,
		struct err *err)
{
	if (sp->cap - sp->len < min) {
		if (sp->cap < sp->max) {
			/* grow first: small messages stay one write() */
			size_t cap = sp->cap == 0 ? LMTP_SPOOL_BUF_MIN
						  : MIN(sp->cap * 2, sp->max);

			sp->buf = xreallocarray(sp->buf, cap, 1);
			sp->cap = cap;
		}
		if (sp->cap - sp->len < min && spool_flush(sp, err) < 0)
			return NULL;
	}
	*room_r = sp->cap - sp->len;
	return sp->buf + sp->len;
}

void
lmtp_spool_advance(struct lmtp_spool *sp, size_t n)
{
	sp->len += n;
}

int
lmtp_spool_append(struct lmtp_spool *sp, const void *data, size_t len,
		  struct err *err)
{
	const uint8_t *p = data;

	while (len > 0) {
		size_t room, n;
		uint8_t *dst = lmtp_spool_room(sp, 1, &room, err);

		if (dst == NULL)
			return -1;
		n = MIN(room, len);
		memcpy(dst, p, n);
		lmtp_spool_advance(sp, n);
		p += n;
		len -= n;
	}
	return 0;
}

int
lmtp_spool_finish(struct lmtp_spool *sp, struct err *err)
{
	bool whole = sp->written == 0;

	if (spool_flush(sp, err) < 0)
		return -1;
	if (whole && sp->written > 0) {
		sp->whole = true;
	} else {
		xfree(&sp->buf);
		sp->cap = 0;
	}
	/* optional (LMTP_SPOOL_FSYNC): the store syncs the inode it links
	   anyway, so a sync here only moves that work earlier */
	if (sp->fsync && fdatasync(sp->fd) < 0)
		return err_set_errno(err, "fdatasync", sp->path);
#ifdef SYNC_FILE_RANGE_WRITE
	/* Without it, the data goes to the disk while the message is
	   parsed and the recipients' mailboxes are opened, instead of
	   inside the store's fdatasync(). Only a hint: it promises
	   nothing, and failure changes nothing. */
	if (!sp->fsync && sp->written > 0)
		(void)sync_file_range(sp->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
	return 0;
}

const uint8_t *
lmtp_spool_data(const struct lmtp_spool *sp)
{
	return sp->whole ? sp->buf : NULL;
}

void
lmtp_spool_release_data(struct lmtp_spool *sp)
{
	xfree(&sp->buf);
	sp->cap = sp->len = 0;
	sp->whole = false;
}

const char *
lmtp_spool_path(const struct lmtp_spool *sp)
{
	return sp->path;
}

uint64_t
lmtp_spool_size(const struct lmtp_spool *sp)
{
	return sp->written + sp->len;
}

void
lmtp_spool_destroy(struct lmtp_spool **spp)
{
	struct lmtp_spool *sp = *spp;

	if (sp == NULL)
		return;
	if (sp->fd >= 0)
		close(sp->fd);
	if (!sp->unnamed && unlink(sp->path) < 0 && errno != ENOENT)
		log_warning("lmtp: unlink(%s) failed: %m", sp->path);
	free(sp->buf);
	free(sp->path);
	free(sp);
	*spp = NULL;
}
