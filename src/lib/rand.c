/* SPDX-License-Identifier: MIT */
/* Kernel randomness. */
#include "lib/rand.h"
#include "lib/panic.h"

#include <errno.h>
#include <sys/random.h>

void
rand_bytes(void *p, size_t n)
{
	unsigned char *b = p;

	while (n > 0) {
		ssize_t got = getrandom(b, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			i_panic("getrandom() failed: %m");
		}
		b += got;
		n -= (size_t)got;
	}
}

uint32_t
rand_u32(void)
{
	uint32_t v;

	rand_bytes(&v, sizeof(v));
	return v;
}

uint32_t
rand_uniform(uint32_t bound)
{
	uint32_t limit = UINT32_MAX - UINT32_MAX % bound, v;

	do
		v = rand_u32();
	while (v >= limit);
	return v % bound;
}
