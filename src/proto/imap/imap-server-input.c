/* SPDX-License-Identifier: MIT */
/*
 * Input: feeding the incremental parser from the connection, answering
 * its literal announcements (RFC 3501 section 7.5 continuations, RFC 7888
 * non-synchronising literals, streamed APPEND data), dispatching complete
 * commands, and reading the lines of AUTHENTICATE and IDLE.
 */
#include "proto/imap/imap-server-private.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/pool.h"
#include "lib/str.h"
#include "net/conn.h"

#include <string.h>

#define CMD_POOL_BLOCK 1024

static void
input_eof(struct imap_session *s)
{
	conn_close(s->conn, s->cmd != NULL || s->cmd_pool != NULL
				? "Connection closed in the middle of a "
				  "command"
				: "Connection closed by client");
}

/* The table entry of a command, with "UID <name>" for UID commands;
 *uid_r tells whether the first argument was the UID subcommand. */
static const struct imap_cmd_def *
find_def(const char *name, const struct imap_arg *args, size_t count,
	 bool *uid_r)
{
	char full[IMAP_COMMAND_NAME_MAX + 40];
	const char *sub;

	*uid_r = false;
	if (strcmp(name, "UID") != 0)
		return imap_cmd_find(name);
	if (count == 0 || !imap_arg_get_atom(&args[0], &sub) ||
	    strlen(sub) > 32)
		return NULL;
	strcpy(full, "UID ");
	for (size_t i = 0; sub[i] != '\0'; i++)
		full[4 + i] = ascii_toupper(sub[i]);
	full[4 + strlen(sub)] = '\0';
	*uid_r = true;
	return imap_cmd_find(full);
}

/* Why a command cannot run in this state (RFC 3501 section 3). */
static const char *
state_error(const struct imap_session *s)
{
	switch (s->state) {
	case IMAP_STATE_NOAUTH:
		return "Not authenticated.";
	case IMAP_STATE_AUTH:
		return "No mailbox selected.";
	case IMAP_STATE_SELECTED:
		return "Command not valid while a mailbox is selected.";
	default:
		return "Logged out.";
	}
}

/* Checks a command before it runs or before its literal is accepted:
   returns its definition, or NULL after answering BAD. */
static const struct imap_cmd_def *
check_command(struct imap_session *s, const char *tag, const char *name,
	      const struct imap_arg *args, size_t count, bool *uid_r)
{
	const struct imap_cmd_def *def = find_def(name, args, count, uid_r);

	if (def == NULL) {
		imap_reply_tagged(s, tag, IMAP_STATUS_BAD, NULL,
				  strcmp(name, "UID") == 0
				      ? "Unknown UID command."
				      : "Unknown command.");
		return NULL;
	}
	if ((def->flags & s->state) == 0) {
		imap_reply_tagged(s, tag, IMAP_STATUS_BAD, NULL,
				  state_error(s));
		return NULL;
	}
	return def;
}

static void
dispatch(struct imap_session *s)
{
	const struct imap_command *pc = imap_parser_command(s->parser);
	const struct imap_cmd_def *def;
	bool uid;

	def = check_command(s, pc->tag, pc->name, pc->args, pc->count, &uid);
	if (def == NULL) {
		imap_cmd_pool_release(s);
		return;
	}
	imap_cmd_start(s, def, pc, uid);
}

/* A synchronising literal in an ordinary command: the client waits for
   our go-ahead (RFC 3501 section 7.5). A command that cannot run is
   refused now, before the client sends the data. */
static void
literal_continue(struct imap_session *s)
{
	const struct imap_literal_info *info = imap_parser_literal(s->parser);
	bool uid;

	if (check_command(s, info->tag, info->name, info->args, info->count,
			  &uid) == NULL) {
		imap_parser_literal_reject(s->parser);
		imap_cmd_pool_release(s);
		return;
	}
	conn_write_str(s->conn, "+ Ready for literal data\r\n");
}

