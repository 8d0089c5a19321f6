/* SPDX-License-Identifier: MIT */
/* Streaming base64 and quoted-printable decoding (RFC 2045 6.7, 6.8). */
#include "mime/mime-decode.h"
#include "lib/codec.h"

#include "lib/str.h"

#include <string.h>

static const char *const encoding_names[MIME_ENC_COUNT] = {
	[MIME_ENC_7BIT] = "7bit",
	[MIME_ENC_8BIT] = "8bit",
	[MIME_ENC_BINARY] = "binary",
	[MIME_ENC_BASE64] = "base64",
	[MIME_ENC_QP] = "quoted-printable",
	[MIME_ENC_UNKNOWN] = "unknown",
};

enum mime_encoding
mime_encoding_parse(const void *name, size_t len)
{
	for (int i = 0; i < MIME_ENC_UNKNOWN; i++) {
		if (strlen(encoding_names[i]) == len &&
		    mem_eq_icase(name, encoding_names[i], len))
			return (enum mime_encoding)i;
	}
	return MIME_ENC_UNKNOWN;
}

const char *
mime_encoding_name(enum mime_encoding enc)
{
	return (unsigned int)enc < MIME_ENC_COUNT ? encoding_names[enc]
						  : "unknown";
}

void
mime_decoder_init(struct mime_decoder *d, enum mime_encoding enc)
{
	memset(d, 0, sizeof(*d));
	d->enc = enc;
}

/* --- base64 (RFC 2045 section 6.8) ---------------------------------- */

/* -2 for the padding character, -1 for anything not base64. */
static int
b64_value(uint8_t c)
{
	return c == '=' ? -2 : base64_value(c);
}

static void
b64_feed(struct mime_decoder *d, const uint8_t *p, size_t len,
	 struct buf *out)
{
	uint8_t tmp[256];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int v = b64_value(p[i]);

		if (v == -1)
			continue; /* "all line breaks or other characters not
				     found in Table 1 must be ignored" */
		if (v == -2) {
			/* padding: the group ends; whatever follows starts a
			   new one (concatenated encodings) */
			d->acc = 0;
			d->bits = 0;
			continue;
		}
		d->acc = d->acc << 6 | (uint32_t)v;
		d->bits += 6;
		if (d->bits >= 8) {
			d->bits -= 8;
			tmp[n++] = (uint8_t)(d->acc >> d->bits);
			d->acc &= (1u << d->bits) - 1;
			if (n == sizeof(tmp)) {
				buf_append(out, tmp, n);
				n = 0;
			}
		}
	}
	buf_append(out, tmp, n);
}

/* --- quoted-printable (RFC 2045 section 6.7) ------------------------- */

enum qp_state {
	QP_NORMAL = 0,
	QP_WS,	   /* pending: trailing white space? */
	QP_EQ,	   /* pending: "=" */
	QP_EQ_HEX, /* pending: "=X" */
	QP_EQ_WS,  /* pending: "=" and white space: a soft break? */
	QP_SOFT_CR /* soft break seen up to its CR */
};

