/* SPDX-License-Identifier: MIT */
/*
 * RFC 5322 address lists (section 3.4, obsolete forms of section 4.4) as
 * IMAP sees them (RFC 3501 section 7.4.2): a flat list of addresses in
 * which a group appears as a start marker (mailbox = group name, domain =
 * NULL), its members, and an end marker (mailbox = NULL, domain = NULL).
 *
 * Parsing never fails. Real-world garbage is recovered element by element:
 * empty list elements are skipped (obs-addr-list), an unterminated angle
 * address or group is closed at the end, a missing local part or domain
 * is an empty string (written as MISSING_MAILBOX / MISSING_DOMAIN in
 * IMAP, as Dovecot does), and a comment after a bare addr-spec serves as
 * the display name ("user@host (Full Name)"). Display names keep RFC 2047
 * encoded words as they are; quoting is removed.
 *
 * Results live in the caller's pool. Thread-safe.
 */
#ifndef COFFER_MIME_MIME_ADDRESS_H
#define COFFER_MIME_MIME_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/buf.h"
#include "lib/pool.h"

struct mime_address {
	struct mime_address *next;
	const char *name;    /* display name, NULL if none */
	const char *route;   /* obsolete source route "@a,@b", or NULL */
	const char *mailbox; /* local part; group name; NULL = group end */
	const char *domain;  /* NULL for group markers */
};

/* Most addresses (markers included) kept from one list. */
#define MIME_ADDRESS_MAX 10000

/* Parses an (unfolded or folded) address-list field value. Returns the
   first address, or NULL if there is none. */
struct mime_address *mime_address_parse(struct pool *pool, const void *value,
					size_t len);

/* Writes the IMAP form of a list: "(" 1*address ")" or NIL if empty
   (RFC 3501 section 9, env-from etc.). Returns 0 or -1 (buffer max). */
int mime_address_write_imap(const struct mime_address *list,
			    struct buf *out);

#endif
