/* SPDX-License-Identifier: MIT */
/* Unit tests for RCPT TO resolution against a real user database and
   store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lmtp-test-util.h"
#include "config/config.h"
#include "proto/lmtp/lmtp-command.h"
#include "proto/lmtp/lmtp-rcpt.h"
#include "proto/lmtp/lmtp-status.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARED_ROOTS                    \
	"<shared_root name=\"Staff\"/>" \
	"<shared_root name=\"Email Archive\" email=\"archive@example.com\"/>"

struct rfix {
	struct lmtp_fixture f;
	struct pool *pool;
	struct lmtp_rcpt_ctx ctx;
};

static void
ctx_begin(struct rfix *r)
{
	r->pool = pool_create(1024);
	lmtp_rcpt_ctx_init(&r->ctx, r->pool);
	r->ctx.cfg = r->f.cfg;
	r->ctx.userdb = r->f.userdb;
	r->ctx.store = r->f.store;
	r->ctx.local_addr = "127.0.0.1";
	r->ctx.session_id = "test";
}

static void
ctx_end(struct rfix *r)
{
	lmtp_rcpt_ctx_deinit(&r->ctx);
	pool_destroy(&r->pool);
}

static int
setup_with(void **state, const char *extra)
{
	struct rfix *r = calloc(1, sizeof(*r));

	lmtp_fixture_init(&r->f, extra);
	lmtp_fixture_add_user(&r->f, "joe@example.com", "joseph@example.org",
			      ACCOUNT_ENABLED, 0);
	lmtp_fixture_add_user(&r->f, "postmaster@example.com", NULL,
			      ACCOUNT_ENABLED, 0);
	lmtp_fixture_add_user(&r->f, "off@example.com", NULL, ACCOUNT_DISABLED,
			      0);
	lmtp_fixture_add_user(&r->f, "moving@example.com", NULL,
			      ACCOUNT_MIGRATING, 0);
	lmtp_fixture_add_user(&r->f, "small@example.com", NULL, ACCOUNT_ENABLED,
			      1);
	lmtp_fixture_add_user(&r->f, "ten@example.com", NULL, ACCOUNT_ENABLED,
			      10);
	ctx_begin(r);
	*state = r;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, SHARED_ROOTS);
}

static int
setup_permanent_quota(void **state)
{
	return setup_with(state, SHARED_ROOTS "<over_quota_temp_error>false"
					      "</over_quota_temp_error>");
}

static int
setup_no_autocreate(void **state)
{
	return setup_with(
	    state, "<lmtp_autocreate>false</lmtp_autocreate>"
		   "<lmtp_shared_name>public</lmtp_shared_name>" SHARED_ROOTS);
}

static int
teardown(void **state)
{
	struct rfix *r = *state;

	ctx_end(r);
	lmtp_fixture_deinit(&r->f);
	free(r);
	return 0;
}

static const struct lmtp_status *
resolve(struct rfix *r, const char *addr, struct lmtp_rcpt **rcpt_r)
{
	char line[600];
	struct lmtp_command cmd;
	const struct lmtp_status *st;
	struct lmtp_rcpt *rcpt = NULL;

	snprintf(line, sizeof(line), "RCPT TO:<%s>", addr);
	if (lmtp_command_parse(line, strlen(line), &cmd, &st) < 0)
		fail_msg("parse %s: %s", line, st->text);
	st = lmtp_rcpt_resolve(&r->ctx, &cmd.path, &rcpt);
	if (rcpt_r != NULL)
		*rcpt_r = rcpt;
	if (st == NULL)
		assert_non_null(rcpt);
	return st;
}

static struct lmtp_rcpt *
accept_rcpt(struct rfix *r, const char *addr)
{
	struct lmtp_rcpt *rcpt;
	const struct lmtp_status *st = resolve(r, addr, &rcpt);

	if (st != NULL)
		fail_msg("<%s> refused: %u %s", addr, st->code, st->text);
	return rcpt;
}

static void
test_accounts(void **state)
{
	struct rfix *r = *state;
	struct lmtp_rcpt *rcpt;

	rcpt = accept_rcpt(r, "joe@example.com");
	assert_int_equal(rcpt->kind, LMTP_RCPT_USER);
	assert_string_equal(rcpt->owner, "joe@example.com");
	assert_string_equal(rcpt->top, "INBOX");
	assert_null(rcpt->folder);
	assert_non_null(rcpt->user);
	/* case-insensitive local part and domain; the reply keeps the
	   client's spelling */
	rcpt = accept_rcpt(r, "JOE@Example.COM");
	assert_string_equal(rcpt->owner, "joe@example.com");
	assert_string_equal(rcpt->address, "JOE@Example.COM");
	/* aliases (mailLocalAddress) */
	rcpt = accept_rcpt(r, "Joseph@example.org");
	assert_string_equal(rcpt->owner, "joe@example.com");
	/* quoted forms are equivalent (RFC 5321 section 4.1.2) */
	rcpt = accept_rcpt(r, "\"joe\"@example.com");
	assert_string_equal(rcpt->owner, "joe@example.com");
	/* <Postmaster> takes the default domain */
	rcpt = accept_rcpt(r, "Postmaster");
	assert_string_equal(rcpt->owner, "postmaster@example.com");
	/* a migrating account receives mail */
	accept_rcpt(r, "moving@example.com");
	/* the store was opened once for joe's four recipients */
	assert_ptr_equal(accept_rcpt(r, "joe@example.com")->user,
			 accept_rcpt(r, "joseph@example.org")->user);
}

