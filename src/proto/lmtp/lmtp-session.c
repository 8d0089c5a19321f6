/* SPDX-License-Identifier: MIT */
/* LMTP sessions: connection handling, the input loop, replies. */
#include "proto/lmtp/lmtp-private.h"
#include "proto/lmtp/lmtp-spool.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "net/conn.h"

#include <stdlib.h>
#include <string.h>

int
lmtp_server_create(const struct lmtp_server_settings *set,
		   struct lmtp_server **srv_r, struct err *err)
{
	struct lmtp_server *srv;

	if (lmtp_spool_dir_init(set->spool_dir, set->hostname, err) < 0)
		return -1;
	srv = xcalloc(1, sizeof(*srv));
	srv->set = *set;
	srv->hostname = xstrdup(set->hostname);
	srv->spool_dir = xstrdup(set->spool_dir);
	srv->set.hostname = srv->hostname;
	srv->set.spool_dir = srv->spool_dir;
	if (srv->set.idle_timeout_ms == 0)
		srv->set.idle_timeout_ms = LMTP_IDLE_TIMEOUT_MS;
	srv->spool_flags = (set->spool_fsync ? LMTP_SPOOL_FSYNC : 0) |
			   (lmtp_spool_unnamed_usable() ? 0 : LMTP_SPOOL_NAMED);
	*srv_r = srv;
	return 0;
}

void
lmtp_server_destroy(struct lmtp_server **srvp)
{
	struct lmtp_server *srv = *srvp;

	if (srv == NULL)
		return;
	free(srv->hostname);
	free(srv->spool_dir);
	free(srv);
	*srvp = NULL;
}

static void
reply_line(struct lmtp_session *s, const struct lmtp_status *st,
	   const char *address)
{
	if (s->state == LMTP_STATE_CLOSED && st->code != 421 && st->code != 221)
		return;
	if (address != NULL)
		conn_printf(s->conn, "%u %s <%s> %s\r\n", st->code, st->enh,
			    address, st->text);
	else
		conn_printf(s->conn, "%u %s %s\r\n", st->code, st->enh,
			    st->text);
}

void
lmtp_session_reply(struct lmtp_session *s, const struct lmtp_status *st)
{
	reply_line(s, st, NULL);
}

void
lmtp_session_reply_addr(struct lmtp_session *s, const struct lmtp_status *st,
			const char *address)
{
	reply_line(s, st, address);
}

void
lmtp_session_end(struct lmtp_session *s, const struct lmtp_status *st,
		 const char *reason)
{
	if (s->state == LMTP_STATE_CLOSED)
		return;
	lmtp_tx_destroy(&s->tx);
	if (st != NULL)
		reply_line(s, st, NULL);
	s->state = LMTP_STATE_CLOSED;
	conn_close_after_flush(s->conn, reason);
}

void
lmtp_session_error(struct lmtp_session *s, const struct lmtp_status *st)
{
	lmtp_session_reply(s, st);
	if (!lmtp_status_is_protocol_error(st))
		return;
	if (++s->errors >= LMTP_MAX_ERRORS)
		lmtp_session_end(s, &lmtp_st_too_many_errors,
				 "Too many errors");
}

void
lmtp_session_tx_end(struct lmtp_session *s)
{
	lmtp_tx_destroy(&s->tx);
	if (s->state != LMTP_STATE_CLOSED)
		s->state = LMTP_STATE_READY;
}

static void
greet(struct lmtp_session *s)
{
	/* RFC 2034 section 3: the greeting has no enhanced code */
	conn_printf(s->conn, "220 %s Coffer LMTP ready\r\n",
		    s->server->hostname);
}

/* Runs the command line at the front of the input, which it consumes.
   Returns false when the line is not complete yet. */
static bool
command_input(struct lmtp_session *s, const uint8_t *data, size_t len)
{
	size_t scan = MIN(len, (size_t)LMTP_LINE_MAX);
	const uint8_t *lf = memchr(data, '\n', scan);
	char line[LMTP_LINE_MAX];
	size_t n;

	if (lf == NULL && len >= LMTP_LINE_MAX) {
		/* RFC 5321 section 4.5.3.1.4 bounds command lines: answer
		   once and drop the line up to its end, which may still be
		   on its way */
		if (!s->skip_line)
			lmtp_session_error(s, &lmtp_st_line_too_long);
		s->skip_line = true;
	}
	if (s->skip_line) {
		lf = memchr(data, '\n', len);
		if (lf != NULL)
			s->skip_line = false;
		conn_input_consume(s->conn,
				   lf != NULL ? (size_t)(lf - data) + 1 : len);
		return true;
	}
	if (lf == NULL)
		return false;
	n = (size_t)(lf - data);
	/* CRLF, or a bare LF (tolerated for commands, never for data) */
	if (n > 0 && data[n - 1] == '\r')
		n--;
	memcpy(line, data, n);
	line[n] = '\0';
	/* consumed before it runs: a BDAT chunk follows right behind */
	conn_input_consume(s->conn, (size_t)(lf - data) + 1);
	lmtp_verb_dispatch(s, line, n);
	return true;
}

