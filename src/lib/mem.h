/* SPDX-License-Identifier: MIT */
/*
 * Heap allocation. These never return NULL: running out of memory aborts the
 * process (after logging), as a half-working mail server is worse than a
 * restarted one. Sizes are overflow-checked.
 */
#ifndef COFFER_LIB_MEM_H
#define COFFER_LIB_MEM_H

#include <stddef.h>
#include "lib/macros.h"

void *xmalloc(size_t size) ATTR_MALLOC;
/* Zero-filled; n * size is checked for overflow. */
void *xcalloc(size_t n, size_t size) ATTR_MALLOC;
/* n * size is checked for overflow. */
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s) ATTR_MALLOC;
char *xstrndup(const char *s, size_t n) ATTR_MALLOC;
void *xmemdup(const void *p, size_t n) ATTR_MALLOC;
/* Formats into a new heap string. */
char *xasprintf(const char *fmt, ...) ATTR_FORMAT(1, 2) ATTR_MALLOC;

/* Frees *ptr and sets it to NULL. */
#define xfree(ptr)                                                            \
	do {                                                                  \
		free(*(ptr));                                                 \
		*(ptr) = NULL;                                                \
	} while (0)

/* Overwrites memory that held secrets, then frees it. */
void xfree_secret(void *ptr, size_t len);
/* Overwrites memory in a way the compiler may not optimise away. */
void mem_wipe(void *ptr, size_t len);

#endif
