/* SPDX-License-Identifier: MIT */
/*
 * Mailboxes as directories: names to paths, CREATE, DELETE, RENAME and
 * special-use attributes. A mailbox is a directory of the account tree; it
 * is selectable when it contains a .mdir directory, otherwise it exists
 * only as the parent of others (\Noselect).
 */
#include "store/mdir-private.h"
#include "store/store-path.h"
#include "lib/codec.h"
#include "lib/endian.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/rand.h"
#include "lib/str.h"
#include "lib/strnum.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static const char *const special_uses[] = {
	"\\All", "\\Archive", "\\Drafts", "\\Flagged",
	"\\Junk", "\\Sent", "\\Trash",
};

int
store_mailbox_name_validate(const char *name, struct err *err)
{
	size_t len = strlen(name), comp = 0;
	unsigned depth = 1;

	if (len == 0)
		return err_set(err, ERR_PARAMS, "empty mailbox name");
	if (len > STORE_MAILBOX_NAME_MAX)
		return err_set(err, ERR_PARAMS, "mailbox name too long");
	if (!utf8_valid(name, len))
		return err_set(err, ERR_PARAMS, "mailbox name is not UTF-8");
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == STORE_HIERARCHY_SEP || c == '\0') {
			if (comp == 0)
				return err_set(err, ERR_PARAMS,
					       "empty hierarchy level in "
					       "mailbox name");
			comp = 0;
			if (c != '\0' && ++depth > STORE_MAILBOX_DEPTH_MAX)
				return err_set(err, ERR_PARAMS,
					       "mailbox hierarchy too deep");
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return err_set(err, ERR_PARAMS,
				       "control character in mailbox name");
		comp++;
	}
	return 0;
}

const char *
mdir_canonical_name(const char *name, char *buf, size_t size)
{
	/* RFC 3501 section 5.1: INBOX is case-insensitive, also as the
	   first level of a hierarchical name */
	if (strncasecmp(name, STORE_INBOX, 5) == 0 &&
	    (name[5] == '\0' || name[5] == STORE_HIERARCHY_SEP) &&
	    strncmp(name, STORE_INBOX, 5) != 0) {
		snprintf(buf, size, "%s%s", STORE_INBOX, name + 5);
		return buf;
	}
	return name;
}

int
mdir_mailbox_path(struct mdir_user *u, const char *name, struct buf *out,
		  struct err *err)
{
	char cbuf[STORE_MAILBOX_NAME_MAX + 8];
	const char *p;

	if (store_mailbox_name_validate(name, err) < 0)
		return -1;
	name = mdir_canonical_name(name, cbuf, sizeof(cbuf));
	buf_append_str(out, u->pub.dir);
	for (p = name; *p != '\0';) {
		const char *sep = strchr(p, STORE_HIERARCHY_SEP);
		size_t len = sep != NULL ? (size_t)(sep - p) : strlen(p);

		buf_append_c(out, '/');
		if (store_path_encode_component(p, len, out, err) < 0)
			return -1;
		p += len;
		if (*p == STORE_HIERARCHY_SEP)
			p++;
	}
	return 0;
}

int
mdir_mailbox_open_dir(struct mdir_user *u, const char *name, int *fd_r,
		      struct err *err)
{
	struct buf path = BUF_INIT;
	int fd;

