/* SPDX-License-Identifier: MIT */
/*
 * The command table and the life of a command: start, steps, waits, the
 * update sync and tagged reply at its end.
 */
#include "proto/imap/imap-server-private.h"
#include "proto/imap/imap-mailbox.h"
#include "proto/imap/imap-server-sync.h"
#include "lib/panic.h"
#include "lib/str.h"
#include "net/conn.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Small commands fit in one block; big ones get more. */
#define CMD_POOL_BLOCK 1024

#define NOAUTH IMAP_CMD_F_NOAUTH
#define AUTH (IMAP_CMD_F_AUTH | IMAP_CMD_F_SELECTED)
#define SELECTED IMAP_CMD_F_SELECTED
#define ANY IMAP_CMD_F_STATES
#define NO_EXPUNGE IMAP_CMD_F_NO_EXPUNGE
#define NO_SYNC IMAP_CMD_F_NO_SYNC
#define SEQS IMAP_CMD_F_USES_SEQS
#define UID IMAP_CMD_F_UID

/* Sorted by name (bsearch); the unit test checks the order. */
static const struct imap_cmd_def cmd_table[] = {
    {"APPEND", cmd_append, AUTH, cmd_append_literal, cmd_append_literal_data,
     cmd_append_literal_abort},
    {"AUTHENTICATE", cmd_authenticate, NOAUTH, NULL, NULL, NULL},
    {"CAPABILITY", cmd_capability, ANY, NULL, NULL, NULL},
    {"CHECK", cmd_check, SELECTED, NULL, NULL, NULL},
    {"CLOSE", cmd_close, SELECTED | NO_SYNC, NULL, NULL, NULL},
    {"COPY", cmd_copy, SELECTED | SEQS, NULL, NULL, NULL},
    {"CREATE", cmd_create, AUTH, NULL, NULL, NULL},
    {"DELETE", cmd_delete, AUTH, NULL, NULL, NULL},
    /* RFC 5161 section 3.1: before any mailbox is selected */
    {"ENABLE", cmd_enable, IMAP_CMD_F_AUTH, NULL, NULL, NULL},
    {"EXAMINE", cmd_examine, AUTH | NO_SYNC, NULL, NULL, NULL},
    {"EXPUNGE", cmd_expunge, SELECTED, NULL, NULL, NULL},
    {"FETCH", cmd_fetch, SELECTED | NO_EXPUNGE | SEQS, NULL, NULL, NULL},
    {"ID", cmd_id, ANY, NULL, NULL, NULL},
    {"IDLE", cmd_idle, AUTH, NULL, NULL, NULL},
    {"LIST", cmd_list, AUTH, NULL, NULL, NULL},
    {"LOGIN", cmd_login, NOAUTH, NULL, NULL, NULL},
    {"LOGOUT", cmd_logout, ANY | NO_SYNC, NULL, NULL, NULL},
    {"LSUB", cmd_lsub, AUTH, NULL, NULL, NULL},
    {"MOVE", cmd_move, SELECTED | SEQS, NULL, NULL, NULL},
    {"NAMESPACE", cmd_namespace, AUTH, NULL, NULL, NULL},
    {"NOOP", cmd_noop, ANY, NULL, NULL, NULL},
    {"RENAME", cmd_rename, AUTH, NULL, NULL, NULL},
    {"SEARCH", cmd_search, SELECTED | NO_EXPUNGE | SEQS, NULL, NULL, NULL},
    {"SELECT", cmd_select, AUTH | NO_SYNC, NULL, NULL, NULL},
    {"STARTTLS", cmd_starttls, NOAUTH, NULL, NULL, NULL},
    {"STATUS", cmd_status, AUTH, NULL, NULL, NULL},
    {"STORE", cmd_store, SELECTED | NO_EXPUNGE | SEQS, NULL, NULL, NULL},
    {"SUBSCRIBE", cmd_subscribe, AUTH, NULL, NULL, NULL},
    {"UID COPY", cmd_copy, SELECTED | UID, NULL, NULL, NULL},
    {"UID EXPUNGE", cmd_expunge, SELECTED | UID, NULL, NULL, NULL},
    {"UID FETCH", cmd_fetch, SELECTED | UID, NULL, NULL, NULL},
    {"UID MOVE", cmd_move, SELECTED | UID, NULL, NULL, NULL},
    {"UID SEARCH", cmd_search, SELECTED | UID, NULL, NULL, NULL},
    {"UID STORE", cmd_store, SELECTED | UID, NULL, NULL, NULL},
    {"UNSELECT", cmd_unselect, SELECTED | NO_SYNC, NULL, NULL, NULL},
    {"UNSUBSCRIBE", cmd_unsubscribe, AUTH, NULL, NULL, NULL},
};