static void
test_refusals(void **state)
{
	struct rfix *r = *state;

	assert_ptr_equal(resolve(r, "nobody@example.com", NULL),
			 &lmtp_st_user_unknown);
	assert_ptr_equal(resolve(r, "joe@example.net", NULL),
			 &lmtp_st_user_unknown);
	assert_ptr_equal(resolve(r, "joe@[127.0.0.1]", NULL),
			 &lmtp_st_user_unknown);
	assert_ptr_equal(resolve(r, "\"j o e\"@example.com", NULL),
			 &lmtp_st_user_unknown);
	assert_ptr_equal(resolve(r, "joe.@example.com", NULL),
			 &lmtp_st_user_unknown);
	assert_ptr_equal(resolve(r, "off@example.com", NULL),
			 &lmtp_st_disabled);
	assert_ptr_equal(resolve(r, "off+x@example.com", NULL),
			 &lmtp_st_disabled);
}

static void
test_plus_addressing(void **state)
{
	struct rfix *r = *state;
	struct lmtp_rcpt *rcpt;

	rcpt = accept_rcpt(r, "joe+work/2024@example.com");
	assert_string_equal(rcpt->owner, "joe@example.com");
	assert_string_equal(rcpt->folder, "work/2024");
	assert_string_equal(rcpt->top, "INBOX");
	/* only the first '+' splits */
	rcpt = accept_rcpt(r, "joe+a+b@example.com");
	assert_string_equal(rcpt->folder, "a+b");
	/* an empty or invalid detail means no folder */
	rcpt = accept_rcpt(r, "joe+@example.com");
	assert_null(rcpt->folder);
	rcpt = accept_rcpt(r, "joe+a//b@example.com");
	assert_null(rcpt->folder);
	rcpt = accept_rcpt(r, "joseph+lists@example.org");
	assert_string_equal(rcpt->owner, "joe@example.com");
	assert_string_equal(rcpt->folder, "lists");
}

