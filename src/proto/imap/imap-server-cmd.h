/* SPDX-License-Identifier: MIT */
/*
 * Commands of the IMAP server: the command table, a running command, and
 * how a command ends (see "Adding a command" in imap-server.h).
 *
 * A command runs as a small state machine. Its function returns
 *   IMAP_CMD_DONE   after imap_cmd_ok/no/bad/fail()/finish(): the session
 *		     syncs the mailbox, writes pending updates and the tagged
 *		     reply, and frees the command;
 *   IMAP_CMD_YIELD  the output is full (imap_output_full()): cmd->func is
 *		     called again when the client has read enough;
 *   IMAP_CMD_WAIT   it waits for an input line (cmd->line), a wakeup
 *		     (cmd->wakeup) or its timer (imap_cmd_wait_timer()); the
 *		     callback returns the same results.
 * Everything a command allocates comes from cmd->pool, freed when it ends.
 * Owned by the session's thread.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_SERVER_CMD_H
#define COFFER_PROTO_IMAP_IMAP_SERVER_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "lib/macros.h"
#include "lib/pool.h"
#include "proto/imap/imap-arg.h"
#include "proto/imap/imap-parser.h"
#include "proto/imap/imap-response.h"
#include "proto/imap/imap-seqset.h"
#include "proto/imap/imap-server-session.h"

struct store_uid_set;

enum imap_cmd_result {
	IMAP_CMD_DONE,
	IMAP_CMD_YIELD,
	IMAP_CMD_WAIT,
};

struct imap_cmd;
typedef enum imap_cmd_result imap_cmd_func(struct imap_cmd *cmd);
/* One input line without its CRLF (len bytes, NUL-terminated). */
typedef enum imap_cmd_result imap_cmd_line_func(struct imap_cmd *cmd,
						const char *line, size_t len);

enum imap_cmd_flags {
	/* states the command is valid in (enum imap_state bits) */
	IMAP_CMD_F_NOAUTH = IMAP_STATE_NOAUTH,
	IMAP_CMD_F_AUTH = IMAP_STATE_AUTH,
	IMAP_CMD_F_SELECTED = IMAP_STATE_SELECTED,
	IMAP_CMD_F_STATES = 0x07,
	/* RFC 3501 sections 5.5 and 7.4.1: no EXPUNGE response while
	   responding to FETCH, STORE or SEARCH; the final sync keeps
	   expunged messages in the view (STORE_SYNC_NO_EXPUNGE) */
	IMAP_CMD_F_NO_EXPUNGE = 0x10,
	/* no sync at the end (LOGOUT; SELECT, CLOSE and friends, which
	   change the selected mailbox themselves) */
	IMAP_CMD_F_NO_SYNC = 0x20,
	/* the arguments hold message sequence numbers (documentation of
	   the pipelining rules of RFC 3501 section 5.5) */
	IMAP_CMD_F_USES_SEQS = 0x40,
	/* a "UID ..." command: sets are UIDs, FETCH responses carry UID */
	IMAP_CMD_F_UID = 0x80,
};

/* How the literal hook answers IMAP_PARSE_LITERAL (imap-parser.h). */
enum imap_literal_action {
	IMAP_LITERAL_STREAM,  /* pass the octets to literal_data() */
	IMAP_LITERAL_COLLECT, /* let the parser keep it in memory */
	IMAP_LITERAL_REJECT,  /* refused; the hook wrote the tagged reply */
};

struct imap_cmd_def {
	const char *name; /* upper case, "UID FETCH" for UID variants */
	imap_cmd_func *func;
	unsigned flags; /* enum imap_cmd_flags */

	/* Commands whose literals carry message data (APPEND): called for
	   each literal while the command is still being parsed, in the
	   states of `flags` only. The hook may set s->literal.ctx; it is
	   kept until the command ends. */
	enum imap_literal_action (*literal)(struct imap_session *s,
					    const struct imap_literal_info *i);
	/* Receives the streamed octets, at most s->literal.left at a time.
	   Returns 0, or -1 to discard the rest of the literal (the hook
	   remembers the failure and reports it when the command runs). */
	int (*literal_data)(struct imap_session *s, const uint8_t *data,
			    size_t len);
	/* The command was abandoned before it ran (parse error, connection
	   closed): release what literal() started. */
	void (*literal_abort)(struct imap_session *s);
};

