/* SPDX-License-Identifier: MIT */
/*
 * Maildrop locks (store-lock.h, docs/maildrop-lock.md).
 *
 * Files in <account>/.coffer/, for a lock named N:
 *
 *   N.lock                the lock; its content names the holder, its
 *                         mtime is the holder's heartbeat
 *   N.lock.<unique>       a claim: a complete lock file being installed
 *   N.lock.takeover.<ino> marker serialising the take-over of the stale
 *                         lock file with inode number <ino>
 *   N.last                mtime = time of the last successful acquisition
 *
 * Acquiring:
 *   1. write the claim (holder identity and a random token) and keep it
 *      open: that inode is our lock for the rest of the session;
 *   2. link(claim, N.lock): success means the lock was free and is ours.
 *      link(2) is atomic and exclusive on local and network file systems;
 *   3. on EEXIST, read N.lock (content and inode from one open file). A
 *      live holder means ERR_INUSE. A stale one is taken over:
 *   4. create N.lock.takeover.<ino> with O_EXCL. Whoever creates it is the
 *      only process allowed to replace that inode; everyone else answers
 *      ERR_INUSE (the winner's fresh lock will be live). The winner checks
 *      that N.lock is still that inode (it may have been replaced between
 *      steps 3 and 4), renames its claim over it -- rename(2) replaces
 *      atomically, there is never a moment without a lock file -- and
 *      removes the marker. A marker older than TAKEOVER_MARKER_MAX_AGE is
 *      the leftover of a process that died in step 4 and is removed.
 * Releasing: unlink N.lock if it still is our inode.
 * Heartbeat: futimens() on our open inode, then check that N.lock still is
 * that inode; if not, the lock was taken over (our heartbeat stopped for
 * longer than STORE_LOCK_STALE_SECS) and the session must end.
 *
 * The holder identity includes the process start time (field 22 of
 * /proc/<pid>/stat) and the kernel boot id, so a reused pid or a reboot is
 * not mistaken for a live holder.
 */
#include "store/store-lock.h"
#include "store/mdir-private.h"
#include "store/store.h"
#include "lib/codec.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/rand.h"
#include "lib/str.h"
#include "lib/strnum.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_MAGIC "coffer-maildrop-lock 1"
#define LOCK_FILE_MAX 1024
#define LOCK_TOKEN_BYTES 16
#define LOCK_HOST_MAX 255
#define LOCK_BOOT_MAX 64
#define LOCK_ATTEMPTS 4
/* A take-over marker this old belongs to a process that died while taking
   over; a claim file this old to one that died while acquiring. */
#define TAKEOVER_MARKER_MAX_AGE 60
#define CLAIM_MAX_AGE 3600

struct lock_holder {
	char host[LOCK_HOST_MAX + 1];
	char boot[LOCK_BOOT_MAX + 1];
	int64_t pid;
	uint64_t start;
	char token[2 * LOCK_TOKEN_BYTES + 1];
};

struct store_maildrop_lock {
	int dirfd; /* <account>/.coffer */
	int fd;	   /* our lock inode, open for the heartbeat */
	char file[STORE_LOCK_NAME_MAX + 8]; /* "<name>.lock" */
};

static bool
lock_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > STORE_LOCK_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!ascii_isalpha(name[i]) && !ascii_isdigit(name[i]) &&
		    name[i] != '-')
			return false;
	}
	return true;
}

