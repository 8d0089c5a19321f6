/* SPDX-License-Identifier: MIT */
/*
 * Store micro-benchmarks (not a test; no assertions on time):
 *
 *   store-bench [-n messages] [-t threads] [-d dir]
 *
 * Reports, for a mailbox of n messages:
 *   - cold open: a fresh process state loads the index and reads every
 *     UID and flag (what SELECT plus FETCH 1:* (UID FLAGS) costs the store);
 *   - heap per message of an open mailbox (shared state plus one view);
 *   - durable append rate, one writer and t concurrent writers (group
 *     commit), against the disk's own create+fsync+rename rate;
 *   - flag update rate, one message per transaction and 1:* at once.
 */
#include "store/store.h"
#include "lib/fsutil.h"
#include "lib/mem.h"
#include "lib/timeutil.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *msg_text =
	"From: Bench <bench@example.com>\r\n"
	"To: user@example.com\r\n"
	"Subject: benchmark message\r\n"
	"Date: Tue, 1 Jul 2025 10:00:00 +0000\r\n"
	"Message-ID: <bench@example.com>\r\n"
	"\r\n"
	"Hello, this is a benchmark message body.\r\n";

static struct store *
open_store(const char *dir, bool durable)
{
	struct store_settings set;
	struct store *store;
	struct err err;

	store_settings_init(&set);
	set.userdir = dir;
	set.fsync = durable;
	if (store_create(&set, &store, &err) < 0) {
		fprintf(stderr, "store: %s\n", err.msg);
		exit(1);
	}
	return store;
}

static struct store_user *
open_user(struct store *store, const char *userid)
{
	struct store_user *user;
	struct err err;

	if (store_user_open(store, userid, NULL, true, &user, &err) < 0) {
		fprintf(stderr, "user: %s\n", err.msg);
		exit(1);
	}
	return user;
}

/* Appends count messages in transactions of batch messages. */
static void
fill(struct store_user *user, const char *mailbox, uint32_t count,
     uint32_t batch)
{
	struct err err;

	for (uint32_t done = 0; done < count;) {
		struct store_append *txn;

		if (store_append_begin(user, mailbox, &txn, &err) < 0)
			goto fail;
		for (uint32_t i = 0; i < batch && done < count; i++, done++) {
			if (store_append_msg_begin(txn, 1750000000, 0, NULL, 0,
						   &err) < 0 ||
			    store_append_msg_write(txn, msg_text,
						   strlen(msg_text), &err) < 0 ||
			    store_append_msg_finish(txn, &err) < 0)
				goto fail;
		}
		if (store_append_commit(&txn, NULL, NULL, &err) < 0)
			goto fail;
	}
	return;
fail:
	fprintf(stderr, "append: %s\n", err.msg);
	exit(1);
}

static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void
bench_open(const char *dir, uint32_t n)
{
	struct store *store = open_store(dir, false);
	struct store_user *user = open_user(store, "bench@example.com");
	struct store_mailbox *box;
	struct err err;
	uint64_t t0, flags = 0;
	size_t h0;

	h0 = heap_bytes();
	t0 = time_mono_us();
	if (store_mailbox_open(user, "INBOX", STORE_OPEN_READONLY, &box,
			       &err) < 0) {
		fprintf(stderr, "open: %s\n", err.msg);
		exit(1);
	}
	for (uint32_t seq = 1; seq <= store_mailbox_count(box); seq++) {
		struct store_msg_info info;

		store_msg_info(box, seq, &info);
		flags += info.flags + info.uid;
	}
	printf("open+read %u UIDs/flags (cold state): %.1f ms "
	       "(checksum %llu)\n",
	       store_mailbox_count(box), (time_mono_us() - t0) / 1000.0,
	       (unsigned long long)flags);
	printf("heap per message (state + one view): %.1f bytes\n",
	       (double)(heap_bytes() - h0) / n);
	store_mailbox_close(&box);
	store_user_close(&user);
	store_destroy(&store);
}

struct append_job {
	struct store_user *user;
	uint32_t count;
};

static void *
append_thread(void *arg)
{
	struct append_job *j = arg;

	fill(j->user, "Append", j->count, 1);
	return NULL;
}

