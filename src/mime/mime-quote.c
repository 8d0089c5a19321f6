/* SPDX-License-Identifier: MIT */
/* IMAP quoted strings and literals for ENVELOPE and BODYSTRUCTURE
   (RFC 3501 sections 4.3 and 9). */
#include "mime/mime-quote.h"

#include "lib/str.h"

#include <stdio.h>
#include <string.h>

/* UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER, written for NUL bytes. */
static const char replacement_char[] = "\xef\xbf\xbd";

bool
mime_quote_can_quote(const void *data, size_t len)
{
	const uint8_t *p = data;
	unsigned int escapes = 0;

	if (len > MIME_QUOTED_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		/* TEXT-CHAR = <any CHAR except CR and LF>, CHAR = %x01-7F */
		if (p[i] == '\0' || p[i] == '\r' || p[i] == '\n' ||
		    p[i] >= 0x80)
			return false;
		if ((p[i] == '"' || p[i] == '\\') &&
		    ++escapes > MIME_QUOTED_MAX_ESCAPES)
			return false;
	}
	return true;
}

static int
append_quoted(struct buf *out, const uint8_t *p, size_t len)
{
	int ret = buf_append_c(out, '"');
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != '"' && p[i] != '\\')
			continue;
		ret |= buf_append(out, p + start, i - start);
		ret |= buf_append_c(out, '\\');
		start = i;
	}
	ret |= buf_append(out, p + start, len - start);
	ret |= buf_append_c(out, '"');
	return ret;
}

static int
append_literal(struct buf *out, const uint8_t *p, size_t len)
{
	size_t nuls = 0, start = 0;
	int ret;

	for (size_t i = 0; i < len; i++)
		nuls += p[i] == '\0';
	ret = buf_printf(out, "{%zu}\r\n",
			 len + nuls * (sizeof(replacement_char) - 2));
	if (nuls == 0)
		return ret | buf_append(out, p, len);
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\0')
			continue;
		ret |= buf_append(out, p + start, i - start);
		ret |= buf_append_str(out, replacement_char);
		start = i + 1;
	}
	return ret | buf_append(out, p + start, len - start);
}

int
mime_quote_string(struct buf *out, const void *data, size_t len)
{
	if (mime_quote_can_quote(data, len))
		return append_quoted(out, data, len);
	return append_literal(out, data, len);
}

int
mime_quote_nstring(struct buf *out, const char *s)
{
	if (s == NULL)
		return buf_append(out, "NIL", 3);
	return mime_quote_string(out, s, strlen(s));
}

static bool
is_astring_char(unsigned char c)
{
	/* ATOM-CHAR = <any CHAR except atom-specials>; ASTRING-CHAR adds
	   resp-specials ("]"). atom-specials = "(" / ")" / "{" / SP / CTL /
	   list-wildcards / quoted-specials / resp-specials. */
	if (c <= 0x20 || c >= 0x7f)
		return false;
	return strchr("(){%*\"\\", c) == NULL;
}

int
mime_quote_astring(struct buf *out, const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || str_eq_icase(s, "NIL"))
		return mime_quote_string(out, s, len);
	for (size_t i = 0; i < len; i++) {
		if (!is_astring_char((unsigned char)s[i]))
			return mime_quote_string(out, s, len);
	}
	return buf_append(out, s, len);
}
