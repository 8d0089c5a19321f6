/* SPDX-License-Identifier: MIT */
/*
 * Parser tests over the message corpus in messages/: every message's
 * ENVELOPE, BODY, BODYSTRUCTURE and part table must match its checked-in
 * <name>.expected (run with MIME_TEST_UPDATE=1 to rewrite them after a
 * deliberate change, then review the diff), and feeding it in 1-byte,
 * 7-byte and random chunks must give the same result and summary blob.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/fsutil.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "mime/mime-parser.h"
#include "mime/mime-summary.h"
#include "mime/mime-write.h"
#include "mime-test-util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
check_golden(const char *name, const struct buf *desc)
{
	char path[1024];
	struct buf expected = BUF_INIT;
	struct err err;

	snprintf(path, sizeof(path), "%s/%.*s.expected", MIME_TEST_MESSAGES,
		 (int)(strlen(name) - 4), name);
	if (getenv("MIME_TEST_UPDATE") != NULL) {
		assert_int_equal(file_write_atomic(path, desc->data, desc->len,
						   0644, false, &err), 0);
		return;
	}
	if (file_read_all(path, 16 * 1024 * 1024, &expected, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	if (expected.len != desc->len ||
	    memcmp(expected.data, desc->data, desc->len) != 0)
		fail_msg("%s: result differs from %s:\n%s", name, path,
			 buf_cstr((struct buf *)desc));
	buf_free(&expected);
}

static void
check_message(const char *name)
{
	struct buf msg = BUF_INIT, desc = BUF_INIT, blob = BUF_INIT;
	static const size_t chunks[] = { 1, 7, 0, 0, 0, 4096 };
	struct pool *pool = pool_create(16384);
	struct mime_message *m;
	struct mime_summary *s;
	struct err err;

	test_read_message(name, &msg);
	m = mime_parse(pool, msg.data, msg.len, NULL);
	assert_int_equal(m->size, msg.len);
	test_describe(m, &desc);
	check_golden(name, &desc);
	assert_int_equal(mime_summary_serialize(m, &blob), 0);
	if (mime_summary_parse(blob.data, blob.len, pool, &s, &err) < 0)
		fail_msg("%s: %s", name, err.msg);

	for (size_t i = 0; i < N_ELEMENTS(chunks); i++) {
		struct buf desc2 = BUF_INIT, blob2 = BUF_INIT;

		m = test_parse_chunked(pool, msg.data, msg.len, chunks[i],
				       (unsigned int)i);
		test_describe(m, &desc2);
		assert_int_equal(mime_summary_serialize(m, &blob2), 0);
		if (desc2.len != desc.len ||
		    memcmp(desc2.data, desc.data, desc.len) != 0)
			fail_msg("%s: chunks of %zu differ:\n%s", name,
				 chunks[i], buf_cstr(&desc2));
		assert_int_equal(blob2.len, blob.len);
		assert_memory_equal(blob2.data, blob.data, blob.len);
		buf_free(&desc2);
		buf_free(&blob2);
	}
	buf_free(&msg);
	buf_free(&desc);
	buf_free(&blob);
	pool_destroy(&pool);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_corpus(void **state)
{
	DIR *d = opendir(MIME_TEST_MESSAGES);
	struct dirent *de;
	char *names[512];
	size_t n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL && n < N_ELEMENTS(names)) {
		if (str_has_suffix(de->d_name, ".eml"))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	assert_true(n >= 50);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		check_message(names[i]);
		free(names[i]);
	}
}

static struct mime_message *
parse_str(struct pool *pool, const char *s, const struct mime_limits *lim)
{
	return mime_parse(pool, s, strlen(s), lim);
}

static const char *
bodystructure(struct pool *pool, const struct mime_message *m)
{
	struct buf b = BUF_INIT;
	const char *s;

	mime_write_bodystructure(m->root, MIME_WRITE_EXTENDED, &b);
	s = pool_strdup(pool, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void
test_limits(void **state)
{
	struct pool *pool = pool_create(16384);
	struct buf msg = BUF_INIT;
	struct mime_limits lim;
	struct mime_message *m;
	const struct mime_part *p;
	unsigned int depth = 0;

	(void)state;
	test_read_message("deep-200.eml", &msg);
	m = mime_parse(pool, msg.data, msg.len, NULL);
	assert_true((m->flags & MIME_MSG_LIMITED) != 0);
	for (p = m->root; p->children != NULL; p = p->children)
		depth++;
	assert_int_equal(depth, MIME_DEFAULT_MAX_DEPTH);
	assert_true((p->flags & MIME_PART_OPAQUE) != 0);
	assert_non_null(strstr(bodystructure(pool, m),
			       "(\"application\" \"octet-stream\" "
			       "(\"boundary\" \"b50x\")"));
	buf_clear(&msg);

	test_read_message("parts-10000.eml", &msg);
	m = mime_parse(pool, msg.data, msg.len, NULL);
	assert_int_equal(m->part_count, MIME_DEFAULT_MAX_PARTS);
	assert_int_equal(m->root->n_children, MIME_DEFAULT_MAX_PARTS - 1);
	assert_true((m->flags & MIME_MSG_LIMITED) != 0);
	/* the last part takes the rest, up to the close delimiter */
	for (p = m->root->children; p->next != NULL; p = p->next)
		;
	assert_int_equal(p->body_offset + p->body_size, msg.len - 9);
	buf_clear(&msg);

	/* small custom limits */
	mime_limits_default(&lim);
	lim.max_parts = 2;
	m = parse_str(pool, "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
			    "--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n",
		      &lim);
	assert_int_equal(m->part_count, 2);
	assert_int_equal(m->root->children->body_size, 15);
	lim.max_depth = 0;
	m = parse_str(pool, "Content-Type: message/rfc822\r\n\r\nSubject: x\r\n"
			    "\r\ny\r\n", &lim);
	assert_int_equal(m->part_count, 1);
	assert_string_equal(bodystructure(pool, m),
			    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 17 "
			    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
			    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") "
			    "NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) 3 NIL NIL "
			    "NIL NIL)");
	mime_limits_default(&lim);
	lim.max_header_bytes = 10;
	m = parse_str(pool, "Subject: 0123456789abcdef\r\n\r\n", &lim);
	assert_string_equal(m->root->envelope->subject, "012345678");
	assert_true((m->flags & MIME_MSG_MALFORMED) != 0);
	buf_free(&msg);
	pool_destroy(&pool);
}

