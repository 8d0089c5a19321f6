/* SPDX-License-Identifier: MIT */
/* COBS encoding and decoding. */
#include "lib/cobs.h"

int
cobs_encode(const void *data, size_t len, struct buf *out)
{
	const uint8_t *p = data;
	size_t code_pos;
	uint8_t code = 1;

	if (buf_reserve(out, COBS_MAX_ENCODED(len)) < 0)
		return -1;
	code_pos = out->len++;
	for (size_t i = 0; i < len; i++) {
		if (p[i] != 0) {
			out->data[out->len++] = p[i];
			code++;
		}
		if (p[i] == 0 || code == 0xff) {
			out->data[code_pos] = code;
			code = 1;
			code_pos = out->len++;
		}
	}
	out->data[code_pos] = code;
	return 0;
}

int
cobs_decode(const void *data, size_t len, struct buf *out)
{
	const uint8_t *p = data;
	size_t i = 0;

	if (buf_reserve(out, len) < 0)
		return -1;
	while (i < len) {
		uint8_t code = p[i++];

		if (code == 0 || i - 1 + code > len)
			return -1;
		for (uint8_t j = 1; j < code; j++) {
			if (p[i] == 0)
				return -1;
			out->data[out->len++] = p[i++];
		}
		if (code != 0xff && i < len)
			out->data[out->len++] = 0;
	}
	return 0;
}
