/* SPDX-License-Identifier: MIT */
/*
 * Multi-line responses carrying a message (RETR, TOP): byte-stuffing and
 * TOP's line limit over a message streamed in chunks of any size.
 *
 * RFC 1939 section 3: "If any line of the multi-line response begins with
 * the termination octet, the line is "byte-stuffed" by pre-pending the
 * termination octet to that line of the response. Hence a multi-line
 * response is terminated with the five octets "CRLF.CRLF"."
 *
 * Lines end at LF. Stored messages use CRLF (the store's contract), and
 * their bytes are sent unchanged apart from the stuffing; a message whose
 * last line lacks its line end gets a CRLF before the terminator, as the
 * terminator must start a line.
 *
 * Pure state machine: the output goes to a callback; no allocation.
 * One stuffer per response, owned by one thread.
 */
#ifndef COFFER_PROTO_POP3_STUFF_H
#define COFFER_PROTO_POP3_STUFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Receives output bytes (e.g. conn_write()). */
typedef void pop3_emit_fn(void *ctx, const void *data, size_t len);

struct pop3_stuffer {
	bool top;	     /* limit the body to body_lines lines */
	bool in_body;	     /* the header/body separator was sent */
	bool done;	     /* TOP's limit reached: send no more */
	bool bol;	     /* the next byte starts a line */
	uint8_t line_len;    /* bytes of the current line, saturated at 2 */
	uint8_t line_first;  /* first byte of the current line */
	uint64_t body_lines; /* TOP: body lines still to send */
	uint64_t bytes_out;  /* bytes emitted so far */
};

/* RETR: top = false; TOP n: top = true, lines = n. */
void pop3_stuff_init(struct pop3_stuffer *st, bool top, uint64_t lines);

/* Emits the stuffed form of data[0..len). Returns the bytes of input used:
   len, or less when TOP's limit was reached (then st->done is set and the
   rest of the message must not be sent). */
size_t pop3_stuff(struct pop3_stuffer *st, const uint8_t *data, size_t len,
		  pop3_emit_fn *emit, void *ctx);

/* Emits the end of the response: CRLF if the last line was not ended,
   then ".\r\n" (RFC 1939 section 3). */
void pop3_stuff_finish(struct pop3_stuffer *st, pop3_emit_fn *emit, void *ctx);

#endif
