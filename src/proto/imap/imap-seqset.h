/* SPDX-License-Identifier: MIT */
/*
 * Sequence sets (RFC 3501 section 9: sequence-set, seq-range, seq-number)
 * for message sequence numbers and UIDs.
 *
 * A parsed set is normalised: its ranges are sorted, non-overlapping and
 * non-adjacent ("5:1,3,6" becomes 1:6), with "*" replaced by the value the
 * caller gives (the number of messages, or the highest UID). Sets are
 * immutable values whose ranges live in a pool; operations build new sets
 * in O(n + m), parsing is O(n log n) in the number of ranges, membership is
 * O(log n). Nothing here is quadratic in the number of messages.
 *
 * Thread-safety: functions are reentrant; a set may be read by several
 * threads once built.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_SEQSET_H
#define COFFER_PROTO_IMAP_IMAP_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/pool.h"

/* Ranges a parsed set may have unless the caller says otherwise. */
#define IMAP_SEQSET_DEFAULT_MAX_RANGES 100000

struct imap_seq_range {
	uint32_t lo, hi; /* 1 <= lo <= hi */
};

struct imap_seqset {
	const struct imap_seq_range *ranges;
	size_t count;
	/* RFC 5182: the set was "$", the saved search result; ranges is
	   empty and the caller substitutes the saved set */
	bool dollar;
};

enum imap_seqset_flags {
	IMAP_SEQSET_FLAG_DOLLAR = 0x01,	 /* accept "$" (SEARCHRES) */
	IMAP_SEQSET_FLAG_NO_STAR = 0x02, /* refuse "*" (RFC 7162 known-uids) */
};

/* Syntax check only: str[0..len) is a sequence-set (or "$" with
   IMAP_SEQSET_FLAG_DOLLAR) with at most max_ranges ranges (0: default). */
bool imap_seqset_is_valid(const char *str, size_t len, unsigned flags,
			  size_t max_ranges);

/* Parses and normalises str[0..len). `star` is the value of "*"; with
   star == 0 (an empty mailbox) a "*" is an error. Numbers need not be
   <= star: RFC 3501 section 9 makes "3291:*" include the UID of the last
   message even when it is lower, and UID sets may name UIDs that do not
   exist. Returns 0, or -1 with a message for the client in *error_r. */
int imap_seqset_parse(struct pool *pool, const char *str, size_t len,
		      uint32_t star, unsigned flags, size_t max_ranges,
		      struct imap_seqset *set_r, const char **error_r);

/* Normalises arbitrary ranges (lo > hi is accepted and swapped; 0 values
   are dropped). The input is not modified. */
void imap_seqset_from_ranges(struct pool *pool,
			     const struct imap_seq_range *ranges, size_t n,
			     struct imap_seqset *set_r);
/* Builds a set from values in any order, e.g. search results. */
void imap_seqset_from_values(struct pool *pool, const uint32_t *values,
			     size_t n, struct imap_seqset *set_r);
static inline void
imap_seqset_init_empty(struct imap_seqset *set)
{
	set->ranges = NULL;
	set->count = 0;
	set->dollar = false;
}

bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n);
/* Number of values in the set. */
uint64_t imap_seqset_count(const struct imap_seqset *set);
static inline bool
imap_seqset_is_empty(const struct imap_seqset *set)
{
	return set->count == 0;
}
/* Smallest and largest values; 0 for an empty set. */
uint32_t imap_seqset_min(const struct imap_seqset *set);
uint32_t imap_seqset_max(const struct imap_seqset *set);

void imap_seqset_union(struct pool *pool, const struct imap_seqset *a,
		       const struct imap_seqset *b, struct imap_seqset *set_r);
void imap_seqset_intersect(struct pool *pool, const struct imap_seqset *a,
			   const struct imap_seqset *b,
			   struct imap_seqset *set_r);
/* a minus b */
void imap_seqset_subtract(struct pool *pool, const struct imap_seqset *a,
			  const struct imap_seqset *b,
			  struct imap_seqset *set_r);

/* Appends the compact form ("1:5,7,9:12") for COPYUID, VANISHED and
   ESEARCH ALL; nothing for an empty set. Returns -1 if out is full. */
int imap_seqset_append(const struct imap_seqset *set, struct buf *out);

/* Ascending iteration:
	struct imap_seqset_iter it;
	uint32_t n;
	imap_seqset_iter_init(&it, set);
	while (imap_seqset_iter_next(&it, &n)) ... */
struct imap_seqset_iter {
	const struct imap_seqset *set;
	size_t idx;
	uint64_t next;
};
void imap_seqset_iter_init(struct imap_seqset_iter *it,
			   const struct imap_seqset *set);
bool imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *n_r);

#endif
