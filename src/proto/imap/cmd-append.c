/* SPDX-License-Identifier: MIT */
/*
 * APPEND (RFC 3501 section 6.3.11) with MULTIAPPEND (RFC 3502), APPENDUID
 * (RFC 4315), TRYCREATE and APPENDLIMIT (RFC 7889).
 *
 * The message literals never pass through memory whole: while the command
 * is still being parsed, each literal's octets stream from the input
 * buffer into a store append transaction (store_append_msg_write()) in
 * chunks, with bare LF turned into CRLF on the way (RFC 5322 section
 * 2.3: lines end with CRLF; RFC822.SIZE then counts what is stored). All
 * messages of one APPEND become visible at once when the command runs
 * and commits the transaction (RFC 3502 section 6: atomic).
 */
#include "proto/imap/imap-server-cmd.h"
#include "proto/imap/imap-server-private.h"
#include "proto/imap/imap-date.h"
#include "proto/imap/imap-flags.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/timeutil.h"
#include "net/conn.h"
#include "store/store.h"

#include <string.h>

/* Normalised data is written to the store in chunks of about this size. */
#define APPEND_CHUNK 32768

struct append_ctx {
	struct store_append *txn;
	size_t next_arg;  /* the next message's first argument */
	uint64_t left;	  /* octets of the current literal to come */
	uint64_t size;	  /* bytes stored for the current message */
	uint64_t limit;	  /* APPENDLIMIT */
	bool last_cr;	  /* the last octet passed was CR */
	bool failed;	  /* a message could not be stored */
	struct err err;	  /* why */
	struct buf chunk; /* normalised octets not yet written */
};

static void
append_free(struct append_ctx *ac)
{
	if (ac->txn != NULL)
		store_append_abort(&ac->txn);
	buf_free(&ac->chunk);
}

void
cmd_append_literal_abort(struct imap_session *s)
{
	struct append_ctx *ac = s->literal.ctx;

	if (ac != NULL)
		append_free(ac);
	s->literal.ctx = NULL;
}

/* Refuses a literal with a tagged reply (the command never runs). */
static enum imap_literal_action
refuse(struct imap_session *s, const char *tag, enum imap_status status,
       const char *code, const char *text)
{
	imap_reply_tagged(s, tag, status, code, text);
	return IMAP_LITERAL_REJECT;
}

static enum imap_literal_action
refuse_err(struct imap_session *s, const char *tag, const struct err *err)
{
	if (err->code == ERR_NOTFOUND) {
		/* RFC 3501 section 6.3.11 */
		return refuse(s, tag, IMAP_STATUS_NO, "TRYCREATE",
			      "Mailbox does not exist.");
	}
	if (err->code == ERR_INTERNAL || err->code == ERR_CORRUPT)
		log_err("imap(%s): %s: APPEND failed: %s", s->userid,
			conn_session_id(s->conn), err->msg);
	return refuse(s, tag, IMAP_STATUS_NO, imap_err_code(err->code),
		      err->code == ERR_NOQUOTA	? "Quota exceeded."
		      : err->code == ERR_TOOBIG ? "Message too large."
						: "Cannot append the message.");
}

/* The mailbox and the transaction, at the first literal. */
static enum imap_literal_action
append_start(struct imap_session *s, const struct imap_literal_info *info)
{
	struct append_ctx *ac;
	enum imap_status status;
	const char *name, *error;
	struct err err;

	if (info->count < 1 ||
	    imap_decode_mailbox(s->cmd_pool, &info->args[0], &name, &status,
				&error) < 0) {
		return refuse(s, info->tag,
			      info->count < 1 ? IMAP_STATUS_BAD : status, NULL,
			      info->count < 1 ? "Missing mailbox." : error);
	}
	ac = pool_alloc(s->cmd_pool, sizeof(*ac));
	ac->next_arg = 1;
	ac->limit = imap_append_limit(s->cfg);
	if (store_append_begin(s->user, name, &ac->txn, &err) < 0)
		return refuse_err(s, info->tag, &err);
	s->literal.ctx = ac;
	return IMAP_LITERAL_STREAM;
}

/* [SP flag-list] [SP date-time] before a message literal. */
static bool
message_args(struct imap_session *s, const struct imap_literal_info *info,
	     struct imap_flags *flags, int64_t *date, const char **error)
{
	struct append_ctx *ac = s->literal.ctx;
	size_t i = ac->next_arg;
	int zone;

	memset(flags, 0, sizeof(*flags));
	*date = time_now();
	*error = "Invalid APPEND arguments.";
	if (i < info->count && info->args[i].type == IMAP_ARG_LIST) {
		if (imap_flags_parse_list(s->cmd_pool, &info->args[i], flags,
					  error) < 0)
			return false;
		i++;
	}
	if (i < info->count) {
		if (!imap_arg_get_datetime(&info->args[i], date, &zone)) {
			*error = "Invalid date-time.";
			return false;
		}
		i++;
	}
	return i == info->count;
}

