/* SPDX-License-Identifier: MIT */
/* RFC 2047 encoded-word decoding. */
#include "mime/mime-rfc2047.h"

#include "mime/mime-charset.h"
#include "mime/mime-decode.h"

#include <string.h>
#include <strings.h>

struct encoded_word {
	size_t len; /* of the whole "=?...?=" */
	const char *charset;
	size_t charset_len;
	char enc;
	const uint8_t *text;
	size_t text_len;
};

/* Recognises "=?charset[*lang]?(B|Q)?text?=" at p. */
static bool
parse_word(const uint8_t *p, size_t len, struct encoded_word *w)
{
	const uint8_t *q, *end;
	size_t i = 2;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return false;
	/* charset: token characters up to '?' */
	while (i < len && p[i] != '?' && p[i] > ' ' && p[i] < 0x7f)
		i++;
	if (i == 2 || i + 3 >= len || p[i] != '?' || p[i + 2] != '?')
		return false;
	w->charset = (const char *)p + 2;
	w->charset_len = i - 2;
	q = memchr(w->charset, '*', w->charset_len);
	if (q != NULL)
		w->charset_len = (size_t)(q - (const uint8_t *)w->charset);
	w->enc = (char)(p[i + 1] | 0x20);
	if (w->enc != 'b' && w->enc != 'q')
		return false;
	/* encoded-text = 1*<Any printable ASCII character other than "?"
	   or SPACE>, so the word ends at the first '?', which must start
	   "?=" (RFC 2047 section 2) */
	w->text = p + i + 3;
	end = p + MIN(len, i + 3 + MIME_RFC2047_WORD_MAX + 2);
	for (q = w->text; q < end && *q != '?'; q++) {
		if (*q <= ' ' || *q >= 0x7f)
			return false;
	}
	if (q + 1 >= end || q[1] != '=')
		return false;
	w->text_len = (size_t)(q - w->text);
	w->len = (size_t)(q + 2 - p);
	return true;
}

struct decode_ctx {
	struct buf *out;
	struct buf bytes; /* decoded bytes of adjacent words, one charset */
	char charset[MIME_CHARSET_NAME_MAX + 1];
	bool have_words;
};

static void
flush_words(struct decode_ctx *ctx)
{
	if (!ctx->have_words)
		return;
	mime_charset_to_utf8(ctx->charset, ctx->bytes.data, ctx->bytes.len,
			     ctx->out);
	buf_clear(&ctx->bytes);
	ctx->have_words = false;
}

static void
add_word(struct decode_ctx *ctx, const struct encoded_word *w)
{
	char charset[MIME_CHARSET_NAME_MAX + 1] = "";

	/* an over-long charset label stays empty: the fallback decodes */
	if (w->charset_len <= MIME_CHARSET_NAME_MAX) {
		memcpy(charset, w->charset, w->charset_len);
		charset[w->charset_len] = '\0';
	}
	if (ctx->have_words && strcasecmp(charset, ctx->charset) != 0)
		flush_words(ctx);
	memcpy(ctx->charset, charset, sizeof(charset));
	if (w->enc == 'b')
		mime_base64_decode(w->text, w->text_len, &ctx->bytes);
	else
		mime_qp_decode(w->text, w->text_len, true, &ctx->bytes);
	ctx->have_words = true;
}

static bool
only_lwsp(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n')
			return false;
	}
	return true;
}

void
mime_rfc2047_decode(const void *in, size_t len, struct buf *out)
{
	const uint8_t *p = in;
	struct decode_ctx ctx = { .out = out, .bytes = BUF_INIT };
	size_t text_start = 0, i = 0;

	while (i + 1 < len) {
		const uint8_t *eq = memchr(p + i, '=', len - i - 1);
		struct encoded_word w;

		if (eq == NULL)
			break;
		i = (size_t)(eq - p);
		if (eq[1] != '?' || !parse_word(eq, len - i, &w)) {
			i++;
			continue;
		}
		/* text between words: dropped if only white space */
		if (!ctx.have_words || !only_lwsp(p + text_start,
						  i - text_start)) {
			flush_words(&ctx);
			mime_charset_utf8_or_latin1(p + text_start,
						    i - text_start, out);
		}
		add_word(&ctx, &w);
		i += w.len;
		text_start = i;
	}
	flush_words(&ctx);
	mime_charset_utf8_or_latin1(p + text_start, len - text_start, out);
	buf_free(&ctx.bytes);
}
