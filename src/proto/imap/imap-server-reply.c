/* SPDX-License-Identifier: MIT */
/*
 * Writing responses: the session's response buffer, tagged replies, and
 * store errors as RFC 5530 response codes.
 */
#include "proto/imap/imap-server-private.h"
#include "lib/log.h"
#include "net/conn.h"

#include <stdarg.h>

/* The response buffer is kept between responses up to this size. */
#define OUT_KEEP_MAX 4096

struct buf *
imap_out_begin(struct imap_session *s)
{
	buf_clear(&s->out);
	return &s->out;
}

static int
out_write(struct imap_session *s)
{
	int ret = conn_write(s->conn, s->out.data, s->out.len);

	buf_clear(&s->out);
	if (s->out.cap > OUT_KEEP_MAX)
		buf_free(&s->out);
	return ret;
}

int
imap_out_send(struct imap_session *s)
{
	if (buf_append(&s->out, "\r\n", 2) < 0)
		return -1;
	return out_write(s);
}

int
imap_out_untagged(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	imap_out_begin(s);
	buf_append(&s->out, "* ", 2);
	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	return imap_out_send(s);
}

int
imap_out_status(struct imap_session *s, enum imap_status status,
		const char *code, const char *text)
{
	imap_out_begin(s);
	if (imap_response_status(&s->out, NULL, status, code, text) < 0)
		return -1;
	return out_write(s);
}

bool
imap_output_full(struct imap_session *s)
{
	return conn_output_full(s->conn);
}

void
imap_reply_tagged(struct imap_session *s, const char *tag,
		  enum imap_status status, const char *code, const char *text)
{
	imap_out_begin(s);
	(void)imap_response_status(&s->out, tag, status, code, text);
	(void)out_write(s);
	if (status != IMAP_STATUS_BAD) {
		s->bad_count = 0;
		return;
	}
	/* DEBUG traces of BAD responses (M-Box guide section 2.3) */
	log_debug("imap(%s): %s: BAD %s", s->userid != NULL ? s->userid : "-",
		  conn_session_id(s->conn), text);
	if (++s->bad_count >= IMAP_MAX_BAD_COMMANDS)
		imap_session_bye(s, "Too many invalid commands.");
}

/* RFC 5530 section 3. */
const char *
imap_err_code(enum err_code code)
{
	switch (code) {
	case ERR_NONE:
		return NULL;
	case ERR_INTERNAL:
	case ERR_CORRUPT:
		return "SERVERBUG";
	case ERR_TEMP:
		return "UNAVAILABLE";
	case ERR_NOTFOUND:
		return "NONEXISTENT";
	case ERR_EXISTS:
		return "ALREADYEXISTS";
	case ERR_PARAMS:
		return "CANNOT";
	case ERR_PERM:
		return "NOPERM";
	case ERR_NOQUOTA:
		return "OVERQUOTA";
	case ERR_LIMIT:
		return "LIMIT";
	case ERR_TOOBIG:
		/* RFC 4469 section 6 / RFC 7889 */
		return "TOOBIG";
	case ERR_INUSE:
		return "INUSE";
	case ERR_EXPUNGED:
		return "EXPUNGEISSUED";
	case ERR_NOTPOSSIBLE:
		return "CANNOT";
	}
	return NULL;
}

/* Fixed texts: store messages may name files, and clients never see
   internal detail (docs/STYLE.md). */
static const char *
err_text(enum err_code code)
{
	switch (code) {
	case ERR_TEMP:
		return "Temporary failure, try again later.";
	case ERR_NOTFOUND:
		return "Mailbox does not exist.";
	case ERR_EXISTS:
		return "Mailbox already exists.";
	case ERR_PARAMS:
		return "Invalid mailbox name.";
	case ERR_PERM:
		return "Permission denied.";
	case ERR_NOQUOTA:
		return "Quota exceeded.";
	case ERR_LIMIT:
		return "Limit reached.";
	case ERR_TOOBIG:
		return "Message too large.";
	case ERR_INUSE:
		return "Mailbox is in use.";
	case ERR_EXPUNGED:
		return "Some messages were expunged meanwhile.";
	case ERR_NOTPOSSIBLE:
		return "Operation not possible.";
	default:
		return "Internal error.";
	}
}

enum imap_cmd_result
imap_cmd_fail(struct imap_cmd *cmd, const struct err *err)
{
	struct imap_session *s = cmd->session;
	const char *who = s->userid != NULL ? s->userid : "-";

	if (err->code == ERR_INTERNAL || err->code == ERR_CORRUPT ||
	    err->code == ERR_NONE) {
		log_err("imap(%s): %s: %s failed: %s", who,
			conn_session_id(s->conn), cmd->name, err->msg);
		return imap_cmd_finishf(cmd, IMAP_STATUS_NO, "SERVERBUG",
					"Internal error, see server log [%s]",
					conn_session_id(s->conn));
	}
	log_debug("imap(%s): %s: %s failed: %s", who, conn_session_id(s->conn),
		  cmd->name, err->msg);
	return imap_cmd_no(cmd, imap_err_code(err->code), err_text(err->code));
}
