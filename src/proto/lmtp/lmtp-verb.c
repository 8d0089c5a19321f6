/* SPDX-License-Identifier: MIT */
/*
 * LMTP verbs: a check (command sequence and limits, returning the refusal)
 * and a proceed (the action) per verb. RFC 2033 section 4 on top of RFC
 * 5321 section 4.1.
 */
#include "proto/lmtp/lmtp-private.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/str.h"
#include "net/conn.h"

#include <string.h>

typedef const struct lmtp_status *verb_check_fn(struct lmtp_session *s,
						const struct lmtp_command *cmd);
typedef void verb_proceed_fn(struct lmtp_session *s,
			     const struct lmtp_command *cmd);

struct verb {
	enum lmtp_verb verb;
	verb_check_fn *check; /* NULL: always allowed */
	verb_proceed_fn *proceed;
};

/* ---- LHLO (RFC 2033 section 4.1) ---- */

static void
proceed_lhlo(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	/* RFC 5321 section 4.1.4: a later EHLO (LHLO) resets the state
	   exactly as RSET does */
	lmtp_tx_destroy(&s->tx);
	str_copy(s->helo, cmd->domain, sizeof(s->helo));
	s->state = LMTP_STATE_READY;
	/* RFC 5321 section 4.1.1.1 ehlo-ok-rsp; no enhanced codes in the
	   reply to LHLO (RFC 2034 section 3) */
	conn_printf(s->conn,
		    "250-%s\r\n"
		    "250-PIPELINING\r\n"
		    "250-ENHANCEDSTATUSCODES\r\n"
		    "250-8BITMIME\r\n"
		    "250-SIZE %llu\r\n"
		    "250 CHUNKING\r\n",
		    s->server->hostname,
		    (unsigned long long)s->cfg->max_message_size);
}

/* RFC 2033 section 4.1: HELO and EHLO MUST NOT succeed. */
static const struct lmtp_status *
check_helo(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	return &lmtp_st_use_lhlo;
}

/* ---- MAIL (RFC 5321 section 4.1.1.2) ---- */

static const struct lmtp_status *
check_mail(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	if (s->state == LMTP_STATE_INIT)
		return &lmtp_st_need_lhlo;
	if (s->state != LMTP_STATE_READY)
		return &lmtp_st_nested_mail;
	/* RFC 1870 section 6.1: a declared size beyond the fixed maximum
	   gets 552 */
	if (cmd->has_size && cmd->size > s->cfg->max_message_size)
		return &lmtp_st_too_big;
	return NULL;
}

static void
proceed_mail(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	s->tx = lmtp_tx_create(s, cmd);
	s->state = LMTP_STATE_MAIL;
	lmtp_session_reply_addr(s, &lmtp_st_sender_ok, s->tx->sender);
}

/* ---- RCPT (RFC 5321 section 4.1.1.3) ---- */

static const struct lmtp_status *
check_rcpt(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	if (s->state == LMTP_STATE_INIT)
		return &lmtp_st_need_lhlo;
	if (s->state != LMTP_STATE_MAIL)
		return &lmtp_st_need_mail;
	/* the trace fields (FOR clause) are written with the first chunk */
	if (s->tx->bdat)
		return &lmtp_st_rcpt_after_bdat;
	return NULL;
}

static void
proceed_rcpt(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	struct lmtp_tx *tx = s->tx;
	const struct lmtp_status *st;
	struct lmtp_rcpt *rcpt;

	/* RFC 5321 section 4.5.3.1.10: over the limit, refuse additional
	   recipients with 452 and keep those accepted */
	if (tx->rcpts.n >= s->cfg->lmtp_max_recipients) {
		lmtp_session_reply_addr(s, &lmtp_st_too_many_rcpts,
					cmd->path.mailbox);
		return;
	}
	st = lmtp_rcpt_resolve(&tx->rcpt_ctx, &cmd->path, &rcpt);
	if (st != NULL) {
		log_info("lmtp(%s): <%s> refused: %u %s %s",
			 conn_session_id(s->conn), cmd->path.mailbox, st->code,
			 st->enh, st->text);
		lmtp_session_reply_addr(s, st, cmd->path.mailbox);
		return;
	}
	vec_push(&tx->rcpts, rcpt);
	lmtp_session_reply_addr(s, &lmtp_st_rcpt_ok, rcpt->address);
}

/* ---- DATA (RFC 5321 section 4.1.1.4, RFC 2033 section 4.2) ---- */

