/* SPDX-License-Identifier: MIT */
/* Byte-stuffing and TOP's line limit (see pop3-stuff.h). */
#include "proto/pop3/pop3-stuff.h"
#include "lib/macros.h"

#include <string.h>

void
pop3_stuff_init(struct pop3_stuffer *st, bool top, uint64_t lines)
{
	memset(st, 0, sizeof(*st));
	st->top = top;
	st->body_lines = lines;
	st->bol = true;
}

static void
out(struct pop3_stuffer *st, pop3_emit_fn *emit, void *ctx, const void *p,
    size_t n)
{
	if (n == 0)
		return;
	emit(ctx, p, n);
	st->bytes_out += n;
}

/* RFC 1939 section 7, TOP: "the POP3 server sends the headers of the
   message, the blank line separating the headers from the body, and then
   the number of lines of the indicated message's body". The header ends
   at the first empty line ("\r\n", or a bare "\n"). */
static void
line_ended(struct pop3_stuffer *st)
{
	bool empty =
	    st->line_len == 0 || (st->line_len == 1 && st->line_first == '\r');

	if (!st->in_body) {
		if (empty) {
			st->in_body = true;
			if (st->body_lines == 0)
				st->done = true;
		}
	} else if (--st->body_lines == 0) {
		st->done = true;
	}
	st->line_len = 0;
}

size_t
pop3_stuff(struct pop3_stuffer *st, const uint8_t *data, size_t len,
	   pop3_emit_fn *emit, void *ctx)
{
	size_t pos = 0;

	while (pos < len && !st->done) {
		const uint8_t *nl;
		size_t end, content;

		if (st->bol) {
			if (data[pos] == '.')
				out(st, emit, ctx, ".", 1);
			st->line_first = data[pos];
			st->line_len = 0;
		}
		nl = memchr(data + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - data) + 1 : len;
		out(st, emit, ctx, data + pos, end - pos);
		content = end - pos - (nl != NULL ? 1 : 0);
		st->line_len = (uint8_t)MIN(2, (size_t)st->line_len + content);
		pos = end;
		st->bol = nl != NULL;
		if (st->bol && st->top)
			line_ended(st);
	}
	return pos;
}

void
pop3_stuff_finish(struct pop3_stuffer *st, pop3_emit_fn *emit, void *ctx)
{
	if (!st->bol)
		out(st, emit, ctx, "\r\n", 2);
	out(st, emit, ctx, ".\r\n", 3);
}