static int
def_cmp(const void *key, const void *elem)
{
	const struct imap_cmd_def *def = elem;

	return strcmp(key, def->name);
}

const struct imap_cmd_def *
imap_cmd_find(const char *name)
{
	return bsearch(name, cmd_table, N_ELEMENTS(cmd_table),
		       sizeof(cmd_table[0]), def_cmp);
}

size_t
imap_cmd_table(const struct imap_cmd_def **table_r)
{
	*table_r = cmd_table;
	return N_ELEMENTS(cmd_table);
}

/* --- Life of a command ----------------------------------------------- */

void
imap_cmd_start(struct imap_session *s, const struct imap_cmd_def *def,
	       const struct imap_command *pc, bool uid)
{
	struct imap_cmd *cmd = pool_alloc(s->cmd_pool, sizeof(*cmd));

	cmd->session = s;
	cmd->def = def;
	cmd->pool = s->cmd_pool;
	cmd->tag = pc->tag;
	cmd->name = def->name;
	cmd->args = uid ? pc->args + 1 : pc->args;
	cmd->count = uid ? pc->count - 1 : pc->count;
	cmd->uid = uid;
	cmd->func = def->func;
	cmd->status = IMAP_STATUS_OK;
	s->cmd = cmd;
}

static void
cmd_free(struct imap_session *s)
{
	struct imap_cmd *cmd = s->cmd;

	if (cmd != NULL && cmd->cleanup != NULL)
		cmd->cleanup(cmd);
	if (s->literal.ctx != NULL && s->literal.def != NULL &&
	    s->literal.def->literal_abort != NULL)
		s->literal.def->literal_abort(s);
	memset(&s->literal, 0, sizeof(s->literal));
	s->cmd = NULL;
	pool_destroy(&s->cmd_pool);
}

void
imap_cmd_pool_release(struct imap_session *s)
{
	i_assert(s->cmd == NULL);
	cmd_free(s);
}

void
imap_cmd_abandon(struct imap_session *s)
{
	cmd_free(s);
}

enum imap_cmd_result
imap_cmd_finish(struct imap_cmd *cmd, enum imap_status status, const char *code,
		const char *text)
{
	i_assert(!cmd->finished);
	cmd->finished = true;
	cmd->status = status;
	cmd->code = code == NULL ? NULL : pool_strdup(cmd->pool, code);
	cmd->text = pool_strdup(cmd->pool, text);
	return IMAP_CMD_DONE;
}

enum imap_cmd_result
imap_cmd_finishf(struct imap_cmd *cmd, enum imap_status status,
		 const char *code, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = pool_vprintf(cmd->pool, fmt, ap);
	va_end(ap);
	return imap_cmd_finish(cmd, status, code, text);
}

enum imap_cmd_result
imap_cmd_wait_timer(struct imap_cmd *cmd, unsigned msecs, imap_cmd_func *fn)
{
	cmd->timer = fn;
	conn_set_timeout(cmd->session->conn, msecs > 0 ? msecs : 1);
	return IMAP_CMD_WAIT;
}

/* The end of a command: sync, pending updates, the tagged reply. Returns
   false while the updates wait for output room. */
static bool
complete(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct err err;

	if (!cmd->synced) {
		unsigned flags = cmd->sync_flags;

		cmd->synced = true;
		if ((cmd->def->flags & IMAP_CMD_F_NO_EXPUNGE) != 0)
			flags |= STORE_SYNC_NO_EXPUNGE;
		if ((cmd->def->flags & IMAP_CMD_F_NO_SYNC) == 0 &&
		    imap_sync(s, flags, &err) < 0) {
			imap_session_bye(s, imap_sync_bye_text(&err));
			cmd_free(s);
			return true;
		}
	}
	if (!imap_sync_write(s, cmd->uid))
		return false;
	imap_reply_tagged(s, cmd->tag, cmd->status, cmd->code, cmd->text);
	if (cmd->after_reply != NULL)
		cmd->after_reply(cmd);
	cmd_free(s);
	imap_session_touch(s);
	return true;
}

/* Calls the step the command waits for, if its event came. Returns false
   if nothing was called. */