struct imap_cmd {
	struct imap_session *session;
	const struct imap_cmd_def *def;
	struct pool *pool; /* freed when the command ends */
	const char *tag;
	const char *name; /* "FETCH", "UID FETCH" */
	/* arguments after the name (after "UID FOO" for UID commands) */
	const struct imap_arg *args;
	size_t count;
	bool uid; /* a UID command */

	/* next step: called first, and again after IMAP_CMD_YIELD */
	imap_cmd_func *func;
	/* while waiting (IMAP_CMD_WAIT) */
	imap_cmd_line_func *line;
	imap_cmd_func *wakeup;
	imap_cmd_func *timer;
	/* command state, from cmd->pool */
	void *ctx;
	/* extra STORE_SYNC_* flags for the final sync */
	unsigned sync_flags;
	/* called after the tagged reply was written (STARTTLS, LOGOUT) */
	void (*after_reply)(struct imap_cmd *cmd);
	/* called when the command ends or is abandoned (the connection
	   closed while it waited): release what is not in cmd->pool, such
	   as open message files */
	void (*cleanup)(struct imap_cmd *cmd);

	/* private to imap-server-cmd.c: the tagged reply from
	   imap_cmd_finish(), and where the command stands */
	enum imap_status status;
	const char *code;
	const char *text;
	bool finished; /* imap_cmd_finish() was called */
	bool synced;   /* the final sync ran */
	bool waiting;  /* returned IMAP_CMD_WAIT */
	bool yielded;  /* returned IMAP_CMD_YIELD */
};

/* The table entry for an upper-case name ("UID FETCH"), or NULL. */
const struct imap_cmd_def *imap_cmd_find(const char *name);
/* The whole table, sorted by name (for tests). */
size_t imap_cmd_table(const struct imap_cmd_def **table_r);

/* Ends the command with "<tag> <status> [<code>] <text>". code and text
   are copied; text is sanitised. Returns IMAP_CMD_DONE. */
enum imap_cmd_result imap_cmd_finish(struct imap_cmd *cmd,
				     enum imap_status status, const char *code,
				     const char *text);
enum imap_cmd_result imap_cmd_finishf(struct imap_cmd *cmd,
				      enum imap_status status, const char *code,
				      const char *fmt, ...) ATTR_FORMAT(4, 5);
static inline enum imap_cmd_result
imap_cmd_ok(struct imap_cmd *cmd, const char *text)
{
	return imap_cmd_finish(cmd, IMAP_STATUS_OK, NULL, text);
}
static inline enum imap_cmd_result
imap_cmd_no(struct imap_cmd *cmd, const char *code, const char *text)
{
	return imap_cmd_finish(cmd, IMAP_STATUS_NO, code, text);
}
static inline enum imap_cmd_result
imap_cmd_bad(struct imap_cmd *cmd, const char *text)
{
	return imap_cmd_finish(cmd, IMAP_STATUS_BAD, NULL, text);
}
/* NO with the RFC 5530 code for err->code and a fixed text; the detail
   goes to the log only (at ERR for internal errors, with the session id
   the client is shown). Returns IMAP_CMD_DONE. */
enum imap_cmd_result imap_cmd_fail(struct imap_cmd *cmd, const struct err *err);
/* The RFC 5530 response code for an error class, or NULL. */
const char *imap_err_code(enum err_code code);

/* Waits msecs (e.g. the failed-login delay), then calls fn. Returns
   IMAP_CMD_WAIT for the command to return. The inactivity timer is
   suspended meanwhile and re-armed when the command ends. */
enum imap_cmd_result imap_cmd_wait_timer(struct imap_cmd *cmd, unsigned msecs,
					 imap_cmd_func *fn);

