/* SPDX-License-Identifier: MIT */
/*
 * Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): encodes
 * arbitrary bytes without any zero byte, so that zero can delimit frames
 * unambiguously. Overhead: at most one byte per 254 plus one.
 */
#ifndef COFFER_LIB_COBS_H
#define COFFER_LIB_COBS_H

#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

#define COBS_MAX_ENCODED(n) ((n) + (n) / 254 + 1)

/* Appends the encoding of data to out (no delimiter). */
int cobs_encode(const void *data, size_t len, struct buf *out);
/* Decodes len bytes (which must contain no zero) and appends the result to
   out. Returns 0, or -1 if the input is not a valid encoding. */
int cobs_decode(const void *data, size_t len, struct buf *out);

#endif
