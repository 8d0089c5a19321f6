/* SPDX-License-Identifier: MIT */
/*
 * Logins shared by IMAP (LOGIN, AUTHENTICATE PLAIN/LOGIN), POP3 (USER/PASS,
 * AUTH) and later ManageSieve: canonicalisation of the name (domain_map of
 * the local address), password check, account status, service access and
 * the nologin switch, in that order, with the log lines the M-Box guide
 * asks for (NOTICE for authentications, INFO for logout).
 *
 * An unknown user and a wrong password give the same status, the same
 * answer and the same timing. A disabled account or a denied service are
 * only told apart after the password was right.
 */
#ifndef COFFER_PROTO_COMMON_LOGIN_H
#define COFFER_PROTO_COMMON_LOGIN_H

#include <stdint.h>
#include "auth/account.h"
#include "proto/common/service.h"

struct conn;

enum login_status {
	LOGIN_OK,
	LOGIN_FAILED,		/* unknown user or wrong password */
	LOGIN_ACCOUNT_DISABLED, /* disabled or being migrated */
	LOGIN_SERVICE_DENIED,	/* per-user or global service rule */
	LOGIN_NOLOGIN,		/* maintenance: nologin file present */
	LOGIN_TEMPFAIL,		/* internal error: try again later */
};

struct login_result {
	enum login_status status;
	/* canonical user id (set when the name could be canonicalised) */
	char userid[ACCOUNT_USERID_MAX + 1];
	/* the account on LOGIN_OK; login_result_clear() frees it */
	struct account *account;
	/* on failure: how long to wait before answering the client
	   (failed-login delay; grows with repeated failures) */
	unsigned delay_ms;
	/* for LOGIN_NOLOGIN: the alert text (first line of the file) */
	char alert[256];
};

struct login_request {
	enum config_service service; /* access rule to apply */
	const char *protocol;	     /* "imap", "pop3": for log lines */
	const char *name;	     /* as the client sent it */
	const char *password;
	/* authorization identity (SASL authzid), NULL or "" for none: only
	   admin_user may act as another user */
	const char *authzid;
	struct conn *conn; /* addresses and session id for canonicalisation
			      and logs; may be NULL in tests */
};

/* Checks a plaintext login. Blocking (password hashing is deliberately
   slow): call it from a worker, as all protocol code runs. Returns 0 with
   the outcome in *res (also for refusals), -1 only if the request itself
   is unusable. */
int proto_login_password(struct service_env *env,
			 const struct login_request *req,
			 struct login_result *res);

/* For logins verified elsewhere (SASL mechanisms, client certificates):
   applies status, service access and nologin to an authenticated user id
   (and optional authzid) and logs like proto_login_password(). */
int proto_login_verified(struct service_env *env,
			 const struct login_request *req,
			 const char *authenticated_userid,
			 struct login_result *res);

/* For authentications that failed elsewhere (a SASL mechanism rejected
   the client's proof): counts the failure against the client address and
   req->name (the authentication identity the client gave; may be NULL),
   logs the NOTICE line with reason (a short fixed text, never client
   data), and sets res to LOGIN_FAILED with the delay to apply. Returns 0,
   or -1 if req is unusable. */
int proto_login_failed(struct service_env *env, const struct login_request *req,
		       const char *reason, struct login_result *res);

/* Frees the account (if any); res may be reused afterwards. */
void login_result_clear(struct login_result *res);

/* The INFO line at the end of a session: session id, user, client
   address, bytes in and out. */
void proto_log_logout(const struct conn *c, const char *protocol,
		      const char *userid, const char *reason);

#endif
