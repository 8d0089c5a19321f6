/* SPDX-License-Identifier: MIT */
/* STATUS: placeholder. */
#include "proto/imap/imap-server-cmd.h"

enum imap_cmd_result
cmd_status(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "Not implemented yet.");
}
