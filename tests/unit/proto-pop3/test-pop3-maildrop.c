/* SPDX-License-Identifier: MIT */
/* The POP3 maildrop over a real store: numbering, sizes, UIDL, marks,
   the UPDATE state as seen by a concurrent IMAP-like view, exclusivity
   and LOGIN-DELAY. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store-test-util.h"
#include "proto/pop3/pop3-maildrop.h"
#include "store/store.h"
#include "lib/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USER "alice@example.com"

struct fixture {
	char *dir;
	struct store *store;
	struct store_user *user; /* a second, IMAP-like user of the store */
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct err err;

	f->dir = xstrdup(test_tmpdir());
	f->store = test_store(f->dir, 0);
	assert_int_equal(
	    store_user_open(f->store, USER, NULL, true, &f->user, &err), 0);
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

static struct pop3_maildrop *
open_drop(struct fixture *f)
{
	struct pop3_maildrop *drop = NULL;
	struct err err;

	if (pop3_maildrop_open(f->store, USER, NULL, 0, &drop, &err) < 0)
		fail_msg("pop3_maildrop_open: %s", err.msg);
	return drop;
}

static uint64_t
msg_size(const char *subject)
{
	char msg[512];

	/* what test_append() writes */
	return (uint64_t)snprintf(msg, sizeof(msg),
				  "From: a@example.com\r\nSubject: %s\r\n\r\n"
				  "body %s\r\n",
				  subject, subject);
}

static void
test_empty_and_new_account(void **state)
{
	struct fixture *f = *state;
	struct pop3_maildrop *drop = NULL;
	struct err err;

	drop = open_drop(f);
	assert_int_equal(pop3_maildrop_count(drop), 0);
	assert_int_equal(pop3_maildrop_live_size(drop), 0);
	assert_false(pop3_maildrop_valid(drop, 0));
	assert_false(pop3_maildrop_valid(drop, 1));
	assert_int_equal(pop3_maildrop_commit(drop, &err), 0);
	pop3_maildrop_close(&drop);
	assert_null(drop);
	pop3_maildrop_close(&drop);
	/* first login of an account without a store creates its INBOX */
	assert_int_equal(pop3_maildrop_open(f->store, "new@example.com", NULL,
					    0, &drop, &err),
			 0);
	assert_int_equal(pop3_maildrop_count(drop), 0);
	pop3_maildrop_close(&drop);
}

static void
test_listing(void **state)
{
	struct fixture *f = *state;
	struct pop3_maildrop *drop;
	struct store_status st;
	char uidl[POP3_UIDL_MAX], expect[POP3_UIDL_MAX];
	uint32_t uids[3];
	struct err err;

	uids[0] = test_append(f->user, "INBOX", "one", 0);
	uids[1] = test_append(f->user, "INBOX", "two", 0);
	uids[2] = test_append(f->user, "INBOX", "three", 0);
	assert_int_equal(store_mailbox_status(f->user, "INBOX",
					      STORE_STATUS_UIDVALIDITY, &st,
					      &err),
			 0);
	drop = open_drop(f);
	assert_int_equal(pop3_maildrop_count(drop), 3);
	assert_int_equal(pop3_maildrop_live_count(drop), 3);
	assert_int_equal(pop3_maildrop_live_size(drop),
			 msg_size("one") + msg_size("two") + msg_size("three"));
	assert_int_equal(pop3_maildrop_size(drop, 2), msg_size("two"));
	for (uint32_t i = 0; i < 3; i++) {
		pop3_maildrop_uidl(drop, i + 1, uidl);
		snprintf(expect, sizeof(expect), "%u.%u", st.uidvalidity,
			 uids[i]);
		assert_string_equal(uidl, expect);
	}
	/* messages delivered during the session are not shown */
	test_append(f->user, "INBOX", "four", 0);
	assert_int_equal(pop3_maildrop_count(drop), 3);
	pop3_maildrop_close(&drop);
	/* the same UIDLs in the next session, plus the new message */
	drop = open_drop(f);
	assert_int_equal(pop3_maildrop_count(drop), 4);
	pop3_maildrop_uidl(drop, 1, uidl);
	snprintf(expect, sizeof(expect), "%u.%u", st.uidvalidity, uids[0]);
	assert_string_equal(uidl, expect);
	pop3_maildrop_close(&drop);
}

static void
test_marks(void **state)
{
	struct fixture *f = *state;
	struct pop3_maildrop *drop;

	test_append(f->user, "INBOX", "one", 0);
	test_append(f->user, "INBOX", "two", 0);
	drop = open_drop(f);
	pop3_maildrop_delete(drop, 2);
	assert_true(pop3_maildrop_is_deleted(drop, 2));
	assert_false(pop3_maildrop_valid(drop, 2));
	assert_true(pop3_maildrop_valid(drop, 1));
	assert_int_equal(pop3_maildrop_live_count(drop), 1);
	assert_int_equal(pop3_maildrop_live_size(drop), msg_size("one"));
	assert_int_equal(pop3_maildrop_deleted_count(drop), 1);
	/* marking twice or out of range changes nothing */
	pop3_maildrop_delete(drop, 2);
	pop3_maildrop_delete(drop, 3);
	pop3_maildrop_delete(drop, 0);
	assert_int_equal(pop3_maildrop_deleted_count(drop), 1);
	pop3_maildrop_reset(drop);
	assert_int_equal(pop3_maildrop_live_count(drop), 2);
	assert_false(pop3_maildrop_is_deleted(drop, 2));
	/* closing without commit deletes nothing */
	pop3_maildrop_delete(drop, 1);
	pop3_maildrop_close(&drop);
	drop = open_drop(f);
	assert_int_equal(pop3_maildrop_count(drop), 2);
	pop3_maildrop_close(&drop);
}

