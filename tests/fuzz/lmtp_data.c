/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the DATA/BDAT normaliser. The first octet picks the mode,
 * the 8-bit policy and the cutting pattern; the rest is the client's data.
 * The data is normalised once whole and once cut into pieces with small
 * output windows: both must give the same octets (chunk boundaries never
 * matter), and the output must only have CRLF line ends.
 */
#include "proto/lmtp/lmtp-normalize.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	uint8_t *out;
	size_t out_len, consumed;
	struct lmtp_norm n;
};

static void
normalise(const uint8_t *in, size_t len, enum lmtp_norm_mode mode, bool strip,
	  unsigned seed, struct run *r)
{
	size_t cap = 3 * len + 8;

	r->out = malloc(cap);
	r->out_len = r->consumed = 0;
	lmtp_norm_init(&r->n, mode, strip);
	while (r->consumed < len && !r->n.done) {
		size_t piece = len - r->consumed, room = cap - r->out_len;
		size_t used, out_len;

		if (seed != 0) {
			/* a cheap deterministic pattern of cuts and windows */
			seed = seed * 1103515245u + 12345u;
			piece = 1 + (seed >> 8) % (piece < 64 ? piece : 64);
			room = LMTP_NORM_MIN_ROOM + (seed >> 20) % 13;
			if (room > cap - r->out_len)
				room = cap - r->out_len;
		}
		used = lmtp_norm_feed(&r->n, in + r->consumed, piece,
				      r->out + r->out_len, room, &out_len);
		if (used == 0 && !r->n.done)
			abort(); /* no progress with enough room */
		r->consumed += used;
		r->out_len += out_len;
	}
	r->out_len +=
	    lmtp_norm_finish(&r->n, r->out + r->out_len, cap - r->out_len);
	if (r->n.out_bytes != r->out_len || r->out_len > cap)
		abort();
}

static void
check_output(const struct run *r, bool strip)
{
	bool header = true, bol = true;

	for (size_t i = 0; i < r->out_len; i++) {
		uint8_t ch = r->out[i];

		if (ch == '\r') {
			if (i + 1 >= r->out_len || r->out[i + 1] != '\n')
				abort();
			if (bol)
				header = false;
			bol = true;
			i++;
			continue;
		}
		if (ch == '\n')
			abort();
		if (header && strip && ch >= 0x80)
			abort();
		bol = false;
	}
	if (strlen(r->n.msgid) != r->n.msgid_len ||
	    r->n.msgid_len > LMTP_NORM_MSGID_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum lmtp_norm_mode mode;
	struct run whole, cut;
	bool strip;

	if (size == 0)
		return 0;
	mode = (data[0] & 1) != 0 ? LMTP_NORM_RAW : LMTP_NORM_DOT;
	strip = (data[0] & 2) != 0;
	normalise(data + 1, size - 1, mode, strip, 0, &whole);
	normalise(data + 1, size - 1, mode, strip, (unsigned)data[0] | 1u,
		  &cut);
	if (whole.out_len != cut.out_len ||
	    memcmp(whole.out, cut.out, whole.out_len) != 0 ||
	    whole.consumed != cut.consumed || whole.n.done != cut.n.done ||
	    whole.n.header_8bit != cut.n.header_8bit ||
	    strcmp(whole.n.msgid, cut.n.msgid) != 0)
		abort();
	if (mode == LMTP_NORM_RAW && whole.consumed != size - 1)
		abort();
	check_output(&whole, strip);
	free(whole.out);
	free(cut.out);
	return 0;
}
