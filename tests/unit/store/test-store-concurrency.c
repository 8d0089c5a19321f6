/* SPDX-License-Identifier: MIT */
/*
 * Concurrency and crash tests of the mdir store, with real processes:
 *
 * - stress: several processes append, copy, flag (system flags and unique
 *   keywords) and expunge in one mailbox for a fixed number of operations;
 *   then the invariants are checked from a fresh process: UIDs unique and
 *   ascending, every acknowledged append present exactly once unless its
 *   writer expunged it, no unacknowledged message, no lost keyword, MODSEQ
 *   never observed going backwards, quota usage equal to the file sizes.
 * - crash: writers with full durability are killed with SIGKILL at random
 *   moments, repeatedly; every acknowledged message must survive exactly
 *   once and the index must agree with the files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store-test-util.h"
#include "lib/fsutil.h"
#include "lib/hash.h"
#include "lib/mem.h"
#include "lib/rand.h"
#include "lib/vec.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USER "stress@example.com"
#define NPROC 4
#define NOPS 250

static const char *dir;

static struct store *
child_store(bool durable, unsigned compact)
{
	struct store_settings set;
	struct store *store;
	struct err err;

	store_settings_init(&set);
	set.userdir = dir;
	set.fsync = durable;
	set.compact_records = compact;
	set.cache_builder = test_cache_builder;
	set.log_mode = test_log_mode();
	if (store_create(&set, &store, &err) < 0)
		_exit(10);
	return store;
}

/* Appends a message whose subject is `subject`; returns its UID or 0. */
static uint32_t
append_subject(struct store_user *user, const char *mailbox,
	       const char *subject)
{
	struct store_append *txn;
	struct store_uid_set uids = { 0 };
	struct err err;
	char msg[256];
	uint32_t uid = 0;

	snprintf(msg, sizeof(msg), "Subject: %s\r\n\r\nbody\r\n", subject);
	if (store_append_begin(user, mailbox, &txn, &err) < 0) {
		fprintf(stderr, "append begin: %s\n", err.msg);
		return 0;
	}
	if (store_append_msg_begin(txn, time(NULL), 0, NULL, 0, &err) < 0 ||
	    store_append_msg_write(txn, msg, strlen(msg), &err) < 0 ||
	    store_append_msg_finish(txn, &err) < 0) {
		store_append_abort(&txn);
		return 0;
	}
	if (store_append_commit(&txn, NULL, &uids, &err) == 0)
		uid = uids.r[0].lo;
	else
		fprintf(stderr, "append: %s\n", err.msg);
	store_uid_set_free(&uids);
	return uid;
}

