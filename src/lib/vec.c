/* SPDX-License-Identifier: MIT */
/* Growth for VEC() arrays. */
#include "lib/vec.h"
#include "lib/mem.h"

#include <string.h>

void
vec__grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap < 8 ? 8 : *cap;

	while (ncap < need)
		ncap *= 2;
	*v = xreallocarray(*v, ncap, size);
	*cap = ncap;
}

void *
vec__push_new(void **v, size_t *n, size_t *cap, size_t size)
{
	void *elem;

	if (*n + 1 > *cap)
		vec__grow(v, cap, *n + 1, size);
	elem = (char *)*v + *n * size;
	memset(elem, 0, size);
	(*n)++;
	return elem;
}
