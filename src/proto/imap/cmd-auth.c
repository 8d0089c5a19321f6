/* SPDX-License-Identifier: MIT */
/*
 * The not-authenticated state: STARTTLS, AUTHENTICATE and LOGIN (RFC 3501
 * section 6.2), with SASL-IR (RFC 4959). Passwords are checked by
 * proto_login_password() (proto/common/login.h), which also applies
 * account status, service access, nologin and the failed-login delay.
 *
 * AUTHENTICATE runs the SASL layer (auth/sasl.h, docs/tls-sasl.md) and
 * concludes through the same login checks (proto/common/sasl-login.h).
 */
#include "proto/imap/imap-server-cmd.h"
#include "config/config.h"
#include "lib/codec.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "net/conn.h"
#include "net/tls.h"
#include "proto/common/login.h"
#include "proto/common/sasl-login.h"
#include "proto/common/service.h"

#include <string.h>

/* Failed logins on one connection before it is closed. */
#define AUTH_FAILURES_MAX 5

struct login_ctx {
	struct login_result res;
	/* AUTHENTICATE: the exchange, and the connection as SASL sees it
	   (the exchange borrows it) */
	struct sasl_session *sasl;
	struct sasl_channel channel;
};

static void
login_cleanup(struct imap_cmd *cmd)
{
	struct login_ctx *lc = cmd->ctx;

	login_result_clear(&lc->res);
	sasl_session_destroy(&lc->sasl);
}

static struct login_ctx *
login_ctx_new(struct imap_cmd *cmd)
{
	struct login_ctx *lc = pool_alloc(cmd->pool, sizeof(*lc));

	cmd->ctx = lc;
	cmd->cleanup = login_cleanup;
	return lc;
}

static enum imap_cmd_result
login_ok(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	const struct account *acct =
	    ((struct login_ctx *)cmd->ctx)->res.account;
	const char *userid = ((struct login_ctx *)cmd->ctx)->res.userid;
	uint64_t kib = s->cfg->quota_limit;
	struct buf code = BUF_INIT;
	struct err err;
	enum imap_cmd_result ret;

	if (acct != NULL && acct->has_quota)
		kib = acct->quota_kib;
	if (imap_session_login(s, userid, acct != NULL ? acct->userdir : NULL,
			       kib * 1024, &err) < 0) {
		log_err("imap(%s): %s: cannot open the mail store: %s", userid,
			conn_session_id(s->conn), err.msg);
		return imap_cmd_finishf(cmd, IMAP_STATUS_NO, "UNAVAILABLE",
					"Internal error, see server log [%s]",
					conn_session_id(s->conn));
	}
	/* M-Box guide 2.2.8: login_alert */
	if (s->cfg->login_alert[0] != '\0')
		imap_out_status(s, IMAP_STATUS_OK, "ALERT",
				s->cfg->login_alert);
	/* RFC 3501 section 7.1: the new capabilities with the OK */
	imap_caps_code(s, &code);
	ret =
	    imap_cmd_finish(cmd, IMAP_STATUS_OK, buf_cstr(&code), "Logged in.");
	buf_free(&code);
	return ret;
}

static void
close_after_failures(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;

	imap_session_bye(s, "Too many authentication failures.");
}

/* The refusal, sent after the failed-login delay. */
static enum imap_cmd_result
login_refused(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	const struct login_result *res = &((struct login_ctx *)cmd->ctx)->res;

	if (++s->auth_failures >= AUTH_FAILURES_MAX)
		cmd->after_reply = close_after_failures;
	switch (res->status) {
	case LOGIN_OK:
		break;
	case LOGIN_FAILED:
		return imap_cmd_no(cmd, "AUTHENTICATIONFAILED",
				   "Authentication failed.");
	case LOGIN_ACCOUNT_DISABLED:
	case LOGIN_SERVICE_DENIED:
		return imap_cmd_no(cmd, "CONTACTADMIN",
				   "Login not permitted for this account.");
	case LOGIN_NOLOGIN:
		return imap_cmd_no(cmd, "ALERT",
				   res->alert[0] != '\0'
				       ? res->alert
				       : "Server is closed for maintenance.");
	case LOGIN_TEMPFAIL:
		break;
	}
	return imap_cmd_no(
	    cmd, "UNAVAILABLE",
	    "Temporary authentication failure, try again later.");
}

