/* SPDX-License-Identifier: MIT */
/*
 * Inside the LMTP service: the server, the session with its explicit state
 * machine, and the transaction object.
 *
 *   INIT --LHLO--> READY --MAIL--> MAIL --RCPT*--> MAIL
 *                    ^               |--DATA (354)--> DATA --"."--+
 *                    |               |--BDAT n--> BDAT --n octets-+
 *                    |               |         (not LAST: back to MAIL)
 *                    |               +--RSET--+                   |
 *                    +--all replies sent-- DELIVER <--------------+
 *
 * DELIVER adds the message to one recipient after the other and replies
 * for each; when the client does not read the replies and the output
 * buffer reaches its high-water mark, delivery pauses until the output
 * drains (CONN_EV_DRAINED), so memory stays bounded however many
 * recipients there are. No input is read meanwhile.
 *
 * QUIT, too many errors, the idle timeout, a lost connection or the
 * server's shutdown lead to CLOSED from any state; an open transaction is
 * rolled back (its spool file removed, nothing stored).
 *
 * Each verb has a check (sequence and limits; returns the refusal) and a
 * proceed (the action) in lmtp-verb.c, after OpenSMTPD's smtp_session.
 * A session is owned by its connection's thread (net/conn.h); nothing in
 * it is shared.
 */
#ifndef COFFER_PROTO_LMTP_PRIVATE_H
#define COFFER_PROTO_LMTP_PRIVATE_H

#include "proto/lmtp/lmtp.h"
#include "proto/lmtp/lmtp-command.h"
#include "proto/lmtp/lmtp-deliver.h"
#include "proto/lmtp/lmtp-normalize.h"
#include "proto/lmtp/lmtp-rcpt.h"
#include "proto/lmtp/lmtp-status.h"
#include "lib/vec.h"

#include <stdint.h>

struct lmtp_spool;

/* Protocol errors (5xx for syntax or sequence) before 421 and close. */
#define LMTP_MAX_ERRORS 10
/* Input buffer of a session: room for pipelined commands and for reading
   message data in large pieces. */
#define LMTP_INPUT_MAX (64u * 1024u)

struct lmtp_server {
	struct lmtp_server_settings set;
	char *hostname;
	char *spool_dir;
	unsigned spool_flags; /* lmtp_spool_create() flags, set at creation */
};

enum lmtp_state {
	LMTP_STATE_INIT,    /* greeted, waiting for LHLO */
	LMTP_STATE_READY,   /* LHLO done, no transaction */
	LMTP_STATE_MAIL,    /* transaction open: RCPT, DATA, BDAT */
	LMTP_STATE_DATA,    /* reading DATA content up to "." */
	LMTP_STATE_BDAT,    /* reading a BDAT chunk */
	LMTP_STATE_DELIVER, /* delivering, one reply per recipient */
	LMTP_STATE_CLOSED,  /* the session is over */
};

struct lmtp_tx {
	struct pool *pool;
	unsigned id; /* 1, 2, ... within the session */
	/* The reverse-path mailbox, "" for "<>". */
	const char *sender;
	enum lmtp_body body;
	/* Accepted recipients, in RCPT order. */
	struct lmtp_rcpt_ctx rcpt_ctx;
	VEC(struct lmtp_rcpt *) rcpts;
	/* Message data: spooled through the normaliser. The spool is
	   created at DATA or the first BDAT, and dropped at once when the
	   message fails. */
	struct lmtp_spool *spool;
	struct lmtp_norm norm;
	bool data_started;
	/* Set when the message cannot be delivered to anyone (too big,
	   8-bit header, spool I/O error): every recipient gets it. */
	const struct lmtp_status *failed;
	/* BDAT was used: DATA and RCPT are refused now (RFC 3030). */
	bool bdat;
	/* Octets received in BDAT chunks. */
	uint64_t bdat_octets;
	/* Seconds since the epoch when the data began: INTERNALDATE. */
	int64_t received;
	/* DELIVER: the message, the next recipient, the Message-ID as
	   escaped for the log. */
	struct lmtp_message msg;
	size_t next_rcpt;
	const char *msgid_log;
};

