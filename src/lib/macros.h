/* SPDX-License-Identifier: MIT */
/* Small compiler helpers used everywhere. */
#ifndef COFFER_LIB_MACROS_H
#define COFFER_LIB_MACROS_H

#include <stddef.h>

#define ATTR_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#define ATTR_NORETURN __attribute__((noreturn))
#define ATTR_UNUSED __attribute__((unused))
#define ATTR_WARN_UNUSED __attribute__((warn_unused_result))
#define ATTR_MALLOC __attribute__((malloc))
#define ATTR_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Pointer to the structure that contains `ptr` as member `member`. */
#define CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

#endif
