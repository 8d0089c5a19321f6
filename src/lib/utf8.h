/* SPDX-License-Identifier: MIT */
/* UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
#ifndef COFFER_LIB_UTF8_H
#define COFFER_LIB_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool utf8_valid(const void *data, size_t len);
/* Decodes one code point at p (len bytes available). Returns its length in
   bytes and stores it in *cp_r, or returns 0 for an invalid sequence. */
size_t utf8_decode(const uint8_t *p, size_t len, uint32_t *cp_r);
/* Encodes cp into out (at least 4 bytes); returns the length, 0 if invalid. */
size_t utf8_encode(uint32_t cp, uint8_t *out);

#endif
