/* SPDX-License-Identifier: MIT */
/*
 * SEARCH / UID SEARCH programs (RFC 3501 section 6.4.4; RFC 4466 section
 * 2.6 extended syntax; RFC 9051 number64 sizes) parsed into an AST.
 *
 * Extension syntax is accepted whether or not the server offers the
 * extension; each program carries the enum imap_ext bits it needs so the
 * server can answer BAD for what it does not advertise:
 *   MODSEQ (RFC 7162, CONDSTORE), OLDER / YOUNGER (RFC 5032, WITHIN),
 *   SAVEDBEFORE / SAVEDON / SAVEDSINCE / SAVEDATESUPPORTED (RFC 8514,
 *   SAVEDATE), "$" (RFC 5182, SEARCHRES), RETURN (MIN MAX ALL COUNT)
 *   (RFC 4731, ESEARCH), RETURN (SAVE) (RFC 5182), EMAILID / THREADID
 *   (RFC 8474, OBJECTID).
 *
 * The AST is ready to evaluate: dates are time values, strings are
 * validated UTF-8 bytes, sequence sets are syntax-checked (their "*" is
 * resolved at execution time with imap_seqset_parse()), header names and
 * keywords are validated. Nesting depth and node count are bounded.
 *
 * Memory comes from the pool given; argument strings are referenced, not
 * copied, so the AST lives as long as the parsed command. Reentrant.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_SEARCH_PARSE_H
#define COFFER_PROTO_IMAP_IMAP_SEARCH_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-arg.h"

/* What to put in [BADCHARSET (...)] (RFC 3501 section 7.1). */
#define IMAP_SEARCH_CHARSETS "US-ASCII UTF-8"

enum imap_search_key_type {
	/* no argument */
	IMAP_SEARCH_ALL,
	IMAP_SEARCH_ANSWERED,
	IMAP_SEARCH_DELETED,
	IMAP_SEARCH_DRAFT,
	IMAP_SEARCH_FLAGGED,
	IMAP_SEARCH_NEW,
	IMAP_SEARCH_OLD,
	IMAP_SEARCH_RECENT,
	IMAP_SEARCH_SEEN,
	IMAP_SEARCH_UNANSWERED,
	IMAP_SEARCH_UNDELETED,
	IMAP_SEARCH_UNDRAFT,
	IMAP_SEARCH_UNFLAGGED,
	IMAP_SEARCH_UNSEEN,
	IMAP_SEARCH_SAVEDATESUPPORTED,
	/* u.str: a keyword */
	IMAP_SEARCH_KEYWORD,
	IMAP_SEARCH_UNKEYWORD,
	/* u.str: a substring, UTF-8 */
	IMAP_SEARCH_BCC,
	IMAP_SEARCH_BODY,
	IMAP_SEARCH_CC,
	IMAP_SEARCH_FROM,
	IMAP_SEARCH_SUBJECT,
	IMAP_SEARCH_TEXT,
	IMAP_SEARCH_TO,
	/* u.header */
	IMAP_SEARCH_HEADER,
	/* u.date: 00:00:00 UTC of the day */
	IMAP_SEARCH_BEFORE,
	IMAP_SEARCH_ON,
	IMAP_SEARCH_SINCE,
	IMAP_SEARCH_SENTBEFORE,
	IMAP_SEARCH_SENTON,
	IMAP_SEARCH_SENTSINCE,
	IMAP_SEARCH_SAVEDBEFORE,
	IMAP_SEARCH_SAVEDON,
	IMAP_SEARCH_SAVEDSINCE,
	/* u.number: octets */
	IMAP_SEARCH_LARGER,
	IMAP_SEARCH_SMALLER,
	/* u.number: seconds */
	IMAP_SEARCH_OLDER,
	IMAP_SEARCH_YOUNGER,
	/* u.seqset */
	IMAP_SEARCH_SEQSET,
	IMAP_SEARCH_UID,
	/* u.modseq */
	IMAP_SEARCH_MODSEQ,
	/* u.str: an objectid */
	IMAP_SEARCH_EMAILID,
	IMAP_SEARCH_THREADID,
	/* u.list: NOT has one key, OR two, AND one or more */
	IMAP_SEARCH_NOT,
	IMAP_SEARCH_OR,
	IMAP_SEARCH_AND,
};

enum imap_search_modseq_entry {
	IMAP_SEARCH_MODSEQ_ALL,	   /* "all", or no entry given */
	IMAP_SEARCH_MODSEQ_PRIV,   /* "priv" */
	IMAP_SEARCH_MODSEQ_SHARED, /* "shared" */
};

struct imap_search_key {
	enum imap_search_key_type type;
	union {
		struct {
			const char *data;
			size_t len;
		} str;
		struct {
			const char *field; /* RFC 5322 field name */
			const char *value; /* UTF-8, may be empty */
			size_t value_len;
		} header;
		int64_t date;
		uint64_t number;
		struct {
			const char *set; /* sequence-set syntax, or "$" */
			size_t len;
			bool dollar;
		} seqset;
		struct {
			uint64_t modseq;
			/* the flag of "/flags/<flag>" or NULL */
			const char *flag;
			enum imap_search_modseq_entry entry;
		} modseq;
		struct {
			struct imap_search_key *keys;
			size_t count;
		} list;
	} u;
};

enum imap_search_return {
	IMAP_SEARCH_RETURN_MIN = 0x01,
	IMAP_SEARCH_RETURN_MAX = 0x02,
	IMAP_SEARCH_RETURN_ALL = 0x04,
	IMAP_SEARCH_RETURN_COUNT = 0x08,
	IMAP_SEARCH_RETURN_SAVE = 0x10,
};

struct imap_search_program {
	struct imap_search_key *root; /* IMAP_SEARCH_AND of the keys */
	/* RETURN (...) was given (RFC 4466 section 2.6.1); "RETURN ()"
	   means ALL (RFC 4731 section 3.1) */
	bool has_return;
	unsigned return_opts; /* enum imap_search_return */
	/* canonical "US-ASCII" or "UTF-8", NULL if CHARSET was absent */
	const char *charset;
	uint32_t ext;	/* enum imap_ext bits needed */
	unsigned nodes; /* keys in the AST */
};

/* Zero fields take the defaults in brackets. */
struct imap_search_settings {
	unsigned max_depth; /* nesting of (), NOT and OR [128] */
	unsigned max_nodes; /* keys in the program [10000] */
	/* UTF8=ACCEPT is enabled: CHARSET is refused with BAD (RFC 6855
	   section 3) and strings are UTF-8 */
	bool utf8;
};

enum imap_search_parse_result {
	IMAP_SEARCH_PARSE_OK = 0,
	IMAP_SEARCH_PARSE_BAD = -1,	   /* tagged BAD *error_r */
	IMAP_SEARCH_PARSE_BADCHARSET = -2, /* tagged NO [BADCHARSET (...)] */
};

/* Parses the arguments that follow SEARCH or UID SEARCH:
     [RETURN (...)] [CHARSET charset] search-key *(SP search-key)
   On failure *error_r is a message for the client (no client bytes). */
enum imap_search_parse_result
imap_search_parse(struct pool *pool, const struct imap_arg *args, size_t count,
		  const struct imap_search_settings *set,
		  struct imap_search_program **program_r, const char **error_r);

/* Appends the program in canonical IMAP syntax (one AND level flattened,
   strings quoted as needed), for logs and tests. Parsing the output again
   gives the same AST. Returns -1 if out is full. */
int imap_search_program_append(struct buf *out,
			       const struct imap_search_program *program);

#endif
