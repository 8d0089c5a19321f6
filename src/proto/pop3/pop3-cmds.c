/* SPDX-License-Identifier: MIT */
/*
 * The TRANSACTION state (RFC 1939 section 5, and TOP and UIDL of section
 * 7) and QUIT, which enters the UPDATE state (section 6).
 *
 * A malformed message-number is a protocol error (counted towards the
 * error limit); a well-formed number that names no message, or a deleted
 * one, is an ordinary -ERR (RFC 1939: "-ERR no such message").
 */
#include "proto/pop3/pop3-maildrop.h"
#include "proto/pop3/pop3-private.h"
#include "net/conn.h"
#include "lib/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* Parses and checks the message-number argument `i`. Returns true with
   *msg_r set if it names a message not marked as deleted; otherwise it
   has answered. */
static bool
message_arg(struct pop3_session *s, const struct pop3_cmd *cmd, unsigned i,
	    uint32_t *msg_r)
{
	uint32_t msg, count = pop3_maildrop_count(s->drop);

	if (pop3_parse_msgnum(&cmd->args[i], &msg) < 0) {
		pop3_session_bad_command(s, "Invalid message number");
		return false;
	}
	if (msg > count) {
		pop3_session_err(
		    s, NULL, "No such message, only %u messages in maildrop",
		    count);
		return false;
	}
	if (pop3_maildrop_is_deleted(s->drop, msg)) {
		pop3_session_err(s, NULL, "Message %u is deleted", msg);
		return false;
	}
	*msg_r = msg;
	return true;
}

void
pop3_cmds_stat(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	/* RFC 1939 section 5: exactly "+OK nn mm", deleted ones excluded */
	pop3_session_ok(s, "%u %llu", pop3_maildrop_live_count(s->drop),
			(unsigned long long)pop3_maildrop_live_size(s->drop));
}

void
pop3_cmds_list(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	uint32_t msg;

	if (cmd->nargs == 1) {
		if (message_arg(s, cmd, 0, &msg))
			pop3_session_ok(s, "%u %llu", msg,
					(unsigned long long)pop3_maildrop_size(
					    s->drop, msg));
		return;
	}
	pop3_session_ok(s, "%u messages (%llu octets)",
			pop3_maildrop_live_count(s->drop),
			(unsigned long long)pop3_maildrop_live_size(s->drop));
	pop3_send_listing(s, POP3_JOB_LIST);
}

void
pop3_cmds_uidl(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	char uidl[POP3_UIDL_MAX];
	uint32_t msg;

	if (cmd->nargs == 1) {
		if (message_arg(s, cmd, 0, &msg)) {
			pop3_maildrop_uidl(s->drop, msg, uidl);
			pop3_session_ok(s, "%u %s", msg, uidl);
		}
		return;
	}
	pop3_session_ok(s, "Unique-id listing follows");
	pop3_send_listing(s, POP3_JOB_UIDL);
}

/* Opens message msg for RETR/TOP; answers and returns -1 on failure. */
static int
open_message(struct pop3_session *s, uint32_t msg)
{
	struct err err;
	int fd;

	if (pop3_maildrop_open_msg(s->drop, msg, &fd, &err) < 0) {
		if (err.code == ERR_EXPUNGED)
			pop3_session_err(s, NULL,
					 "Message %u was removed by another "
					 "session",
					 msg);
		else
			pop3_session_internal_error(s, "opening a message",
						    &err);
		return -1;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return fd;
}

void
pop3_cmds_retr(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	uint32_t msg;
	int fd;

	if (!message_arg(s, cmd, 0, &msg) || (fd = open_message(s, msg)) < 0)
		return;
	/* the size is that of LIST: the stored octets, without the
	   stuffing (RFC 1939 section 11) */
	pop3_session_ok(s, "%llu octets",
			(unsigned long long)pop3_maildrop_size(s->drop, msg));
	pop3_send_message(s, msg, fd, true, 0);
}

void
pop3_cmds_top(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	uint64_t lines;
	uint32_t msg;
	int fd;

	if (pop3_parse_count(&cmd->args[1], &lines) < 0) {
		pop3_session_bad_command(s, "Invalid line count");
		return;
	}
	if (!message_arg(s, cmd, 0, &msg) || (fd = open_message(s, msg)) < 0)
		return;
	pop3_session_ok(s, "Top of message follows");
	pop3_send_message(s, msg, fd, false, lines);
}

void
pop3_cmds_dele(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	uint32_t msg;

	if (pop3_parse_msgnum(&cmd->args[0], &msg) == 0 &&
	    pop3_maildrop_is_deleted(s->drop, msg)) {
		pop3_session_err(s, NULL, "Message %u already deleted", msg);
		return;
	}
	if (!message_arg(s, cmd, 0, &msg))
		return;
	/* RFC 1939 section 5: marked now, removed in the UPDATE state */
	pop3_maildrop_delete(s->drop, msg);
	pop3_session_ok(s, "Message %u deleted", msg);
}

void
pop3_cmds_noop(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	pop3_session_ok(s, "%s", "");
}

void
pop3_cmds_rset(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	pop3_maildrop_reset(s->drop);
	pop3_session_ok(s, "Maildrop has %u messages (%llu octets)",
			pop3_maildrop_live_count(s->drop),
			(unsigned long long)pop3_maildrop_live_size(s->drop));
}

void
pop3_cmds_quit(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	char reason[96];
	uint32_t deleted, left;
	struct err err;

	(void)cmd;
	if (s->state != POP3_STATE_TRANSACTION) {
		/* RFC 1939 section 4: QUIT before login ends the session
		   without the UPDATE state */
		pop3_session_ok(s, "Bye");
		pop3_session_close(s, "QUIT");
		return;
	}
	/* RFC 1939 section 6: the UPDATE state */
	deleted = pop3_maildrop_deleted_count(s->drop);
	left = pop3_maildrop_live_count(s->drop);
	if (pop3_maildrop_commit(s->drop, &err) < 0) {
		log_err("pop3: %s: removing deleted messages failed: %s [%s]",
			s->userid, err.msg, conn_session_id(s->conn));
		pop3_session_err(s, "SYS/TEMP",
				 "Some deleted messages were not removed");
		snprintf(reason, sizeof(reason), "QUIT: removal failed");
	} else if (left == 0) {
		pop3_session_ok(s, "Logging out (maildrop empty)");
		snprintf(reason, sizeof(reason), "QUIT: %u deleted, 0 left",
			 deleted);
	} else {
		pop3_session_ok(s, "Logging out (%u messages left)", left);
		snprintf(reason, sizeof(reason), "QUIT: %u deleted, %u left",
			 deleted, left);
	}
	/* "Whether the removal was successful or not, the server then
	   releases any exclusive-access lock on the maildrop and closes
	   the TCP connection." */
	pop3_maildrop_close(&s->drop);
	pop3_session_close(s, reason);
}
