/* SPDX-License-Identifier: MIT */
/*
 * FETCH and UID FETCH (RFC 3501 sections 6.4.5 and 6.4.8).
 *
 * The command parses its items once into a plan (duplicates removed,
 * response names precomputed), sets \Seen on the messages whose flags the
 * fetch changes (one store transaction for all of them, before any
 * output), then walks the set in ascending order and queues one response
 * per message (fetch-msg.c). Output goes through fetch-stream.c: the
 * command yields whenever the client has to read first, and also every
 * FETCH_SLICE_MS so that a long FETCH does not hold the worker thread
 * away from other connections.
 *
 * No EXPUNGE is sent while FETCH runs (RFC 3501 section 7.4.1): the view
 * keeps expunged messages until the command's end (IMAP_CMD_F_NO_EXPUNGE
 * in the command table), see fetch-msg.c for how they are answered.
 *
 * FETCH 1:* (UID FLAGS) on a large mailbox touches only the in-memory
 * index: no summary, no file, no system call per message; responses are
 * batched into chunks before they reach the connection.
 */
#include "proto/imap/fetch-private.h"
#include "lib/hash.h"
#include "lib/timeutil.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-flags.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* Longest stretch of work before other connections get the worker. */
#define FETCH_SLICE_MS 50
/* Messages between clock checks. */
#define FETCH_SLICE_CHECK 64
#define MSG_POOL_BLOCK 8192

static void
fetch_cleanup(struct imap_cmd *cmd)
{
	struct fetch_ctx *ctx = cmd->ctx;

	if (ctx == NULL)
		return;
	fetch_stream_destroy(&ctx->out);
	pool_destroy(&ctx->msg_pool);
	buf_free(&ctx->scratch);
	buf_free(&ctx->header);
	for (size_t i = 0; i < ctx->n_items; i++)
		fetch_ranges_free(&ctx->items[i].ranges);
	free(ctx->seen);
	cmd->ctx = NULL;
}

/* Builds the plan: request order, one item per response name (BODY[X]
   and BODY.PEEK[X] both answer as BODY[X]), UID left to uid_first. */
static void
plan_items(struct fetch_ctx *ctx, const struct imap_fetch_request *req)
{
	struct pool *pool = ctx->cmd->pool;
	struct buf name = BUF_INIT;
	struct hash seen_names;

	hash_init(&seen_names, false);
	ctx->items = pool_alloc_array(pool, req->count, sizeof(*ctx->items));
	for (size_t i = 0; i < req->count; i++) {
		const struct imap_fetch_item *item = &req->items[i];
		struct fetch_plan_item *pi;

		if (item->att == IMAP_FETCH_UID && ctx->uid_first)
			continue;
		buf_clear(&name);
		(void)imap_fetch_item_append_name(&name, item);
		if (hash_get(&seen_names, name.data, name.len) != NULL)
			continue;
		pi = &ctx->items[ctx->n_items++];
		memset(pi, 0, sizeof(*pi));
		pi->item = item;
		pi->name = pool_strndup(pool, buf_cstr(&name), name.len);
		hash_put(&seen_names, pi->name, name.len, pi);
		switch (item->att) {
		case IMAP_FETCH_FLAGS:
			ctx->has_flags = true;
			break;
		case IMAP_FETCH_ENVELOPE:
		case IMAP_FETCH_BODY:
		case IMAP_FETCH_BODYSTRUCTURE:
			ctx->need_summary = true;
			break;
		default:
			if (fetch_section_is_body(item)) {
				ctx->need_file = true;
				if (fetch_section_needs_summary(item))
					ctx->need_summary = true;
			}
			break;
		}
	}
	hash_free(&seen_names);
	buf_free(&name);
}

/* RFC 3501 section 6.4.5: BODY[...], RFC822 and RFC822.TEXT set \Seen.
   One store transaction for all messages that lack it; their sequence
   numbers are kept so that their responses carry the new FLAGS. */
