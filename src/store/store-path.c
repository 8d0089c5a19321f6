/* SPDX-License-Identifier: MIT */
/* Safe, injective mapping of names to path components. */
#include "store/store-path.h"

#include <string.h>

static bool
keep_byte(unsigned char c, bool first)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	if (c == '.')
		return !first;
	return strchr("_+,=@-", c) != NULL && c != '\0';
}

int
store_path_encode_component(const void *name, size_t len, struct buf *out,
			    struct err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = name;
	size_t start = out->len;

	if (len == 0)
		return buf_append_c(out, '%') < 0 ?
			err_set(err, ERR_LIMIT, "path buffer full") : 0;
	for (size_t i = 0; i < len; i++) {
		if (keep_byte(p[i], i == 0)) {
			if (buf_append_c(out, (char)p[i]) < 0)
				goto full;
		} else {
			char esc[3] = { '%', hex[p[i] >> 4], hex[p[i] & 15] };

			if (buf_append(out, esc, 3) < 0)
				goto full;
		}
		if (out->len - start > STORE_PATH_COMPONENT_MAX) {
			buf_truncate(out, start);
			return err_set(err, ERR_PARAMS, "name too long");
		}
	}
	return 0;
full:
	buf_truncate(out, start);
	return err_set(err, ERR_LIMIT, "path buffer full");
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
store_path_decode_component(const char *s, struct buf *out)
{
	size_t len = strlen(s);

	if (strcmp(s, "%") == 0)
		return 0;
	if (len == 0 || s[0] == '.')
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hi < 0 ? -1 : hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			/* only bytes that must be escaped may be escaped */
			if (keep_byte(c, i == 0))
				return -1;
			i += 2;
		} else if (!keep_byte(c, i == 0)) {
			return -1;
		}
		if (buf_append_c(out, (char)c) < 0)
			return -1;
	}
	return 0;
}

int
store_account_dir(const char *userdir, const char *userid, struct buf *out,
		  struct err *err)
{
	const char *at = strrchr(userid, '@');

	if (at == NULL || at == userid || at[1] == '\0')
		return err_set(err, ERR_PARAMS, "not a canonical userid: %s",
			       userid);
	if (buf_append_str(out, userdir) < 0 || buf_append_c(out, '/') < 0)
		return err_set(err, ERR_LIMIT, "path too long");
	if (store_path_encode_component(at + 1, strlen(at + 1), out, err) < 0)
		return -1;
	if (buf_append_c(out, '/') < 0)
		return err_set(err, ERR_LIMIT, "path too long");
	return store_path_encode_component(userid, (size_t)(at - userid), out,
					   err);
}
