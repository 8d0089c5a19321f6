/* SPDX-License-Identifier: MIT */
/*
 * Message flags (RFC 3501 section 2.3.2, section 9 flag, flag-list) and the
 * arguments of STORE / UID STORE (RFC 3501 section 6.4.6, RFC 4466 store
 * modifiers, RFC 7162 UNCHANGEDSINCE).
 *
 * System flags become bits; keywords (flag-keyword = atom) are validated,
 * bounded to IMAP_KEYWORD_MAX bytes and de-duplicated case-insensitively,
 * keeping the client's spelling of the first occurrence. Flag names must be
 * atoms: quoted strings and literals are refused. "\Recent" cannot be
 * stored or appended (section 2.3.2) and "\" followed by anything but the
 * five storable system flags is refused: RFC 3501 reserves flag-extension
 * for future standards, none of which this server implements.
 *
 * Parsed data lives in the pool passed in. Reentrant.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_FLAGS_H
#define COFFER_PROTO_IMAP_IMAP_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-arg.h"

#define IMAP_KEYWORD_MAX 128

enum imap_flag {
	IMAP_FLAG_SEEN = 0x01,
	IMAP_FLAG_ANSWERED = 0x02,
	IMAP_FLAG_FLAGGED = 0x04,
	IMAP_FLAG_DELETED = 0x08,
	IMAP_FLAG_DRAFT = 0x10,
	IMAP_FLAG_RECENT = 0x20, /* output only */
};
#define IMAP_FLAGS_STORABLE 0x1f

struct imap_flags {
	unsigned system; /* enum imap_flag bits */
	const char *const *keywords;
	size_t keyword_count;
};

/* flag-keyword: an atom of at most IMAP_KEYWORD_MAX bytes. */
bool imap_flag_keyword_is_valid(const char *s, size_t len);
/* "\Seen" etc. for one bit, NULL otherwise. */
const char *imap_flag_name(enum imap_flag flag);

/* Parses flags given as separate arguments: the elements of a flag-list,
   or the "flag *(SP flag)" form of STORE. Returns 0, or -1 with a message
   for the client (BAD) in *error_r. */
int imap_flags_parse(struct pool *pool, const struct imap_arg *args,
		     size_t count, struct imap_flags *flags_r,
		     const char **error_r);
/* Parses one flag-list argument "(" [flag *(SP flag)] ")", as in APPEND. */
int imap_flags_parse_list(struct pool *pool, const struct imap_arg *arg,
			  struct imap_flags *flags_r, const char **error_r);
/* Appends "(\Seen \Recent keyword ...)" as in a FETCH FLAGS response. */
int imap_flags_append(struct buf *out, const struct imap_flags *flags);

enum imap_store_mode {
	IMAP_STORE_REPLACE, /* FLAGS */
	IMAP_STORE_ADD,	    /* +FLAGS */
	IMAP_STORE_REMOVE,  /* -FLAGS */
};

struct imap_store_request {
	enum imap_store_mode mode;
	bool silent; /* .SILENT */
	struct imap_flags flags;
	/* RFC 7162 section 3.1.3: store-modifier UNCHANGEDSINCE */
	bool unchangedsince_set;
	uint64_t unchangedsince;
	uint32_t ext; /* enum imap_ext bits the request relies on */
};

/* Parses the STORE arguments that follow the sequence set:
     [store-modifiers] SP store-att-flags SP (flag-list / flag *(SP flag))
   Returns 0, or -1 with a message for the client (BAD) in *error_r. */
int imap_store_parse(struct pool *pool, const struct imap_arg *args,
		     size_t count, struct imap_store_request *req_r,
		     const char **error_r);

/* mod-sequence-value (RFC 7162 section 7): 1..2^63-1; with allow_zero
   also "0" (mod-sequence-valzer). */
bool imap_arg_get_modseq(const struct imap_arg *arg, bool allow_zero,
			 uint64_t *modseq_r);

#endif