static void
test_shared(void **state)
{
	struct rfix *r = *state;
	struct lmtp_rcpt *rcpt;

	/* <lmtp_shared_name>+<root>[/<folder>] at any domain */
	rcpt = accept_rcpt(r, "shared+Staff@elsewhere.org");
	assert_int_equal(rcpt->kind, LMTP_RCPT_SHARED);
	assert_string_equal(rcpt->owner, "Staff");
	assert_string_equal(rcpt->top, "Staff");
	assert_null(rcpt->folder);
	rcpt = accept_rcpt(r, "SHARED+staff/bugs/2024@example.com");
	assert_string_equal(rcpt->owner, "Staff");
	assert_string_equal(rcpt->folder, "Staff/bugs/2024");
	rcpt = accept_rcpt(r, "\"shared+Email Archive/x\"@example.com");
	assert_string_equal(rcpt->owner, "Email Archive");
	assert_string_equal(rcpt->folder, "Email Archive/x");
	assert_ptr_equal(resolve(r, "shared+Nope@example.com", NULL),
			 &lmtp_st_user_unknown);
	/* without a detail it is an ordinary (here unknown) address */
	assert_ptr_equal(resolve(r, "shared@example.com", NULL),
			 &lmtp_st_user_unknown);
	/* a shared root's own address */
	rcpt = accept_rcpt(r, "Archive@EXAMPLE.com");
	assert_string_equal(rcpt->owner, "Email Archive");
	assert_string_equal(rcpt->top, "Email Archive");
	rcpt = accept_rcpt(r, "archive+2023/q1@example.com");
	assert_string_equal(rcpt->folder, "Email Archive/2023/q1");
	/* the root was created on disk with its top mailbox */
	assert_int_equal(store_mailbox_kind(rcpt->user, "Email Archive"),
			 STORE_MAILBOX_SELECTABLE);
}

static void
fill(struct rfix *r, const char *userid, size_t size)
{
	struct store_append *txn;
	struct store_user *user;
	struct err err;
	char *msg = malloc(size);

	memset(msg, 'x', size);
	memcpy(msg, "Subject: fill\r\n\r\n", 17);
	assert_int_equal(
	    store_user_open(r->f.store, userid, NULL, true, &user, &err), 0);
	assert_int_equal(store_append_begin(user, "INBOX", &txn, &err), 0);
	assert_int_equal(store_append_msg_begin(txn, 0, 0, NULL, 0, &err), 0);
	assert_int_equal(store_append_msg_write(txn, msg, size, &err), 0);
	assert_int_equal(store_append_msg_finish(txn, &err), 0);
	assert_int_equal(store_append_commit(&txn, NULL, NULL, &err), 0);
	store_user_close(&user);
	free(msg);
}

static void
test_quota(void **state)
{
	struct rfix *r = *state;

	accept_rcpt(r, "small@example.com");
	/* 1 KiB quota, 2000 octets used */
	fill(r, "small@example.com", 2000);
	ctx_end(r);
	ctx_begin(r);
	assert_ptr_equal(resolve(r, "small@example.com", NULL),
			 &lmtp_st_over_quota_temp);
	/* the verdict sticks for the account within the transaction */
	assert_ptr_equal(resolve(r, "small+x@example.com", NULL),
			 &lmtp_st_over_quota_temp);
	/* MAIL SIZE= counts: 10 KiB quota, 5000 used, 6000 declared */
	fill(r, "ten@example.com", 5000);
	ctx_end(r);
	ctx_begin(r);
	r->ctx.size_hint = 5000;
	accept_rcpt(r, "ten@example.com");
	ctx_end(r);
	ctx_begin(r);
	r->ctx.size_hint = 6000;
	assert_ptr_equal(resolve(r, "ten@example.com", NULL),
			 &lmtp_st_over_quota_temp);
	/* no quota at all */
	accept_rcpt(r, "joe@example.com");
}

static void
test_quota_permanent(void **state)
{
	struct rfix *r = *state;

	fill(r, "small@example.com", 2000);
	assert_ptr_equal(resolve(r, "small@example.com", NULL),
			 &lmtp_st_over_quota_perm);
}

static void
test_no_autocreate(void **state)
{
	struct rfix *r = *state;
	struct lmtp_rcpt *rcpt;

	assert_ptr_equal(resolve(r, "joe@example.com", NULL),
			 &lmtp_st_no_mailbox);
	fill(r, "joe@example.com", 100);
	accept_rcpt(r, "joe@example.com");
	/* lmtp_shared_name is configurable */
	rcpt = accept_rcpt(r, "public+Staff@example.com");
	assert_string_equal(rcpt->owner, "Staff");
	assert_ptr_equal(resolve(r, "shared+Staff@example.com", NULL),
			 &lmtp_st_user_unknown);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plus_addressing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_shared, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quota_permanent,
					    setup_permanent_quota, teardown),
	    cmocka_unit_test_setup_teardown(test_no_autocreate,
					    setup_no_autocreate, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
