/* SPDX-License-Identifier: MIT */
/*
 * A strict, independent checker of the IMAP strings the MIME layer writes,
 * following the RFC 3501 section 9 grammar (body, body-type-1part,
 * body-type-mpart, body-ext-*, envelope, address), for the fuzz targets.
 */
#ifndef COFFER_FUZZ_MIME_IMAP_CHECK_H
#define COFFER_FUZZ_MIME_IMAP_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* BODYSTRUCTURE (extended) or BODY (!extended). */
bool check_body(const char *s, size_t len, bool extended);
bool check_envelope(const char *s, size_t len);

#endif
