/* SPDX-License-Identifier: MIT */
/*
 * One IMAP session: the protocol state of a connection (RFC 3501 section 3
 * states), its parser, the running command, the logged-in user's store and
 * the selected mailbox. Server-internal: command files use the members
 * directly; nothing outside src/proto/imap does.
 *
 * Thread affinity: a session belongs to its connection and is only used by
 * the thread that runs the connection (conn.h), except imap_session_wake(),
 * which any thread may call while the session is alive (store watches are
 * removed in the connection's closed() callback, before it is freed).
 *
 * Memory: a session is a few hundred bytes; the parser releases its large
 * scratch buffers between commands and a command's memory (cmd->pool) is
 * freed when it ends, so an idle session holds no I/O or command buffers.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_SERVER_SESSION_H
#define COFFER_PROTO_IMAP_IMAP_SERVER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/macros.h"
#include "lib/vec.h"
#include "proto/imap/imap-parser.h"
#include "proto/imap/imap-response.h"

struct conn;
struct imap_cmd;
struct imap_cmd_def;
struct ms_config;
struct service_env;
struct store_mailbox;
struct store_user;

/* RFC 3501 section 3; bit values so that command flags can hold sets. */
enum imap_state {
	IMAP_STATE_NOAUTH = 0x01,
	IMAP_STATE_AUTH = 0x02,
	IMAP_STATE_SELECTED = 0x04,
	IMAP_STATE_LOGOUT = 0x08, /* BYE sent: nothing runs any more */
};

/* Pending unsolicited updates of the selected mailbox (imap-server-sync.h):
   collected by store_mailbox_sync() and written out as output room
   allows. */
struct imap_sync_state {
	VEC(uint32_t) expunged;	 /* sequence numbers, in reporting order */
	size_t expunges_done;	 /* expunged already written */
	VEC(uint32_t) flag_uids; /* UIDs whose flags changed */
	size_t flags_done;	 /* flag_uids already written */
	uint32_t exists;	 /* EXISTS the client knows */
	uint32_t recent;	 /* RECENT the client knows */
	size_t keywords;	 /* keywords announced with FLAGS */
	bool exists_pending;
	bool flags_sorted;
};

/* Streams the literals of APPEND-style commands (imap-server-input.c):
   set by the command's literal hook, see struct imap_cmd_def. */
struct imap_literal_stream {
	const struct imap_cmd_def *def; /* whose hooks receive the data */
	void *ctx;			/* the hook's state (cmd pool) */
	uint64_t left;			/* octets still to pass on */
	bool active;
	bool failed; /* literal_data() failed: the rest is discarded */
};

struct imap_session {
	struct conn *conn;
	struct service_env *env;
	struct ms_config *cfg; /* our reference, for the session's life */
	enum imap_state state;

	struct imap_parser *parser;
	/* memory of the command being parsed or run; NULL between commands */
	struct pool *cmd_pool;
	struct imap_cmd *cmd; /* running command or NULL */
	struct imap_literal_stream literal;
	/* the response being built (imap_out_*); empty between responses */
	struct buf out;

	/* authenticated state */
	char *userid;
	struct store_user *user;

	/* selected state */
	struct store_mailbox *box;
	bool box_readonly;
	bool watching; /* store_mailbox_watch() is set */
	struct imap_sync_state sync;

	uint32_t enabled;	/* enum imap_ext bits turned on with ENABLE */
	unsigned bad_count;	/* BAD replies in a row */
	unsigned auth_failures; /* failed logins */
	bool tls;		/* the connection runs over TLS */
	bool logged_out;	/* LOGOUT or BYE: close after the output */
	uint64_t idle_timeout_ms;
};

/* Consecutive BAD replies after which the session is closed. */
#define IMAP_MAX_BAD_COMMANDS 20
/* Commands run per worker cycle before others get their turn. */
#define IMAP_COMMANDS_PER_CYCLE 32

/* --- Output ----------------------------------------------------------
   Responses are built in s->out and handed to the connection with
   imap_out_send(); the connection buffers them until the client reads
   (conn.h: output backpressure). */

/* The cleared response buffer. */
struct buf *imap_out_begin(struct imap_session *s);
/* Appends CRLF to s->out and passes it to the connection. Returns 0, or
   -1 if the connection is closed. */
int imap_out_send(struct imap_session *s);
/* Writes "* <fmt>" CRLF (fmt must not contain client data unless it was
   quoted with the imap-quote.h writers). */
int imap_out_untagged(struct imap_session *s, const char *fmt, ...)
    ATTR_FORMAT(2, 3);
/* Writes "* <status> [<code>] <text>" CRLF; code and text are sanitised. */
int imap_out_status(struct imap_session *s, enum imap_status status,
		    const char *code, const char *text);
/* True when the client must read before more output is produced; arms
   the resumption of a yielding command (CONN_EV_DRAINED). */
bool imap_output_full(struct imap_session *s);

/* --- Session ---------------------------------------------------------- */

/* Writes "* BYE <text>" and closes the connection once it is sent.
   Nothing runs afterwards. */
void imap_session_bye(struct imap_session *s, const char *text);
/* The same with a response code ("ALERT"). */
void imap_session_bye_code(struct imap_session *s, const char *code,
			   const char *text);
/* True if plaintext passwords may be used now: login_disabled is off or
   the connection is protected by TLS (RFC 3501 section 6.2.3, M-Box
   guide 2.2.8.1). */
bool imap_session_plaintext_allowed(const struct imap_session *s);
/* Enters the authenticated state for userid: opens the user's store and
   applies the quota. Returns 0, or -1 with err set. */
int imap_session_login(struct imap_session *s, const char *userid,
		       const char *userdir, uint64_t quota_bytes,
		       struct err *err);
/* Closes the selected mailbox (if any) without expunging and returns to
   the authenticated state; pending updates are dropped. */
void imap_session_unselect(struct imap_session *s);
/* Posts CONN_EV_WAKEUP to the connection of session `ctx` (a
   store_watch_cb). Any thread, while the session is alive. */
void imap_session_wake(void *ctx);
/* Re-arms the inactivity timer (preauth_timeout before login,
   imap_timeout after). */
void imap_session_touch(struct imap_session *s);

/* --- Capabilities (imap-server-caps.c) ------------------------------- */

/* Appends the capability-data for the session's current state (without
   the CAPABILITY keyword): what is advertised changes with login and TLS
   (RFC 3501 section 7.2.1). Returns -1 if out is full. */
int imap_caps_append(const struct imap_session *s, struct buf *out);
/* Writes the greeting or tagged code form "CAPABILITY <caps>" to out. */
int imap_caps_code(const struct imap_session *s, struct buf *out);

#endif
