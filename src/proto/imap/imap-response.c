/* SPDX-License-Identifier: MIT */
/* Status responses, continuations and the capability list. */
#include "proto/imap/imap-response.h"
#include "proto/imap/imap-arg.h"
#include "lib/codec.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/vec.h"

#include <string.h>

static const char *const status_names[] = {
    [IMAP_STATUS_OK] = "OK",	       [IMAP_STATUS_NO] = "NO",
    [IMAP_STATUS_BAD] = "BAD",	       [IMAP_STATUS_BYE] = "BYE",
    [IMAP_STATUS_PREAUTH] = "PREAUTH",
};

/* Appends s as TEXT-CHARs; in a response code "]" is replaced too. */
static int
append_text(struct buf *out, const char *s, bool in_code)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!imap_is_text_char(c) || c >= 0x80 || (in_code && c == ']'))
			c = '?';
		if (buf_append_c(out, (char)c) < 0)
			return -1;
	}
	return 0;
}

int
imap_response_status(struct buf *out, const char *tag, enum imap_status status,
		     const char *code, const char *text)
{
	size_t start = out->len;

	if (buf_printf(out, "%s %s ", tag != NULL ? tag : "*",
		       status_names[status]) < 0)
		goto full;
	if (code != NULL && *code != '\0') {
		if (buf_append_c(out, '[') < 0 ||
		    append_text(out, code, true) < 0 ||
		    buf_append_str(out, "] ") < 0)
			goto full;
	}
	if (text == NULL || *text == '\0')
		text = status_names[status];
	if (append_text(out, text, false) < 0 ||
	    buf_append_str(out, "\r\n") < 0)
		goto full;
	return 0;
full:
	buf_truncate(out, start);
	return -1;
}

int
imap_response_continue(struct buf *out, const char *text)
{
	size_t start = out->len;

	if (buf_append_str(out, "+ ") < 0 ||
	    append_text(out, text != NULL && *text != '\0' ? text : "OK",
			false) < 0 ||
	    buf_append_str(out, "\r\n") < 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
imap_response_continue_base64(struct buf *out, const void *data, size_t len)
{
	size_t start = out->len;

	/* continue-req = "+" SP (resp-text / base64) CRLF */
	if (buf_append_str(out, "+ ") < 0 ||
	    base64_encode(data, len, out) < 0 ||
	    buf_append_str(out, "\r\n") < 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}

/* --- capabilities -------------------------------------------------------- */

struct imap_capabilities {
	VEC(char *) names; /* without IMAP4rev1, which is always first */
};

struct imap_capabilities *
imap_capabilities_create(void)
{
	return xcalloc(1, sizeof(struct imap_capabilities));
}

void
imap_capabilities_destroy(struct imap_capabilities **capsp)
{
	struct imap_capabilities *caps = *capsp;

	if (caps == NULL)
		return;
	for (size_t i = 0; i < caps->names.n; i++)
		free(caps->names.v[i]);
	vec_free(&caps->names);
	free(caps);
	*capsp = NULL;
}

static long
find_cap(const struct imap_capabilities *caps, const char *name)
{
	for (size_t i = 0; i < caps->names.n; i++) {
		if (str_eq_icase(caps->names.v[i], name))
			return (long)i;
	}
	return -1;
}

bool
imap_capabilities_has(const struct imap_capabilities *caps, const char *name)
{
	return str_eq_icase(name, "IMAP4rev1") || find_cap(caps, name) >= 0;
}

static bool
is_capability_syntax(const char *name)
{
	if (*name == '\0')
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		if (!imap_is_atom_char((unsigned char)*p))
			return false;
	}
	return true;
}

int
imap_capabilities_add(struct imap_capabilities *caps, const char *name)
{
	/* "AUTH=PLAIN" is an atom too: "=" is an ATOM-CHAR */
	if (!is_capability_syntax(name))
		return -1;
	if ((str_eq_icase(name, "LITERAL+") &&
	     imap_capabilities_has(caps, "LITERAL-")) ||
	    (str_eq_icase(name, "LITERAL-") &&
	     imap_capabilities_has(caps, "LITERAL+")))
		return -1;
	if (!imap_capabilities_has(caps, name))
		vec_push(&caps->names, xstrdup(name));
	return 0;
}

void
imap_capabilities_remove(struct imap_capabilities *caps, const char *name)
{
	long i = find_cap(caps, name);

	if (i < 0)
		return;
	free(caps->names.v[i]);
	vec_delete(&caps->names, (size_t)i);
}

int
imap_capabilities_append(const struct imap_capabilities *caps, struct buf *out)
{
	size_t start = out->len;

	/* RFC 3501 section 9: capability-data must list IMAP4rev1 */
	if (buf_append_str(out, "IMAP4rev1") < 0)
		goto full;
	for (size_t i = 0; i < caps->names.n; i++) {
		if (buf_append_c(out, ' ') < 0 ||
		    buf_append_str(out, caps->names.v[i]) < 0)
			goto full;
	}
	return 0;
full:
	buf_truncate(out, start);
	return -1;
}

int
imap_response_capability(struct buf *out, const struct imap_capabilities *caps)
{
	size_t start = out->len;

	if (buf_append_str(out, "* CAPABILITY ") < 0 ||
	    imap_capabilities_append(caps, out) < 0 ||
	    buf_append_str(out, "\r\n") < 0) {
		buf_truncate(out, start);
		return -1;
	}
	return 0;
}
