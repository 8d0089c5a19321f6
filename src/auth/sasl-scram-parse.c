/* SPDX-License-Identifier: MIT */
/* SCRAM client message parsers (RFC 5802 section 7). */
#include "auth/sasl-scram-parse.h"
#include "auth/sasl-private.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>

/* One comma-separated attribute: [p, end). */
struct attr {
	const char *p;
	size_t len;
};

/* Splits off the next attribute at pos; returns false at the end. */
static bool
next_attr(const char *in, size_t len, size_t *pos, struct attr *a)
{
	const char *comma;

	if (*pos > len)
		return false;
	a->p = in + *pos;
	comma = memchr(a->p, ',', len - *pos);
	a->len = comma != NULL ? (size_t)(comma - a->p) : len - *pos;
	*pos += a->len + 1;
	return true;
}

/* "x=" prefix with the given letter. */
static bool
is_attr(const struct attr *a, char name)
{
	return a->len >= 2 && a->p[0] == name && a->p[1] == '=';
}

/* RFC 5802 section 7: attr-val = ALPHA "=" value, value = 1*value-char
   (UTF-8 except NUL and ','). Used for extensions, which are ignored. */
static bool
valid_attr_val(const struct attr *a)
{
	return a->len >= 3 && ascii_isalpha(a->p[0]) && a->p[1] == '=' &&
	       memchr(a->p, '\0', a->len) == NULL &&
	       utf8_valid(a->p + 2, a->len - 2);
}

/* printable = %x21-2B / %x2D-7E */
static bool
valid_nonce(const char *p, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x21 || c > 0x7e || c == ',')
			return false;
	}
	return true;
}

/* saslname = 1*(value-safe-char / "=2C" / "=3D"): unescapes into a pool
   string; NULL if the syntax or the UTF-8 is wrong. */
static const char *
decode_saslname(struct pool *pool, const char *p, size_t len)
{
	char *out, *o;

	if (len == 0 || len > SASL_NAME_MAX * 3)
		return NULL;
	o = out = pool_alloc(pool, len + 1);
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0')
			return NULL;
		if (p[i] != '=') {
			*o++ = p[i];
			continue;
		}
		/* RFC 5802 section 5.1: '=' not followed by 2C or 3D MUST
		   fail the authentication */
		if (i + 2 >= len)
			return NULL;
		if (p[i + 1] == '2' && p[i + 2] == 'C')
			*o++ = ',';
		else if (p[i + 1] == '3' && p[i + 2] == 'D')
			*o++ = '=';
		else
			return NULL;
		i += 2;
	}
	*o = '\0';
	if ((size_t)(o - out) > SASL_NAME_MAX || !utf8_valid(out, strlen(out)))
		return NULL;
	return out;
}

/* cb-name = 1*(ALPHA / DIGIT / "." / "-") */
static bool
valid_cbname(const char *p, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!ascii_isalpha(p[i]) && !ascii_isdigit(p[i]) &&
		    p[i] != '.' && p[i] != '-')
			return false;
	}
	return true;
}

static int
parse_gs2_header(struct pool *pool, const char *in, size_t len, size_t *pos,
		 struct scram_client_first *out, const char **error_r)
{
	struct attr flag, authz;

	*error_r = "invalid-encoding";
	if (!next_attr(in, len, pos, &flag) || *pos > len)
		return -1;
	if (flag.len == 1 && (flag.p[0] == 'n' || flag.p[0] == 'y')) {
		out->cbflag = flag.p[0];
	} else if (is_attr(&flag, 'p') &&
		   valid_cbname(flag.p + 2, flag.len - 2)) {
		out->cbflag = 'p';
		out->cbname = flag.p + 2;
		out->cbname_len = flag.len - 2;
	} else {
		return -1;
	}
	if (!next_attr(in, len, pos, &authz) || *pos > len)
		return -1;
	if (authz.len > 0) {
		if (!is_attr(&authz, 'a'))
			return -1;
		out->authzid =
		    decode_saslname(pool, authz.p + 2, authz.len - 2);
		if (out->authzid == NULL)
			return -1;
	}
	out->gs2_header_len = *pos;
	return 0;
}

int
scram_parse_client_first(struct pool *pool, const uint8_t *data, size_t len,
			 struct scram_client_first *out, const char **error_r)
{
	const char *in = (const char *)data;
	struct attr a;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (parse_gs2_header(pool, in, len, &pos, out, error_r) < 0)
		return -1;
	*error_r = "invalid-encoding";
	if (!next_attr(in, len, &pos, &a))
		return -1;
	/* reserved-mext: MUST cause authentication failure */
	if (is_attr(&a, 'm')) {
		*error_r = "extensions-not-supported";
		return -1;
	}
	if (!is_attr(&a, 'n'))
		return -1;
	out->username = decode_saslname(pool, a.p + 2, a.len - 2);
	if (out->username == NULL)
		return -1;
	if (!next_attr(in, len, &pos, &a) || !is_attr(&a, 'r') ||
	    !valid_nonce(a.p + 2, a.len - 2, SCRAM_NONCE_MAX))
		return -1;
	out->nonce = a.p + 2;
	out->nonce_len = a.len - 2;
	/* unknown optional extensions MUST be ignored (section 5.1) */
	while (next_attr(in, len, &pos, &a)) {
		if (!valid_attr_val(&a))
			return -1;
	}
	return 0;
}

static bool
valid_base64_chars(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!ascii_isalpha(p[i]) && !ascii_isdigit(p[i]) &&
		    p[i] != '+' && p[i] != '/' && p[i] != '=')
			return false;
	}
	return true;
}

int
scram_parse_client_final(const uint8_t *data, size_t len,
			 struct scram_client_final *out, const char **error_r)
{
	const char *in = (const char *)data;
	const char *proof = NULL;
	struct attr a;
	size_t pos = 0, wlen;

	memset(out, 0, sizeof(*out));
	*error_r = "invalid-encoding";
	/* proof is the last attribute: client-final-message-without-proof
	   is everything before ",p=" */
	for (size_t i = len; i >= 3; i--) {
		if (memcmp(in + i - 3, ",p=", 3) == 0) {
			proof = in + i;
			break;
		}
	}
	if (proof == NULL)
		return -1;
	wlen = (size_t)(proof - in) - 3;
	out->proof = proof;
	out->proof_len = len - (size_t)(proof - in);
	out->without_proof_len = wlen;
	if (out->proof_len == 0 ||
	    memchr(out->proof, ',', out->proof_len) != NULL ||
	    !valid_base64_chars(out->proof, out->proof_len))
		return -1;
	if (!next_attr(in, wlen, &pos, &a) || !is_attr(&a, 'c') ||
	    !valid_base64_chars(a.p + 2, a.len - 2))
		return -1;
	out->cbind = a.p + 2;
	out->cbind_len = a.len - 2;
	/* the client's nonce and ours */
	if (!next_attr(in, wlen, &pos, &a) || !is_attr(&a, 'r') ||
	    !valid_nonce(a.p + 2, a.len - 2, 2 * SCRAM_NONCE_MAX))
		return -1;
	out->nonce = a.p + 2;
	out->nonce_len = a.len - 2;
	while (next_attr(in, wlen, &pos, &a)) {
		if (!valid_attr_val(&a))
			return -1;
	}
	return 0;
}
