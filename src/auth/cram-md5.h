/* SPDX-License-Identifier: MIT */
/*
 * CRAM-MD5 secrets without the password (RFC 2195 section 2): the HMAC-MD5
 * "contexts", i.e. the MD5 chaining values after the first block of the
 * inner (K XOR ipad) and outer (K XOR opad) hashes of RFC 2104 section 2.
 * Stored as 64 hex digits: inner A, B, C, D then outer A, B, C, D, each a
 * 32-bit word in little-endian byte order.
 *
 * These contexts are equivalent to the password for CRAM-MD5 (RFC 2195
 * section 4), so they are only stored when CRAM-MD5 is enabled. This file
 * is the only user of OpenSSL's low-level MD5 API. Thread-safe.
 */
#ifndef COFFER_AUTH_CRAM_MD5_H
#define COFFER_AUTH_CRAM_MD5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRAM_MD5_SECRET_HEX_LEN 64

/* Writes the contexts for password as 64 hex digits plus NUL. */
void cram_md5_secret(const char *password, size_t len,
		     char out[CRAM_MD5_SECRET_HEX_LEN + 1]);
/* Whether s is a well-formed secret (64 lower-case hex digits). */
bool cram_md5_secret_valid(const char *s);
/* HMAC-MD5(password, challenge) computed from the stored contexts, i.e.
   the digest a client must send. Returns false for a malformed secret. */
bool cram_md5_response(const char *secret, const void *challenge,
		       size_t challenge_len, uint8_t digest[16]);

#endif
