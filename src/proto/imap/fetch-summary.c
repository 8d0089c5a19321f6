/* SPDX-License-Identifier: MIT */
/* Message summaries from the store's cache, or parsed (fetch-summary.h). */
#include "proto/imap/fetch-summary.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "mime/mime-parser.h"
#include "store/store.h"

#include <stdlib.h>
#include <unistd.h>

#define READ_CHUNK 65536
#define PARSE_POOL_BLOCK 16384

int
fetch_summary_build(int fd, uint64_t size, struct buf *out, struct err *err)
{
	struct pool *pool = pool_create(PARSE_POOL_BLOCK);
	struct mime_parser *parser = mime_parser_create(pool, NULL);
	struct mime_message *msg;
	uint8_t *chunk = xmalloc(READ_CHUNK);
	uint64_t pos = 0;
	int ret = 0;

	/* exactly the indexed size: the summary's offsets must describe
	   the bytes that FETCH sends */
	while (pos < size) {
		size_t want = (size_t)MIN((uint64_t)READ_CHUNK, size - pos);
		ssize_t n = pread(fd, chunk, want, (off_t)pos);

		if (n < 0) {
			ret = err_set_errno(err, "pread", "message file");
			break;
		}
		if (n == 0) {
			ret = err_set(err, ERR_CORRUPT,
				      "message file is "
				      "shorter than indexed");
			break;
		}
		mime_parser_feed(parser, chunk, (size_t)n);
		pos += (uint64_t)n;
	}
	free(chunk);
	if (ret < 0) {
		mime_parser_destroy(&parser);
	} else {
		mime_parser_finish(&parser, &msg);
		if (mime_summary_serialize(msg, out) < 0)
			ret = err_set(err, ERR_INTERNAL, "summary too large");
	}
	pool_destroy(&pool);
	return ret;
}

static int
parse_file(struct store_mailbox *box, uint32_t seq, uint64_t size,
	   struct pool *pool, struct buf *scratch,
	   const struct mime_summary **sum_r, struct err *err)
{
	struct mime_summary *sum;
	int fd, ret;

	if (store_msg_open(box, seq, &fd, err) < 0)
		return -1;
	buf_clear(scratch);
	ret = fetch_summary_build(fd, size, scratch, err);
	(void)close(fd);
	if (ret < 0)
		return -1;
	/* our own blob: a failure here is a bug, reported as internal */
	if (mime_summary_parse(scratch->data, scratch->len, pool, &sum, err) <
	    0) {
		err->code = ERR_INTERNAL;
		return -1;
	}
	*sum_r = sum;
	return 0;
}

int
fetch_summary_get(struct store_mailbox *box, uint32_t seq, uint64_t size,
		  struct pool *pool, struct buf *scratch,
		  const struct mime_summary **sum_r, struct err *err)
{
	struct mime_summary *sum = NULL;
	struct err perr;
	int ret;

	err_clear(&perr);
	buf_clear(scratch);
	ret = store_msg_cache(box, seq, scratch, err);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		/* no cache builder configured: parse every time */
		return parse_file(box, seq, size, pool, scratch, sum_r, err);
	}
	if (mime_summary_parse(scratch->data, scratch->len, pool, &sum, &perr) <
	    0) {
		sum = NULL;
	} else if (sum->message_size == size) {
		*sum_r = sum;
		return 0;
	}
	log_warning("%s: cached summary of UID %u is unusable (%s), "
		    "parsing the message",
		    store_mailbox_name(box), store_mailbox_uid(box, seq),
		    sum == NULL ? perr.msg : "message size differs");
	return parse_file(box, seq, size, pool, scratch, sum_r, err);
}
