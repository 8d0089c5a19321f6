/* SPDX-License-Identifier: MIT */
/* Strict number parsing. */
#include "lib/strnum.h"
#include "lib/str.h"

#include <string.h>

size_t
mem_to_u64(const void *s, size_t len, uint64_t max, uint64_t *num_r)
{
	const unsigned char *p = s;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < len && ascii_isdigit(p[i]); i++) {
		unsigned d = p[i] - '0';

		if (d > max || n > (max - d) / 10)
			return 0;
		n = n * 10 + d;
	}
	*num_r = n;
	return i;
}

int
str_to_u64(const char *s, uint64_t *num_r)
{
	size_t len = strlen(s);

	if (len == 0 || mem_to_u64(s, len, UINT64_MAX, num_r) != len)
		return -1;
	return 0;
}

int
str_to_u32(const char *s, uint32_t *num_r)
{
	size_t len = strlen(s);
	uint64_t n;

	if (len == 0 || mem_to_u64(s, len, UINT32_MAX, &n) != len)
		return -1;
	*num_r = (uint32_t)n;
	return 0;
}

int
str_to_i64(const char *s, int64_t *num_r)
{
	bool neg = s[0] == '-';
	uint64_t n;

	if (str_to_u64(s + (neg ? 1 : 0), &n) < 0)
		return -1;
	if (neg) {
		if (n > (uint64_t)INT64_MAX + 1)
			return -1;
		*num_r = n == (uint64_t)INT64_MAX + 1 ? INT64_MIN
						      : -(int64_t)n;
	} else {
		if (n > INT64_MAX)
			return -1;
		*num_r = (int64_t)n;
	}
	return 0;
}

int
str_to_bool(const char *s, bool *b_r)
{
	if (str_eq_icase(s, "true") || str_eq_icase(s, "yes") ||
	    str_eq_icase(s, "on") || strcmp(s, "1") == 0) {
		*b_r = true;
		return 0;
	}
	if (str_eq_icase(s, "false") || str_eq_icase(s, "no") ||
	    str_eq_icase(s, "off") || strcmp(s, "0") == 0) {
		*b_r = false;
		return 0;
	}
	return -1;
}
