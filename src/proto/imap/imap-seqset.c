/* SPDX-License-Identifier: MIT */
/* Sequence sets: parsing, normalisation and set algebra. */
#include "proto/imap/imap-seqset.h"
#include "lib/str.h"

#include <stdlib.h>
#include <string.h>

/* seq-number = nz-number / "*"; nz-number = digit-nz *DIGIT, a non-zero
   unsigned 32-bit integer (RFC 3501 section 9). Returns the number of
   bytes used, 0 on a syntax error. *value_r = 0 stands for "*". */
static size_t
parse_seq_number(const char *s, size_t len, uint32_t *value_r)
{
	uint64_t v = 0;
	size_t i;

	if (len > 0 && s[0] == '*') {
		*value_r = 0;
		return 1;
	}
	if (len == 0 || s[0] < '1' || s[0] > '9')
		return 0;
	for (i = 0; i < len && ascii_isdigit(s[i]); i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	*value_r = (uint32_t)v;
	return i;
}

/* Walks the set once: validates it and counts ranges; with `out` also
   stores them (raw, "*" as 0). Returns the range count or -1. */
static long
scan_set(const char *s, size_t len, unsigned flags, size_t max_ranges,
	 struct imap_seq_range *out, const char **error_r)
{
	size_t pos = 0, count = 0;

	for (;;) {
		uint32_t lo, hi;
		size_t n = parse_seq_number(s + pos, len - pos, &lo);

		if (n == 0)
			goto invalid;
		pos += n;
		hi = lo;
		if (pos < len && s[pos] == ':') {
			pos++;
			n = parse_seq_number(s + pos, len - pos, &hi);
			if (n == 0)
				goto invalid;
			pos += n;
		}
		if ((lo == 0 || hi == 0) &&
		    (flags & IMAP_SEQSET_FLAG_NO_STAR) != 0) {
			*error_r = "'*' not allowed in this sequence set";
			return -1;
		}
		if (++count > max_ranges) {
			*error_r = "Too many ranges in sequence set";
			return -1;
		}
		if (out != NULL) {
			out[count - 1].lo = lo;
			out[count - 1].hi = hi;
		}
		if (pos == len)
			return (long)count;
		if (s[pos++] != ',')
			goto invalid;
	}
invalid:
	*error_r = "Invalid sequence set";
	return -1;
}

static bool
is_dollar(const char *s, size_t len, unsigned flags)
{
	/* RFC 5182 section 3: seq-last-command = "$", a whole set */
	return (flags & IMAP_SEQSET_FLAG_DOLLAR) != 0 && len == 1 &&
	       s[0] == '$';
}

bool
imap_seqset_is_valid(const char *str, size_t len, unsigned flags,
		     size_t max_ranges)
{
	const char *error;

	if (max_ranges == 0)
		max_ranges = IMAP_SEQSET_DEFAULT_MAX_RANGES;
	return is_dollar(str, len, flags) ||
	       scan_set(str, len, flags, max_ranges, NULL, &error) > 0;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct imap_seq_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/* Sorts r[0..n) (each lo <= hi) and merges overlapping and adjacent
   ranges in place; returns the new count. */
static size_t
normalise(struct imap_seq_range *r, size_t n)
{
	size_t out = 0;

	if (n == 0)
		return 0;
	qsort(r, n, sizeof(*r), cmp_range);
	for (size_t i = 1; i < n; i++) {
		if ((uint64_t)r[out].hi + 1 >= r[i].lo) {
			if (r[i].hi > r[out].hi)
				r[out].hi = r[i].hi;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

int
imap_seqset_parse(struct pool *pool, const char *str, size_t len, uint32_t star,
		  unsigned flags, size_t max_ranges, struct imap_seqset *set_r,
		  const char **error_r)
{
	struct imap_seq_range *r;
	long count;

	imap_seqset_init_empty(set_r);
	if (max_ranges == 0)
		max_ranges = IMAP_SEQSET_DEFAULT_MAX_RANGES;
	if (is_dollar(str, len, flags)) {
		set_r->dollar = true;
		return 0;
	}
	/* count first, so the allocation is bounded by max_ranges */
	count = scan_set(str, len, flags, max_ranges, NULL, error_r);
	if (count < 0)
		return -1;
	r = pool_alloc_array(pool, (size_t)count, sizeof(*r));
	scan_set(str, len, flags, max_ranges, r, error_r);
	for (long i = 0; i < count; i++) {
		if (r[i].lo == 0 || r[i].hi == 0) {
			if (star == 0) {
				*error_r = "'*' used with no messages";
				return -1;
			}
			if (r[i].lo == 0)
				r[i].lo = star;
			if (r[i].hi == 0)
				r[i].hi = star;
		}
		/* RFC 3501 section 9: "2:4 and 4:2 are equivalent" */
		if (r[i].lo > r[i].hi) {
			uint32_t t = r[i].lo;

			r[i].lo = r[i].hi;
			r[i].hi = t;
		}
	}
	set_r->ranges = r;
	set_r->count = normalise(r, (size_t)count);
	return 0;
}

void
imap_seqset_from_ranges(struct pool *pool, const struct imap_seq_range *in,
			size_t n, struct imap_seqset *set_r)
{
	struct imap_seq_range *r = pool_alloc_array(pool, n, sizeof(*r));
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t lo = in[i].lo < in[i].hi ? in[i].lo : in[i].hi;
		uint32_t hi = in[i].lo < in[i].hi ? in[i].hi : in[i].lo;

		if (lo == 0)
			lo = 1;
		if (hi == 0)
			continue;
		r[count].lo = lo;
		r[count++].hi = hi;
	}
	imap_seqset_init_empty(set_r);
	set_r->ranges = r;
	set_r->count = normalise(r, count);
}

void
imap_seqset_from_values(struct pool *pool, const uint32_t *values, size_t n,
			struct imap_seqset *set_r)
{
	struct imap_seq_range *r = pool_alloc_array(pool, n, sizeof(*r));
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		if (values[i] == 0)
			continue;
		r[count].lo = r[count].hi = values[i];
		count++;
	}
	imap_seqset_init_empty(set_r);
	set_r->ranges = r;
	set_r->count = normalise(r, count);
}

bool
imap_seqset_contains(const struct imap_seqset *set, uint32_t n)
{
	size_t lo = 0, hi = set->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (n < set->ranges[mid].lo)
			hi = mid;
		else if (n > set->ranges[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint64_t
imap_seqset_count(const struct imap_seqset *set)
{
	uint64_t total = 0;

	for (size_t i = 0; i < set->count; i++)
		total += (uint64_t)set->ranges[i].hi - set->ranges[i].lo + 1;
	return total;
}

uint32_t
imap_seqset_min(const struct imap_seqset *set)
{
	return set->count == 0 ? 0 : set->ranges[0].lo;
}

uint32_t
imap_seqset_max(const struct imap_seqset *set)
{
	return set->count == 0 ? 0 : set->ranges[set->count - 1].hi;
}

/* Appends [lo, hi] to r[0..*n), merging with the last range. */
static void
push_range(struct imap_seq_range *r, size_t *n, uint32_t lo, uint32_t hi)
{
	if (*n > 0 && (uint64_t)r[*n - 1].hi + 1 >= lo) {
		if (hi > r[*n - 1].hi)
			r[*n - 1].hi = hi;
		return;
	}
	r[*n].lo = lo;
	r[*n].hi = hi;
	*n += 1;
}

void
imap_seqset_union(struct pool *pool, const struct imap_seqset *a,
		  const struct imap_seqset *b, struct imap_seqset *set_r)
{
	struct imap_seq_range *r =
	    pool_alloc_array(pool, a->count + b->count, sizeof(*r));
	size_t i = 0, j = 0, n = 0;

	while (i < a->count || j < b->count) {
		const struct imap_seq_range *next;

		if (j == b->count ||
		    (i < a->count && a->ranges[i].lo <= b->ranges[j].lo))
			next = &a->ranges[i++];
		else
			next = &b->ranges[j++];
		push_range(r, &n, next->lo, next->hi);
	}
	imap_seqset_init_empty(set_r);
	set_r->ranges = r;
	set_r->count = n;
}

void
imap_seqset_intersect(struct pool *pool, const struct imap_seqset *a,
		      const struct imap_seqset *b, struct imap_seqset *set_r)
{
	/* each output range ends one input range: at most |a| + |b| */
	struct imap_seq_range *r =
	    pool_alloc_array(pool, a->count + b->count, sizeof(*r));
	size_t i = 0, j = 0, n = 0;

	while (i < a->count && j < b->count) {
		const struct imap_seq_range *x = &a->ranges[i];
		const struct imap_seq_range *y = &b->ranges[j];
		uint32_t lo = x->lo > y->lo ? x->lo : y->lo;
		uint32_t hi = x->hi < y->hi ? x->hi : y->hi;

		if (lo <= hi)
			push_range(r, &n, lo, hi);
		if (x->hi < y->hi)
			i++;
		else
			j++;
	}
	imap_seqset_init_empty(set_r);
	set_r->ranges = r;
	set_r->count = n;
}

void
imap_seqset_subtract(struct pool *pool, const struct imap_seqset *a,
		     const struct imap_seqset *b, struct imap_seqset *set_r)
{
	/* every b range splits at most one a range in two */
	struct imap_seq_range *r =
	    pool_alloc_array(pool, a->count + b->count, sizeof(*r));
	size_t j = 0, n = 0;

	for (size_t i = 0; i < a->count; i++) {
		uint64_t lo = a->ranges[i].lo;
		uint32_t hi = a->ranges[i].hi;

		while (j < b->count && b->ranges[j].hi < lo)
			j++;
		for (size_t k = j; k < b->count && b->ranges[k].lo <= hi; k++) {
			if (b->ranges[k].lo > lo)
				push_range(r, &n, (uint32_t)lo,
					   b->ranges[k].lo - 1);
			lo = (uint64_t)b->ranges[k].hi + 1;
			if (lo > hi)
				break;
			j = k;
		}
		if (lo <= hi)
			push_range(r, &n, (uint32_t)lo, hi);
	}
	imap_seqset_init_empty(set_r);
	set_r->ranges = r;
	set_r->count = n;
}

int
imap_seqset_append(const struct imap_seqset *set, struct buf *out)
{
	for (size_t i = 0; i < set->count; i++) {
		const struct imap_seq_range *r = &set->ranges[i];
		int ret;

		if (r->lo == r->hi)
			ret = buf_printf(out, "%s%u", i > 0 ? "," : "", r->lo);
		else
			ret = buf_printf(out, "%s%u:%u", i > 0 ? "," : "",
					 r->lo, r->hi);
		if (ret < 0)
			return -1;
	}
	return 0;
}

void
imap_seqset_iter_init(struct imap_seqset_iter *it,
		      const struct imap_seqset *set)
{
	it->set = set;
	it->idx = 0;
	it->next = set->count > 0 ? set->ranges[0].lo : 0;
}

bool
imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *n_r)
{
	if (it->idx >= it->set->count)
		return false;
	*n_r = (uint32_t)it->next;
	if (it->next == it->set->ranges[it->idx].hi) {
		if (++it->idx < it->set->count)
			it->next = it->set->ranges[it->idx].lo;
	} else {
		it->next++;
	}
	return true;
}
