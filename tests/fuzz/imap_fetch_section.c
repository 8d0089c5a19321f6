/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for FETCH body sections as byte ranges (fetch-section.h).
 * The input is the FETCH item text, a newline, then a message. For every
 * body item the located section and every range after subsetting and the
 * partial window must lie inside the message, the total must add up, and
 * HEADER.FIELDS (.NOT) must give exactly mime_header_filter()'s bytes.
 */
#include "imap-fuzz-util.h"
#include "mime/mime-header.h"
#include "mime/mime-parser.h"
#include "mime/mime-summary.h"
#include "proto/imap/fetch-section.h"
#include "proto/imap/imap-fetch-parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_ranges(const struct fetch_ranges *r, size_t msg_size)
{
	uint64_t total = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].size == 0 || r->v[i].offset > msg_size ||
		    r->v[i].size > msg_size - r->v[i].offset)
			abort();
		total += r->v[i].size;
	}
	if (total != r->total)
		abort();
}

static void
check_item(const struct mime_summary *sum, const uint8_t *msg, size_t len,
	   const struct imap_fetch_item *item)
{
	struct fetch_ranges r = FETCH_RANGES_INIT;
	uint64_t off, sz, before;

	if (!fetch_section_is_body(item) ||
	    fetch_section_locate(sum, len, item, &off, &sz) == 0)
		return;
	if (off > len || sz > len - off)
		abort();
	if (fetch_section_is_subset(item)) {
		bool not = item->section.text == IMAP_SECTION_HEADER_FIELDS_NOT;
		struct buf want = BUF_INIT;
		size_t pos = 0;

		fetch_section_header_fields(msg + off, (size_t)sz, off,
					    item->section.fields,
					    item->section.field_count, not, &r);
		check_ranges(&r, len);
		mime_header_filter(msg + off, (size_t)sz, item->section.fields,
				   item->section.field_count, not, &want);
		if (want.len != r.total)
			abort();
		for (size_t i = 0; i < r.n; i++) {
			if (memcmp(want.data + pos, msg + r.v[i].offset,
				   r.v[i].size) != 0)
				abort();
			pos += r.v[i].size;
		}
		buf_free(&want);
	} else {
		fetch_ranges_add(&r, off, sz);
	}
	before = r.total;
	if (item->partial) {
		fetch_ranges_window(&r, item->partial_offset,
				    item->partial_count);
		check_ranges(&r, len);
		if (r.total > item->partial_count ||
		    (item->partial_offset < before &&
		     r.total !=
			 (before - item->partial_offset < item->partial_count
			      ? before - item->partial_offset
			      : item->partial_count)) ||
		    (item->partial_offset >= before && r.total != 0))
			abort();
	}
	fetch_ranges_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct pool *pool;
	struct imap_fetch_request *req;
	const struct imap_arg *args;
	struct mime_message *m;
	struct mime_summary *sum;
	const uint8_t *msg;
	struct buf blob = BUF_INIT;
	const char *error;
	struct err err;
	size_t count, len;

	if (nl == NULL)
		return 0;
	msg = nl + 1;
	len = size - (size_t)(msg - data);
	pool = pool_create(4096);
	args = fuzz_parse_args(pool, data, (size_t)(nl - data), &count);
	if (args == NULL ||
	    imap_fetch_parse(pool, args, count, false, &req, &error) < 0)
		goto out;
	m = mime_parse(pool, msg, len, NULL);
	if (mime_summary_serialize(m, &blob) < 0 ||
	    mime_summary_parse(blob.data, blob.len, pool, &sum, &err) < 0)
		abort();
	for (size_t i = 0; i < req->count; i++)
		check_item(sum, msg, len, &req->items[i]);
out:
	buf_free(&blob);
	pool_destroy(&pool);
	return 0;
}
