/* SPDX-License-Identifier: MIT */
/* Helpers shared by the mime unit tests. */
#include "mime-test-util.h"

#include "lib/err.h"
#include "lib/fsutil.h"
#include "lib/panic.h"
#include "mime/mime-write.h"

#include <stdio.h>
#include <string.h>

void
test_escape(struct buf *out, const void *s, size_t len)
{
	const uint8_t *p = s;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\r')
			buf_append_str(out, "\\r");
		else if (p[i] == '\n')
			buf_append_str(out, "\\n");
		else if (p[i] == '\\')
			buf_append_str(out, "\\\\");
		else if (p[i] < 0x20 || p[i] > 0x7e)
			buf_printf(out, "\\x%02x", p[i]);
		else
			buf_append_c(out, (char)p[i]);
	}
}

static void
describe_line(struct buf *out, const char *key, const struct buf *value)
{
	buf_printf(out, "%s ", key);
	test_escape(out, value->data == NULL ? (const void *)"" : value->data,
		    value->len);
	buf_append_c(out, '\n');
}

void
test_describe(const struct mime_message *msg, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	const struct mime_part *part = msg->root;
	unsigned int index = 0;

	mime_write_envelope(msg->root->envelope, &tmp);
	describe_line(out, "ENVELOPE", &tmp);
	buf_clear(&tmp);
	mime_write_bodystructure(msg->root, 0, &tmp);
	describe_line(out, "BODY", &tmp);
	buf_clear(&tmp);
	mime_write_bodystructure(msg->root, MIME_WRITE_EXTENDED, &tmp);
	describe_line(out, "BODYSTRUCTURE", &tmp);
	buf_free(&tmp);
	buf_printf(out, "MESSAGE size=%llu parts=%u flags=0x%x\n",
		   (unsigned long long)msg->size, msg->part_count, msg->flags);
	/* pre-order, at most the first 60 parts (the big ones are long) */
	while (part != NULL && index < 60) {
		buf_printf(out,
			   "PART %u depth=%u flags=0x%02x header=%llu+%llu "
			   "body=%llu+%llu lines=%llu %s/%s\n",
			   index++, part->depth, part->flags,
			   (unsigned long long)part->header_offset,
			   (unsigned long long)part->header_size,
			   (unsigned long long)part->body_offset,
			   (unsigned long long)part->body_size,
			   (unsigned long long)part->body_lines,
			   part->content.type, part->content.subtype);
		if (part->children != NULL) {
			part = part->children;
			continue;
		}
		while (part != NULL && part->next == NULL)
			part = part->parent;
		if (part != NULL)
			part = part->next;
	}
}

void
test_read_message(const char *name, struct buf *out)
{
	char path[1024];
	struct err err;

	snprintf(path, sizeof(path), "%s/%s", MIME_TEST_MESSAGES, name);
	if (file_read_all(path, 64 * 1024 * 1024, out, &err) < 0)
		i_panic("%s", err.msg);
}

struct mime_message *
test_parse_chunked(struct pool *pool, const void *data, size_t len,
		   size_t chunk, unsigned int seed)
{
	struct mime_parser *p = mime_parser_create(pool, NULL);
	struct mime_message *msg;
	const uint8_t *d = data;
	uint32_t state = seed * 2654435761u + 1;

	while (len > 0) {
		size_t n = chunk;

		if (n == 0) {
			state = state * 1103515245u + 12345u;
			n = 1 + (state >> 8) % 300;
		}
		n = n < len ? n : len;
		mime_parser_feed(p, d, n);
		d += n;
		len -= n;
	}
	mime_parser_finish(&p, &msg);
	return msg;
}
