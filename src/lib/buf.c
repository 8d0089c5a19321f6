/* SPDX-License-Identifier: MIT */
/* Growable byte buffers. */
#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/panic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;

	/* one extra byte always stays free for buf_cstr()'s NUL */
	if (extra > SIZE_MAX / 2 - b->len)
		return -1;
	need = b->len + extra + 1;
	if (b->max != 0 && b->len + extra > b->max)
		return -1;
	if (need <= b->cap)
		return 0;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need)
		cap *= 2;
	if (b->max != 0 && cap > b->max + 1)
		cap = b->max + 1;
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int
buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_append_c(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	size_t want = 64, room;
	va_list ap2;
	int n;

	if (b->max != 0 && b->max - b->len < want)
		want = b->max - b->len;
	if (buf_reserve(b, want) < 0)
		return -1;
	/* room includes the spare byte kept for the terminating NUL */
	room = b->cap - b->len;
	va_copy(ap2, ap);
	n = vsnprintf((char *)b->data + b->len, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room) {
		if (buf_reserve(b, (size_t)n) < 0) {
			va_end(ap2);
			return -1;
		}
		vsnprintf((char *)b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	if (n < 0 || (b->max != 0 && b->len + (size_t)n > b->max))
		return -1;
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
}

void
buf_consume(struct buf *b, size_t n)
{
	i_assert(n <= b->len);
	if (n == b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

const char *
buf_cstr(struct buf *b)
{
	if (b->cap == 0) {
		b->data = xmalloc(64);
		b->cap = 64;
	}
	/* buf_reserve() always keeps one byte spare */
	b->data[b->len] = '\0';
	return (const char *)b->data;
}

char *
buf_steal(struct buf *b)
{
	char *s;

	buf_cstr(b);
	s = (char *)b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void
buf_shrink(struct buf *b)
{
	if (b->len == 0) {
		buf_free(b);
	} else if (b->cap > b->len + 1) {
		b->data = xreallocarray(b->data, b->len + 1, 1);
		b->cap = b->len + 1;
	}
}
