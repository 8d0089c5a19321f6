/* SPDX-License-Identifier: MIT */
/*
 * The failed-login delay table: how long a service waits before it answers
 * a failed authentication. Failures are counted per client address and per
 * account name; the delay is base_ms for the first recent failure and
 * doubles with each further one up to max_ms, taking the larger of the two
 * counters. A name that does not exist is counted like one that does, so
 * the answer to an unknown user and to a wrong password takes the same
 * time. Successful logins are never delayed.
 *
 * Memory is bounded: at most max_entries counters are kept; a counter
 * expires window_ms after its last failure, and when the table is full the
 * least recently failed counter is dropped. Each operation is O(1).
 *
 * Thread-safe: one mutex guards the table; any worker may call in.
 */
#ifndef COFFER_PROTO_COMMON_LOGIN_DELAY_H
#define COFFER_PROTO_COMMON_LOGIN_DELAY_H

#include <stdbool.h>
#include <stdint.h>

struct login_delay;

struct login_delay_settings {
	unsigned base_ms;     /* delay after one failure; 0 = 500 */
	unsigned max_ms;      /* ceiling; 0 = 8000 */
	unsigned window_ms;   /* a counter is forgotten this long after its
				 last failure; 0 = 15 minutes */
	unsigned max_entries; /* counters kept (addresses + names); 0 = 10000 */
};

/* set may be NULL for the defaults. */
struct login_delay *login_delay_create(const struct login_delay_settings *set);
/* Frees the table and sets *ld to NULL. NULL-safe. */
void login_delay_destroy(struct login_delay **ld);

/* Records one failed login from client address addr for the account name
   (either may be NULL or "": that counter is skipped; strings are copied
   and truncated to 320 bytes) at monotonic time now_ms, and returns the
   delay in milliseconds to apply before answering. */
unsigned login_delay_failure(struct login_delay *ld, const char *addr,
			     const char *name, uint64_t now_ms);
/* A successful login of name: forgets that name's failures. The address
   counter is kept (it only matters if this client fails again). */
void login_delay_success(struct login_delay *ld, const char *name);
/* The recent failure count of an address (is_addr) or account name
   counter at now_ms: 0 when unknown or expired. */
unsigned login_delay_count(struct login_delay *ld, const char *key,
			   bool is_addr, uint64_t now_ms);

#endif
