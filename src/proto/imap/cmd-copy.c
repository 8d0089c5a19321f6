/* SPDX-License-Identifier: MIT */
/*
 * COPY and UID COPY (RFC 3501 sections 6.4.7 and 6.4.8), MOVE and UID MOVE
 * (RFC 6851), with COPYUID (RFC 4315 section 3) and TRYCREATE.
 *
 * One store_copy() call copies (or moves) the whole set atomically. With
 * imap_keepalive set (M-Box guide 2.2.8), the set is copied in chunks and
 * an untagged OK is sent whenever the interval has passed, so that
 * clients and middle boxes do not give up on a long COPY. A chunked COPY
 * that fails is undone by expunging what it had copied (RFC 3501 section
 * 6.4.7: the destination is restored); a chunked MOVE leaves each
 * message in exactly one mailbox either way (RFC 6851 section 3.3).
 */
#include "proto/imap/imap-server-cmd.h"
#include "config/config.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "net/conn.h"
#include "store/store.h"

#include <string.h>

/* Messages per store_copy() call when keep-alives are on. */
#define COPY_CHUNK 500

struct copy_ctx {
	struct imap_cmd *cmd;
	const char *dest;
	bool move;
	struct store_copy_result done; /* accumulated over chunks */
	uint64_t keepalive_ms;
	uint64_t last_output_ms;
};

static void
set_append(struct store_uid_set *to, const struct store_uid_set *from)
{
	for (size_t i = 0; i < from->n; i++)
		store_uid_set_add(to, from->r[i].lo, from->r[i].hi);
}

/* Copies one part of the set and accumulates the result. */
static int
copy_part(struct copy_ctx *cc, const struct store_uid_set *uids,
	  struct err *err)
{
	struct imap_session *s = cc->cmd->session;
	struct store_copy_result res;
	int ret;

	memset(&res, 0, sizeof(res));
	ret = store_copy(s->box, uids, s->user, cc->dest, cc->move, &res, err);
	if (ret < 0)
		return -1;
	cc->done.uidvalidity = res.uidvalidity;
	set_append(&cc->done.src, &res.src);
	set_append(&cc->done.dst, &res.dst);
	store_copy_result_free(&res);
	return 0;
}

static void
keepalive(struct copy_ctx *cc)
{
	struct imap_session *s = cc->cmd->session;
	uint64_t now = time_mono_ms();

	if (now - cc->last_output_ms < cc->keepalive_ms)
		return;
	imap_out_untagged(s, "OK %s in progress.", cc->move ? "Move" : "Copy");
	(void)conn_flush(s->conn);
	cc->last_output_ms = now;
}

/* Copies in chunks of COPY_CHUNK messages with keep-alives between. */
static int
copy_chunked(struct copy_ctx *cc, const struct store_uid_set *uids,
	     struct err *err)
{
	struct store_uid_set part = {NULL, 0, 0};
	uint32_t in_part = 0;
	int ret = 0;

	for (size_t i = 0; i < uids->n && ret == 0; i++) {
		uint32_t lo = uids->r[i].lo;

		while (ret == 0) {
			uint32_t room = COPY_CHUNK - in_part;
			uint32_t hi = uids->r[i].hi - lo < room ? uids->r[i].hi
								: lo + room - 1;

			store_uid_set_add(&part, lo, hi);
			in_part += hi - lo + 1;
			if (in_part == COPY_CHUNK) {
				ret = copy_part(cc, &part, err);
				part.n = 0;
				in_part = 0;
				keepalive(cc);
			}
			if (hi == uids->r[i].hi)
				break;
			lo = hi + 1;
		}
	}
	if (ret == 0 && part.n > 0)
		ret = copy_part(cc, &part, err);
	store_uid_set_free(&part);
	return ret;
}

/* Undoes the chunks a failed COPY had made (RFC 3501 section 6.4.7). */
static void
copy_rollback(struct copy_ctx *cc)
{
	struct imap_session *s = cc->cmd->session;
	struct store_flag_update del = {STORE_FLAGS_ADD, STORE_FLAG_DELETED,
					NULL, 0, 0};
	struct store_mailbox *box = NULL;
	struct err err;

	if (cc->done.dst.n == 0)
		return;
	if (store_mailbox_open(s->user, cc->dest, STORE_OPEN_NO_RECENT, &box,
			       &err) < 0 ||
	    (store_update_flags(box, &cc->done.dst, &del, NULL, &err) < 0 ||
	     store_expunge(box, &cc->done.dst, &err) < 0)) {
		log_err("imap(%s): %s: cannot undo a partial COPY to %s: %s",
			s->userid, conn_session_id(s->conn), cc->dest, err.msg);
	}
	if (box != NULL)
		store_mailbox_close(&box);
}

