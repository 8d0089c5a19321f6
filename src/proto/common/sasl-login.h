/* SPDX-License-Identifier: MIT */
/*
 * SASL for protocol services: what IMAP AUTHENTICATE and POP3 AUTH (later
 * ManageSieve) share between the SASL layer (auth/sasl.h) and the login
 * checks (login.h): the SASL view of a connection, the mechanism list of
 * the capabilities, and turning a finished exchange into a login result.
 *
 * All functions run on the connection's owning thread.
 */
#ifndef COFFER_PROTO_COMMON_SASL_LOGIN_H
#define COFFER_PROTO_COMMON_SASL_LOGIN_H

#include "auth/sasl.h"
#include "lib/buf.h"
#include "proto/common/login.h"
#include "proto/common/service.h"

struct conn;

/* The SASL view of connection c: TLS, its channel bindings and verified
   client certificate, the local address for canonicalisation, and the
   protocol's GSSAPI service name ("imap", "pop"; a static string). Call
   again after STARTTLS; the channel borrows nothing from c beyond the
   certificate, owned by the connection's TLS state. */
void sasl_login_channel(struct conn *c, const char *service,
			struct sasl_channel *ch);

/* Appends the mechanisms offered on ch, each preceded by prefix
   ("AUTH=" for IMAP capabilities, "" for POP3) and separated by sep.
   Nothing when env has no SASL server. */
void sasl_login_mechs(struct service_env *env, const struct ms_config *cfg,
		      const struct sasl_channel *ch, const char *prefix,
		      const char *sep, struct buf *out);

/* Concludes an exchange that ended (SASL_DONE or SASL_FAILED) with the
   shared login checks, so that SASL logins are logged, delayed and
   refused exactly like LOGIN and USER/PASS:
     - DONE, password outcome (PLAIN, LOGIN): proto_login_password();
     - DONE, verified outcome: proto_login_verified();
     - FAILED with bad credentials or a malformed exchange:
       proto_login_failed() (NOTICE, counted, delayed): LOGIN_FAILED;
     - FAILED for a server problem: LOGIN_TEMPFAIL, logged as an error;
     - FAILED because the client cancelled or named a mechanism not
       offered: LOGIN_FAILED without delay or log line (no credentials
       were tried).
   req gives service, protocol and connection; its name, password,
   authzid and mech are filled here. Returns 0 (the outcome is in res), or
   -1 if req is unusable. */
int sasl_login_finish(struct service_env *env, struct sasl_session *sess,
		      const struct login_request *req,
		      struct login_result *res);

#endif
