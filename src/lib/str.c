/* SPDX-License-Identifier: MIT */
/* String helpers. */
#include "lib/str.h"

#include <stdio.h>
#include <string.h>

size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_has_prefix_icase(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strnlen(s, n) == n && mem_eq_icase(s, prefix, n);
}

bool
str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool
mem_eq_icase(const void *a, const void *b, size_t n)
{
	const char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (ascii_tolower(x[i]) != ascii_tolower(y[i]))
			return false;
	}
	return true;
}

bool
str_eq_icase(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strlen(b) == n && mem_eq_icase(a, b, n);
}

const void *
mem_find_icase(const void *hay, size_t hay_len, const void *needle,
	       size_t needle_len)
{
	const char *h = hay, *nd = needle;

	if (needle_len == 0)
		return hay;
	if (needle_len > hay_len)
		return NULL;
	char first = ascii_tolower(nd[0]);
	for (size_t i = 0; i + needle_len <= hay_len; i++) {
		if (ascii_tolower(h[i]) == first &&
		    mem_eq_icase(h + i + 1, nd + 1, needle_len - 1))
			return h + i;
	}
	return NULL;
}

void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = ascii_tolower(*s);
}

void
str_upper(char *s)
{
	for (; *s != '\0'; s++)
		*s = ascii_toupper(*s);
}

char *
str_trim(char *s)
{
	size_t n;

	while (ascii_isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && ascii_isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int
str_split(char *s, char sep, char **parts, int max)
{
	int n = 0;

	if (max <= 0)
		return 0;
	parts[n++] = s;
	while (n < max && (s = strchr(s, sep)) != NULL) {
		*s++ = '\0';
		parts[n++] = s;
	}
	return n;
}

bool
str_is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

void
str_escape_log(char *dst, size_t size, const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t o = 0;

	if (size == 0)
		return;
	for (size_t i = 0; i < len && o + 5 < size; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			dst[o++] = (char)p[i];
		} else {
			snprintf(dst + o, size - o, "\\x%02x", p[i]);
			o += 4;
		}
	}
	dst[o] = '\0';
}
