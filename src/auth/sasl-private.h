/* SPDX-License-Identifier: MIT */
/*
 * Internals of the SASL layer: the session, the mechanism interface and the
 * helpers the mechanisms (sasl-*.c) share.
 */
#ifndef COFFER_AUTH_SASL_PRIVATE_H
#define COFFER_AUTH_SASL_PRIVATE_H

#include "auth/sasl.h"
#include "auth/account.h"
#include "lib/macros.h"
#include "lib/pool.h"

/* Longest authentication or authorization identity accepted (RFC 4616
   section 2 requires 255; addresses are at most 320). */
#define SASL_NAME_MAX 1024
/* Key of the decoy salts. */
#define SASL_SECRET_LEN 32

struct sasl_server {
	struct userdb *userdb;
	char *hostname;
	uint8_t secret[SASL_SECRET_LEN];
	bool gssapi; /* a keytab was configured and is readable */
	char *gssapi_hostname;
};

struct sasl_mech_def {
	enum sasl_mech mech;
	const char *name;
	/* the client may send an initial response (RFC 4422 section 3.3:
	   client-first mechanisms, and LOGIN, whose clients send the user
	   name early) */
	bool initial_response;
	/* Starts the exchange; initial is NULL when none was sent. */
	enum sasl_status (*start)(struct sasl_session *s,
				  const uint8_t *initial, size_t len,
				  struct buf *challenge);
	/* Handles one response after a CONTINUE. */
	enum sasl_status (*step)(struct sasl_session *s, const uint8_t *in,
				 size_t len, struct buf *challenge);
	/* Optional: frees and wipes the mechanism's state. */
	void (*deinit)(struct sasl_session *s);
};

struct sasl_session {
	struct sasl_server *srv;
	const struct ms_config *cfg;
	const struct sasl_channel *ch;
	bool success_as_challenge;
	const struct sasl_mech_def *def;
	enum sasl_status status;
	unsigned steps;
	struct pool *pool; /* outcome strings */
	void *state;	   /* the mechanism's, from the pool */
	struct sasl_outcome outcome;
	enum sasl_failure failure;
	char detail[256];
	char claimed[256]; /* escaped for logs */
	struct buf success_data;
};

/* The mechanism definitions (one per file). */
extern const struct sasl_mech_def sasl_mech_plain, sasl_mech_login;
extern const struct sasl_mech_def sasl_mech_cram_md5;
extern const struct sasl_mech_def sasl_mech_scram_sha1,
    sasl_mech_scram_sha1_plus, sasl_mech_scram_sha256,
    sasl_mech_scram_sha256_plus;
extern const struct sasl_mech_def sasl_mech_external;
extern const struct sasl_mech_def sasl_mech_gssapi;

/* Records a failure and returns SASL_FAILED. The detail is for the log. */
enum sasl_status sasl__fail(struct sasl_session *s, enum sasl_failure why,
			    const char *fmt, ...) ATTR_FORMAT(3, 4);
/* Records a verified identity (canonical user id) and returns SASL_DONE. */
enum sasl_status sasl__verified(struct sasl_session *s, const char *userid,
				const char *authzid);
/* Records PLAIN/LOGIN credentials and returns SASL_DONE. */
enum sasl_status sasl__password(struct sasl_session *s, const char *authcid,
				const char *authzid, const char *password);
/* Keeps the claimed name (escaped) for logs. */
void sasl__claim(struct sasl_session *s, const void *name, size_t len);
/* Canonicalises name for this connection and looks the account up: 1 and
   *acct_r (account_destroy() it), 0 for an invalid or unknown name, -1
   with the session failed (SASL_FAIL_TEMP) on a database error. canon_r
   (ACCOUNT_USERID_MAX + 1 bytes, may be NULL) gets the canonical name, or
   "" if name cannot be canonicalised. */
int sasl__lookup(struct sasl_session *s, const char *name,
		 struct account **acct_r, char *canon_r);
/* Whether any SCRAM -PLUS mechanism is offered on this connection (a
   client's "y" flag is then a downgrade, RFC 5802 section 6). */
bool sasl__plus_offered(const struct sasl_session *s);
/* A NUL-terminated copy of name in the session pool if it is 1 to
   SASL_NAME_MAX bytes of valid UTF-8 without NUL; else NULL. */
char *sasl__name_dup(struct sasl_session *s, const void *name, size_t len);

#endif
