/* SPDX-License-Identifier: MIT */
/*
 * FETCH / UID FETCH data items (RFC 3501 section 6.4.5 and section 9
 * fetch-att, section, partial), macros, and fetch modifiers (RFC 4466
 * section 2.4). Extension items are always parsed and flagged with the
 * enum imap_ext bit they need:
 *   BINARY[.PEEK][<part>]<partial>, BINARY.SIZE[<part>] (RFC 3516, BINARY);
 *   MODSEQ and the CHANGEDSINCE modifier (RFC 7162, CONDSTORE);
 *   the VANISHED modifier (RFC 7162, QRESYNC; UID FETCH only, with
 *   CHANGEDSINCE); EMAILID, THREADID (RFC 8474, OBJECTID); SAVEDATE
 *   (RFC 8514, SAVEDATE); PREVIEW [(LAZY)] (RFC 8970, PREVIEW).
 *
 * Section part numbers are nz-numbers, at most IMAP_FETCH_MAX_PARTS deep;
 * partial offsets and lengths are 32-bit numbers (RFC 3501 section 9),
 * kept as 64-bit values so offset + length never overflows. HEADER.FIELDS
 * names are validated RFC 5322 field names.
 *
 * Results live in the pool; header names reference the parsed command's
 * strings. Reentrant.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_FETCH_PARSE_H
#define COFFER_PROTO_IMAP_IMAP_FETCH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-arg.h"

#define IMAP_FETCH_MAX_PARTS 100

enum imap_fetch_att {
	IMAP_FETCH_ENVELOPE,
	IMAP_FETCH_FLAGS,
	IMAP_FETCH_INTERNALDATE,
	IMAP_FETCH_RFC822,	  /* = BODY[], sets \Seen */
	IMAP_FETCH_RFC822_HEADER, /* = BODY.PEEK[HEADER] */
	IMAP_FETCH_RFC822_SIZE,
	IMAP_FETCH_RFC822_TEXT, /* = BODY[TEXT], sets \Seen */
	IMAP_FETCH_BODY,	/* non-extensible BODYSTRUCTURE */
	IMAP_FETCH_BODYSTRUCTURE,
	IMAP_FETCH_UID,
	IMAP_FETCH_BODY_SECTION, /* BODY[...] and BODY.PEEK[...] */
	IMAP_FETCH_BINARY,	 /* BINARY[...] and BINARY.PEEK[...] */
	IMAP_FETCH_BINARY_SIZE,
	IMAP_FETCH_MODSEQ,
	IMAP_FETCH_EMAILID,
	IMAP_FETCH_THREADID,
	IMAP_FETCH_SAVEDATE,
	IMAP_FETCH_PREVIEW,
};

enum imap_fetch_section_text {
	IMAP_SECTION_ALL, /* BODY[] or BODY[1.2]: the whole part */
	IMAP_SECTION_HEADER,
	IMAP_SECTION_HEADER_FIELDS,
	IMAP_SECTION_HEADER_FIELDS_NOT,
	IMAP_SECTION_TEXT,
	IMAP_SECTION_MIME, /* only after a part number */
};

struct imap_fetch_section {
	const uint32_t *parts; /* section-part, may be empty */
	size_t part_count;
	enum imap_fetch_section_text text;
	const char *const *fields; /* HEADER.FIELDS [.NOT] names */
	size_t field_count;
};

struct imap_fetch_item {
	enum imap_fetch_att att;
	bool peek; /* BODY.PEEK / BINARY.PEEK */
	struct imap_fetch_section section;
	bool partial; /* "<" number "." nz-number ">" */
	uint64_t partial_offset;
	uint64_t partial_count;
	bool preview_lazy; /* PREVIEW (LAZY) */
	uint32_t ext;	   /* enum imap_ext bits of this item */
};

struct imap_fetch_request {
	struct imap_fetch_item *items;
	size_t count;
	/* an item implicitly sets \Seen (RFC 3501 section 6.4.5) */
	bool sets_seen;
	/* RFC 7162 section 3.1.4: CHANGEDSINCE modifier */
	bool changedsince_set;
	uint64_t changedsince;
	/* RFC 7162 section 3.2.6: VANISHED modifier */
	bool vanished;
	uint32_t ext; /* all enum imap_ext bits needed */
};

/* Parses the FETCH arguments after the sequence set. `uid` tells UID FETCH
   (VANISHED is only allowed there). Returns 0, or -1 with a message for
   the client (BAD) in *error_r. */
int imap_fetch_parse(struct pool *pool, const struct imap_arg *args,
		     size_t count, bool uid, struct imap_fetch_request **req_r,
		     const char **error_r);

/* Appends the item's name as it appears in the FETCH response: BODY.PEEK
   becomes BODY, a partial shows only its origin ("BODY[TEXT]<0>"),
   header names are written as astrings (RFC 3501 section 7.4.2). */
int imap_fetch_item_append_name(struct buf *out,
				const struct imap_fetch_item *item);

#endif
