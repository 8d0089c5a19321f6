/* SPDX-License-Identifier: MIT */
/*
 * The POP3 session: connection handler, command lines, dispatch by state,
 * error limits and timers (idle timeout, failed-login delays, the maildrop
 * lock's heartbeat), all on the connection's one timer.
 *
 * Pipelining (RFC 2449 section 6.6: "it MUST process each command in
 * turn"): every complete line in the input buffer is handled in order in
 * one run, replies accumulate in the output buffer and go out together.
 * While a multi-line response is being produced, or a failed login waits
 * out its delay, no further command is read (conn_want_input(false)): the
 * kernel's TCP window, not our memory, holds what the client sent ahead.
 */
#include "proto/pop3/pop3-maildrop.h"
#include "proto/pop3/pop3-private.h"
#include "proto/pop3/pop3-sasl.h"
#include "net/conn.h"
#include "store/store-lock.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	void (*fn)(struct pop3_session *s, const struct pop3_cmd *cmd);
	unsigned states;
} dispatch[POP3_CMD_COUNT] = {
#define AUTHZ POP3_STATE_AUTHORIZATION
#define TRANS POP3_STATE_TRANSACTION
    [POP3_CMD_USER] = {pop3_auth_user, AUTHZ},
    [POP3_CMD_PASS] = {pop3_auth_pass, AUTHZ},
    [POP3_CMD_APOP] = {pop3_auth_apop, AUTHZ},
    [POP3_CMD_AUTH] = {pop3_auth_sasl, AUTHZ},
    [POP3_CMD_STLS] = {pop3_auth_stls, AUTHZ},
    [POP3_CMD_CAPA] = {pop3_auth_capa, AUTHZ | TRANS},
    [POP3_CMD_QUIT] = {pop3_cmds_quit, AUTHZ | TRANS},
    [POP3_CMD_STAT] = {pop3_cmds_stat, TRANS},
    [POP3_CMD_LIST] = {pop3_cmds_list, TRANS},
    [POP3_CMD_RETR] = {pop3_cmds_retr, TRANS},
    [POP3_CMD_DELE] = {pop3_cmds_dele, TRANS},
    [POP3_CMD_NOOP] = {pop3_cmds_noop, TRANS},
    [POP3_CMD_RSET] = {pop3_cmds_rset, TRANS},
    [POP3_CMD_TOP] = {pop3_cmds_top, TRANS},
    [POP3_CMD_UIDL] = {pop3_cmds_uidl, TRANS},
#undef AUTHZ
#undef TRANS
};

/* --- replies ------------------------------------------------------------ */

/* Reply text is bounded so that a line stays within RFC 1939's 512
   octets: status, code and text below 500. */
#define REPLY_TEXT_MAX 400

static void reply(struct pop3_session *s, bool ok, const char *code,
		  const char *fmt, va_list ap) ATTR_FORMAT(4, 0);

static void
reply(struct pop3_session *s, bool ok, const char *code, const char *fmt,
      va_list ap)
{
	char text[REPLY_TEXT_MAX];

	vsnprintf(text, sizeof(text), fmt, ap);
	conn_printf(s->conn, "%s%s%s%s%s%s\r\n", ok ? "+OK" : "-ERR",
		    code != NULL ? " [" : "", code != NULL ? code : "",
		    code != NULL ? "]" : "", text[0] != '\0' ? " " : "", text);
}

void
pop3_session_ok(struct pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, true, NULL, fmt, ap);
	va_end(ap);
}

void
pop3_session_err(struct pop3_session *s, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, false, code, fmt, ap);
	va_end(ap);
}

void
pop3_session_internal_error(struct pop3_session *s, const char *what,
			    const struct err *err)
{
	log_err("pop3: %s%s%s: %s [%s]", s->userid,
		s->userid[0] != '\0' ? ": " : "", what, err->msg,
		conn_session_id(s->conn));
	/* docs/STYLE.md: clients never see internal detail */
	pop3_session_err(s, "SYS/TEMP", "Internal error, see server log [%s]",
			 conn_session_id(s->conn));
}

void
pop3_session_close(struct pop3_session *s, const char *reason)
{
	if (s->close_reason[0] == '\0')
		str_copy(s->close_reason, reason, sizeof(s->close_reason));
	conn_close_after_flush(s->conn, reason);
}

void
pop3_session_bad_command(struct pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	if (++s->bad_commands >= POP3_MAX_BAD_COMMANDS) {
		pop3_session_err(s, NULL,
				 "Too many bad commands, closing connection");
		pop3_session_close(s, "Too many bad commands");
		return;
	}
	va_start(ap, fmt);
	reply(s, false, NULL, fmt, ap);
	va_end(ap);
}

void
pop3_session_delay_reply(struct pop3_session *s, unsigned delay_ms,
			 const char *line, bool close)
{
	if (delay_ms == 0) {
		conn_write_str(s->conn, line);
		if (close)
			pop3_session_close(s, "Too many failed logins");
		return;
	}
	free(s->delayed_reply);
	s->delayed_reply = xstrdup(line);
	s->close_after_delay = close;
	s->delay_until = time_mono_ms() + delay_ms;
}