static int
hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uint8_t)ascii_tolower((char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void
qp_flush_pending(struct mime_decoder *d, struct buf *out)
{
	buf_append(out, d->pending, d->pending_len);
	d->pending_len = 0;
}

static void
qp_hold(struct mime_decoder *d, uint8_t c, struct buf *out)
{
	if (d->pending_len == sizeof(d->pending)) {
		/* absurdly long white space: it is content after all */
		qp_flush_pending(d, out);
		d->state = QP_NORMAL;
		buf_append_c(out, (char)c);
		return;
	}
	d->pending[d->pending_len++] = c;
}

/* Handles one byte that is not part of a run of ordinary bytes. */
static void
qp_byte(struct mime_decoder *d, uint8_t c, struct buf *out)
{
	bool ws = c == ' ' || c == '\t';
	bool eol = c == '\r' || c == '\n';

	switch ((enum qp_state)d->state) {
	case QP_NORMAL:
		break;
	case QP_WS:
		if (ws) {
			qp_hold(d, c, out);
			return;
		}
		if (eol)
			d->pending_len = 0; /* rule 3: drop trailing space */
		else
			qp_flush_pending(d, out);
		break;
	case QP_EQ:
		if (hex_value(c) >= 0) {
			d->pending[d->pending_len++] = c;
			d->state = QP_EQ_HEX;
			return;
		}
		if (ws) {
			qp_hold(d, c, out);
			d->state = QP_EQ_WS;
			return;
		}
		/* "=" directly before the line end: a soft break */
		/* fall through */
	case QP_EQ_WS:
		if (ws) {
			qp_hold(d, c, out);
			return;
		}
		if (c == '\r') {
			d->pending_len = 0;
			d->state = QP_SOFT_CR;
			return;
		}
		if (c == '\n') {
			d->pending_len = 0;
			d->state = QP_NORMAL;
			return;
		}
		qp_flush_pending(d, out); /* malformed: keep it */
		break;
	case QP_EQ_HEX:
		d->pending_len = 0;
		if (hex_value(c) >= 0) {
			buf_append_c(out, (char)(hex_value(d->pending[1]) << 4 |
						 hex_value(c)));
			d->state = QP_NORMAL;
			return;
		}
		buf_append(out, d->pending, 2);
		break;
	case QP_SOFT_CR:
		d->state = QP_NORMAL;
		if (c == '\n')
			return;
		break;
	}
	d->state = QP_NORMAL;
	if (c == '=') {
		d->pending[0] = c;
		d->pending_len = 1;
		d->state = QP_EQ;
	} else if (ws) {
		d->pending[0] = c;
		d->pending_len = 1;
		d->state = QP_WS;
	} else {
		buf_append_c(out, (char)c);
	}
}

static bool
qp_special(uint8_t c)
{
	return c == '=' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
qp_feed(struct mime_decoder *d, const uint8_t *p, size_t len,
	struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i;

		if (d->state == QP_NORMAL) {
			while (i < len && !qp_special(p[i]))
				i++;
			buf_append(out, p + start, i - start);
			if (i == len)
				break;
		}
		qp_byte(d, p[i++], out);
	}
}

static void
qp_finish(struct mime_decoder *d, struct buf *out)
{
	/* End of text: trailing white space and a final soft break go; an
	   unfinished "=X" is kept as it is. */
	if (d->state == QP_EQ_HEX)
		qp_flush_pending(d, out);
	d->pending_len = 0;
	d->state = QP_NORMAL;
}

/* --- common ---------------------------------------------------------- */

void
mime_decoder_feed(struct mime_decoder *d, const void *in, size_t len,
		  struct buf *out)
{
	switch (d->enc) {
	case MIME_ENC_BASE64:
		b64_feed(d, in, len, out);
		break;
	case MIME_ENC_QP:
		qp_feed(d, in, len, out);
		break;
	default:
		buf_append(out, in, len);
		break;
	}
}

void
mime_decoder_finish(struct mime_decoder *d, struct buf *out)
{
	if (d->enc == MIME_ENC_QP)
		qp_finish(d, out);
	mime_decoder_init(d, d->enc);
}

void
mime_base64_decode(const void *in, size_t len, struct buf *out)
{
	struct mime_decoder d;

	mime_decoder_init(&d, MIME_ENC_BASE64);
	b64_feed(&d, in, len, out);
}

void
mime_qp_decode(const void *in, size_t len, bool rfc2047, struct buf *out)
{
	const uint8_t *p = in;
	struct mime_decoder d;

	if (!rfc2047) {
		mime_decoder_init(&d, MIME_ENC_QP);
		qp_feed(&d, p, len, out);
		qp_finish(&d, out);
		return;
	}
	/* RFC 2047 section 4.2: "_" is 0x20, "=XX" an octet; anything else
	   (including a malformed "=") stands for itself. */
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '_') {
			buf_append_c(out, ' ');
		} else if (p[i] == '=' && i + 2 < len &&
			   hex_value(p[i + 1]) >= 0 &&
			   hex_value(p[i + 2]) >= 0) {
			buf_append_c(out, (char)(hex_value(p[i + 1]) << 4 |
						 hex_value(p[i + 2])));
			i += 2;
		} else {
			buf_append_c(out, (char)p[i]);
		}
	}
}
