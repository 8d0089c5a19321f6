/* SPDX-License-Identifier: MIT */
/*
 * Summary blob tests: round trip, size, rejection of corrupt blobs
 * (checksum, truncation, semantic damage behind a valid checksum) and RFC
 * 3501 section lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/crc32c.h"
#include "lib/pool.h"
#include "mime/mime-parser.h"
#include "mime/mime-summary.h"
#include "mime/mime-write.h"
#include "mime-test-util.h"

#include <string.h>

struct fixture {
	struct pool *pool;
	struct buf msg;
	struct buf blob;
	struct mime_summary *s;
};

static void
load(struct fixture *f, const char *name)
{
	struct mime_message *m;
	struct err err;

	f->pool = pool_create(16384);
	buf_init(&f->msg, 0);
	buf_init(&f->blob, 0);
	test_read_message(name, &f->msg);
	m = mime_parse(f->pool, f->msg.data, f->msg.len, NULL);
	assert_int_equal(mime_summary_serialize(m, &f->blob), 0);
	if (mime_summary_parse(f->blob.data, f->blob.len, f->pool, &f->s,
			       &err) < 0)
		fail_msg("%s", err.msg);
}

static void
unload(struct fixture *f)
{
	buf_free(&f->msg);
	buf_free(&f->blob);
	pool_destroy(&f->pool);
}

/* The section's bytes as a string ("-" if absent, "!" if invalid). */
static const char *
section(struct fixture *f, const char *path, enum mime_section_kind kind)
{
	uint64_t off, size;
	int ret = mime_summary_find_section(f->s, path, kind, &off, &size,
					    NULL);

	if (ret < 0)
		return "!";
	if (ret == 0)
		return "-";
	assert_true(off + size <= f->msg.len);
	return pool_strndup(f->pool, (const char *)f->msg.data + off, size);
}

static void
test_round_trip(void **state)
{
	struct fixture f;
	struct buf bs = BUF_INIT;
	struct mime_message *m;

	(void)state;
	load(&f, "plain.eml");
	/* "a few hundred bytes" for a simple message */
	assert_true(f.blob.len < 450);
	m = mime_parse(f.pool, f.msg.data, f.msg.len, NULL);
	mime_write_bodystructure(m->root, MIME_WRITE_EXTENDED, &bs);
	assert_string_equal(f.s->bodystructure, buf_cstr(&bs));
	assert_int_equal(f.s->bodystructure_len, bs.len);
	assert_true((f.s->flags & MIME_SUMMARY_HAS_DATE) != 0);
	assert_int_equal(f.s->date, 1057049557);
	assert_int_equal(f.s->date_tz, 120);
	assert_int_equal(f.s->part_count, 1);
	assert_string_equal(f.s->parts[0].content_type, "text/plain");
	assert_null(f.s->parts[0].charset);
	assert_int_equal(f.s->message_size, f.msg.len);
	buf_free(&bs);
	unload(&f);

	load(&f, "alternative.eml");
	assert_int_equal(f.s->part_count, 3);
	assert_string_equal(f.s->parts[2].content_type, "text/html");
	assert_string_equal(f.s->parts[2].charset, "utf-8");
	assert_int_equal(f.s->parts[2].encoding, MIME_ENC_QP);
	assert_int_equal(f.s->parts[0].n_children, 2);
	unload(&f);

	load(&f, "message-global.eml");
	assert_true((f.s->flags & MIME_SUMMARY_HAS_GLOBAL) != 0);
	assert_non_null(strstr(f.s->body, "\"message\" \"global\" NIL NIL NIL "
					  "\"7bit\" 20)"));
	unload(&f);
}

