/* SPDX-License-Identifier: MIT */
/*
 * Binary formats of the mdir metadata files (docs/storage-format.md):
 * log records (.mdir/log.<G>/<seq>), index snapshots (.mdir/index.<G>),
 * cache files (.mdir/cache.<G>) and the mailbox header (.mdir/header).
 * All integers are little-endian; every file carries a checksum and is
 * validated before use, because index files are a cache that may be
 * damaged and rebuilt, never trusted blindly.
 */
#ifndef COFFER_STORE_MDIR_FORMAT_H
#define COFFER_STORE_MDIR_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "store/store.h"

uint32_t mdir_crc32(const void *data, size_t len);
/* Continues a CRC-32 (start with 0). */
uint32_t mdir_crc32_update(uint32_t crc, const void *data, size_t len);

/* ---- mailbox header (.mdir/header), written once ---- */

#define MDIR_HEADER_MAGIC "CFMBX\x01\r\n"
#define MDIR_HEADER_SIZE 64
/* The mailbox's log uses append mode (else link mode), mdir-log.h. */
#define MDIR_HEADER_APPEND_LOG 0x1

struct mdir_header {
	uint32_t uidvalidity;
	uint8_t guid[16];  /* identity of this mailbox incarnation */
	int64_t created;
	uint32_t flags;	   /* MDIR_HEADER_* */
};
void mdir_header_encode(const struct mdir_header *h,
			uint8_t out[MDIR_HEADER_SIZE]);
int mdir_header_decode(const uint8_t *data, size_t len, struct mdir_header *h,
		       struct err *err);

/* ---- log records ---- */

#define MDIR_REC_MAGIC "CFLOG\x01\r\n"
/* magic, body length, body CRC; the body starts with an 8-byte random
   nonce that makes every record unique (a writer recognises its own) */
#define MDIR_REC_HEADER_SIZE 16
#define MDIR_REC_NONCE_SIZE 8
/* Largest record we write or accept. */
#define MDIR_REC_MAX (64u * 1024 * 1024)
/* Largest cache blob carried in a record (bigger ones are not cached). */
#define MDIR_BLOB_MAX (256u * 1024)
#define MDIR_STAGING_MAX 200

enum mdir_op_type {
	MDIR_OP_APPEND = 1,  /* a new message with an explicit UID */
	MDIR_OP_FLAGS = 2,   /* flag/keyword change on UID ranges */
	MDIR_OP_EXPUNGE = 3, /* messages removed */
	MDIR_OP_RECENT = 4,  /* \Recent claimed for UIDs below `next` */
	MDIR_OP_CLOSE = 5,   /* this log generation ends; continue in next */
};

/* A CLOSE that follows a reconstruct: readers must reload the new
   generation's snapshot instead of continuing with their own state. */
#define MDIR_CLOSE_RESET 0x1

struct mdir_str {
	const char *p;
	uint16_t len;
};

/* Ranges are kept raw in decoded ops (unaligned LE pairs). */
struct mdir_ranges {
	const struct store_uid_range *r; /* encoding */
	const uint8_t *raw;		 /* decoding */
	uint32_t n;
};
static inline void
mdir_ranges_get(const struct mdir_ranges *rs, uint32_t i, uint32_t *lo,
		uint32_t *hi)
{
	if (rs->raw != NULL) {
		const uint8_t *p = rs->raw + (size_t)i * 8;

		*lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		      (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		*hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
	} else {
		*lo = rs->r[i].lo;
		*hi = rs->r[i].hi;
	}
}

struct mdir_op {
	enum mdir_op_type type;
	union {
		struct {
			uint32_t uid, flags;
			uint64_t size;
			int64_t internaldate, savedate;
			uint8_t guid[16];
			uint16_t nkw;
			const struct mdir_str *kw;
			struct mdir_str staging;
			const uint8_t *blob;
			uint32_t blob_len;
		} append;
		struct {
			uint8_t mode; /* enum store_flags_mode */
			uint32_t flags;
			uint16_t nkw;
			const struct mdir_str *kw;
			int32_t unseen_delta, deleted_delta;
			struct mdir_ranges ranges;
		} flags;
		struct {
			uint32_t count;
			uint64_t bytes;
			int32_t unseen_delta, deleted_delta;
			struct mdir_ranges ranges;
		} expunge;
		struct {
			uint32_t next;
		} recent;
		struct {
			uint32_t next_gen;
			uint32_t flags; /* MDIR_CLOSE_RESET */
		} close;
	} u;
};

/* Building a record: begin, add ops, finish (fills length and CRC). */
void mdir_rec_begin(struct buf *b);
void mdir_rec_add(struct buf *b, const struct mdir_op *op);
void mdir_rec_finish(struct buf *b);
/* Ops added so far. */
static inline bool
mdir_rec_empty(const struct buf *b)
{
	return b->len <= MDIR_REC_HEADER_SIZE + MDIR_REC_NONCE_SIZE;
}

/* Parsing: validates the whole record (magic, length, CRC, every op's
   bounds) first; mdir_rec_next() then cannot fail. Decoded strings and
   blobs point into data, keyword arrays into the iterator. */
struct mdir_rec_iter {
	const uint8_t *p, *end;
	struct mdir_str kw[STORE_KEYWORDS_PER_MESSAGE_MAX];
};
int mdir_rec_parse(const uint8_t *data, size_t len, struct mdir_rec_iter *it,
		   struct err *err);
bool mdir_rec_next(struct mdir_rec_iter *it, struct mdir_op *op);

/* ---- index snapshots ---- */

#define MDIR_INDEX_MAGIC "CFIDX\x01\r\n"
#define MDIR_INDEX_HEADER_SIZE 128
#define MDIR_INDEX_RECORD_SIZE 80

struct mdir_index_header {
	uint32_t uidvalidity, uidnext, gen;
	uint64_t base_seq;	/* last log seq included */
	uint64_t highestmodseq;
	uint32_t messages, unseen, deleted, recent_next;
	uint64_t total_size;
	uint8_t guid[16];
	uint32_t keyword_count, kwset_count, expunged_count;
	uint64_t body_len;
	uint32_t body_crc;
};

/* One message in a snapshot (fixed size, 8-byte aligned fields). */
struct mdir_index_record {
	uint32_t uid, flags, kwset, cache_gen;
	uint64_t modseq, size;
	int64_t internaldate, savedate;
	uint8_t guid[16];
	uint64_t cache_off;
	uint32_t cache_len;
};

void mdir_index_header_encode(const struct mdir_index_header *h,
			      uint8_t out[MDIR_INDEX_HEADER_SIZE]);
int mdir_index_header_decode(const uint8_t *data, size_t len,
			     struct mdir_index_header *h, struct err *err);
void mdir_index_record_encode(const struct mdir_index_record *r,
			      uint8_t out[MDIR_INDEX_RECORD_SIZE]);
void mdir_index_record_decode(const uint8_t *in,
			      struct mdir_index_record *r);

/* ---- cache files: concatenated blobs, each [u32 len][u32 crc][bytes] ---- */

#define MDIR_CACHE_MAGIC "CFCCH\x01\r\n"
#define MDIR_CACHE_BLOB_HEADER 8

/* ---- message file names: "<uid>.<32 hex digits of guid>" ---- */

#define MDIR_MSG_NAME_MAX 48
void mdir_msg_name(uint32_t uid, const uint8_t guid[16],
		   char out[MDIR_MSG_NAME_MAX]);
/* Parses a message file name; returns 0 or -1 if it is not one. */
int mdir_msg_name_parse(const char *name, uint32_t *uid_r, uint8_t guid[16]);

#endif
