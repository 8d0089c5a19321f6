/* SPDX-License-Identifier: MIT */
/* Encoding and validation of mdir metadata files. */
#include "store/mdir-format.h"
#include "lib/codec.h"
#include "lib/endian.h"
#include "lib/panic.h"
#include "lib/rand.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

uint32_t
mdir_crc32(const void *data, size_t len)
{
	return mdir_crc32_update(0, data, len);
}

uint32_t
mdir_crc32_update(uint32_t crc0, const void *data, size_t len)
{
	uLong crc = crc0;
	const Bytef *p = data;

	while (len > 0) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)crc;
}

/* ---- header ---- */

void
mdir_header_encode(const struct mdir_header *h, uint8_t out[MDIR_HEADER_SIZE])
{
	memset(out, 0, MDIR_HEADER_SIZE);
	memcpy(out, MDIR_HEADER_MAGIC, 8);
	le_put32(out + 8, h->uidvalidity);
	memcpy(out + 12, h->guid, 16);
	le_put64(out + 28, (uint64_t)h->created);
	le_put32(out + 36, h->flags);
	le_put32(out + 60, mdir_crc32(out, 60));
}

int
mdir_header_decode(const uint8_t *data, size_t len, struct mdir_header *h,
		   struct err *err)
{
	if (len != MDIR_HEADER_SIZE || memcmp(data, MDIR_HEADER_MAGIC, 8) != 0)
		return err_set(err, ERR_CORRUPT, "mailbox header: bad magic");
	if (le_get32(data + 60) != mdir_crc32(data, 60))
		return err_set(err, ERR_CORRUPT,
			       "mailbox header: checksum mismatch");
	h->uidvalidity = le_get32(data + 8);
	memcpy(h->guid, data + 12, 16);
	h->created = (int64_t)le_get64(data + 28);
	h->flags = le_get32(data + 36);
	if (h->uidvalidity == 0)
		return err_set(err, ERR_CORRUPT, "mailbox header: zero "
						 "UIDVALIDITY");
	return 0;
}

/* ---- records ---- */

static void
put_u16(struct buf *b, uint16_t v)
{
	uint8_t t[2];

	le_put16(t, v);
	buf_append(b, t, 2);
}

static void
put_u32(struct buf *b, uint32_t v)
{
	uint8_t t[4];

	le_put32(t, v);
	buf_append(b, t, 4);
}

static void
put_u64(struct buf *b, uint64_t v)
{
	uint8_t t[8];

	le_put64(t, v);
	buf_append(b, t, 8);
}

static void
put_kw(struct buf *b, const struct mdir_str *kw, uint16_t nkw)
{
	put_u16(b, nkw);
	for (uint16_t i = 0; i < nkw; i++) {
		put_u16(b, kw[i].len);
		buf_append(b, kw[i].p, kw[i].len);
	}
}

static void
put_ranges(struct buf *b, const struct mdir_ranges *rs)
{
	put_u32(b, rs->n);
	for (uint32_t i = 0; i < rs->n; i++) {
		uint32_t lo, hi;

		mdir_ranges_get(rs, i, &lo, &hi);
		put_u32(b, lo);
		put_u32(b, hi);
	}
}

void
mdir_rec_begin(struct buf *b)
{
	uint8_t nonce[MDIR_REC_NONCE_SIZE];

	buf_clear(b);
	buf_append(b, MDIR_REC_MAGIC, 8);
	put_u32(b, 0);
	put_u32(b, 0);
	rand_bytes(nonce, sizeof(nonce));
	buf_append(b, nonce, sizeof(nonce));
}