	if (mdir_mailbox_path(u, name, &path, err) < 0) {
		buf_free(&path);
		return -1;
	}
	buf_append_str(&path, "/" MDIR_DIR);
	fd = open(buf_cstr(&path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			err_set(err, ERR_NOTFOUND, "Mailbox doesn't exist: %s",
				name);
		else
			err_set_errno(err, "open", buf_cstr(&path));
		buf_free(&path);
		return -1;
	}
	buf_free(&path);
	*fd_r = fd;
	return 0;
}

/* Allocates a UIDVALIDITY for a new mailbox of the account: the current
   time, but always above any value this account handed out before, so
   that a mailbox deleted and re-created under the same name never reuses
   one (RFC 3501 section 2.3.1.1). Concurrent creators may obtain the same
   value for *different* names, which is allowed. */
static uint32_t
next_uidvalidity(const char *acct_dir)
{
	char path[4096], text[32];
	struct buf b = BUF_INIT;
	uint32_t last = 0, now = (uint32_t)time_now(), v;

	snprintf(path, sizeof(path), "%s/%s/uidvalidity", acct_dir,
		 MDIR_ACCOUNT_DIR);
	if (file_read_all(path, 64, &b, NULL) == 0) {
		char *s = str_trim((char *)buf_cstr(&b));

		if (str_to_u32(s, &last) < 0)
			last = 0;
	}
	buf_free(&b);
	v = now > last ? now : last + 1;
	if (v == 0)
		v = 1;
	snprintf(text, sizeof(text), "%u\n", v);
	if (file_write_atomic(path, text, strlen(text), 0600, false, NULL) < 0)
		log_warning("mdir: cannot record UIDVALIDITY in %s", path);
	return v;
}

static int
write_empty_index(int dfd, const struct mdir_header *mh, bool durable,
		  struct err *err)
{
	struct mdir_index_header h;
	uint8_t data[MDIR_INDEX_HEADER_SIZE + 2];

	memset(&h, 0, sizeof(h));
	h.uidvalidity = mh->uidvalidity;
	h.uidnext = 1;
	h.gen = 1;
	/* sequence numbers (and so MODSEQs) start above 1 */
	h.base_seq = 1;
	h.highestmodseq = 1;
	h.recent_next = 1;
	memcpy(h.guid, mh->guid, 16);
	h.kwset_count = 1; /* the empty set */
	h.body_len = 2;
	le_put16(data + MDIR_INDEX_HEADER_SIZE, 0);
	h.body_crc = mdir_crc32(data + MDIR_INDEX_HEADER_SIZE, 2);
	mdir_index_header_encode(&h, data);
	return file_write_atomic_at(dfd, "index.1", data, sizeof(data), 0600,
				    durable, err);
}

/* Network and cluster file systems, where several hosts may append to one
   file: the log must use link mode there. */
static bool
shared_file_system(int fd)
{
	static const long magic[] = {
		0x6969,	    /* NFS */
		0x517b,	    /* SMB */
		(long)0xff534d42, /* CIFS */
		(long)0xfe534d42, /* SMB2 */
		0x65735546, /* FUSE */
		0x00c36400, /* Ceph */
		0x01161970, /* GFS2 */
		0x7461636f, /* OCFS2 */
		0x5346414f, /* AFS */
		0x6b414653, /* kAFS */
		0x19830326, /* FhGFS/BeeGFS */
		0x0bd00bd0, /* Lustre */
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return true; /* unknown: the safe choice */
	for (size_t i = 0; i < N_ELEMENTS(magic); i++) {
		if ((long)sf.f_type == magic[i])
			return true;
	}
	return false;
}

static bool
use_append_log(const struct store *store, int dfd)
{
	switch (store->set.log_mode) {
	case STORE_LOG_APPEND:
		return true;
	case STORE_LOG_LINK:
		return false;
	default:
		return !shared_file_system(dfd);
	}
}

static int
populate_mdir(const struct store *store, int dfd, const char *acct_dir,
	      const char *special_use, bool durable, struct err *err)
{
	struct mdir_header h;
	uint8_t hb[MDIR_HEADER_SIZE];

	memset(&h, 0, sizeof(h));
	if (use_append_log(store, dfd))
		h.flags |= MDIR_HEADER_APPEND_LOG;
	if (mkdirat(dfd, "msg", 0700) < 0 || mkdirat(dfd, "tmp", 0700) < 0)
		return err_set_errno(err, "mkdir", MDIR_DIR);
	if (mdir_log_create(dfd, (h.flags & MDIR_HEADER_APPEND_LOG) != 0, 1,
			    err) < 0)
		return -1;
	h.uidvalidity = next_uidvalidity(acct_dir);
	rand_bytes(h.guid, sizeof(h.guid));
	h.created = time_now();
	mdir_header_encode(&h, hb);
	if (file_write_atomic_at(dfd, "header", hb, sizeof(hb), 0600, durable,
				 err) < 0 ||
	    write_empty_index(dfd, &h, durable, err) < 0)
		return -1;
	if (special_use != NULL &&
	    file_write_atomic_at(dfd, "special-use", special_use,
				 strlen(special_use), 0600, durable, err) < 0)
		return -1;
	return 0;
}

static int
validate_special_use(const char *use, struct err *err)
{
	if (use == NULL)
		return 0;
	for (size_t i = 0; i < N_ELEMENTS(special_uses); i++) {
		if (str_eq_icase(use, special_uses[i]))
			return 0;
	}
	return err_set(err, ERR_PARAMS, "unsupported special-use attribute %s",
		       use);
}

static const char *
canonical_special_use(const char *use)
{
	for (size_t i = 0; use != NULL && i < N_ELEMENTS(special_uses); i++) {
		if (str_eq_icase(use, special_uses[i]))
			return special_uses[i];
	}
	return use;
}

/* Creates <path>/.mdir atomically: everything is built in a temporary
   directory that is renamed into place, so a mailbox either exists
   completely or not at all, and two concurrent creators cannot both win. */
static int
create_at(struct mdir_user *u, const char *path, const char *special_use,
	  struct err *err)
{
	bool durable = u->pub.store->set.fsync;
	char tmp[4200], final[4200], uniq[UNIQUE_NAME_MAX];
	int dfd, ret;

	if (mkdir_parents(path, 0700) < 0)
		return err_set_errno(err, "mkdir", path);
	unique_name(uniq, sizeof(uniq));
	snprintf(tmp, sizeof(tmp), "%s/.mdir.tmp.%s", path, uniq);
	snprintf(final, sizeof(final), "%s/" MDIR_DIR, path);
	if (mkdir(tmp, 0700) < 0)
		return err_set_errno(err, "mkdir", tmp);
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err_set_errno(err, "open", tmp);
		rm_rf(tmp, NULL);
		return -1;
	}
	ret = populate_mdir(u->pub.store, dfd, u->pub.dir,
			    canonical_special_use(special_use), durable, err);
	if (ret == 0 && durable && fsync_dirfd(dfd) < 0)
		ret = err_set_errno(err, "fsync", tmp);
	close(dfd);
	if (ret == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, final,
				  RENAME_NOREPLACE) < 0) {
		if (errno == EINVAL || errno == ENOSYS) {
			/* file systems without RENAME_NOREPLACE: rename(2)
			   refuses a non-empty target, which .mdir always is */
			if (rename(tmp, final) < 0)
				ret = -1;
		} else {
			ret = -1;
		}
		if (ret < 0) {
			if (errno == EEXIST || errno == ENOTEMPTY)
				err_set(err, ERR_EXISTS,
					"Mailbox already exists");
			else
				err_set_errno(err, "rename", final);
		}
	}
	if (ret < 0) {
		rm_rf(tmp, NULL);
		return -1;
	}
	if (durable && fsync_dir(path) < 0)
		return err_set_errno(err, "fsync", path);
	return 0;
}

