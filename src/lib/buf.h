/* SPDX-License-Identifier: MIT */
/*
 * Growable byte buffer with an optional hard maximum. `data` is binary
 * (uint8_t + length); buf_cstr() gives a NUL-terminated view. The maximum
 * turns unbounded growth driven by hostile input into a clean error: every
 * append returns -1 instead of growing past `max`.
 */
#ifndef COFFER_LIB_BUF_H
#define COFFER_LIB_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/macros.h"

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 = unlimited */
};

#define BUF_INIT { NULL, 0, 0, 0 }

/* max = 0 means no limit. */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Ensures room for `extra` more bytes. Returns -1 if that exceeds max. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_append_c(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) ATTR_FORMAT(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) ATTR_FORMAT(2, 0);
/* Appends n bytes from the front area reserved with buf_reserve(). */
static inline uint8_t *
buf_tail(struct buf *b)
{
	return b->data + b->len;
}
static inline size_t
buf_room(const struct buf *b)
{
	return b->cap - b->len;
}
void buf_truncate(struct buf *b, size_t len);
static inline void
buf_clear(struct buf *b)
{
	b->len = 0;
}
/* Removes n bytes from the front. */
void buf_consume(struct buf *b, size_t n);
/* Returns the contents as a C string (a NUL is kept after len, not counted).
   The result is valid until the buffer is modified. */
const char *buf_cstr(struct buf *b);
/* Gives the buffer's memory to the caller (NUL-terminated) and resets b. */
char *buf_steal(struct buf *b);
/* Releases memory beyond what is in use (for idle connections). */
void buf_shrink(struct buf *b);

#endif