void
mdir_rec_add(struct buf *b, const struct mdir_op *op)
{
	size_t start = b->len;

	buf_append_c(b, (char)op->type);
	buf_append(b, "\0\0\0", 3);
	put_u32(b, 0); /* payload length, filled below */
	switch (op->type) {
	case MDIR_OP_APPEND:
		put_u32(b, op->u.append.uid);
		put_u32(b, op->u.append.flags);
		put_u64(b, op->u.append.size);
		put_u64(b, (uint64_t)op->u.append.internaldate);
		put_u64(b, (uint64_t)op->u.append.savedate);
		buf_append(b, op->u.append.guid, 16);
		put_kw(b, op->u.append.kw, op->u.append.nkw);
		put_u16(b, op->u.append.staging.len);
		buf_append(b, op->u.append.staging.p,
			   op->u.append.staging.len);
		put_u32(b, op->u.append.blob_len);
		buf_append(b, op->u.append.blob, op->u.append.blob_len);
		break;
	case MDIR_OP_FLAGS:
		buf_append_c(b, (char)op->u.flags.mode);
		buf_append_c(b, 0);
		put_u16(b, 0);
		put_u32(b, op->u.flags.flags);
		put_u32(b, (uint32_t)op->u.flags.unseen_delta);
		put_u32(b, (uint32_t)op->u.flags.deleted_delta);
		put_kw(b, op->u.flags.kw, op->u.flags.nkw);
		put_ranges(b, &op->u.flags.ranges);
		break;
	case MDIR_OP_EXPUNGE:
		put_u32(b, op->u.expunge.count);
		put_u64(b, op->u.expunge.bytes);
		put_u32(b, (uint32_t)op->u.expunge.unseen_delta);
		put_u32(b, (uint32_t)op->u.expunge.deleted_delta);
		put_ranges(b, &op->u.expunge.ranges);
		break;
	case MDIR_OP_RECENT:
		put_u32(b, op->u.recent.next);
		break;
	case MDIR_OP_CLOSE:
		put_u32(b, op->u.close.next_gen);
		put_u32(b, op->u.close.flags);
		break;
	}
	le_put32(b->data + start + 4, (uint32_t)(b->len - start - 8));
}

void
mdir_rec_finish(struct buf *b)
{
	i_assert(b->len >= MDIR_REC_HEADER_SIZE);
	le_put32(b->data + 8, (uint32_t)(b->len - MDIR_REC_HEADER_SIZE));
	le_put32(b->data + 12, mdir_crc32(b->data + MDIR_REC_HEADER_SIZE,
					  b->len - MDIR_REC_HEADER_SIZE));
}

/* A bounds-checked cursor over one op's payload. */
struct cursor {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *
take(struct cursor *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	return p;
}

static uint16_t
get16(struct cursor *c)
{
	const uint8_t *p = take(c, 2);

	return p == NULL ? 0 : le_get16(p);
}

static uint32_t
get32(struct cursor *c)
{
	const uint8_t *p = take(c, 4);

	return p == NULL ? 0 : le_get32(p);
}

static uint64_t
get64(struct cursor *c)
{
	const uint8_t *p = take(c, 8);

	return p == NULL ? 0 : le_get64(p);
}

static uint16_t
get_kw(struct cursor *c, struct mdir_str *kw)
{
	uint16_t n = get16(c);

	if (n > STORE_KEYWORDS_PER_MESSAGE_MAX) {
		c->bad = true;
		return 0;
	}
	for (uint16_t i = 0; i < n && !c->bad; i++) {
		uint16_t len = get16(c);

		kw[i].p = (const char *)take(c, len);
		kw[i].len = len;
		if (len == 0 || len > STORE_KEYWORD_MAX_LEN)
			c->bad = true;
	}
	return n;
}

static void
get_ranges(struct cursor *c, struct mdir_ranges *rs)
{
	rs->r = NULL;
	rs->n = get32(c);
	if (rs->n > (size_t)(c->end - c->p) / 8) {
		c->bad = true;
		return;
	}
	rs->raw = take(c, (size_t)rs->n * 8);
	for (uint32_t i = 0; i < rs->n && !c->bad; i++) {
		uint32_t lo, hi;

		mdir_ranges_get(rs, i, &lo, &hi);
		if (lo == 0 || lo > hi)
			c->bad = true;
	}
}

/* Decodes one op from c; sets c->bad on any inconsistency. */
static void
decode_op(struct cursor *c, enum mdir_op_type type, struct mdir_op *op,
	  struct mdir_str *kwbuf)
{
	op->type = type;
	switch (type) {
	case MDIR_OP_APPEND: {
		const uint8_t *guid;

		op->u.append.uid = get32(c);
		op->u.append.flags = get32(c);
		op->u.append.size = get64(c);
		op->u.append.internaldate = (int64_t)get64(c);
		op->u.append.savedate = (int64_t)get64(c);
		guid = take(c, 16);
		if (guid != NULL)
			memcpy(op->u.append.guid, guid, 16);
		op->u.append.kw = kwbuf;
		op->u.append.nkw = get_kw(c, kwbuf);
		op->u.append.staging.len = get16(c);
		op->u.append.staging.p =
			(const char *)take(c, op->u.append.staging.len);
		op->u.append.blob_len = get32(c);
		op->u.append.blob = take(c, op->u.append.blob_len);
		if (op->u.append.uid == 0 ||
		    op->u.append.staging.len > MDIR_STAGING_MAX ||
		    (op->u.append.flags & ~(uint32_t)STORE_FLAGS_STORABLE))
			c->bad = true;
		break;
	}
	case MDIR_OP_FLAGS:
	{
		const uint8_t *mode = take(c, 4);

		op->u.flags.mode = mode == NULL ? 0xff : mode[0];
	}
		op->u.flags.flags = get32(c);
		op->u.flags.unseen_delta = (int32_t)get32(c);
		op->u.flags.deleted_delta = (int32_t)get32(c);
		op->u.flags.kw = kwbuf;
		op->u.flags.nkw = get_kw(c, kwbuf);
		get_ranges(c, &op->u.flags.ranges);
		if (op->u.flags.mode > STORE_FLAGS_REPLACE ||
		    (op->u.flags.flags & ~(uint32_t)STORE_FLAGS_STORABLE))
			c->bad = true;
		break;
	case MDIR_OP_EXPUNGE:
		op->u.expunge.count = get32(c);
		op->u.expunge.bytes = get64(c);
		op->u.expunge.unseen_delta = (int32_t)get32(c);
		op->u.expunge.deleted_delta = (int32_t)get32(c);
		get_ranges(c, &op->u.expunge.ranges);
		break;
	case MDIR_OP_RECENT:
		op->u.recent.next = get32(c);
		break;
	case MDIR_OP_CLOSE:
		op->u.close.next_gen = get32(c);
		op->u.close.flags = get32(c);
		if (op->u.close.next_gen == 0)
			c->bad = true;
		break;
	default:
		c->bad = true;
		break;
	}
	if (c->p != c->end)
		c->bad = true; /* trailing bytes inside an op */
}

int
mdir_rec_parse(const uint8_t *data, size_t len, struct mdir_rec_iter *it,
	       struct err *err)
{
	const uint8_t *p, *end;
	uint32_t body_len;

