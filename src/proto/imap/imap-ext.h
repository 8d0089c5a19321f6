/* SPDX-License-Identifier: MIT */
/*
 * IMAP extensions whose syntax the parsers of this library understand. The
 * SEARCH, FETCH, STORE and LIST parsers accept extension syntax
 * unconditionally and report, as a bit mask of these values, which
 * extensions a parsed request relies on. The server compares that mask with
 * what it advertises (and what the client has ENABLEd) and answers BAD for
 * the rest, so supporting a new extension never means re-parsing.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_EXT_H
#define COFFER_PROTO_IMAP_IMAP_EXT_H

#include <stdint.h>

enum imap_ext {
	IMAP_EXT_CONDSTORE = 1u << 0,	  /* RFC 7162: MODSEQ, CHANGEDSINCE,
					     UNCHANGEDSINCE */
	IMAP_EXT_QRESYNC = 1u << 1,	  /* RFC 7162: VANISHED modifier */
	IMAP_EXT_BINARY = 1u << 2,	  /* RFC 3516: BINARY[], literal8 */
	IMAP_EXT_OBJECTID = 1u << 3,	  /* RFC 8474: EMAILID, THREADID */
	IMAP_EXT_SAVEDATE = 1u << 4,	  /* RFC 8514: SAVEDATE, SAVED* keys */
	IMAP_EXT_PREVIEW = 1u << 5,	  /* RFC 8970: PREVIEW */
	IMAP_EXT_WITHIN = 1u << 6,	  /* RFC 5032: OLDER, YOUNGER */
	IMAP_EXT_SEARCHRES = 1u << 7,	  /* RFC 5182: "$", RETURN (SAVE) */
	IMAP_EXT_ESEARCH = 1u << 8,	  /* RFC 4731: SEARCH RETURN (...) */
	IMAP_EXT_LIST_EXTENDED = 1u << 9, /* RFC 5258 */
	IMAP_EXT_LIST_STATUS = 1u << 10,  /* RFC 5819: RETURN (STATUS (...)) */
	IMAP_EXT_SPECIAL_USE = 1u << 11,  /* RFC 6154: SPECIAL-USE option */
};

/* Name of a single extension bit as a capability ("CONDSTORE"), or NULL
   for a value that is not exactly one known bit. Thread-safe. */
const char *imap_ext_name(uint32_t ext);

#endif
