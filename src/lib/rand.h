/* SPDX-License-Identifier: MIT */
/* Cryptographically strong randomness from the kernel (getrandom(2)). */
#ifndef COFFER_LIB_RAND_H
#define COFFER_LIB_RAND_H

#include <stddef.h>
#include <stdint.h>

/* Fills p with n random bytes; panics if the kernel cannot provide them. */
void rand_bytes(void *p, size_t n);
uint32_t rand_u32(void);
/* Uniform in [0, bound). bound > 0. */
uint32_t rand_uniform(uint32_t bound);

#endif
