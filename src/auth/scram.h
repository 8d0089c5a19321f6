/* SPDX-License-Identifier: MIT */
/*
 * SCRAM stored keys (RFC 5802 section 3): what a server keeps so that
 * SCRAM-SHA-1 and SCRAM-SHA-256 work without the password. Kept in the
 * RFC 5803 text form
 *
 *	SCRAM-SHA-256$<iteration count>:<base64 salt>$<base64 StoredKey>:
 *	<base64 ServerKey>
 *
 * (one line, no spaces), which libgsasl and Cyrus SASL both accept.
 * Pure functions; thread-safe.
 */
#ifndef COFFER_AUTH_SCRAM_H
#define COFFER_AUTH_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"

/* RFC 7677 section 4: the iteration count SHOULD be at least 4096. */
#define SCRAM_DEFAULT_ITERATIONS 4096
#define SCRAM_MAX_ITERATIONS 10000000
#define SCRAM_SALT_LEN 16
#define SCRAM_MAX_SALT_LEN 128
#define SCRAM_MAX_KEY_LEN 32

enum scram_hash { SCRAM_SHA_1, SCRAM_SHA_256 };

struct scram_keys {
	enum scram_hash hash;
	uint32_t iterations;
	uint8_t salt[SCRAM_MAX_SALT_LEN];
	size_t salt_len;
	uint8_t stored_key[SCRAM_MAX_KEY_LEN];
	uint8_t server_key[SCRAM_MAX_KEY_LEN];
	size_t key_len; /* 20 for SHA-1, 32 for SHA-256 */
};

/* "SCRAM-SHA-1" or "SCRAM-SHA-256". */
const char *scram_hash_name(enum scram_hash hash);
/* Normalize(password) of RFC 5802 section 2.2: SASLprep (RFC 4013) for
   stored strings. Appends the result to out; -1 if the password is
   refused (prohibited or unassigned code points, empty result). */
int scram_normalize_password(const char *password, struct buf *out);
/* Computes the keys from a normalised password (RFC 5802 section 3):
   SaltedPassword := Hi(password, salt, i), StoredKey := H(HMAC(
   SaltedPassword, "Client Key")), ServerKey := HMAC(SaltedPassword,
   "Server Key"). Returns 0 or -1. */
int scram_keys_compute(enum scram_hash hash, const void *password,
		       size_t password_len, const uint8_t *salt,
		       size_t salt_len, uint32_t iterations,
		       struct scram_keys *keys_r, struct err *err);
/* Appends the RFC 5803 form of keys to out. */
int scram_keys_format(const struct scram_keys *keys, struct buf *out);
/* Parses and validates the RFC 5803 form (strictly: the hash name must
   match `hash`, key lengths must match the hash, 1 <= iterations <=
   SCRAM_MAX_ITERATIONS). Returns 0 or -1 (ERR_CORRUPT). */
int scram_keys_parse(enum scram_hash hash, const char *s,
		     struct scram_keys *keys_r, struct err *err);
/* Computes HMAC(key, data) with the SCRAM hash; out has room for
   SCRAM_MAX_KEY_LEN bytes. Returns the digest length, or 0 on failure.
   (For the SASL layer and tests.) */
size_t scram_hmac(enum scram_hash hash, const void *key, size_t key_len,
		  const void *data, size_t data_len, uint8_t *out);
/* H(data); returns the digest length or 0. */
size_t scram_digest(enum scram_hash hash, const void *data, size_t len,
		    uint8_t *out);

#endif
