/* SPDX-License-Identifier: MIT */
/* LIST and LSUB: placeholder. */
#include "proto/imap/imap-server-cmd.h"

enum imap_cmd_result
cmd_list(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "Not implemented yet.");
}

enum imap_cmd_result
cmd_lsub(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "Not implemented yet.");
}
