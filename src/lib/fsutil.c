/* SPDX-License-Identifier: MIT */
/* File-system helpers. */
#include "lib/fsutil.h"
#include "lib/rand.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

int
write_full(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
pwrite_full(int fd, const void *data, size_t len, off_t offset)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, offset);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

ssize_t
read_full(int fd, void *data, size_t len)
{
	char *p = data;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t
pread_full(int fd, void *data, size_t len, off_t offset)
{
	char *p = data;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, p + got, len - got,
				  offset + (off_t)got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
fsync_dirfd(int dirfd)
{
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
}

int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = fsync_dirfd(fd);
	close(fd);
	return ret;
}

int
fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return fsync_dir(".");
	if (slash == path)
		return fsync_dir("/");
	if ((size_t)(slash - path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return fsync_dir(dir);
}

int
mkdir_parents(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp)) {
		errno = len == 0 ? EINVAL : ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
file_read_all_at(int dirfd, const char *path, size_t max, struct buf *out,
		 struct err *err)
{
	struct stat st;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return err_set_errno(err, "open", path);
	if (fstat(fd, &st) < 0) {
		err_set_errno(err, "fstat", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, ERR_PARAMS, "%s: not a regular file",
			       path);
	}
	for (;;) {
		ssize_t n;

		if (out->len >= max + 1 || buf_reserve(out, 8192) < 0) {
			close(fd);
			return err_set(err, ERR_TOOBIG,
				       "%s: larger than %zu bytes", path, max);
		}
		n = read(fd, buf_tail(out), buf_room(out) - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set_errno(err, "read", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > max) {
			close(fd);
			return err_set(err, ERR_TOOBIG,
				       "%s: larger than %zu bytes", path, max);
		}
	}
	close(fd);
	return 0;
}

int
file_read_all(const char *path, size_t max, struct buf *out, struct err *err)
{
	return file_read_all_at(AT_FDCWD, path, max, out, err);
}

int
file_write_atomic_at(int dirfd, const char *name, const void *data,
		     size_t len, mode_t mode, bool durable, struct err *err)
{
	char tmp[PATH_MAX], uniq[UNIQUE_NAME_MAX];
	int fd;

	unique_name(uniq, sizeof(uniq));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%s", name, uniq) >=
	    sizeof(tmp))
		return err_set(err, ERR_PARAMS, "path too long: %s", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    mode);
	if (fd < 0)
		return err_set_errno(err, "open", tmp);
	if (write_full(fd, data, len) < 0 || (durable && fdatasync(fd) < 0)) {
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
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		err_set_errno(err, "rename", tmp);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (durable) {
		int ret;

		if (dirfd == AT_FDCWD)
			ret = fsync_parent(name);
		else if (strchr(name, '/') == NULL)
			ret = fsync_dirfd(dirfd);
		else {
			char dir[PATH_MAX];
			const char *slash = strrchr(name, '/');
			int dfd;

			snprintf(dir, sizeof(dir), "%.*s",
				 (int)(slash - name), name);
			dfd = openat(dirfd, dir,
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			ret = dfd < 0 ? -1 : fsync_dirfd(dfd);
			if (dfd >= 0)
				close(dfd);
		}
		if (ret < 0)
			return err_set_errno(err, "fsync", name);
	}
	return 0;
}

int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		  bool durable, struct err *err)
{
	return file_write_atomic_at(AT_FDCWD, path, data, len, mode, durable,
				    err);
}

static int
rm_contents(int dfd, struct err *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int ret = 0;

	if (d == NULL) {
		close(dfd);
		return err_set_errno(err, "fdopendir", "");
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, err) < 0)
			ret = -1;
	}
	closedir(d);
	return ret;
}

int
rm_rf_at(int dirfd, const char *name, struct err *err)
{
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return err_set_errno(err, "unlink", name);
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set_errno(err, "open", name);
	if (rm_contents(fd, err) < 0)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return err_set_errno(err, "rmdir", name);
	return 0;
}

int
rm_rf(const char *path, struct err *err)
{
	return rm_rf_at(AT_FDCWD, path, err);
}

DIR *
opendir_at(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}

void
unique_name(char *buf, size_t size)
{
	struct timeval tv;
	uint8_t r[6];

	gettimeofday(&tv, NULL);
	rand_bytes(r, sizeof(r));
	snprintf(buf, size, "%lld.%06ld.%d.%02x%02x%02x%02x%02x%02x",
		 (long long)tv.tv_sec, (long)tv.tv_usec, (int)getpid(), r[0],
		 r[1], r[2], r[3], r[4], r[5]);
}