/* --- Arguments -------------------------------------------------------- */

/* True if the command has min..max arguments; otherwise finishes it with
   BAD (the caller then returns IMAP_CMD_DONE). */
bool imap_cmd_check_count(struct imap_cmd *cmd, size_t min, size_t max);
/* Decodes a mailbox argument (astring, modified UTF-7) into its internal
   UTF-8 name in pool. Returns 0, or -1 with the reply for the client:
   BAD for a malformed argument, NO for an undecodable name. */
int imap_decode_mailbox(struct pool *pool, const struct imap_arg *arg,
			const char **name_r, enum imap_status *status_r,
			const char **error_r);
/* The same into cmd->pool; returns false after finishing the command with
   that reply. */
bool imap_cmd_get_mailbox(struct imap_cmd *cmd, const struct imap_arg *arg,
			  const char **name_r);

/* --- Message sets (imap-server-msgset.c) ------------------------------ */

/* Parses a sequence-set argument against the selected mailbox into the
   view's sequence numbers (ascending, in cmd->pool). Message numbers:
   "*" is the last message, and a number beyond it is an error (RFC 3501
   section 9: seq-number refers to existing messages). UIDs (cmd->uid):
   "*" is the highest UID, UIDs not in the view are left out (RFC 3501
   section 6.4.8) and the set may be empty. Returns false after finishing
   the command with BAD. */
bool imap_cmd_get_msgset(struct imap_cmd *cmd, const struct imap_arg *arg,
			 struct imap_seqset *seqs_r);
/* Appends the UIDs of the messages `seqs` (ascending) to uids_r. */
void imap_msgset_uids(struct imap_session *s, const struct imap_seqset *seqs,
		      struct store_uid_set *uids_r);

/* --- The commands (cmd-*.c) ------------------------------------------- */

/* cmd-any.c */
imap_cmd_func cmd_capability, cmd_noop, cmd_logout, cmd_id;
/* cmd-auth.c */
imap_cmd_func cmd_login, cmd_authenticate, cmd_starttls;
/* cmd-session.c */
imap_cmd_func cmd_enable, cmd_namespace;
/* cmd-select.c */
imap_cmd_func cmd_select, cmd_examine, cmd_close, cmd_unselect, cmd_check;
/* cmd-mailbox.c */
imap_cmd_func cmd_create, cmd_delete, cmd_rename, cmd_subscribe,
    cmd_unsubscribe;
/* cmd-list.c */
imap_cmd_func cmd_list, cmd_lsub;
/* cmd-status.c */
imap_cmd_func cmd_status;
/* STATUS items, as asked (shared with LIST-STATUS, RFC 5819). */
struct imap_status_request {
	unsigned items;	  /* enum store_status_item bits */
	uint8_t order[8]; /* the items in the order asked */
	size_t count;
};
/* Parses status-att list elements. Returns 0, or -1 with a BAD text. */
int imap_status_parse(const struct imap_arg *args, size_t n,
		      struct imap_status_request *req, const char **error_r);
/* Writes "* STATUS <name> (...)" for an existing mailbox. Returns 0, or
   -1 with err set (nothing written). */
int imap_status_write(struct imap_session *s, const char *name,
		      const struct imap_status_request *req, struct err *err);
/* cmd-append.c */
imap_cmd_func cmd_append;
enum imap_literal_action cmd_append_literal(struct imap_session *s,
					    const struct imap_literal_info *i);
int cmd_append_literal_data(struct imap_session *s, const uint8_t *data,
			    size_t len);
void cmd_append_literal_abort(struct imap_session *s);
/* cmd-expunge.c */
imap_cmd_func cmd_expunge;
/* cmd-copy.c: COPY, MOVE and their UID forms */
imap_cmd_func cmd_copy, cmd_move;
/* cmd-idle.c */
imap_cmd_func cmd_idle;
/* cmd-fetch.c, cmd-store.c, cmd-search.c: FETCH, STORE, SEARCH and
   their UID forms */
imap_cmd_func cmd_fetch, cmd_store, cmd_search;

#endif
