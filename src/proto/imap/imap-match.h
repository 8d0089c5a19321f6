/* SPDX-License-Identifier: MIT */
/*
 * LIST / LSUB pattern matching (RFC 3501 section 6.3.8): "*" matches zero or
 * more characters, "%" the same except the hierarchy separator. A pattern is
 * compiled once into a bit-parallel automaton and then matched against any
 * number of names in O(name length x pattern length / 64): no backtracking,
 * so "*a*a*a*a*b" costs the same as "*".
 *
 * INBOX (RFC 3501 section 5.1): when a name starts with "INBOX" in any case,
 * followed by its end or the separator, those five characters match the
 * pattern case-insensitively; everything else is case-sensitive. Patterns
 * and names are compared byte by byte, so both must use the same encoding
 * (modified UTF-7 or UTF-8).
 *
 * A compiled pattern lives in a pool and is immutable: any number of
 * threads may match with it.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_MATCH_H
#define COFFER_PROTO_IMAP_IMAP_MATCH_H

#include <stddef.h>
#include "lib/pool.h"

/* Longest pattern (after joining the reference) we compile. */
#define IMAP_MATCH_MAX_PATTERN 1024

enum imap_match_result {
	IMAP_MATCH_NO = 0,
	IMAP_MATCH_YES = 0x01,	    /* the name matches */
	IMAP_MATCH_CHILDREN = 0x02, /* some name "<name><sep>..." can match */
};

struct imap_match;

/* Compiles a pattern. Returns NULL if it is longer than
   IMAP_MATCH_MAX_PATTERN (answer BAD). */
struct imap_match *imap_match_create(struct pool *pool, const char *pattern,
				     size_t len, char sep);
/* Joins a LIST reference and mailbox pattern into the canonical form and
   compiles it. This server has no break-out characters, so the canonical
   form is the reference followed by the pattern (RFC 3501 section 6.3.8:
   "the canonical form is normally the reference name appended with the
   mailbox name"); clients send references ending in the separator. */
struct imap_match *imap_match_create_ref(struct pool *pool, const char *ref,
					 size_t ref_len, const char *pattern,
					 size_t pattern_len, char sep);

/* Returns enum imap_match_result bits for name[0..len). */
unsigned imap_match(const struct imap_match *match, const char *name,
		    size_t len);

#endif