int
mdir_mailbox_create(struct store_user *user, const char *name,
		    const char *special_use, struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	struct buf path = BUF_INIT;
	int ret;

	if (validate_special_use(special_use, err) < 0 ||
	    mdir_mailbox_path(u, name, &path, err) < 0) {
		buf_free(&path);
		return -1;
	}
	ret = create_at(u, buf_cstr(&path), special_use, err);
	buf_free(&path);
	return ret;
}

/* True if dir contains a child mailbox (a subdirectory not starting with
   a dot). */
static bool
has_children(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	if (d == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' &&
		    (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN))
			found = true;
	}
	closedir(d);
	return found;
}

static enum store_mailbox_kind
kind_at(const char *path)
{
	char mdir[4200];
	struct stat sb;

	if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return STORE_MAILBOX_NONEXISTENT;
	snprintf(mdir, sizeof(mdir), "%s/" MDIR_DIR, path);
	return stat(mdir, &sb) == 0 ? STORE_MAILBOX_SELECTABLE
				    : STORE_MAILBOX_NOSELECT;
}

enum store_mailbox_kind
mdir_mailbox_kind(struct store_user *user, const char *name)
{
	struct buf path = BUF_INIT;
	enum store_mailbox_kind k = STORE_MAILBOX_NONEXISTENT;

	if (mdir_mailbox_path((struct mdir_user *)user, name, &path, NULL) ==
	    0)
		k = kind_at(buf_cstr(&path));
	buf_free(&path);
	return k;
}

