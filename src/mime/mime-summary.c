/* SPDX-License-Identifier: MIT */
/*
 * Summary blobs: serialization and validating parse. Layout (version 1;
 * "varint" is unsigned LEB128, "svarint" zigzag-encoded, "bytes" a varint
 * length and the bytes):
 *
 *	"CMS" version(1 byte)
 *	varint flags			mime_message_flags | MIME_SUMMARY_*
 *	varint message_size
 *	[svarint date, svarint tz]	with MIME_SUMMARY_HAS_DATE
 *	bytes envelope, bytes bodystructure, bytes body
 *	varint part_count, then per part in pre-order:
 *		varint index - parent_index (0 for the root)
 *		varint flags, byte encoding
 *		varint header_offset - previous part's header_offset
 *		varint header_size, varint body_size, varint body_lines
 *		bytes "type/subtype" (lower case)
 *		varint charset length + 1 (0 = none), charset bytes
 *	CRC-32C of all the above, 4 bytes little-endian
 */
#include "mime/mime-summary-private.h"

#include "lib/crc32c.h"
#include "lib/str.h"
#include "lib/vec.h"
#include "lib/pool.h"
#include "mime/mime-date.h"
#include "mime/mime-parser.h"
#include "mime/mime-write.h"

#include <string.h>

static const uint8_t magic[3] = { 'C', 'M', 'S' };

/* part flags worth keeping */
#define PART_FLAGS_KEPT                                                       \
	(MIME_PART_MULTIPART | MIME_PART_MESSAGE | MIME_PART_GLOBAL |          \
	 MIME_PART_TEXT | MIME_PART_OPAQUE | MIME_PART_ROOT)
#define MSG_FLAGS_KEPT                                                        \
	(MIME_MSG_HEADER_8BIT | MIME_MSG_HEADER_NUL | MIME_MSG_MALFORMED |     \
	 MIME_MSG_LIMITED)
#define STRING_MAX (64 * 1024 * 1024)
#define NAME_MAX_LEN 1024

/* --- writing ---------------------------------------------------------- */

static int
put_varint(struct buf *out, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	return buf_append(out, tmp, n);
}

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int
put_bytes(struct buf *out, const void *data, size_t len)
{
	return put_varint(out, len) | buf_append(out, data, len);
}

static int
put_part(struct buf *out, const struct mime_part *part, uint32_t index,
	 uint32_t parent, uint64_t prev_offset)
{
	const char *charset = mime_part_charset(part), *type, *subtype;
	int ret = 0;
	size_t start;

	ret |= put_varint(out, index == 0 ? 0 : index - parent);
	ret |= put_varint(out, part->flags & PART_FLAGS_KEPT);
	ret |= buf_append_c(out, (char)part->encoding);
	ret |= put_varint(out, part->header_offset - prev_offset);
	ret |= put_varint(out, part->header_size);
	ret |= put_varint(out, part->body_size);
	ret |= put_varint(out, part->body_lines);
	/* "type/subtype" in lower case; an absurdly long one (hostile
	   input) is just application/octet-stream here */
	type = part->content.type;
	subtype = part->content.subtype;
	if (strlen(type) + 1 + strlen(subtype) > NAME_MAX_LEN) {
		type = "application";
		subtype = "octet-stream";
	}
	ret |= put_varint(out, strlen(type) + 1 + strlen(subtype));
	start = out->len;
	ret |= buf_printf(out, "%s/%s", type, subtype);
	for (size_t i = start; i < out->len; i++)
		out->data[i] = (uint8_t)ascii_tolower((char)out->data[i]);
	if (charset == NULL || strlen(charset) > NAME_MAX_LEN)
		return ret | put_varint(out, 0);
	ret |= put_varint(out, strlen(charset) + 1);
	return ret | buf_append_str(out, charset);
}

/* Pre-order walk; the parent of a part is the last part seen one level
   up. */
