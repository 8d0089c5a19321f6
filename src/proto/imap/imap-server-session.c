/* SPDX-License-Identifier: MIT */
/*
 * A connection's IMAP session: greeting, the connection events (conn.h),
 * the step loop that runs commands, timeouts, login, and the end of the
 * session.
 */
#include "proto/imap/imap-server-session.h"
#include "proto/imap/imap-server-cmd.h"
#include "proto/imap/imap-server-private.h"
#include "proto/imap/imap-server-sync.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "net/conn.h"
#include "net/tls.h"
#include "proto/common/login.h"
#include "proto/common/service.h"
#include "store/store.h"

#include <stdint.h>
#include <string.h>

/* RFC 3501 section 5.4: the autologout timer of an authenticated session
   is at least 30 minutes (ms.conf clamps imap_timeout too). */
#define IMAP_AUTH_TIMEOUT_MIN_MS (30u * 60u * 1000u)
/* Input buffered per connection; the parser consumes it as it comes, so
   this only bounds one read and the chunks an APPEND literal streams in.
   The net layer frees it whenever it is empty. */
#define IMAP_INPUT_MAX 65536
/* Largest command line (literal data excluded), RFC 7162 section 4
   recommends accepting at least 8192 octets. */
#define IMAP_LINE_MAX 65536
/* A refused non-synchronising literal up to this size (or APPENDLIMIT,
   if larger) is read and thrown away; a larger one ends the session
   (RFC 7888 section 4). */
#define IMAP_SKIP_LITERAL_MAX (16u * 1024 * 1024)

static const struct conn_handler session_handler;

static unsigned
timeout_ms(int64_t secs, unsigned min_ms)
{
	uint64_t ms = secs <= 0 ? 0 : (uint64_t)secs * 1000u;

	if (ms < min_ms)
		ms = min_ms;
	return ms > UINT32_MAX ? UINT32_MAX : (unsigned)ms;
}

static void
parser_settings(const struct ms_config *cfg, struct imap_parser_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->max_line_length = IMAP_LINE_MAX;
	/* the parser refuses larger APPEND literals before a byte of them
	   is read; APPEND's own hook enforces APPENDLIMIT (RFC 7889) with
	   a NO [TOOBIG] and a skipped literal below this */
	set->max_stream_literal = imap_append_limit(cfg);
	if (set->max_stream_literal < IMAP_SKIP_LITERAL_MAX)
		set->max_stream_literal = IMAP_SKIP_LITERAL_MAX;
	set->literal_mode = IMAP_LITERAL_PLUS;
}

struct imap_session *
imap_session_create(struct service_env *env, struct conn *c)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	struct imap_parser_settings set;
	unsigned keepalive;
	struct err err;

	s->conn = c;
	s->env = env;
	s->cfg = service_env_config(env);
	s->state = IMAP_STATE_NOAUTH;
	parser_settings(s->cfg, &set);
	s->parser = imap_parser_create(NULL, &set);
	s->idle_timeout_ms = timeout_ms(s->cfg->preauth_timeout, 1000);
	conn_set_input_max(c, IMAP_INPUT_MAX);
	/* M-Box guide 2.2.8: tcp_keepalive for IMAP and IMAPS */
	keepalive = (unsigned)s->cfg->tcp_keepalive;
	if (keepalive > 0 && conn_set_tcp_keepalive(c, keepalive, &err) < 0)
		log_warning("imap: %s: %s", conn_session_id(c), err.msg);
	conn_set_handler(c, &session_handler, s);
	conn_set_timeout(c, (unsigned)s->idle_timeout_ms);
	return s;
}

void
imap_session_touch(struct imap_session *s)
{
	/* a command waiting for its own timer owns the connection's one
	   timer until it ends */
	if (s->cmd != NULL && s->cmd->timer != NULL)
		return;
	conn_set_timeout(s->conn, (unsigned)s->idle_timeout_ms);
}

void
imap_session_wake(void *ctx)
{
	struct imap_session *s = ctx;

	conn_wakeup(s->conn);
}

bool
imap_session_plaintext_allowed(const struct imap_session *s)
{
	return !s->cfg->login_disabled || s->tls;
}

void
imap_session_bye_code(struct imap_session *s, const char *code,
		      const char *text)
{
	if (s->logged_out)
		return;
	s->logged_out = true;
	s->state = IMAP_STATE_LOGOUT;
	(void)imap_out_status(s, IMAP_STATUS_BYE, code, text);
	conn_close_after_flush(s->conn, text);
}

void
imap_session_bye(struct imap_session *s, const char *text)
{
	imap_session_bye_code(s, NULL, text);
}

