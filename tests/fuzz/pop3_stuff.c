/* SPDX-License-Identifier: MIT */
/* Fuzz target: RETR/TOP byte-stuffing over arbitrary messages split into
   arbitrary chunks, compared with a straightforward line-by-line reference
   of RFC 1939 sections 3 and 7. Input: byte 0 = mode (bit 0: TOP), byte 1
   = TOP line count, byte 2 = chunk size (0 = whole), then the message. */
#include "proto/pop3/pop3-stuff.h"
#include "lib/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
emit_buf(void *ctx, const void *data, size_t len)
{
	buf_append(ctx, data, len);
}

/* The reference: whole lines, one at a time. */
static void
reference(const uint8_t *msg, size_t len, bool top, uint64_t lines,
	  struct buf *out)
{
	bool in_body = false, ended = true;
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *nl = memchr(msg + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - msg) + 1 : len;
		size_t content = end - pos - (nl != NULL ? 1 : 0);

		if (top && in_body && lines == 0)
			break;
		if (msg[pos] == '.')
			buf_append_c(out, '.');
		buf_append(out, msg + pos, end - pos);
		ended = nl != NULL;
		if (top && nl != NULL) {
			if (!in_body) {
				in_body = content == 0 ||
					  (content == 1 && msg[pos] == '\r');
			} else {
				lines--;
			}
		}
		pos = end;
	}
	if (!ended)
		buf_append_str(out, "\r\n");
	buf_append_str(out, ".\r\n");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf got = BUF_INIT, want = BUF_INIT;
	struct pop3_stuffer st;
	bool top;
	uint64_t lines;
	size_t chunk, pos = 0, len;
	const uint8_t *msg;

	if (size < 3)
		return 0;
	top = data[0] & 1;
	lines = data[1];
	chunk = data[2];
	msg = data + 3;
	len = size - 3;

	pop3_stuff_init(&st, top, lines);
	while (pos < len && !st.done) {
		size_t n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
		size_t used = pop3_stuff(&st, msg + pos, n, emit_buf, &got);

		if (used > n || (used < n && !st.done))
			abort();
		pos += used;
	}
	pop3_stuff_finish(&st, emit_buf, &got);
	reference(msg, len, top, lines, &want);
	if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0 ||
	    st.bytes_out != got.len)
		abort();
	buf_free(&got);
	buf_free(&want);
	return 0;
}