static const struct lmtp_status *
check_data(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	if (s->state == LMTP_STATE_INIT)
		return &lmtp_st_need_lhlo;
	if (s->state != LMTP_STATE_MAIL)
		return &lmtp_st_need_mail;
	if (s->tx->bdat)
		return &lmtp_st_data_after_bdat;
	if (s->tx->rcpts.n == 0)
		return &lmtp_st_no_rcpts;
	return NULL;
}

static void
proceed_data(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	lmtp_data_begin(s);
}

/* ---- BDAT (RFC 3030 section 2, RFC 2033 section 4.3) ---- */

static const struct lmtp_status *
check_bdat(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	if (s->state == LMTP_STATE_INIT)
		return &lmtp_st_need_lhlo;
	if (s->state != LMTP_STATE_MAIL)
		return &lmtp_st_need_mail;
	return NULL;
}

static void
proceed_bdat(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	if (s->tx->rcpts.n == 0) {
		/* RFC 2033 section 4.3: without a successful RCPT, BDAT LAST
		   returns zero replies; other chunks get one reply */
		if (!cmd->last)
			lmtp_session_reply(s, &lmtp_st_no_rcpts);
		lmtp_data_chunk_skip(s, cmd->size, cmd->last);
		return;
	}
	lmtp_data_chunk_begin(s, cmd);
}

/* ---- RSET, NOOP, VRFY, HELP, QUIT (RFC 5321 sections 4.1.1.5-10) ---- */

static void
proceed_rset(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	lmtp_tx_destroy(&s->tx);
	if (s->state != LMTP_STATE_INIT)
		s->state = LMTP_STATE_READY;
	lmtp_session_reply(s, &lmtp_st_reset);
}

static void
proceed_noop(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	lmtp_session_reply(s, &lmtp_st_ok);
}

static void
proceed_vrfy(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	lmtp_session_reply(s, &lmtp_st_vrfy);
}

static void
proceed_help(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	lmtp_session_reply(s, &lmtp_st_help);
}

static void
proceed_quit(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	lmtp_session_end(s, &lmtp_st_quit, "QUIT");
}

static const struct verb verbs[] = {
    {LMTP_VERB_LHLO, NULL, proceed_lhlo},
    {LMTP_VERB_HELO, check_helo, NULL},
    {LMTP_VERB_EHLO, check_helo, NULL},
    {LMTP_VERB_MAIL, check_mail, proceed_mail},
    {LMTP_VERB_RCPT, check_rcpt, proceed_rcpt},
    {LMTP_VERB_DATA, check_data, proceed_data},
    {LMTP_VERB_BDAT, check_bdat, proceed_bdat},
    {LMTP_VERB_RSET, NULL, proceed_rset},
    {LMTP_VERB_NOOP, NULL, proceed_noop},
    {LMTP_VERB_VRFY, NULL, proceed_vrfy},
    {LMTP_VERB_HELP, NULL, proceed_help},
    {LMTP_VERB_QUIT, NULL, proceed_quit},
};

void
lmtp_verb_dispatch(struct lmtp_session *s, const char *line, size_t len)
{
	const struct lmtp_status *st;
	struct lmtp_command cmd;
	const struct verb *v = NULL;

	if (lmtp_command_parse(line, len, &cmd, &st) < 0) {
		if (len >= 4 && mem_eq_icase(line, "BDAT", 4) &&
		    (len == 4 || line[4] == ' ')) {
			/* without a chunk size the data that follows cannot
			   be told from commands: give up */
			lmtp_session_end(s, st, "Invalid BDAT command");
			return;
		}
		lmtp_session_error(s, st);
		return;
	}
	for (size_t i = 0; i < N_ELEMENTS(verbs) && v == NULL; i++) {
		if (verbs[i].verb == cmd.verb)
			v = &verbs[i];
	}
	if (v == NULL) { /* a verb the parser knows but this table not */
		lmtp_session_error(s, &lmtp_st_unknown_cmd);
		return;
	}
	st = v->check != NULL ? v->check(s, &cmd) : NULL;
	if (st == NULL) {
		v->proceed(s, &cmd);
		return;
	}
	if (lmtp_status_is_protocol_error(st))
		lmtp_session_error(s, st);
	else
		lmtp_session_reply(s, st);
	/* a refused BDAT is still followed by its chunk (RFC 3030 section
	   2): read past it */
	if (cmd.verb == LMTP_VERB_BDAT && s->state != LMTP_STATE_CLOSED)
		lmtp_data_chunk_skip(s, cmd.size, false);
}
