/* SPDX-License-Identifier: MIT */
/* Fuzz target: the load generator's IMAP response framing, tokens and
   FETCH parser on arbitrary server output, fed in chunks whose size the
   first input byte chooses. Framed responses must tile the input. */
#include "loadgen/imap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse(const uint8_t *p, size_t len)
{
	struct imap_lex lx;
	struct imap_tok t;
	struct imap_fetch f;
	char text[64];
	uint8_t flags;

	imap_lex_init(&lx, p, len);
	for (unsigned i = 0; i < 100000; i++) {
		imap_lex_next(&lx, &t);
		if (t.type == IMAP_TOK_EOL || t.type == IMAP_TOK_ERROR)
			break;
		if (t.p < p || t.p + t.len > p + len)
			abort();
		if (t.type == IMAP_TOK_STRING)
			imap_tok_text(&t, text, sizeof(text));
	}
	/* "* n FETCH (...)" and flag lists, wherever they may start */
	for (size_t off = 0; off < len && off < 64; off++) {
		if (p[off] != '(')
			continue;
		memset(&f, 0, sizeof(f));
		imap_lex_init(&lx, p + off, len - off);
		if (imap_parse_fetch(&lx, &f) == 0 && f.has_body &&
		    (f.body < p || f.body + f.body_len > p + len))
			abort();
		imap_lex_init(&lx, p + off, len - off);
		if (imap_parse_flags(&lx, &flags) == 0)
			imap_flags_str(flags, text, sizeof(text));
		imap_lex_init(&lx, p + off, len - off);
		(void)imap_lex_skip_value(&lx, 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, start = 0, have = 0, scan = 0, lit_end = 0, resp;
	int ret;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	data++;
	size--;
	while (have < size) {
		have = have + chunk < size ? have + chunk : size;
		while ((ret = imap_frame(data + start, have - start, &scan,
					 &lit_end, &resp)) > 0) {
			if (resp == 0 || start + resp > have)
				abort();
			parse(data + start, resp);
			start += resp;
			scan = lit_end = 0;
		}
		if (ret < 0)
			return 0;
	}
	return 0;
}
