/* SPDX-License-Identifier: MIT */
/* Fuzz target: account records read from disk. Whatever parses must
   format again and read back to the same text. */
#include "auth/account-record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, again = BUF_INIT;
	struct account *a, *b;
	struct err err;

	a = account_record_parse(data, size, &err);
	if (a == NULL)
		return 0;
	if (account_record_format(a, &out, &err) < 0)
		abort();
	b = account_record_parse(out.data, out.len, &err);
	if (b == NULL || account_record_format(b, &again, &err) < 0 ||
	    out.len != again.len || memcmp(out.data, again.data, out.len) != 0)
		abort();
	account_destroy(&a);
	account_destroy(&b);
	buf_free(&out);
	buf_free(&again);
	return 0;
}
