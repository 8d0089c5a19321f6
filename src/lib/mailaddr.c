/* SPDX-License-Identifier: MIT */
/* Mail address syntax checks (RFC 5321 section 4.1.2). */
#include "lib/mailaddr.h"
#include "lib/str.h"

#include <string.h>

/* RFC 5322 section 3.2.3: atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" /
   "&" / "'" / "*" / "+" / "-" / "/" / "=" / "?" / "^" / "_" / "`" / "{" /
   "|" / "}" / "~" */
static bool
is_atext(unsigned char c)
{
	return ascii_isalpha(c) || ascii_isdigit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

bool
mailaddr_local_valid(const char *s, size_t len)
{
	bool atom_start = true;

	if (len == 0 || len > MAILADDR_LOCAL_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			/* no empty atoms: no leading, trailing or double dot */
			if (atom_start)
				return false;
			atom_start = true;
		} else if (is_atext(c)) {
			atom_start = false;
		} else {
			return false;
		}
	}
	return !atom_start;
}

bool
mailaddr_domain_valid(const char *s, size_t len)
{
	size_t label_len = 0;

	if (len == 0 || len > MAILADDR_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : '.';

		if (c == '.') {
			/* sub-domain = Let-dig [Ldh-str]: starts and ends with
			   a letter or digit */
			if (label_len == 0 || label_len > MAILADDR_LABEL_MAX ||
			    s[i - 1] == '-')
				return false;
			label_len = 0;
		} else if (ascii_isalpha(c) || ascii_isdigit(c)) {
			label_len++;
		} else if (c == '-' && label_len > 0) {
			label_len++;
		} else {
			return false;
		}
	}
	return true;
}

bool
mailaddr_valid(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);

	if (at == NULL)
		return false;
	return mailaddr_local_valid(s, (size_t)(at - s)) &&
	       mailaddr_domain_valid(at + 1, len - (size_t)(at - s) - 1);
}