static void
test_structure_details(void **state)
{
	struct pool *pool = pool_create(16384);
	struct mime_message *m;

	(void)state;
	/* no Content-Type: RFC 2045 section 5.2 defaults */
	m = parse_str(pool, "Subject: x\r\n\r\nbody\r\n", NULL);
	assert_true((m->root->flags & MIME_PART_DEFAULT_TYPE) != 0);
	assert_true((m->flags & MIME_MSG_MALFORMED) == 0);
	/* an invalid one is malformed */
	m = parse_str(pool, "Content-Type: bogus\r\n\r\nbody\r\n", NULL);
	assert_true((m->flags & MIME_MSG_MALFORMED) != 0);
	assert_string_equal(m->root->content.type, "text");
	/* 8-bit and NUL bytes in headers are flagged */
	m = mime_parse(pool, "Subject: \xe9\0x\r\n\r\n", 16, NULL);
	assert_true((m->flags & MIME_MSG_HEADER_8BIT) != 0);
	assert_true((m->flags & MIME_MSG_HEADER_NUL) != 0);
	assert_string_equal(m->root->envelope->subject,
			    "\xe9\xef\xbf\xbdx");
	/* the parts of a multipart/digest default to message/rfc822 */
	m = parse_str(pool, "Content-Type: multipart/digest; boundary=d\r\n\r\n"
			    "--d\r\n\r\nSubject: in\r\n\r\nx\r\n--d--\r\n",
		      NULL);
	assert_true((m->root->children->flags & MIME_PART_MESSAGE) != 0);
	assert_string_equal(m->root->children->children->envelope->subject,
			    "in");
	/* a missing close delimiter is malformed */
	m = parse_str(pool, "Content-Type: multipart/mixed; boundary=d\r\n\r\n"
			    "--d\r\n\r\nx\r\n", NULL);
	assert_true((m->flags & MIME_MSG_MALFORMED) != 0);
	assert_int_equal(m->root->children->body_size, 3);
	/* a delimiter at the very end opens an empty last part */
	m = parse_str(pool, "Content-Type: multipart/mixed; boundary=d\r\n\r\n"
			    "--d\r\n\r\nx\r\n--d", NULL);
	assert_int_equal(m->root->n_children, 2);
	assert_int_equal(m->root->children->next->header_size, 0);
	pool_destroy(&pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_structure_details),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
