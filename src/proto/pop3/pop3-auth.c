/* SPDX-License-Identifier: MIT */
/*
 * The AUTHORIZATION state (RFC 1939 section 4): CAPA (RFC 2449 section 5),
 * USER/PASS (RFC 1939 section 7), AUTH (RFC 5034 section 4), STLS (RFC
 * 2595 section 4), and entering the TRANSACTION state.
 *
 * Response codes: RFC 2449 section 8 (IN-USE, LOGIN-DELAY) and RFC 3206
 * (SYS/TEMP, SYS/PERM, AUTH; capability AUTH-RESP-CODE), as registered in
 * the IANA POP3 extension registry. [AUTH] marks refusals where new
 * credentials or another account are needed; [SYS/TEMP] failures where
 * trying again later may work.
 */
#include "proto/pop3/pop3-maildrop.h"
#include "proto/pop3/pop3-private.h"
#include "proto/pop3/pop3-sasl.h"
#include "net/conn.h"
#include "net/tls.h"
#include "store/store-lock.h"
#include "lib/codec.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest SASL mechanism name (RFC 4422 section 3.1: 20 characters). */
#define SASL_MECH_NAME_MAX 20

bool
pop3_auth_plaintext_allowed(const struct pop3_session *s)
{
	/* login_disabled (default true) refuses passwords in the clear;
	   under TLS they are allowed (docs/pop3.md) */
	return !s->cfg->login_disabled || conn_is_tls(s->conn);
}

static bool
stls_offered(const struct pop3_session *s)
{
	return s->env->tls != NULL && !conn_is_tls(s->conn) &&
	       s->state == POP3_STATE_AUTHORIZATION;
}

void
pop3_auth_capa(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	struct buf mechs = BUF_INIT;
	struct conn *c = s->conn;

	(void)cmd;
	pop3_session_ok(s, "Capability list follows");
	/* RFC 2449 section 6; USER and SASL follow the plaintext policy and
	   are announced in both states, as section 5 requires */
	conn_write_str(c, "TOP\r\nUIDL\r\n");
	if (pop3_auth_plaintext_allowed(s))
		conn_write_str(c, "USER\r\n");
	pop3_sasl_mechanisms(s, " ", &mechs);
	if (mechs.len > 0)
		conn_printf(c, "SASL %s\r\n", buf_cstr(&mechs));
	buf_free(&mechs);
	conn_write_str(c, "RESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
			  "EXPIRE NEVER\r\n");
	/* the delay is the same for every user: no "USER" suffix */
	if (s->cfg->login_delay > 0)
		conn_printf(c, "LOGIN-DELAY %lld\r\n",
			    (long long)s->cfg->login_delay);
	conn_write_str(c,
		       "IMPLEMENTATION " COFFER_NAME "-" COFFER_VERSION "\r\n");
	/* RFC 2595 section 4: "present and permitted in the current
	   state" */
	if (stls_offered(s))
		conn_write_str(c, "STLS\r\n");
	conn_write_str(c, ".\r\n");
}

static void
refuse_plaintext(struct pop3_session *s)
{
	pop3_session_err(
	    s, "AUTH", "Plaintext authentication is not allowed without TLS%s",
	    stls_offered(s) ? " (use STLS)" : "");
}

/* An authentication failure: counted, answered after the delay the login
   check asked for, and the last allowed one closes the connection. */
static void
auth_failed(struct pop3_session *s, unsigned delay_ms, const char *code,
	    const char *text)
{
	char line[REPLY_LINE_MAX];
	bool close = ++s->auth_failures >= POP3_MAX_AUTH_FAILURES;

	snprintf(line, sizeof(line), "-ERR [%s] %s\r\n", code, text);
	pop3_session_delay_reply(s, delay_ms, line, close);
}

