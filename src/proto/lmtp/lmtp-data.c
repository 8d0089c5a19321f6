/* SPDX-License-Identifier: MIT */
/*
 * The DATA and BDAT receivers: message octets go through the normaliser
 * into the spool file, never into memory as a whole. A message that fails
 * (too big, 8-bit header, spool I/O error) is still read to its end --
 * the client is sending it anyway and the session must stay in step --
 * but its octets are dropped and its spool file removed at once.
 */
#include "proto/lmtp/lmtp-private.h"
#include "proto/lmtp/lmtp-spool.h"
#include "proto/lmtp/lmtp-trace.h"
#include "store/store.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "net/conn.h"
#include "net/tls.h"

#include <stdio.h>

/* Where the octets of a failed message go. */
#define LMTP_DISCARD_BUF 4096

/* The message cannot be delivered to anyone: remember why (the first
   reason wins) and drop what was spooled. */
static void
message_fail(struct lmtp_session *s, const struct lmtp_status *st)
{
	struct lmtp_tx *tx = s->tx;

	if (tx->failed == NULL)
		tx->failed = st;
	lmtp_spool_destroy(&tx->spool);
}

static void
spool_error(struct lmtp_session *s, const struct err *err)
{
	log_err("lmtp(%s): spool: %s", conn_session_id(s->conn), err->msg);
	message_fail(s, &lmtp_st_tempfail);
}

static void
check_limits(struct lmtp_session *s)
{
	struct lmtp_tx *tx = s->tx;

	/* RFC 1870 section 6.3: data beyond the fixed maximum gets 552,
	   and nothing of it is kept */
	if (tx->norm.out_bytes > s->cfg->max_message_size)
		message_fail(s, &lmtp_st_too_big);
	/* seed section 13: raw 8-bit header octets are refused unless
	   allow8bitheaders (then the normaliser strips the high bit) */
	else if (tx->norm.header_8bit && !s->cfg->allow8bitheaders)
		message_fail(s, &lmtp_st_8bit_header);
}

/* Where an unnamed spool file goes: beside the first recipient's mail
   (lmtp_spool_create()), so the store's link of it stays on one file
   system and its inode is allocated among that user's files. */
static const char *
spool_near(const struct lmtp_tx *tx)
{
	if (tx->rcpts.n == 0 || tx->rcpts.v[0]->user == NULL)
		return NULL;
	return store_user_dir(tx->rcpts.v[0]->user);
}

/* Starts the message: spool file, trace fields, normaliser. Returns 0, or
   -1 if the spool could not be set up (tx->failed is set then). */
static int
message_begin(struct lmtp_session *s, enum lmtp_norm_mode mode)
{
	struct lmtp_server *srv = s->server;
	struct lmtp_tx *tx = s->tx;
	struct buf trace = BUF_INIT;
	struct lmtp_trace t;
	struct err err;
	char id[64];
	int ret;

	tx->data_started = true;
	tx->received = time_now();
	lmtp_norm_init(&tx->norm, mode, s->cfg->allow8bitheaders);
	if (lmtp_spool_create(srv->spool_dir, spool_near(tx), srv->hostname,
			      (size_t)s->cfg->lmtp_data_size * 1024,
			      srv->spool_flags, &tx->spool, &err) < 0) {
		spool_error(s, &err);
		return -1;
	}
	snprintf(id, sizeof(id), "%s-%u", conn_session_id(s->conn), tx->id);
	t.sender = tx->sender;
	t.helo = s->helo;
	t.peer_addr = conn_peer_addr(s->conn);
	t.by_host = srv->hostname;
	t.tls = conn_is_tls(s->conn);
	t.id = id;
	t.for_rcpt = tx->rcpts.n == 1 ? tx->rcpts.v[0]->address : NULL;
	t.when = (time_t)tx->received;
	ret = lmtp_trace_format(&t, &trace);
	if (ret == 0)
		ret = lmtp_spool_append(tx->spool, trace.data, trace.len, &err);
	buf_free(&trace);
	if (ret < 0) {
		spool_error(s, &err);
		return -1;
	}
	return 0;
}

/* Normalises input into the spool (or drops it once the message failed).
   Returns the octets used: all of them unless the end of data is seen. */
