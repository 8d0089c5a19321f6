/* SPDX-License-Identifier: MIT */
/*
 * IDLE (RFC 2177): the client waits for unsolicited updates until it sends
 * DONE. The selected mailbox is watched (store_mailbox_watch()): a commit
 * in this process wakes the session at once, one by another process on
 * this host within about a second (inotify, handled by cofferd), and the
 * session syncs and writes the changes, EXPUNGE included.
 */
#include "proto/imap/imap-server-cmd.h"
#include "proto/imap/imap-server-sync.h"
#include "lib/str.h"
#include "net/conn.h"
#include "store/store.h"

static void
idle_stop(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;

	if (s->watching && s->box != NULL)
		store_mailbox_watch(s->box, NULL, NULL);
	s->watching = false;
}

/* Sync and write what changed; called at the start, on each wakeup and
   again after the output drained (which also catches wakeups that came
   while the session was waiting for the client to read). */
static enum imap_cmd_result
idle_push(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct err err;

	if (imap_sync(s, 0, &err) < 0) {
		imap_session_bye(s, imap_sync_bye_text(&err));
		return IMAP_CMD_WAIT;
	}
	if (!imap_sync_write(s, false))
		return IMAP_CMD_YIELD;
	return IMAP_CMD_WAIT;
}

static enum imap_cmd_result
idle_line(struct imap_cmd *cmd, const char *line, size_t len)
{
	idle_stop(cmd);
	cmd->line = NULL;
	cmd->wakeup = NULL;
	if (len == 4 && mem_eq_icase(line, "DONE", 4))
		return imap_cmd_ok(cmd, "Idle completed.");
	return imap_cmd_bad(cmd, "Expected DONE.");
}

enum imap_cmd_result
cmd_idle(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;

	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	conn_write_str(s->conn, "+ idling\r\n");
	if (s->box != NULL) {
		store_mailbox_watch(s->box, imap_session_wake, s);
		s->watching = true;
	}
	cmd->line = idle_line;
	cmd->wakeup = idle_push;
	cmd->cleanup = idle_stop;
	cmd->func = idle_push;
	return idle_push(cmd);
}
