/* SPDX-License-Identifier: MIT */
/* Functional unit tests of the store API over the mdir backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store-test-util.h"
#include "lib/mem.h"
#include "lib/vec.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	const char *dir;
	struct store *store;
	struct store_user *user;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct err err;

	f->dir = xstrdup(test_tmpdir());
	f->store = test_store(f->dir, 0);
	assert_int_equal(store_user_open(f->store, "alice@example.com", NULL,
					 true, &f->user, &err), 0);
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
	free((char *)f->dir);
	free(f);
	return 0;
}

static struct store_mailbox *
open_box_of(struct store_user *user, const char *name)
{
	struct store_mailbox *box;
	struct err err;

	assert_int_equal(store_mailbox_open(user, name, 0, &box, &err), 0);
	return box;
}

static struct store_mailbox *
open_box(struct fixture *f, const char *name, unsigned flags)
{
	struct store_mailbox *box;
	struct err err;

	assert_int_equal(store_mailbox_open(f->user, name, flags, &box, &err),
			 0);
	return box;
}

static void
test_append_and_read(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *box;
	struct store_msg_info info;
	struct buf blob = BUF_INIT;
	struct err err;
	char data[256];
	ssize_t n;
	int fd;

	assert_int_equal(test_append(f->user, "INBOX", "one", 0), 1);
	assert_int_equal(test_append(f->user, "inbox", "two",
				     STORE_FLAG_SEEN), 2);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(store_mailbox_count(box), 2);
	assert_int_equal(store_mailbox_uidnext(box), 3);
	assert_int_equal(store_mailbox_recent_count(box), 2);
	assert_int_equal(store_mailbox_first_unseen(box), 1);
	assert_int_equal(store_msg_info(box, 2, &info), 0);
	assert_int_equal(info.uid, 2);
	assert_int_equal(info.flags, STORE_FLAG_SEEN | STORE_FLAG_RECENT);
	assert_true(info.internaldate == 1700000000);
	assert_int_equal(store_msg_open(box, 1, &fd, &err), 0);
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	assert_true(n > 0);
	data[n] = '\0';
	assert_non_null(strstr(data, "Subject: one\r\n"));
	assert_int_equal(info.size, 47);
	assert_int_equal(store_msg_cache(box, 2, &blob, &err), 1);
	assert_string_equal(buf_cstr(&blob), "size=47");
	assert_int_equal(store_msg_info(box, 3, &info), -1);
	buf_free(&blob);
	store_mailbox_close(&box);
	/* \Recent was claimed by the first view only */
	box = open_box(f, "INBOX", 0);
	assert_int_equal(store_mailbox_recent_count(box), 0);
	store_mailbox_close(&box);
}

static int
unlink_message_file(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* message files are named <uid>.<guid> in a "msg" directory */
	if (type == FTW_F && strstr(path, "/msg/1.") != NULL)
		assert_int_equal(unlink(path), 0);
	return 0;
}

/* The cache blob is built when the message is appended and kept: reading
   it later needs no message file. */
static void
test_cache_built_at_append(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *box;
	struct buf blob = BUF_INIT;
	struct err err;

	assert_int_equal(test_append(f->user, "INBOX", "one", 0), 1);
	box = open_box(f, "INBOX", 0);
	assert_int_equal(nftw(f->dir, unlink_message_file, 16, FTW_PHYS), 0);
	assert_int_equal(store_msg_cache(box, 1, &blob, &err), 1);
	assert_string_equal(buf_cstr(&blob), "size=47");
	buf_free(&blob);
	store_mailbox_close(&box);
}

