/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for sequence sets. The first four bytes give "*"; the rest
 * is parsed. Accepted sets must be normalised, survive a round trip
 * through their string form, and obey the set algebra identities.
 */
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-seqset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
same(const struct imap_seqset *a, const struct imap_seqset *b)
{
	return a->count == b->count &&
	       (a->count == 0 || memcmp(a->ranges, b->ranges,
					a->count * sizeof(a->ranges[0])) == 0);
}

static void
check(struct pool *pool, const struct imap_seqset *set)
{
	struct imap_seqset back, u, x, d, half;
	struct buf str = BUF_INIT;
	const char *error;

	for (size_t i = 0; i < set->count; i++) {
		if (set->ranges[i].lo == 0 ||
		    set->ranges[i].lo > set->ranges[i].hi)
			abort();
		if (i > 0 &&
		    (uint64_t)set->ranges[i - 1].hi + 1 >= set->ranges[i].lo)
			abort();
	}
	if (set->count > 0) {
		if (!imap_seqset_contains(set, imap_seqset_min(set)) ||
		    !imap_seqset_contains(set, imap_seqset_max(set)))
			abort();
		imap_seqset_append(set, &str);
		if (imap_seqset_parse(pool, (const char *)str.data, str.len, 1,
				      0, 0, &back, &error) < 0 ||
		    !same(set, &back))
			abort();
	}
	buf_free(&str);
	imap_seqset_union(pool, set, set, &u);
	imap_seqset_intersect(pool, set, set, &x);
	imap_seqset_subtract(pool, set, set, &d);
	if (!same(set, &u) || !same(set, &x) || d.count != 0)
		abort();
	/* every other range: union and difference partition the set */
	imap_seqset_from_ranges(pool, set->ranges, set->count / 2, &half);
	imap_seqset_subtract(pool, set, &half, &d);
	imap_seqset_union(pool, &d, &half, &u);
	imap_seqset_intersect(pool, &d, &half, &x);
	if (!same(set, &u) || x.count != 0 ||
	    imap_seqset_count(&d) + imap_seqset_count(&half) !=
		imap_seqset_count(set))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool;
	struct imap_seqset set;
	const char *error;
	uint32_t star;

	if (size < 4)
		return 0;
	memcpy(&star, data, 4);
	pool = pool_create(4096);
	if (imap_seqset_parse(pool, (const char *)data + 4, size - 4, star,
			      IMAP_SEQSET_FLAG_DOLLAR, 1000, &set,
			      &error) == 0) {
		if (!imap_seqset_is_valid((const char *)data + 4, size - 4,
					  IMAP_SEQSET_FLAG_DOLLAR, 1000))
			abort();
		check(pool, &set);
	}
	pool_destroy(&pool);
	return 0;
}
