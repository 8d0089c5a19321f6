/* SPDX-License-Identifier: MIT */
/*
 * The IMAP forms of a parsed message: ENVELOPE and BODY/BODYSTRUCTURE in
 * exact RFC 3501 section 9 syntax (envelope, body, body-type-1part,
 * body-type-mpart, body-ext-*). Strings keep the case and bytes of the
 * message (encoded words stay encoded), with these normalisations:
 *
 * - subject and display names: runs of white space become one space and
 *   none are left at the ends (Dovecot does the same);
 * - text/ parts without a charset parameter get ("charset" "us-ascii")
 *   (RFC 2045 section 5.2), a missing Content-Transfer-Encoding is
 *   "7bit";
 * - a multipart without body parts (no boundary, or it never appears) gets
 *   one empty text/plain part, as a multipart needs at least one;
 * - an opaque multipart (nested too deep) is application/octet-stream; an
 *   opaque message part has an all-NIL envelope and an empty body.
 *
 * message/global is written like message/rfc822 (body-type-msg) only with
 * MIME_WRITE_GLOBAL_AS_MESSAGE, which is IMAP4rev2 syntax (RFC 9051
 * section 9); IMAP4rev1 clients must get it as a basic part.
 *
 * Functions append to out and return 0, or -1 if out's maximum was hit.
 * Thread-safe.
 */
#ifndef COFFER_MIME_MIME_WRITE_H
#define COFFER_MIME_MIME_WRITE_H

#include <stdbool.h>
#include "lib/buf.h"
#include "mime/mime-part.h"

enum mime_write_flags {
	/* BODYSTRUCTURE (with extension data) instead of BODY */
	MIME_WRITE_EXTENDED = 1 << 0,
	MIME_WRITE_GLOBAL_AS_MESSAGE = 1 << 1,
};

/* The ENVELOPE of a message header; env NULL writes the all-NIL
   envelope. */
int mime_write_envelope(const struct mime_envelope *env, struct buf *out);
/* BODY (flags without MIME_WRITE_EXTENDED) or BODYSTRUCTURE of part and
   everything below it; pass msg->root for the whole message. */
int mime_write_bodystructure(const struct mime_part *part,
			     unsigned int flags, struct buf *out);

#endif
