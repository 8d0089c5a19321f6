/* SPDX-License-Identifier: MIT */
/*
 * One message's FETCH response (RFC 3501 sections 6.4.5 and 7.4.2).
 *
 * Everything that can fail is done before a byte of the response is
 * queued: the index data, the summary, opening the message file and
 * locating every body section in it. So a message that disappears
 * meanwhile is left out whole, never answered half. Then the response
 * text is queued, and the message text follows as ranges of the file
 * that fetch-stream.c reads in chunks while the client keeps up.
 *
 * Messages expunged by another session but still in this session's view
 * (RFC 2180 section 4.1): the store no longer has their data (neither
 * the file nor the index entry), so they get no FETCH response, and the
 * command ends with NO [EXPUNGEISSUED] (RFC 5530 section 3) after
 * answering the others, one of the behaviours RFC 2180 section 4.1
 * describes. The client learns of the expunge at its next command that allows
 * EXPUNGE responses.
 */
#include "proto/imap/fetch-private.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "proto/imap/fetch-summary.h"
#include "proto/imap/imap-date.h"
#include "proto/imap/imap-flags.h"
#include "store/store.h"

#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Headers up to this size are read into memory to be subset; larger
   ones are mapped. */
#define HEADER_READ_MAX (256 * 1024)

/* A store error that means "the message is gone" counts the message as
   expunged (0); anything else is an internal error (-1). */
static int
gone_or_fail(struct fetch_ctx *ctx, const struct err *err)
{
	if (err->code != ERR_EXPUNGED && err->code != ERR_NOTFOUND)
		return -1;
	ctx->expunged++;
	return 0;
}

/* The header to subset, from [offset, offset + size) of fd: read into
   ctx->header or mapped (*map_r set; the caller unmaps map_len bytes). */
static int
header_bytes(struct fetch_ctx *ctx, int fd, uint64_t offset, uint64_t size,
	     const uint8_t **hdr_r, void **map_r, size_t *map_len_r,
	     struct err *err)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), delta;
	void *map;

	*map_r = NULL;
	if (size <= HEADER_READ_MAX) {
		buf_clear(&ctx->header);
		if (buf_reserve(&ctx->header, (size_t)size + 1) < 0 ||
		    pread_full(fd, ctx->header.data, (size_t)size,
			       (off_t)offset) != (ssize_t)size)
			return err_set_errno(err, "pread", "message header");
		ctx->header.len = (size_t)size;
		*hdr_r = ctx->header.data;
		return 0;
	}
	/* the range was checked against the file's size, and message
	   files never change: the mapping cannot fault */
	delta = offset % page;
	map = mmap(NULL, (size_t)(size + delta), PROT_READ, MAP_PRIVATE, fd,
		   (off_t)(offset - delta));
	if (map == MAP_FAILED)
		return err_set_errno(err, "mmap", "message header");
	*map_r = map;
	*map_len_r = (size_t)(size + delta);
	*hdr_r = (const uint8_t *)map + delta;
	return 0;
}

/* Locates one body item in the file: its ranges after subsetting and
   the partial window. */
static int
locate_item(struct fetch_ctx *ctx, struct fetch_plan_item *pi,
	    const struct mime_summary *sum, uint64_t msg_size, int fd,
	    uint64_t file_size, struct err *err)
{
	const struct imap_fetch_item *item = pi->item;
	uint64_t offset, size;
	const uint8_t *hdr = NULL;
	size_t map_len = 0;
	void *map = NULL;

	fetch_ranges_clear(&pi->ranges);
	if (fetch_section_locate(sum, msg_size, item, &offset, &size) == 0)
		return 0;
	if (offset > file_size || size > file_size - offset)
		return err_set(err, ERR_CORRUPT,
			       "section %" PRIu64 "+%" PRIu64
			       " lies beyond the end of the message file "
			       "(%" PRIu64 " bytes)",
			       offset, size, file_size);
	if (!fetch_section_is_subset(item)) {
		fetch_ranges_add(&pi->ranges, offset, size);
	} else {
		if (header_bytes(ctx, fd, offset, size, &hdr, &map, &map_len,
				 err) < 0)
			return -1;
		fetch_section_header_fields(
		    hdr, (size_t)size, offset, item->section.fields,
		    item->section.field_count,
		    item->section.text == IMAP_SECTION_HEADER_FIELDS_NOT,
		    &pi->ranges);
		if (map != NULL)
			(void)munmap(map, map_len);
	}
	/* RFC 3501 section 6.4.5: "A substring fetch of a HEADER.FIELDS or
	   HEADER.FIELDS.NOT part specifier is calculated after subsetting
	   the header." */
	if (item->partial)
		fetch_ranges_window(&pi->ranges, item->partial_offset,
				    item->partial_count);
	return 0;
}

static int
locate_all(struct fetch_ctx *ctx, const struct mime_summary *sum,
	   const struct store_msg_info *info, int fd, struct err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return err_set_errno(err, "fstat", "message file");
	for (size_t i = 0; i < ctx->n_items; i++) {
		struct fetch_plan_item *pi = &ctx->items[i];

		if (fetch_section_is_body(pi->item) &&
		    locate_item(ctx, pi, sum, info->size, fd,
				(uint64_t)st.st_size, err) < 0)
			return -1;
	}
	return 0;
}

