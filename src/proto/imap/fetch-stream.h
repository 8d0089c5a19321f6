/* SPDX-License-Identifier: MIT */
/*
 * Response output of FETCH, STORE and SEARCH, written to the connection in
 * bounded pieces with backpressure: response text is queued in memory,
 * message text as byte ranges of the message file, and
 * fetch_stream_flush() writes as much as the client has room for. No
 * single write is larger than a chunk of a quarter of max_net_buffer (at
 * most 32 KiB), and nothing is written while conn_output_full() is true,
 * so a response of any size (a 1 GB BODY[], a 100,000-number SEARCH)
 * never overflows the connection's output buffer and never sits in memory
 * as a whole.
 *
 * Message text is sent as read from the file, except that NUL bytes
 * become 0x80: RFC 3501 section 9 CHAR8 excludes NUL in literals, and the
 * octet count must stay exact (Dovecot does the same).
 *
 * Owned by the command that created it, on the session's thread.
 */
#ifndef COFFER_PROTO_IMAP_FETCH_STREAM_H
#define COFFER_PROTO_IMAP_FETCH_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "proto/imap/fetch-section.h"
#include "proto/imap/imap-server-session.h"

struct fetch_stream;

struct fetch_stream *fetch_stream_create(struct imap_session *s);
/* Closes the file and frees everything queued. NULL-safe. */
void fetch_stream_destroy(struct fetch_stream **st);

/* The buffer to append response text to; what is appended is sent after
   everything queued before. The pointer is valid for the stream's life. */
struct buf *fetch_stream_text(struct fetch_stream *st);
/* Gives the stream the open message file whose ranges follow; it is
   closed once they are written (or by reset/destroy). Only one file may
   be queued at a time: flush the previous one first. */
void fetch_stream_set_file(struct fetch_stream *st, int fd);
/* Queues ranges of that file after the text appended so far. */
void fetch_stream_file_ranges(struct fetch_stream *st,
			      const struct fetch_ranges *ranges);
/* Bytes queued and not yet written, text and file ranges together. */
uint64_t fetch_stream_pending(const struct fetch_stream *st);
/* True if file ranges are queued (flush them before the next file). */
bool fetch_stream_has_file(const struct fetch_stream *st);
/* The largest piece written at once (useful as a batching threshold). */
size_t fetch_stream_chunk_size(const struct fetch_stream *st);

/* Writes queued output. Returns 1 when everything was written, 0 when
   the client has to read first (conn_output_full(); CONN_EV_DRAINED is
   armed: yield and call again), -1 if the connection is closed. A message
   file that cannot be read closes the connection (the literal being sent
   cannot be completed) after logging why. */
int fetch_stream_flush(struct fetch_stream *st);
/* Drops everything queued and closes the file. */
void fetch_stream_reset(struct fetch_stream *st);

#endif
