/* SPDX-License-Identifier: MIT */
/* Small string helpers. `char *` is always NUL-terminated text. */
#ifndef COFFER_LIB_STR_H
#define COFFER_LIB_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline char
ascii_tolower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}
static inline char
ascii_toupper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - ('a' - 'A')) : c;
}
static inline bool
ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}
static inline bool
ascii_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline bool
ascii_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

/* Copies with truncation, always NUL-terminates (when size > 0).
   Returns strlen(src), so truncation happened if the result >= size. */
size_t str_copy(char *dst, const char *src, size_t size);
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_prefix_icase(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_eq_icase(const char *a, const char *b);
bool mem_eq_icase(const void *a, const void *b, size_t n);
/* Case-insensitive (ASCII) substring search; NULL if not found. */
const void *mem_find_icase(const void *hay, size_t hay_len,
			   const void *needle, size_t needle_len);
void str_lower(char *s);
void str_upper(char *s);
/* Trims ASCII whitespace in place; returns the trimmed start. */
char *str_trim(char *s);
/* Splits s in place at each sep into at most max parts; returns count.
   The last part holds the rest of the string. */
int str_split(char *s, char sep, char **parts, int max);
/* True if every byte is printable ASCII (0x20..0x7e). */
bool str_is_printable_ascii(const char *s);
/* Escapes a string for a log line: control and 8-bit bytes as \xHH.
   Writes at most size bytes into dst (always terminated). */
void str_escape_log(char *dst, size_t size, const void *src, size_t len);

#endif