/* Runs a password login; the request's password is the caller's to wipe. */
static enum imap_cmd_result
login_answer(struct imap_cmd *cmd, imap_cmd_func *refused)
{
	const struct login_ctx *lc = cmd->ctx;

	if (lc->res.status == LOGIN_OK)
		return login_ok(cmd);
	if (lc->res.delay_ms > 0)
		return imap_cmd_wait_timer(cmd, lc->res.delay_ms, refused);
	return refused(cmd);
}

static enum imap_cmd_result
login_run(struct imap_cmd *cmd, const struct login_request *req)
{
	struct imap_session *s = cmd->session;
	struct login_ctx *lc = login_ctx_new(cmd);

	if (proto_login_password(s->env, req, &lc->res) < 0)
		lc->res.status = LOGIN_FAILED;
	return login_answer(cmd, login_refused);
}

static void
login_request_init(struct imap_cmd *cmd, struct login_request *req)
{
	memset(req, 0, sizeof(*req));
	req->service = CONFIG_SERVICE_IMAP;
	req->protocol = "imap";
	req->conn = cmd->session->conn;
}

static enum imap_cmd_result
privacy_required(struct imap_cmd *cmd)
{
	/* RFC 3501 section 6.2.3 (LOGINDISABLED), RFC 5530 PRIVACYREQUIRED */
	return imap_cmd_no(cmd, "PRIVACYREQUIRED",
			   "Plaintext authentication is disallowed on "
			   "non-secure connections.");
}

/* RFC 3501 section 6.2.3. */
enum imap_cmd_result
cmd_login(struct imap_cmd *cmd)
{
	struct login_request req;
	const char *user, *pass;
	size_t ulen, plen;
	enum imap_cmd_result ret;

	if (!imap_cmd_check_count(cmd, 2, 2))
		return IMAP_CMD_DONE;
	if (!imap_arg_get_astring(&cmd->args[0], &user, &ulen) ||
	    !imap_arg_get_astring(&cmd->args[1], &pass, &plen))
		return imap_cmd_bad(cmd, "Invalid user name or password.");
	if (!imap_session_plaintext_allowed(cmd->session)) {
		ret = privacy_required(cmd);
	} else {
		login_request_init(cmd, &req);
		req.name = user;
		req.password = pass;
		ret = login_run(cmd, &req);
	}
	/* the password lives in the command's pool; wipe it now */
	mem_wipe((char *)pass, plen);
	return ret;
}

/* A malformed exchange, answered BAD after the failure delay (it was
   counted like a failed login). */
static enum imap_cmd_result
sasl_malformed(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;

	if (++s->auth_failures >= AUTH_FAILURES_MAX)
		cmd->after_reply = close_after_failures;
	return imap_cmd_bad(cmd, "Invalid SASL exchange.");
}

/* The exchange ended: RFC 3501 section 6.2.2 and RFC 4959 section 3 give
   BAD for a cancelled exchange, invalid base64 and an initial response
   the mechanism does not take; credentials get NO. */
static enum imap_cmd_result
sasl_end(struct imap_cmd *cmd, enum sasl_status status)
{
	struct imap_session *s = cmd->session;
	struct login_ctx *lc = cmd->ctx;
	struct login_request req;
	enum sasl_failure why = sasl_session_failure(lc->sasl);

	if (status == SASL_FAILED && why == SASL_FAIL_CANCELLED)
		return imap_cmd_bad(cmd, "Authentication canceled.");
	login_request_init(cmd, &req);
	if (sasl_login_finish(s->env, lc->sasl, &req, &lc->res) < 0)
		lc->res.status = LOGIN_FAILED;
	sasl_session_destroy(&lc->sasl);
	return login_answer(cmd, why == SASL_FAIL_MALFORMED ? sasl_malformed
							    : login_refused);
}

