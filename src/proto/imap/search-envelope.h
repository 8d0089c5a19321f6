/* SPDX-License-Identifier: MIT */
/*
 * SEARCH SUBJECT, FROM, TO, CC and BCC (RFC 3501 section 6.4.4): "Messages
 * that contain the specified string in the envelope structure's ...
 * field". They are matched against the ENVELOPE of the message's cached
 * summary, so they never read the message file:
 *
 *   SUBJECT  the subject, RFC 2047 decoded;
 *   FROM...  the address list written as text, one address per element:
 *	      `Display Name <mailbox@host>` (the name RFC 2047 decoded, the
 *	      comments, quoting and folding of the header gone), groups as
 *	      `name: ...;`, elements separated by ", ". So "user@host" finds
 *	      `<user@ (comment) host>`, and a display name given as a comment
 *	      (`user@host (Real Name)`) is found like any other, as in Dovecot.
 *
 * Both sides are compared in the i;unicode-casemap canonical form (RFC
 * 5051, mime-casemap.h): case-insensitive substring matching. A field the
 * envelope does not have (NIL) contains nothing, not even "".
 *
 * A struct search_envelope holds one message's envelope at a time and
 * builds each field's text only when a key asks for it. Owned by one
 * thread; the envelope string must stay valid while it is used.
 */
#ifndef COFFER_PROTO_IMAP_SEARCH_ENVELOPE_H
#define COFFER_PROTO_IMAP_SEARCH_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum search_envelope_field {
	SEARCH_ENVELOPE_SUBJECT,
	SEARCH_ENVELOPE_FROM,
	SEARCH_ENVELOPE_TO,
	SEARCH_ENVELOPE_CC,
	SEARCH_ENVELOPE_BCC,
	SEARCH_ENVELOPE_FIELDS
};

struct search_envelope;

struct search_envelope *search_envelope_create(void);
void search_envelope_destroy(struct search_envelope **env);

/* Starts on a message: env_str[0..len) is its ENVELOPE in IMAP syntax
   (RFC 3501 section 7.4.2). Returns false if it cannot be read (then
   every field is NIL). */
bool search_envelope_set(struct search_envelope *env, const char *env_str,
			 size_t len);
/* True if the field's text contains needle[0..len), which must be in the
   canonical form (mime_casemap_append()). */
bool search_envelope_match(struct search_envelope *env,
			   enum search_envelope_field field,
			   const uint8_t *needle, size_t len);

#endif