	if (len < MDIR_REC_HEADER_SIZE || memcmp(data, MDIR_REC_MAGIC, 8) != 0)
		return err_set(err, ERR_CORRUPT, "log record: bad magic");
	body_len = le_get32(data + 8);
	if (body_len != len - MDIR_REC_HEADER_SIZE || len > MDIR_REC_MAX)
		return err_set(err, ERR_CORRUPT, "log record: bad length");
	if (le_get32(data + 12) !=
	    mdir_crc32(data + MDIR_REC_HEADER_SIZE, body_len))
		return err_set(err, ERR_CORRUPT,
			       "log record: checksum mismatch");
	if (body_len < MDIR_REC_NONCE_SIZE)
		return err_set(err, ERR_CORRUPT, "log record: no nonce");
	p = data + MDIR_REC_HEADER_SIZE + MDIR_REC_NONCE_SIZE;
	end = data + len;
	/* validate every op now so that iteration cannot fail */
	while (p < end) {
		struct cursor c;
		struct mdir_op op;
		uint32_t oplen;

		if (end - p < 8)
			return err_set(err, ERR_CORRUPT,
				       "log record: truncated op");
		oplen = le_get32(p + 4);
		if (oplen > (size_t)(end - p) - 8)
			return err_set(err, ERR_CORRUPT,
				       "log record: op overruns record");
		c.p = p + 8;
		c.end = c.p + oplen;
		c.bad = false;
		decode_op(&c, (enum mdir_op_type)p[0], &op, it->kw);
		if (c.bad)
			return err_set(err, ERR_CORRUPT,
				       "log record: invalid op type %u", p[0]);
		p = c.end;
	}
	it->p = data + MDIR_REC_HEADER_SIZE + MDIR_REC_NONCE_SIZE;
	it->end = end;
	return 0;
}

bool
mdir_rec_next(struct mdir_rec_iter *it, struct mdir_op *op)
{
	struct cursor c;

	if (it->p >= it->end)
		return false;
	c.p = it->p + 8;
	c.end = c.p + le_get32(it->p + 4);
	c.bad = false;
	decode_op(&c, (enum mdir_op_type)it->p[0], op, it->kw);
	i_assert(!c.bad);
	it->p = c.end;
	return true;
}

/* ---- index snapshot header and records ---- */

void
mdir_index_header_encode(const struct mdir_index_header *h,
			 uint8_t out[MDIR_INDEX_HEADER_SIZE])
{
	memset(out, 0, MDIR_INDEX_HEADER_SIZE);
	memcpy(out, MDIR_INDEX_MAGIC, 8);
	le_put32(out + 8, MDIR_INDEX_HEADER_SIZE);
	le_put32(out + 12, h->uidvalidity);
	le_put32(out + 16, h->uidnext);
	le_put32(out + 20, h->gen);
	le_put64(out + 24, h->base_seq);
	le_put64(out + 32, h->highestmodseq);
	le_put32(out + 40, h->messages);
	le_put32(out + 44, h->unseen);
	le_put32(out + 48, h->deleted);
	le_put32(out + 52, h->recent_next);
	le_put64(out + 56, h->total_size);
	memcpy(out + 64, h->guid, 16);
	le_put32(out + 80, h->keyword_count);
	le_put32(out + 84, h->kwset_count);
	le_put32(out + 88, h->expunged_count);
	le_put32(out + 92, MDIR_INDEX_RECORD_SIZE);
	le_put64(out + 96, h->body_len);
	le_put32(out + 104, h->body_crc);
	le_put32(out + 108, mdir_crc32(out, 108));
}

int
mdir_index_header_decode(const uint8_t *data, size_t len,
			 struct mdir_index_header *h, struct err *err)
{
	if (len < MDIR_INDEX_HEADER_SIZE ||
	    memcmp(data, MDIR_INDEX_MAGIC, 8) != 0)
		return err_set(err, ERR_CORRUPT, "index: bad magic");
	if (le_get32(data + 108) != mdir_crc32(data, 108))
		return err_set(err, ERR_CORRUPT,
			       "index: header checksum mismatch");
	if (le_get32(data + 8) != MDIR_INDEX_HEADER_SIZE ||
	    le_get32(data + 92) != MDIR_INDEX_RECORD_SIZE)
		return err_set(err, ERR_CORRUPT, "index: unsupported layout");
	h->uidvalidity = le_get32(data + 12);
	h->uidnext = le_get32(data + 16);
	h->gen = le_get32(data + 20);
	h->base_seq = le_get64(data + 24);
	h->highestmodseq = le_get64(data + 32);
	h->messages = le_get32(data + 40);
	h->unseen = le_get32(data + 44);
	h->deleted = le_get32(data + 48);
	h->recent_next = le_get32(data + 52);
	h->total_size = le_get64(data + 56);
	memcpy(h->guid, data + 64, 16);
	h->keyword_count = le_get32(data + 80);
	h->kwset_count = le_get32(data + 84);
	h->expunged_count = le_get32(data + 88);
	h->body_len = le_get64(data + 96);
	h->body_crc = le_get32(data + 104);
	if (h->uidvalidity == 0 || h->uidnext == 0 || h->gen == 0 ||
	    h->unseen > h->messages || h->deleted > h->messages ||
	    h->keyword_count > STORE_KEYWORDS_PER_MAILBOX_MAX ||
	    (uint64_t)h->messages * MDIR_INDEX_RECORD_SIZE > h->body_len)
		return err_set(err, ERR_CORRUPT, "index: inconsistent header");
	return 0;
}

void
mdir_index_record_encode(const struct mdir_index_record *r,
			 uint8_t out[MDIR_INDEX_RECORD_SIZE])
{
	le_put32(out, r->uid);
	le_put32(out + 4, r->flags);
	le_put32(out + 8, r->kwset);
	le_put32(out + 12, r->cache_gen);
	le_put64(out + 16, r->modseq);
	le_put64(out + 24, r->size);
	le_put64(out + 32, (uint64_t)r->internaldate);
	le_put64(out + 40, (uint64_t)r->savedate);
	memcpy(out + 48, r->guid, 16);
	le_put64(out + 64, r->cache_off);
	le_put32(out + 72, r->cache_len);
	le_put32(out + 76, 0);
}

void
mdir_index_record_decode(const uint8_t *in, struct mdir_index_record *r)
{
	r->uid = le_get32(in);
	r->flags = le_get32(in + 4);
	r->kwset = le_get32(in + 8);
	r->cache_gen = le_get32(in + 12);
	r->modseq = le_get64(in + 16);
	r->size = le_get64(in + 24);
	r->internaldate = (int64_t)le_get64(in + 32);
	r->savedate = (int64_t)le_get64(in + 40);
	memcpy(r->guid, in + 48, 16);
	r->cache_off = le_get64(in + 64);
	r->cache_len = le_get32(in + 72);
}

/* ---- message file names ---- */

void
mdir_msg_name(uint32_t uid, const uint8_t guid[16],
	      char out[MDIR_MSG_NAME_MAX])
{
	char hex[33];

	hex_encode(guid, 16, hex);
	snprintf(out, MDIR_MSG_NAME_MAX, "%u.%s", uid, hex);
}

int
mdir_msg_name_parse(const char *name, uint32_t *uid_r, uint8_t guid[16])
{
	uint64_t uid = 0;
	const char *p = name;

	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		uid = uid * 10 + (uint64_t)(*p - '0');
		if (uid > UINT32_MAX)
			return -1;
	}
	if (*p != '.' || strlen(p + 1) != 32 ||
	    hex_decode(p + 1, 32, guid, 16) < 0)
		return -1;
	*uid_r = (uint32_t)uid;
	return 0;
}