static enum imap_cmd_result auth_line(struct imap_cmd *cmd, const char *line,
				      size_t len);

static enum imap_cmd_result
sasl_next(struct imap_cmd *cmd, enum sasl_status status, struct buf *challenge)
{
	if (status != SASL_CONTINUE)
		return sasl_end(cmd, status);
	/* RFC 3501 section 7.5: "+" SP base64 (empty for an empty one) */
	conn_printf(cmd->session->conn, "+ %s\r\n", buf_cstr(challenge));
	cmd->line = auth_line;
	return IMAP_CMD_WAIT;
}

/* One client response line: base64 or "*" (auth/sasl.h decodes). */
static enum imap_cmd_result
auth_line(struct imap_cmd *cmd, const char *line, size_t len)
{
	struct login_ctx *lc = cmd->ctx;
	struct buf challenge = BUF_INIT;
	enum imap_cmd_result ret;

	cmd->line = NULL;
	ret = sasl_next(
	    cmd, sasl_session_step_base64(lc->sasl, line, len, &challenge),
	    &challenge);
	mem_wipe((char *)line, len);
	buf_free(&challenge);
	return ret;
}

/* RFC 3501 section 6.2.2, RFC 4959. */
enum imap_cmd_result
cmd_authenticate(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct sasl_session_settings set = {
	    .cfg = s->cfg,
	    /* IMAP has no additional data with success: SCRAM's server
	       signature goes out as a last challenge */
	    .success_data_as_challenge = true,
	};
	struct buf challenge = BUF_INIT;
	struct login_ctx *lc;
	enum sasl_status status;
	enum sasl_mech mech;
	const char *name, *ir = NULL;
	size_t irlen = 0;
	enum imap_cmd_result ret;

	if (!imap_cmd_check_count(cmd, 1, 2))
		return IMAP_CMD_DONE;
	if (!imap_arg_get_atom(&cmd->args[0], &name))
		return imap_cmd_bad(cmd, "Invalid mechanism name.");
	if (cmd->count == 2 && !imap_arg_get_atom(&cmd->args[1], &ir))
		return imap_cmd_bad(cmd, "Invalid initial response.");
	if (ir != NULL)
		irlen = strlen(ir);
	lc = login_ctx_new(cmd);
	sasl_login_channel(s->conn, "imap", &lc->channel);
	if (s->env->sasl == NULL ||
	    !sasl_mech_parse(name, strlen(name), &mech) ||
	    !sasl_mech_offered(s->env->sasl, s->cfg, &lc->channel, mech)) {
		if ((str_eq_icase(name, "PLAIN") ||
		     str_eq_icase(name, "LOGIN")) &&
		    !imap_session_plaintext_allowed(s))
			return privacy_required(cmd);
		return imap_cmd_no(cmd, "CANNOT",
				   "Unsupported authentication mechanism.");
	}
	set.channel = &lc->channel;
	lc->sasl =
	    sasl_session_start_base64(s->env->sasl, &set, name, strlen(name),
				      ir, irlen, &challenge, &status);
	ret = sasl_next(cmd, status, &challenge);
	if (ir != NULL)
		mem_wipe((char *)ir, irlen);
	buf_free(&challenge);
	return ret;
}

static void
starttls_begin(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct err err;

	/* RFC 3501 section 6.2.1: the handshake starts right after the OK;
	   pipelined input is discarded (conn_start_tls()) */
	if (conn_start_tls(s->conn, s->env->tls, &err) < 0) {
		log_err("imap: %s: STARTTLS failed: %s",
			conn_session_id(s->conn), err.msg);
		conn_close(s->conn, "STARTTLS failed");
	}
}

/* RFC 3501 section 6.2.1, RFC 2595. */
enum imap_cmd_result
cmd_starttls(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;

	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	if (s->tls)
		return imap_cmd_bad(cmd, "TLS is already active.");
	if (s->env->tls == NULL)
		return imap_cmd_bad(cmd, "TLS is not available.");
	cmd->after_reply = starttls_begin;
	return imap_cmd_ok(cmd, "Begin TLS negotiation now.");
}
