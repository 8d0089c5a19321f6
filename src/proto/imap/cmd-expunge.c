/* SPDX-License-Identifier: MIT */
/*
 * EXPUNGE (RFC 3501 section 6.4.3) and UID EXPUNGE (RFC 4315 section
 * 2.1). The EXPUNGE responses come from the update sync at the end of the
 * command, like those caused by other sessions.
 */
#include "proto/imap/imap-server-cmd.h"
#include "store/store.h"

enum imap_cmd_result
cmd_expunge(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct store_uid_set uids = {NULL, 0, 0};
	struct imap_seqset seqs;
	struct err err;
	int ret;

	if (!imap_cmd_check_count(cmd, cmd->uid ? 1 : 0, cmd->uid ? 1 : 0))
		return IMAP_CMD_DONE;
	if (s->box_readonly)
		return imap_cmd_no(cmd, "READ-ONLY", "Mailbox is read-only.");
	if (!cmd->uid) {
		ret = store_expunge(s->box, NULL, &err);
	} else {
		if (!imap_cmd_get_msgset(cmd, &cmd->args[0], &seqs))
			return IMAP_CMD_DONE;
		imap_msgset_uids(s, &seqs, &uids);
		/* an empty set expunges nothing, not everything */
		ret = uids.n == 0 ? 0 : store_expunge(s->box, &uids, &err);
		store_uid_set_free(&uids);
	}
	if (ret < 0)
		return imap_cmd_fail(cmd, &err);
	return imap_cmd_ok(cmd, "Expunge completed.");
}
