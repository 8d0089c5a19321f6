/* SPDX-License-Identifier: MIT */
/* Maildrop locks: exclusion, heartbeats, stale detection (dead process,
   reused pid, reboot, old heartbeat of another host), take-over races
   between processes, kill -9 of a holder, LOGIN-DELAY intervals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store-test-util.h"
#include "store/store-lock.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
	char *dir;
	struct store *store;
	struct store_user *user;
	char meta[1024]; /* the account's .coffer */
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct err err;

	f->dir = xstrdup(test_tmpdir());
	f->store = test_store(f->dir, 0);
	assert_int_equal(store_user_open(f->store, "alice@example.com", NULL,
					 true, &f->user, &err),
			 0);
	snprintf(f->meta, sizeof(f->meta), "%s/.coffer",
		 store_user_dir(f->user));
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

static void
meta_path(struct fixture *f, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", f->meta, name);
}

static void
read_line_file(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	assert_non_null(fgets(buf, (int)size, fp));
	fclose(fp);
	str_trim(buf);
}

static unsigned long long
start_time_of(pid_t pid)
{
	char path[64], stat[1024], *p;
	unsigned long long v = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(stat, sizeof(stat), fp));
	fclose(fp);
	p = strrchr(stat, ')');
	assert_non_null(p);
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		assert_non_null(p);
		p++;
	}
	assert_int_equal(sscanf(p, "%llu", &v), 1);
	return v;
}

/* Writes pop3.lock by hand with the given holder and heartbeat age. */
static void
write_lock(struct fixture *f, const char *host, const char *boot, long long pid,
	   unsigned long long start, int age_secs)
{
	char path[1100];
	struct timespec ts[2];
	FILE *fp;

	meta_path(f, "pop3.lock", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp,
		"coffer-maildrop-lock 1\nhost=%s\nboot=%s\npid=%lld\n"
		"start=%llu\ntoken=00112233445566778899aabbccddeeff\n",
		host, boot, pid, start);
	fclose(fp);
	ts[0].tv_sec = ts[1].tv_sec = time_now() - age_secs;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
my_identity(char *host, size_t hsize, char *boot, size_t bsize)
{
	assert_int_equal(gethostname(host, hsize), 0);
	read_line_file("/proc/sys/kernel/random/boot_id", boot, bsize);
}

/* Number of entries in .coffer whose name starts with prefix. */
static unsigned
count_files(struct fixture *f, const char *prefix)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(f->meta);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (str_has_prefix(de->d_name, prefix))
			n++;
	}
	closedir(d);
	return n;
}

static void
test_exclusive(void **state)
{
	struct fixture *f = *state;
	struct store_maildrop_lock *a = NULL, *b = NULL;
	struct err err;

	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), 0);
	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &b, &err), -1);
	assert_int_equal(err.code, ERR_INUSE);
	assert_null(b);
	/* another name is another lock */
	assert_int_equal(store_maildrop_lock(f->user, "other", 0, &b, &err), 0);
	store_maildrop_unlock(&b);
	assert_int_equal(store_maildrop_lock_refresh(a, &err), 0);
	store_maildrop_unlock(&a);
	assert_null(a);
	assert_int_equal(count_files(f, "pop3.lock"), 0);
	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), 0);
	store_maildrop_unlock(&a);
	store_maildrop_unlock(&a); /* NULL-safe */
}

static void
test_bad_names(void **state)
{
	struct fixture *f = *state;
	struct store_maildrop_lock *a = NULL;
	struct err err;
	const char *bad[] = {"",      "../x",
			     "a/b",   "a.b",
			     "pop3 ", "0123456789012345678901234567890123"};

	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		assert_int_equal(
		    store_maildrop_lock(f->user, bad[i], 0, &a, &err), -1);
		assert_int_equal(err.code, ERR_PARAMS);
	}
}

static void
test_lost_lock(void **state)
{
	struct fixture *f = *state;
	struct store_maildrop_lock *a = NULL;
	char path[1100], other[1100];
	struct err err;

	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), 0);
	/* someone replaced our lock (as a take-over does) */
	meta_path(f, "pop3.lock", path, sizeof(path));
	meta_path(f, "foreign", other, sizeof(other));
	close(open(other, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(store_maildrop_lock_refresh(a, &err), -1);
	assert_int_equal(err.code, ERR_INUSE);
	/* releasing must not remove the new holder's lock */
	store_maildrop_unlock(&a);
	assert_int_equal(access(path, F_OK), 0);
	/* a removed lock is lost as well */
	unlink(path);
	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), 0);
	unlink(path);
	assert_int_equal(store_maildrop_lock_refresh(a, &err), -1);
	assert_int_equal(err.code, ERR_INUSE);
	store_maildrop_unlock(&a);
}

