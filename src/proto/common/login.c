/* SPDX-License-Identifier: MIT */
/* Logins shared by every service: canonicalisation, password check,
   authorization identity, account status, service access, nologin, the
   failed-login delay and the authentication log lines. */
#include "proto/common/login.h"
#include "proto/common/login-delay.h"
#include "auth/password.h"
#include "auth/userdb.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "net/conn.h"

#include <stdio.h>
#include <string.h>

/* Client-supplied names are shown escaped and cut to this length. */
#define SHOWN_MAX (ACCOUNT_USERID_MAX * 4 + 1)

/* One login attempt in progress. */
struct login_ctx {
	struct service_env *env;
	const struct login_request *req;
	struct ms_config *cfg;
	const char *client;  /* peer address, "-" without a connection */
	const char *local;   /* local address (domain_map), or NULL */
	const char *session; /* session id for log lines */
	/* authentication identity when it differs from the session's user
	   (admin_user acting for another user), else "" */
	char authcid[ACCOUNT_USERID_MAX + 1];
};

static void
ctx_init(struct login_ctx *ctx, struct service_env *env,
	 const struct login_request *req, struct login_result *res)
{
	memset(res, 0, sizeof(*res));
	memset(ctx, 0, sizeof(*ctx));
	ctx->env = env;
	ctx->req = req;
	ctx->cfg = service_env_config(env);
	ctx->client = req->conn != NULL ? conn_peer_addr(req->conn) : "-";
	ctx->local = req->conn != NULL ? conn_local_addr(req->conn) : NULL;
	ctx->session = req->conn != NULL ? conn_session_id(req->conn) : "-";
}

static void
ctx_deinit(struct login_ctx *ctx)
{
	config_unref(&ctx->cfg);
}

static bool
request_usable(const struct login_request *req)
{
	return req != NULL && req->protocol != NULL &&
	       (unsigned)req->service < CONFIG_SERVICE_COUNT;
}

/* Client-supplied text in a key=value log line: bytes that could end the
   value or forge another field (space, quote, '=', control and 8-bit
   bytes, the escape itself) become \xHH. */
static void
shown(char *dst, const char *s)
{
	size_t o = 0;

	if (s == NULL || s[0] == '\0') {
		str_copy(dst, "-", SHOWN_MAX);
		return;
	}
	for (size_t i = 0; s[i] != '\0' && i <= ACCOUNT_USERID_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 5 > SHOWN_MAX)
			break;
		if (c > 0x20 && c < 0x7f && c != '"' && c != '=' && c != '\\') {
			dst[o++] = (char)c;
		} else {
			snprintf(dst + o, SHOWN_MAX - o, "\\x%02x", c);
			o += 4;
		}
	}
	dst[o] = '\0';
}

/* " mech=<name>" for SASL logins (a mechanism name from our own table,
   never client data), nothing otherwise. */
static const char *
mech_key(const struct login_ctx *ctx)
{
	return ctx->req->mech != NULL ? " mech=" : "";
}

static const char *
mech_value(const struct login_ctx *ctx)
{
	return ctx->req->mech != NULL ? ctx->req->mech : "";
}

/* The user shown in log lines: the canonical id once known, else what
   the client sent. */
static void
shown_user(char *dst, const struct login_ctx *ctx,
	   const struct login_result *res)
{
	shown(dst, res->userid[0] != '\0' ? res->userid : ctx->req->name);
}

/* LOGIN_FAILED: unknown user, wrong password, unusable name or authzid.
   Every one of them costs the same and answers the same; only the log
   line tells them apart. */
static void
login_fail(struct login_ctx *ctx, struct login_result *res, const char *reason)
{
	const char *key = res->userid[0] != '\0' ? res->userid : ctx->req->name;
	char user[SHOWN_MAX], authzid[SHOWN_MAX];

	res->status = LOGIN_FAILED;
	account_destroy(&res->account);
	res->delay_ms = login_delay_failure(
	    ctx->env->login_delay, ctx->req->conn != NULL ? ctx->client : NULL,
	    key, time_mono_ms());
	shown_user(user, ctx, res);
	shown(authzid, ctx->req->authzid);
	log_notice("%s login failed: user=%s authzid=%s%s%s client=%s "
		   "session=%s reason=\"%s\" delay=%ums",
		   ctx->req->protocol, user, authzid, mech_key(ctx),
		   mech_value(ctx), ctx->client, ctx->session, reason,
		   res->delay_ms);
}

/* The password was right but the login is refused anyway. */
static void
login_refuse(struct login_ctx *ctx, struct login_result *res,
	     enum login_status status, const char *reason)
{
	char user[SHOWN_MAX];

