/* SPDX-License-Identifier: MIT */
/* Modified UTF-7 (RFC 3501 section 5.1.3) <-> UTF-8. */
#include "proto/imap/imap-utf7.h"
#include "lib/codec.h"
#include "lib/utf8.h"

#include <stdint.h>

/* RFC 2045 base64 alphabet with "," instead of "/" (section 5.1.3). */
static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* RFC 3501 section 5.1.3: modified base64 uses "," instead of "/". */
static int
b64_value(unsigned char c)
{
	if (c == ',')
		return 63;
	return c == '/' ? -1 : base64_value(c);
}

/* Printable US-ASCII other than "&" represents itself. */
static bool
is_direct(uint32_t c)
{
	return c >= 0x20 && c <= 0x7e && c != '&';
}

bool
imap_utf7_is_plain(const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_direct((unsigned char)src[i]))
			return false;
	}
	return true;
}

/* --- encoding ------------------------------------------------------------ */

struct b64_state {
	uint32_t bits;
	unsigned nbits;
};

static int
b64_put16(struct buf *out, struct b64_state *st, uint32_t unit)
{
	st->bits = (st->bits << 16) | unit;
	st->nbits += 16;
	while (st->nbits >= 6) {
		st->nbits -= 6;
		if (buf_append_c(out,
				 b64_chars[(st->bits >> st->nbits) & 0x3f]) < 0)
			return -1;
	}
	st->bits &= (1u << st->nbits) - 1;
	return 0;
}

/* Encodes the run of non-direct code points starting at src[*pos]. */
static int
encode_shift(const uint8_t *src, size_t len, size_t *pos, struct buf *out)
{
	struct b64_state st = {0, 0};
	size_t i = *pos;

	if (buf_append_c(out, '&') < 0)
		return -1;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(src + i, len - i, &cp);

		if (n == 0 || cp == 0)
			return -1;
		if (is_direct(cp) || cp == '&')
			break;
		i += n;
		if (cp >= 0x10000) {
			/* UTF-16 surrogate pair */
			cp -= 0x10000;
			if (b64_put16(out, &st, 0xd800 | (cp >> 10)) < 0 ||
			    b64_put16(out, &st, 0xdc00 | (cp & 0x3ff)) < 0)
				return -1;
		} else if (b64_put16(out, &st, cp) < 0) {
			return -1;
		}
	}
	if (st.nbits > 0 &&
	    buf_append_c(out, b64_chars[(st.bits << (6 - st.nbits)) & 0x3f]) <
		0)
		return -1;
	*pos = i;
	return buf_append_c(out, '-');
}

int
imap_utf8_to_utf7(const char *src, size_t len, struct buf *out)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t start = out->len, i = 0;

	while (i < len) {
		int ret;

		if (is_direct(s[i])) {
			ret = buf_append_c(out, (char)s[i++]);
		} else if (s[i] == '&') {
			ret = buf_append(out, "&-", 2);
			i++;
		} else {
			ret = encode_shift(s, len, &i, out);
		}
		if (ret < 0) {
			buf_truncate(out, start);
			return -1;
		}
	}
	return 0;
}

/* --- decoding ------------------------------------------------------------ */

static int
put_cp(struct buf *out, uint32_t cp)
{
	uint8_t tmp[4];
	size_t n = utf8_encode(cp, tmp);

	return n == 0 ? -1 : buf_append(out, tmp, n);
}

/* Decodes one 16-bit unit inside a shift, pairing surrogates. */
static int
decode_unit(uint32_t unit, uint32_t *high, struct buf *out)
{
	if (*high != 0) {
		uint32_t cp;

		if (unit < 0xdc00 || unit > 0xdfff)
			return -1;
		cp = 0x10000 + ((*high - 0xd800) << 10) + (unit - 0xdc00);
		*high = 0;
		return out == NULL ? 0 : put_cp(out, cp);
	}
	if (unit >= 0xd800 && unit <= 0xdbff) {
		*high = unit;
		return 0;
	}
	if (unit >= 0xdc00 && unit <= 0xdfff)
		return -1;
	/* section 5.1.3: modified BASE64 MUST NOT represent a printing
	   US-ASCII character; "&" has its own form "&-" */
	if (unit == 0 || (unit >= 0x20 && unit <= 0x7e))
		return -1;
	return out == NULL ? 0 : put_cp(out, unit);
}

/* Decodes the shift that starts after the "&" at s[*pos]; *pos ends after
   the closing "-". out may be NULL for validation only. */
static int
decode_shift(const char *s, size_t len, size_t *pos, struct buf *out)
{
	uint32_t bits = 0, high = 0;
	unsigned nbits = 0;
	size_t i = *pos;

	for (; i < len && s[i] != '-'; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0)
			return -1; /* "&Jjo!": no shift back before "!" */
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits >= 16) {
			nbits -= 16;
			if (decode_unit((bits >> nbits) & 0xffff, &high, out) <
			    0)
				return -1;
			bits &= (1u << nbits) - 1;
		}
	}
	/* unterminated; a lone high surrogate; an extra base64 digit
	   (nbits >= 6) or non-zero padding bits are non-shortest forms */
	if (i == len || high != 0 || nbits >= 6 || bits != 0)
		return -1;
	*pos = i + 1;
	return 0;
}

static int
utf7_decode(const char *s, size_t len, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (is_direct(c)) {
			if (out != NULL && buf_append_c(out, (char)c) < 0)
				return -1;
			i++;
			continue;
		}
		if (c != '&')
			return -1;
		if (i + 1 < len && s[i + 1] == '-') {
			if (out != NULL && buf_append_c(out, '&') < 0)
				return -1;
			i += 2;
			continue;
		}
		/* "&-" alone would have been caught above: an empty shift
		   "&" + "-" is "&"; here at least one base64 digit follows */
		i++;
		if (decode_shift(s, len, &i, out) < 0)
			return -1;
		/* no superfluous shift: "-&" directly followed by base64 */
		if (i + 1 < len && s[i] == '&' && s[i + 1] != '-')
			return -1;
	}
	return 0;
}

int
imap_utf7_to_utf8(const char *src, size_t len, struct buf *out)
{
	size_t start = out->len;

	if (utf7_decode(src, len, out) < 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

bool
imap_utf7_is_valid(const char *src, size_t len)
{
	return utf7_decode(src, len, NULL) == 0;
}
