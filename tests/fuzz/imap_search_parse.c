/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the SEARCH program parser. The input is the argument
 * text of a SEARCH command (literals allowed). An accepted program is
 * written back canonically; the canonical text must parse again and give
 * the same canonical text and extension mask.
 */
#include "imap-fuzz-util.h"
#include "proto/imap/imap-search-parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct imap_search_program *
parse(struct pool *pool, const uint8_t *data, size_t size)
{
	static const struct imap_search_settings set = {.max_depth = 20,
							.max_nodes = 500};
	struct imap_search_program *prog;
	const struct imap_arg *args;
	const char *error;
	size_t count;

	args = fuzz_parse_args(pool, data, size, &count);
	if (args == NULL || imap_search_parse(pool, args, count, &set, &prog,
					      &error) != IMAP_SEARCH_PARSE_OK)
		return NULL;
	return prog;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *pool = pool_create(4096);
	struct imap_search_program *prog, *prog2;
	struct buf a = BUF_INIT, b = BUF_INIT;

	prog = parse(pool, data, size);
	if (prog != NULL) {
		if (imap_search_program_append(&a, prog) < 0)
			abort();
		prog2 = parse(pool, a.data, a.len);
		if (prog2 == NULL || prog2->ext != prog->ext ||
		    imap_search_program_append(&b, prog2) < 0 ||
		    a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
			abort();
	}
	buf_free(&a);
	buf_free(&b);
	pool_destroy(&pool);
	return 0;
}