static void
flush_delayed_reply(struct pop3_session *s)
{
	conn_write_str(s->conn, s->delayed_reply);
	xfree(&s->delayed_reply);
	s->delay_until = 0;
	if (s->close_after_delay)
		pop3_session_close(s, "Too many failed logins");
}

/* --- timers ------------------------------------------------------------- */

void
pop3_session_touch(struct pop3_session *s)
{
	/* preauth_timeout: seconds; pop_timeout: seconds, clamped by the
	   configuration to at least 5 minutes (M-Box guide 2.2.8) */
	int64_t secs = s->state == POP3_STATE_TRANSACTION
			   ? s->cfg->pop_timeout
			   : s->cfg->preauth_timeout;

	if (secs <= 0)
		secs = 60;
	s->idle_deadline = time_mono_ms() + (uint64_t)secs * 1000;
}

static void
heartbeat(struct pop3_session *s, uint64_t now)
{
	struct err err;

	if (s->drop == NULL || now < s->heartbeat_due)
		return;
	s->heartbeat_due = now + STORE_LOCK_HEARTBEAT_SECS * 1000ull;
	if (pop3_maildrop_heartbeat(s->drop, &err) < 0) {
		/* another session owns the maildrop now: end without the
		   UPDATE state */
		log_warning("pop3: %s: %s [%s]", s->userid, err.msg,
			    conn_session_id(s->conn));
		str_copy(s->close_reason, "Maildrop lock lost",
			 sizeof(s->close_reason));
		conn_close(s->conn, "Maildrop lock lost");
	}
}

static void
arm_timer(struct pop3_session *s)
{
	uint64_t now = time_mono_ms(), deadline = s->idle_deadline;

	if (s->delay_until != 0 && s->delay_until < deadline)
		deadline = s->delay_until;
	if (s->drop != NULL && s->heartbeat_due < deadline)
		deadline = s->heartbeat_due;
	conn_set_timeout(
	    s->conn,
	    deadline > now ? (unsigned)MIN(deadline - now, UINT32_MAX) : 1);
}

static void
on_timeout(struct pop3_session *s)
{
	uint64_t now = time_mono_ms();

	if (s->delay_until != 0 && now >= s->delay_until)
		flush_delayed_reply(s);
	heartbeat(s, now);
	if (!conn_is_closed(s->conn) && now >= s->idle_deadline) {
		/* RFC 1939 section 3: the autologout timer closes "without
		   removing any messages or sending any response" */
		str_copy(s->close_reason, "Idle timeout",
			 sizeof(s->close_reason));
		conn_close(s->conn, "Idle timeout");
	}
}

/* --- input -------------------------------------------------------------- */

static void
handle_command(struct pop3_session *s, const char *line, size_t len)
{
	enum pop3_parse_result ret;
	struct pop3_cmd cmd;

	ret = pop3_parse_command(line, len, &cmd);
	switch (ret) {
	case POP3_PARSE_EMPTY:
		pop3_session_bad_command(s, "Empty command");
		return;
	case POP3_PARSE_BAD_CHAR:
		pop3_session_bad_command(s, "Invalid characters in command");
		return;
	case POP3_PARSE_UNKNOWN:
		pop3_session_bad_command(s, "Unknown command");
		return;
	case POP3_PARSE_SYNTAX:
	case POP3_PARSE_OK:
		break;
	}
	/* RFC 1939 section 3: a command in the wrong state gets -ERR */
	if ((dispatch[cmd.verb].states & s->state) == 0) {
		pop3_session_bad_command(s, "%s is not valid in the %s state",
					 pop3_parse_verb_name(cmd.verb),
					 s->state == POP3_STATE_TRANSACTION
					     ? "TRANSACTION"
					     : "AUTHORIZATION");
		return;
	}
	if (ret == POP3_PARSE_SYNTAX) {
		pop3_session_bad_command(s, "Invalid arguments for %s",
					 pop3_parse_verb_name(cmd.verb));
		return;
	}
	dispatch[cmd.verb].fn(s, &cmd);
}

static bool
may_read_commands(const struct pop3_session *s)
{
	return !conn_is_closed(s->conn) && s->job.kind == POP3_JOB_NONE &&
	       s->delay_until == 0;
}

