/* SPDX-License-Identifier: MIT */
/* Choosing and writing atoms, quoted strings and literals. */
#include "proto/imap/imap-quote.h"
#include "proto/imap/imap-arg.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <inttypes.h>

bool
imap_quote_is_astring_atom(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len == 0 || len > IMAP_QUOTE_MAX)
		return false;
	if (len == 3 && mem_eq_icase(p, "NIL", 3))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!imap_is_astring_char(p[i]))
			return false;
	}
	return true;
}

bool
imap_quote_can_quote(const void *data, size_t len, unsigned flags)
{
	const unsigned char *p = data;
	bool eight_bit = false;

	if (len > IMAP_QUOTE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x80)
			eight_bit = true;
		else if (!imap_is_text_char(p[i]))
			return false;
	}
	if (!eight_bit)
		return true;
	return (flags & IMAP_QUOTE_UTF8) != 0 && utf8_valid(p, len);
}

int
imap_append_quoted(struct buf *out, const void *data, size_t len,
		   unsigned flags)
{
	const unsigned char *p = data;
	size_t start = out->len;

	if (!imap_quote_can_quote(data, len, flags))
		return -1;
	if (buf_append_c(out, '"') < 0)
		goto full;
	for (size_t i = 0; i < len; i++) {
		/* QUOTED-CHAR: "\" quoted-specials */
		if ((p[i] == '"' || p[i] == '\\') &&
		    buf_append_c(out, '\\') < 0)
			goto full;
		if (buf_append_c(out, (char)p[i]) < 0)
			goto full;
	}
	if (buf_append_c(out, '"') < 0)
		goto full;
	return 0;
full:
	buf_truncate(out, start);
	return -1;
}

int
imap_append_literal_header(struct buf *out, uint64_t size, bool literal8)
{
	return buf_printf(out, "%s{%" PRIu64 "}\r\n", literal8 ? "~" : "",
			  size);
}

static int
append_literal(struct buf *out, const void *data, size_t len, bool literal8)
{
	size_t start = out->len;

	if (imap_append_literal_header(out, len, literal8) < 0 ||
	    buf_append(out, data, len) < 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
imap_append_literal(struct buf *out, const void *data, size_t len)
{
	return append_literal(out, data, len, false);
}

int
imap_append_literal8(struct buf *out, const void *data, size_t len)
{
	return append_literal(out, data, len, true);
}

int
imap_append_string(struct buf *out, const void *data, size_t len,
		   unsigned flags)
{
	if (imap_quote_can_quote(data, len, flags))
		return imap_append_quoted(out, data, len, flags);
	return imap_append_literal(out, data, len);
}

int
imap_append_astring(struct buf *out, const void *data, size_t len,
		    unsigned flags)
{
	if (imap_quote_is_astring_atom(data, len))
		return buf_append(out, data, len);
	return imap_append_string(out, data, len, flags);
}

int
imap_append_nstring(struct buf *out, const void *data, size_t len,
		    unsigned flags)
{
	if (data == NULL)
		return buf_append(out, "NIL", 3);
	return imap_append_string(out, data, len, flags);
}