static void
test_heartbeat(void **state)
{
	struct fixture *f = *state;
	struct store_maildrop_lock *a = NULL;
	struct timespec ts[2];
	char path[1100];
	struct stat st;
	struct err err;

	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), 0);
	meta_path(f, "pop3.lock", path, sizeof(path));
	ts[0].tv_sec = ts[1].tv_sec = time_now() - 100;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(store_maildrop_lock_refresh(a, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(time_now() - st.st_mtim.tv_sec < 5);
	store_maildrop_unlock(&a);
}

static void
expect_takeover(struct fixture *f)
{
	struct store_maildrop_lock *a = NULL;
	struct err err;

	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), 0);
	assert_int_equal(store_maildrop_lock_refresh(a, &err), 0);
	store_maildrop_unlock(&a);
	assert_int_equal(count_files(f, "pop3.lock"), 0);
}

static void
expect_in_use(struct fixture *f)
{
	struct store_maildrop_lock *a = NULL;
	struct err err;

	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), -1);
	assert_int_equal(err.code, ERR_INUSE);
	/* no claim or marker left behind */
	assert_int_equal(count_files(f, "pop3.lock"), 1);
}

static void
test_stale_same_host(void **state)
{
	struct fixture *f = *state;
	char host[256], boot[64];
	unsigned long long start = start_time_of(getpid());
	pid_t child;
	int status;

	my_identity(host, sizeof(host), boot, sizeof(boot));
	/* live: this very process */
	write_lock(f, host, boot, getpid(), start, 0);
	expect_in_use(f);
	/* the holder's start time is unknown (0): pid alone decides */
	write_lock(f, host, boot, getpid(), 0, 0);
	expect_in_use(f);
	/* a reused pid: the process now there started at another time */
	write_lock(f, host, boot, getpid(), start + 1, 0);
	expect_takeover(f);
	/* a dead process */
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &status, 0), child);
	write_lock(f, host, boot, child, 1, 0);
	expect_takeover(f);
	/* written before a reboot */
	write_lock(f, host, "00000000-0000-0000-0000-000000000000", getpid(),
		   start, 0);
	expect_takeover(f);
	/* nonsense pid */
	write_lock(f, host, boot, -5, start, 0);
	expect_takeover(f);
	/* a live holder whose heartbeat stopped long ago (hung session) */
	write_lock(f, host, boot, getpid(), start, STORE_LOCK_STALE_SECS + 30);
	expect_takeover(f);
}

static void
test_stale_other_host(void **state)
{
	struct fixture *f = *state;
	char path[1100];
	FILE *fp;

	write_lock(f, "elsewhere.example", "x", 1, 1, 10);
	expect_in_use(f);
	/* heartbeat slightly in the future (clock skew): live */
	write_lock(f, "elsewhere.example", "x", 1, 1, -30);
	expect_in_use(f);
	write_lock(f, "elsewhere.example", "x", 1, 1,
		   STORE_LOCK_STALE_SECS + 1);
	expect_takeover(f);

	/* a file we cannot parse is judged by its heartbeat only */
	meta_path(f, "pop3.lock", path, sizeof(path));
	fp = fopen(path, "w");
	fputs("garbage\n", fp);
	fclose(fp);
	expect_in_use(f);
	fp = fopen(path, "w");
	fclose(fp);
	expect_in_use(f);
	write_lock(f, "elsewhere.example", "x", 1, 1, 0);
	fp = fopen(path, "a");
	fputs("extra=1\n", fp);
	fclose(fp);
	expect_in_use(f);
	{
		struct timespec ts[2];

		ts[0].tv_sec = ts[1].tv_sec = time_now() - 1000;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	expect_takeover(f);
}

static void
test_takeover_marker(void **state)
{
	struct fixture *f = *state;
	char path[1100], marker[1200], claim[1200];
	struct timespec ts[2];
	struct stat st;

	write_lock(f, "elsewhere.example", "x", 1, 1, 1000);
	meta_path(f, "pop3.lock", path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	/* somebody else is taking over this very file right now */
	snprintf(marker, sizeof(marker), "%s.takeover.%llx", path,
		 (unsigned long long)st.st_ino);
	close(open(marker, O_CREAT | O_WRONLY, 0600));
	{
		struct store_maildrop_lock *a = NULL;
		struct err err;

		assert_int_equal(
		    store_maildrop_lock(f->user, "pop3", 0, &a, &err), -1);
		assert_int_equal(err.code, ERR_INUSE);
	}
	assert_int_equal(count_files(f, "pop3.lock"), 2);
	/* ... or died doing so a while ago */
	ts[0].tv_sec = ts[1].tv_sec = time_now() - 120;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, marker, ts, 0), 0);
	/* and an old claim from a crash during acquisition */
	snprintf(claim, sizeof(claim), "%s.1.2.3.abcdef", path);
	close(open(claim, O_CREAT | O_WRONLY, 0600));
	ts[0].tv_sec = ts[1].tv_sec = time_now() - 7200;
	assert_int_equal(utimensat(AT_FDCWD, claim, ts, 0), 0);
	expect_takeover(f);
	assert_int_equal(count_files(f, "pop3.lock"), 0);
}