/* Handles every complete line in the input buffer, in order. */
static void
process_input(struct pop3_session *s)
{
	struct conn *c = s->conn;

	while (may_read_commands(s)) {
		char line[MAX(POP3_LINE_MAX, POP3_SASL_LINE_MAX)];
		size_t max =
		    s->sasl != NULL ? POP3_SASL_LINE_MAX : POP3_LINE_MAX;
		const uint8_t *data, *nl;
		size_t len, n;

		data = conn_input_data(c, &len);
		if (len == 0)
			break;
		nl = memchr(data, '\n', len);
		if (s->skip_line) {
			conn_input_consume(
			    c, nl != NULL ? (size_t)(nl - data) + 1 : len);
			s->skip_line = nl == NULL;
			continue;
		}
		if (nl == NULL && len < max)
			break; /* wait for the rest of the line */
		if (nl == NULL || (size_t)(nl - data) + 1 > max) {
			conn_input_consume(
			    c, nl != NULL ? (size_t)(nl - data) + 1 : len);
			s->skip_line = nl == NULL;
			pop3_session_touch(s);
			/* RFC 5034 section 4: a failed response ends AUTH */
			pop3_sasl_end(&s->sasl);
			pop3_session_bad_command(s, "Line too long");
			continue;
		}
		n = (size_t)(nl - data);
		if (n > 0 && data[n - 1] == '\r')
			n--;
		/* copy: STLS discards the input buffer, and handlers want a
		   stable line */
		memcpy(line, data, n);
		conn_input_consume(c, (size_t)(nl - data) + 1);
		pop3_session_touch(s);
		if (s->sasl != NULL)
			pop3_auth_response(s, line, n);
		else
			handle_command(s, line, n);
		mem_wipe(line, n); /* may have held a password */
	}
	if (may_read_commands(s) && conn_input_eof(c)) {
		/* a partial last line is dropped; so is an unfinished
		   session: no UPDATE state without QUIT. Replies to what
		   came before the end still go out. */
		pop3_session_close(s, "Connection closed by client");
	}
}

/* --- the handler -------------------------------------------------------- */

static void
greet(struct pop3_session *s)
{
	/* RFC 1939 section 4; no APOP timestamp: APOP is not offered
	   (docs/pop3.md) */
	pop3_session_ok(s, "%s POP3 server ready", COFFER_NAME);
	pop3_session_touch(s);
}

static void
shutting_down(struct pop3_session *s)
{
	if (s->job.kind != POP3_JOB_NONE) {
		/* mid-response: a goodbye line would corrupt it */
		pop3_send_abort(s);
		str_copy(s->close_reason, "Server shutting down",
			 sizeof(s->close_reason));
		conn_close(s->conn, "Server shutting down");
		return;
	}
	pop3_session_err(s, "SYS/TEMP", "Server shutting down");
	pop3_session_close(s, "Server shutting down");
}

static void
pop3_run(struct conn *c, unsigned events, void *ctx)
{
	struct pop3_session *s = ctx;

	if (events & CONN_EV_SHUTDOWN) {
		shutting_down(s);
		return;
	}
	if (events & CONN_EV_START)
		greet(s);
	if (events & CONN_EV_TLS_READY)
		pop3_session_touch(s); /* the timer is disarmed by TLS */
	if (events & CONN_EV_TIMEOUT)
		on_timeout(s);
	if (events & CONN_EV_DRAINED)
		pop3_session_touch(s); /* a slow download is not idle */
	/* alternate between a multi-line response and the commands after
	   it until the output is full or the input is used up */
	while (!conn_is_closed(c)) {
		if (s->job.kind != POP3_JOB_NONE && !pop3_send_continue(s))
			break; /* output full: continue on DRAINED */
		if (conn_is_closed(c))
			break;
		process_input(s);
		if (s->job.kind == POP3_JOB_NONE)
			break;
	}
	if (conn_is_closed(c))
		return;
	heartbeat(s, time_mono_ms());
	if (conn_is_closed(c))
		return;
	conn_want_input(c, may_read_commands(s));
	arm_timer(s);
}

static void
pop3_closed(struct conn *c, void *ctx)
{
	struct pop3_session *s = ctx;

	pop3_send_abort(s);
	pop3_sasl_end(&s->sasl);
	/* no QUIT, no UPDATE state: nothing is deleted (RFC 1939 section
	   6) */
	pop3_maildrop_close(&s->drop);
	proto_log_logout(c, "pop3", s->userid[0] != '\0' ? s->userid : NULL,
			 s->close_reason[0] != '\0' ? s->close_reason
						    : conn_close_reason(c));
}

static void
pop3_destroy(struct conn *c, void *ctx)
{
	struct pop3_session *s = ctx;

	(void)c;
	pop3_send_abort(s);
	pop3_sasl_end(&s->sasl);
	pop3_maildrop_close(&s->drop);
	if (s->user != NULL)
		xfree_secret(s->user, strlen(s->user));
	free(s->delayed_reply);
	config_unref(&s->cfg);
	free(s);
}

static const struct conn_handler pop3_handler = {
    .run = pop3_run,
    .closed = pop3_closed,
    .destroy = pop3_destroy,
};

void
pop3_session_accept(struct conn *c, void *ctx)
{
	struct pop3_service *svc = ctx;
	struct pop3_session *s = xcalloc(1, sizeof(*s));

	s->conn = c;
	s->env = svc->env;
	s->cfg = service_env_config(svc->env);
	s->state = POP3_STATE_AUTHORIZATION;
	s->job.fd = -1;
	conn_set_handler(c, &pop3_handler, s);
	conn_set_input_max(c, POP3_INPUT_MAX);
	pop3_session_touch(s);
	arm_timer(s);
}
