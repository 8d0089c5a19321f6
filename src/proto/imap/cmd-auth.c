/* SPDX-License-Identifier: MIT */
/*
 * The not-authenticated state: STARTTLS, AUTHENTICATE and LOGIN (RFC 3501
 * section 6.2), with SASL-IR (RFC 4959). Passwords are checked by
 * proto_login_password() (proto/common/login.h), which also applies
 * account status, service access, nologin and the failed-login delay.
 *
 * SASL mechanisms are rows of a table: a mechanism receives each decoded
 * client response and ends the exchange with a login, or asks for more.
 * Only PLAIN (RFC 4616) is built in; the SASL layer (auth/sasl.h) will
 * add its mechanisms as further rows.
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
#include "proto/common/service.h"

#include <string.h>

/* RFC 4616 section 2: authzid, authcid and passwd are at most 255 octets
   each; with the two NULs and base64 that bounds a PLAIN response. */
#define PLAIN_PART_MAX 255
#define PLAIN_MAX (3 * PLAIN_PART_MAX + 2)
/* Failed logins on one connection before it is closed. */
#define AUTH_FAILURES_MAX 5

struct login_ctx {
	struct login_result res;
};

struct sasl_mech {
	const char *name;
	/* offered only where plaintext passwords are allowed */
	bool plaintext;
	/* One decoded client response; returns the command's result. */
	enum imap_cmd_result (*response)(struct imap_cmd *cmd,
					 const uint8_t *data, size_t len);
};

static enum imap_cmd_result plain_response(struct imap_cmd *cmd,
					   const uint8_t *data, size_t len);

static const struct sasl_mech mechs[] = {
    {"PLAIN", true, plain_response},
};

static void
login_cleanup(struct imap_cmd *cmd)
{
	struct login_ctx *lc = cmd->ctx;

	login_result_clear(&lc->res);
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
login_run(struct imap_cmd *cmd, const struct login_request *req)
{
	struct imap_session *s = cmd->session;
	struct login_ctx *lc = pool_alloc(cmd->pool, sizeof(*lc));

	cmd->ctx = lc;
	cmd->cleanup = login_cleanup;
	if (proto_login_password(s->env, req, &lc->res) < 0)
		lc->res.status = LOGIN_FAILED;
	if (lc->res.status == LOGIN_OK)
		return login_ok(cmd);
	if (lc->res.delay_ms > 0)
		return imap_cmd_wait_timer(cmd, lc->res.delay_ms,
					   login_refused);
	return login_refused(cmd);
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

/* RFC 4616 section 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd */
static enum imap_cmd_result
plain_response(struct imap_cmd *cmd, const uint8_t *data, size_t len)
{
	const uint8_t *nul1 = memchr(data, '\0', len), *nul2;
	struct login_request req;
	char authzid[PLAIN_PART_MAX + 1], authcid[PLAIN_PART_MAX + 1];
	char passwd[PLAIN_PART_MAX + 1];
	size_t zlen, clen, plen;
	enum imap_cmd_result ret;

	nul2 = nul1 == NULL
		   ? NULL
		   : memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - data));
	if (nul2 == NULL ||
	    memchr(nul2 + 1, '\0', len - (size_t)(nul2 + 1 - data)) != NULL)
		return imap_cmd_bad(cmd, "Invalid PLAIN response.");
	zlen = (size_t)(nul1 - data);
	clen = (size_t)(nul2 - nul1 - 1);
	plen = len - (size_t)(nul2 + 1 - data);
	if (clen == 0 || zlen > PLAIN_PART_MAX || clen > PLAIN_PART_MAX ||
	    plen > PLAIN_PART_MAX)
		return imap_cmd_bad(cmd, "Invalid PLAIN response.");
	memcpy(authzid, data, zlen);
	authzid[zlen] = '\0';
	memcpy(authcid, nul1 + 1, clen);
	authcid[clen] = '\0';
	memcpy(passwd, nul2 + 1, plen);
	passwd[plen] = '\0';
	login_request_init(cmd, &req);
	req.name = authcid;
	req.password = passwd;
	req.authzid = zlen > 0 ? authzid : NULL;
	ret = login_run(cmd, &req);
	mem_wipe(passwd, sizeof(passwd));
	return ret;
}

/* One base64 client response (RFC 3501 section 6.2.2; RFC 4959 section 3:
   "=" is an empty initial response). */
static enum imap_cmd_result
sasl_response(struct imap_cmd *cmd, const char *b64, size_t len)
{
	const struct sasl_mech *mech = cmd->ctx;
	struct buf data = BUF_INIT;
	enum imap_cmd_result ret;

	cmd->ctx = NULL;
	buf_init(&data, PLAIN_MAX + 1);
	if (!(len == 1 && b64[0] == '=') &&
	    base64_decode(b64, len, &data) < 0) {
		buf_free(&data);
		return imap_cmd_bad(cmd, "Invalid base64 data.");
	}
	ret = mech->response(
	    cmd, data.data != NULL ? data.data : (const uint8_t *)"", data.len);
	if (data.data != NULL)
		mem_wipe(data.data, data.cap);
	buf_free(&data);
	return ret;
}

static enum imap_cmd_result
auth_line(struct imap_cmd *cmd, const char *line, size_t len)
{
	enum imap_cmd_result ret;

	cmd->line = NULL;
	/* RFC 3501 section 6.2.2: "*" cancels, with a tagged BAD */
	if (len == 1 && line[0] == '*')
		return imap_cmd_bad(cmd, "Authentication canceled.");
	ret = sasl_response(cmd, line, len);
	mem_wipe((char *)line, len);
	return ret;
}

/* RFC 3501 section 6.2.2, RFC 4959. */
enum imap_cmd_result
cmd_authenticate(struct imap_cmd *cmd)
{
	const struct sasl_mech *mech = NULL;
	const char *name, *ir;
	size_t irlen;

	if (!imap_cmd_check_count(cmd, 1, 2))
		return IMAP_CMD_DONE;
	if (!imap_arg_get_atom(&cmd->args[0], &name))
		return imap_cmd_bad(cmd, "Invalid mechanism name.");
	for (size_t i = 0; i < N_ELEMENTS(mechs); i++) {
		if (str_eq_icase(name, mechs[i].name))
			mech = &mechs[i];
	}
	if (mech == NULL)
		return imap_cmd_no(cmd, "CANNOT",
				   "Unsupported authentication mechanism.");
	if (mech->plaintext && !imap_session_plaintext_allowed(cmd->session))
		return privacy_required(cmd);
	cmd->ctx = (void *)mech;
	if (cmd->count == 2) {
		if (!imap_arg_get_astring(&cmd->args[1], &ir, &irlen))
			return imap_cmd_bad(cmd, "Invalid initial response.");
		return sasl_response(cmd, ir, irlen);
	}
	conn_write_str(cmd->session->conn, "+ \r\n");
	cmd->line = auth_line;
	return IMAP_CMD_WAIT;
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