enum imap_literal_action
cmd_append_literal(struct imap_session *s, const struct imap_literal_info *info)
{
	struct append_ctx *ac;
	struct imap_flags flags;
	const char *error;
	int64_t date;
	struct err err;

	/* RFC 4469 CATENATE and RFC 3516 literal8 are not offered */
	if (info->depth > 0 || info->literal8)
		return refuse(s, info->tag, IMAP_STATUS_BAD, NULL,
			      "Unsupported APPEND syntax.");
	if (s->literal.ctx == NULL &&
	    append_start(s, info) == IMAP_LITERAL_REJECT)
		return IMAP_LITERAL_REJECT;
	ac = s->literal.ctx;
	if (ac->failed)
		return refuse_err(s, info->tag, &ac->err);
	if (!message_args(s, info, &flags, &date, &error))
		return refuse(s, info->tag, IMAP_STATUS_BAD, NULL, error);
	if (info->size == 0)
		return refuse(s, info->tag, IMAP_STATUS_NO, "CANNOT",
			      "Cannot append an empty message.");
	if (info->size > ac->limit)
		return refuse(s, info->tag, IMAP_STATUS_NO, "TOOBIG",
			      "Message too large.");
	if (store_append_msg_begin(ac->txn, date, flags.system, flags.keywords,
				   flags.keyword_count, &err) < 0)
		return refuse_err(s, info->tag, &err);
	ac->next_arg = info->count + 1;
	ac->left = info->size;
	ac->size = 0;
	ac->last_cr = false;
	return IMAP_LITERAL_STREAM;
}

static int
append_fail(struct append_ctx *ac, enum err_code code, const char *msg)
{
	if (!ac->failed)
		err_set(&ac->err, code, "%s", msg);
	ac->failed = true;
	return -1;
}

static int
flush_chunk(struct append_ctx *ac)
{
	if (ac->chunk.len == 0)
		return 0;
	if (store_append_msg_write(ac->txn, ac->chunk.data, ac->chunk.len,
				   &ac->err) < 0) {
		ac->failed = true;
		return -1;
	}
	buf_clear(&ac->chunk);
	return 0;
}

/* Appends data with each LF not preceded by CR turned into CRLF. */
static void
normalise(struct append_ctx *ac, const uint8_t *data, size_t len)
{
	while (len > 0) {
		const uint8_t *lf = memchr(data, '\n', len);
		size_t n = lf == NULL ? len : (size_t)(lf - data);

		buf_append(&ac->chunk, data, n);
		if (n > 0)
			ac->last_cr = data[n - 1] == '\r';
		if (lf == NULL)
			break;
		if (!ac->last_cr)
			buf_append_c(&ac->chunk, '\r');
		buf_append_c(&ac->chunk, '\n');
		ac->last_cr = false;
		data += n + 1;
		len -= n + 1;
	}
}

int
cmd_append_literal_data(struct imap_session *s, const uint8_t *data, size_t len)
{
	struct append_ctx *ac = s->literal.ctx;
	size_t before = ac->chunk.len;

	if (ac->failed)
		return -1;
	/* RFC 3501 section 9: literal octets are CHAR8, never NUL */
	if (memchr(data, '\0', len) != NULL)
		return append_fail(ac, ERR_PARAMS,
				   "Message contains NUL octets.");
	normalise(ac, data, len);
	ac->size += ac->chunk.len - before;
	ac->left -= len;
	if (ac->size > ac->limit)
		return append_fail(ac, ERR_TOOBIG, "Message too large.");
	if ((ac->chunk.len >= APPEND_CHUNK || ac->left == 0) &&
	    flush_chunk(ac) < 0)
		return -1;
	if (ac->left == 0 && store_append_msg_finish(ac->txn, &ac->err) < 0) {
		ac->failed = true;
		return -1;
	}
	return 0;
}

/* "APPENDUID <uidvalidity> <uid-set>" (RFC 4315 section 3). */
static void
appenduid_code(struct buf *b, uint32_t uidvalidity,
	       const struct store_uid_set *uids)
{
	buf_printf(b, "APPENDUID %u ", uidvalidity);
	for (size_t i = 0; i < uids->n; i++) {
		if (i > 0)
			buf_append_c(b, ',');
		if (uids->r[i].lo == uids->r[i].hi)
			buf_printf(b, "%u", uids->r[i].lo);
		else
			buf_printf(b, "%u:%u", uids->r[i].lo, uids->r[i].hi);
	}
}

enum imap_cmd_result
cmd_append(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct append_ctx *ac = s->literal.ctx;
	struct store_uid_set uids = {NULL, 0, 0};
	struct buf code = BUF_INIT;
	uint32_t uidvalidity;
	enum imap_cmd_result ret;
	struct err err;

	if (ac == NULL || cmd->count != ac->next_arg ||
	    cmd->args[cmd->count - 1].type != IMAP_ARG_LITERAL_STREAM)
		return imap_cmd_bad(cmd, ac == NULL
					     ? "Missing message literal."
					     : "Invalid APPEND arguments.");
	if (ac->failed) {
		if (ac->err.code == ERR_PARAMS)
			return imap_cmd_no(cmd, "CANNOT", ac->err.msg);
		return imap_cmd_fail(cmd, &ac->err);
	}
	if (store_append_commit(&ac->txn, &uidvalidity, &uids, &err) < 0) {
		if (err.code == ERR_NOTFOUND)
			return imap_cmd_no(cmd, "TRYCREATE",
					   "Mailbox does not exist.");
		return imap_cmd_fail(cmd, &err);
	}
	appenduid_code(&code, uidvalidity, &uids);
	ret = imap_cmd_finish(cmd, IMAP_STATUS_OK, buf_cstr(&code),
			      "Append completed.");
	store_uid_set_free(&uids);
	buf_free(&code);
	return ret;
}