static double
bench_append(const char *dir, unsigned threads, uint32_t per_thread)
{
	struct store *store = open_store(dir, true);
	struct append_job jobs[64];
	pthread_t tid[64];
	struct err err;
	uint64_t t0;

	for (unsigned i = 0; i < threads; i++) {
		jobs[i].user = open_user(store, "bench@example.com");
		jobs[i].count = per_thread;
	}
	(void)store_mailbox_create(jobs[0].user, "Append", NULL, &err);
	t0 = time_mono_us();
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, append_thread, &jobs[i]);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	t0 = time_mono_us() - t0;
	for (unsigned i = 0; i < threads; i++)
		store_user_close(&jobs[i].user);
	store_destroy(&store);
	return threads * per_thread / (t0 / 1e6);
}

/* The disk's own rate: write a small file, fsync it, rename it into a
   directory and fsync that directory. */
static double
bench_disk(const char *dir, uint32_t count)
{
	char tmp[512], dst[512], d[512];
	uint64_t t0;

	snprintf(d, sizeof(d), "%s/disk-ref", dir);
	mkdir_parents(d, 0700);
	t0 = time_mono_us();
	for (uint32_t i = 0; i < count; i++) {
		int fd;

		snprintf(tmp, sizeof(tmp), "%s/tmp.%u", d, i);
		snprintf(dst, sizeof(dst), "%s/f.%u", d, i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		(void)!write(fd, msg_text, strlen(msg_text));
		fdatasync(fd);
		close(fd);
		rename(tmp, dst);
		fsync_dir(d);
	}
	return count / ((time_mono_us() - t0) / 1e6);
}

static void
bench_flags(const char *dir, uint32_t n)
{
	struct store *store = open_store(dir, true);
	struct store_user *user = open_user(store, "bench@example.com");
	struct store_mailbox *box;
	struct store_flag_update upd;
	struct err err;
	uint32_t ops = n < 20000 ? n : 20000;
	uint64_t t0;

	if (store_mailbox_open(user, "INBOX", 0, &box, &err) < 0)
		exit(1);
	memset(&upd, 0, sizeof(upd));
	upd.mode = STORE_FLAGS_ADD;
	upd.flags = STORE_FLAG_FLAGGED;
	t0 = time_mono_us();
	for (uint32_t i = 1; i <= ops; i++) {
		struct store_uid_set set = { 0 };

		store_uid_set_add(&set, i, i);
		store_update_flags(box, &set, &upd, NULL, &err);
		store_uid_set_free(&set);
	}
	printf("flag updates, one message per change: %.0f/s\n",
	       ops / ((time_mono_us() - t0) / 1e6));
	{
		struct store_uid_set set = { 0 };

		store_uid_set_add(&set, 1, UINT32_MAX);
		upd.flags = STORE_FLAG_SEEN;
		t0 = time_mono_us();
		store_update_flags(box, &set, &upd, NULL, &err);
		printf("flag update of 1:* (%u messages): %.1f ms = %.0f "
		       "messages/s\n",
		       n, (time_mono_us() - t0) / 1000.0,
		       n / ((time_mono_us() - t0) / 1e6));
		store_uid_set_free(&set);
	}
	store_mailbox_close(&box);
	store_user_close(&user);
	store_destroy(&store);
}

int
main(int argc, char **argv)
{
	uint32_t n = 100000, appends = 2000;
	unsigned threads = 8;
	const char *base = "/var/tmp";
	char dir[512];
	int c;

	while ((c = getopt(argc, argv, "n:t:d:a:")) != -1) {
		switch (c) {
		case 'n':
			n = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 't':
			threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			appends = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			base = optarg;
			break;
		default:
			fprintf(stderr, "usage: store-bench [-n messages] "
					"[-t threads] [-a appends] [-d dir]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 64)
		threads = 8;
	snprintf(dir, sizeof(dir), "%s/coffer-store-bench.XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	{
		struct store *store = open_store(dir, false);
		struct store_user *user = open_user(store, "bench@example.com");
		uint64_t t0 = time_mono_us();

		fill(user, "INBOX", n, 1000);
		printf("filled %u messages in %.1f s\n", n,
		       (time_mono_us() - t0) / 1e6);
		store_user_close(&user);
		store_destroy(&store);
	}
	bench_open(dir, n);
	bench_open(dir, n);
	printf("disk create+fsync+rename+fsync(dir): %.0f/s\n",
	       bench_disk(dir, appends));
	printf("durable appends, 1 writer: %.0f/s\n",
	       bench_append(dir, 1, appends));
	printf("durable appends, %u writers (group commit): %.0f/s\n",
	       threads, bench_append(dir, threads, appends / threads));
	bench_flags(dir, n);
	rm_rf(dir, NULL);
	return 0;
}
