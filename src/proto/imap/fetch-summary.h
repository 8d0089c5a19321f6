/* SPDX-License-Identifier: MIT */
/*
 * The parsed MIME summary of a message (mime-summary.h) for FETCH and
 * SEARCH: ENVELOPE, BODYSTRUCTURE, section offsets and the Date header.
 *
 * It comes from the store's cache blob (store_msg_cache(), which rebuilds
 * a missing blob with the configured cache builder), so a message file is
 * only parsed when the store keeps no cache at all, or when the blob does
 * not pass mime_summary_parse()'s checks or does not describe a message
 * of the indexed size (then the damage is logged and the message parsed
 * again, streamed through mime_parser in bounded memory).
 *
 * Runs on the session's thread; store calls may block on disk I/O.
 */
#ifndef COFFER_PROTO_IMAP_FETCH_SUMMARY_H
#define COFFER_PROTO_IMAP_FETCH_SUMMARY_H

#include <stdint.h>
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/pool.h"
#include "mime/mime-summary.h"

struct store_mailbox;

/* The summary of message seq of box, whose RFC822.SIZE is size. The
   result is allocated from pool; scratch is a work buffer the caller
   keeps (and frees) between calls. Returns 0, or -1 with err (ERR_EXPUNGED
   when the message is gone). */
int fetch_summary_get(struct store_mailbox *box, uint32_t seq, uint64_t size,
		      struct pool *pool, struct buf *scratch,
		      const struct mime_summary **sum_r, struct err *err);

/* Parses the message file fd (size bytes) and appends its summary blob to
   out. Returns 0, or -1 with err on a read error. */
int fetch_summary_build(int fd, uint64_t size, struct buf *out,
			struct err *err);

#endif