	res->status = status;
	account_destroy(&res->account);
	shown_user(user, ctx, res);
	log_notice("%s login refused: user=%s%s%s%s%s client=%s session=%s "
		   "reason=\"%s\"",
		   ctx->req->protocol, user,
		   ctx->authcid[0] != '\0' ? " authcid=" : "", ctx->authcid,
		   mech_key(ctx), mech_value(ctx), ctx->client, ctx->session,
		   reason);
}

static void
login_tempfail(struct login_ctx *ctx, struct login_result *res,
	       const struct err *err)
{
	char user[SHOWN_MAX];

	res->status = LOGIN_TEMPFAIL;
	account_destroy(&res->account);
	shown_user(user, ctx, res);
	log_err("%s login failed: user=%s client=%s session=%s: %s",
		ctx->req->protocol, user, ctx->client, ctx->session, err->msg);
}

/* Whether name (canonical) is the account itself or one of its aliases. */
static bool
names_account(const struct account *acct, const char *name)
{
	return strcmp(acct->userid, name) == 0 || account_has_alias(acct, name);
}

static bool
is_admin(const struct login_ctx *ctx, const struct account *acct)
{
	char admin[ACCOUNT_USERID_MAX + 1];
	struct err err;

	if (ctx->cfg->admin_user[0] == '\0')
		return false;
	if (account_canonicalize(ctx->cfg, ctx->cfg->admin_user, ctx->local,
				 admin, sizeof(admin), &err) < 0)
		return false;
	return names_account(acct, admin);
}

/* RFC 4616 section 2: the server checks that the authentication identity
   may act as the authorization identity. Anyone may name themselves;
   only admin_user may name somebody else (M-Box guide 2.2.6.5). On
   success *acct (the authenticated account) is replaced by the account
   the session acts for. Returns 0, or -1 with res set. */
static int
apply_authzid(struct login_ctx *ctx, struct account **acct,
	      struct login_result *res)
{
	char authz[ACCOUNT_USERID_MAX + 1];
	struct account *target = NULL;
	struct err err;
	int ret;

	if (ctx->req->authzid == NULL || ctx->req->authzid[0] == '\0')
		return 0;
	if (account_canonicalize(ctx->cfg, ctx->req->authzid, ctx->local, authz,
				 sizeof(authz), &err) < 0) {
		login_fail(ctx, res, "invalid authorization identity");
		return -1;
	}
	if (names_account(*acct, authz))
		return 0;
	if (!is_admin(ctx, *acct)) {
		login_fail(ctx, res,
			   "not allowed to use another authorization identity");
		return -1;
	}
	ret = userdb_lookup(ctx->env->userdb, authz, &target, &err);
	if (ret < 0) {
		login_tempfail(ctx, res, &err);
		return -1;
	}
	if (ret == 0) {
		login_fail(ctx, res, "unknown authorization identity");
		return -1;
	}
	str_copy(ctx->authcid, (*acct)->userid, sizeof(ctx->authcid));
	account_destroy(acct);
	*acct = target;
	return 0;
}

/* RFC 4616 section 2 and login.h: status of the authenticated account,
   authorization identity, status of the account acted for. */
static int
check_identities(struct login_ctx *ctx, struct login_result *res)
{
	if (res->account->status == ACCOUNT_ENABLED &&
	    apply_authzid(ctx, &res->account, res) < 0)
		return -1;
	str_copy(res->userid, res->account->userid, sizeof(res->userid));
	if (res->account->status != ACCOUNT_ENABLED) {
		login_refuse(ctx, res, LOGIN_ACCOUNT_DISABLED,
			     res->account->status == ACCOUNT_MIGRATING
				 ? "account is being migrated"
				 : "account disabled");
		return -1;
	}
	return 0;
}

/* The checks after authentication, in the order of login.h: status,
   service access, nologin. Takes ownership of acct. */
static void
login_finish(struct login_ctx *ctx, struct account *acct,
	     struct login_result *res)
{
	char alert[sizeof(res->alert)];
	const char *authn;
	bool explicit_rule;

	str_copy(res->userid, acct->userid, sizeof(res->userid));
	res->account = acct;
	if (check_identities(ctx, res) < 0)
		return;
	authn = ctx->authcid[0] != '\0' ? ctx->authcid : res->userid;
	if (account_service_access(ctx->cfg, res->account, ctx->req->service,
				   &explicit_rule) == CONFIG_ACCESS_DENY) {
		login_refuse(ctx, res, LOGIN_SERVICE_DENIED,
			     explicit_rule ? "service denied for this user"
					   : "service denied by "
					     "accessible_services");
		return;
	}
	if (service_env_nologin(ctx->env, alert, sizeof(alert))) {
		str_copy(res->alert, alert, sizeof(res->alert));
		login_refuse(ctx, res, LOGIN_NOLOGIN, "nologin file present");
		return;
	}
	login_delay_success(ctx->env->login_delay, authn);
	res->status = LOGIN_OK;
	log_notice("%s login: user=%s%s%s%s%s client=%s session=%s",
		   ctx->req->protocol, res->userid,
		   ctx->authcid[0] != '\0' ? " authcid=" : "", ctx->authcid,
		   mech_key(ctx), mech_value(ctx), ctx->client, ctx->session);
}