int
imap_session_login(struct imap_session *s, const char *userid,
		   const char *userdir, uint64_t quota_bytes, struct err *err)
{
	struct store *store = s->env->store;
	struct store_user *user;

	/* INBOX is created on the first login (M-Box guide 2.2.10.2) */
	if (store_user_open(store, userid, userdir, true, &user, err) < 0)
		return -1;
	store_user_set_quota(user, quota_bytes);
	s->user = user;
	s->userid = xstrdup(userid);
	s->state = IMAP_STATE_AUTH;
	s->idle_timeout_ms =
	    timeout_ms(s->cfg->imap_timeout, IMAP_AUTH_TIMEOUT_MIN_MS);
	imap_session_touch(s);
	return 0;
}

void
imap_session_unselect(struct imap_session *s)
{
	if (s->box == NULL)
		return;
	if (s->watching) {
		store_mailbox_watch(s->box, NULL, NULL);
		s->watching = false;
	}
	imap_sync_deinit(s);
	store_mailbox_close(&s->box);
	s->box_readonly = false;
	if (s->state == IMAP_STATE_SELECTED)
		s->state = IMAP_STATE_AUTH;
}

/* RFC 3501 section 7.1.1 greeting; the nologin file refuses everyone
   with its first line as an alert (M-Store behaviour). */
static void
greet(struct imap_session *s)
{
	char alert[256];
	struct buf *b;

	s->tls = conn_is_tls(s->conn);
	if (service_env_nologin(s->env, alert, sizeof(alert))) {
		imap_session_bye_code(s, "ALERT",
				      alert[0] != '\0' ? alert
						       : "Server is closed for "
							 "maintenance.");
		return;
	}
	b = imap_out_begin(s);
	buf_append_str(b, "* OK [");
	imap_caps_code(s, b);
	buf_append_str(b, "] " COFFER_NAME " ready.");
	(void)imap_out_send(s);
}

/* CONN_EV_TIMEOUT without a command timer: the client was idle too long
   (imap_timeout or preauth_timeout), or did not read our output. */
static void
inactivity(struct imap_session *s)
{
	log_warning("imap(%s): %s: disconnected for inactivity (%s)",
		    s->userid != NULL ? s->userid : "-",
		    conn_session_id(s->conn), conn_peer_addr(s->conn));
	imap_session_bye(s, "Disconnected for inactivity.");
}

/* Runs commands until one has to wait, the input is exhausted or this
   connection has had its share of the worker. */
static void
step(struct imap_session *s, unsigned events)
{
	unsigned budget = IMAP_COMMANDS_PER_CYCLE;

	while (!s->logged_out && !conn_is_closed(s->conn)) {
		if (s->cmd != NULL) {
			if (!imap_cmd_resume(s->cmd, &events))
				break;
			continue;
		}
		/* pipelined commands wait until the client reads */
		if (imap_output_full(s))
			break;
		if (budget-- == 0) {
			imap_session_wake(s);
			break;
		}
		if (!imap_input_command(s))
			break;
	}
	if (conn_is_closed(s->conn))
		return;
	conn_want_input(s->conn, !s->logged_out && imap_input_wanted(s));
}

static void
session_run(struct conn *c, unsigned events, void *ctx)
{
	struct imap_session *s = ctx;

	(void)c;
	if ((events & CONN_EV_SHUTDOWN) != 0) {
		imap_session_bye(s, "Server shutting down.");
		return;
	}
	if ((events & CONN_EV_START) != 0)
		greet(s);
	if ((events & CONN_EV_TLS_READY) != 0)
		s->tls = true;
	if ((events & (CONN_EV_START | CONN_EV_TLS_READY | CONN_EV_INPUT |
		       CONN_EV_DRAINED)) != 0)
		imap_session_touch(s);
	if ((events & CONN_EV_TIMEOUT) != 0 &&
	    (s->cmd == NULL || s->cmd->timer == NULL)) {
		inactivity(s);
		return;
	}
	step(s, events);
}

/* The connection is closing (any reason): release the store on this, the
   owning thread, and log the session's end. */
static void
session_closed(struct conn *c, void *ctx)
{
	struct imap_session *s = ctx;

	imap_cmd_abandon(s);
	imap_session_unselect(s);
	store_user_close(&s->user);
	proto_log_logout(c, "imap", s->userid, conn_close_reason(c));
}

static void
session_destroy(struct conn *c, void *ctx)
{
	struct imap_session *s = ctx;

	(void)c;
	imap_parser_destroy(&s->parser);
	pool_destroy(&s->cmd_pool);
	buf_free(&s->out);
	config_unref(&s->cfg);
	free(s->userid);
	free(s);
}

static const struct conn_handler session_handler = {
    .run = session_run,
    .closed = session_closed,
    .destroy = session_destroy,
};