static void logf_line(int fd, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void
logf_line(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	(void)!write(fd, line, (size_t)n);
}

/* One stress worker. Its log lists what was acknowledged to it:
   "A uid subject", "X uid" (expunged on purpose), "K uid keyword",
   "M modseq" (highest modseq observed, in order). */
static void
stress_child(int id)
{
	struct store *store = child_store(false, 16);
	struct store_user *user;
	struct store_mailbox *box;
	char path[512];
	struct err err;
	uint32_t mine[NOPS];
	size_t nmine = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/child.%d.log", dir, id);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || store_user_open(store, USER, NULL, true, &user, &err) < 0 ||
	    store_mailbox_open(user, "INBOX", 0, &box, &err) < 0)
		_exit(11);
	for (int op = 0; op < NOPS; op++) {
		struct store_uid_set set = { 0 };
		struct store_flag_update upd;
		unsigned r = rand_uniform(10);
		char subject[64], kw[32];

		memset(&upd, 0, sizeof(upd));
		if (r < 4 || nmine == 0) {
			uint32_t uid;

			snprintf(subject, sizeof(subject), "c%d-%d", id, op);
			uid = append_subject(user, "INBOX", subject);
			if (uid == 0) {
				fprintf(stderr, "child %d: append failed\n",
					id);
				_exit(12);
			}
			mine[nmine++] = uid;
			logf_line(fd, "A %u %s\n", uid, subject);
		} else if (r < 7) {
			/* a unique keyword on any message (others' too) */
			uint32_t n = store_mailbox_count(box);
			uint32_t uid = store_mailbox_uid(box,
							 1 + rand_uniform(n));
			const char *kws[1] = { kw };

			snprintf(kw, sizeof(kw), "k%d_%d", id, op);
			upd.mode = STORE_FLAGS_ADD;
			upd.flags = STORE_FLAG_SEEN;
			upd.keywords = kws;
			upd.keyword_count = 1;
			store_uid_set_add(&set, uid, uid);
			if (store_update_flags(box, &set, &upd, NULL, &err) < 0)
				_exit(13);
			logf_line(fd, "K %u %s\n", uid, kw);
		} else if (r < 9) {
			/* expunge one of our own messages */
			uint32_t uid = mine[rand_uniform((uint32_t)nmine)];

			store_uid_set_add(&set, uid, uid);
			upd.mode = STORE_FLAGS_ADD;
			upd.flags = STORE_FLAG_DELETED;
			if (store_update_flags(box, &set, &upd, NULL, &err) < 0 ||
			    store_expunge(box, &set, &err) < 0)
				_exit(14);
			logf_line(fd, "X %u\n", uid);
		} else {
			struct store_copy_result res;
			uint32_t n = store_mailbox_count(box);
			uint32_t uid = store_mailbox_uid(box,
							 1 + rand_uniform(n));

			store_uid_set_add(&set, uid, uid);
			if (store_copy(box, &set, user, "Other", false, &res,
				       &err) < 0)
				_exit(15);
			store_copy_result_free(&res);
		}
		store_uid_set_free(&set);
		if (store_mailbox_sync(box, 0, NULL, NULL, &err) < 0)
			_exit(16);
		logf_line(fd, "M %llu\n", (unsigned long long)
				      store_mailbox_highestmodseq(box));
	}
	close(fd);
	store_mailbox_close(&box);
	store_user_close(&user);
	store_destroy(&store);
	_exit(0);
}

struct expect {
	struct hash acked;   /* subject -> uid (as pointer) */
	struct hash gone;    /* uid string -> non-NULL */
	VEC(char *) strings; /* keys to free */
	VEC(char *) kw_lines;
};

static char *
keep(struct expect *e, const char *s)
{
	char *copy = xstrdup(s);

	vec_push(&e->strings, copy);
	return copy;
}

static void
read_logs(struct expect *e)
{
	for (int id = 0; id < NPROC; id++) {
		char path[512], line[256];
		uint64_t last_modseq = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/child.%d.log", dir, id);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			unsigned uid;
			unsigned long long ms;
			char word[64], ukey[16];

			if (sscanf(line, "A %u %63s", &uid, word) == 2) {
				hash_put_str(&e->acked, keep(e, word),
					     (void *)(uintptr_t)uid);
			} else if (sscanf(line, "X %u", &uid) == 1) {
				snprintf(ukey, sizeof(ukey), "%u", uid);
				hash_put_str(&e->gone, keep(e, ukey), e);
			} else if (sscanf(line, "K %u %63s", &uid, word) == 2) {
				vec_push(&e->kw_lines, keep(e, line));
			} else if (sscanf(line, "M %llu", &ms) == 1) {
				/* MODSEQ never goes backwards */
				assert_true(ms >= last_modseq);
				last_modseq = ms;
			}
		}
		fclose(f);
	}
}

/* Subject of message seq, read from its file. */
static void
subject_of(struct store_mailbox *box, uint32_t seq, char *out, size_t size)
{
	struct err err;
	char data[256];
	ssize_t n;
	int fd;

	out[0] = '\0';
	assert_int_equal(store_msg_open(box, seq, &fd, &err), 0);
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	assert_true(n > 0);
	data[n] = '\0';
	assert_int_equal(sscanf(data, "Subject: %63s", out), 1);
	(void)size;
}

static bool
has_keyword(struct store_mailbox *box, uint32_t seq, const char *kw)
{
	const char *const *names;
	size_t n = store_msg_keywords(box, seq, &names);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], kw) == 0)
			return true;
	}
	return false;
}

