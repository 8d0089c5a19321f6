/* SPDX-License-Identifier: MIT */
/*
 * Building server responses (RFC 3501 sections 7 and 9): status responses
 * with response codes, continuation requests, and the capability list.
 * Mailbox names are written with imap_mailbox_append() (imap-mailbox.h),
 * strings with imap-quote.h.
 *
 * Response text may carry client bytes (a command name, a mailbox): CR,
 * LF, NUL and 8-bit bytes become "?" so a response can never be split or
 * forged, and "]" cannot end a response code early.
 *
 * The writers append to a buf and return 0, or -1 if it is full (nothing
 * appended then). A capability list is a heap object owned by one thread
 * at a time, or shared read-only once built.
 */
#ifndef COFFER_PROTO_IMAP_IMAP_RESPONSE_H
#define COFFER_PROTO_IMAP_IMAP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"

enum imap_status {
	IMAP_STATUS_OK,
	IMAP_STATUS_NO,
	IMAP_STATUS_BAD,
	IMAP_STATUS_BYE,
	IMAP_STATUS_PREAUTH,
};

/* Appends "<tag> <status> [<code>] <text>" CRLF; tag NULL gives "*",
   code NULL no response code. code is the inside of the brackets, such
   as "UIDNEXT 4392" or "BADCHARSET (US-ASCII UTF-8)". An empty text
   becomes the status word (RFC 3501 section 9: text = 1*TEXT-CHAR). */
int imap_response_status(struct buf *out, const char *tag,
			 enum imap_status status, const char *code,
			 const char *text);
/* "+ <text>" CRLF (RFC 3501 section 7.5). */
int imap_response_continue(struct buf *out, const char *text);
/* "+ <base64 of data>" CRLF, for AUTHENTICATE challenges (section 6.2.2);
   empty data gives "+ " CRLF. */
int imap_response_continue_base64(struct buf *out, const void *data,
				  size_t len);

struct imap_capabilities;

struct imap_capabilities *imap_capabilities_create(void);
void imap_capabilities_destroy(struct imap_capabilities **caps);
/* Adds a capability (RFC 3501 section 9: capability = ("AUTH=" auth-type)
   / atom); duplicates (any case) are ignored. Returns -1 if the name is
   not an atom, or if it is LITERAL+ while LITERAL- is present or the
   other way round (RFC 7888 section 5: never both). */
int imap_capabilities_add(struct imap_capabilities *caps, const char *name);
void imap_capabilities_remove(struct imap_capabilities *caps, const char *name);
bool imap_capabilities_has(const struct imap_capabilities *caps,
			   const char *name);
/* Appends "IMAP4rev1 <others in insertion order>" (capability-data
   without the CAPABILITY keyword), for a [CAPABILITY ...] code. */
int imap_capabilities_append(const struct imap_capabilities *caps,
			     struct buf *out);
/* Appends "* CAPABILITY IMAP4rev1 ..." CRLF. */
int imap_response_capability(struct buf *out,
			     const struct imap_capabilities *caps);

#endif