/* Reads a small /proc file into buf (NUL-terminated); -1 if unreadable. */
static int
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read_full(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Start time of a process in clock ticks after boot: field 22 of
   /proc/<pid>/stat (proc(5)). The command name (field 2) may hold spaces
   and parentheses, so fields are counted from its last ')'. */
static int
process_start_time(int64_t pid, uint64_t *start_r)
{
	char path[64], stat[1024], *p, *fields[20];

	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	if (read_small(path, stat, sizeof(stat)) < 0)
		return -1;
	p = strrchr(stat, ')');
	if (p == NULL || p[1] != ' ')
		return -1;
	/* fields[0] is field 3 (state); field 22 is fields[19] */
	if (str_split(p + 2, ' ', fields, 20) < 20)
		return -1;
	p = strchr(fields[19], ' ');
	if (p != NULL)
		*p = '\0';
	return str_to_u64(fields[19], start_r);
}

static void
self_identity(struct lock_holder *self)
{
	memset(self, 0, sizeof(*self));
	if (gethostname(self->host, sizeof(self->host)) < 0 ||
	    self->host[0] == '\0')
		str_copy(self->host, "localhost", sizeof(self->host));
	self->host[sizeof(self->host) - 1] = '\0';
	if (read_small("/proc/sys/kernel/random/boot_id", self->boot,
		       sizeof(self->boot)) < 0)
		self->boot[0] = '\0';
	str_trim(self->boot);
	self->pid = getpid();
	if (process_start_time(self->pid, &self->start) < 0)
		self->start = 0;
}

static void
holder_format(const struct lock_holder *h, struct buf *out)
{
	buf_printf(out,
		   LOCK_MAGIC "\nhost=%s\nboot=%s\npid=%lld\nstart=%llu\n"
			      "token=%s\n",
		   h->host, h->boot, (long long)h->pid,
		   (unsigned long long)h->start, h->token);
}

/* Parses a lock file; returns 0, or -1 if it is not one we understand. */
static int
holder_parse(char *text, struct lock_holder *h)
{
	char *lines[8];
	int n;
	unsigned seen = 0;

	memset(h, 0, sizeof(*h));
	n = str_split(text, '\n', lines, N_ELEMENTS(lines));
	if (n != 7 || lines[6][0] != '\0' || strcmp(lines[0], LOCK_MAGIC) != 0)
		return -1;
	for (int i = 1; i < 6; i++) {
		char *v = strchr(lines[i], '=');

		if (v == NULL)
			return -1;
		*v++ = '\0';
		if (!str_is_printable_ascii(v))
			return -1;
		if (strcmp(lines[i], "host") == 0 &&
		    strlen(v) < sizeof(h->host)) {
			str_copy(h->host, v, sizeof(h->host));
			seen |= 1;
		} else if (strcmp(lines[i], "boot") == 0 &&
			   strlen(v) < sizeof(h->boot)) {
			str_copy(h->boot, v, sizeof(h->boot));
			seen |= 2;
		} else if (strcmp(lines[i], "pid") == 0 &&
			   str_to_i64(v, &h->pid) == 0) {
			seen |= 4;
		} else if (strcmp(lines[i], "start") == 0 &&
			   str_to_u64(v, &h->start) == 0) {
			seen |= 8;
		} else if (strcmp(lines[i], "token") == 0 &&
			   strlen(v) < sizeof(h->token)) {
			str_copy(h->token, v, sizeof(h->token));
			seen |= 16;
		} else {
			return -1;
		}
	}
	return seen == 31 ? 0 : -1;
}

/* Whether a lock file (parsed or not) with heartbeat mtime is stale. */
static bool
holder_stale(const struct lock_holder *h, bool parsed, int64_t mtime,
	     const struct lock_holder *self)
{
	int64_t now = time_now();
	uint64_t start;

	/* a heartbeat from the future (clock skew) counts as fresh */
	if (now - mtime > STORE_LOCK_STALE_SECS)
		return true;
	if (!parsed || strcmp(h->host, self->host) != 0)
		return false; /* only the heartbeat can tell */
	if (self->boot[0] != '\0' && strcmp(h->boot, self->boot) != 0)
		return true; /* written before this host rebooted */
	if (h->pid <= 0 || h->pid > INT_MAX)
		return true;
	if (kill((pid_t)h->pid, 0) < 0 && errno == ESRCH)
		return true;
	/* start 0: the holder could not read its own start time */
	if (h->start != 0 && process_start_time(h->pid, &start) == 0 &&
	    start != h->start)
		return true; /* the pid was reused */
	return false;
}

/* Reads the current lock file. Returns 1 with its inode and staleness,
   0 if it vanished, -1 on error. */
static int
lock_examine(int dirfd, const char *file, const struct lock_holder *self,
	     ino_t *ino_r, bool *stale_r, struct lock_holder *holder,
	     struct err *err)
{
	char text[LOCK_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	bool parsed;
	int fd;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set_errno(err, "open", file);
	}
	if (fstat(fd, &st) < 0 ||
	    (n = read_full(fd, text, LOCK_FILE_MAX)) < 0) {
		err_set_errno(err, "read", file);
		close(fd);
		return -1;
	}
	close(fd);
	text[n] = '\0';
	parsed = (size_t)n == strlen(text) && holder_parse(text, holder) == 0;
	*ino_r = st.st_ino;
	*stale_r = holder_stale(holder, parsed, st.st_mtim.tv_sec, self);
	return 1;
}

/* Removes claims and markers of lock `file` left by crashed processes. */
static void
remove_old_claims(int dirfd, const char *file)
{
	size_t len = strlen(file);
	int64_t now = time_now();
	struct dirent *de;
	DIR *dir = opendir_at(dirfd);

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		struct stat st;

		if (strncmp(de->d_name, file, len) != 0 ||
		    de->d_name[len] != '.' ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (now - st.st_mtim.tv_sec > CLAIM_MAX_AGE)
			(void)unlinkat(dirfd, de->d_name, 0);
	}
	closedir(dir);
}

/* Replaces the stale lock file (inode ino) with our claim. Returns 1 if the
   lock is ours, 0 to retry from the start, -1 with err set. */
static int
lock_takeover(int dirfd, const char *file, const char *claim, ino_t ino,
	      const struct lock_holder *stale, struct err *err)
{
	char marker[STORE_LOCK_NAME_MAX + 64];
	struct stat st;
	int fd;

	snprintf(marker, sizeof(marker), "%s.takeover.%llx", file,
		 (unsigned long long)ino);
	fd = openat(dirfd, marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		if (errno != EEXIST)
			return err_set_errno(err, "open", marker);
		if (fstatat(dirfd, marker, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    time_now() - st.st_mtim.tv_sec > TAKEOVER_MARKER_MAX_AGE) {
			(void)unlinkat(dirfd, marker, 0);
			return 0;
		}
		return err_set(err, ERR_INUSE, "maildrop is being locked");
	}
	close(fd);
	if (fstatat(dirfd, file, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ino != ino) {
		/* replaced or released since we looked: start again */
		(void)unlinkat(dirfd, marker, 0);
		return 0;
	}
	if (renameat(dirfd, claim, dirfd, file) < 0) {
		err_set_errno(err, "rename", claim);
		(void)unlinkat(dirfd, marker, 0);
		return -1;
	}
	(void)unlinkat(dirfd, marker, 0);
	log_info("store: took over stale maildrop lock %s of host %s pid %lld",
		 file, stale->host[0] != '\0' ? stale->host : "?",
		 (long long)stale->pid);
	remove_old_claims(dirfd, file);
	return 1;
}

/* Writes our claim file; returns its open descriptor or -1. */
static int
write_claim(int dirfd, const char *claim, const struct lock_holder *self,
	    struct err *err)
{
	struct buf text = BUF_INIT;
	int fd;

	fd = openat(dirfd, claim, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set_errno(err, "open", claim);
	holder_format(self, &text);
	if (write_full(fd, text.data, text.len) < 0) {
		err_set_errno(err, "write", claim);
		close(fd);
		(void)unlinkat(dirfd, claim, 0);
		fd = -1;
	}
	buf_free(&text);
	return fd;
}

/* The lock loop: 1 when our claim (fd) became the lock, -1 otherwise. */
static int
lock_acquire(int dirfd, const char *file, const char *claim,
	     const struct lock_holder *self, struct err *err)
{
	for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
		struct lock_holder holder;
		bool stale = false;
		ino_t ino = 0;
		int ret;

		if (linkat(dirfd, claim, dirfd, file, 0) == 0) {
			(void)unlinkat(dirfd, claim, 0);
			return 1;
		}
		if (errno != EEXIST)
			return err_set_errno(err, "link", file);
		ret =
		    lock_examine(dirfd, file, self, &ino, &stale, &holder, err);
		if (ret < 0)
			return -1;
		if (ret == 0)
			continue; /* released meanwhile */
		if (!stale)
			return err_set(err, ERR_INUSE, "maildrop is locked");
		ret = lock_takeover(dirfd, file, claim, ino, &holder, err);
		if (ret != 0)
			return ret;
	}
	return err_set(err, ERR_INUSE, "maildrop lock is contended");
}

static int
open_meta_dir(struct store_user *user, struct err *err)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/" MDIR_ACCOUNT_DIR,
			     store_user_dir(user)) >= sizeof(path))
		return err_set(err, ERR_PARAMS, "account path too long");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_set_errno(err, "mkdir", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set_errno(err, "open", path);
	return fd;
}

/* LOGIN-DELAY: checks and records the time of this acquisition. */
static int
check_interval(int dirfd, const char *name, unsigned min_interval_secs,
	       struct err *err)
{
	char last[STORE_LOCK_NAME_MAX + 8];
	struct stat st;
	int64_t now = time_now();
	int fd;

	snprintf(last, sizeof(last), "%s.last", name);
	if (min_interval_secs > 0 &&
	    fstatat(dirfd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    now >= st.st_mtim.tv_sec &&
	    now - st.st_mtim.tv_sec < (int64_t)min_interval_secs)
		return err_set(err, ERR_LIMIT, "last login was %llds ago",
			       (long long)(now - st.st_mtim.tv_sec));
	fd = openat(dirfd, last, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		return err_set_errno(err, "open", last);
	if (futimens(fd, NULL) < 0) {
		err_set_errno(err, "futimens", last);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
store_maildrop_lock(struct store_user *user, const char *name,
		    unsigned min_interval_secs,
		    struct store_maildrop_lock **lock_r, struct err *err)
{
	char claim[STORE_LOCK_NAME_MAX + UNIQUE_NAME_MAX + 16];
	uint8_t token[LOCK_TOKEN_BYTES];
	struct store_maildrop_lock *lock;
	struct lock_holder self;
	int dirfd, fd;

	if (!lock_name_valid(name))
		return err_set(err, ERR_PARAMS, "invalid lock name");
	dirfd = open_meta_dir(user, err);
	if (dirfd < 0)
		return -1;
	self_identity(&self);
	rand_bytes(token, sizeof(token));
	hex_encode(token, sizeof(token), self.token);

	lock = xcalloc(1, sizeof(*lock));
	lock->dirfd = dirfd;
	snprintf(lock->file, sizeof(lock->file), "%s.lock", name);
	snprintf(claim, sizeof(claim), "%s.", lock->file);
	unique_name(claim + strlen(claim), sizeof(claim) - strlen(claim));
	fd = write_claim(dirfd, claim, &self, err);
	if (fd < 0) {
		close(dirfd);
		free(lock);
		return -1;
	}
	lock->fd = fd;
	if (lock_acquire(dirfd, lock->file, claim, &self, err) < 0) {
		(void)unlinkat(dirfd, claim, 0);
		close(fd);
		close(dirfd);
		free(lock);
		return -1;
	}
	if (check_interval(dirfd, name, min_interval_secs, err) < 0) {
		store_maildrop_unlock(&lock);
		return -1;
	}
	*lock_r = lock;
	return 0;
}

/* Whether the lock file is still our inode: 1 yes, 0 no, -1 error. */
static int
lock_is_ours(struct store_maildrop_lock *lock, struct err *err)
{
	struct stat ours, cur;

	if (fstat(lock->fd, &ours) < 0)
		return err_set_errno(err, "fstat", lock->file);
	if (fstatat(lock->dirfd, lock->file, &cur, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set_errno(err, "stat", lock->file);
	}
	return cur.st_ino == ours.st_ino && cur.st_dev == ours.st_dev;
}

int
store_maildrop_lock_refresh(struct store_maildrop_lock *lock, struct err *err)
{
	int ret;

	if (futimens(lock->fd, NULL) < 0)
		return err_set_errno(err, "futimens", lock->file);
	ret = lock_is_ours(lock, err);
	if (ret < 0)
		return -1;
	if (ret == 0)
		return err_set(err, ERR_INUSE, "maildrop lock was taken over");
	return 0;
}

void
store_maildrop_unlock(struct store_maildrop_lock **lockp)
{
	struct store_maildrop_lock *lock = *lockp;
	struct err err;

	if (lock == NULL)
		return;
	*lockp = NULL;
	/* A lock taken over by someone else is theirs now: leave it. */
	if (lock_is_ours(lock, &err) > 0 &&
	    unlinkat(lock->dirfd, lock->file, 0) < 0 && errno != ENOENT)
		log_warning("store: unlink(%s) failed: %m", lock->file);
	close(lock->fd);
	close(lock->dirfd);
	free(lock);
}