/* A literal of an APPEND-style command: the command's hook decides. */
static void
literal_stream(struct imap_session *s)
{
	const struct imap_literal_info *info = imap_parser_literal(s->parser);
	const struct imap_cmd_def *def;
	enum imap_literal_action action = IMAP_LITERAL_REJECT;
	bool uid;

	def = check_command(s, info->tag, info->name, info->args, info->count,
			    &uid);
	if (def != NULL && def->literal == NULL) {
		imap_reply_tagged(s, info->tag, IMAP_STATUS_BAD, NULL,
				  "Unexpected literal.");
		def = NULL;
	}
	if (def != NULL) {
		s->literal.def = def;
		action = def->literal(s, info);
	}
	switch (action) {
	case IMAP_LITERAL_STREAM:
		imap_parser_literal_stream(s->parser);
		s->literal.left = info->size;
		s->literal.active = info->size > 0;
		break;
	case IMAP_LITERAL_COLLECT:
		if (imap_parser_literal_collect(s->parser) == 0)
			break;
		imap_reply_tagged(s, info->tag, IMAP_STATUS_NO, "TOOBIG",
				  "Literal too large.");
		/* fall through */
	case IMAP_LITERAL_REJECT:
		if (info->sync) {
			imap_parser_literal_reject(s->parser);
			/* the command has ended */
			imap_cmd_pool_release(s);
			return;
		}
		/* the parser skips the data and the rest of the command;
		   its memory goes with the next command's */
		imap_parser_literal_reject(s->parser);
		if (s->literal.ctx != NULL && def != NULL &&
		    def->literal_abort != NULL)
			def->literal_abort(s);
		memset(&s->literal, 0, sizeof(s->literal));
		return;
	}
	if (info->sync)
		conn_write_str(s->conn, "+ Ready for literal data\r\n");
}

/* Passes buffered literal octets to the command's hook. Returns false if
   more input is needed. */
static bool
stream_data(struct imap_session *s)
{
	struct imap_literal_stream *l = &s->literal;
	const uint8_t *data;
	size_t len, n;

	data = conn_input_data(s->conn, &len);
	if (len == 0) {
		if (conn_input_eof(s->conn))
			input_eof(s);
		return false;
	}
	n = len < l->left ? len : (size_t)l->left;
	if (!l->failed && l->def->literal_data(s, data, n) < 0)
		l->failed = true;
	conn_input_consume(s->conn, n);
	l->left -= n;
	if (l->left == 0)
		l->active = false;
	return true;
}

static void
parse_error(struct imap_session *s)
{
	const struct imap_parse_error *e = imap_parser_error(s->parser);
	const char *code = NULL;

	if (e->code == IMAP_PARSE_ERR_TOOBIG)
		code = "TOOBIG";
	else if (e->code == IMAP_PARSE_ERR_LIMIT)
		code = "LIMIT";
	imap_reply_tagged(s, e->tag, IMAP_STATUS_BAD, code, e->message);
	imap_cmd_pool_release(s);
}

bool
imap_input_command(struct imap_session *s)
{
	for (;;) {
		const uint8_t *data;
		size_t len, used = 0;
		enum imap_parse_result r;

		if (s->literal.active) {
			if (!stream_data(s))
				return false;
			continue;
		}
		data = conn_input_data(s->conn, &len);
		if (len == 0) {
			if (conn_input_eof(s->conn))
				input_eof(s);
			return false;
		}
		/* invariant: no pool means the parser is between commands */
		if (s->cmd_pool == NULL) {
			s->cmd_pool = pool_create(CMD_POOL_BLOCK);
			imap_parser_set_pool(s->parser, s->cmd_pool);
		}
		r = imap_parser_parse(s->parser, data, len, &used);
		conn_input_consume(s->conn, used);
		switch (r) {
		case IMAP_PARSE_MORE:
			break;
		case IMAP_PARSE_CONTINUE:
			literal_continue(s);
			break;
		case IMAP_PARSE_LITERAL:
			literal_stream(s);
			break;
		case IMAP_PARSE_COMMAND:
			dispatch(s);
			return true;
		case IMAP_PARSE_ERROR:
			parse_error(s);
			return true;
		case IMAP_PARSE_FATAL:
			imap_session_bye(s,
					 imap_parser_error(s->parser)->message);
			return false;
		case IMAP_PARSE_LINE:
			i_unreached();
		}
		if (s->logged_out)
			return false;
	}
}

int
imap_input_line(struct imap_session *s, const char **line_r, size_t *len_r)
{
	const uint8_t *data;
	size_t len, used = 0;
	enum imap_parse_result r;

	data = conn_input_data(s->conn, &len);
	if (len == 0) {
		if (conn_input_eof(s->conn)) {
			input_eof(s);
			return -1;
		}
		return 0;
	}
	r = imap_parser_read_line(s->parser, data, len, &used, line_r, len_r);
	conn_input_consume(s->conn, used);
	switch (r) {
	case IMAP_PARSE_MORE:
		return 0;
	case IMAP_PARSE_LINE:
		return 1;
	case IMAP_PARSE_ERROR:
		/* RFC 3501 section 2.2: lines end with CRLF; a bare LF
		   or CR is as good as a broken line: give it to the
		   command, which answers BAD */
		*line_r = "";
		*len_r = 0;
		return 1;
	default:
		imap_session_bye(s, "Line too long.");
		return -1;
	}
}

bool
imap_input_wanted(struct imap_session *s)
{
	if (s->cmd == NULL)
		return s->literal.active || !imap_output_full(s);
	return s->cmd->waiting && s->cmd->line != NULL;
}
