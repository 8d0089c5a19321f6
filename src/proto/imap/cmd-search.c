/* SPDX-License-Identifier: MIT */
/*
 * SEARCH and UID SEARCH (RFC 3501 sections 6.4.4, 6.4.8 and 7.2.5).
 *
 * The program is compiled once (search-eval.h). Messages are visited in
 * ascending order, only those in the top-level sequence and UID sets if
 * there are any, and each is decided as cheaply as possible: index facts
 * first (no I/O at all), then the cached summary (SENT* keys, and
 * SUBJECT/FROM/TO/CC/BCC on the ENVELOPE), and the message text only for
 * what is still open: HEADER, BODY, TEXT (search-text.h). A long
 * search yields every SEARCH_SLICE_MS so that other connections of the
 * worker get their turn; the result is written in chunks with output
 * backpressure.
 *
 * CHARSET: US-ASCII and UTF-8 (and none) are accepted; anything else is
 * NO [BADCHARSET (US-ASCII UTF-8)] (RFC 3501 sections 6.4.4 and 7.1).
 * Dates: BEFORE/ON/SINCE compare the day of INTERNALDATE in the server's
 * time zone, SENT* the day of the Date header in its own zone; a message
 * without a usable Date header matches no SENT* key. No EXPUNGE is sent
 * while SEARCH runs (section 7.4.1).
 */
#include "proto/imap/imap-server-cmd.h"
#include "lib/mem.h"
#include "lib/timeutil.h"
#include "lib/vec.h"
#include "proto/imap/fetch-stream.h"
#include "proto/imap/fetch-summary.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/search-eval.h"
#include "proto/imap/search-text.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_SLICE_MS 50
#define SEARCH_SLICE_CHECK 64
#define TEXT_CHUNK 65536
#define MSG_POOL_BLOCK 8192

struct search_ctx {
	struct search_program *prog;
	struct search_envelope *envelope;
	struct imap_seqset cand; /* messages to visit */
	struct imap_seqset_iter iter;
	VEC(uint32_t) results; /* ascending: seq or UID */
	size_t written;	       /* results queued for output */
	bool evaluated;	       /* all candidates visited */
	bool header_sent;      /* "* SEARCH" queued */
	bool all_queued;       /* the whole response queued */
	struct pool *msg_pool;
	struct buf scratch;
	uint8_t *chunk;
	uint64_t masks[SEARCH_TEXT_KEYS_MAX / MIME_SEARCH_MAX_KEYS];
	struct fetch_stream *out;
	struct err err;
};

static void
search_cleanup(struct imap_cmd *cmd)
{
	struct search_ctx *ctx = cmd->ctx;

	if (ctx == NULL)
		return;
	search_program_free(&ctx->prog);
	search_envelope_destroy(&ctx->envelope);
	vec_free(&ctx->results);
	pool_destroy(&ctx->msg_pool);
	buf_free(&ctx->scratch);
	free(ctx->chunk);
	fetch_stream_destroy(&ctx->out);
	cmd->ctx = NULL;
}

