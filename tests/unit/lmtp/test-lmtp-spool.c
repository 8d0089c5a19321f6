/* SPDX-License-Identifier: MIT */
/* Unit tests for spool files and the trace header fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/lmtp/lmtp-spool.h"
#include "proto/lmtp/lmtp-trace.h"
#include "lib/fsutil.h"
#include "lib/str.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[128];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/coffer-lmtp-spool.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	rm_rf(tmpdir, NULL);
	return 0;
}

static void
test_trace(void **state)
{
	struct lmtp_trace t = {
	    .sender = "joe@x.org",
	    .helo = "mx.x.org",
	    .peer_addr = "192.0.2.1",
	    .by_host = "store.example.com",
	    .id = "abc-1",
	    .for_rcpt = "ann@example.com",
	    .when = 1700000000, /* Tue, 14 Nov 2023 22:13:20 UTC */
	};
	struct buf out = BUF_INIT;

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(lmtp_trace_format(&t, &out), 0);
	assert_string_equal(buf_cstr(&out),
			    "Return-Path: <joe@x.org>\r\n"
			    "Received: from mx.x.org ([192.0.2.1])\r\n"
			    "\tby store.example.com (Coffer) with LMTP id "
			    "abc-1\r\n"
			    "\tfor <ann@example.com>;\r\n"
			    "\tTue, 14 Nov 2023 22:13:20 +0000\r\n");
	/* IPv6, TLS, several recipients, null sender */
	buf_clear(&out);
	t.sender = "";
	t.peer_addr = "2001:db8::1";
	t.tls = true;
	t.for_rcpt = NULL;
	assert_int_equal(lmtp_trace_format(&t, &out), 0);
	assert_string_equal(buf_cstr(&out),
			    "Return-Path: <>\r\n"
			    "Received: from mx.x.org ([IPv6:2001:db8::1])\r\n"
			    "\tby store.example.com (Coffer) with LMTPS id "
			    "abc-1;\r\n"
			    "\tTue, 14 Nov 2023 22:13:20 +0000\r\n");
	/* Unix socket: no TCP-info */
	buf_clear(&out);
	t.peer_addr = "unix";
	assert_int_equal(lmtp_trace_format(&t, &out), 0);
	assert_non_null(
	    strstr(buf_cstr(&out), "Received: from mx.x.org\r\n\tby "));
	/* a numeric offset west of UTC */
	buf_clear(&out);
	setenv("TZ", "XST+03:30", 1);
	tzset();
	assert_int_equal(lmtp_trace_date(1700000000, &out), 0);
	assert_string_equal(buf_cstr(&out), "Tue, 14 Nov 2023 18:43:20 -0330");
	/* a bounded buffer refuses */
	buf_free(&out);
	buf_init(&out, 40);
	assert_int_equal(lmtp_trace_format(&t, &out), -1);
	buf_free(&out);
}

/* True when dir holds no entry but "." and "..". */
static bool
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool empty = true;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

static void
spool_file(unsigned flags)
{
	struct lmtp_spool *sp;
	struct buf content = BUF_INIT;
	char big[100000], path[256];
	struct err err;
	size_t room;
	uint8_t *p;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(lmtp_spool_dir_init(tmpdir, "host.example", &err), 0);
	assert_int_equal(lmtp_spool_create(tmpdir, NULL, "host.example", 20000,
					   flags | LMTP_SPOOL_FSYNC, &sp, &err),
			 0);
	if ((flags & LMTP_SPOOL_NAMED) != 0) {
		assert_true(str_has_prefix(lmtp_spool_path(sp), tmpdir));
		assert_non_null(strstr(lmtp_spool_path(sp), "/host.example-"));
	} else {
		/* unnamed: nothing in the directory, reachable via /proc */
		assert_true(
		    str_has_prefix(lmtp_spool_path(sp), "/proc/self/fd/"));
		assert_true(dir_is_empty(tmpdir));
	}
	assert_int_equal(lmtp_spool_append(sp, "head\r\n", 6, &err), 0);
	p = lmtp_spool_room(sp, 3, &room, &err);
	assert_non_null(p);
	assert_true(room >= 3);
	memcpy(p, "abc", 3);
	lmtp_spool_advance(sp, 3);
	/* more than the memory buffer holds: written out as it fills */
	assert_int_equal(lmtp_spool_append(sp, big, sizeof(big), &err), 0);
	assert_int_equal(lmtp_spool_size(sp), 9 + sizeof(big));
	assert_int_equal(lmtp_spool_finish(sp, &err), 0);
	/* written out in pieces: no longer in memory whole */
	assert_null(lmtp_spool_data(sp));
	assert_int_equal(
	    file_read_all(lmtp_spool_path(sp), 1 << 20, &content, &err), 0);
	assert_int_equal(content.len, 9 + sizeof(big));
	assert_memory_equal(content.data, "head\r\nabc", 9);
	assert_memory_equal(content.data + 9, big, sizeof(big));
	snprintf(path, sizeof(path), "%s", lmtp_spool_path(sp));
	lmtp_spool_destroy(&sp);
	assert_null(sp);
	if ((flags & LMTP_SPOOL_NAMED) != 0)
		assert_int_equal(access(path, F_OK), -1);
	assert_true(dir_is_empty(tmpdir));
	lmtp_spool_destroy(&sp); /* NULL-safe */
	buf_free(&content);
}

static void
test_spool_file(void **state)
{
	(void)state;
	spool_file(0);
}

