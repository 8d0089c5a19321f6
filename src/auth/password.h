/* SPDX-License-Identifier: MIT */
/*
 * Account passwords. New passwords are hashed with yescrypt through
 * libxcrypt; any crypt(3) hash libxcrypt understands ($y$, $gy$, $7$,
 * $2b$, $6$, $5$, ...) verifies, so hashes can be imported. Alongside the
 * hash an account keeps SCRAM-SHA-1 and SCRAM-SHA-256 stored keys
 * (scram.h) and, when asked for, CRAM-MD5 contexts (cram-md5.h); the
 * password itself is never stored.
 *
 * All functions are thread-safe (crypt_rn() with per-call state) and may
 * block for tens of milliseconds: call them from worker threads.
 */
#ifndef COFFER_AUTH_PASSWORD_H
#define COFFER_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stdint.h>
#include "auth/account.h"
#include "lib/buf.h"
#include "lib/err.h"

struct password_opts {
	/* Also store CRAM-MD5 contexts (a password equivalent for
	   CRAM-MD5; only when that mechanism is enabled). */
	bool cram_md5;
	/* SCRAM iteration count; 0 = SCRAM_DEFAULT_ITERATIONS. */
	uint32_t scram_iterations;
};

/* Appends a new yescrypt hash of password to out. Returns 0 or -1. */
int password_hash(const char *password, struct buf *out, struct err *err);
/* Whether hash is a plausible crypt(3) hash (printable ASCII without
   white space or ':', at most 512 bytes, not a crypt failure token). */
bool password_hash_valid(const char *hash);
/* Verifies password against a crypt(3) hash; the comparison is constant
   time. False for malformed hashes. */
bool password_verify(const char *hash, const char *password);
/* Does the work of one yescrypt verification and discards it, so that
   unknown users and users without a password cost the same time. */
void password_verify_dummy(const char *password);

/* Sets the account's password: a new hash and SCRAM keys, and CRAM-MD5
   contexts if opts->cram_md5. Passwords are 1..ACCOUNT_PASSWORD_MAX
   bytes. If SASLprep refuses the password (RFC 5802 section 2.2), no
   SCRAM keys are stored and *warning_r is set to a static explanation
   (else NULL). Returns 0 or -1. */
int password_set(struct account *a, const char *password,
		 const struct password_opts *opts, const char **warning_r,
		 struct err *err);
/* Removes every stored secret (hash, SCRAM keys, CRAM-MD5 contexts). */
void password_clear(struct account *a);
/* Verifies a login password against an account. a may be NULL or have no
   hash: the same work is done and the result is false. */
bool password_check(const struct account *a, const char *password);

#endif
