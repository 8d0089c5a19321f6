/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for compiled SEARCH programs (search-eval.h) and the
 * ENVELOPE matcher (search-envelope.h). The input is the argument text of
 * a SEARCH command, optionally followed by a NUL byte and an ENVELOPE
 * string (any bytes). An accepted program is compiled for a small mailbox
 * and evaluated against synthetic messages with more and more facts: once
 * index facts, summary or text decide a message, more facts must never
 * change the answer, and with every fact known the answer is never
 * "maybe".
 */
#include "imap-fuzz-util.h"
#include "proto/imap/imap-flags.h"
#include "proto/imap/search-eval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MESSAGES 6

static const char default_envelope[] =
    "(\"Sat, 24 Mar 2007 23:00:00 +0200\" \"=?utf-8?q?caf=C3=A9?=\" "
    "((\"Real Name\" NIL \"user\" \"example.org\")) NIL NIL "
    "((NIL NIL \"group\" NIL)(NIL NIL \"a\" \"b.c\")(NIL NIL NIL NIL)) "
    "((NIL NIL \"cc\" \"d.e\")) NIL NIL \"<id@x>\")";

static void
check_message(const struct search_program *prog, uint32_t seq, uint32_t seed,
	      struct search_envelope *env)
{
	static const char *const kws[] = {"work", "$Label1", "x"};
	uint64_t masks[SEARCH_TEXT_KEYS_MAX / MIME_SEARCH_MAX_KEYS];
	struct search_msg m;
	enum search_result a, b, c;

	memset(&m, 0, sizeof(m));
	m.seq = seq;
	m.uid = seq * 3;
	m.flags = seed & 0x3f;
	m.size = (seed >> 6) & 0xffff;
	m.internaldate = (int64_t)(seed % 40000u) * 86400 - 5 * 86400;
	m.internal_zone = (int)(seed % 29u) * 60 - 840;
	m.keywords = kws;
	m.keyword_count = seed % 4u;
	a = search_eval(prog, &m);
	m.have_summary = true;
	m.envelope = (seed & 0x80000) != 0 ? env : NULL;
	m.has_date = (seed & 0x40000) != 0;
	m.date = m.internaldate + 7200;
	m.date_zone = -m.internal_zone;
	b = search_eval(prog, &m);
	for (size_t i = 0; i < N_ELEMENTS(masks); i++)
		masks[i] = (uint64_t)seed * 0x9e3779b97f4a7c15ull * (i + 1);
	m.have_text = true;
	m.text_masks = masks;
	c = search_eval(prog, &m);
	if ((a != SEARCH_MAYBE && a != b) || (b != SEARCH_MAYBE && b != c) ||
	    c == SEARCH_MAYBE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct imap_search_settings set = {.max_depth = 40,
							.max_nodes = 2000};
	struct pool *pool = pool_create(4096);
	const uint8_t *nul = memchr(data, '\0', size);
	struct search_envelope *env = search_envelope_create();
	struct imap_search_program *ast;
	struct search_program *prog;
	const struct imap_arg *args;
	const char *error;
	struct err err;
	size_t count;
	uint32_t seed = 2166136261u;

	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (nul != NULL) {
		(void)search_envelope_set(env, (const char *)nul + 1,
					  size - (size_t)(nul - data) - 1);
		size = (size_t)(nul - data);
	} else {
		(void)search_envelope_set(env, default_envelope,
					  strlen(default_envelope));
	}
	args = fuzz_parse_args(pool, data, size, &count);
	if (args != NULL &&
	    imap_search_parse(pool, args, count, &set, &ast, &error) ==
		IMAP_SEARCH_PARSE_OK &&
	    search_compile(pool, ast, MESSAGES, MESSAGES * 3, &prog, &err) ==
		0) {
		for (uint32_t seq = 1; seq <= MESSAGES; seq++)
			check_message(prog, seq, seed * seq + seq, env);
		search_program_free(&prog);
	}
	search_envelope_destroy(&env);
	pool_destroy(&pool);
	return 0;
}