static int
put_parts(struct buf *out, const struct mime_message *msg, uint32_t *flags)
{
	VEC(uint32_t) last_at_depth = VEC_INIT;
	const struct mime_part *part = msg->root;
	uint64_t prev_offset = 0;
	uint32_t index = 0;
	int ret = put_varint(out, msg->part_count);

	while (part != NULL) {
		uint32_t parent = part->depth == 0 ? 0 :
				  last_at_depth.v[part->depth - 1];

		if ((part->flags & MIME_PART_GLOBAL) != 0)
			*flags |= MIME_SUMMARY_HAS_GLOBAL;
		ret |= put_part(out, part, index, parent, prev_offset);
		prev_offset = part->header_offset;
		while (last_at_depth.n <= part->depth)
			vec_push(&last_at_depth, 0);
		last_at_depth.v[part->depth] = index++;
		if (part->children != NULL) {
			part = part->children;
			continue;
		}
		while (part != NULL && part->next == NULL)
			part = part->parent;
		if (part != NULL)
			part = part->next;
	}
	vec_free(&last_at_depth);
	return ret;
}

int
mime_summary_serialize(const struct mime_message *msg, struct buf *out)
{
	struct buf env = BUF_INIT, bs = BUF_INIT, body = BUF_INIT;
	struct buf parts = BUF_INIT;
	const struct mime_envelope *e = msg->root->envelope;
	uint32_t flags = msg->flags & MSG_FLAGS_KEPT;
	size_t start = out->len;
	int64_t date = 0;
	int tz = 0, ret = 0;
	uint32_t crc;

	mime_write_envelope(e, &env);
	mime_write_bodystructure(msg->root, MIME_WRITE_EXTENDED, &bs);
	mime_write_bodystructure(msg->root, 0, &body);
	put_parts(&parts, msg, &flags);
	if (e != NULL && e->date != NULL &&
	    mime_date_parse(e->date, strlen(e->date), &date, &tz) == 0)
		flags |= MIME_SUMMARY_HAS_DATE;

	ret |= buf_append(out, magic, sizeof(magic));
	ret |= buf_append_c(out, MIME_SUMMARY_VERSION);
	ret |= put_varint(out, flags);
	ret |= put_varint(out, msg->size);
	if ((flags & MIME_SUMMARY_HAS_DATE) != 0) {
		ret |= put_varint(out, zigzag(date));
		ret |= put_varint(out, zigzag(tz));
	}
	ret |= put_bytes(out, env.data, env.len);
	ret |= put_bytes(out, bs.data, bs.len);
	ret |= put_bytes(out, body.data, body.len);
	ret |= buf_append(out, parts.data, parts.len);
	if (ret == 0) {
		uint8_t le[4];

		crc = crc32c(0, out->data + start, out->len - start);
		for (int i = 0; i < 4; i++)
			le[i] = (uint8_t)(crc >> (8 * i));
		ret |= buf_append(out, le, 4);
	}
	buf_free(&env);
	buf_free(&bs);
	buf_free(&body);
	buf_free(&parts);
	return ret;
}

/* --- reading ---------------------------------------------------------- */

struct reader {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t
get_varint(struct reader *r)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (r->p >= r->end)
			break;
		b = *r->p++;
		if (shift == 63 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return v;
	}
	r->bad = true;
	return 0;
}