/* A message that fits the memory buffer is written with one write() and
   stays readable in memory after finish (without LMTP_SPOOL_FSYNC, which
   starts the write-back instead) until released. */
static void
test_spool_in_memory(void **state)
{
	static const char msg[] = "Subject: s\r\n\r\nbody\r\n";
	struct lmtp_spool *sp;
	struct buf content = BUF_INIT;
	struct err err;

	(void)state;
	assert_int_equal(lmtp_spool_create(tmpdir, NULL, "h", 0, 0, &sp, &err),
			 0);
	assert_int_equal(lmtp_spool_append(sp, msg, sizeof(msg) - 1, &err), 0);
	assert_null(lmtp_spool_data(sp)); /* not finished yet */
	assert_int_equal(lmtp_spool_finish(sp, &err), 0);
	assert_non_null(lmtp_spool_data(sp));
	assert_memory_equal(lmtp_spool_data(sp), msg, sizeof(msg) - 1);
	assert_int_equal(
	    file_read_all(lmtp_spool_path(sp), 1 << 20, &content, &err), 0);
	assert_int_equal(content.len, sizeof(msg) - 1);
	assert_memory_equal(content.data, msg, sizeof(msg) - 1);
	lmtp_spool_release_data(sp);
	assert_null(lmtp_spool_data(sp));
	lmtp_spool_destroy(&sp);
	/* an empty message has nothing in memory */
	assert_int_equal(lmtp_spool_create(tmpdir, NULL, "h", 0, 0, &sp, &err),
			 0);
	assert_int_equal(lmtp_spool_finish(sp, &err), 0);
	assert_null(lmtp_spool_data(sp));
	lmtp_spool_destroy(&sp);
	buf_free(&content);
}

/* The directory an unnamed spool file was created in, from /proc. */
static void
unnamed_dir(struct lmtp_spool *sp, char *out, size_t size)
{
	ssize_t len = readlink(lmtp_spool_path(sp), out, size - 1);
	char *slash;

	assert_true(len > 0);
	out[len] = '\0';
	slash = strrchr(out, '/');
	assert_non_null(slash);
	assert_true(str_has_prefix(slash, "/#"));
	*slash = '\0';
}

/* An unnamed file goes beside the recipient's mail when asked, and to the
   spool directory when that directory cannot hold one. */
static void
test_spool_near(void **state)
{
	struct lmtp_spool *sp;
	char near[300], missing[300], dir[PATH_MAX];
	struct err err;

	(void)state;
	snprintf(near, sizeof(near), "%s/user", tmpdir);
	snprintf(missing, sizeof(missing), "%s/nobody", tmpdir);
	assert_int_equal(mkdir(near, 0700), 0);
	assert_int_equal(lmtp_spool_create(tmpdir, near, "h", 0, 0, &sp, &err),
			 0);
	unnamed_dir(sp, dir, sizeof(dir));
	assert_string_equal(dir, near);
	lmtp_spool_destroy(&sp);
	assert_true(dir_is_empty(near));
	assert_int_equal(
	    lmtp_spool_create(tmpdir, missing, "h", 0, 0, &sp, &err), 0);
	unnamed_dir(sp, dir, sizeof(dir));
	assert_string_equal(dir, tmpdir);
	lmtp_spool_destroy(&sp);
	assert_int_equal(rmdir(near), 0);
}

static void
test_spool_file_named(void **state)
{
	(void)state;
	spool_file(LMTP_SPOOL_NAMED);
}

static void
touch(const char *name, time_t mtime)
{
	char path[512];
	struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	if (mtime != 0)
		assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static bool
exists(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return access(path, F_OK) == 0;
}

static void
test_stale_cleanup(void **state)
{
	char live[128], own[128], old[128];
	struct err err;

	/* a dead writer (no such pid), our own pid (a previous process),
	   a live writer, another host, an old file of a live writer, and
	   names that are not spool files */
	touch("mx_1-1.000001.2147483646.abcdef", 0);
	snprintf(own, sizeof(own), "mx_1-1.000001.%d.abcdef", (int)getpid());
	touch(own, 0);
	snprintf(live, sizeof(live), "mx_1-1.000001.%d.abcdef", (int)getppid());
	touch(live, 0);
	snprintf(old, sizeof(old), "mx_1-1.000002.%d.abcdef", (int)getppid());
	touch(old, time(NULL) - 2 * 86400);
	touch("other-1.000001.2147483646.abcdef", 0);
	touch("mx_1-garbage", 0);
	/* "mx/1" becomes the tag "mx_1" */
	assert_int_equal(lmtp_spool_dir_init(tmpdir, "mx/1", &err), 4);
	assert_false(exists("mx_1-1.000001.2147483646.abcdef"));
	assert_false(exists(own));
	assert_false(exists(old));
	assert_false(exists("mx_1-garbage"));
	assert_true(exists(live));
	assert_true(exists("other-1.000001.2147483646.abcdef"));
}

static void
test_spool_errors(void **state)
{
	struct lmtp_spool *sp;
	char path[256];
	struct err err;

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(lmtp_spool_create(path, NULL, "h", 0, 0, &sp, &err), -1);
	assert_int_equal(err.code, ERR_NOTFOUND);
	/* a file where the directory should be */
	touch("file", 0);
	snprintf(path, sizeof(path), "%s/file/spool", tmpdir);
	assert_int_equal(lmtp_spool_dir_init(path, "h", &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trace),
	    cmocka_unit_test_setup_teardown(test_spool_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spool_near, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spool_in_memory, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_spool_file_named, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_stale_cleanup, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_spool_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
