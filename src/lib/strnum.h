/* SPDX-License-Identifier: MIT */
/*
 * Strict number parsing: the whole string must be decimal digits (no sign,
 * no spaces, no empty string), and overflow is an error, not a wrap.
 * All return 0 on success and -1 on failure.
 */
#ifndef COFFER_LIB_STRNUM_H
#define COFFER_LIB_STRNUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int str_to_u32(const char *s, uint32_t *num_r);
int str_to_u64(const char *s, uint64_t *num_r);
/* Accepts a leading '-'. */
int str_to_i64(const char *s, int64_t *num_r);
/* Parses digits at the start of s[0..len); stores the number and returns the
   number of digits consumed (0 = none / overflow beyond max). */
size_t mem_to_u64(const void *s, size_t len, uint64_t max, uint64_t *num_r);
/* "true"/"false" (also "yes"/"no", "on"/"off", "1"/"0"), case-insensitive. */
int str_to_bool(const char *s, bool *b_r);

#endif
