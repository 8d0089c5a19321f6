/* SPDX-License-Identifier: MIT */
/* Mailbox names: wire form (modified UTF-7 or UTF-8) <-> internal UTF-8. */
#include "proto/imap/imap-mailbox.h"
#include "proto/imap/imap-quote.h"
#include "proto/imap/imap-utf7.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <stdint.h>

/* RFC 6855 section 3 / RFC 5198 section 2 */
static bool
is_valid_name(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == 0x2028 || cp == 0x2029)
			return false;
		i += n;
	}
	return true;
}

/* RFC 3501 section 5.1: INBOX is case-insensitive. */
static void
canonicalise_inbox(uint8_t *p, size_t len, char sep)
{
	if (len >= 5 && mem_eq_icase(p, "INBOX", 5) &&
	    (len == 5 || p[5] == (uint8_t)sep)) {
		for (size_t i = 0; i < 5; i++)
			p[i] = (uint8_t)ascii_toupper((char)p[i]);
	}
}

int
imap_mailbox_decode(const char *name, size_t len, bool utf8, char sep,
		    struct buf *out, const char **error_r)
{
	size_t start = out->len;

	if (utf8) {
		if (buf_append(out, name, len) < 0)
			goto full;
	} else if (imap_utf7_to_utf8(name, len, out) < 0) {
		if (!imap_utf7_is_valid(name, len)) {
			*error_r = "Mailbox name is not valid modified UTF-7";
			return -1;
		}
		goto full;
	}
	if (out->len == start)
		return 0; /* empty; out->data may still be NULL */
	if (!is_valid_name(out->data + start, out->len - start)) {
		buf_truncate(out, start);
		*error_r = "Mailbox name contains invalid characters";
		return -1;
	}
	canonicalise_inbox(out->data + start, out->len - start, sep);
	return 0;
full:
	buf_truncate(out, start);
	*error_r = "Mailbox name too long";
	return -1;
}

int
imap_mailbox_append(struct buf *out, const char *name, size_t len, bool utf8)
{
	struct buf wire = BUF_INIT;
	int ret;

	if (utf8) {
		if (!utf8_valid(name, len))
			return -1;
		return imap_append_astring(out, name, len, IMAP_QUOTE_UTF8);
	}
	if (imap_utf7_is_plain(name, len))
		return imap_append_astring(out, name, len, 0);
	if (imap_utf8_to_utf7(name, len, &wire) < 0) {
		buf_free(&wire);
		return -1;
	}
	ret = imap_append_astring(out, wire.data, wire.len, 0);
	buf_free(&wire);
	return ret;
}
