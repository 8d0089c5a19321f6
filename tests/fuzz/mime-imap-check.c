/* SPDX-License-Identifier: MIT */
/* Recursive-descent checker for RFC 3501 BODYSTRUCTURE/ENVELOPE syntax. */
#include "mime-imap-check.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

struct in {
	const unsigned char *p, *end;
	unsigned int depth;
	char str[64]; /* the last string read (truncated) */
};

static bool
lit(struct in *in, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, s, n) != 0)
		return false;
	in->p += n;
	return true;
}

/* string = quoted / literal */
static bool
string(struct in *in)
{
	size_t n = 0, k = 0;

	in->str[0] = '\0';
	if (lit(in, "\"")) {
		while (in->p < in->end && *in->p != '"') {
			unsigned char c = *in->p++;

			if (c == '\\') {
				if (in->p >= in->end ||
				    (*in->p != '"' && *in->p != '\\'))
					return false;
				c = *in->p++;
			} else if (c == 0 || c == '\r' || c == '\n' ||
				   c >= 0x80) {
				return false;
			}
			if (k + 1 < sizeof(in->str))
				in->str[k++] = (char)c;
		}
		in->str[k] = '\0';
		return lit(in, "\"");
	}
	if (!lit(in, "{"))
		return false;
	while (in->p < in->end && *in->p >= '0' && *in->p <= '9' &&
	       n < 1000000000000ull)
		n = n * 10 + (size_t)(*in->p++ - '0');
	if (!lit(in, "}\r\n") || (size_t)(in->end - in->p) < n ||
	    memchr(in->p, 0, n) != NULL)
		return false;
	in->p += n;
	return true;
}

static bool
nil(struct in *in)
{
	return lit(in, "NIL");
}

static bool
nstring(struct in *in)
{
	in->str[0] = '\0';
	return nil(in) || string(in);
}

static bool
number(struct in *in)
{
	const unsigned char *start = in->p;
	uint64_t n = 0;

	while (in->p < in->end && *in->p >= '0' && *in->p <= '9') {
		n = n * 10 + (uint64_t)(*in->p++ - '0');
		if (n > UINT32_MAX)
			return false; /* number is 32-bit in IMAP4rev1 */
	}
	return in->p > start;
}

/* body-fld-param = "(" string SP string *(SP string SP string) ")" / nil */
static bool
params(struct in *in)
{
	if (nil(in))
		return true;
	if (!lit(in, "(") || !string(in) || !lit(in, " ") || !string(in))
		return false;
	while (lit(in, " ")) {
		if (!string(in) || !lit(in, " ") || !string(in))
			return false;
	}
	return lit(in, ")");
}

/* address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")" */
static bool
address_list(struct in *in)
{
	bool in_group = false, any = false;

	if (nil(in))
		return true;
	if (!lit(in, "("))
		return false;
	while (lit(in, "(")) {
		bool mailbox_nil, host_nil;

		any = true;
		if (!nstring(in) || !lit(in, " ") || !nstring(in) ||
		    !lit(in, " "))
			return false;
		mailbox_nil = nil(in);
		if (!mailbox_nil && !string(in))
			return false;
		if (!lit(in, " "))
			return false;
		host_nil = nil(in);
		if (!host_nil && !string(in))
			return false;
		if (!lit(in, ")"))
			return false;
		if (host_nil) {
			/* group start (mailbox) or end (NIL): balanced */
			if (mailbox_nil == !in_group)
				return false;
			in_group = !mailbox_nil;
		} else if (mailbox_nil) {
			return false;
		}
	}
	return any && !in_group && lit(in, ")");
}

static bool
envelope(struct in *in)
{
	if (!lit(in, "(") || !nstring(in) || !lit(in, " ") || !nstring(in))
		return false;
	for (int i = 0; i < 6; i++) {
		if (!lit(in, " ") || !address_list(in))
			return false;
	}
	return lit(in, " ") && nstring(in) && lit(in, " ") && nstring(in) &&
	       lit(in, ")");
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static bool
ext_common(struct in *in)
{
	if (!lit(in, " "))
		return false;
	if (!nil(in) && !(lit(in, "(") && string(in) && lit(in, " ") &&
			  params(in) && lit(in, ")")))
		return false;
	if (!lit(in, " "))
		return false;
	if (lit(in, "(")) {
		if (!string(in))
			return false;
		while (lit(in, " ")) {
			if (!string(in))
				return false;
		}
		if (!lit(in, ")"))
			return false;
	} else if (!nstring(in)) {
		return false;
	}
	return lit(in, " ") && nstring(in);
}

static bool body(struct in *in, bool extended);

static bool
body_1part(struct in *in, bool extended)
{
	char type[64], subtype[64];

	if (!string(in))
		return false;
	memcpy(type, in->str, sizeof(type));
	if (!lit(in, " ") || !string(in))
		return false;
	memcpy(subtype, in->str, sizeof(subtype));
	/* body-fields */
	if (!lit(in, " ") || !params(in) || !lit(in, " ") || !nstring(in) ||
	    !lit(in, " ") || !nstring(in) || !lit(in, " ") || !string(in) ||
	    !lit(in, " ") || !number(in))
		return false;
	if (strcasecmp(type, "message") == 0 &&
	    strcasecmp(subtype, "rfc822") == 0) {
		if (!lit(in, " ") || !envelope(in) || !lit(in, " ") ||
		    !body(in, extended) || !lit(in, " ") || !number(in))
			return false;
	} else if (strcasecmp(type, "text") == 0) {
		if (!lit(in, " ") || !number(in))
			return false;
	}
	if (!extended)
		return true;
	return lit(in, " ") && nstring(in) && ext_common(in);
}

static bool
body_mpart(struct in *in, bool extended)
{
	while (in->p < in->end && *in->p == '(') {
		if (!body(in, extended))
			return false;
	}
	if (!lit(in, " ") || !string(in))
		return false;
	if (!extended)
		return true;
	return lit(in, " ") && params(in) && ext_common(in);
}

static bool
body(struct in *in, bool extended)
{
	bool ok;

	if (++in->depth > 200 || !lit(in, "("))
		return false;
	if (in->p < in->end && *in->p == '(')
		ok = body_mpart(in, extended);
	else
		ok = body_1part(in, extended);
	in->depth--;
	return ok && lit(in, ")");
}

bool
check_body(const char *s, size_t len, bool extended)
{
	struct in in = { (const unsigned char *)s,
			 (const unsigned char *)s + len, 0, "" };

	return body(&in, extended) && in.p == in.end;
}

bool
check_envelope(const char *s, size_t len)
{
	struct in in = { (const unsigned char *)s,
			 (const unsigned char *)s + len, 0, "" };

	return envelope(&in) && in.p == in.end;
}
