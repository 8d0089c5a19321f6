/* SPDX-License-Identifier: MIT */
/*
 * Prints what Coffer's MIME layer answers for one message file, for the
 * Dovecot comparison in dovecot_oracle.py: one line per item, "KEY HEX",
 * where HEX is the item's bytes in hex (items may hold CR, LF and 8-bit
 * bytes). Items: ENVELOPE, BODY, BODYSTRUCTURE, then the header subsets
 * and sections below, all read through a summary blob round trip.
 * With --summary, writes the summary blob itself to stdout instead (the
 * fuzz corpus of mime_summary_parse is made that way).
 */
#include "lib/buf.h"
#include "lib/codec.h"
#include "lib/err.h"
#include "lib/fsutil.h"
#include "lib/mem.h"
#include "lib/pool.h"
#include "mime/mime-header.h"
#include "mime/mime-parser.h"
#include "mime/mime-summary.h"
#include "mime/mime-write.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
print_item(const char *key, const struct buf *b)
{
	char *hex = xmalloc(b->len * 2 + 1);

	hex_encode(b->data == NULL ? (const void *)"" : b->data, b->len, hex);
	printf("%s %s\n", key, hex);
	free(hex);
}

static const char *const filter_names[] = { "FROM", "SUBJECT" };

static void
print_section(const struct mime_summary *s, const struct buf *msg,
	      const char *path, enum mime_section_kind kind, const char *key)
{
	uint64_t off, size;
	struct buf b = BUF_INIT;

	if (mime_summary_find_section(s, path, kind, &off, &size, NULL) != 1)
		return;
	buf_append(&b, msg->data + off, size);
	print_item(key, &b);
	buf_free(&b);
}

static void
print_part(const struct mime_summary *s, const struct buf *msg,
	   const char *path, uint32_t index)
{
	char key[512];

	snprintf(key, sizeof(key), "BODY[%s.MIME]", path);
	print_section(s, msg, path, MIME_SECTION_MIME, key);
	snprintf(key, sizeof(key), "BODY[%s]", path);
	print_section(s, msg, path, MIME_SECTION_WHOLE, key);
	if ((s->parts[index].flags & MIME_PART_MESSAGE) != 0 &&
	    (s->parts[index].flags & MIME_PART_GLOBAL) == 0 &&
	    (s->parts[index].flags & MIME_PART_OPAQUE) == 0) {
		snprintf(key, sizeof(key), "BODY[%s.HEADER]", path);
		print_section(s, msg, path, MIME_SECTION_HEADER, key);
		snprintf(key, sizeof(key), "BODY[%s.TEXT]", path);
		print_section(s, msg, path, MIME_SECTION_TEXT, key);
	}
}

static bool
is_multipart(const struct mime_summary_part *p)
{
	return (p->flags & (MIME_PART_MULTIPART | MIME_PART_OPAQUE)) ==
	       MIME_PART_MULTIPART;
}

static void walk(const struct mime_summary *s, const struct buf *msg,
		 uint32_t index, const char *prefix);

/* Below a message part: its embedded message's parts. */
static void
walk_message(const struct mime_summary *s, const struct buf *msg,
	     uint32_t index, const char *path)
{
	const struct mime_summary_part *p = &s->parts[index];
	char prefix[512];
	uint32_t child = p->first_child;

	if ((p->flags & MIME_PART_MESSAGE) == 0 ||
	    (p->flags & MIME_PART_GLOBAL) != 0 || child == MIME_SUMMARY_NONE)
		return;
	snprintf(prefix, sizeof(prefix), "%s.", path);
	if (is_multipart(&s->parts[child])) {
		walk(s, msg, child, prefix);
	} else {
		char sub[512];

		snprintf(sub, sizeof(sub), "%s1", prefix);
		print_part(s, msg, sub, child);
		walk_message(s, msg, child, sub);
	}
}

/* Walks the numbering as RFC 3501 section 6.4.5 defines it. */
static void
walk(const struct mime_summary *s, const struct buf *msg, uint32_t index,
     const char *prefix)
{
	const struct mime_summary_part *p = &s->parts[index];
	char path[512];
	uint32_t n = 0;

	if (is_multipart(p)) {
		for (uint32_t c = p->first_child; c != MIME_SUMMARY_NONE;
		     c = s->parts[c].next_sibling) {
			snprintf(path, sizeof(path), "%s%u", prefix, ++n);
			print_part(s, msg, path, c);
			if (is_multipart(&s->parts[c])) {
				char sub[600];

				snprintf(sub, sizeof(sub), "%s.", path);
				walk(s, msg, c, sub);
			}
			walk_message(s, msg, c, path);
		}
	}
}

int
main(int argc, char **argv)
{
	struct buf msg = BUF_INIT, out = BUF_INIT;
	struct err err;
	struct pool *pool;
	struct mime_message *m;
	struct mime_summary *s;
	uint64_t off, size;

	bool blob_only = argc == 3 && strcmp(argv[1], "--summary") == 0;

	if (argc != 2 && !blob_only) {
		fprintf(stderr,
			"usage: mime-dump [--summary] <message file>\n");
		return 2;
	}
	if (file_read_all(argv[argc - 1], 256 * 1024 * 1024, &msg,
			  &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	pool = pool_create(16384);
	m = mime_parse(pool, msg.data, msg.len, NULL);
	if (blob_only) {
		mime_summary_serialize(m, &out);
		fwrite(out.data, 1, out.len, stdout);
		buf_free(&out);
		buf_free(&msg);
		pool_destroy(&pool);
		return 0;
	}
	mime_write_envelope(m->root->envelope, &out);
	print_item("ENVELOPE", &out);
	buf_clear(&out);
	mime_write_bodystructure(m->root, 0, &out);
	print_item("BODY", &out);
	buf_clear(&out);
	mime_write_bodystructure(m->root, MIME_WRITE_EXTENDED, &out);
	print_item("BODYSTRUCTURE", &out);
	buf_clear(&out);
	mime_summary_serialize(m, &out);
	if (mime_summary_parse(out.data, out.len, pool, &s, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	print_section(s, &msg, "", MIME_SECTION_HEADER, "BODY[HEADER]");
	print_section(s, &msg, "", MIME_SECTION_TEXT, "BODY[TEXT]");
	if (mime_summary_find_section(s, "", MIME_SECTION_HEADER, &off,
				      &size, NULL) == 1) {
		buf_clear(&out);
		mime_header_filter(msg.data + off, size, filter_names, 2,
				   false, &out);
		print_item("BODY[HEADER.FIELDS (FROM SUBJECT)]", &out);
		buf_clear(&out);
		mime_header_filter(msg.data + off, size, filter_names, 2,
				   true, &out);
		print_item("BODY[HEADER.FIELDS.NOT (FROM SUBJECT)]", &out);
	}
	if (is_multipart(&s->parts[0])) {
		walk(s, &msg, 0, "");
	} else {
		print_part(s, &msg, "1", 0);
		walk_message(s, &msg, 0, "1");
	}
	buf_free(&out);
	buf_free(&msg);
	pool_destroy(&pool);
	return 0;
}
