/* SPDX-License-Identifier: MIT */
/*
 * Compaction (closing a log generation into a new snapshot) and the
 * clean-up of what crashed or retired writers leave behind: temporary files,
 * retired generations in trash/, and message files of expunged messages.
 */
#include "store/mdir-private.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct close_ctx {
	uint32_t from_gen;
	bool ours;
};

static int
build_close(struct mdir_state *st, struct buf *rec, void *ctx,
	    struct err *err)
{
	struct close_ctx *c = ctx;
	struct mdir_op op;

	(void)err;
	if (st->gen != c->from_gen)
		return 0; /* someone else closed it meanwhile */
	memset(&op, 0, sizeof(op));
	op.type = MDIR_OP_CLOSE;
	op.u.close.next_gen = c->from_gen + 1;
	mdir_rec_add(rec, &op);
	return 1;
}

static void
applied_close(struct mdir_state *st, uint64_t seq, void *ctx)
{
	(void)st;
	(void)seq;
	((struct close_ctx *)ctx)->ours = true;
}

/* Completes the post-commit rename of every message appended since the
   last snapshot (a writer may have crashed between commit and rename). */
static void
roll_forward(struct mdir_state *st)
{
	for (uint32_t pos = 0; pos < st->n; pos++) {
		const struct mdir_tail *t;
		char name[MDIR_MSG_NAME_MAX];

		if ((st->cold[pos] & MDIR_COLD_TAIL) == 0)
			continue;
		t = &st->tail.v[st->cold[pos] & ~MDIR_COLD_TAIL];
		if (t->staging == NULL)
			continue;
		mdir_msg_name(st->uid[pos], t->guid, name);
		if (renameat(st->tmp_fd, t->staging, st->msg_fd, name) < 0 &&
		    errno != ENOENT)
			log_warning("mdir: rename(tmp/%s, msg/%s) failed: %m",
				    t->staging, name);
	}
}

static bool
parse_gen(const char *name, const char *prefix, uint32_t *gen_r)
{
	size_t plen = strlen(prefix);
	unsigned long v;
	char *end;

	if (strncmp(name, prefix, plen) != 0 || name[plen] < '1' ||
	    name[plen] > '9')
		return false;
	v = strtoul(name + plen, &end, 10);
	if (*end != '\0' || v > UINT32_MAX)
		return false;
	*gen_r = (uint32_t)v;
	return true;
}

static bool
cache_gen_used(const struct mdir_state *st, uint32_t gen)
{
	for (uint32_t pos = 0; pos < st->n; pos++) {
		struct mdir_index_record r;
		const struct mdir_tail *t;

		mdir_cold(st, pos, &r, &t);
		if (t == NULL && r.cache_gen == gen)
			return true;
	}
	return false;
}

/* Moves generations older than `keep` (and unreferenced cache files) into
   trash/. Readers still positioned in them keep their open descriptors; a
   reader that looks for log.<G> by name learns the generation is retired
   and reloads from the newest snapshot. */
static void
retire_old(struct mdir_state *st, uint32_t keep)
{
	struct dirent *de;
	DIR *d;

	d = opendir_at(st->mdir_fd);
	if (d == NULL)
		return;
	if (mkdirat(st->mdir_fd, "trash", 0700) < 0 && errno != EEXIST) {
		closedir(d);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char dst[300];
		uint32_t g;

		if (!((parse_gen(de->d_name, "index.", &g) && g < keep) ||
		      (parse_gen(de->d_name, "log.", &g) && g < keep) ||
		      (parse_gen(de->d_name, "cache.", &g) && g < keep &&
		       !cache_gen_used(st, g))))
			continue;
		snprintf(dst, sizeof(dst), "trash/%lld.%s",
			 (long long)time_now(), de->d_name);
		if (renameat(st->mdir_fd, de->d_name, st->mdir_fd, dst) < 0 &&
		    errno != ENOENT)
			log_warning("mdir: retiring %s failed: %m",
				    de->d_name);
	}
	closedir(d);
}

/* Removes entries of dir_fd older than max_age seconds; name_ok filters
   which entries are eligible (NULL: all). Age comes from the name's time
   prefix when prefixed, else from mtime. */
