/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture of the SASL tests: a user database in a temporary
 * directory with test accounts, configurations, connection channels, and
 * drivers that run exchanges against libgsasl's client side in process or
 * against hand-made client messages.
 */
#ifndef COFFER_TEST_SASL_H
#define COFFER_TEST_SASL_H

#include "auth/sasl.h"
#include "config/config.h"

#include <stdbool.h>

#define ALICE "alice@example.com"
#define ALICE_PW "alice-pw \xc3\xa9t\xc3\xa9"
#define BOB "bob@example.com"
#define BOB_PW "bob-pw"
#define NOKEYS "nokeys@example.com"

struct sasl_fx {
	char dir[256];
	struct ms_config *cfg; /* default options */
	struct userdb *db;
	struct sasl_server *srv;
	struct sasl_channel plain; /* no TLS */
	struct sasl_channel tls;   /* TLS with made-up channel bindings */
};

/* Creates the fixture: alice (alias a.smith@example.com, SCRAM keys,
   CRAM-MD5 secret), bob (disabled, SCRAM keys), nokeys (password hash
   only). */
int sasl_fx_setup(void **state);
int sasl_fx_teardown(void **state);
/* A configuration with extra ms.conf elements (inside <ms_options>). */
struct ms_config *sasl_fx_config(struct sasl_fx *fx, const char *extra);

/* What a gsasl client exchange needs. */
struct gsasl_client_opts {
	const char *authid;
	const char *password;
	const char *authzid;
	/* channel bindings given to the client (raw; NULL = none) */
	const uint8_t *cb_exporter;
	const uint8_t *cb_unique;
	size_t cb_len;
	/* send the client's first message as the initial response */
	bool initial;
};

struct exchange {
	enum sasl_status status;
	struct sasl_session *sess; /* sasl_session_destroy() it */
	bool client_ok;		   /* the client accepted the outcome */
};

/* Runs a whole exchange between a gsasl client and a server session over
   the base64 wire form. */
void run_gsasl(struct sasl_fx *fx, const struct ms_config *cfg,
	       const struct sasl_channel *ch, const char *mech,
	       const struct gsasl_client_opts *opts, struct exchange *ex);
/* Starts a raw exchange with an optional initial response. */
struct sasl_session *start_raw(struct sasl_fx *fx, const struct ms_config *cfg,
			       const struct sasl_channel *ch, const char *mech,
			       const void *initial, size_t len,
			       enum sasl_status *status_r, struct buf *chal);

#endif
