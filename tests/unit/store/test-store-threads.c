/* SPDX-License-Identifier: MIT */
/*
 * Threads of one process sharing a store, as cofferd's workers do: several
 * sessions on one mailbox append (group commit), change flags, expunge,
 * copy and synchronise at once while watchers are notified. The test runs
 * under ASan/UBSan in CI; build it with -fsanitize=thread to check for
 * races (see tests/unit/net/CMakeLists.txt for the recipe).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store-test-util.h"
#include "lib/mem.h"
#include "lib/rand.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define USER "threads@example.com"
#define NTHREADS 6
#define NOPS 200

struct shared {
	struct store *store;
	_Atomic unsigned appended, expunged, notified;
	_Atomic bool failed;
};

static void
on_change(void *ctx)
{
	atomic_fetch_add(&((struct shared *)ctx)->notified, 1);
}

static void *
worker(void *arg)
{
	struct shared *sh = arg;
	struct store_user *user;
	struct store_mailbox *box;
	struct err err;

	if (store_user_open(sh->store, USER, NULL, true, &user, &err) < 0 ||
	    store_mailbox_open(user, "INBOX", 0, &box, &err) < 0) {
		sh->failed = true;
		return NULL;
	}
	store_mailbox_watch(box, on_change, sh);
	for (int op = 0; op < NOPS && !sh->failed; op++) {
		struct store_uid_set set = { 0 };
		struct store_flag_update upd;
		unsigned r = rand_uniform(10);
		uint32_t n = store_mailbox_count(box);

		memset(&upd, 0, sizeof(upd));
		if (r < 4 || n == 0) {
			test_append(user, "INBOX", "t", 0);
			atomic_fetch_add(&sh->appended, 1);
		} else if (r < 7) {
			const char *kw[] = { "Busy" };
			uint32_t uid = store_mailbox_uid(box,
							 1 + rand_uniform(n));

			upd.mode = r == 5 ? STORE_FLAGS_REMOVE
					  : STORE_FLAGS_ADD;
			upd.flags = STORE_FLAG_SEEN;
			upd.keywords = kw;
			upd.keyword_count = 1;
			store_uid_set_add(&set, uid, uid);
			if (store_update_flags(box, &set, &upd, NULL, &err) < 0)
				sh->failed = true;
		} else if (r < 9) {
			uint32_t uid = store_mailbox_uid(box,
							 1 + rand_uniform(n));

			store_uid_set_add(&set, uid, uid);
			upd.mode = STORE_FLAGS_ADD;
			upd.flags = STORE_FLAG_DELETED;
			if (store_update_flags(box, &set, &upd, NULL, &err) < 0 ||
			    store_expunge(box, &set, &err) < 0)
				sh->failed = true;
		} else {
			struct store_copy_result res;
			uint32_t uid = store_mailbox_uid(box,
							 1 + rand_uniform(n));

			store_uid_set_add(&set, uid, uid);
			if (store_copy(box, &set, user, "Copies", false, &res,
				       &err) < 0)
				sh->failed = true;
			else
				store_copy_result_free(&res);
		}
		store_uid_set_free(&set);
		/* reading while others write */
		for (uint32_t seq = 1; seq <= store_mailbox_count(box); seq++) {
			struct store_msg_info info;
			const char *const *kw;

			(void)store_msg_info(box, seq, &info);
			(void)store_msg_keywords(box, seq, &kw);
		}
		if (store_mailbox_sync(box, 0, NULL, NULL, &err) < 0)
			sh->failed = true;
	}
	store_mailbox_watch(box, NULL, NULL);
	store_mailbox_close(&box);
	store_user_close(&user);
	return NULL;
}

static void
test_threads_share_a_mailbox(void **state)
{
	struct shared sh;
	struct store_user *user;
	struct store_mailbox *box;
	pthread_t tid[NTHREADS];
	struct err err;
	const char *dir = test_tmpdir();
	uint32_t prev = 0;

	(void)state;
	memset(&sh, 0, sizeof(sh));
	sh.store = test_store(dir, 16);
	assert_int_equal(store_user_open(sh.store, USER, NULL, true, &user,
					 &err), 0);
	assert_int_equal(store_mailbox_create(user, "Copies", NULL, &err), 0);
	test_append(user, "INBOX", "seed", 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&tid[i], NULL, worker, &sh);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(tid[i], NULL);
	assert_false(sh.failed);
	assert_true(sh.notified > 0);
	/* a fresh view sees ascending unique UIDs and nothing lost */
	assert_int_equal(store_mailbox_open(user, "INBOX", STORE_OPEN_READONLY,
					    &box, &err), 0);
	for (uint32_t seq = 1; seq <= store_mailbox_count(box); seq++) {
		uint32_t uid = store_mailbox_uid(box, seq);

		assert_true(uid > prev);
		prev = uid;
	}
	assert_true(store_mailbox_uidnext(box) == sh.appended + 2);
	printf("threads: %u appends, %u messages left, %u notifications\n",
	       sh.appended, store_mailbox_count(box), sh.notified);
	store_mailbox_close(&box);
	store_user_close(&user);
	store_destroy(&sh.store);
	test_tmpdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_share_a_mailbox),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
