/* SPDX-License-Identifier: MIT */
/* COPY and MOVE: placeholder. */
#include "proto/imap/imap-server-cmd.h"

enum imap_cmd_result
cmd_copy(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "Not implemented yet.");
}

enum imap_cmd_result
cmd_move(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "Not implemented yet.");
}