static void
remove_old_entries(int dir_fd, int64_t max_age, bool time_prefixed,
		   bool (*name_ok)(const char *name, void *ctx), void *ctx)
{
	int64_t now = time_now();
	struct dirent *de;
	DIR *d;

	d = opendir_at(dir_fd);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		int64_t t;
		struct stat sb;

		if (de->d_name[0] == '.' ||
		    (name_ok != NULL && !name_ok(de->d_name, ctx)))
			continue;
		if (time_prefixed) {
			t = strtoll(de->d_name, NULL, 10);
		} else {
			if (fstatat(dir_fd, de->d_name, &sb,
				    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			t = sb.st_mtime;
		}
		if (now - t > max_age)
			rm_rf_at(dir_fd, de->d_name, NULL);
	}
	closedir(d);
}

static bool
is_temp_record(const char *name, void *ctx)
{
	(void)ctx;
	return strncmp(name, "rec.", 4) == 0 ||
	       strncmp(name, "index.", 6) == 0 ||
	       strncmp(name, "cache.", 6) == 0;
}

static bool
is_staging(const char *name, void *ctx)
{
	return !is_temp_record(name, ctx);
}

void
mdir_trash_cleanup(struct mdir_state *st)
{
	int fd = openat(st->mdir_fd, "trash",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		remove_old_entries(fd, st->store->set.trash_grace_secs, true,
				   NULL, NULL);
		close(fd);
	}
	remove_old_entries(st->tmp_fd, MDIR_TMP_RECORD_MAX_AGE, false,
			   is_temp_record, NULL);
	remove_old_entries(st->tmp_fd, MDIR_TMP_STAGING_MAX_AGE, false,
			   is_staging, NULL);
}

/* Deletes message files of messages that are no longer in the mailbox
   (an expunger that crashed before unlinking). Only files with UIDs below
   UIDNEXT are considered: those are decided by the log we have applied. */
static void
remove_orphans(struct mdir_state *st)
{
	struct dirent *de;
	DIR *d;

	d = opendir_at(st->msg_fd);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		uint8_t guid[16];
		uint32_t uid;
		bool found;

		if (mdir_msg_name_parse(de->d_name, &uid, guid) < 0 ||
		    uid >= st->uidnext)
			continue;
		mdir_find_uid(st, uid, &found);
		if (!found && unlinkat(st->msg_fd, de->d_name, 0) == 0)
			log_info("mdir: removed orphaned message file %s",
				 de->d_name);
	}
	closedir(d);
}

/* When to compact: the log tail costs readers time at open (one file per
   record in link mode, a sequential read in append mode) and the messages
   appended since the snapshot cost memory; a snapshot costs a write of the
   whole index. Bigger mailboxes therefore compact less often. */
static bool
should_compact(const struct mdir_state *st)
{
	uint64_t records = st->seq - st->gen_base;
	uint64_t base = st->store->set.compact_records;
	uint64_t limit = st->log.append ? MAX(base * 8, st->n / 16)
					: MAX(base, st->n / 64);

	if (limit > MDIR_COMPACT_RECORDS_CAP)
		limit = MDIR_COMPACT_RECORDS_CAP;
	return records >= limit || st->tail.n >= MDIR_COMPACT_TAIL_MAX;
}

int
mdir_compact_locked(struct mdir_state *st, bool force, struct err *err)
{
	struct close_ctx ctx;

	if (st->deleted_mailbox || (!force && !should_compact(st)))
		return 0;
	ctx.from_gen = st->gen;
	ctx.ours = false;
	if (mdir_log_create(st->mdir_fd, st->log.append, st->gen + 1, err) < 0)
		return -1;
	if (mdir_commit_locked(st, build_close, applied_close, &ctx, err) < 0)
		return -1;
	if (!ctx.ours)
		return 0;
	roll_forward(st);
	if (mdir_snapshot_write(st, ctx.from_gen + 1, err) < 0)
		return -1; /* the log simply continues; retried next time */
	if (mdir_state_reload_locked(st, err) < 0)
		return -1;
	retire_old(st, ctx.from_gen);
	mdir_trash_cleanup(st);
	if (st->gen % 16 == 0)
		remove_orphans(st);
	return 0;
}