static void
test_flags_and_keywords(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *box;
	struct store_flag_update upd;
	struct store_uid_set uids = { 0 }, modified = { 0 };
	const char *kw[] = { "$Forwarded", "Work" };
	const char *const *names;
	struct store_msg_info info;
	struct err err;
	uint64_t ms;

	for (int i = 0; i < 5; i++)
		test_append(f->user, "INBOX", "m", 0);
	box = open_box(f, "INBOX", 0);
	store_uid_set_add(&uids, 2, 4);
	memset(&upd, 0, sizeof(upd));
	upd.mode = STORE_FLAGS_ADD;
	upd.flags = STORE_FLAG_FLAGGED | STORE_FLAG_SEEN;
	upd.keywords = kw;
	upd.keyword_count = 2;
	assert_int_equal(store_update_flags(box, &uids, &upd, NULL, &err), 0);
	assert_int_equal(store_msg_info(box, 3, &info), 0);
	assert_int_equal(info.flags & STORE_FLAGS_STORABLE,
			 STORE_FLAG_FLAGGED | STORE_FLAG_SEEN);
	assert_int_equal(store_msg_keywords(box, 3, &names), 2);
	assert_string_equal(names[0], "$Forwarded");
	assert_int_equal(store_mailbox_keywords(box, &names), 2);
	ms = info.modseq;
	/* keyword names are case-insensitive */
	kw[0] = "work";
	upd.mode = STORE_FLAGS_REMOVE;
	upd.flags = STORE_FLAG_SEEN;
	upd.keyword_count = 1;
	assert_int_equal(store_update_flags(box, &uids, &upd, NULL, &err), 0);
	assert_int_equal(store_msg_keywords(box, 3, &names), 1);
	assert_string_equal(names[0], "$Forwarded");
	assert_int_equal(store_msg_info(box, 3, &info), 0);
	assert_true(info.modseq > ms);
	/* UNCHANGEDSINCE: only messages not modified since pass */
	upd.mode = STORE_FLAGS_REPLACE;
	upd.flags = STORE_FLAG_ANSWERED;
	upd.keyword_count = 0;
	upd.unchangedsince = ms;
	uids.n = 0;
	store_uid_set_add(&uids, 1, 5);
	assert_int_equal(store_update_flags(box, &uids, &upd, &modified, &err),
			 0);
	assert_int_equal(modified.n, 1);
	assert_int_equal(modified.r[0].lo, 2);
	assert_int_equal(modified.r[0].hi, 4);
	assert_int_equal(store_msg_info(box, 1, &info), 0);
	assert_int_equal(info.flags & STORE_FLAGS_STORABLE,
			 STORE_FLAG_ANSWERED);
	assert_int_equal(store_msg_keywords(box, 1, &names), 0);
	/* invalid keywords are refused */
	kw[0] = "bad keyword";
	upd.keyword_count = 1;
	upd.unchangedsince = 0;
	assert_int_equal(store_update_flags(box, &uids, &upd, NULL, &err), -1);
	assert_int_equal(err.code, ERR_PARAMS);
	store_uid_set_free(&uids);
	store_uid_set_free(&modified);
	store_mailbox_close(&box);
}

struct sync_log {
	VEC(uint32_t) expunged;
	uint32_t exists;
	VEC(uint32_t) flags;
};

static void
on_expunge(void *ctx, uint32_t seq, uint32_t uid)
{
	struct sync_log *l = ctx;

	(void)uid;
	vec_push(&l->expunged, seq);
}

static void
on_exists(void *ctx, uint32_t count)
{
	((struct sync_log *)ctx)->exists = count;
}

static void
on_flags(void *ctx, uint32_t seq)
{
	vec_push(&((struct sync_log *)ctx)->flags, seq);
}

static const struct store_sync_ops sync_ops = { on_expunge, on_exists,
						on_flags };

