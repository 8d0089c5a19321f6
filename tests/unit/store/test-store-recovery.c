/* SPDX-License-Identifier: MIT */
/*
 * Damage and recovery: index files deleted, truncated or garbled, message
 * files removed or dropped in by hand. Reconstruct must give back a
 * consistent mailbox keeping UIDs, and flags wherever they are recoverable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store-test-util.h"
#include "lib/fsutil.h"
#include "lib/mem.h"
#include "store/mdir-private.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USER "rec@example.com"

struct fixture {
	char *dir;
	char mdir[1024];
	struct store *store;
	struct store_user *user;
};

static void
reopen(struct fixture *f)
{
	struct err err;

	store_user_close(&f->user);
	store_destroy(&f->store);
	f->store = test_store(f->dir, 2);
	assert_int_equal(store_user_open(f->store, USER, NULL, false, &f->user,
					 &err), 0);
}

/* 20 messages; odd UIDs \Seen, UID 4 has keyword "Important"; compaction
   every 8 records, so there are snapshots and a log tail. */
static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct store_mailbox *box;
	struct store_flag_update upd;
	struct store_uid_set set = { 0 };
	const char *kw[] = { "Important" };
	struct err err;

	f->dir = xstrdup(test_tmpdir());
	snprintf(f->mdir, sizeof(f->mdir), "%s/example.com/rec/INBOX/.mdir",
		 f->dir);
	f->store = test_store(f->dir, 2);
	assert_int_equal(store_user_open(f->store, USER, NULL, true, &f->user,
					 &err), 0);
	for (int i = 0; i < 20; i++)
		test_append(f->user, "INBOX", "m", i % 2 == 0 ? STORE_FLAG_SEEN
							      : 0);
	assert_int_equal(store_mailbox_open(f->user, "INBOX", 0, &box, &err),
			 0);
	memset(&upd, 0, sizeof(upd));
	upd.mode = STORE_FLAGS_ADD;
	upd.keywords = kw;
	upd.keyword_count = 1;
	store_uid_set_add(&set, 4, 4);
	assert_int_equal(store_update_flags(box, &set, &upd, NULL, &err), 0);
	store_uid_set_free(&set);
	store_mailbox_close(&box);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_user_close(&f->user);
	store_destroy(&f->store);
	test_tmpdir_remove(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Applies fn to every .mdir entry whose name starts with prefix. */
static void
each_entry(struct fixture *f, const char *prefix,
	   void (*fn)(const char *path))
{
	DIR *d = opendir(f->mdir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[2048];

		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->mdir, de->d_name);
		fn(path);
	}
	closedir(d);
}

static void
remove_path(const char *path)
{
	rm_rf(path, NULL);
}

static void
garble(const char *path)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXXXXXX", 8, 150), 8);
	close(fd);
}

static void
truncate_file(const char *path)
{
	assert_int_equal(truncate(path, 100), 0);
}

struct rc_log {
	struct store_reconstruct_report last;
	unsigned calls;
};

static void
rc_cb(void *ctx, const struct store_reconstruct_report *rep)
{
	struct rc_log *l = ctx;

	l->last = *rep;
	l->calls++;
}

/* Checks the 20 UIDs and which flags survived. */
static void
check_mailbox(struct fixture *f, bool flags_expected, uint32_t count)
{
	struct store_mailbox *box;
	struct err err;

	assert_int_equal(store_mailbox_open(f->user, "INBOX",
					    STORE_OPEN_READONLY, &box, &err),
			 0);
	assert_int_equal(store_mailbox_count(box), count);
	for (uint32_t seq = 1; seq <= 20 && seq <= count; seq++) {
		struct store_msg_info info;
		const char *const *kw;
		int fd;

		assert_int_equal(store_msg_info(box, seq, &info), 0);
		assert_int_equal(info.uid, seq);
		assert_true(info.internaldate == 1700000000);
		assert_int_equal(store_msg_open(box, seq, &fd, &err), 0);
		close(fd);
		if (!flags_expected)
			continue;
		assert_int_equal((info.flags & STORE_FLAG_SEEN) != 0,
				 seq % 2 == 1);
		assert_int_equal(store_msg_keywords(box, seq, &kw),
				 seq == 4 ? 1 : 0);
	}
	store_mailbox_close(&box);
}

