/* SPDX-License-Identifier: MIT */
/*
 * Mailbox names between the wire and Coffer's internal form (UTF-8).
 *
 * On the wire (RFC 3501 section 5.1.3) names are modified UTF-7, or UTF-8
 * once the client has sent ENABLE UTF8=ACCEPT (RFC 6855 section 3). Inside
 * Coffer they are always UTF-8, and "INBOX" in any case is spelled INBOX
 * (RFC 3501 section 5.1; so is the first level of "inbox/child", keeping
 * INBOX and its children one hierarchy).
 *
 * Decoded names must be valid UTF-8 and follow the RFC 6855 section 3 /
 * RFC 5198 rule: no control characters (U+0000-U+001F, U+007F-U+009F), no
 * U+2028 or U+2029. This applies in both modes, so a name smuggled in
 * through modified UTF-7 ("&AAk-") cannot carry a TAB either.
 *
 * Reentrant.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_MAILBOX_H
#define COFFER_PROTO_IMAP_IMAP_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"

/* Appends the internal form of wire name[0..len) to out. `utf8`: UTF8=ACCEPT
   is enabled. Returns 0, or -1 with a message for the client (use NO, or
   BAD for CREATE-style syntax checks) in *error_r; out is unchanged then. */
int imap_mailbox_decode(const char *name, size_t len, bool utf8, char sep,
			struct buf *out, const char **error_r);

/* Appends internal name[0..len) as a wire mailbox (RFC 3501 section 9:
   mailbox = "INBOX" / astring): modified UTF-7 unless utf8, then atom,
   quoted string or literal as needed. Returns -1 if name is not valid
   UTF-8 or out is full. */
int imap_mailbox_append(struct buf *out, const char *name, size_t len,
			bool utf8);

#endif