static void
process_input(struct lmtp_session *s)
{
	struct conn *c = s->conn;
	bool starved = false; /* stopped for lack of input */

	while (s->state != LMTP_STATE_CLOSED &&
	       s->state != LMTP_STATE_DELIVER && !conn_is_closed(c)) {
		size_t len;
		const uint8_t *data = conn_input_data(c, &len);

		if (len == 0) {
			starved = true;
			break;
		}
		/* replies to pipelined commands the client does not read:
		   wait for CONN_EV_DRAINED and let TCP hold the rest */
		if (conn_output_full(c))
			break;
		if (s->state == LMTP_STATE_DATA) {
			conn_input_consume(c, lmtp_data_input(s, data, len));
		} else if (s->state == LMTP_STATE_BDAT) {
			conn_input_consume(c,
					   lmtp_data_chunk_input(s, data, len));
		} else if (!command_input(s, data, len)) {
			starved = true;
			break;
		}
	}
	/* RFC 5321 section 4.1.1.5: a lost connection is treated like a
	   QUIT; an unfinished transaction is cancelled (section 4.1.1.10).
	   Only once every command before the end of input ran: a client
	   may half-close after QUIT and still read. */
	if (!starved || s->state == LMTP_STATE_CLOSED || conn_is_closed(c) ||
	    !conn_input_eof(c))
		return;
	lmtp_session_end(s, NULL,
			 s->state == LMTP_STATE_DATA ||
				 s->state == LMTP_STATE_BDAT
			     ? "Connection lost during message data"
			     : "Connection closed by client");
}

static void
session_run(struct conn *c, unsigned events, void *ctx)
{
	struct lmtp_session *s = ctx;

	if ((events & CONN_EV_START) != 0) {
		log_info("lmtp(%s): connect from %s (%s)", conn_session_id(c),
			 conn_peer_addr(c), conn_listener_name(c));
		greet(s);
	}
	if ((events & CONN_EV_SHUTDOWN) != 0) {
		lmtp_session_end(s, &lmtp_st_shutdown, "Server shutting down");
		return;
	}
	if ((events & CONN_EV_TLS_READY) != 0)
		log_info("lmtp(%s): TLS established", conn_session_id(c));
	if ((events & CONN_EV_TIMEOUT) != 0 && (events & CONN_EV_INPUT) == 0) {
		log_warning("lmtp(%s): idle timeout", conn_session_id(c));
		lmtp_session_end(s, &lmtp_st_timeout, "Idle timeout");
		return;
	}
	if (s->state == LMTP_STATE_DELIVER)
		lmtp_deliver_continue(s);
	process_input(s);
	if (s->state != LMTP_STATE_CLOSED)
		conn_set_timeout(c, s->server->set.idle_timeout_ms);
}

static void
session_closed(struct conn *c, void *ctx)
{
	struct lmtp_session *s = ctx;

	/* nothing partial may stay behind: the spool file goes now */
	lmtp_tx_destroy(&s->tx);
	s->state = LMTP_STATE_CLOSED;
	(void)c;
}

static void
session_destroy(struct conn *c, void *ctx)
{
	struct lmtp_session *s = ctx;
	const char *reason = conn_close_reason(c);

	log_info("lmtp(%s): disconnect: %s (in=%llu out=%llu "
		 "transactions=%u delivered=%u)",
		 conn_session_id(c), reason != NULL ? reason : "closed",
		 (unsigned long long)conn_bytes_in(c),
		 (unsigned long long)conn_bytes_out(c), s->tx_count,
		 s->delivered);
	lmtp_tx_destroy(&s->tx);
	config_unref(&s->cfg);
	free(s);
}

static const struct conn_handler lmtp_handler = {
    .run = session_run,
    .closed = session_closed,
    .destroy = session_destroy,
};

void
lmtp_server_accept(struct conn *c, void *ctx)
{
	struct lmtp_server *srv = ctx;
	struct lmtp_session *s = xcalloc(1, sizeof(*s));

	s->server = srv;
	s->conn = c;
	/* the session keeps the configuration it started with */
	s->cfg = srv->set.config_get(srv->set.config_ctx);
	s->state = LMTP_STATE_INIT;
	conn_set_input_max(c, LMTP_INPUT_MAX);
	conn_set_handler(c, &lmtp_handler, s);
	conn_set_timeout(c, srv->set.idle_timeout_ms);
}
