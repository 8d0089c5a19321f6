/* SPDX-License-Identifier: MIT */
/*
 * State of a running FETCH / UID FETCH, shared by cmd-fetch.c (the
 * command: parsing, \Seen, iteration, backpressure) and fetch-msg.c (one
 * message's FETCH response). Lives in cmd->pool; owned by the session's
 * thread.
 */
#ifndef COFFER_PROTO_IMAP_FETCH_PRIVATE_H
#define COFFER_PROTO_IMAP_FETCH_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/pool.h"
#include "proto/imap/fetch-section.h"
#include "proto/imap/fetch-stream.h"
#include "proto/imap/imap-fetch-parse.h"
#include "proto/imap/imap-seqset.h"
#include "proto/imap/imap-server-cmd.h"

/* One item of the response, in request order, duplicates removed. */
struct fetch_plan_item {
	const struct imap_fetch_item *item;
	const char *name; /* response name: "BODY[HEADER]<0>", "FLAGS" */
	/* body items: their ranges for the current message */
	struct fetch_ranges ranges;
};

struct fetch_ctx {
	struct imap_cmd *cmd;
	struct imap_session *s;
	struct fetch_plan_item *items;
	size_t n_items;
	bool has_flags;	   /* FLAGS was asked for */
	bool need_summary; /* ENVELOPE, BODY[STRUCTURE], sections */
	bool need_file;	   /* message text is sent */
	/* UID FETCH: "UID n" leads every response (RFC 3501 section
	   6.4.8) and UID items are dropped from the plan */
	bool uid_first;

	struct imap_seqset seqs;
	struct imap_seqset_iter iter;
	/* messages whose \Seen this FETCH set, ascending; their FLAGS are
	   included (RFC 3501 section 6.4.5) */
	uint32_t *seen;
	size_t n_seen, seen_pos;

	struct fetch_stream *out;
	struct pool *msg_pool; /* one message's summary; cleared per message */
	struct buf scratch;    /* summary blob */
	struct buf header;     /* a header being subset (small headers) */

	unsigned expunged; /* messages left out: expunged meanwhile */
	bool done;	   /* no more messages: flush and reply */
	bool failed;	   /* ended early by `err` */
	struct err err;
};

/* fetch-msg.c: queues the FETCH response of message seq on ctx->out.
   Returns 1 when queued, 0 if the message was expunged meanwhile and
   cannot be answered (nothing queued; counted in ctx->expunged), -1 on
   an internal error (err set, nothing queued). */
int fetch_msg(struct fetch_ctx *ctx, uint32_t seq, struct err *err);

#endif
