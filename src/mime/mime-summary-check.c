/* SPDX-License-Identifier: MIT */
/* Validation of decoded summary blobs: nothing from disk is trusted. */
#include "mime/mime-summary-private.h"

#include "lib/mem.h"
#include "lib/str.h"

#include <stdlib.h>
#include <string.h>

#define CONTAINER(f)                                                          \
	(((f) & (MIME_PART_MULTIPART | MIME_PART_MESSAGE)) != 0 &&            \
	 ((f) & MIME_PART_OPAQUE) == 0)

static bool
flags_valid(uint32_t f)
{
	if ((f & MIME_PART_MULTIPART) != 0 && (f & MIME_PART_MESSAGE) != 0)
		return false;
	if ((f & MIME_PART_GLOBAL) != 0 && (f & MIME_PART_MESSAGE) == 0)
		return false;
	if ((f & MIME_PART_TEXT) != 0 &&
	    (f & (MIME_PART_MULTIPART | MIME_PART_MESSAGE)) != 0)
		return false;
	return true;
}

/* End of the part's body; false on overflow or beyond limit. */
static bool
part_ranges(struct mime_summary_part *p, uint64_t limit, uint64_t *end_r)
{
	if (p->header_size > limit || p->header_offset > limit - p->header_size)
		return false;
	p->body_offset = p->header_offset + p->header_size;
	if (p->body_size > limit || p->body_offset > limit - p->body_size)
		return false;
	*end_r = p->body_offset + p->body_size;
	return p->body_lines <= p->body_size;
}

static bool
child_valid(struct mime_summary *s, uint32_t i, uint32_t *last_child)
{
	struct mime_summary_part *p = &s->parts[i], *par;
	uint64_t end, par_end;

	par = &s->parts[p->parent];
	if (!CONTAINER(par->flags))
		return false;
	par_end = par->body_offset + par->body_size;
	if (!part_ranges(p, par_end, &end) ||
	    p->header_offset < par->body_offset)
		return false;
	if ((par->flags & MIME_PART_MESSAGE) != 0) {
		/* the embedded message: the one child, starting the body */
		if (par->n_children != 0 ||
		    p->header_offset != par->body_offset ||
		    (p->flags & MIME_PART_ROOT) == 0)
			return false;
	} else if ((p->flags & MIME_PART_ROOT) != 0) {
		return false;
	}
	if (par->first_child == MIME_SUMMARY_NONE) {
		par->first_child = i;
	} else {
		struct mime_summary_part *prev;

		prev = &s->parts[last_child[p->parent]];

		if (p->header_offset < prev->body_offset + prev->body_size)
			return false;
		prev->next_sibling = i;
	}
	last_child[p->parent] = i;
	par->n_children++;
	return true;
}

bool
mime_summary__tree_valid(struct mime_summary *s)
{
	uint32_t *last_child;
	uint64_t end;
	bool ok = true;

	last_child = xcalloc(s->part_count, sizeof(*last_child));
	for (uint32_t i = 0; i < s->part_count && ok; i++) {
		struct mime_summary_part *p = &s->parts[i];

		ok = flags_valid(p->flags) && p->content_type != NULL &&
		     strchr(p->content_type, '/') != NULL;
		if (!ok)
			break;
		if (i == 0)
			ok = p->header_offset == 0 &&
			     (p->flags & MIME_PART_ROOT) != 0 &&
			     part_ranges(p, s->message_size, &end);
		else
			ok = child_valid(s, i, last_child);
	}
	for (uint32_t i = 0; i < s->part_count && ok; i++) {
		const struct mime_summary_part *p = &s->parts[i];

		if (CONTAINER(p->flags) &&
		    (p->flags & MIME_PART_MESSAGE) != 0 && p->n_children != 1)
			ok = false;
	}
	free(last_child);
	return ok;
}

/* quoted = DQUOTE *QUOTED-CHAR DQUOTE; returns the length or 0 */
static size_t
quoted_len(const uint8_t *s, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if (s[i] == '"')
			return i + 1;
		if (s[i] == '\\') {
			if (i + 1 >= len ||
			    (s[i + 1] != '"' && s[i + 1] != '\\'))
				return 0;
			i++;
		} else if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n' ||
			   s[i] >= 0x80) {
			return 0;
		}
	}
	return 0;
}

/* literal = "{" number "}" CRLF *CHAR8 */
static size_t
literal_len(const uint8_t *s, size_t len)
{
	uint64_t n = 0;
	size_t i = 1;

	while (i < len && ascii_isdigit(s[i]) && i < 12)
		n = n * 10 + (uint64_t)(s[i++] - '0');
	if (i == 1 || i + 3 > len || s[i] != '}' || s[i + 1] != '\r' ||
	    s[i + 2] != '\n' || n > len - (i + 3) ||
	    memchr(s + i + 3, '\0', n) != NULL)
		return 0;
	return i + 3 + n;
}

/* NIL or number */
static size_t
atom_len(const uint8_t *s, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(s, "NIL", 3) == 0)
		i = 3;
	else
		while (i < len && i < 20 && ascii_isdigit(s[i]))
			i++;
	if (i < len && s[i] != ' ' && s[i] != ')' && s[i] != '(')
		return 0;
	return i;
}

bool
mime_summary__imap_value_valid(const char *str, size_t len)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t pos = 0, n;
	unsigned int depth = 0;
	bool expect_value = true;

	if (len == 0 || s[0] != '(')
		return false;
	while (pos < len) {
		uint8_t c = s[pos];

		if (c == '(') {
			/* a value, or a body part right after another */
			if (!expect_value && s[pos - 1] != ')')
				return false;
			depth++;
			pos++;
			if (pos < len && s[pos] == ')')
				return false; /* "()" is never written */
			expect_value = true;
			continue;
		}
		if (!expect_value) {
			if (c == ' ') {
				expect_value = true;
			} else if (c == ')') {
				if (--depth == 0)
					return pos + 1 == len;
			} else {
				return false;
			}
			pos++;
			continue;
		}
		if (depth == 0)
			return false;
		n = c == '"' ? quoted_len(s + pos, len - pos) :
		    c == '{' ? literal_len(s + pos, len - pos) :
			       atom_len(s + pos, len - pos);
		if (n == 0)
			return false;
		pos += n;
		expect_value = false;
	}
	return false;
}
