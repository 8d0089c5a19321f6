/* SPDX-License-Identifier: MIT */
/* Charset conversion to UTF-8 with ICU converters and a lenient fallback. */
#include "mime/mime-charset.h"

#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>
#include <stdlib.h>
#include <unicode/ucnv.h>

#define PIVOT_SIZE 1024

struct mime_charset {
	UConverter *src; /* NULL: UTF-8 / Latin-1 fallback */
	UConverter *utf8;
	UChar pivot[PIVOT_SIZE];
	UChar *pivot_source, *pivot_target;
	/* fallback: an incomplete UTF-8 sequence from the previous chunk */
	uint8_t pending[4];
	size_t pending_len;
};

static bool
name_is_usable(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strlen(name);
	if (len == 0 || len > MIME_CHARSET_NAME_MAX)
		return false;
	/* ICU reads ",option" suffixes in converter names; a label from a
	   message gets no say in converter options. */
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!ascii_isalpha(c) && !ascii_isdigit(c) &&
		    strchr("-_.:+", c) == NULL)
			return false;
	}
	return true;
}

static bool
name_means_fallback(const char *name)
{
	static const char *const names[] = {
		"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us",
		"utf-8", "utf8", "unknown-8bit", "x-unknown", "unknown",
	};

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (str_eq_icase(name, names[i]))
			return true;
	}
	return false;
}

static const char *
icu_name(const char *name)
{
	static const char *const latin1[] = {
		"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",
		"l1", "iso-ir-100", "cp819", "ibm819", "csisolatin1",
	};

	for (size_t i = 0; i < N_ELEMENTS(latin1); i++) {
		if (str_eq_icase(name, latin1[i]))
			return "windows-1252";
	}
	return name;
}

struct mime_charset *
mime_charset_create(const char *name)
{
	struct mime_charset *cs = xcalloc(1, sizeof(*cs));
	UErrorCode err = U_ZERO_ERROR;

	if (!name_is_usable(name) || name_means_fallback(name))
		return cs;
	cs->src = ucnv_open(icu_name(name), &err);
	if (U_FAILURE(err) || cs->src == NULL) {
		cs->src = NULL;
		return cs;
	}
	err = U_ZERO_ERROR;
	cs->utf8 = ucnv_open("UTF-8", &err);
	if (U_FAILURE(err) || cs->utf8 == NULL) {
		ucnv_close(cs->src);
		cs->src = NULL;
		cs->utf8 = NULL;
		return cs;
	}
	cs->pivot_source = cs->pivot_target = cs->pivot;
	return cs;
}

void
mime_charset_destroy(struct mime_charset **csp)
{
	struct mime_charset *cs = *csp;

	if (cs == NULL)
		return;
	if (cs->src != NULL) {
		ucnv_close(cs->src);
		ucnv_close(cs->utf8);
	}
	free(cs);
	*csp = NULL;
}

bool
mime_charset_is_fallback(const struct mime_charset *cs)
{
	return cs->src == NULL;
}

static void
append_latin1(uint8_t c, struct buf *out)
{
	uint8_t enc[2];

	enc[0] = (uint8_t)(0xc0 | c >> 6);
	enc[1] = (uint8_t)(0x80 | (c & 0x3f));
	buf_append(out, enc, 2);
}

/* Length of a UTF-8 sequence announced by its lead byte, 0 if invalid. */
static size_t
utf8_seq_len(uint8_t c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Converts p[0..len); returns how many trailing bytes form a sequence that
   may still be completed by more input (only when !final). */
static size_t
fallback_convert(const uint8_t *p, size_t len, bool final, struct buf *out)
{
	size_t i = 0, start = 0;

	while (i < len) {
		size_t n;
		uint32_t cp;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		buf_append(out, p + start, i - start);
		n = utf8_seq_len(p[i]);
		if (n != 0 && i + n > len && !final) {
			/* maybe cut by the chunk end: wait if what we have
			   is a valid prefix */
			size_t k = i + 1;

			while (k < len && (p[k] & 0xc0) == 0x80)
				k++;
			if (k == len)
				return len - i;
		}
		if (n != 0 && utf8_decode(p + i, len - i, &cp) == n) {
			buf_append(out, p + i, n);
			i += n;
		} else {
			append_latin1(p[i], out);
			i++;
		}
		start = i;
	}
	buf_append(out, p + start, len - start);
	return 0;
}

void
mime_charset_utf8_or_latin1(const void *in, size_t len, struct buf *out)
{
	(void)fallback_convert(in, len, true, out);
}

static void
fallback_feed(struct mime_charset *cs, const uint8_t *in, size_t len,
	      bool final, struct buf *out)
{
	size_t keep;

	if (cs->pending_len > 0) {
		/* complete the sequence cut by the previous chunk end, or
		   find that it is broken (each byte then becomes Latin-1) */
		size_t need = utf8_seq_len(cs->pending[0]);

		while (cs->pending_len < need && len > 0 &&
		       (in[0] & 0xc0) == 0x80) {
			cs->pending[cs->pending_len++] = *in++;
			len--;
		}
		if (cs->pending_len < need && len == 0 && !final)
			return;
		(void)fallback_convert(cs->pending, cs->pending_len, true,
				       out);
		cs->pending_len = 0;
	}
	keep = fallback_convert(in, len, final, out);
	if (keep > 0)
		memcpy(cs->pending, in + len - keep, keep);
	cs->pending_len = keep;
}

static void
icu_feed(struct mime_charset *cs, const char *in, size_t len, bool flush,
	 struct buf *out)
{
	const char *src = in, *src_end = in + len;

	for (;;) {
		UErrorCode err = U_ZERO_ERROR;
		char *target, *target_start;

		if (buf_reserve(out, len * 3 + 64) < 0)
			break;
		target = target_start = (char *)buf_tail(out);
		ucnv_convertEx(cs->utf8, cs->src, &target,
			       target + buf_room(out), &src, src_end,
			       cs->pivot, &cs->pivot_source,
			       &cs->pivot_target, cs->pivot + PIVOT_SIZE,
			       false, flush, &err);
		out->len += (size_t)(target - target_start);
		if (err != U_BUFFER_OVERFLOW_ERROR)
			break;
	}
	if (flush) {
		ucnv_reset(cs->src);
		ucnv_reset(cs->utf8);
		cs->pivot_source = cs->pivot_target = cs->pivot;
	}
}

void
mime_charset_convert(struct mime_charset *cs, const void *in, size_t len,
		     struct buf *out)
{
	if (len == 0)
		return;
	if (cs->src == NULL)
		fallback_feed(cs, in, len, false, out);
	else
		icu_feed(cs, in, len, false, out);
}

void
mime_charset_flush(struct mime_charset *cs, struct buf *out)
{
	if (cs->src == NULL)
		fallback_feed(cs, (const uint8_t *)"", 0, true, out);
	else
		icu_feed(cs, "", 0, true, out);
}

void
mime_charset_to_utf8(const char *charset, const void *in, size_t len,
		     struct buf *out)
{
	struct mime_charset *cs = mime_charset_create(charset);

	mime_charset_convert(cs, in, len, out);
	mime_charset_flush(cs, out);
	mime_charset_destroy(&cs);
}