struct lmtp_session {
	struct lmtp_server *server;
	struct conn *conn;
	struct ms_config *cfg; /* the session's configuration snapshot */
	enum lmtp_state state;
	char helo[LMTP_DOMAIN_MAX + 1];
	unsigned errors;
	unsigned tx_count;
	unsigned delivered; /* recipients delivered, for the summary */
	/* Discarding the rest of an over-long command line. */
	bool skip_line;
	struct lmtp_tx *tx;
	/* The BDAT chunk being read. */
	uint64_t chunk_left;
	uint64_t chunk_size;
	bool chunk_last;
	/* The chunk was refused (its reply is sent): read and drop it. */
	bool chunk_discard;
};

/* --- lmtp-session.c --------------------------------------------------- */

/* Writes "<code> <enhanced> <text>". */
void lmtp_session_reply(struct lmtp_session *s, const struct lmtp_status *st);
/* Writes "<code> <enhanced> <<address>> <text>" (per-recipient). */
void lmtp_session_reply_addr(struct lmtp_session *s,
			     const struct lmtp_status *st, const char *address);
/* Writes a reply to a bad command and counts protocol errors; the
   session ends with 421 at LMTP_MAX_ERRORS. */
void lmtp_session_error(struct lmtp_session *s, const struct lmtp_status *st);
/* Ends the session: rolls back the transaction, writes st (if not NULL)
   and closes after the output is sent. reason goes to the log. */
void lmtp_session_end(struct lmtp_session *s, const struct lmtp_status *st,
		      const char *reason);
/* Drops the transaction (rollback unless delivered) and returns to
   READY. */
void lmtp_session_tx_end(struct lmtp_session *s);

/* --- lmtp-verb.c ------------------------------------------------------ */

/* Parses and executes one command line (without its line end). */
void lmtp_verb_dispatch(struct lmtp_session *s, const char *line, size_t len);

/* --- lmtp-tx.c -------------------------------------------------------- */

/* Opens a transaction for MAIL FROM (cmd holds the parsed command). */
struct lmtp_tx *lmtp_tx_create(struct lmtp_session *s,
			       const struct lmtp_command *cmd);
/* Frees the transaction: closes its stores, removes its spool file. */
void lmtp_tx_destroy(struct lmtp_tx **tx);

/* --- lmtp-data.c ------------------------------------------------------ */

/* DATA was accepted: spools the trace fields and answers 354 (or 451 if
   the spool cannot be created). */
void lmtp_data_begin(struct lmtp_session *s);
/* Takes DATA content; returns the octets used. At the final "." the
   message is delivered and the session returns to READY. */
size_t lmtp_data_input(struct lmtp_session *s, const uint8_t *data, size_t len);
/* BDAT was accepted for the open transaction. */
void lmtp_data_chunk_begin(struct lmtp_session *s,
			   const struct lmtp_command *cmd);
/* BDAT was refused (and answered): its size octets are read and dropped.
   With end_tx (BDAT LAST of a transaction without recipients, RFC 2033
   section 4.3: no replies at all) the transaction ends afterwards. */
void lmtp_data_chunk_skip(struct lmtp_session *s, uint64_t size, bool end_tx);
/* Takes BDAT chunk octets; returns the octets used. */
size_t lmtp_data_chunk_input(struct lmtp_session *s, const uint8_t *data,
			     size_t len);

/* --- lmtp-deliver.c --------------------------------------------------- */

/* The message is complete: enters DELIVER, which delivers it to every
   recipient, writes one reply per recipient in RCPT order and ends the
   transaction (returning to READY). */
void lmtp_deliver(struct lmtp_session *s);
/* Continues DELIVER where it paused for a full output buffer. */
void lmtp_deliver_continue(struct lmtp_session *s);

#endif
