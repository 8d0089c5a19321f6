/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the FETCH item parser. The input is the argument text
 * after the sequence set; the first byte chooses FETCH or UID FETCH.
 * Accepted requests must have consistent items, and every item must have
 * a response name.
 */
#include "imap-fuzz-util.h"
#include "proto/imap/imap-fetch-parse.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool;
	struct imap_fetch_request *req;
	const struct imap_arg *args;
	const char *error;
	size_t count;

	if (size < 1)
		return 0;
	pool = pool_create(4096);
	args = fuzz_parse_args(pool, data + 1, size - 1, &count);
	if (args != NULL && imap_fetch_parse(pool, args, count, data[0] & 1,
					     &req, &error) == 0) {
		struct buf names = BUF_INIT;

		if (req->count == 0 ||
		    (req->vanished && !req->changedsince_set))
			abort();
		for (size_t i = 0; i < req->count; i++) {
			const struct imap_fetch_item *it = &req->items[i];

			if (it->section.part_count > IMAP_FETCH_MAX_PARTS ||
			    (it->partial && it->partial_count == 0) ||
			    imap_fetch_item_append_name(&names, it) < 0)
				abort();
		}
		buf_free(&names);
	}
	pool_destroy(&pool);
	return 0;
}
