/* SPDX-License-Identifier: MIT */
/*
 * File-system primitives of the local user database. Visibility is always
 * atomic: new files are written under a temporary name starting with '.',
 * fsynced, and then appear under their real name with link() (creation:
 * fails if the name exists, also across hosts sharing the file system) or
 * rename() (replacement); the directory is fsynced afterwards. A writer
 * killed at any point leaves at most a stray temporary file, never a
 * partial record or claim.
 */
#include "auth/userdb-local-private.h"
#include "lib/fsutil.h"
#include "lib/str.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool
keep_byte(unsigned char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	if (c == '.')
		return !first;
	return c != '\0' && strchr("_+=@-", c) != NULL;
}

int
userdb_local_fs_encode(const char *s, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool keep = keep_byte(c, i == 0);

		if (o + (keep ? 1 : 3) >= size)
			return -1;
		if (keep) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
userdb_local_fs_decode(const char *s, char *out, size_t size)
{
	size_t o = 0;

	if (s[0] == '\0' || s[0] == '.')
		return false;
	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 1 >= size)
			return false;
		if (c == '%') {
			int hi = hexval(s[i + 1]);
			int lo = hi < 0 ? -1 : hexval(s[i + 2]);

			if (lo < 0)
				return false;
			c = (unsigned char)(hi << 4 | lo);
			/* only bytes that must be escaped may be: keeps the
			   encoding injective */
			if (keep_byte(c, i == 0))
				return false;
			i += 2;
		} else if (!keep_byte(c, i == 0)) {
			return false;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

int
userdb_local_fs_path(const struct local_db *ldb, enum local_tree tree,
		     const char *name, struct local_path *p, struct err *err)
{
	const char *at = strrchr(name, '@');
	char domain[NAME_MAX + 1];
	int n;

	if (at == NULL ||
	    userdb_local_fs_encode(at + 1, strlen(at + 1), domain,
				   sizeof(domain)) < 0 ||
	    userdb_local_fs_encode(name, (size_t)(at - name), p->leaf,
				   sizeof(p->leaf) - 8) < 0)
		return err_set(err, ERR_PARAMS, "cannot encode name %s", name);
	n = snprintf(p->dir, sizeof(p->dir), "%s/%s/%s", ldb->root,
		     tree == LOCAL_USERS ? "users" : "names", domain);
	if (n < 0 || (size_t)n >= sizeof(p->dir))
		return err_set(err, ERR_PARAMS, "path too long for %s", name);
	return 0;
}

int
userdb_local_fs_open_dir(const struct local_path *p, bool create,
			 struct err *err)
{
	int fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && create && errno == ENOENT) {
		if (mkdir_parents(p->dir, 0700) < 0)
			return err_set_errno(err, "mkdir", p->dir);
		fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return err_set_errno(err, "open", p->dir);
	return fd;
}

/* Writes data to a new ".tmp.<unique>" file in dirfd and syncs it. */
static int
write_temp(int dirfd, const void *data, size_t len, char *tmp, size_t size,
	   struct err *err)
{
	char uniq[UNIQUE_NAME_MAX];
	int fd;

	unique_name(uniq, sizeof(uniq));
	snprintf(tmp, size, ".tmp.%s", uniq);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set_errno(err, "open", tmp);
	if (write_full(fd, data, len) < 0 || fdatasync(fd) < 0) {
		err_set_errno(err, "write", tmp);
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (close(fd) < 0) {
		err_set_errno(err, "close", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int
userdb_local_fs_create(int dirfd, const char *leaf, const void *data,
		       size_t len, struct err *err)
{
	char tmp[UNIQUE_NAME_MAX + 8];
	int ret = 0;

	if (write_temp(dirfd, data, len, tmp, sizeof(tmp), err) < 0)
		return -1;
	/* link() is atomic and refuses to replace, also over NFS */
	if (linkat(dirfd, tmp, dirfd, leaf, 0) < 0)
		ret = errno == EEXIST ? 1 : err_set_errno(err, "link", leaf);
	unlinkat(dirfd, tmp, 0);
	if (ret == 0 && fsync_dirfd(dirfd) < 0)
		return err_set_errno(err, "fsync", leaf);
	return ret;
}

int
userdb_local_fs_replace(int dirfd, const char *leaf, const void *data,
			size_t len, struct err *err)
{
	char tmp[UNIQUE_NAME_MAX + 8];

	if (write_temp(dirfd, data, len, tmp, sizeof(tmp), err) < 0)
		return -1;
	if (renameat(dirfd, tmp, dirfd, leaf) < 0) {
		err_set_errno(err, "rename", leaf);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (fsync_dirfd(dirfd) < 0)
		return err_set_errno(err, "fsync", leaf);
	return 0;
}

int
userdb_local_fs_read(int dirfd, const char *leaf, size_t max, struct buf *out,
		     struct err *err)
{
	struct err rerr;

	if (file_read_all_at(dirfd, leaf, max, out, &rerr) == 0)
		return 1;
	if (rerr.code == ERR_NOTFOUND && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (rerr.code == ERR_TOOBIG)
		return err_set(err, ERR_CORRUPT, "%s", rerr.msg);
	*err = rerr;
	return -1;
}

int
userdb_local_fs_unlink(int dirfd, const char *leaf, struct err *err)
{
	if (unlinkat(dirfd, leaf, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set_errno(err, "unlink", leaf);
	}
	if (fsync_dirfd(dirfd) < 0)
		return err_set_errno(err, "fsync", leaf);
	return 0;
}

/* One attempt: 1 locked, 0 busy, -1 error. */
static int
try_lock(struct local_lock *lock, struct err *err)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat st_fd, st_path;

	lock->fd = openat(lock->dirfd, lock->name,
			  O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock->fd < 0)
		return err_set_errno(err, "open", lock->name);
	/* OFD locks belong to the open file, so threads of one process
	   exclude each other too; they vanish when the holder dies. */
	if (fcntl(lock->fd, F_OFD_SETLK, &fl) < 0) {
		int e = errno;

		close(lock->fd);
		lock->fd = -1;
		if (e == EAGAIN || e == EACCES || e == EINTR)
			return 0;
		errno = e;
		return err_set_errno(err, "fcntl(F_OFD_SETLK)", lock->name);
	}
	/* A deleter may have unlinked the file we locked: retry then. */
	if (fstat(lock->fd, &st_fd) < 0 ||
	    fstatat(lock->dirfd, lock->name, &st_path, AT_SYMLINK_NOFOLLOW) <
		0 ||
	    st_fd.st_ino != st_path.st_ino || st_fd.st_dev != st_path.st_dev) {
		close(lock->fd);
		lock->fd = -1;
		return 0;
	}
	return 1;
}

int
userdb_local_fs_lock(const struct local_db *ldb, const char *userid,
		     unsigned wait_ms, struct local_lock *lock, struct err *err)
{
	uint64_t deadline = time_mono_ms() + wait_ms;
	struct timespec pause = {0, 5 * 1000 * 1000};
	struct local_path p;
	int ret;

	lock->fd = lock->dirfd = -1;
	if (userdb_local_fs_path(ldb, LOCAL_USERS, userid, &p, err) < 0)
		return -1;
	snprintf(lock->name, sizeof(lock->name), ".%s.lock", p.leaf);
	lock->dirfd = userdb_local_fs_open_dir(&p, true, err);
	if (lock->dirfd < 0)
		return -1;
	while ((ret = try_lock(lock, err)) == 0) {
		if (time_mono_ms() >= deadline) {
			close(lock->dirfd);
			lock->dirfd = -1;
			return err_set(err, ERR_TEMP,
				       "account %s is locked by another "
				       "writer; try again",
				       userid);
		}
		nanosleep(&pause, NULL);
	}
	if (ret < 0) {
		close(lock->dirfd);
		lock->dirfd = -1;
		return -1;
	}
	return 0;
}

void
userdb_local_fs_unlock(struct local_lock *lock, bool remove)
{
	if (lock->fd >= 0) {
		if (remove)
			unlinkat(lock->dirfd, lock->name, 0);
		close(lock->fd);
	}
	if (lock->dirfd >= 0)
		close(lock->dirfd);
	lock->fd = lock->dirfd = -1;
}
