/* SPDX-License-Identifier: MIT */
/* Growth for VEC() arrays. */
#include "lib/vec.h"
#include "lib/mem.h"

void
vec__grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap < 8 ? 8 : *cap;

	while (ncap < need)
		ncap *= 2;
	*v = xreallocarray(*v, ncap, size);
	*cap = ncap;
}