static void
test_sections(void **state)
{
	struct fixture f;

	(void)state;
	load(&f, "forwarded.eml");
	assert_string_equal(section(&f, "1", MIME_SECTION_WHOLE), "see below");
	assert_string_equal(section(&f, "1", MIME_SECTION_MIME),
			    "Content-Type: text/plain\r\n\r\n");
	assert_string_equal(section(&f, "2.HEADER", MIME_SECTION_WHOLE),
			    "!");
	assert_true(strncmp(section(&f, "2", MIME_SECTION_HEADER),
			    "From: Original <orig@example.net>\r\n", 35) == 0);
	assert_true(strncmp(section(&f, "2", MIME_SECTION_WHOLE),
			    "From: Original", 14) == 0);
	assert_true(strncmp(section(&f, "2", MIME_SECTION_TEXT), "--in\r\n", 6)
		    == 0);
	assert_string_equal(section(&f, "2.1", MIME_SECTION_WHOLE),
			    "original text");
	assert_string_equal(section(&f, "2.2", MIME_SECTION_WHOLE),
			    "R0lGODlhAQABAAAAACw=");
	assert_string_equal(section(&f, "2.2", MIME_SECTION_MIME),
			    "Content-Type: image/gif\r\nContent-Transfer-"
			    "Encoding: base64\r\n\r\n");
	assert_string_equal(section(&f, "3", MIME_SECTION_WHOLE), "-");
	assert_string_equal(section(&f, "2.3", MIME_SECTION_WHOLE), "-");
	assert_string_equal(section(&f, "2.1.1", MIME_SECTION_WHOLE), "-");
	assert_string_equal(section(&f, "1", MIME_SECTION_HEADER), "-");
	assert_string_equal(section(&f, "", MIME_SECTION_MIME), "-");
	assert_string_equal(section(&f, "0", MIME_SECTION_WHOLE), "!");
	assert_string_equal(section(&f, "01", MIME_SECTION_WHOLE), "!");
	assert_string_equal(section(&f, "1..2", MIME_SECTION_WHOLE), "!");
	assert_string_equal(section(&f, "1.", MIME_SECTION_WHOLE), "!");
	assert_string_equal(section(&f, "99999999999", MIME_SECTION_WHOLE),
			    "!");
	assert_string_equal(section(&f, "", MIME_SECTION_WHOLE),
			    (const char *)buf_cstr(&f.msg));
	assert_true(strncmp(section(&f, "", MIME_SECTION_TEXT), "--fw\r\n", 6)
		    == 0);
	unload(&f);

	load(&f, "plain.eml");
	assert_string_equal(section(&f, "1", MIME_SECTION_WHOLE),
			    "Hello Bob,\r\nthis is a plain message.\r\n");
	assert_string_equal(section(&f, "1", MIME_SECTION_MIME),
			    section(&f, "", MIME_SECTION_HEADER));
	assert_string_equal(section(&f, "2", MIME_SECTION_WHOLE), "-");
	assert_string_equal(section(&f, "1.1", MIME_SECTION_WHOLE), "-");
	unload(&f);

	load(&f, "toplevel-rfc822.eml");
	assert_string_equal(section(&f, "1", MIME_SECTION_HEADER),
			    "Subject: g\r\nContent-Type: text/plain\r\n\r\n");
	assert_string_equal(section(&f, "1.1", MIME_SECTION_WHOLE), "body\r\n");
	assert_string_equal(section(&f, "1.1", MIME_SECTION_MIME),
			    "Subject: g\r\nContent-Type: text/plain\r\n\r\n");
	assert_string_equal(section(&f, "1.2", MIME_SECTION_WHOLE), "-");
	unload(&f);

	load(&f, "nested-related.eml");
	assert_string_equal(section(&f, "1.2.2", MIME_SECTION_WHOLE),
			    "iVBORw0KGgo=");
	assert_string_equal(section(&f, "2", MIME_SECTION_WHOLE), "notes");
	unload(&f);
}

static void
fix_crc(struct buf *b)
{
	uint32_t crc = crc32c(0, b->data, b->len - 4);

	for (int i = 0; i < 4; i++)
		b->data[b->len - 4 + i] = (uint8_t)(crc >> (8 * i));
}

/* An accepted blob must still keep every section inside the message. */
static void
check_consistent(const struct mime_summary *s)
{
	for (uint32_t i = 0; i < s->part_count; i++) {
		const struct mime_summary_part *p = &s->parts[i];

		assert_true(p->body_offset + p->body_size <= s->message_size);
		assert_true(p->body_offset >= p->header_offset);
	}
}

static void
test_corrupt(void **state)
{
	struct fixture f;
	struct mime_summary *s;
	struct err err;
	struct buf b = BUF_INIT;
	uint32_t rnd = 12345;

	(void)state;
	load(&f, "forwarded.eml");
	/* every single-bit flip and every truncation is caught */
	for (size_t i = 0; i < f.blob.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			f.blob.data[i] ^= (uint8_t)(1 << bit);
			assert_int_equal(mime_summary_parse(f.blob.data,
							    f.blob.len, f.pool,
							    &s, &err), -1);
			assert_int_equal(err.code, ERR_CORRUPT);
			f.blob.data[i] ^= (uint8_t)(1 << bit);
		}
		assert_int_equal(mime_summary_parse(f.blob.data, i, f.pool, &s,
						    &err), -1);
	}
	/* damage behind a valid checksum: rejected or harmless */
	for (int round = 0; round < 20000; round++) {
		buf_clear(&b);
		buf_append(&b, f.blob.data, f.blob.len);
		for (int k = 0; k < 1 + round % 3; k++) {
			rnd = rnd * 1103515245u + 12345u;
			b.data[4 + (rnd >> 8) % (b.len - 8)] =
				(uint8_t)(rnd >> 20);
		}
		fix_crc(&b);
		if (mime_summary_parse(b.data, b.len, f.pool, &s, &err) == 0)
			check_consistent(s);
	}
	/* a message size smaller than the parts */
	buf_clear(&b);
	buf_append(&b, f.blob.data, f.blob.len);
	assert_true(b.data[5] > 0x80); /* size 506 is a two-byte varint */
	b.data[5] = 0x81;
	b.data[6] = 0x01;
	fix_crc(&b);
	assert_int_equal(mime_summary_parse(b.data, b.len, f.pool, &s, &err),
			 -1);
	assert_string_equal(err.msg, "summary: bad part tree");
	assert_int_equal(mime_summary_parse("", 0, f.pool, &s, &err), -1);
	buf_free(&b);
	unload(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_corrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
