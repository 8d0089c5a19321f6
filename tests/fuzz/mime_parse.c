/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the MIME parser: one-shot and chunked parses must agree
 * (same summary blob), ENVELOPE/BODY/BODYSTRUCTURE must follow the RFC
 * 3501 grammar, the summary must parse back, sections must stay inside
 * the message, and the search matcher must cope.
 */
#include "lib/buf.h"
#include "lib/pool.h"
#include "mime/mime-parser.h"
#include "mime/mime-search.h"
#include "mime/mime-summary.h"
#include "mime/mime-write.h"
#include "mime-imap-check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(expr)                                                           \
	do {                                                                  \
		if (!(expr)) {                                                \
			fprintf(stderr, "check failed: %s\n", #expr);         \
			abort();                                              \
		}                                                             \
	} while (0)

static struct mime_message *
parse_chunked(struct pool *pool, const uint8_t *data, size_t size)
{
	struct mime_parser *p = mime_parser_create(pool, NULL);
	struct mime_message *msg;
	uint32_t state = size;
	size_t off = 0;

	for (size_t i = 0; i < size && i < 64; i++)
		state = state * 31 + data[i];
	while (off < size) {
		size_t n;

		state = state * 1103515245u + 12345u;
		n = 1 + (state >> 16) % ((state & 1) != 0 ? 8 : 512);
		if (n > size - off)
			n = size - off;
		mime_parser_feed(p, data + off, n);
		off += n;
	}
	mime_parser_finish(&p, &msg);
	return msg;
}

static void
check_strings(const struct mime_message *msg)
{
	struct buf b = BUF_INIT;

	mime_write_envelope(msg->root->envelope, &b);
	CHECK(check_envelope((const char *)b.data, b.len));
	buf_clear(&b);
	mime_write_bodystructure(msg->root, 0, &b);
	CHECK(check_body((const char *)b.data, b.len, false));
	buf_clear(&b);
	mime_write_bodystructure(msg->root, MIME_WRITE_EXTENDED, &b);
	CHECK(check_body((const char *)b.data, b.len, true));
	buf_clear(&b);
	mime_write_bodystructure(msg->root, MIME_WRITE_EXTENDED |
				 MIME_WRITE_GLOBAL_AS_MESSAGE, &b);
	buf_free(&b);
}

static void
check_sections(const struct mime_summary *s, const uint8_t *data,
	       size_t size)
{
	static const char *const paths[] = { "", "1", "2", "1.1", "1.2",
					     "2.1", "1.1.1", "3.2.1" };
	char path[32];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) + 4; i++) {
		const char *p = paths[i % 8];

		if (i >= 8 && size > i) {
			snprintf(path, sizeof(path), "%u.%u", 1 + data[i] % 4,
				 1 + data[size - i] % 4);
			p = path;
		}
		for (int kind = 0; kind < 4; kind++) {
			uint64_t off, len;

			if (mime_summary_find_section(s, p, kind, &off, &len,
						      NULL) == 1)
				CHECK(off + len <= size);
		}
	}
}

static void
run_search(const struct mime_summary *s, const uint8_t *data, size_t size)
{
	struct mime_search *search = mime_search_create();
	struct err err;

	mime_search_add(search, MIME_SEARCH_HEADER, "Subject", "a", 1, &err);
	mime_search_add(search, MIME_SEARCH_BODY, NULL, "e\xc3\xa9", 3, &err);
	mime_search_add(search, MIME_SEARCH_TEXT, NULL, "the", 3, &err);
	(void)mime_search_message(search, s, data, size);
	mime_search_destroy(&search);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool;
	struct mime_message *m1, *m2;
	struct mime_summary *s;
	struct buf b1 = BUF_INIT, b2 = BUF_INIT;
	struct err err;

	if (size > 512 * 1024)
		return 0;
	pool = pool_create(16384);
	m1 = mime_parse(pool, data, size, NULL);
	m2 = parse_chunked(pool, data, size);
	CHECK(m1->size == size);
	check_strings(m1);
	CHECK(mime_summary_serialize(m1, &b1) == 0);
	CHECK(mime_summary_serialize(m2, &b2) == 0);
	CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
	if (mime_summary_parse(b1.data, b1.len, pool, &s, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	check_sections(s, data, size);
	run_search(s, data, size);
	buf_free(&b1);
	buf_free(&b2);
	pool_destroy(&pool);
	return 0;
}
