/* SPDX-License-Identifier: MIT */
/*
 * Content-Transfer-Encoding (RFC 2045 section 6): names and streaming
 * decoders with constant memory. Decoders never fail: base64 skips bytes
 * outside its alphabet (white space, garbage) and restarts after padding,
 * quoted-printable keeps malformed "=" sequences as they are (the robust
 * behaviour RFC 2045 section 6.7 recommends). 7bit, 8bit, binary and
 * unknown encodings pass bytes through unchanged.
 *
 * A struct mime_decoder is plain state without allocations; one owner at a
 * time.
 */
#ifndef COFFER_MIME_MIME_DECODE_H
#define COFFER_MIME_MIME_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

enum mime_encoding {
	MIME_ENC_7BIT = 0,
	MIME_ENC_8BIT,
	MIME_ENC_BINARY,
	MIME_ENC_BASE64,
	MIME_ENC_QP,
	MIME_ENC_UNKNOWN, /* an x-token or garbage: passed through */
};
#define MIME_ENC_COUNT (MIME_ENC_UNKNOWN + 1)

/* Maps a Content-Transfer-Encoding token (case-insensitive) to the enum. */
enum mime_encoding mime_encoding_parse(const void *name, size_t len);
/* Lower-case canonical name ("7bit", "quoted-printable", ...); "unknown"
   for MIME_ENC_UNKNOWN. */
const char *mime_encoding_name(enum mime_encoding enc);

/* Longest run of pending bytes a quoted-printable decoder holds back
   (white space whose meaning depends on what follows). */
#define MIME_QP_PENDING_MAX 80

struct mime_decoder {
	enum mime_encoding enc;
	unsigned int state;
	uint32_t acc;
	unsigned int bits;
	uint8_t pending[MIME_QP_PENDING_MAX];
	size_t pending_len;
};

void mime_decoder_init(struct mime_decoder *d, enum mime_encoding enc);
/* Appends the decoded bytes of the next chunk to out. */
void mime_decoder_feed(struct mime_decoder *d, const void *in, size_t len,
		       struct buf *out);
/* Ends the input and appends what was held back. The decoder is then
   reset and can decode a new body. */
void mime_decoder_finish(struct mime_decoder *d, struct buf *out);

/* One-shot helpers. mime_qp_decode() with rfc2047 = true decodes the "Q"
   encoding of RFC 2047 section 4.2 ("_" is a space, no soft breaks). */
void mime_base64_decode(const void *in, size_t len, struct buf *out);
void mime_qp_decode(const void *in, size_t len, bool rfc2047,
		    struct buf *out);

#endif
