/* SPDX-License-Identifier: MIT */
/* Logarithmic latency histograms (see hist.h). */
#include "hist.h"

#include <string.h>

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

static unsigned
bucket_of(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v); /* e >= HIST_SUB_BITS */
	if (e > HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	/* the top HIST_SUB_BITS bits below the leading one */
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	       (unsigned)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* Lowest value and width of bucket i. */
static void
bucket_range(unsigned i, uint64_t *low_r, uint64_t *width_r)
{
	unsigned e;

	if (i < HIST_SUB) {
		*low_r = i;
		*width_r = 1;
		return;
	}
	e = i / HIST_SUB - 1 + HIST_SUB_BITS;
	*width_r = 1ull << (e - HIST_SUB_BITS);
	*low_r = (1ull << e) + (uint64_t)(i % HIST_SUB) * *width_r;
}

void
hist_record(struct hist *h, uint64_t value)
{
	h->buckets[bucket_of(value)]++;
	h->count++;
	h->sum += value;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0, low, width, v;

	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* the smallest value with at least q * count values at or below it */
	rank = (uint64_t)(q * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen < rank)
			continue;
		bucket_range(i, &low, &width);
		v = low + width / 2;
		if (v < h->min)
			v = h->min;
		if (v > h->max)
			v = h->max;
		return v;
	}
	return h->max;
}
