/* SPDX-License-Identifier: MIT */
/* Functions shared by the imap-server-*.c files only (not by commands). */
#ifndef COFFER_PROTO_IMAP_IMAP_SERVER_PRIVATE_H
#define COFFER_PROTO_IMAP_IMAP_SERVER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/imap/imap-server-cmd.h"
#include "proto/imap/imap-server-session.h"

struct conn;
struct ms_config;
struct service_env;

/* Creates the session of a new connection and attaches it as the
   connection's handler (from the accept callback). */
struct imap_session *imap_session_create(struct service_env *env,
					 struct conn *c);

/* APPENDLIMIT (RFC 7889): max_message_size, within a 32-bit number. */
uint64_t imap_append_limit(const struct ms_config *cfg);

/* imap-server-input.c: reads and dispatches the next command. Returns
   true if something happened (a command started, an error was answered)
   and the caller should go on, false if more input is needed or the
   session ended. */
bool imap_input_command(struct imap_session *s);
/* Whether the session wants the connection to read input now. */
bool imap_input_wanted(struct imap_session *s);
/* For a command waiting for a line: 1 and the line, 0 if more input is
   needed, -1 if the session ended (end of input, line too long). */
int imap_input_line(struct imap_session *s, const char **line_r, size_t *len_r);

/* imap-server-cmd.c: starts a parsed command. */
void imap_cmd_start(struct imap_session *s, const struct imap_cmd_def *def,
		    const struct imap_command *pc, bool uid);
/* Drives the running command: returns true when it has ended (s->cmd is
   NULL again), false while it waits. Consumes the events it used. */
bool imap_cmd_resume(struct imap_cmd *cmd, unsigned *events);
/* Drops the running or half-parsed command (connection closing). */
void imap_cmd_abandon(struct imap_session *s);
/* Frees the memory of the command being parsed (after an error reply);
   the parser must be between commands. */
void imap_cmd_pool_release(struct imap_session *s);

/* imap-server-reply.c: a tagged reply outside a running command (parse
   errors, refused literals). Counts BAD replies and ends the session
   after IMAP_MAX_BAD_COMMANDS of them in a row. tag NULL gives "*". */
void imap_reply_tagged(struct imap_session *s, const char *tag,
		       enum imap_status status, const char *code,
		       const char *text);

#endif
