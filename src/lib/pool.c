/* SPDX-License-Identifier: MIT */
/* Alloc-only arenas. */
#include "lib/pool.h"
#include "lib/mem.h"
#include "lib/panic.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_ALIGN 16

struct pool_block {
	struct pool_block *next;
	size_t size;  /* usable bytes after the header */
	size_t used;
	/* data follows, aligned */
	_Alignas(POOL_ALIGN) unsigned char data[];
};

struct pool {
	struct pool_block *first; /* kept by pool_clear() */
	struct pool_block *cur;	  /* small allocations come from here */
	struct pool_block *big;	  /* dedicated blocks for large requests */
	size_t block_size;
	size_t used;
};

static struct pool_block *
block_new(size_t size)
{
	struct pool_block *b = xmalloc(sizeof(*b) + size);

	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct pool *
pool_create(size_t block_size)
{
	struct pool *p = xcalloc(1, sizeof(*p));

	if (block_size < 256)
		block_size = 256;
	p->block_size = block_size;
	p->first = p->cur = block_new(block_size);
	return p;
}

static void
free_chain(struct pool_block *b)
{
	while (b != NULL) {
		struct pool_block *next = b->next;

		free(b);
		b = next;
	}
}

void
pool_destroy(struct pool **pool)
{
	struct pool *p = *pool;

	if (p == NULL)
		return;
	free_chain(p->first);
	free_chain(p->big);
	free(p);
	*pool = NULL;
}

void
pool_clear(struct pool *p)
{
	free_chain(p->first->next);
	free_chain(p->big);
	p->first->next = NULL;
	p->first->used = 0;
	p->cur = p->first;
	p->big = NULL;
	p->used = 0;
}

void *
pool_alloc(struct pool *p, size_t size)
{
	struct pool_block *b;
	size_t asize;
	void *mem;

	if (size > SIZE_MAX - POOL_ALIGN)
		i_panic("pool allocation too large (%zu)", size);
	asize = (size + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	if (asize == 0)
		asize = POOL_ALIGN;
	p->used += asize;
	if (asize > p->block_size / 4) {
		b = block_new(asize);
		b->next = p->big;
		p->big = b;
		b->used = asize;
		memset(b->data, 0, asize);
		return b->data;
	}
	b = p->cur;
	if (b->size - b->used < asize) {
		if (b->next == NULL)
			b->next = block_new(p->block_size);
		b = p->cur = b->next;
		b->used = 0;
	}
	mem = b->data + b->used;
	b->used += asize;
	memset(mem, 0, asize);
	return mem;
}

void *
pool_alloc_array(struct pool *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		i_panic("pool array size overflow (%zu x %zu)", n, size);
	return pool_alloc(p, n * size);
}

void *
pool_memdup(struct pool *p, const void *src, size_t n)
{
	void *mem = pool_alloc(p, n);

	if (n > 0)
		memcpy(mem, src, n);
	return mem;
}

char *
pool_strndup(struct pool *p, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *mem = pool_alloc(p, len + 1);

	memcpy(mem, s, len);
	return mem;
}

char *
pool_strdup(struct pool *p, const char *s)
{
	return s == NULL ? NULL : pool_memdup(p, s, strlen(s) + 1);
}

char *
pool_vprintf(struct pool *p, const char *fmt, va_list ap)
{
	va_list ap2;
	char small[256];
	char *mem;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0)
		i_panic("vsnprintf failed");
	mem = pool_alloc(p, (size_t)n + 1);
	if ((size_t)n < sizeof(small))
		memcpy(mem, small, (size_t)n + 1);
	else
		vsnprintf(mem, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return mem;
}

char *
pool_printf(struct pool *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = pool_vprintf(p, fmt, ap);
	va_end(ap);
	return s;
}

size_t
pool_used(const struct pool *p)
{
	return p->used;
}
