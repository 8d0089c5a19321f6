/* SPDX-License-Identifier: MIT */
/*
 * STORE and UID STORE (RFC 3501 sections 6.4.6 and 6.4.8).
 *
 * The change is one store transaction over the UIDs of the set
 * (store_update_flags(), atomic for all of them). Then, unless .SILENT
 * was given, every message of the set that is still in the mailbox gets
 * an untagged FETCH with its resulting flags ("as if a FETCH of those
 * flags was done"), with its UID for UID STORE. The update sync at the
 * end of the command leaves these own changes out, but reports changes
 * made by others meanwhile (RFC 3501 section 6.4.6 note), and no EXPUNGE
 * is sent during STORE (section 7.4.1, IMAP_CMD_F_NO_EXPUNGE).
 *
 * New keywords are announced with FLAGS and PERMANENTFLAGS (RFC 3501
 * sections 7.2.6 and 7.1) before the FETCH responses that use them.
 * Messages expunged by another session meanwhile are left alone (RFC 2180
 * section 4.2): the store ignores UIDs that are gone, and they get no
 * FETCH response.
 */
#include "proto/imap/imap-server-cmd.h"
#include "lib/timeutil.h"
#include "proto/imap/fetch-stream.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-flags.h"
#include "proto/imap/imap-server-sync.h"
#include "store/store.h"

#include <string.h>

#define STORE_SLICE_MS 50
#define STORE_SLICE_CHECK 256

struct store_ctx {
	struct imap_seqset seqs;
	struct imap_seqset_iter iter;
	struct fetch_stream *out;
	bool done;
};

static void
store_cleanup(struct imap_cmd *cmd)
{
	struct store_ctx *ctx = cmd->ctx;

	if (ctx != NULL)
		fetch_stream_destroy(&ctx->out);
}

static void
queue_flags(struct imap_cmd *cmd, struct store_ctx *ctx, uint32_t seq)
{
	struct store_mailbox *box = cmd->session->box;
	struct buf *b = fetch_stream_text(ctx->out);
	struct store_msg_info info;
	struct imap_flags fl;

	if (store_msg_info(box, seq, &info) < 0 || info.expunged)
		return;
	fl.system = info.flags & (IMAP_FLAGS_STORABLE | IMAP_FLAG_RECENT);
	fl.keyword_count = store_msg_keywords(box, seq, &fl.keywords);
	buf_printf(b, "* %u FETCH (", seq);
	if (cmd->uid)
		buf_printf(b, "UID %u ", info.uid);
	buf_append_str(b, "FLAGS ");
	imap_flags_append(b, &fl);
	buf_append_str(b, ")\r\n");
}

/* Writes the FETCH responses, yielding while the client reads. */
static enum imap_cmd_result
store_step(struct imap_cmd *cmd)
{
	struct store_ctx *ctx = cmd->ctx;
	size_t batch = fetch_stream_chunk_size(ctx->out);
	uint64_t start = time_mono_ms();
	unsigned since_check = 0;
	uint32_t seq;
	int ret;

	for (;;) {
		if (ctx->done || fetch_stream_pending(ctx->out) >= batch) {
			ret = fetch_stream_flush(ctx->out);
			if (ret == 0)
				return IMAP_CMD_YIELD;
			if (ret < 0)
				return imap_cmd_no(cmd, NULL, "Store failed.");
			if (ctx->done)
				return imap_cmd_ok(cmd, "Store completed.");
		}
		if (!imap_seqset_iter_next(&ctx->iter, &seq)) {
			ctx->done = true;
			continue;
		}
		queue_flags(cmd, ctx, seq);
		if (++since_check == STORE_SLICE_CHECK) {
			since_check = 0;
			if (time_mono_ms() - start >= STORE_SLICE_MS)
				return IMAP_CMD_YIELD;
		}
	}
}

static enum store_flags_mode
store_mode(enum imap_store_mode mode)
{
	switch (mode) {
	case IMAP_STORE_ADD:
		return STORE_FLAGS_ADD;
	case IMAP_STORE_REMOVE:
		return STORE_FLAGS_REMOVE;
	case IMAP_STORE_REPLACE:
		break;
	}
	return STORE_FLAGS_REPLACE;
}

/* Applies the change to the messages of `seqs`. */
static int
apply(struct imap_session *s, const struct imap_seqset *seqs,
      const struct imap_store_request *req, struct err *err)
{
	struct store_uid_set uids = {NULL, 0, 0};
	struct store_flag_update upd;
	int ret = 0;

	imap_msgset_uids(s, seqs, &uids);
	memset(&upd, 0, sizeof(upd));
	upd.mode = store_mode(req->mode);
	/* the flag library already refused \Recent (RFC 3501 2.3.2) */
	upd.flags = req->flags.system & STORE_FLAGS_STORABLE;
	upd.keywords = req->flags.keywords;
	upd.keyword_count = req->flags.keyword_count;
	if (uids.n > 0)
		ret = store_update_flags(s->box, &uids, &upd, NULL, err);
	store_uid_set_free(&uids);
	return ret;
}

enum imap_cmd_result
cmd_store(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct imap_store_request req;
	const char *const *names;
	struct store_ctx *ctx;
	const char *error;
	struct err err;

	if (!imap_cmd_check_count(cmd, 3, SIZE_MAX))
		return IMAP_CMD_DONE;
	ctx = pool_alloc(cmd->pool, sizeof(*ctx));
	memset(ctx, 0, sizeof(*ctx));
	if (!imap_cmd_get_msgset(cmd, &cmd->args[0], &ctx->seqs))
		return IMAP_CMD_DONE;
	if (imap_store_parse(cmd->pool, cmd->args + 1, cmd->count - 1, &req,
			     &error) < 0)
		return imap_cmd_bad(cmd, error);
	/* UNCHANGEDSINCE needs CONDSTORE, which is not offered */
	if (req.ext != 0)
		return imap_cmd_bad(cmd, "STORE modifiers are not supported.");
	if (s->box_readonly)
		return imap_cmd_no(cmd, "READ-ONLY", "Mailbox is read-only.");
	if (apply(s, &ctx->seqs, &req, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	/* RFC 3501 section 7.2.6: announce keywords new to the mailbox */
	if (store_mailbox_keywords(s->box, &names) > s->sync.keywords)
		imap_sync_write_flags(s);
	if (req.silent)
		return imap_cmd_ok(cmd, "Store completed.");
	ctx->out = fetch_stream_create(s);
	cmd->ctx = ctx;
	cmd->cleanup = store_cleanup;
	imap_seqset_iter_init(&ctx->iter, &ctx->seqs);
	cmd->func = store_step;
	return store_step(cmd);
}