static void
test_truncated_index_falls_back(void **state)
{
	struct fixture *f = *state;
	uint32_t older, newest;
	char path[2048];
	int fd;

	fd = open(f->mdir, O_RDONLY | O_DIRECTORY);
	newest = mdir_newest_index(fd, &older);
	close(fd);
	assert_true(newest > 1);
	snprintf(path, sizeof(path), "%s/index.%u", f->mdir, newest);
	truncate_file(path);
	reopen(f);
	/* the previous generation and the logs give everything back */
	check_mailbox(f, true, 20);
}

static void
test_garbled_indexes_reconstruct(void **state)
{
	struct fixture *f = *state;
	struct rc_log log = { 0 };
	struct err err;

	each_entry(f, "index.", garble);
	reopen(f);
	{
		struct store_mailbox *box;

		assert_int_equal(store_mailbox_open(f->user, "INBOX", 0, &box,
						    &err), -1);
	}
	assert_int_equal(store_reconstruct(f->user, "INBOX", false, rc_cb,
					   &log, &err), 0);
	assert_true(log.last.index_was_damaged);
	assert_false(log.last.uidvalidity_changed);
	assert_int_equal(log.last.messages, 20);
	reopen(f);
	/* flags come back from the logs still present */
	check_mailbox(f, false, 20);
}

static void
test_deleted_metadata_reconstruct(void **state)
{
	struct fixture *f = *state;
	struct rc_log log = { 0 };
	struct err err;

	each_entry(f, "index.", remove_path);
	each_entry(f, "log.", remove_path);
	each_entry(f, "cache.", remove_path);
	each_entry(f, "header", remove_path);
	reopen(f);
	assert_int_equal(store_reconstruct(f->user, "INBOX", false, rc_cb,
					   &log, &err), 0);
	/* the header was lost: a new UIDVALIDITY is unavoidable, but the
	   UIDs are kept from the file names */
	assert_true(log.last.uidvalidity_changed);
	reopen(f);
	check_mailbox(f, false, 20);
}

static void
test_files_missing_and_dropped(void **state)
{
	struct fixture *f = *state;
	struct rc_log log = { 0 };
	struct store_mailbox *box;
	struct store_msg_info info;
	char path[2048];
	DIR *d;
	struct dirent *de;
	struct err err;
	FILE *out;
	int fd;

	/* remove the file of UID 3 */
	snprintf(path, sizeof(path), "%s/msg", f->mdir);
	d = opendir(path);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "3.", 2) == 0) {
			char p[2200];

			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			unlink(p);
		}
	}
	closedir(d);
	/* drop a message in by hand, with Unix line endings */
	snprintf(path, sizeof(path), "%s/msg/dropped.eml", f->mdir);
	out = fopen(path, "w");
	fputs("Subject: dropped\n\nhello\n", out);
	fclose(out);
	/* dry run reports and changes nothing */
	assert_int_equal(store_reconstruct(f->user, "INBOX", true, rc_cb, &log,
					   &err), 0);
	assert_int_equal(log.last.missing, 1);
	assert_int_equal(log.last.adopted, 1);
	assert_true(log.last.changed);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(store_reconstruct(f->user, "INBOX", false, rc_cb,
					   &log, &err), 0);
	reopen(f);
	assert_int_equal(store_mailbox_open(f->user, "INBOX",
					    STORE_OPEN_READONLY, &box, &err),
			 0);
	assert_int_equal(store_mailbox_count(box), 20);
	assert_int_equal(store_mailbox_seq(box, 3), 0);
	assert_int_equal(store_msg_info(box, 20, &info), 0);
	assert_int_equal(info.uid, 21);
	assert_int_equal(info.size, 27); /* CRLF-normalised */
	assert_int_equal(store_msg_open(box, 20, &fd, &err), 0);
	close(fd);
	store_mailbox_close(&box);
	/* a second run finds nothing to do */
	memset(&log, 0, sizeof(log));
	assert_int_equal(store_reconstruct(f->user, "INBOX", true, rc_cb, &log,
					   &err), 0);
	if (log.last.changed)
		printf("still changed: missing %u adopted %u\n",
		       log.last.missing, log.last.adopted);
	assert_false(log.last.changed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncated_index_falls_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_garbled_indexes_reconstruct, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_deleted_metadata_reconstruct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_missing_and_dropped,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
