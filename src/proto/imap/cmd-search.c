/* SPDX-License-Identifier: MIT */
/* SEARCH and UID SEARCH: placeholder until the implementation lands. */
#include "proto/imap/imap-server-cmd.h"

enum imap_cmd_result
cmd_search(struct imap_cmd *cmd)
{
	return imap_cmd_no(cmd, "CANNOT", "SEARCH is not implemented yet.");
}