/* The first sequence number whose UID is >= uid; count + 1 if none. */
static uint32_t
uid_lower_bound(struct store_mailbox *box, uint32_t count, uint32_t uid)
{
	uint32_t lo = 1, hi = count + 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (store_mailbox_uid(box, mid) < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The messages worth visiting: all, narrowed by the top-level sets (a
   UID range becomes a sequence range by two binary searches). */
static void
candidates(struct imap_cmd *cmd, struct search_ctx *ctx, uint32_t count)
{
	struct store_mailbox *box = cmd->session->box;
	const struct search_program *prog = ctx->prog;
	struct imap_seq_range all = {1, count};
	struct imap_seqset set, tmp, both;

	imap_seqset_from_ranges(cmd->pool, &all, 1, &set);
	if (prog->seq_filter != NULL) {
		imap_seqset_intersect(cmd->pool, &set, prog->seq_filter, &tmp);
		set = tmp;
	}
	if (prog->uid_filter != NULL) {
		const struct imap_seqset *u = prog->uid_filter;
		struct imap_seq_range *r =
		    pool_alloc_array(cmd->pool, u->count + 1, sizeof(*r));
		size_t n = 0;

		for (size_t i = 0; i < u->count; i++) {
			uint32_t first =
			    uid_lower_bound(box, count, u->ranges[i].lo);
			uint32_t end =
			    u->ranges[i].hi == UINT32_MAX
				? count + 1
				: uid_lower_bound(box, count,
						  u->ranges[i].hi + 1);

			if (first < end) {
				r[n].lo = first;
				r[n].hi = end - 1;
				n++;
			}
		}
		imap_seqset_from_ranges(cmd->pool, r, n, &tmp);
		imap_seqset_intersect(cmd->pool, &set, &tmp, &both);
		set = both;
	}
	ctx->cand = set;
}

/* Decides one message. Returns 1 if it matches, 0 if not, -1 on an
   internal error (ctx->err). */
static int
match(struct imap_cmd *cmd, struct search_ctx *ctx, uint32_t seq)
{
	struct store_mailbox *box = cmd->session->box;
	const struct mime_summary *sum;
	struct store_msg_info info;
	struct search_msg m;
	enum search_result r;

	/* RFC 2180 section 4.3: a message expunged meanwhile has no data
	   left to match */
	if (store_msg_info(box, seq, &info) < 0 || info.expunged)
		return 0;
	memset(&m, 0, sizeof(m));
	m.seq = seq;
	m.uid = info.uid;
	m.flags = info.flags;
	m.size = info.size;
	m.internaldate = info.internaldate;
	if (ctx->prog->needs_zone)
		m.internal_zone = time_local_offset(info.internaldate);
	if (ctx->prog->needs_keywords)
		m.keyword_count = store_msg_keywords(box, seq, &m.keywords);
	r = search_eval(ctx->prog, &m);
	if (r != SEARCH_MAYBE)
		return r == SEARCH_YES;

	pool_clear(ctx->msg_pool);
	if (fetch_summary_get(box, seq, info.size, ctx->msg_pool, &ctx->scratch,
			      &sum, &ctx->err) < 0)
		goto gone;
	m.have_summary = true;
	if (search_envelope_set(ctx->envelope, sum->envelope,
				sum->envelope_len))
		m.envelope = ctx->envelope;
	m.has_date = (sum->flags & MIME_SUMMARY_HAS_DATE) != 0;
	m.date = sum->date;
	m.date_zone = sum->date_tz;
	r = search_eval(ctx->prog, &m);
	if (r != SEARCH_MAYBE)
		return r == SEARCH_YES;

	if (ctx->chunk == NULL)
		ctx->chunk = xmalloc(TEXT_CHUNK);
	if (search_text_match(ctx->prog, box, seq, info.size, sum, ctx->chunk,
			      TEXT_CHUNK, ctx->masks, &ctx->err) < 0)
		goto gone;
	m.have_text = true;
	m.text_masks = ctx->masks;
	return search_eval(ctx->prog, &m) == SEARCH_YES;
gone:
	/* expunged while we looked: no data left to match */
	if (ctx->err.code == ERR_EXPUNGED || ctx->err.code == ERR_NOTFOUND)
		return 0;
	return -1;
}

/* Queues "* SEARCH n n ..." until the batch size is reached. Returns
   true when the whole response is queued. */
static bool
queue_results(struct search_ctx *ctx, size_t batch)
{
	struct buf *b = fetch_stream_text(ctx->out);

	if (!ctx->header_sent) {
		buf_append_str(b, "* SEARCH");
		ctx->header_sent = true;
	}
	while (ctx->written < ctx->results.n) {
		if (b->len >= batch)
			return false;
		buf_printf(b, " %" PRIu32, ctx->results.v[ctx->written++]);
	}
	buf_append_str(b, "\r\n");
	return true;
}

/* RFC 3501 section 7.2.5, written as the client reads. */
static enum imap_cmd_result
search_output(struct imap_cmd *cmd)
{
	struct search_ctx *ctx = cmd->ctx;
	size_t batch = fetch_stream_chunk_size(ctx->out);
	int ret;

	for (;;) {
		if (!ctx->all_queued)
			ctx->all_queued = queue_results(ctx, batch);
		ret = fetch_stream_flush(ctx->out);
		if (ret < 0)
			return imap_cmd_no(cmd, NULL, "Search failed.");
		if (ret == 0)
			return IMAP_CMD_YIELD;
		if (ctx->all_queued)
			return imap_cmd_ok(cmd, "Search completed.");
	}
}

static enum imap_cmd_result
search_step(struct imap_cmd *cmd)
{
	struct search_ctx *ctx = cmd->ctx;
	uint64_t start = time_mono_ms();
	unsigned since_check = 0;
	uint32_t seq;
	int ret;

	if (ctx->evaluated)
		return search_output(cmd);
	while (imap_seqset_iter_next(&ctx->iter, &seq)) {
		ret = match(cmd, ctx, seq);
		if (ret < 0)
			return imap_cmd_fail(cmd, &ctx->err);
		if (ret > 0)
			vec_push(&ctx->results,
				 cmd->uid
				     ? store_mailbox_uid(cmd->session->box, seq)
				     : seq);
		if (++since_check == SEARCH_SLICE_CHECK) {
			since_check = 0;
			if (time_mono_ms() - start >= SEARCH_SLICE_MS)
				return IMAP_CMD_YIELD;
		}
	}
	ctx->evaluated = true;
	return search_output(cmd);
}

/* Parses and compiles; returns false after finishing the command. */
static bool
prepare(struct imap_cmd *cmd, struct search_ctx *ctx, uint32_t count)
{
	struct imap_search_settings set;
	struct imap_search_program *ast;
	const char *error;
	struct err err;

	memset(&set, 0, sizeof(set));
	switch (imap_search_parse(cmd->pool, cmd->args, cmd->count, &set, &ast,
				  &error)) {
	case IMAP_SEARCH_PARSE_OK:
		break;
	case IMAP_SEARCH_PARSE_BADCHARSET:
		imap_cmd_no(cmd, "BADCHARSET (" IMAP_SEARCH_CHARSETS ")",
			    error);
		return false;
	case IMAP_SEARCH_PARSE_BAD:
		imap_cmd_bad(cmd, error);
		return false;
	}
	/* RETURN (ESEARCH), "$" (SEARCHRES), MODSEQ, OLDER/YOUNGER,
	   SAVED*, EMAILID/THREADID: their extensions are not offered */
	if (ast->ext != 0) {
		const char *ext = imap_ext_name(ast->ext & (~ast->ext + 1));

		imap_cmd_finishf(cmd, IMAP_STATUS_BAD, NULL,
				 "SEARCH needs %s, which this server does not "
				 "offer.",
				 ext != NULL ? ext : "an extension");
		return false;
	}
	if (count == 0)
		return true; /* nothing can match; the syntax was checked */
	if (search_compile(cmd->pool, ast, count,
			   store_mailbox_uid(cmd->session->box, count),
			   &ctx->prog, &err) < 0) {
		if (err.code == ERR_LIMIT)
			imap_cmd_no(cmd, "LIMIT", "Search is too complex.");
		else
			imap_cmd_bad(cmd, "Unsupported search key.");
		return false;
	}
	return true;
}

enum imap_cmd_result
cmd_search(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->session;
	uint32_t count = store_mailbox_count(s->box);
	struct search_ctx *ctx;

	if (!imap_cmd_check_count(cmd, 1, SIZE_MAX))
		return IMAP_CMD_DONE;
	ctx = pool_alloc(cmd->pool, sizeof(*ctx));
	memset(ctx, 0, sizeof(*ctx));
	cmd->ctx = ctx;
	cmd->cleanup = search_cleanup;
	if (!prepare(cmd, ctx, count))
		return IMAP_CMD_DONE;
	ctx->out = fetch_stream_create(s);
	cmd->func = search_step;
	if (count == 0) {
		ctx->evaluated = true;
		return search_step(cmd);
	}
	ctx->msg_pool = pool_create(MSG_POOL_BLOCK);
	ctx->envelope = search_envelope_create();
	candidates(cmd, ctx, count);
	imap_seqset_iter_init(&ctx->iter, &ctx->cand);
	return search_step(cmd);
}
