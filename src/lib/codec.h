/* SPDX-License-Identifier: MIT */
/* Hex and base64 (RFC 4648) codecs. Decoders are strict. */
#ifndef COFFER_LIB_CODEC_H
#define COFFER_LIB_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

/* Writes 2*len lowercase hex digits plus NUL into out. */
void hex_encode(const void *data, size_t len, char *out);
/* Decodes exactly 2*len hex digits; returns 0 or -1. */
int hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len);

#define BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)
/* The 6-bit value of a base64 character (RFC 4648 section 4 alphabet), or
   -1. Variants (modified UTF-7's ",") map their own characters first. */
int base64_value(unsigned char c);
/* Appends the base64 encoding of data to out (no line breaks). */
int base64_encode(const void *data, size_t len, struct buf *out);
/* Decodes strict base64 (padding required, no whitespace) and appends the
   bytes to out. Returns 0, or -1 on any invalid input. */
int base64_decode(const void *in, size_t len, struct buf *out);

#endif