static int64_t
get_svarint(struct reader *r)
{
	uint64_t v = get_varint(r);

	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* A length-prefixed string without NUL bytes, as a pool C string. */
static const char *
get_string(struct reader *r, struct pool *pool, size_t max, size_t *len_r)
{
	uint64_t len = get_varint(r);

	if (r->bad || len > max || len > (uint64_t)(r->end - r->p) ||
	    memchr(r->p, '\0', len) != NULL) {
		r->bad = true;
		return NULL;
	}
	r->p += len;
	*len_r = len;
	return pool_strndup(pool, (const char *)r->p - len, len);
}

static bool
read_part(struct reader *r, struct pool *pool, struct mime_summary *s,
	  uint32_t index, uint64_t *offset)
{
	struct mime_summary_part *part = &s->parts[index];
	uint64_t delta = get_varint(r), v;
	size_t len;

	part->parent = index == 0 ? MIME_SUMMARY_NONE :
		       (delta == 0 || delta > index) ? MIME_SUMMARY_NONE - 1 :
						       index - (uint32_t)delta;
	part->first_child = part->next_sibling = MIME_SUMMARY_NONE;
	v = get_varint(r);
	part->flags = (uint32_t)v;
	if (r->bad || (index == 0 && delta != 0) ||
	    part->parent == MIME_SUMMARY_NONE - 1 ||
	    (v & ~(uint64_t)PART_FLAGS_KEPT) != 0 || r->p >= r->end ||
	    *r->p >= MIME_ENC_COUNT)
		return false;
	part->encoding = (enum mime_encoding) * r->p++;
	delta = get_varint(r);
	if (delta > UINT64_MAX - *offset)
		return false;
	*offset += delta;
	part->header_offset = *offset;
	part->header_size = get_varint(r);
	part->body_size = get_varint(r);
	part->body_lines = get_varint(r);
	part->content_type = get_string(r, pool, NAME_MAX_LEN, &len);
	v = get_varint(r);
	if (r->bad || v > NAME_MAX_LEN + 1 ||
	    v > (uint64_t)(r->end - r->p) + 1)
		return false;
	if (v > 0) {
		if (memchr(r->p, '\0', v - 1) != NULL)
			return false;
		part->charset = pool_strndup(pool, (const char *)r->p, v - 1);
		r->p += v - 1;
	}
	return !r->bad;
}

int
mime_summary_parse(const void *blob, size_t len, struct pool *pool,
		   struct mime_summary **summary_r, struct err *err)
{
	const uint8_t *b = blob;
	struct reader r;
	struct mime_summary *s;
	uint32_t crc = 0;
	uint64_t n, flags, offset = 0;

	if (len < sizeof(magic) + 1 + 4 || memcmp(b, magic, 3) != 0 ||
	    b[3] != MIME_SUMMARY_VERSION)
		return err_set(err, ERR_CORRUPT, "summary: bad header");
	for (int i = 0; i < 4; i++)
		crc |= (uint32_t)b[len - 4 + i] << (8 * i);
	if (crc32c(0, b, len - 4) != crc)
		return err_set(err, ERR_CORRUPT, "summary: checksum mismatch");
	r.p = b + 4;
	r.end = b + len - 4;
	r.bad = false;
	s = pool_alloc(pool, sizeof(*s));
	flags = get_varint(&r);
	s->flags = (uint32_t)flags;
	s->message_size = get_varint(&r);
	if ((s->flags & MIME_SUMMARY_HAS_DATE) != 0) {
		s->date = get_svarint(&r);
		s->date_tz = (int)get_svarint(&r);
		if (s->date_tz > MIME_DATE_MAX_TZ ||
		    s->date_tz < -MIME_DATE_MAX_TZ)
			r.bad = true;
	}
	s->envelope = get_string(&r, pool, STRING_MAX, &s->envelope_len);
	s->bodystructure = get_string(&r, pool, STRING_MAX,
				      &s->bodystructure_len);
	s->body = get_string(&r, pool, STRING_MAX, &s->body_len);
	n = get_varint(&r);
	/* each part takes at least 9 bytes */
	if (r.bad || n == 0 || n > MIME_SUMMARY_MAX_PARTS ||
	    n > (uint64_t)(r.end - r.p) / 9 ||
	    (flags & ~(uint64_t)(MSG_FLAGS_KEPT | MIME_SUMMARY_HAS_DATE |
				 MIME_SUMMARY_HAS_GLOBAL)) != 0)
		return err_set(err, ERR_CORRUPT, "summary: bad fields");
	s->part_count = (uint32_t)n;
	s->parts = pool_alloc_array(pool, n, sizeof(*s->parts));
	for (uint32_t i = 0; i < s->part_count; i++) {
		if (!read_part(&r, pool, s, i, &offset))
			return err_set(err, ERR_CORRUPT,
				       "summary: bad part %u", i);
	}
	if (r.p != r.end)
		return err_set(err, ERR_CORRUPT, "summary: trailing bytes");
	if (!mime_summary__tree_valid(s))
		return err_set(err, ERR_CORRUPT, "summary: bad part tree");
	if (!mime_summary__imap_value_valid(s->envelope, s->envelope_len) ||
	    !mime_summary__imap_value_valid(s->bodystructure,
					    s->bodystructure_len) ||
	    !mime_summary__imap_value_valid(s->body, s->body_len))
		return err_set(err, ERR_CORRUPT, "summary: bad IMAP string");
	*summary_r = s;
	return 0;
}

int
mime_summary_build(const uint8_t *msg, size_t len, struct buf *out)
{
	struct pool *pool = pool_create(16384);
	struct mime_message *m = mime_parse(pool, msg, len, NULL);
	int ret = mime_summary_serialize(m, out);

	pool_destroy(&pool);
	return ret;
}