struct sync_log {
	uint32_t expunged[8];
	unsigned n;
};

static void
on_expunge(void *ctx, uint32_t seq, uint32_t uid)
{
	struct sync_log *log = ctx;

	(void)seq;
	if (log->n < 8)
		log->expunged[log->n++] = uid;
}

static void
test_commit(void **state)
{
	struct fixture *f = *state;
	struct store_sync_ops ops = {.expunge = on_expunge};
	struct store_flag_update del = {.mode = STORE_FLAGS_ADD,
					.flags = STORE_FLAG_DELETED};
	struct store_uid_set set = {0};
	struct sync_log log = {0};
	struct store_mailbox *imap;
	struct store_msg_info info;
	struct pop3_maildrop *drop;
	uint32_t uids[4];
	struct err err;
	char buf[64];
	int fd;

	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "m%d", i);
		uids[i] = test_append(f->user, "INBOX", buf, 0);
	}
	assert_int_equal(store_mailbox_open(f->user, "INBOX", 0, &imap, &err),
			 0);
	/* an IMAP user flagged message 4 \Deleted without expunging */
	store_uid_set_add(&set, uids[3], uids[3]);
	assert_int_equal(store_update_flags(imap, &set, &del, NULL, &err), 0);
	store_uid_set_free(&set);

	drop = open_drop(f);
	assert_int_equal(pop3_maildrop_open_msg(drop, 1, &fd, &err), 0);
	close(fd);
	pop3_maildrop_mark_retrieved(drop, 1);
	pop3_maildrop_mark_retrieved(drop, 3);
	pop3_maildrop_delete(drop, 2);
	pop3_maildrop_delete(drop, 3);
	assert_int_equal(pop3_maildrop_commit(drop, &err), 0);
	pop3_maildrop_close(&drop);

	/* the IMAP view sees exactly messages 2 and 3 expunged */
	assert_int_equal(store_mailbox_sync(imap, 0, &ops, &log, &err), 0);
	assert_int_equal(log.n, 2);
	assert_true(
	    (log.expunged[0] == uids[1] && log.expunged[1] == uids[2]) ||
	    (log.expunged[0] == uids[2] && log.expunged[1] == uids[1]));
	assert_int_equal(store_mailbox_count(imap), 2);
	/* message 1 was retrieved: \Seen; message 4 keeps its \Deleted and
	   was not expunged */
	assert_int_equal(store_msg_info(imap, 1, &info), 0);
	assert_int_equal(info.uid, uids[0]);
	assert_true(info.flags & STORE_FLAG_SEEN);
	assert_int_equal(store_msg_info(imap, 2, &info), 0);
	assert_int_equal(info.uid, uids[3]);
	assert_true(info.flags & STORE_FLAG_DELETED);
	assert_false(info.flags & STORE_FLAG_SEEN);
	store_mailbox_close(&imap);
}

static void
test_expunged_meanwhile(void **state)
{
	struct fixture *f = *state;
	struct store_flag_update del = {.mode = STORE_FLAGS_ADD,
					.flags = STORE_FLAG_DELETED};
	struct store_uid_set set = {0};
	struct store_mailbox *imap;
	struct pop3_maildrop *drop;
	uint32_t uid1, uid2;
	struct err err;
	int fd;

	uid1 = test_append(f->user, "INBOX", "one", 0);
	uid2 = test_append(f->user, "INBOX", "two", 0);
	drop = open_drop(f);
	assert_int_equal(store_mailbox_open(f->user, "INBOX", 0, &imap, &err),
			 0);
	store_uid_set_add(&set, uid1, uid1);
	assert_int_equal(store_update_flags(imap, &set, &del, NULL, &err), 0);
	assert_int_equal(store_expunge(imap, &set, &err), 0);
	store_uid_set_free(&set);
	store_mailbox_close(&imap);
	/* numbering and sizes stay; the file is gone */
	assert_int_equal(pop3_maildrop_count(drop), 2);
	assert_int_equal(pop3_maildrop_size(drop, 1), msg_size("one"));
	assert_int_equal(pop3_maildrop_open_msg(drop, 1, &fd, &err), -1);
	assert_int_equal(err.code, ERR_EXPUNGED);
	assert_int_equal(pop3_maildrop_open_msg(drop, 2, &fd, &err), 0);
	close(fd);
	/* deleting both: the expunged one is skipped */
	pop3_maildrop_delete(drop, 1);
	pop3_maildrop_delete(drop, 2);
	assert_int_equal(pop3_maildrop_commit(drop, &err), 0);
	pop3_maildrop_close(&drop);
	drop = open_drop(f);
	assert_int_equal(pop3_maildrop_count(drop), 0);
	pop3_maildrop_close(&drop);
	(void)uid2;
}

static void
test_exclusive(void **state)
{
	struct fixture *f = *state;
	struct pop3_maildrop *a, *b = NULL;
	struct err err;

	a = open_drop(f);
	assert_int_equal(pop3_maildrop_heartbeat(a, &err), 0);
	assert_int_equal(pop3_maildrop_open(f->store, USER, NULL, 0, &b, &err),
			 -1);
	assert_int_equal(err.code, ERR_INUSE);
	assert_null(b);
	pop3_maildrop_close(&a);
	b = open_drop(f);
	pop3_maildrop_close(&b);
	/* LOGIN-DELAY: the last login was just now */
	assert_int_equal(
	    pop3_maildrop_open(f->store, USER, NULL, 300, &b, &err), -1);
	assert_int_equal(err.code, ERR_LIMIT);
	/* and the refusal did not keep the lock */
	b = open_drop(f);
	pop3_maildrop_close(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty_and_new_account, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_marks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expunged_meanwhile, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_exclusive, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
