/* SPDX-License-Identifier: MIT */
/*
 * Internals of the POP3 service: the session shared by pop3-session.c
 * (connection handler, input, timers, dispatch), pop3-auth.c (the
 * AUTHORIZATION state), pop3-cmds.c (TRANSACTION and UPDATE), pop3-send.c
 * (multi-line responses) and pop3-sasl.c (the AUTH exchange).
 *
 * A session is owned by its connection (net/conn.h): only the thread
 * running the connection's handler touches it, so it has no locks.
 */
#ifndef COFFER_PROTO_POP3_PRIVATE_H
#define COFFER_PROTO_POP3_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include "auth/account.h"
#include "lib/macros.h"
#include "proto/common/login.h"
#include "proto/common/service.h"
#include "proto/pop3/pop3-parse.h"
#include "proto/pop3/pop3-sasl.h"
#include "proto/pop3/pop3-stuff.h"

struct conn;
struct pop3_maildrop;
struct pop3_sasl;

/* Input buffer per connection: two maximal lines, so a full line plus
   pipelined commands fit. */
#define POP3_INPUT_MAX (2 * MAX(POP3_LINE_MAX, POP3_SASL_LINE_MAX))
/* Protocol errors (unknown commands, bad syntax, wrong state, over-long
   lines) before the connection is closed. */
#define POP3_MAX_BAD_COMMANDS 10
/* Failed authentications before the connection is closed. */
#define POP3_MAX_AUTH_FAILURES 5
/* Longest user name kept between USER and PASS. */
#define POP3_USER_MAX 512
/* RFC 1939 section 3: "Responses may be up to 512 characters long,
   including the terminating CRLF." */
#define REPLY_LINE_MAX 512
/* Message-file reads per chunk of RETR/TOP output. */
#define POP3_READ_CHUNK 16384

/* RFC 1939 section 3. */
enum pop3_state {
	POP3_STATE_AUTHORIZATION = 1u << 0,
	POP3_STATE_TRANSACTION = 1u << 1,
};

enum pop3_job_kind {
	POP3_JOB_NONE,
	POP3_JOB_LIST, /* LIST without argument */
	POP3_JOB_UIDL, /* UIDL without argument */
	POP3_JOB_MSG,  /* RETR or TOP */
};

/* A multi-line response produced in steps, so that large listings and
   messages respect the connection's output bound (conn_output_full()). */
struct pop3_job {
	enum pop3_job_kind kind;
	uint32_t next; /* LIST/UIDL: next message-number */
	uint32_t msg;  /* MSG: message-number */
	bool retr;     /* MSG: RETR (marks the message retrieved) */
	int fd;	       /* MSG: message file, -1 when closed */
	struct pop3_stuffer stuff;
};

struct pop3_service {
	struct service_env *env;
};

struct pop3_session {
	struct conn *conn;
	struct service_env *env;
	/* the configuration this session started with (its own reference) */
	struct ms_config *cfg;
	enum pop3_state state;

	char *user;		/* USER argument awaiting PASS, or NULL */
	struct pop3_sasl *sasl; /* AUTH exchange in progress, or NULL */
	char userid[ACCOUNT_USERID_MAX + 1]; /* after login ("" before) */
	struct pop3_maildrop *drop;	     /* TRANSACTION state */
	struct pop3_job job;

	unsigned bad_commands, auth_failures;
	bool skip_line; /* discarding the rest of an over-long line */

	/* A failed login is answered after a delay (login_result.delay_ms);
	   input waits meanwhile. */
	char *delayed_reply;
	bool close_after_delay;
	uint64_t delay_until;	/* monotonic ms; 0 = none */
	uint64_t idle_deadline; /* monotonic ms */
	uint64_t heartbeat_due; /* monotonic ms; maildrop lock */
	char close_reason[96];	/* for the logout line */
};

/* --- pop3-session.c ----------------------------------------------------- */

/* The accept callback (net_accept_cb); ctx is the struct pop3_service. */
void pop3_session_accept(struct conn *c, void *ctx);

/* Replies. Every reply is one line of at most 512 octets (RFC 1939
   section 3); texts are ours, never echoes of client input. */
void pop3_session_ok(struct pop3_session *s, const char *fmt, ...)
    ATTR_FORMAT(2, 3);
/* code: RFC 2449 section 8 response code without brackets, or NULL. */
void pop3_session_err(struct pop3_session *s, const char *code, const char *fmt,
		      ...) ATTR_FORMAT(3, 4);
/* "-ERR [SYS/TEMP] Internal error" for err, logged with the detail. */
void pop3_session_internal_error(struct pop3_session *s, const char *what,
				 const struct err *err);
/* Ends the session after the output is sent; reason goes to the log. */
void pop3_session_close(struct pop3_session *s, const char *reason);
/* Answers `reply` (a full line with CRLF, copied) after delay_ms, with
   input paused meanwhile; close closes the connection after it. */
void pop3_session_delay_reply(struct pop3_session *s, unsigned delay_ms,
			      const char *reply, bool close);
/* Counts a protocol error and answers it; the last allowed error closes
   the connection instead. */
void pop3_session_bad_command(struct pop3_session *s, const char *fmt, ...)
    ATTR_FORMAT(2, 3);
/* Arms the idle deadline for the current state. */
void pop3_session_touch(struct pop3_session *s);

/* --- pop3-auth.c (AUTHORIZATION) ---------------------------------------- */

void pop3_auth_user(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_auth_pass(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_auth_apop(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_auth_sasl(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_auth_stls(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_auth_capa(struct pop3_session *s, const struct pop3_cmd *cmd);
/* A line received while an AUTH exchange is in progress. */
void pop3_auth_response(struct pop3_session *s, const char *line, size_t len);
/* Whether passwords may be sent on this connection (login_disabled). */
bool pop3_auth_plaintext_allowed(const struct pop3_session *s);

/* --- pop3-cmds.c (TRANSACTION, UPDATE) ---------------------------------- */

void pop3_cmds_quit(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_stat(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_list(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_retr(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_top(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_dele(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_noop(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_rset(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmds_uidl(struct pop3_session *s, const struct pop3_cmd *cmd);

/* --- pop3-send.c -------------------------------------------------------- */

/* Starts a listing job (LIST/UIDL without argument) after its +OK line. */
void pop3_send_listing(struct pop3_session *s, enum pop3_job_kind kind);
/* Starts sending message msg (fd owned by the job from now on). */
void pop3_send_message(struct pop3_session *s, uint32_t msg, int fd, bool retr,
		       uint64_t top_lines);
/* Produces output until the job is done (returns true) or the output is
   full (false: continue on CONN_EV_DRAINED). */
bool pop3_send_continue(struct pop3_session *s);
/* Abandons a job (connection closing). */
void pop3_send_abort(struct pop3_session *s);

#endif
