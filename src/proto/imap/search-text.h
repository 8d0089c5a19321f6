/* SPDX-License-Identifier: MIT */
/*
 * The text keys of a SEARCH program (HEADER, SUBJECT, FROM, TO, CC, BCC,
 * BODY, TEXT) matched against one message: the message file is streamed
 * through the MIME layer's matchers (mime-search.h: RFC 2047, transfer
 * encodings, charsets, i;unicode-casemap) in chunks, and reading stops as
 * soon as every matcher has decided (HEADER keys alone never read past
 * the header). Memory stays bounded whatever the message size.
 *
 * Runs on the session's thread; may block on disk I/O.
 */
#ifndef COFFER_PROTO_IMAP_SEARCH_TEXT_H
#define COFFER_PROTO_IMAP_SEARCH_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "mime/mime-summary.h"
#include "proto/imap/search-eval.h"

struct store_mailbox;

/* Matches prog's text keys against message seq of box (its summary sum,
   size bytes as indexed); masks[i] receives the keys of prog->groups[i]
   that matched. chunk is a work buffer of chunk_size bytes. Returns 0, or
   -1 with err (ERR_EXPUNGED when the message is gone). */
int search_text_match(const struct search_program *prog,
		      struct store_mailbox *box, uint32_t seq, uint64_t size,
		      const struct mime_summary *sum, uint8_t *chunk,
		      size_t chunk_size, uint64_t *masks, struct err *err);

#endif