static int
set_seen(struct fetch_ctx *ctx, struct err *err)
{
	struct store_mailbox *box = ctx->s->box;
	struct store_uid_set uids = {NULL, 0, 0};
	struct store_flag_update upd;
	struct imap_seqset_iter it;
	VEC(uint32_t) seqs = VEC_INIT;
	uint32_t seq;
	int ret = 0;

	imap_seqset_iter_init(&it, &ctx->seqs);
	while (imap_seqset_iter_next(&it, &seq)) {
		struct store_msg_info info;

		if (store_msg_info(box, seq, &info) < 0 || info.expunged ||
		    (info.flags & STORE_FLAG_SEEN) != 0)
			continue;
		store_uid_set_add(&uids, info.uid, info.uid);
		vec_push(&seqs, seq);
	}
	if (seqs.n > 0) {
		memset(&upd, 0, sizeof(upd));
		upd.mode = STORE_FLAGS_ADD;
		upd.flags = STORE_FLAG_SEEN;
		ret = store_update_flags(box, &uids, &upd, NULL, err);
	}
	store_uid_set_free(&uids);
	if (ret < 0) {
		vec_free(&seqs);
		return -1;
	}
	ctx->seen = seqs.v;
	ctx->n_seen = seqs.n;
	return 0;
}

static enum imap_cmd_result
fetch_finish(struct imap_cmd *cmd)
{
	struct fetch_ctx *ctx = cmd->ctx;

	if (ctx->failed)
		return imap_cmd_fail(cmd, &ctx->err);
	if (ctx->expunged > 0) {
		/* RFC 2180 section 4.1, RFC 5530 section 3 */
		return imap_cmd_no(cmd, "EXPUNGEISSUED",
				   "Some of the requested messages no longer "
				   "exist.");
	}
	return imap_cmd_ok(cmd, "Fetch completed.");
}

static enum imap_cmd_result
fetch_step(struct imap_cmd *cmd)
{
	struct fetch_ctx *ctx = cmd->ctx;
	size_t batch = fetch_stream_chunk_size(ctx->out);
	uint64_t start = time_mono_ms();
	unsigned since_check = 0;
	uint32_t seq;
	int ret;

	for (;;) {
		if (ctx->done || fetch_stream_has_file(ctx->out) ||
		    fetch_stream_pending(ctx->out) >= batch) {
			ret = fetch_stream_flush(ctx->out);
			if (ret == 0)
				return IMAP_CMD_YIELD;
			if (ret < 0) {
				/* the connection is closed: nobody reads
				   this reply */
				return imap_cmd_no(cmd, NULL, "Fetch failed.");
			}
			if (ctx->done)
				return fetch_finish(cmd);
		}
		if (!imap_seqset_iter_next(&ctx->iter, &seq)) {
			ctx->done = true;
			continue;
		}
		if (fetch_msg(ctx, seq, &ctx->err) < 0) {
			/* the responses queued so far are complete: they
			   are sent before the tagged NO */
			ctx->failed = true;
			ctx->done = true;
			continue;
		}
		if (++since_check == FETCH_SLICE_CHECK) {
			since_check = 0;
			if (time_mono_ms() - start >= FETCH_SLICE_MS)
				return IMAP_CMD_YIELD;
		}
	}
}

enum imap_cmd_result
cmd_fetch(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	struct imap_fetch_request *req;
	struct fetch_ctx *ctx;
	const char *error;
	struct err err;

	if (!imap_cmd_check_count(cmd, 2, SIZE_MAX))
		return IMAP_CMD_DONE;
	ctx = pool_alloc(cmd->pool, sizeof(*ctx));
	memset(ctx, 0, sizeof(*ctx));
	ctx->cmd = cmd;
	ctx->s = s;
	if (!imap_cmd_get_msgset(cmd, &cmd->args[0], &ctx->seqs))
		return IMAP_CMD_DONE;
	if (imap_fetch_parse(cmd->pool, cmd->args + 1, cmd->count - 1, cmd->uid,
			     &req, &error) < 0)
		return imap_cmd_bad(cmd, error);
	/* none of CONDSTORE, QRESYNC, BINARY, OBJECTID, SAVEDATE and
	   PREVIEW is advertised (RFC 3501 section 6.4.5: unknown items are
	   a syntax error) */
	if (req->ext != 0) {
		const char *ext = imap_ext_name(req->ext & (~req->ext + 1));

		return imap_cmd_finishf(cmd, IMAP_STATUS_BAD, NULL,
					"FETCH item needs %s, which this "
					"server does not offer.",
					ext != NULL ? ext : "an extension");
	}
	ctx->uid_first = cmd->uid;
	plan_items(ctx, req);
	cmd->ctx = ctx;
	cmd->cleanup = fetch_cleanup;
	ctx->out = fetch_stream_create(s);
	ctx->msg_pool = pool_create(MSG_POOL_BLOCK);
	if (req->sets_seen && !s->box_readonly && set_seen(ctx, &err) < 0)
		return imap_cmd_fail(cmd, &err);
	imap_seqset_iter_init(&ctx->iter, &ctx->seqs);
	cmd->func = fetch_step;
	return fetch_step(cmd);
}
