/* SPDX-License-Identifier: MIT */
/* RFC 5051 i;unicode-casemap canonicalisation with ICU. */
#include "mime/mime-casemap.h"

#include "lib/str.h"
#include "lib/utf8.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

static void
append_cp(struct buf *out, uint32_t cp)
{
	uint8_t enc[4];
	size_t n = utf8_encode(cp, enc);

	if (n == 0)
		n = utf8_encode(0xfffd, enc);
	buf_append(out, enc, n);
}

/* Steps (2) and (3) of RFC 5051 section 2 for one code point. */
static void
map_cp(const UNormalizer2 *nfkd, uint32_t cp, struct buf *out)
{
	UChar decomp[64];
	UErrorCode err = U_ZERO_ERROR;
	int32_t len, i = 0;

	/* (2a) titlecase property (UnicodeData.txt simple mapping) */
	cp = (uint32_t)u_totitle((UChar32)cp);
	/* (2b) decomposition, applied recursively: NFKD's mapping */
	len = nfkd == NULL ? 0 :
	      unorm2_getDecomposition(nfkd, (UChar32)cp, decomp,
				      (int32_t)N_ELEMENTS(decomp), &err);
	if (U_FAILURE(err) || len <= 0) {
		append_cp(out, cp);
		return;
	}
	while (i < len) {
		UChar32 c;

		U16_NEXT(decomp, i, len, c);
		append_cp(out, (uint32_t)c);
	}
}

void
mime_casemap_append(const void *in, size_t len, struct buf *out)
{
	const uint8_t *p = in;
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&err);
	size_t i = 0;

	if (U_FAILURE(err))
		nfkd = NULL;
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (p[i] < 0x80) {
			/* ASCII: the titlecase of a-z is A-Z, nothing
			   decomposes */
			size_t start = i;

			while (i < len && p[i] < 0x80)
				i++;
			if (buf_reserve(out, i - start) < 0)
				return; /* out's maximum: truncated */
			for (size_t k = start; k < i; k++)
				out->data[out->len++] =
					(uint8_t)ascii_toupper((char)p[k]);
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			cp = p[i]; /* not UTF-8: Latin-1 */
			n = 1;
		}
		map_cp(nfkd, cp, out);
		i += n;
	}
}
