/* SPDX-License-Identifier: MIT */
/*
 * Latency histograms with logarithmic buckets (HDR style): values below
 * 64 have a bucket each; above, every power of two is split into 64
 * buckets, so a percentile is off by at most 1/64 (1.6 %). Values are
 * microseconds; anything beyond 2^40 us (12 days) lands in the last
 * bucket. Recording is O(1) and allocation-free. Not thread-safe (the
 * load generator is single-threaded).
 */
#ifndef COFFER_BENCH_HIST_H
#define COFFER_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_EXP 40
#define HIST_BUCKETS ((HIST_MAX_EXP - HIST_SUB_BITS + 2) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min, max;
	uint32_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t value);
/* Adds every value of src to dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/* The value at quantile q (0..1): the middle of the bucket holding it,
   clamped to [min, max]. 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