static void
append_flags(struct fetch_ctx *ctx, struct buf *b, uint32_t seq,
	     const struct store_msg_info *info)
{
	struct imap_flags fl;

	fl.system = info->flags & (IMAP_FLAGS_STORABLE | IMAP_FLAG_RECENT);
	fl.keyword_count = store_msg_keywords(ctx->s->box, seq, &fl.keywords);
	buf_append_str(b, "FLAGS ");
	imap_flags_append(b, &fl);
}

/* RFC 3501 section 2.3.3: the internal date, shown in the server's time
   zone (the store keeps the instant, not the zone it was given in). */
static void
append_internaldate(struct buf *b, int64_t t)
{
	buf_append_str(b, "INTERNALDATE ");
	if (imap_date_append_datetime(b, t, time_local_offset(t)) < 0 &&
	    imap_date_append_datetime(b, t, 0) < 0)
		buf_append_str(b, "\"01-Jan-1970 00:00:00 +0000\"");
}

static void
append_body_item(struct fetch_ctx *ctx, struct buf *b,
		 const struct fetch_plan_item *pi)
{
	buf_append_str(b, pi->name);
	if (pi->ranges.total == 0) {
		/* an empty or absent section: an empty string, as Dovecot
		   answers */
		buf_append_str(b, " \"\"");
		return;
	}
	buf_printf(b, " {%" PRIu64 "}\r\n", pi->ranges.total);
	/* the text appended after this follows the ranges */
	fetch_stream_file_ranges(ctx->out, &pi->ranges);
}

static void
append_item(struct fetch_ctx *ctx, struct buf *b, uint32_t seq,
	    const struct store_msg_info *info, const struct mime_summary *sum,
	    const struct fetch_plan_item *pi)
{
	switch (pi->item->att) {
	case IMAP_FETCH_FLAGS:
		append_flags(ctx, b, seq, info);
		break;
	case IMAP_FETCH_UID:
		buf_printf(b, "UID %u", info->uid);
		break;
	case IMAP_FETCH_INTERNALDATE:
		append_internaldate(b, info->internaldate);
		break;
	case IMAP_FETCH_RFC822_SIZE:
		buf_printf(b, "RFC822.SIZE %" PRIu64, info->size);
		break;
	case IMAP_FETCH_ENVELOPE:
		buf_append_str(b, "ENVELOPE ");
		buf_append(b, sum->envelope, sum->envelope_len);
		break;
	case IMAP_FETCH_BODY:
		buf_append_str(b, "BODY ");
		buf_append(b, sum->body, sum->body_len);
		break;
	case IMAP_FETCH_BODYSTRUCTURE:
		buf_append_str(b, "BODYSTRUCTURE ");
		buf_append(b, sum->bodystructure, sum->bodystructure_len);
		break;
	default:
		/* extension items were refused before the command ran */
		append_body_item(ctx, b, pi);
		break;
	}
}

static void
queue_response(struct fetch_ctx *ctx, uint32_t seq,
	       const struct store_msg_info *info,
	       const struct mime_summary *sum, bool seen_changed)
{
	struct buf *b = fetch_stream_text(ctx->out);
	bool first = true;

	buf_printf(b, "* %u FETCH (", seq);
	if (ctx->uid_first) {
		buf_printf(b, "UID %u", info->uid);
		first = false;
	}
	/* RFC 3501 section 6.4.5: flags changed by an implicit \Seen
	   "SHOULD be included as part of the FETCH responses" */
	if (seen_changed && !ctx->has_flags) {
		if (!first)
			buf_append_c(b, ' ');
		append_flags(ctx, b, seq, info);
		first = false;
	}
	for (size_t i = 0; i < ctx->n_items; i++) {
		if (!first)
			buf_append_c(b, ' ');
		first = false;
		append_item(ctx, b, seq, info, sum, &ctx->items[i]);
	}
	buf_append_str(b, ")\r\n");
}

static bool
seen_changed(struct fetch_ctx *ctx, uint32_t seq)
{
	while (ctx->seen_pos < ctx->n_seen && ctx->seen[ctx->seen_pos] < seq)
		ctx->seen_pos++;
	return ctx->seen_pos < ctx->n_seen && ctx->seen[ctx->seen_pos] == seq;
}

int
fetch_msg(struct fetch_ctx *ctx, uint32_t seq, struct err *err)
{
	struct store_mailbox *box = ctx->s->box;
	const struct mime_summary *sum = NULL;
	struct store_msg_info info;
	int fd = -1;

	pool_clear(ctx->msg_pool);
	if (store_msg_info(box, seq, &info) < 0)
		return err_set(err, ERR_INTERNAL, "message %u not in view",
			       seq);
	if (info.expunged) {
		ctx->expunged++;
		return 0;
	}
	if (ctx->need_summary &&
	    fetch_summary_get(box, seq, info.size, ctx->msg_pool, &ctx->scratch,
			      &sum, err) < 0)
		return gone_or_fail(ctx, err);
	if (ctx->need_file) {
		if (store_msg_open(box, seq, &fd, err) < 0)
			return gone_or_fail(ctx, err);
		if (locate_all(ctx, sum, &info, fd, err) < 0) {
			(void)close(fd);
			return -1;
		}
		/* the stream owns the file from here on */
		fetch_stream_set_file(ctx->out, fd);
	}
	queue_response(ctx, seq, &info, sum, seen_changed(ctx, seq));
	return 1;
}
