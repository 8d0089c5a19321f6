/* SPDX-License-Identifier: MIT */
/* Commands valid in any state: CAPABILITY, NOOP, LOGOUT (RFC 3501 section
   6.1) and ID (RFC 2971). */
#include "proto/imap/imap-server-cmd.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/version.h"
#include "net/conn.h"

#include <stdio.h>

/* RFC 2971 section 3.3: at most 30 field-value pairs, fields of at most
   30 octets, values of at most 1024. */
#define ID_MAX_PAIRS 30
#define ID_FIELD_MAX 30
#define ID_VALUE_MAX 1024

enum imap_cmd_result
cmd_capability(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct buf *b;

	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	b = imap_out_begin(s);
	buf_append_str(b, "* CAPABILITY ");
	imap_caps_append(s, b);
	imap_out_send(s);
	return imap_cmd_ok(cmd, "Capability completed.");
}

/* RFC 3501 section 6.1.2: the update sync at the end of every command
   does the work. */
enum imap_cmd_result
cmd_noop(struct imap_cmd *cmd)
{
	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	return imap_cmd_ok(cmd, "NOOP completed.");
}

static void
logout_close(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;

	s->logged_out = true;
	s->state = IMAP_STATE_LOGOUT;
	conn_close_after_flush(s->conn, "Logged out");
}

/* RFC 3501 section 6.1.3: BYE, then the tagged OK, then close. */
enum imap_cmd_result
cmd_logout(struct imap_cmd *cmd)
{
	if (!imap_cmd_check_count(cmd, 0, 0))
		return IMAP_CMD_DONE;
	imap_out_status(cmd->session, IMAP_STATUS_BYE, NULL, "Logging out.");
	cmd->after_reply = logout_close;
	return imap_cmd_ok(cmd, "Logout completed.");
}

/* Checks the client's ID list and logs it; false if malformed. */
static bool
id_parse(struct imap_cmd *cmd, const struct imap_arg *list, size_t n)
{
	char line[512], esc[160];
	size_t used = 0;

	if (n % 2 != 0 || n / 2 > ID_MAX_PAIRS)
		return false;
	line[0] = '\0';
	for (size_t i = 0; i < n; i += 2) {
		const char *field, *value;
		size_t flen, vlen;

		if (!imap_arg_get_string(&list[i], &field, &flen) ||
		    !imap_arg_get_nstring(&list[i + 1], &value, &vlen) ||
		    flen > ID_FIELD_MAX || vlen > ID_VALUE_MAX)
			return false;
		if (value == NULL || used >= sizeof(line) - 1)
			continue;
		str_escape_log(esc, sizeof(esc), value, vlen);
		used += (size_t)snprintf(line + used, sizeof(line) - used,
					 "%s%.*s=%s", used > 0 ? " " : "",
					 (int)flen, field, esc);
	}
	if (used > 0)
		log_debug("imap(%s): %s: client ID: %s",
			  cmd->session->userid != NULL ? cmd->session->userid
						       : "-",
			  conn_session_id(cmd->session->conn), line);
	return true;
}

/* RFC 2971 section 3.1: id = "ID" SP id-params-list, id-params-list =
   "(" *(string SP nstring) ")" / nil. */
enum imap_cmd_result
cmd_id(struct imap_cmd *cmd)
{
	const struct imap_arg *list;
	size_t n;

	if (!imap_cmd_check_count(cmd, 1, 1))
		return IMAP_CMD_DONE;
	if (cmd->args[0].type != IMAP_ARG_NIL) {
		if (!imap_arg_get_list(&cmd->args[0], &list, &n) ||
		    !id_parse(cmd, list, n))
			return imap_cmd_bad(cmd, "Invalid ID parameters.");
	}
	imap_out_untagged(cmd->session,
			  "ID (\"name\" \"" COFFER_NAME
			  "\" \"version\" \"%s\")",
			  COFFER_VERSION);
	return imap_cmd_ok(cmd, "ID completed.");
}