/* userdb_authenticate() refuses a disabled account with the same class
   as an account without password; tell them apart, which is safe
   because it only happens after the password was verified. */
static bool
refused_after_password(struct login_ctx *ctx, const char *userid)
{
	struct account *acct = NULL;
	struct err err;
	bool disabled;

	if (userdb_lookup(ctx->env->userdb, userid, &acct, &err) <= 0)
		return false;
	disabled = acct->password != NULL && acct->status != ACCOUNT_ENABLED;
	account_destroy(&acct);
	return disabled;
}

static const char *
failure_reason(enum err_code code)
{
	switch (code) {
	case ERR_NOTFOUND:
		return "unknown user";
	case ERR_PARAMS:
		return "wrong password";
	case ERR_PERM:
		return "account has no password";
	default:
		return "authentication failed";
	}
}

int
proto_login_password(struct service_env *env, const struct login_request *req,
		     struct login_result *res)
{
	struct login_ctx ctx;
	struct account *acct = NULL;
	struct err err;
	int ret;

	if (!request_usable(req) || req->name == NULL || req->password == NULL)
		return -1;
	ctx_init(&ctx, env, req, res);
	if (account_canonicalize(ctx.cfg, req->name, ctx.local, res->userid,
				 sizeof(res->userid), &err) < 0) {
		/* spend the time a verification takes: no shortcut tells
		   an impossible name from an unknown one */
		res->userid[0] = '\0';
		userdb_verify_dummy(env->userdb, req->password);
		login_fail(&ctx, res, "invalid user name");
		ctx_deinit(&ctx);
		return 0;
	}
	err_clear(&err);
	ret = userdb_authenticate(env->userdb, res->userid, req->password,
				  &acct, &err);
	if (ret < 0) {
		login_tempfail(&ctx, res, &err);
	} else if (ret == 0) {
		if (err.code == ERR_PERM &&
		    refused_after_password(&ctx, res->userid)) {
			login_refuse(&ctx, res, LOGIN_ACCOUNT_DISABLED,
				     "account disabled or being migrated");
		} else {
			login_fail(&ctx, res, failure_reason(err.code));
		}
	} else {
		login_finish(&ctx, acct, res);
	}
	ctx_deinit(&ctx);
	return 0;
}

int
proto_login_verified(struct service_env *env, const struct login_request *req,
		     const char *authenticated_userid, struct login_result *res)
{
	struct login_ctx ctx;
	struct account *acct = NULL;
	struct err err;
	int ret;

	if (!request_usable(req) || authenticated_userid == NULL)
		return -1;
	ctx_init(&ctx, env, req, res);
	if (account_canonicalize(ctx.cfg, authenticated_userid, ctx.local,
				 res->userid, sizeof(res->userid), &err) < 0) {
		res->userid[0] = '\0';
		login_fail(&ctx, res, "invalid user name");
		ctx_deinit(&ctx);
		return 0;
	}
	ret = userdb_lookup(env->userdb, res->userid, &acct, &err);
	if (ret < 0)
		login_tempfail(&ctx, res, &err);
	else if (ret == 0)
		login_fail(&ctx, res, "unknown user");
	else
		login_finish(&ctx, acct, res);
	ctx_deinit(&ctx);
	return 0;
}

int
proto_login_failed(struct service_env *env, const struct login_request *req,
		   const char *reason, struct login_result *res)
{
	struct login_ctx ctx;
	struct err err;

	if (!request_usable(req))
		return -1;
	ctx_init(&ctx, env, req, res);
	if (req->name == NULL ||
	    account_canonicalize(ctx.cfg, req->name, ctx.local, res->userid,
				 sizeof(res->userid), &err) < 0)
		res->userid[0] = '\0';
	login_fail(&ctx, res,
		   reason != NULL ? reason : "authentication failed");
	ctx_deinit(&ctx);
	return 0;
}

void
login_result_clear(struct login_result *res)
{
	account_destroy(&res->account);
}

void
proto_log_logout(const struct conn *c, const char *protocol, const char *userid,
		 const char *reason)
{
	const char *why = reason != NULL ? reason : conn_close_reason(c);
	char user[SHOWN_MAX];

	shown(user, userid);
	log_info("%s %s: user=%s client=%s session=%s in=%llu out=%llu "
		 "reason=\"%s\"",
		 protocol,
		 userid != NULL && userid[0] != '\0' ? "logout" : "disconnect",
		 user, conn_peer_addr(c), conn_session_id(c),
		 (unsigned long long)conn_bytes_in(c),
		 (unsigned long long)conn_bytes_out(c),
		 why != NULL ? why : "-");
}
