/* SPDX-License-Identifier: MIT */
/* FETCH and UID FETCH: placeholder until the implementation lands. */
#include "proto/imap/imap-server-cmd.h"

enum imap_cmd_result
cmd_fetch(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "FETCH is not implemented yet.");
}
