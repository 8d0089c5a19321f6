/* SPDX-License-Identifier: MIT */
/* Unit tests for FETCH body sections as byte ranges (fetch-section.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "imap-test-util.h"
#include "mime-test-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "mime/mime-header.h"
#include "mime/mime-parser.h"
#include "mime/mime-summary.h"
#include "proto/imap/fetch-section.h"
#include "proto/imap/imap-fetch-parse.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

static struct pool *pool;

static int
setup(void **state)
{
	(void)state;
	pool = pool_create(16384);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pool_destroy(&pool);
	return 0;
}

static void
concat(const uint8_t *msg, const struct fetch_ranges *r, struct buf *out)
{
	buf_clear(out);
	for (size_t i = 0; i < r->n; i++)
		buf_append(out, msg + r->v[i].offset, r->v[i].size);
}

static void
test_ranges_merge_and_window(void **state)
{
	struct fetch_ranges r = FETCH_RANGES_INIT;

	(void)state;
	fetch_ranges_add(&r, 10, 5);
	fetch_ranges_add(&r, 15, 5); /* adjacent: merged */
	fetch_ranges_add(&r, 30, 0); /* nothing */
	fetch_ranges_add(&r, 40, 10);
	fetch_ranges_add(&r, 60, 3);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.total, 23);
	assert_int_equal(r.v[0].offset, 10);
	assert_int_equal(r.v[0].size, 10);
	/* a window across the first two ranges */
	fetch_ranges_window(&r, 8, 5);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.total, 5);
	assert_int_equal(r.v[0].offset, 18);
	assert_int_equal(r.v[0].size, 2);
	assert_int_equal(r.v[1].offset, 40);
	assert_int_equal(r.v[1].size, 3);
	/* beyond the end: nothing */
	fetch_ranges_window(&r, 5, 1);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.total, 0);
	/* 32-bit origin and count near the limit do not overflow */
	fetch_ranges_clear(&r);
	fetch_ranges_add(&r, 0, 100);
	fetch_ranges_window(&r, 0, UINT32_MAX);
	assert_int_equal(r.total, 100);
	fetch_ranges_window(&r, UINT32_MAX, UINT32_MAX);
	assert_int_equal(r.total, 0);
	fetch_ranges_clear(&r);
	fetch_ranges_add(&r, 7, 100);
	fetch_ranges_window(&r, 99, 50);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].offset, 106);
	assert_int_equal(r.v[0].size, 1);
	fetch_ranges_free(&r);
}

static const struct mime_summary *
summarize(const struct buf *msg)
{
	struct mime_message *m = mime_parse(pool, msg->data, msg->len, NULL);
	struct mime_summary *s;
	struct buf blob = BUF_INIT;
	struct err err;

	assert_int_equal(mime_summary_serialize(m, &blob), 0);
	assert_int_equal(
	    mime_summary_parse(blob.data, blob.len, pool, &s, &err), 0);
	buf_free(&blob);
	return s;
}

/* The text of FETCH item `args` ("BODY[1.MIME]") of msg, or "ABSENT". */
static const char *
section(const struct buf *msg, const char *args)
{
	static char out[4096];
	const struct mime_summary *sum = summarize(msg);
	struct fetch_ranges r = FETCH_RANGES_INIT;
	struct imap_fetch_request *req;
	const struct imap_arg *a;
	struct buf b = BUF_INIT;
	uint64_t off, size;
	const char *error;
	size_t count;

	a = test_parse_args(pool, args, &count);
	assert_non_null(a);
	assert_int_equal(imap_fetch_parse(pool, a, count, false, &req, &error),
			 0);
	if (fetch_section_locate(sum, msg->len, &req->items[0], &off, &size) ==
	    0)
		return "ABSENT";
	if (fetch_section_is_subset(&req->items[0]))
		fetch_section_header_fields(msg->data + off, size, off,
					    req->items[0].section.fields,
					    req->items[0].section.field_count,
					    req->items[0].section.text ==
						IMAP_SECTION_HEADER_FIELDS_NOT,
					    &r);
	else
		fetch_ranges_add(&r, off, size);
	if (req->items[0].partial)
		fetch_ranges_window(&r, req->items[0].partial_offset,
				    req->items[0].partial_count);
	concat(msg->data, &r, &b);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	fetch_ranges_free(&r);
	return out;
}