/* Copies the nologin alert as printable ASCII. */
static void
sanitize_alert(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0' && n + 1 < size; in++)
		out[n++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
	out[n] = '\0';
}

/* RFC 1939 section 4: having authenticated the user, lock and open the
   maildrop; only then is the answer positive. */
static void
enter_transaction(struct pop3_session *s, const struct login_result *res)
{
	struct pop3_maildrop *drop;
	struct err err;
	const char *userdir =
	    res->account != NULL ? res->account->userdir : NULL;

	if (pop3_maildrop_open(s->env->store, res->userid, userdir,
			       (unsigned)s->cfg->login_delay, &drop,
			       &err) < 0) {
		switch (err.code) {
		case ERR_INUSE:
			log_info("pop3: %s: maildrop in use [%s]", res->userid,
				 conn_session_id(s->conn));
			/* RFC 2449 section 8.1.2 */
			pop3_session_err(s, "IN-USE",
					 "Maildrop is in use by another POP3 "
					 "session");
			break;
		case ERR_LIMIT:
			/* RFC 2449 section 8.1.1 */
			pop3_session_err(s, "LOGIN-DELAY",
					 "Wait %lld seconds between logins",
					 (long long)s->cfg->login_delay);
			break;
		default:
			pop3_session_internal_error(s, "opening the maildrop",
						    &err);
			break;
		}
		return;
	}
	s->drop = drop;
	s->state = POP3_STATE_TRANSACTION;
	str_copy(s->userid, res->userid, sizeof(s->userid));
	s->heartbeat_due = time_mono_ms() + STORE_LOCK_HEARTBEAT_SECS * 1000ull;
	pop3_session_touch(s);
	pop3_session_ok(s,
			"Maildrop locked and ready, %u messages (%llu octets)",
			pop3_maildrop_live_count(drop),
			(unsigned long long)pop3_maildrop_live_size(drop));
}

/* Answers the outcome of a login attempt (USER/PASS or AUTH). */
static void
login_finish(struct pop3_session *s, struct login_result *res)
{
	char alert[sizeof(res->alert)], line[REPLY_LINE_MAX];

	switch (res->status) {
	case LOGIN_OK:
		enter_transaction(s, res);
		break;
	case LOGIN_FAILED:
		auth_failed(s, res->delay_ms, "AUTH", "Authentication failed");
		break;
	case LOGIN_ACCOUNT_DISABLED:
		auth_failed(s, res->delay_ms, "AUTH", "Account is disabled");
		break;
	case LOGIN_SERVICE_DENIED:
		auth_failed(s, res->delay_ms, "AUTH",
			    "POP3 access is not allowed for this account");
		break;
	case LOGIN_NOLOGIN:
		/* M-Store nologin: the first line of the file, then close */
		sanitize_alert(res->alert, alert, sizeof(alert));
		snprintf(line, sizeof(line), "-ERR [SYS/TEMP] %s\r\n",
			 alert[0] != '\0' ? alert : "Logins are disabled");
		conn_write_str(s->conn, line);
		pop3_session_close(s, "nologin");
		break;
	case LOGIN_TEMPFAIL:
		auth_failed(s, res->delay_ms, "SYS/TEMP",
			    "Temporary failure, try again later");
		break;
	}
	login_result_clear(res);
}

void
pop3_auth_user(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (!pop3_auth_plaintext_allowed(s)) {
		refuse_plaintext(s);
		return;
	}
	if (cmd->args[0].len > POP3_USER_MAX) {
		pop3_session_err(s, "AUTH", "User name too long");
		return;
	}
	if (s->user != NULL)
		xfree_secret(s->user, strlen(s->user));
	s->user = xstrndup(cmd->args[0].p, cmd->args[0].len);
	/* RFC 1939 section 13: answering -ERR to USER tells attackers which
	   names exist; every name gets +OK */
	pop3_session_ok(s, "Send PASS");
}

void
pop3_auth_pass(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	struct login_result res;
	struct login_request req;
	char *password;

	if (s->user == NULL) {
		pop3_session_bad_command(s, "Send USER first");
		return;
	}
	if (!pop3_auth_plaintext_allowed(s)) {
		refuse_plaintext(s);
		return;
	}
	password = xstrndup(cmd->args[0].p, cmd->args[0].len);
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.service = CONFIG_SERVICE_POP;
	req.protocol = "pop3";
	req.name = s->user;
	req.password = password;
	req.conn = s->conn;
	if (proto_login_password(s->env, &req, &res) < 0)
		res.status = LOGIN_FAILED;
	xfree_secret(password, cmd->args[0].len);
	/* RFC 1939 section 7: after PASS, successful or not, a new
	   authentication starts with USER */
	xfree_secret(s->user, strlen(s->user));
	s->user = NULL;
	login_finish(s, &res);
}

void
pop3_auth_apop(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	/* APOP needs a plaintext-equivalent secret, which the account
	   store never keeps; the greeting carries no timestamp, so clients
	   do not try it (RFC 2449 section 6) */
	pop3_session_err(s, "AUTH", "APOP is not supported");
}

/* An AUTH exchange the client got wrong (malformed message, bad base64):
   it ends like a failed login -- logged, counted and delayed by the
   shared login code. */
static void
sasl_malformed(struct pop3_session *s, const char *reason)
{
	struct login_request req;
	struct login_result res;

	pop3_sasl_end(&s->sasl);
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.service = CONFIG_SERVICE_POP;
	req.protocol = "pop3";
	req.conn = s->conn;
	if (proto_login_failed(s->env, &req, reason, &res) < 0)
		res.delay_ms = 0;
	auth_failed(s, res.delay_ms, "AUTH", "Invalid authentication exchange");
	login_result_clear(&res);
}

/* Handles one step's outcome: a challenge, a finished login or a
   malformed exchange. */
static void
sasl_continue(struct pop3_session *s, bool have_input, const uint8_t *in,
	      size_t len)
{
	struct buf challenge = BUF_INIT, b64 = BUF_INIT;
	struct login_result res;

	memset(&res, 0, sizeof(res));
	switch (
	    pop3_sasl_step(s->sasl, have_input, in, len, &challenge, &res)) {
	case POP3_SASL_CONTINUE:
		/* RFC 5034 section 4: "+" SP [base64]; an empty challenge
		   is "+ " */
		base64_encode(challenge.data, challenge.len, &b64);
		conn_printf(s->conn, "+ %s\r\n", buf_cstr(&b64));
		break;
	case POP3_SASL_DONE:
		pop3_sasl_end(&s->sasl);
		login_finish(s, &res);
		break;
	case POP3_SASL_MALFORMED:
		sasl_malformed(s, "malformed SASL message");
		break;
	}
	buf_free(&challenge);
	buf_free(&b64);
}

/* RFC 5034 section 4: strict base64, or "=" for an empty response. */
static int
decode_response(const char *p, size_t len, struct buf *out)
{
	if (len == 1 && p[0] == '=')
		return 0;
	return base64_decode(p, len, out);
}

void
pop3_auth_sasl(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	char mech[SASL_MECH_NAME_MAX + 1];
	struct buf mechs = BUF_INIT, in = BUF_INIT;

	if (cmd->nargs == 0) {
		/* RFC 1734 clients send AUTH alone for the mechanism list */
		pop3_sasl_mechanisms(s, "\r\n", &mechs);
		pop3_session_ok(s, "Supported mechanisms follow");
		conn_printf(s->conn, "%s%s.\r\n", buf_cstr(&mechs),
			    mechs.len > 0 ? "\r\n" : "");
		buf_free(&mechs);
		return;
	}
	if (cmd->args[0].len > SASL_MECH_NAME_MAX) {
		pop3_session_err(s, NULL,
				 "Unsupported authentication mechanism");
		return;
	}
	memcpy(mech, cmd->args[0].p, cmd->args[0].len);
	mech[cmd->args[0].len] = '\0';
	s->sasl = pop3_sasl_begin(s, mech);
	if (s->sasl == NULL) {
		if (!pop3_auth_plaintext_allowed(s) &&
		    (str_eq_icase(mech, "PLAIN") ||
		     str_eq_icase(mech, "LOGIN")))
			refuse_plaintext(s);
		else
			pop3_session_err(
			    s, NULL, "Unsupported authentication mechanism");
		return;
	}
	if (cmd->nargs == 1) {
		sasl_continue(s, false, NULL, 0);
		return;
	}
	buf_init(&in, POP3_SASL_LINE_MAX);
	if (decode_response(cmd->args[1].p, cmd->args[1].len, &in) < 0) {
		/* RFC 5034 section 4: "MUST reject the AUTH command" */
		sasl_malformed(s, "invalid base64");
	} else {
		sasl_continue(s, true, in.data, in.len);
	}
	if (in.data != NULL)
		mem_wipe(in.data, in.cap);
	buf_free(&in);
}

void
pop3_auth_response(struct pop3_session *s, const char *line, size_t len)
{
	struct buf in = BUF_INIT;

	/* RFC 5034 section 4: "*" cancels; the server "MUST reject the AUTH
	   command by sending an -ERR reply" */
	if (len == 1 && line[0] == '*') {
		pop3_sasl_end(&s->sasl);
		pop3_session_err(s, NULL, "Authentication cancelled");
		return;
	}
	buf_init(&in, POP3_SASL_LINE_MAX);
	if (len > 0 && base64_decode(line, len, &in) < 0) {
		sasl_malformed(s, "invalid base64");
	} else {
		sasl_continue(s, true, in.data, in.len);
	}
	if (in.data != NULL)
		mem_wipe(in.data, in.cap);
	buf_free(&in);
}

void
pop3_auth_stls(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	struct err err;

	(void)cmd;
	if (conn_is_tls(s->conn)) {
		/* RFC 2595 section 4 */
		pop3_session_err(s, NULL,
				 "Command not permitted when TLS active");
		return;
	}
	if (s->env->tls == NULL) {
		pop3_session_err(s, NULL, "STLS is not available");
		return;
	}
	pop3_session_ok(s, "Begin TLS negotiation now");
	if (conn_start_tls(s->conn, s->env->tls, &err) < 0) {
		log_err("pop3: STLS failed: %s [%s]", err.msg,
			conn_session_id(s->conn));
		conn_close(s->conn, "STLS failed");
		return;
	}
	/* RFC 2595 section 4: nothing learnt before TLS carries over */
	if (s->user != NULL) {
		xfree_secret(s->user, strlen(s->user));
		s->user = NULL;
	}
}