static size_t
message_feed(struct lmtp_session *s, const uint8_t *data, size_t len)
{
	struct lmtp_tx *tx = s->tx;
	uint8_t discard[LMTP_DISCARD_BUF];
	size_t used = 0;

	while (used < len && !tx->norm.done) {
		size_t room, out_len;
		uint8_t *out = discard;
		struct err err;

		room = sizeof(discard);
		if (tx->spool != NULL) {
			out = lmtp_spool_room(tx->spool, LMTP_NORM_MIN_ROOM,
					      &room, &err);
			if (out == NULL) {
				spool_error(s, &err);
				continue;
			}
		}
		used += lmtp_norm_feed(&tx->norm, data + used, len - used, out,
				       room, &out_len);
		if (tx->spool != NULL) {
			lmtp_spool_advance(tx->spool, out_len);
			check_limits(s);
		}
	}
	return used;
}

/* The last octet arrived: complete the normaliser and deliver. */
static void
message_end(struct lmtp_session *s)
{
	struct lmtp_tx *tx = s->tx;
	uint8_t tail[2];
	size_t n = lmtp_norm_finish(&tx->norm, tail, sizeof(tail));
	struct err err;

	if (n > 0 && tx->spool != NULL) {
		if (lmtp_spool_append(tx->spool, tail, n, &err) < 0)
			spool_error(s, &err);
		else
			check_limits(s);
	}
	lmtp_deliver(s);
}

void
lmtp_data_begin(struct lmtp_session *s)
{
	if (message_begin(s, LMTP_NORM_DOT) < 0) {
		/* no 354: the client does not send the message, and may try
		   DATA again later in this transaction */
		s->tx->failed = NULL;
		s->tx->data_started = false;
		lmtp_session_reply(s, &lmtp_st_tempfail);
		return;
	}
	s->state = LMTP_STATE_DATA;
	/* RFC 2034 section 4: 3xx replies carry no enhanced code */
	conn_write_str(s->conn,
		       "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
}

size_t
lmtp_data_input(struct lmtp_session *s, const uint8_t *data, size_t len)
{
	size_t used = message_feed(s, data, len);

	if (s->tx->norm.done)
		message_end(s);
	return used;
}

/* A chunk was read completely. */
static void
chunk_done(struct lmtp_session *s)
{
	struct lmtp_tx *tx = s->tx;

	if (s->chunk_discard) {
		s->state = tx != NULL		? LMTP_STATE_MAIL
			   : s->helo[0] != '\0' ? LMTP_STATE_READY
						: LMTP_STATE_INIT;
		if (s->chunk_last && tx != NULL)
			lmtp_session_tx_end(s);
		return;
	}
	if (s->chunk_last) {
		message_end(s);
		return;
	}
	s->state = LMTP_STATE_MAIL;
	if (tx->failed != NULL)
		lmtp_session_reply(s, tx->failed);
	else
		conn_printf(s->conn, "250 2.0.0 %llu octets received\r\n",
			    (unsigned long long)s->chunk_size);
}

void
lmtp_data_chunk_begin(struct lmtp_session *s, const struct lmtp_command *cmd)
{
	struct lmtp_tx *tx = s->tx;

	if (!tx->data_started)
		(void)message_begin(s, LMTP_NORM_RAW);
	tx->bdat = true;
	/* the chunk sizes tell in advance (RFC 1870 section 6.3) */
	if (cmd->size > s->cfg->max_message_size -
			    MIN(tx->bdat_octets, s->cfg->max_message_size))
		message_fail(s, &lmtp_st_too_big);
	s->chunk_left = s->chunk_size = cmd->size;
	s->chunk_last = cmd->last;
	s->chunk_discard = false;
	s->state = LMTP_STATE_BDAT;
	if (s->chunk_left == 0)
		chunk_done(s);
}

void
lmtp_data_chunk_skip(struct lmtp_session *s, uint64_t size, bool end_tx)
{
	s->chunk_left = s->chunk_size = size;
	s->chunk_last = end_tx;
	s->chunk_discard = true;
	s->state = LMTP_STATE_BDAT;
	if (s->chunk_left == 0)
		chunk_done(s);
}

size_t
lmtp_data_chunk_input(struct lmtp_session *s, const uint8_t *data, size_t len)
{
	size_t n = (size_t)MIN((uint64_t)len, s->chunk_left);

	if (!s->chunk_discard) {
		/* RAW mode never stops early: all n octets are used */
		(void)message_feed(s, data, n);
		s->tx->bdat_octets += n;
	}
	s->chunk_left -= n;
	if (s->chunk_left == 0)
		chunk_done(s);
	return n;
}