static void
uid_set_write(struct buf *b, const struct store_uid_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		if (i > 0)
			buf_append_c(b, ',');
		if (set->r[i].lo == set->r[i].hi)
			buf_printf(b, "%u", set->r[i].lo);
		else
			buf_printf(b, "%u:%u", set->r[i].lo, set->r[i].hi);
	}
}

/* "COPYUID <uidvalidity> <source uids> <new uids>" (RFC 4315 section 3) */
static const char *
copyuid(struct copy_ctx *cc)
{
	struct buf b = BUF_INIT;
	const char *code;

	buf_printf(&b, "COPYUID %u ", cc->done.uidvalidity);
	uid_set_write(&b, &cc->done.src);
	buf_append_c(&b, ' ');
	uid_set_write(&b, &cc->done.dst);
	code = pool_strdup(cc->cmd->pool, buf_cstr(&b));
	buf_free(&b);
	return code;
}

static enum imap_cmd_result
copy_reply(struct copy_ctx *cc, int ret, const struct err *err)
{
	struct imap_cmd *cmd = cc->cmd;
	const char *code = cc->done.src.n > 0 ? copyuid(cc) : NULL;

	/* RFC 6851 section 4.3: COPYUID comes before the EXPUNGEs, which
	   the update sync at the end of the command sends */
	if (cc->move && code != NULL)
		imap_out_status(cmd->session, IMAP_STATUS_OK, code,
				"Moved UIDs.");
	if (ret == 0)
		return imap_cmd_finish(
		    cmd, IMAP_STATUS_OK, cc->move ? NULL : code,
		    cc->move ? "Move completed." : "Copy completed.");
	if (err->code == ERR_NOTFOUND)
		return imap_cmd_no(cmd, "TRYCREATE", "Mailbox does not exist.");
	return imap_cmd_fail(cmd, err);
}

static enum imap_cmd_result
copy_run(struct imap_cmd *cmd, bool move)
{
	struct imap_session *s = cmd->session;
	struct store_uid_set uids = {NULL, 0, 0};
	struct imap_seqset seqs;
	struct copy_ctx cc;
	enum imap_cmd_result res;
	struct err err;
	int ret;

	if (!imap_cmd_check_count(cmd, 2, 2) ||
	    !imap_cmd_get_msgset(cmd, &cmd->args[0], &seqs))
		return IMAP_CMD_DONE;
	memset(&cc, 0, sizeof(cc));
	cc.cmd = cmd;
	cc.move = move;
	if (!imap_cmd_get_mailbox(cmd, &cmd->args[1], &cc.dest))
		return IMAP_CMD_DONE;
	if (move && s->box_readonly)
		return imap_cmd_no(cmd, "READ-ONLY", "Mailbox is read-only.");
	imap_msgset_uids(s, &seqs, &uids);
	if (uids.n == 0) {
		if (store_mailbox_kind(s->user, cc.dest) !=
		    STORE_MAILBOX_SELECTABLE)
			return imap_cmd_no(cmd, "TRYCREATE",
					   "Mailbox does not exist.");
		return imap_cmd_ok(cmd, "No messages.");
	}
	cc.keepalive_ms = s->cfg->imap_keepalive > 0
			      ? (uint64_t)s->cfg->imap_keepalive * 1000
			      : 0;
	cc.last_output_ms = time_mono_ms();
	if (cc.keepalive_ms == 0)
		ret = copy_part(&cc, &uids, &err);
	else
		ret = copy_chunked(&cc, &uids, &err);
	if (ret < 0 && !move) {
		copy_rollback(&cc);
		cc.done.src.n = 0;
	}
	res = copy_reply(&cc, ret, &err);
	store_uid_set_free(&uids);
	store_copy_result_free(&cc.done);
	return res;
}

enum imap_cmd_result
cmd_copy(struct imap_cmd *cmd)
{
	return copy_run(cmd, false);
}

enum imap_cmd_result
cmd_move(struct imap_cmd *cmd)
{
	return copy_run(cmd, true);
}
