/* SPDX-License-Identifier: MIT */
/*
 * Programmer errors. A failed i_assert() or an i_panic() is a bug in Coffer,
 * never a reaction to client input: it logs and aborts, and the supervisor
 * restarts the service. Client input must be rejected with a protocol error
 * long before it can reach an assertion.
 */
#ifndef COFFER_LIB_PANIC_H
#define COFFER_LIB_PANIC_H

#include "lib/macros.h"

void i_panic(const char *fmt, ...) ATTR_FORMAT(1, 2) ATTR_NORETURN;

#define i_assert(expr)                                                        \
	do {                                                                  \
		if (unlikely(!(expr)))                                        \
			i_panic("assertion failed: %s (%s:%d %s)", #expr,     \
				__FILE__, __LINE__, __func__);                \
	} while (0)

#define i_unreached() i_panic("unreachable code (%s:%d)", __FILE__, __LINE__)

#endif
