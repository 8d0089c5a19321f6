/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for summary blobs from disk: a blob is either rejected or
 * yields sections that stay inside the message it describes, IMAP strings
 * that are well-formed, and a part table the search matcher can walk.
 * Inputs of odd length get a correct checksum first, so that mutations
 * reach the structural checks behind it.
 */
#include "lib/crc32c.h"
#include "lib/pool.h"
#include "mime/mime-search.h"
#include "mime/mime-summary.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(expr)                                                           \
	do {                                                                  \
		if (!(expr)) {                                                \
			fprintf(stderr, "check failed: %s\n", #expr);         \
			abort();                                              \
		}                                                             \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "", "1", "2", "1.1", "2.1",
					     "1.2.1" };
	struct pool *pool = pool_create(4096);
	struct mime_summary *s;
	struct err err;
	uint8_t *copy = NULL;

	if (size >= 8 && (size & 1) != 0) {
		uint32_t crc = crc32c(0, data, size - 4);

		copy = malloc(size);
		memcpy(copy, data, size - 4);
		for (int i = 0; i < 4; i++)
			copy[size - 4 + i] = (uint8_t)(crc >> (8 * i));
		data = copy;
	}
	if (mime_summary_parse(data, size, pool, &s, &err) == 0) {
		CHECK(s->part_count > 0);
		CHECK(strlen(s->bodystructure) == s->bodystructure_len);
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			for (int kind = 0; kind < 4; kind++) {
				uint64_t off, len;

				if (mime_summary_find_section(s, paths[i],
							      kind, &off, &len,
							      NULL) == 1)
					CHECK(off <= s->message_size &&
					      len <= s->message_size - off);
			}
		}
		if (s->message_size <= 65536) {
			struct mime_search *search = mime_search_create();
			uint8_t *msg = calloc(1, s->message_size + 1);

			mime_search_add(search, MIME_SEARCH_TEXT, NULL, "x", 1,
					&err);
			(void)mime_search_message(search, s, msg,
						  s->message_size);
			mime_search_destroy(&search);
			free(msg);
		}
	} else {
		CHECK(err.code == ERR_CORRUPT);
	}
	free(copy);
	pool_destroy(&pool);
	return 0;
}