static void
test_sync_between_views(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *a, *b;
	struct store_flag_update upd;
	struct store_uid_set uids = { 0 };
	struct sync_log log;
	struct err err;

	for (int i = 0; i < 6; i++)
		test_append(f->user, "INBOX", "m", 0);
	a = open_box(f, "INBOX", 0);
	b = open_box(f, "INBOX", 0);
	memset(&upd, 0, sizeof(upd));
	upd.mode = STORE_FLAGS_ADD;
	upd.flags = STORE_FLAG_DELETED;
	store_uid_set_add(&uids, 2, 2);
	store_uid_set_add(&uids, 5, 5);
	assert_int_equal(store_update_flags(a, &uids, &upd, NULL, &err), 0);
	assert_int_equal(store_expunge(a, NULL, &err), 0);
	test_append(f->user, "INBOX", "new", 0);

	/* a sees its own expunge but not its own flag change */
	memset(&log, 0, sizeof(log));
	assert_int_equal(store_mailbox_sync(a, 0, &sync_ops, &log, &err), 0);
	assert_int_equal(log.expunged.n, 2);
	assert_int_equal(log.expunged.v[0], 5); /* descending */
	assert_int_equal(log.expunged.v[1], 2);
	assert_int_equal(log.exists, 5);
	assert_int_equal(log.flags.n, 0);
	vec_free(&log.expunged);
	vec_free(&log.flags);

	/* b, during a FETCH, must not see expunges yet */
	memset(&log, 0, sizeof(log));
	assert_int_equal(store_mailbox_sync(b, STORE_SYNC_NO_EXPUNGE,
					    &sync_ops, &log, &err), 0);
	assert_int_equal(log.expunged.n, 0);
	assert_int_equal(log.exists, 7);
	assert_int_equal(store_mailbox_count(b), 7);
	{
		struct store_msg_info info;

		assert_int_equal(store_msg_info(b, 2, &info), 0);
		assert_true(info.expunged);
	}
	vec_free(&log.expunged);
	vec_free(&log.flags);
	memset(&log, 0, sizeof(log));
	assert_int_equal(store_mailbox_sync(b, 0, &sync_ops, &log, &err), 0);
	assert_int_equal(log.expunged.n, 2);
	assert_int_equal(store_mailbox_count(b), 5);
	assert_int_equal(store_mailbox_uid(b, 5), 7);
	vec_free(&log.expunged);
	vec_free(&log.flags);

	/* flag change by a reaches b as a FETCH */
	uids.n = 0;
	store_uid_set_add(&uids, 3, 3);
	upd.flags = STORE_FLAG_SEEN;
	assert_int_equal(store_update_flags(a, &uids, &upd, NULL, &err), 0);
	memset(&log, 0, sizeof(log));
	assert_int_equal(store_mailbox_sync(b, 0, &sync_ops, &log, &err), 0);
	assert_int_equal(log.flags.n, 1);
	assert_int_equal(log.flags.v[0], 2); /* UID 3 is now seq 2 */
	vec_free(&log.expunged);
	vec_free(&log.flags);
	store_uid_set_free(&uids);
	store_mailbox_close(&a);
	store_mailbox_close(&b);
}

struct list_out {
	char text[2048];
};

static int
list_cb(void *ctx, const struct store_mailbox_info *info)
{
	struct list_out *o = ctx;
	size_t len = strlen(o->text);

	snprintf(o->text + len, sizeof(o->text) - len, "%s%s%s%s%s;",
		 info->name, info->noselect ? " noselect" : "",
		 info->has_children ? " children" : "",
		 info->subscribed ? " sub" : "",
		 info->special_use != NULL ? info->special_use : "");
	return 0;
}