static void
test_min_interval(void **state)
{
	struct fixture *f = *state;
	struct store_maildrop_lock *a = NULL;
	char path[1100];
	struct timespec ts[2];
	struct err err;

	assert_int_equal(store_maildrop_lock(f->user, "pop3", 600, &a, &err),
			 0);
	store_maildrop_unlock(&a);
	assert_int_equal(store_maildrop_lock(f->user, "pop3", 600, &a, &err),
			 -1);
	assert_int_equal(err.code, ERR_LIMIT);
	/* the refusal released the lock */
	assert_int_equal(count_files(f, "pop3.lock"), 0);
	assert_int_equal(store_maildrop_lock(f->user, "pop3", 0, &a, &err), 0);
	store_maildrop_unlock(&a);
	meta_path(f, "pop3.last", path, sizeof(path));
	ts[0].tv_sec = ts[1].tv_sec = time_now() - 601;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(store_maildrop_lock(f->user, "pop3", 600, &a, &err),
			 0);
	store_maildrop_unlock(&a);
}

/* Children each open their own store (another process, as cofferd -S) and
   race for the lock after a common start signal; each reports 1 if it got
   the lock and holds it until the parent closes the hold pipe. */
#define RACERS 6

static void
race_child(struct fixture *f, int go_fd, int hold_fd, int result_fd)
{
	struct store_maildrop_lock *lock = NULL;
	struct store_user *user;
	struct store *store;
	struct err err;
	char c, r;

	store = test_store(f->dir, 0);
	if (store_user_open(store, "alice@example.com", NULL, false, &user,
			    &err) < 0)
		_exit(2);
	if (read(go_fd, &c, 1) != 1)
		_exit(2);
	if (store_maildrop_lock(user, "pop3", 0, &lock, &err) == 0)
		r = '1';
	else
		r = err.code == ERR_INUSE ? '0' : 'E';
	if (write(result_fd, &r, 1) != 1)
		_exit(2);
	if (read(hold_fd, &c, 1) != 0) /* EOF when the parent is done */
		_exit(2);
	store_maildrop_unlock(&lock);
	store_user_close(&user);
	store_destroy(&store);
	_exit(0);
}

static void
race(struct fixture *f)
{
	int go[2], hold[2], result[2];
	pid_t kids[RACERS];
	unsigned winners = 0;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(hold), 0);
	assert_int_equal(pipe(result), 0);
	for (int i = 0; i < RACERS; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(go[1]);
			close(hold[1]);
			close(result[0]);
			race_child(f, go[0], hold[0], result[1]);
		}
	}
	close(go[0]);
	close(hold[0]);
	close(result[1]);
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(write(go[1], "g", 1), 1);
	for (int i = 0; i < RACERS; i++) {
		char r;

		assert_int_equal(read(result[0], &r, 1), 1);
		assert_true(r == '0' || r == '1');
		winners += r == '1';
	}
	assert_int_equal(winners, 1);
	close(hold[1]);
	for (int i = 0; i < RACERS; i++) {
		int status;

		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(go[1]);
	close(result[0]);
	assert_int_equal(count_files(f, "pop3.lock"), 0);
}

static void
test_race_free(void **state)
{
	for (int round = 0; round < 5; round++)
		race(*state);
}

static void
test_race_stale(void **state)
{
	struct fixture *f = *state;

	for (int round = 0; round < 5; round++) {
		write_lock(f, "elsewhere.example", "x", 1, 1, 1000);
		race(f);
		assert_int_equal(count_files(f, "pop3.lock.takeover"), 0);
	}
}

static void
test_kill9_holder(void **state)
{
	struct fixture *f = *state;
	int ready[2];
	pid_t child;
	char c;
	int status;

	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct store_maildrop_lock *lock = NULL;
		struct store_user *user;
		struct store *store = test_store(f->dir, 0);
		struct err err;

		if (store_user_open(store, "alice@example.com", NULL, false,
				    &user, &err) < 0 ||
		    store_maildrop_lock(user, "pop3", 0, &lock, &err) < 0)
			_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	expect_in_use(f);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	expect_takeover(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_exclusive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_heartbeat, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_same_host, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_stale_other_host, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_takeover_marker, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_min_interval, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_race_free, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_race_stale, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kill9_holder, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
