/* SPDX-License-Identifier: MIT */
/*
 * The message-data normaliser: turns the octets a client sends after DATA
 * (or inside BDAT chunks) into the message as it is stored. A pure,
 * incremental state machine: input may be cut anywhere (a CR at the end
 * of one read and its LF at the start of the next are one line end), it
 * never allocates, and it is fuzzed on its own (tests/fuzz/lmtp_data.c).
 *
 * DOT mode (DATA, RFC 5321 sections 4.1.1.4 and 4.5.2):
 *   - a line is ended by CRLF on the wire; only such a line start is
 *     looked at for dots: "." CRLF ends the data (the CRLF before it
 *     belongs to the message), and a leading "." followed by anything
 *     else is removed (dot-unstuffing);
 *   - "<LF>.<LF>" and other bare line ends never end the data (section
 *     4.1.1.4: servers MUST NOT treat them as the end).
 * RAW mode (BDAT, RFC 3030): the chunks are the message; no dots.
 * Both modes:
 *   - a bare LF or bare CR becomes CRLF, so the stored message only has
 *     CRLF line ends (the store keeps bytes as given);
 *   - the header section (up to the first empty line) is scanned for
 *     octets with the high bit set. With strip_8bit (ms.conf
 *     allow8bitheaders) the high bit is cleared, as M-Store did; a byte
 *     that would become a control character (other than HT) becomes '?',
 *     so stripping can never create a line end or a NUL. Without it the
 *     bytes pass unchanged and header_8bit tells the caller to refuse the
 *     message;
 *   - the first Message-ID header field is captured (unfolded, control
 *     octets left out, at most LMTP_NORM_MSGID_MAX octets) for the
 *     delivery log.
 * Output is counted in out_bytes (the RFC 1870 message size).
 */
#ifndef COFFER_PROTO_LMTP_NORMALIZE_H
#define COFFER_PROTO_LMTP_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LMTP_NORM_MSGID_MAX 255
/* Output room needed to consume one more input octet. */
#define LMTP_NORM_MIN_ROOM 3

enum lmtp_norm_mode {
	LMTP_NORM_DOT, /* DATA: dot-stuffed, ends at CRLF.CRLF */
	LMTP_NORM_RAW, /* BDAT: counted chunks */
};

/* Plain data; initialise with lmtp_norm_init(). Fields marked "out" may be
   read by the caller at any time. */
struct lmtp_norm {
	enum lmtp_norm_mode mode;
	bool strip_8bit;
	uint8_t wire;	    /* wire state (lmtp-normalize.c) */
	bool out_bol;	    /* the output is at the start of a line */
	bool done;	    /* out: DOT mode saw the end of data */
	bool in_header;	    /* out: still in the header section */
	bool header_8bit;   /* out: a header octet had the high bit set */
	uint64_t out_bytes; /* out: octets produced so far */
	/* Message-ID capture */
	uint8_t field;	  /* field state (lmtp-normalize.c) */
	uint8_t name_pos; /* octets of "Message-ID:" matched */
	bool msgid_done;  /* out: msgid is final */
	size_t msgid_len; /* out */
	char msgid[LMTP_NORM_MSGID_MAX + 1]; /* out: NUL-terminated */
};

void lmtp_norm_init(struct lmtp_norm *n, enum lmtp_norm_mode mode,
		    bool strip_8bit);

/* Consumes input from in[0..len) and writes the normalised octets to
   out[0..out_size). Returns the number of input octets consumed and sets
   *out_len_r. It stops early when the output has less than
   LMTP_NORM_MIN_ROOM octets of room, or in DOT mode at the end of data
   (n->done; the terminating ".CRLF" is consumed, nothing after it). Once
   done, it consumes nothing more. */
size_t lmtp_norm_feed(struct lmtp_norm *n, const uint8_t *in, size_t len,
		      uint8_t *out, size_t out_size, size_t *out_len_r);

/* Ends RAW input (BDAT LAST): a CR still waiting for a possible LF is
   written as CRLF. out_size >= 2. Returns the octets written. Also
   finalises the Message-ID capture; call it in DOT mode too (it writes
   nothing there). */
size_t lmtp_norm_finish(struct lmtp_norm *n, uint8_t *out, size_t out_size);

#endif
