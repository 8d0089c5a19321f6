/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for modified UTF-7. Round-trip properties: any accepted
 * modified UTF-7 input is exactly the encoding of its decoding, and any
 * UTF-8 input that encodes decodes back to itself.
 */
#include "lib/buf.h"
#include "lib/utf8.h"
#include "proto/imap/imap-utf7.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
equal(const struct buf *b, const uint8_t *data, size_t size)
{
	return b->len == size &&
	       (size == 0 || memcmp(b->data, data, size) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf a = BUF_INIT, b = BUF_INIT;

	if (imap_utf7_to_utf8(s, size, &a) == 0) {
		if (!imap_utf7_is_valid(s, size) || !utf8_valid(a.data, a.len))
			abort();
		if (imap_utf8_to_utf7((const char *)a.data, a.len, &b) < 0 ||
		    !equal(&b, data, size))
			abort();
	} else if (imap_utf7_is_valid(s, size)) {
		abort();
	}
	buf_free(&a);
	buf_free(&b);
	if (imap_utf8_to_utf7(s, size, &a) == 0) {
		if (!utf8_valid(data, size) ||
		    !imap_utf7_is_valid((const char *)a.data, a.len))
			abort();
		if (imap_utf7_to_utf8((const char *)a.data, a.len, &b) < 0 ||
		    !equal(&b, data, size))
			abort();
	} else if (utf8_valid(data, size) && memchr(data, 0, size) == NULL) {
		abort();
	}
	buf_free(&a);
	buf_free(&b);
	return 0;
}