/* Removes <path>/.mdir: first renamed out of the way (atomic for every
   other process), then deleted. */
static int
remove_mdir(struct mdir_user *u, const char *path, struct err *err)
{
	char src[4200], dst[4200], uniq[UNIQUE_NAME_MAX];

	unique_name(uniq, sizeof(uniq));
	snprintf(src, sizeof(src), "%s/" MDIR_DIR, path);
	snprintf(dst, sizeof(dst), "%s/" MDIR_ACCOUNT_DIR "/trash", u->pub.dir);
	if (mkdir(dst, 0700) < 0 && errno != EEXIST)
		return err_set_errno(err, "mkdir", dst);
	snprintf(dst, sizeof(dst), "%s/" MDIR_ACCOUNT_DIR "/trash/%s",
		 u->pub.dir, uniq);
	if (rename(src, dst) < 0) {
		if (errno == ENOENT)
			return err_set(err, ERR_NOTFOUND,
				       "Mailbox doesn't exist");
		return err_set_errno(err, "rename", src);
	}
	if (rm_rf(dst, err) < 0)
		log_warning("mdir: removing %s: %s", dst, err->msg);
	return 0;
}

int
mdir_mailbox_delete(struct store_user *user, const char *name,
		    struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	struct buf path = BUF_INIT;
	char cbuf[STORE_MAILBOX_NAME_MAX + 8];
	const char *p;
	int ret = 0;

	if (mdir_mailbox_path(u, name, &path, err) < 0) {
		buf_free(&path);
		return -1;
	}
	p = buf_cstr(&path);
	if (strcmp(mdir_canonical_name(name, cbuf, sizeof(cbuf)),
		   STORE_INBOX) == 0) {
		ret = err_set(err, ERR_NOTPOSSIBLE, "INBOX can't be deleted");
	} else {
		switch (kind_at(p)) {
		case STORE_MAILBOX_NONEXISTENT:
			ret = err_set(err, ERR_NOTFOUND,
				      "Mailbox doesn't exist: %s", name);
			break;
		case STORE_MAILBOX_NOSELECT:
			/* RFC 3501 section 6.3.4 */
			if (has_children(p))
				ret = err_set(err, ERR_NOTPOSSIBLE,
					      "Mailbox has children and is "
					      "not selectable");
			else if (rmdir(p) < 0 && errno != ENOENT)
				ret = err_set_errno(err, "rmdir", p);
			break;
		case STORE_MAILBOX_SELECTABLE:
			ret = remove_mdir(u, p, err);
			if (ret == 0 && !has_children(p))
				rmdir(p); /* a child may appear meanwhile */
			break;
		}
	}
	buf_free(&path);
	return ret;
}

int
mdir_mailbox_set_special_use(struct store_user *user, const char *name,
			     const char *special_use, struct err *err)
{
	struct mdir_user *u = (struct mdir_user *)user;
	int fd, ret = 0;

	if (validate_special_use(special_use, err) < 0 ||
	    mdir_mailbox_open_dir(u, name, &fd, err) < 0)
		return -1;
	special_use = canonical_special_use(special_use);
	if (special_use == NULL) {
		if (unlinkat(fd, "special-use", 0) < 0 && errno != ENOENT)
			ret = err_set_errno(err, "unlink", "special-use");
	} else {
		ret = file_write_atomic_at(fd, "special-use", special_use,
					   strlen(special_use), 0600,
					   user->store->set.fsync, err);
	}
	close(fd);
	return ret;
}

/* Reads the special-use attribute of the mailbox at path into out (empty
   string when none). */
void
mdir_read_special_use(const char *path, char *out, size_t size)
{
	char p[4200];
	struct buf b = BUF_INIT;

	out[0] = '\0';
	snprintf(p, sizeof(p), "%s/" MDIR_DIR "/special-use", path);
	if (file_read_all(p, 64, &b, NULL) == 0) {
		const char *use = canonical_special_use(buf_cstr(&b));

		for (size_t i = 0; i < N_ELEMENTS(special_uses); i++) {
			if (use == special_uses[i])
				str_copy(out, use, size);
		}
	}
	buf_free(&b);
}
