/* SPDX-License-Identifier: MIT */
/*
 * Content-Type (RFC 2045 section 5) and Content-Disposition (RFC 2183)
 * field values: "type[/subtype] *(; attribute=value)", with RFC 2231
 * parameter continuations.
 *
 * For BODYSTRUCTURE the parameters keep their names and values as sent,
 * except that RFC 2231 continuations ("title*0*", "title*1") are joined
 * into one parameter: named "title*" with a still-encoded
 * "charset'lang'%XX" value if any segment was extended, or "title" with
 * the plain concatenation otherwise. Plain parameters come first, joined
 * and extended ones after them (this matches Dovecot's output, which
 * clients have long been exposed to). mime_content_param_decode() gives a
 * parameter's decoded UTF-8 value.
 *
 * Results live in the caller's pool. Pure functions; thread-safe.
 */
#ifndef COFFER_MIME_MIME_CONTENT_H
#define COFFER_MIME_MIME_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/pool.h"

struct mime_param {
	const char *name;
	const char *value;
};

struct mime_content {
	/* NULL when the field had no valid "type" (or "type/subtype") */
	const char *type;
	const char *subtype;
	struct mime_param *params;
	unsigned int n_params;
};

/* Most parameters kept per field; further ones are ignored. */
#define MIME_CONTENT_MAX_PARAMS 256
/* Highest RFC 2231 continuation number honoured. */
#define MIME_CONTENT_MAX_SECTION 999

/* Parses a field value. with_subtype selects Content-Type syntax
   ("type/subtype") over Content-Disposition syntax ("type"). Returns true
   if the type part is valid; the parameters are parsed either way. The
   strings are NUL-free only if value is (header values from the parser
   are). */
bool mime_content_parse(struct pool *pool, const void *value, size_t len,
			bool with_subtype, struct mime_content *out);

/* The raw value of the first parameter named name (case-insensitive), or
   NULL. */
const char *mime_content_param(const struct mime_content *c,
			       const char *name);

/* The decoded value of parameter name as UTF-8: "name*" (RFC 2231
   charset'language'percent-encoding, after joining continuations) is
   preferred; a plain "name" is RFC 2047-decoded, as many mailers encode
   file names that way. Returns NULL if there is neither. */
const char *mime_content_param_decode(struct pool *pool,
				      const struct mime_content *c,
				      const char *name);

/* Decodes an RFC 2231 extended value "charset'language'text" to UTF-8
   (percent-escapes resolved, charset converted; a value without the two
   quotes is taken as percent-encoded text in the fallback charset). */
char *mime_content_rfc2231_decode(struct pool *pool, const char *value);

#endif