static bool
call_waiting(struct imap_cmd *cmd, unsigned *events,
	     enum imap_cmd_result *res_r)
{
	struct imap_session *s = cmd->session;
	const char *line;
	size_t len;
	int ret;

	if (cmd->timer != NULL && (*events & CONN_EV_TIMEOUT) != 0) {
		imap_cmd_func *fn = cmd->timer;

		*events &= ~(unsigned)CONN_EV_TIMEOUT;
		cmd->timer = NULL;
		imap_session_touch(s);
		*res_r = fn(cmd);
		return true;
	}
	if (cmd->wakeup != NULL && (*events & CONN_EV_WAKEUP) != 0) {
		*events &= ~(unsigned)CONN_EV_WAKEUP;
		*res_r = cmd->wakeup(cmd);
		return true;
	}
	if (cmd->line == NULL)
		return false;
	ret = imap_input_line(s, &line, &len);
	if (ret <= 0)
		return false;
	*res_r = cmd->line(cmd, line, len);
	return true;
}

bool
imap_cmd_resume(struct imap_cmd *cmd, unsigned *events)
{
	struct imap_session *s = cmd->session;
	enum imap_cmd_result res;

	/* a waiting command may have several things to handle in one
	   cycle (a wakeup and the line that ends it): loop until it has
	   to wait for something that has not happened yet */
	for (;;) {
		if (cmd->finished)
			return complete(cmd);
		if (cmd->waiting) {
			if (!call_waiting(cmd, events, &res))
				return false;
		} else {
			/* first run, or after a yield once there is room */
			if (cmd->yielded && imap_output_full(s))
				return false;
			res = cmd->func(cmd);
		}
		if (s->cmd != cmd || conn_is_closed(s->conn))
			return true; /* the session ended meanwhile */
		cmd->waiting = res == IMAP_CMD_WAIT;
		cmd->yielded = res == IMAP_CMD_YIELD;
		switch (res) {
		case IMAP_CMD_DONE:
			i_assert(cmd->finished);
			cmd->line = NULL;
			cmd->wakeup = NULL;
			cmd->timer = NULL;
			break;
		case IMAP_CMD_YIELD:
			/* a voluntary yield (output not full) continues
			   after the other connections had their turn */
			if (!imap_output_full(s))
				imap_session_wake(s);
			return false;
		case IMAP_CMD_WAIT:
			break;
		}
	}
}

/* --- Arguments -------------------------------------------------------- */

bool
imap_cmd_check_count(struct imap_cmd *cmd, size_t min, size_t max)
{
	if (cmd->count < min) {
		imap_cmd_bad(cmd, "Missing arguments.");
		return false;
	}
	if (cmd->count > max) {
		imap_cmd_bad(cmd, "Too many arguments.");
		return false;
	}
	return true;
}

int
imap_decode_mailbox(struct pool *pool, const struct imap_arg *arg,
		    const char **name_r, enum imap_status *status_r,
		    const char **error_r)
{
	struct buf name = BUF_INIT;
	const char *wire;
	size_t len;

	*status_r = IMAP_STATUS_NO;
	if (!imap_arg_get_astring(arg, &wire, &len)) {
		*status_r = IMAP_STATUS_BAD;
		*error_r = "Invalid mailbox name argument.";
		return -1;
	}
	/* bounded before decoding: the UTF-8 form of a valid name is at
	   most STORE_MAILBOX_NAME_MAX bytes, and modified UTF-7 takes at
	   most 4 bytes for each of them */
	if (len > 4 * STORE_MAILBOX_NAME_MAX) {
		*error_r = "Mailbox name too long.";
		return -1;
	}
	buf_init(&name, 4 * STORE_MAILBOX_NAME_MAX);
	if (imap_mailbox_decode(wire, len, false, STORE_HIERARCHY_SEP, &name,
				error_r) < 0) {
		buf_free(&name);
		return -1;
	}
	*name_r = pool_strndup(pool, buf_cstr(&name), name.len);
	buf_free(&name);
	return 0;
}

bool
imap_cmd_get_mailbox(struct imap_cmd *cmd, const struct imap_arg *arg,
		     const char **name_r)
{
	enum imap_status status;
	const char *error;

	if (imap_decode_mailbox(cmd->pool, arg, name_r, &status, &error) == 0)
		return true;
	imap_cmd_finish(cmd, status, status == IMAP_STATUS_NO ? "CANNOT" : NULL,
			error);
	return false;
}
