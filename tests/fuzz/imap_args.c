/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the smaller argument parsers: STORE arguments and flag
 * lists, LIST arguments, dates, mailbox names and the string writers
 * (whatever they write must parse back to the same bytes).
 */
#include "imap-fuzz-util.h"
#include "proto/imap/imap-date.h"
#include "proto/imap/imap-flags.h"
#include "proto/imap/imap-list-parse.h"
#include "proto/imap/imap-mailbox.h"
#include "proto/imap/imap-quote.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_writers(struct pool *pool, const uint8_t *data, size_t size)
{
	const struct imap_arg *args;
	struct buf out = BUF_INIT;
	const char *str;
	size_t count, len;

	/* fuzz_parse_args() collects literals of up to 4096 octets */
	if (size > 4096 || memchr(data, 0, size) != NULL)
		return;
	imap_append_astring(&out, data, size, 0);
	args = fuzz_parse_args(pool, out.data, out.len, &count);
	if (args == NULL || count != 1 ||
	    !imap_arg_get_astring(&args[0], &str, &len) || len != size ||
	    (size > 0 && memcmp(str, data, size) != 0))
		abort();
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_create(4096);
	const struct imap_arg *args;
	struct imap_store_request store;
	struct imap_list_request *list;
	struct buf out = BUF_INIT;
	const char *error;
	size_t count;
	int64_t t;
	int zone;

	args = fuzz_parse_args(pool, data, size, &count);
	if (args != NULL) {
		if (imap_store_parse(pool, args, count, &store, &error) == 0 &&
		    (store.flags.system & ~IMAP_FLAGS_STORABLE) != 0)
			abort();
		(void)imap_list_parse(pool, args, count, &list, &error);
		for (size_t i = 0; i < count; i++) {
			if (imap_arg_get_datetime(&args[i], &t, &zone) &&
			    imap_date_append_datetime(&out, t, zone) < 0)
				abort();
			(void)imap_arg_get_date(&args[i], &t);
		}
	}
	buf_clear(&out);
	(void)imap_mailbox_decode((const char *)data, size, size % 2, '/', &out,
				  &error);
	check_writers(pool, data, size);
	buf_free(&out);
	pool_destroy(&pool);
	return 0;
}
