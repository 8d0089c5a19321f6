/* SPDX-License-Identifier: MIT */
/*
 * Alloc-only memory pools: memory scoped to a lifetime (a connection, a
 * command, a parsed message). Allocations are zero-filled, 16-byte aligned
 * and freed all at once by pool_clear() or pool_destroy(). A pool has one
 * owner thread at a time. Large allocations get their own block, so a pool
 * never wastes more than one block's tail per allocation.
 */
#ifndef COFFER_LIB_POOL_H
#define COFFER_LIB_POOL_H

#include <stdarg.h>
#include <stddef.h>
#include "lib/macros.h"

struct pool;

/* block_size: size of the blocks small allocations are carved from. */
struct pool *pool_create(size_t block_size);
/* Frees everything and sets *pool to NULL. NULL-safe. */
void pool_destroy(struct pool **pool);
/* Frees all allocations but keeps the first block for reuse. */
void pool_clear(struct pool *pool);

void *pool_alloc(struct pool *pool, size_t size) ATTR_MALLOC;
/* n * size, overflow-checked. */
void *pool_alloc_array(struct pool *pool, size_t n, size_t size) ATTR_MALLOC;
char *pool_strdup(struct pool *pool, const char *s) ATTR_MALLOC;
char *pool_strndup(struct pool *pool, const char *s, size_t n) ATTR_MALLOC;
void *pool_memdup(struct pool *pool, const void *p, size_t n) ATTR_MALLOC;
char *pool_printf(struct pool *pool, const char *fmt, ...)
	ATTR_FORMAT(2, 3) ATTR_MALLOC;
char *pool_vprintf(struct pool *pool, const char *fmt, va_list ap)
	ATTR_FORMAT(2, 0) ATTR_MALLOC;
/* Bytes handed out since creation or the last clear. */
size_t pool_used(const struct pool *pool);

#endif
