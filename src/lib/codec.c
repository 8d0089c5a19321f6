/* SPDX-License-Identifier: MIT */
/* Hex and base64 codecs (RFC 4648 section 4). */
#include "lib/codec.h"

#include <string.h>

static const char hexdigits[] = "0123456789abcdef";
static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
hex_encode(const void *data, size_t len, char *out)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len)
{
	if (hex_len != out_len * 2)
		return -1;
	for (size_t i = 0; i < out_len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
base64_encode(const void *data, size_t len, struct buf *out)
{
	const uint8_t *p = data;
	char *o;
	size_t i;

	if (buf_reserve(out, BASE64_ENCODED_LEN(len)) < 0)
		return -1;
	o = (char *)buf_tail(out);
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
			     p[i + 2];

		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = b64chars[(v >> 6) & 63];
		*o++ = b64chars[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = b64chars[v >> 18];
		*o++ = b64chars[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len += BASE64_ENCODED_LEN(len);
	return 0;
}

int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int a = base64_value(p[i]), b = base64_value(p[i + 1]);
		int c = p[i + 2] == '=' ? -2 : base64_value(p[i + 2]);
		int d = p[i + 3] == '=' ? -2 : base64_value(p[i + 3]);
		uint8_t bytes[3];
		size_t n = 3;

		if (a < 0 || b < 0 || c == -1 || d == -1)
			return -1;
		if ((c == -2 || d == -2) && i + 4 != len)
			return -1;
		if (c == -2 && d != -2)
			return -1;
		bytes[0] = (uint8_t)(a << 2 | b >> 4);
		bytes[1] = (uint8_t)((b & 15) << 4 | (c < 0 ? 0 : c >> 2));
		bytes[2] = (uint8_t)(((c < 0 ? 0 : c) & 3) << 6 |
				     (d < 0 ? 0 : d));
		if (c == -2)
			n = 1;
		else if (d == -2)
			n = 2;
		if (buf_append(out, bytes, n) < 0)
			return -1;
	}
	return 0;
}