static void
test_multiprocess_stress(void **state)
{
	struct store *store;
	struct store_user *user;
	struct store_mailbox *box;
	struct expect e;
	struct err err;
	uint32_t prev = 0, present = 0;
	uint64_t bytes, msgs, rbytes, rmsgs;
	pid_t pids[NPROC];

	(void)state;
	dir = test_tmpdir();
	store = child_store(false, 16);
	assert_int_equal(store_user_open(store, USER, NULL, true, &user, &err),
			 0);
	assert_int_equal(store_mailbox_create(user, "Other", NULL, &err), 0);
	/* one message to start with, so that flag/copy targets exist */
	assert_true(append_subject(user, "INBOX", "seed") > 0);
	store_user_close(&user);
	store_destroy(&store);

	for (int i = 0; i < NPROC; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			stress_child(i);
	}
	for (int i = 0; i < NPROC; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	memset(&e, 0, sizeof(e));
	hash_init(&e.acked, false);
	hash_init(&e.gone, false);
	read_logs(&e);
	store = child_store(false, 16);
	assert_int_equal(store_user_open(store, USER, NULL, false, &user, &err),
			 0);
	assert_int_equal(store_mailbox_open(user, "INBOX", STORE_OPEN_READONLY,
					    &box, &err), 0);
	for (uint32_t seq = 1; seq <= store_mailbox_count(box); seq++) {
		struct store_msg_info info;
		char subject[64], ukey[16];
		void *v;

		assert_int_equal(store_msg_info(box, seq, &info), 0);
		assert_true(info.uid > prev); /* unique and ascending */
		prev = info.uid;
		assert_true(info.modseq <= store_mailbox_highestmodseq(box));
		subject_of(box, seq, subject, sizeof(subject));
		if (strcmp(subject, "seed") == 0)
			continue;
		/* every message present was acknowledged, under its UID */
		v = hash_get_str(&e.acked, subject);
		assert_non_null(v);
		assert_int_equal((uint32_t)(uintptr_t)v, info.uid);
		snprintf(ukey, sizeof(ukey), "%u", info.uid);
		assert_null(hash_get_str(&e.gone, ukey));
		present++;
	}
	/* every acknowledged append is present unless expunged on purpose */
	assert_int_equal(present + e.gone.count, e.acked.count);
	/* no keyword change was lost */
	for (size_t i = 0; i < e.kw_lines.n; i++) {
		unsigned uid;
		char kw[64], ukey[16];
		uint32_t seq;

		assert_int_equal(sscanf(e.kw_lines.v[i], "K %u %63s", &uid, kw),
				 2);
		snprintf(ukey, sizeof(ukey), "%u", uid);
		seq = store_mailbox_seq(box, uid);
		if (hash_get_str(&e.gone, ukey) != NULL) {
			assert_int_equal(seq, 0);
			continue;
		}
		assert_true(seq > 0);
		assert_true(has_keyword(box, seq, kw));
	}
	/* quota usage kept by the index equals the files on disk */
	assert_int_equal(store_user_usage(user, &bytes, &msgs, &err), 0);
	assert_int_equal(store_user_usage_recalc(user, &rbytes, &rmsgs, &err),
			 0);
	assert_true(bytes == rbytes);
	assert_true(msgs == rmsgs);
	printf("stress: %u messages present, %zu acknowledged appends, "
	       "%zu expunged, %zu keyword changes checked\n",
	       present, e.acked.count, e.gone.count, e.kw_lines.n);
	store_mailbox_close(&box);
	store_user_close(&user);
	store_destroy(&store);
	for (size_t i = 0; i < e.strings.n; i++)
		free(e.strings.v[i]);
	vec_free(&e.strings);
	vec_free(&e.kw_lines);
	hash_free(&e.acked);
	hash_free(&e.gone);
	test_tmpdir_remove(dir);
}

/* A durable writer that appends (and sometimes expunges) forever; after
   each acknowledged append it records the subject. */
static void
crash_child(int round)
{
	struct store *store = child_store(true, 8);
	struct store_user *user;
	struct store_mailbox *box;
	char path[512];
	struct err err;
	int fd;

	snprintf(path, sizeof(path), "%s/acked.log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0 || store_user_open(store, USER, NULL, true, &user, &err) < 0)
		_exit(11);
	for (int i = 0;; i++) {
		char subject[64];
		uint32_t uid;

		snprintf(subject, sizeof(subject), "r%d-%d", round, i);
		uid = append_subject(user, "INBOX", subject);
		if (uid == 0)
			_exit(12);
		logf_line(fd, "%s\n", subject);
		if (i % 7 == 6 &&
		    store_mailbox_open(user, "INBOX", 0, &box, &err) == 0) {
			/* flag churn, to have every record kind in flight */
			struct store_uid_set set = { 0 };
			struct store_flag_update upd;

			memset(&upd, 0, sizeof(upd));
			upd.mode = STORE_FLAGS_ADD;
			upd.flags = STORE_FLAG_FLAGGED;
			store_uid_set_add(&set, 1, uid);
			(void)store_update_flags(box, &set, &upd, NULL, &err);
			store_uid_set_free(&set);
			store_mailbox_close(&box);
		}
	}
}

static void
check_after_crash(unsigned *total_r)
{
	struct store *store = child_store(true, 8);
	struct store_user *user;
	struct store_mailbox *box;
	struct hash seen;
	VEC(char *) keys = VEC_INIT;
	char path[512], line[128];
	struct err err;
	FILE *f;

	hash_init(&seen, false);
	assert_int_equal(store_user_open(store, USER, NULL, true, &user, &err),
			 0);
	assert_int_equal(store_mailbox_open(user, "INBOX", STORE_OPEN_READONLY,
					    &box, &err), 0);
	for (uint32_t seq = 1; seq <= store_mailbox_count(box); seq++) {
		char subject[64], *key;

		subject_of(box, seq, subject, sizeof(subject));
		/* exactly once */
		assert_null(hash_get_str(&seen, subject));
		key = xstrdup(subject);
		vec_push(&keys, key);
		hash_put_str(&seen, key, key);
	}
	snprintf(path, sizeof(path), "%s/acked.log", dir);
	f = fopen(path, "r");
	*total_r = 0;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		assert_non_null(hash_get_str(&seen, line));
		(*total_r)++;
	}
	if (f != NULL)
		fclose(f);
	store_mailbox_close(&box);
	store_user_close(&user);
	store_destroy(&store);
	for (size_t i = 0; i < keys.n; i++)
		free(keys.v[i]);
	vec_free(&keys);
	hash_free(&seen);
}

struct rc_result {
	bool changed;
};

static void
rc_cb(void *ctx, const struct store_reconstruct_report *rep)
{
	struct rc_result *r = ctx;

	if (rep->missing > 0 || rep->adopted > 0)
		r->changed = true;
}

static void
test_kill9_writers(void **state)
{
	unsigned acked = 0;

	(void)state;
	dir = test_tmpdir();
	for (int round = 0; round < 12; round++) {
		pid_t pid[2];

		for (int i = 0; i < 2; i++) {
			pid[i] = fork();
			assert_true(pid[i] >= 0);
			if (pid[i] == 0)
				crash_child(round * 2 + i);
		}
		usleep(20000 + rand_uniform(150000));
		for (int i = 0; i < 2; i++) {
			kill(pid[i], SIGKILL);
			waitpid(pid[i], NULL, 0);
		}
		check_after_crash(&acked);
	}
	/* the index agrees with the files: nothing missing, nothing to adopt */
	{
		struct store *store = child_store(true, 8);
		struct store_user *user;
		struct rc_result r = { false };
		struct err err;

		assert_int_equal(store_user_open(store, USER, NULL, false,
						 &user, &err), 0);
		assert_int_equal(store_reconstruct(user, "INBOX", true, rc_cb,
						   &r, &err), 0);
		assert_false(r.changed);
		store_user_close(&user);
		store_destroy(&store);
	}
	printf("kill -9: %u acknowledged messages all present exactly once\n",
	       acked);
	assert_true(acked > 0);
	test_tmpdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multiprocess_stress),
		cmocka_unit_test(test_kill9_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
