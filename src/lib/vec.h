/* SPDX-License-Identifier: MIT */
/*
 * Typed dynamic arrays on the heap:
 *
 *	VEC(uint32_t) uids = VEC_INIT;
 *	vec_push(&uids, 42);
 *	for (size_t i = 0; i < uids.n; i++) use(uids.v[i]);
 *	vec_free(&uids);
 *
 * Element pointers are invalidated by any operation that may grow the array.
 */
#ifndef COFFER_LIB_VEC_H
#define COFFER_LIB_VEC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define VEC(type)                                                             \
	struct {                                                              \
		type *v;                                                      \
		size_t n;                                                     \
		size_t cap;                                                   \
	}
#define VEC_INIT { NULL, 0, 0 }
/* A named vector type, for passing vectors between functions. */
#define VEC_DECLARE(name, type)                                               \
	struct name {                                                         \
		type *v;                                                      \
		size_t n;                                                     \
		size_t cap;                                                   \
	}

VEC_DECLARE(str_vec, char *);

/* Grows *v so that it holds at least `need` elements of `size` bytes. */
void vec__grow(void **v, size_t *cap, size_t need, size_t size);

#define vec_init(a) ((a)->v = NULL, (a)->n = 0, (a)->cap = 0)
/* An expression (not a statement) so that vec_push_new() can use it. */
#define vec_reserve(a, count)                                                 \
	((a)->n + (count) > (a)->cap                                          \
		 ? vec__grow((void **)&(a)->v, &(a)->cap, (a)->n + (count),    \
			     sizeof(*(a)->v))                                 \
		 : (void)0)
#define vec_push(a, x)                                                        \
	do {                                                                  \
		vec_reserve(a, 1);                                            \
		(a)->v[(a)->n++] = (x);                                       \
	} while (0)
/* Appends a zeroed element and returns a pointer to it. */
#define vec_push_new(a)                                                       \
	(vec_reserve(a, 1), memset(&(a)->v[(a)->n], 0, sizeof(*(a)->v)),      \
	 &(a)->v[(a)->n++])
#define vec_pop(a) ((a)->v[--(a)->n])
#define vec_last(a) ((a)->v[(a)->n - 1])
#define vec_clear(a) ((a)->n = 0)
#define vec_free(a)                                                           \
	do {                                                                  \
		free((a)->v);                                                 \
		(a)->v = NULL;                                                \
		(a)->n = (a)->cap = 0;                                        \
	} while (0)
/* Removes element i, keeping order. */
#define vec_delete(a, i)                                                      \
	do {                                                                  \
		memmove(&(a)->v[i], &(a)->v[(i) + 1],                        \
			((a)->n - (i) - 1) * sizeof(*(a)->v));                \
		(a)->n--;                                                     \
	} while (0)

#endif
