/* SPDX-License-Identifier: MIT */
/* STORE and UID STORE: placeholder until the implementation lands. */
#include "proto/imap/imap-server-cmd.h"

enum imap_cmd_result
cmd_store(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "STORE is not implemented yet.");
}
