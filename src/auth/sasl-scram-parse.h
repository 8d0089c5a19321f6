/* SPDX-License-Identifier: MIT */
/*
 * Parsers of the SCRAM client messages (RFC 5802 section 7). Pure
 * functions over untrusted bytes: every field is checked against the
 * grammar, names are unescaped and validated as UTF-8, and results point
 * into the input or into the given pool. Thread-safe.
 */
#ifndef COFFER_AUTH_SASL_SCRAM_PARSE_H
#define COFFER_AUTH_SASL_SCRAM_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include "lib/pool.h"

/* Longest client nonce accepted (clients send 16 to 32 characters). */
#define SCRAM_NONCE_MAX 256

struct scram_client_first {
	/* gs2-cbind-flag: 'n', 'y' or 'p' */
	char cbflag;
	/* the cb-name after "p=" (into the input), else NULL/0 */
	const char *cbname;
	size_t cbname_len;
	/* gs2-header: the input up to and including its second comma */
	size_t gs2_header_len;
	/* decoded "a=" (pool), or NULL */
	const char *authzid;
	/* decoded "n=" (pool) */
	const char *username;
	/* c-nonce (into the input) */
	const char *nonce;
	size_t nonce_len;
	/* client-first-message-bare: from gs2_header_len to the end */
};

struct scram_client_final {
	/* "c=" value, base64 as sent (into the input) */
	const char *cbind;
	size_t cbind_len;
	/* "r=" value */
	const char *nonce;
	size_t nonce_len;
	/* "p=" value, base64 as sent */
	const char *proof;
	size_t proof_len;
	/* length of client-final-message-without-proof */
	size_t without_proof_len;
};

/* Parses a client-first-message. Returns 0, or -1 with *error_r set to a
   static description (an RFC 5802 server-error-value where one fits:
   "invalid-encoding", "extensions-not-supported", ...). */
int scram_parse_client_first(struct pool *pool, const uint8_t *in, size_t len,
			     struct scram_client_first *out,
			     const char **error_r);
/* Parses a client-final-message. Returns 0 or -1 as above. */
int scram_parse_client_final(const uint8_t *in, size_t len,
			     struct scram_client_final *out,
			     const char **error_r);

#endif
