/* SPDX-License-Identifier: MIT */
/* Selecting and closing mailboxes: SELECT, EXAMINE (RFC 3501 sections
   6.3.1 and 6.3.2), CLOSE, CHECK (6.4.2, 6.4.1) and UNSELECT (RFC 3691). */
#include "proto/imap/imap-server-cmd.h"
#include "proto/imap/imap-server-sync.h"
#include "lib/log.h"
#include "net/conn.h"
#include "store/store.h"

/* The untagged responses of a successful SELECT or EXAMINE. */
static void
select_responses(struct imap_session *s)
{
	uint32_t unseen = store_mailbox_first_unseen(s->box);

	imap_sync_write_flags(s);
	imap_out_untagged(s, "%u EXISTS", s->sync.exists);
	imap_out_untagged(s, "%u RECENT", s->sync.recent);
	if (unseen != 0)
		imap_out_untagged(s, "OK [UNSEEN %u] First unseen.", unseen);
	imap_out_untagged(s, "OK [UIDVALIDITY %u] UIDs valid.",
			  store_mailbox_uidvalidity(s->box));
	imap_out_untagged(s, "OK [UIDNEXT %u] Predicted next UID.",
			  store_mailbox_uidnext(s->box));
}

static enum imap_cmd_result
select_mailbox(struct imap_cmd *cmd, bool examine)
{
	struct imap_session *s = cmd->session;
	struct store_mailbox *box;
	const char *name;
	struct err err;

	if (!imap_cmd_check_count(cmd, 1, 2))
		return IMAP_CMD_DONE;
	/* RFC 4466 section 2.1 select-params: none is supported (CONDSTORE
	   and QRESYNC are not offered) */
	if (cmd->count == 2)
		return imap_cmd_bad(cmd, "Unsupported SELECT parameters.");
	if (!imap_cmd_get_mailbox(cmd, &cmd->args[0], &name))
		return IMAP_CMD_DONE;
	/* RFC 3501 section 6.3.1: the current mailbox is closed first,
	   without expunging, even if the new one cannot be selected. The
	   CLOSED code (RFC 7162 section 3.2.11, RFC 9051 section 7.1) marks
	   where responses for the new mailbox begin. */
	if (s->box != NULL) {
		imap_session_unselect(s);
		imap_out_status(s, IMAP_STATUS_OK, "CLOSED",
				"Previous mailbox closed.");
	}
	if (store_mailbox_open(s->user, name, examine ? STORE_OPEN_READONLY : 0,
			       &box, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	s->box = box;
	s->box_readonly = examine || store_mailbox_readonly(box);
	s->state = IMAP_STATE_SELECTED;
	imap_sync_init(s);
	select_responses(s);
	return imap_cmd_finish(
	    cmd, IMAP_STATUS_OK, s->box_readonly ? "READ-ONLY" : "READ-WRITE",
	    examine ? "Examine completed." : "Select completed.");
}

enum imap_cmd_result
cmd_select(struct imap_cmd *cmd)
{
	return select_mailbox(cmd, false);
}

enum imap_cmd_result
cmd_examine(struct imap_cmd *cmd)
{
	return select_mailbox(cmd, true);
}

/* RFC 3501 section 6.4.2: expunge silently (no EXPUNGE responses) when
   the mailbox is writable, then return to the authenticated state. */
enum imap_cmd_result
cmd_close(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct err err;

	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	if (!s->box_readonly && store_expunge(s->box, NULL, &err) < 0) {
		/* the mailbox is closed anyway; the messages stay */
		log_warning("imap(%s): %s: CLOSE could not expunge: %s",
			    s->userid, conn_session_id(s->conn), err.msg);
	}
	imap_session_unselect(s);
	return imap_cmd_ok(cmd, "Close completed.");
}

/* RFC 3691 section 2: like CLOSE without the expunge. */
enum imap_cmd_result
cmd_unselect(struct imap_cmd *cmd)
{
	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	imap_session_unselect(cmd->session);
	return imap_cmd_ok(cmd, "Unselect completed.");
}

/* RFC 3501 section 6.4.1: every commit is already durable; the update
   sync at the end of the command reports what changed. */
enum imap_cmd_result
cmd_check(struct imap_cmd *cmd)
{
	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	return imap_cmd_ok(cmd, "Check completed.");
}
