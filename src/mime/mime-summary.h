/* SPDX-License-Identifier: MIT */
/*
 * The cached summary of a parsed message: what IMAP FETCH and SEARCH need
 * without reparsing the message file.
 *
 * - the ENVELOPE, BODYSTRUCTURE and BODY strings (IMAP4rev1 forms);
 * - the part table: for each part its byte ranges, line count, transfer
 *   encoding, "type/subtype" and charset, and its place in the tree, so
 *   that mime_summary_find_section() resolves RFC 3501 section numbers;
 * - the parsed Date header (for SENTBEFORE/SENTON/SENTSINCE and SORT);
 * - flags (enum mime_message_flags plus MIME_SUMMARY_*).
 *
 * Blob format: "CMS" + version byte, then varints and length-prefixed
 * strings, then a CRC-32C of everything before it. A blob from disk is
 * untrusted: mime_summary_parse() checks the checksum, every length and
 * count, the tree shape, that byte ranges nest inside the message and
 * their parents, and that the IMAP strings are well-formed, and rejects
 * the blob (ERR_CORRUPT) on any doubt. A simple message takes a few
 * hundred bytes.
 *
 * Parsed summaries live in the caller's pool and are read-only; they may
 * be shared between threads.
 */
#ifndef COFFER_MIME_MIME_SUMMARY_H
#define COFFER_MIME_MIME_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/pool.h"
#include "mime/mime-part.h"

#define MIME_SUMMARY_VERSION 1
/* Most parts a blob may describe (well above any parser limit). */
#define MIME_SUMMARY_MAX_PARTS 100000

enum mime_summary_flags {
	/* (bits 0-7 are enum mime_message_flags) */
	MIME_SUMMARY_HAS_DATE = 1 << 8,
	/* some part is message/global: the cached BODY/BODYSTRUCTURE show
	   it as a basic part; IMAP4rev2 output must be regenerated */
	MIME_SUMMARY_HAS_GLOBAL = 1 << 9,
};

#define MIME_SUMMARY_NONE UINT32_MAX

struct mime_summary_part {
	uint64_t header_offset;
	uint64_t header_size;
	uint64_t body_offset; /* header_offset + header_size */
	uint64_t body_size;
	uint64_t body_lines;
	uint32_t parent;       /* index, MIME_SUMMARY_NONE for the root */
	uint32_t first_child;  /* index or MIME_SUMMARY_NONE */
	uint32_t next_sibling; /* index or MIME_SUMMARY_NONE */
	uint32_t n_children;
	/* MIME_PART_MULTIPART, _MESSAGE, _GLOBAL, _TEXT, _OPAQUE, _ROOT */
	uint32_t flags;
	enum mime_encoding encoding;
	const char *content_type; /* "type/subtype", lower case */
	const char *charset;	  /* as written, NULL if none */
};

struct mime_summary {
	const char *envelope;
	size_t envelope_len;
	const char *bodystructure;
	size_t bodystructure_len;
	const char *body;
	size_t body_len;
	uint64_t message_size;
	uint32_t flags; /* enum mime_message_flags | enum mime_summary_flags */
	int64_t date;	/* UTC seconds, valid with MIME_SUMMARY_HAS_DATE */
	int date_tz;	/* minutes east of UTC */
	/* parts in tree pre-order (= file order); parts[0] is the root */
	struct mime_summary_part *parts;
	uint32_t part_count;
};

/* Appends the blob for msg to out. Returns 0, or -1 if out's maximum was
   hit. */
int mime_summary_serialize(const struct mime_message *msg, struct buf *out);

/* Parses a complete message and appends its blob to out: the store's cache
   builder (store_settings.cache_builder has this signature). Returns 0 or
   -1. Any thread. */
int mime_summary_build(const uint8_t *msg, size_t len, struct buf *out);

/* Validates and decodes a blob. Returns 0 with *summary_r allocated from
   pool, or -1 with ERR_CORRUPT. */
int mime_summary_parse(const void *blob, size_t len, struct pool *pool,
		       struct mime_summary **summary_r, struct err *err);

enum mime_section_kind {
	MIME_SECTION_WHOLE,  /* BODY[1.2]: the part's body; [] the message */
	MIME_SECTION_HEADER, /* [HEADER], [1.2.HEADER] (message parts) */
	MIME_SECTION_TEXT,   /* [TEXT], [1.2.TEXT] (message parts) */
	MIME_SECTION_MIME,   /* [1.2.MIME]: the part's own MIME header */
};

/* Resolves a section (RFC 3501 section 6.4.5): path is "" for the message
   or part numbers like "1.2.3". HEADER and TEXT need "" or a message/rfc822
   (message/global) part; MIME needs a non-empty path. Returns 1 with the
   byte range (and the part, if part_r is not NULL), 0 if there is no such
   part or the kind does not apply to it, -1 if path is not
   nz-number *("." nz-number) (or ""). */
int mime_summary_find_section(const struct mime_summary *summary,
			      const char *path, enum mime_section_kind kind,
			      uint64_t *offset_r, uint64_t *size_r,
			      const struct mime_summary_part **part_r);

#endif