static void
test_locate(void **state)
{
	static const char complex[] =
	    "From: a@b.c\r\n"
	    "Content-Type: multipart/mixed; boundary=YY\r\n"
	    "\r\n"
	    "--YY\r\n"
	    "\r\n"
	    "abc\r\n"
	    "--YY\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "\r\n"
	    "Subject: inner\r\n"
	    "\r\n"
	    "innerbody\r\n"
	    "--YY--\r\n";
	struct buf msg = BUF_INIT;

	(void)state;
	buf_append_str(&msg, complex);
	assert_string_equal(section(&msg, "BODY[]"), complex);
	assert_string_equal(section(&msg, "RFC822"), complex);
	assert_string_equal(section(&msg, "BODY[HEADER]"),
			    "From: a@b.c\r\nContent-Type: multipart/mixed; "
			    "boundary=YY\r\n\r\n");
	assert_string_equal(section(&msg, "RFC822.HEADER"),
			    section(&msg, "BODY[HEADER]"));
	assert_string_equal(section(&msg, "BODY[1]"), "abc");
	assert_string_equal(section(&msg, "BODY[1.MIME]"), "\r\n");
	assert_string_equal(section(&msg, "BODY[2.MIME]"),
			    "Content-Type: message/rfc822\r\n\r\n");
	assert_string_equal(section(&msg, "BODY[2.HEADER]"),
			    "Subject: inner\r\n\r\n");
	assert_string_equal(section(&msg, "BODY[2.TEXT]"), "innerbody");
	assert_string_equal(section(&msg, "BODY[2.1]"), "innerbody");
	assert_string_equal(section(&msg, "BODY[2.HEADER.FIELDS (SUBJECT)]"),
			    "Subject: inner\r\n\r\n");
	assert_string_equal(section(&msg, "BODY[2]<16.5>"), "\r\ninn");
	assert_string_equal(section(&msg, "BODY[TEXT]<0.6>"), "--YY\r\n");
	assert_string_equal(section(&msg, "BODY[3]"), "ABSENT");
	assert_string_equal(section(&msg, "BODY[1.HEADER]"), "ABSENT");
	assert_string_equal(section(&msg, "BODY[1.1]"), "ABSENT");
	assert_string_equal(section(&msg, "BODY[2.2]"), "ABSENT");
	assert_string_equal(section(&msg, "BODY[4294967295.1.MIME]"), "ABSENT");
	buf_free(&msg);

	/* a single part: part 1 is the body, its MIME header the header */
	buf_append_str(&msg, "Subject: x\r\n\r\nbody\r\n");
	assert_string_equal(section(&msg, "BODY[1]"), "body\r\n");
	assert_string_equal(section(&msg, "BODY[1.MIME]"),
			    "Subject: x\r\n\r\n");
	assert_string_equal(section(&msg, "RFC822.TEXT"), "body\r\n");
	assert_string_equal(section(&msg, "BODY[2]"), "ABSENT");
	assert_string_equal(section(&msg, "BODY[TEXT]<10.10>"), "");
	buf_free(&msg);
}

static void
check_filter(const uint8_t *hdr, size_t len, const char *const *names, size_t n,
	     bool exclude)
{
	struct fetch_ranges r = FETCH_RANGES_INIT;
	struct buf want = BUF_INIT, got = BUF_INIT;

	mime_header_filter(hdr, len, names, n, exclude, &want);
	/* base = hdr: offsets are relative to the header itself */
	fetch_section_header_fields(hdr, len, 0, names, n, exclude, &r);
	concat(hdr, &r, &got);
	assert_int_equal(got.len, want.len);
	assert_int_equal(r.total, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	buf_free(&want);
	buf_free(&got);
	fetch_ranges_free(&r);
}

/* The ranges give exactly mime_header_filter()'s bytes, for every header
   of every corpus message, with short and hashed (long) name lists. */
static void
test_header_fields_corpus(void **state)
{
	static const char *const short_names[] = {"FROM", "subject", "X"};
	const char *long_names[40];
	char names_buf[40][16];
	DIR *dir = opendir(MIME_TEST_MESSAGES);
	struct dirent *de;
	unsigned files = 0;

	(void)state;
	for (size_t i = 0; i < 40; i++) {
		snprintf(names_buf[i], sizeof(names_buf[i]), "X-N%zu", i);
		long_names[i] = names_buf[i];
	}
	long_names[17] = "Content-Type";
	long_names[33] = "DATE";
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		const struct mime_summary *sum;
		struct buf msg = BUF_INIT;
		size_t len = strlen(de->d_name);

		if (len < 4 || strcmp(de->d_name + len - 4, ".eml") != 0)
			continue;
		test_read_message(de->d_name, &msg);
		sum = summarize(&msg);
		for (uint32_t i = 0; i < sum->part_count; i++) {
			const struct mime_summary_part *p = &sum->parts[i];
			const uint8_t *hdr = msg.data + p->header_offset;

			for (int ex = 0; ex < 2; ex++) {
				check_filter(hdr, p->header_size, short_names,
					     3, ex);
				check_filter(hdr, p->header_size, long_names,
					     40, ex);
			}
		}
		buf_free(&msg);
		pool_clear(pool);
		files++;
	}
	closedir(dir);
	assert_true(files >= 50);
}

static void
test_header_fields_edges(void **state)
{
	static const char *const names[] = {"a", "B"};
	static const char hdr[] = "junk line\r\n"
				  "A: 1\r\n"
				  " folded\r\n"
				  "b : 2\r\n"
				  "C: 3\r\n"
				  "\r\n";

	(void)state;
	check_filter((const uint8_t *)hdr, strlen(hdr), names, 2, false);
	check_filter((const uint8_t *)hdr, strlen(hdr), names, 2, true);
	/* no blank line, bare LF, an empty header */
	check_filter((const uint8_t *)"A: 1\nB: 2", 9, names, 2, false);
	check_filter((const uint8_t *)"A: 1\nB: 2", 9, names, 2, true);
	check_filter((const uint8_t *)"", 0, names, 2, true);
	check_filter((const uint8_t *)"\r\n", 2, names, 2, false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ranges_merge_and_window),
	    cmocka_unit_test_setup_teardown(test_locate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_header_fields_corpus, setup,
					    teardown),
	    cmocka_unit_test(test_header_fields_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
