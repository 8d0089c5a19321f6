/* SPDX-License-Identifier: MIT */
/* Helpers shared by the store unit tests. */
#include "store-test-util.h"
#include "lib/fsutil.h"
#include "lib/panic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
test_tmpdir(void)
{
	static _Thread_local char dir[256];
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/coffer-store-test.XXXXXX",
		 base != NULL ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		i_panic("mkdtemp failed");
	return dir;
}

void
test_tmpdir_remove(const char *dir)
{
	rm_rf(dir, NULL);
}

int
test_cache_builder(const uint8_t *msg, size_t len, struct buf *out)
{
	(void)msg;
	return buf_printf(out, "size=%zu", len);
}

enum store_log_mode
test_log_mode(void)
{
	const char *mode = getenv("COFFER_STORE_LOG_MODE");

	if (mode != NULL && strcmp(mode, "link") == 0)
		return STORE_LOG_LINK;
	if (mode != NULL && strcmp(mode, "append") == 0)
		return STORE_LOG_APPEND;
	return STORE_LOG_AUTO;
}

struct store *
test_store(const char *dir, unsigned compact_records)
{
	struct store_settings set;
	struct store *store;
	struct err err;

	store_settings_init(&set);
	char shared[512];

	snprintf(shared, sizeof(shared), "%s/shared", dir);
	set.userdir = dir;
	set.shared_root_dir = shared;
	set.fsync = false; /* durability is tested separately */
	set.compact_records = compact_records;
	set.cache_builder = test_cache_builder;
	set.log_mode = test_log_mode();
	if (store_create(&set, &store, &err) < 0)
		i_panic("store_create: %s", err.msg);
	return store;
}

uint32_t
test_append(struct store_user *user, const char *mailbox, const char *subject,
	    uint32_t flags)
{
	struct store_append *txn;
	struct store_uid_set uids = { 0 };
	struct err err;
	char msg[512];
	uint32_t uid, uidv;

	snprintf(msg, sizeof(msg),
		 "From: a@example.com\r\nSubject: %s\r\n\r\nbody %s\r\n",
		 subject, subject);
	if (store_append_begin(user, mailbox, &txn, &err) < 0 ||
	    store_append_msg_begin(txn, 1700000000, flags, NULL, 0, &err) < 0 ||
	    store_append_msg_write(txn, msg, strlen(msg), &err) < 0 ||
	    store_append_msg_finish(txn, &err) < 0 ||
	    store_append_commit(&txn, &uidv, &uids, &err) < 0)
		i_panic("append: %s", err.msg);
	uid = uids.r[0].lo;
	store_uid_set_free(&uids);
	return uid;
}