static void
test_mailbox_hierarchy(void **state)
{
	struct fixture *f = *state;
	struct list_out out;
	struct store_status st;
	struct err err;

	assert_int_equal(store_mailbox_create(f->user, "Sent", "\\sent", &err),
			 0);
	assert_int_equal(store_mailbox_create(f->user, "Sent", NULL, &err), -1);
	assert_int_equal(err.code, ERR_EXISTS);
	assert_int_equal(store_mailbox_create(f->user, "a/b/c", NULL, &err), 0);
	assert_int_equal(store_mailbox_create(f->user, "x//y", NULL, &err), -1);
	assert_int_equal(store_mailbox_create(f->user, "bad\x01", NULL, &err),
			 -1);
	assert_int_equal(store_mailbox_create(f->user, "Bad", "\\Foo", &err),
			 -1);
	assert_int_equal(store_mailbox_create(f->user, "..", NULL, &err), 0);
	assert_int_equal(store_subscribe(f->user, "Sent", true, &err), 0);
	assert_int_equal(store_subscribe(f->user, "Gone", true, &err), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(store_mailbox_list(f->user, list_cb, &out, &err), 0);
	assert_string_equal(out.text, "..;INBOX;Sent sub\\Sent;a noselect "
				      "children;a/b noselect children;a/b/c;");
	test_append(f->user, "a/b/c", "x", 0);
	/* renaming moves children */
	assert_int_equal(store_mailbox_rename(f->user, "a", "z/a", &err), 0);
	assert_int_equal(store_mailbox_kind(f->user, "z/a/b/c"),
			 STORE_MAILBOX_SELECTABLE);
	assert_int_equal(store_mailbox_kind(f->user, "a"),
			 STORE_MAILBOX_NONEXISTENT);
	assert_int_equal(store_mailbox_status(f->user, "z/a/b/c",
					      STORE_STATUS_MESSAGES, &st,
					      &err), 0);
	assert_int_equal(st.messages, 1);
	assert_int_equal(store_mailbox_rename(f->user, "Sent", "Sent/x", &err),
			 -1);
	assert_int_equal(store_mailbox_rename(f->user, "nope", "x", &err), -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	/* deleting a parent with children keeps it as \Noselect */
	assert_int_equal(store_mailbox_create(f->user, "z/a/b", NULL, &err), 0);
	assert_int_equal(store_mailbox_delete(f->user, "z/a/b", &err), 0);
	assert_int_equal(store_mailbox_kind(f->user, "z/a/b"),
			 STORE_MAILBOX_NOSELECT);
	assert_int_equal(store_mailbox_delete(f->user, "z/a/b", &err), -1);
	assert_int_equal(store_mailbox_delete(f->user, "z/a/b/c", &err), 0);
	assert_int_equal(store_mailbox_kind(f->user, "z/a/b/c"),
			 STORE_MAILBOX_NONEXISTENT);
	assert_int_equal(store_mailbox_delete(f->user, "INBOX", &err), -1);
	/* subscriptions follow renames */
	assert_int_equal(store_mailbox_rename(f->user, "Sent", "Out", &err), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(store_mailbox_list(f->user, list_cb, &out, &err), 0);
	assert_non_null(strstr(out.text, "Out sub\\Sent;"));
}

/* store_mailbox_name() spells INBOX canonically; readonly follows the
   open flags. */
static void
test_view_name(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *box;
	struct err err;

	assert_int_equal(store_mailbox_create(f->user, "a/b", NULL, &err), 0);
	box = open_box(f, "inbox", 0);
	assert_string_equal(store_mailbox_name(box), "INBOX");
	assert_false(store_mailbox_readonly(box));
	store_mailbox_close(&box);
	box = open_box(f, "a/b", STORE_OPEN_READONLY);
	assert_string_equal(store_mailbox_name(box), "a/b");
	assert_true(store_mailbox_readonly(box));
	store_mailbox_close(&box);
}

/* A view of a mailbox deleted through another handle learns it at the
   next sync as ERR_NOTFOUND (not as a damaged index). */
static void
test_sync_deleted(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *box;
	struct err err;

	assert_int_equal(store_mailbox_create(f->user, "doomed", NULL, &err),
			 0);
	test_append(f->user, "doomed", "m", 0);
	box = open_box(f, "doomed", 0);
	assert_int_equal(store_mailbox_delete(f->user, "doomed", &err), 0);
	assert_int_equal(store_mailbox_sync(box, 0, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	store_mailbox_close(&box);
}

/* EXAMINE shows unclaimed messages as \Recent but leaves them to the next
   SELECT (RFC 3501 section 6.3.2). */
static void
test_readonly_recent(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *ro, *rw, *ro2;
	struct store_msg_info info;

	test_append(f->user, "INBOX", "a", 0);
	test_append(f->user, "INBOX", "b", 0);
	ro = open_box(f, "INBOX", STORE_OPEN_READONLY);
	assert_int_equal(store_mailbox_recent_count(ro), 2);
	assert_int_equal(store_msg_info(ro, 1, &info), 0);
	assert_true((info.flags & STORE_FLAG_RECENT) != 0);
	rw = open_box(f, "INBOX", 0);
	assert_int_equal(store_mailbox_recent_count(rw), 2);
	ro2 = open_box(f, "INBOX", STORE_OPEN_READONLY);
	assert_int_equal(store_mailbox_recent_count(ro2), 0);
	store_mailbox_close(&ro);
	store_mailbox_close(&rw);
	store_mailbox_close(&ro2);
}

static void
test_rename_inbox(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	struct err err;

	for (int i = 0; i < 3; i++)
		test_append(f->user, "INBOX", "m", 0);
	assert_int_equal(store_mailbox_create(f->user, "INBOX/child", NULL,
					      &err), 0);
	assert_int_equal(store_mailbox_rename(f->user, "inbox", "Old", &err),
			 0);
	assert_int_equal(store_mailbox_status(f->user, "Old",
					      STORE_STATUS_MESSAGES, &st,
					      &err), 0);
	assert_int_equal(st.messages, 3);
	assert_int_equal(store_mailbox_status(f->user, "INBOX",
					      STORE_STATUS_MESSAGES |
						      STORE_STATUS_UIDNEXT,
					      &st, &err), 0);
	assert_int_equal(st.messages, 0);
	assert_int_equal(st.uidnext, 4);
	assert_int_equal(store_mailbox_kind(f->user, "INBOX/child"),
			 STORE_MAILBOX_SELECTABLE);
}

static void
test_copy_move(void **state)
{
	struct fixture *f = *state;
	struct store_mailbox *box;
	struct store_copy_result res;
	struct store_uid_set uids = { 0 };
	struct store_status st;
	struct err err;
	uint64_t bytes, msgs;

	for (int i = 0; i < 4; i++)
		test_append(f->user, "INBOX", "m", STORE_FLAG_FLAGGED);
	assert_int_equal(store_mailbox_create(f->user, "Dst", NULL, &err), 0);
	box = open_box(f, "INBOX", 0);
	store_uid_set_add(&uids, 2, 3);
	assert_int_equal(store_copy(box, &uids, f->user, "Dst", false, &res,
				    &err), 0);
	assert_int_equal(res.src.n, 1);
	assert_int_equal(res.src.r[0].lo, 2);
	assert_int_equal(res.dst.r[0].lo, 1);
	assert_int_equal(res.dst.r[0].hi, 2);
	store_copy_result_free(&res);
	assert_int_equal(store_copy(box, &uids, f->user, "Nope", false, &res,
				    &err), -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	uids.n = 0;
	store_uid_set_add(&uids, 4, 4);
	assert_int_equal(store_copy(box, &uids, f->user, "Dst", true, &res,
				    &err), 0);
	assert_int_equal(res.dst.r[0].lo, 3);
	store_copy_result_free(&res);
	assert_int_equal(store_mailbox_status(f->user, "Dst",
					      STORE_STATUS_MESSAGES |
						      STORE_STATUS_UNSEEN,
					      &st, &err), 0);
	assert_int_equal(st.messages, 3);
	assert_int_equal(st.unseen, 3);
	assert_int_equal(store_mailbox_status(f->user, "INBOX",
					      STORE_STATUS_MESSAGES, &st,
					      &err), 0);
	assert_int_equal(st.messages, 3);
	assert_int_equal(store_user_usage(f->user, &bytes, &msgs, &err), 0);
	assert_int_equal(msgs, 6);
	assert_int_equal(bytes, 6 * 43);
	assert_int_equal(store_user_usage_recalc(f->user, &bytes, &msgs, &err),
			 0);
	assert_int_equal(msgs, 6);
	assert_int_equal(bytes, 6 * 43);
	store_uid_set_free(&uids);
	store_mailbox_close(&box);
}

static uint32_t
add_file(struct store_user *user, const char *mailbox, const char *path,
	 bool *durable)
{
	struct store_append *txn;
	struct store_uid_set uids = { 0 };
	struct err err;
	uint32_t uid;

	assert_int_equal(store_append_begin(user, mailbox, &txn, &err), 0);
	assert_int_equal(store_append_add_file_cached(txn, path, 1700000000,
						      0, NULL, 0, NULL, 0,
						      durable, &err),
			 0);
	assert_int_equal(store_append_commit(&txn, NULL, &uids, &err), 0);
	uid = uids.r[0].lo;
	store_uid_set_free(&uids);
	return uid;
}

/* One file added to several mailboxes (LMTP): the first link syncs it
   and says so; later links of the same file are told it is durable. */
static void
test_add_file_durable(void **state)
{
	struct fixture *f = *state;
	struct store_settings set;
	struct store *store;
	struct store_user *user;
	struct store_mailbox *box;
	struct stat sb;
	struct err err;
	char path[512];
	bool durable = false;
	int fd;

	(void)f;
	store_settings_init(&set);
	set.userdir = f->dir;
	set.fsync = true;
	set.log_mode = test_log_mode();
	assert_int_equal(store_create(&set, &store, &err), 0);
	assert_int_equal(store_user_open(store, "bob@example.com", NULL, true,
					 &user, &err), 0);
	assert_int_equal(store_mailbox_create(user, "Other", NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/spooled", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "Subject: x\r\n\r\nbody\r\n", 21), 21);
	close(fd);

	assert_int_equal(add_file(user, "INBOX", path, &durable), 1);
	assert_true(durable);
	assert_int_equal(add_file(user, "Other", path, &durable), 1);
	assert_true(durable);
	/* without the hint it works too */
	assert_int_equal(add_file(user, "Other", path, NULL), 2);
	/* single instance: the file and three links */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_nlink, 4);
	box = open_box_of(user, "Other");
	assert_int_equal(store_mailbox_count(box), 2);
	store_mailbox_close(&box);
	store_user_close(&user);
	store_destroy(&store);

	/* a store that does not sync never claims durability */
	store = test_store(f->dir, 0);
	assert_int_equal(store_user_open(store, "bob@example.com", NULL, true,
					 &user, &err), 0);
	durable = false;
	assert_int_equal(add_file(user, "INBOX", path, &durable), 2);
	assert_false(durable);
	store_user_close(&user);
	store_destroy(&store);
	assert_int_equal(unlink(path), 0);
}

static void
test_quota(void **state)
{
	struct fixture *f = *state;
	struct store_append *txn;
	struct err err;

	store_user_set_quota(f->user, 60);
	test_append(f->user, "INBOX", "a", 0);
	assert_int_equal(store_append_begin(f->user, "INBOX", &txn, &err), 0);
	assert_int_equal(store_append_msg_begin(txn, 0, 0, NULL, 0, &err), 0);
	const char *big = "X: y\r\n\r\nbig enough to exceed the quota\r\n";

	assert_int_equal(store_append_msg_write(txn, big, strlen(big), &err),
			 0);
	assert_int_equal(store_append_msg_finish(txn, &err), 0);
	assert_int_equal(store_append_commit(&txn, NULL, NULL, &err), -1);
	assert_int_equal(err.code, ERR_NOQUOTA);
	assert_null(txn);
	/* COPY counts against the quota; MOVE inside the account does not */
	{
		struct store_mailbox *box;
		struct store_copy_result res;
		struct store_uid_set uids = { 0 };

		assert_int_equal(store_mailbox_create(f->user, "Other", NULL,
						      &err), 0);
		assert_int_equal(store_mailbox_open(f->user, "INBOX", 0, &box,
						    &err), 0);
		store_uid_set_add(&uids, 1, 1);
		assert_int_equal(store_copy(box, &uids, f->user, "Other",
					    false, &res, &err), -1);
		assert_int_equal(err.code, ERR_NOQUOTA);
		assert_int_equal(store_copy(box, &uids, f->user, "Other",
					    true, &res, &err), 0);
		store_copy_result_free(&res);
		store_uid_set_free(&uids);
		store_mailbox_close(&box);
	}
}

static void
test_compaction(void **state)
{
	struct fixture *f = *state;
	struct store *s2;
	struct store_user *u2;
	struct store_mailbox *box, *box2;
	struct store_flag_update upd;
	struct store_uid_set uids = { 0 };
	struct store_msg_info a, b;
	struct buf blob = BUF_INIT;
	struct err err;

	store_destroy(&f->store);
	store_user_close(&f->user);
	f->store = test_store(f->dir, 8);
	assert_int_equal(store_user_open(f->store, "alice@example.com", NULL,
					 true, &f->user, &err), 0);
	box = open_box(f, "INBOX", 0);
	memset(&upd, 0, sizeof(upd));
	upd.mode = STORE_FLAGS_ADD;
	for (uint32_t i = 1; i <= 50; i++) {
		test_append(f->user, "INBOX", "m", 0);
		uids.n = 0;
		store_uid_set_add(&uids, i, i);
		upd.flags = i % 2 ? STORE_FLAG_SEEN : STORE_FLAG_DELETED;
		assert_int_equal(store_update_flags(box, &uids, &upd, NULL,
						    &err), 0);
	}
	assert_int_equal(store_expunge(box, NULL, &err), 0);
	assert_int_equal(store_mailbox_sync(box, 0, NULL, NULL, &err), 0);
	assert_int_equal(store_mailbox_count(box), 25);
	/* a separate store instance (as another process would) loads the
	   compacted snapshot plus log and agrees on everything */
	s2 = test_store(f->dir, 8);
	assert_int_equal(store_user_open(s2, "alice@example.com", NULL, false,
					 &u2, &err), 0);
	assert_int_equal(store_mailbox_open(u2, "INBOX", STORE_OPEN_READONLY,
					    &box2, &err), 0);
	assert_int_equal(store_mailbox_count(box2), 25);
	for (uint32_t seq = 1; seq <= 25; seq++) {
		assert_int_equal(store_msg_info(box, seq, &a), 0);
		assert_int_equal(store_msg_info(box2, seq, &b), 0);
		assert_int_equal(a.uid, b.uid);
		assert_int_equal(a.uid % 2, 1);
		assert_int_equal(a.flags & STORE_FLAGS_STORABLE,
				 b.flags & STORE_FLAGS_STORABLE);
		assert_true(a.modseq == b.modseq);
		assert_true(a.size == b.size);
		buf_clear(&blob);
		assert_int_equal(store_msg_cache(box2, seq, &blob, &err), 1);
		assert_string_equal(buf_cstr(&blob), "size=43");
	}
	assert_true(store_mailbox_highestmodseq(box2) >=
		    store_mailbox_highestmodseq(box));
	buf_free(&blob);
	store_uid_set_free(&uids);
	store_mailbox_close(&box2);
	store_mailbox_close(&box);
	store_user_close(&u2);
	store_destroy(&s2);
}

static void
test_status_from_log(void **state)
{
	struct fixture *f = *state;
	struct store_status st, st2;
	struct store_mailbox *box;
	struct store_flag_update upd;
	struct store_uid_set uids = { 0 };
	struct err err;

	for (int i = 0; i < 4; i++)
		test_append(f->user, "INBOX", "m", i == 0 ? STORE_FLAG_SEEN : 0);
	box = open_box(f, "INBOX", 0);
	memset(&upd, 0, sizeof(upd));
	upd.mode = STORE_FLAGS_ADD;
	upd.flags = STORE_FLAG_DELETED | STORE_FLAG_SEEN;
	store_uid_set_add(&uids, 2, 2);
	assert_int_equal(store_update_flags(box, &uids, &upd, NULL, &err), 0);
	store_mailbox_close(&box);
	/* quick path (headers + log) and full load agree */
	assert_int_equal(store_mailbox_status(f->user, "INBOX", 0xff & ~STORE_STATUS_RECENT,
					      &st, &err), 0);
	assert_int_equal(store_mailbox_status(f->user, "INBOX", 0xff, &st2,
					      &err), 0);
	assert_int_equal(st.messages, 4);
	assert_int_equal(st.unseen, 2);
	assert_int_equal(st.deleted, 1);
	assert_int_equal(st.uidnext, 5);
	assert_int_equal(st.messages, st2.messages);
	assert_int_equal(st.unseen, st2.unseen);
	assert_true(st.highestmodseq == st2.highestmodseq);
	assert_true(st.size == st2.size);
	store_uid_set_free(&uids);
}

static void
test_shared_root(void **state)
{
	struct fixture *f = *state;
	struct store_user *shared;
	struct store_status st;
	struct err err;

	assert_int_equal(store_shared_open(f->store, "a/b", NULL, true,
					   &shared, &err), -1);
	assert_int_equal(store_shared_open(f->store, "Projects", NULL, false,
					   &shared, &err), -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	assert_int_equal(store_shared_open(f->store, "Projects", NULL, true,
					   &shared, &err), 0);
	assert_string_equal(store_user_id(shared), "#shared/Projects");
	assert_int_equal(store_mailbox_kind(shared, "Projects"),
			 STORE_MAILBOX_SELECTABLE);
	test_append(shared, "Projects", "x", 0);
	assert_int_equal(store_mailbox_status(shared, "Projects",
					      STORE_STATUS_MESSAGES, &st,
					      &err), 0);
	assert_int_equal(st.messages, 1);
	store_user_close(&shared);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_and_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cache_built_at_append,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_and_keywords, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_between_views, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_hierarchy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_view_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_deleted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readonly_recent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rename_inbox, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_copy_move, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_add_file_durable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_status_from_log, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shared_root, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
