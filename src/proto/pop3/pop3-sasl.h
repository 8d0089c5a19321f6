/* SPDX-License-Identifier: MIT */
/*
 * The SASL side of POP3 AUTH (RFC 5034 section 4), separated from the
 * protocol side (pop3-auth.c: base64, "*", "+ " challenges, replies) so
 * that a generic server SASL layer can replace this file without touching
 * the session. Today it implements PLAIN (RFC 4616), the mechanism RFC
 * 5034 section 4 makes mandatory, verified with proto_login_password().
 *
 * Mechanisms that carry a password in the clear are offered only where
 * pop3_plaintext_allowed() says so (login_disabled, RFC 5034 section 4:
 * "a configuration in which it does NOT advertise or permit any plaintext
 * password mechanisms, unless the STLS command has been used").
 *
 * Owned by one session; pop3_sasl_step() blocks (password hashing).
 */
#ifndef COFFER_PROTO_POP3_SASL_H
#define COFFER_PROTO_POP3_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "proto/common/login.h"

struct pop3_session;
struct pop3_sasl;

enum pop3_sasl_status {
	/* send the challenge and read another response */
	POP3_SASL_CONTINUE,
	/* a login was attempted: the outcome (any status) is in *res */
	POP3_SASL_DONE,
	/* the client's message is malformed: authentication failed */
	POP3_SASL_MALFORMED,
};

/* Appends the mechanisms offered on this connection separated by sep
   (nothing if none): " " for CAPA's SASL line, CRLF for the list AUTH
   without arguments gives. */
void pop3_sasl_mechanisms(const struct pop3_session *s, const char *sep,
			  struct buf *out);
/* Starts an exchange with mechanism `mech` (case-insensitive); NULL if it
   is not offered on this connection. */
struct pop3_sasl *pop3_sasl_begin(struct pop3_session *s, const char *mech);
/* One step. have_input false: the client sent no initial response, so the
   mechanism may ask for one with an (empty) challenge. in[0..len) is the
   decoded client response. The challenge to send (decoded) is appended
   to challenge. */
enum pop3_sasl_status pop3_sasl_step(struct pop3_sasl *sasl, bool have_input,
				     const uint8_t *in, size_t len,
				     struct buf *challenge,
				     struct login_result *res);
/* NULL-safe; wipes what the exchange held; sets *sasl to NULL. */
void pop3_sasl_end(struct pop3_sasl **sasl);

#endif
