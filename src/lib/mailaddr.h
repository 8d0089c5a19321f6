/* SPDX-License-Identifier: MIT */
/*
 * Syntax of mail addresses (RFC 5321 section 4.1.2): ASCII dot-string local
 * parts and host-name domains, with the length limits of section 4.5.3.1.
 * Quoted-string local parts and address literals are not accepted: Coffer
 * uses addresses as account names and file names, where they only cause
 * trouble. Internationalised (UTF-8) addresses are not supported yet.
 * Pure functions; thread-safe.
 */
#ifndef COFFER_LIB_MAILADDR_H
#define COFFER_LIB_MAILADDR_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 5321 section 4.5.3.1.1 and 4.5.3.1.2. */
#define MAILADDR_LOCAL_MAX 64
#define MAILADDR_DOMAIN_MAX 255
/* RFC 1035 section 2.3.4: labels are 63 octets or less. */
#define MAILADDR_LABEL_MAX 63
/* local "@" domain */
#define MAILADDR_MAX (MAILADDR_LOCAL_MAX + 1 + MAILADDR_DOMAIN_MAX)

/* Dot-string = Atom *("." Atom), Atom = 1*atext (RFC 5322 section 3.2.3),
   1..MAILADDR_LOCAL_MAX octets. */
bool mailaddr_local_valid(const char *s, size_t len);
/* Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str],
   1..MAILADDR_DOMAIN_MAX octets, labels of at most MAILADDR_LABEL_MAX. */
bool mailaddr_domain_valid(const char *s, size_t len);
/* "local@domain" with exactly one '@' and both parts valid. */
bool mailaddr_valid(const char *s, size_t len);

#endif
