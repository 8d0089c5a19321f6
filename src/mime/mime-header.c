/* SPDX-License-Identifier: MIT */
/* Header block iteration, unfolding and field subsets. */
#include "mime/mime-header.h"

#include "lib/str.h"

#include <string.h>

void
mime_header_iter_init(struct mime_header_iter *it, const void *hdr,
		      size_t len)
{
	it->data = hdr;
	it->len = len;
	it->pos = 0;
	it->blank_line = NULL;
	it->blank_line_len = 0;
}

/* Length of the line at pos including its LF (or to the end). */
static size_t
line_len(const uint8_t *data, size_t len, size_t pos)
{
	const uint8_t *nl = memchr(data + pos, '\n', len - pos);

	return nl == NULL ? len - pos : (size_t)(nl - (data + pos)) + 1;
}

static bool
is_blank_line(const uint8_t *line, size_t len)
{
	return (len == 1 && line[0] == '\n') ||
	       (len == 2 && line[0] == '\r' && line[1] == '\n');
}

/* Length without the final LF or CRLF. */
static size_t
strip_eol(const uint8_t *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n') {
		len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
	}
	return len;
}

bool
mime_header_line_is_field(const uint8_t *line, size_t len,
			  size_t *name_len_r, size_t *value_start_r)
{
	const uint8_t *colon = memchr(line, ':', len);
	size_t name_len;

	if (colon == NULL)
		return false;
	name_len = (size_t)(colon - line);
	while (name_len > 0 &&
	       (line[name_len - 1] == ' ' || line[name_len - 1] == '\t'))
		name_len--;
	if (name_len == 0)
		return false;
	/* RFC 5322 section 3.6.8: ftext = %d33-57 / %d59-126 */
	for (size_t i = 0; i < name_len; i++) {
		if (line[i] < 33 || line[i] > 126)
			return false;
	}
	*name_len_r = name_len;
	*value_start_r = (size_t)(colon - line) + 1;
	return true;
}

bool
mime_header_iter_next(struct mime_header_iter *it,
		      struct mime_header_field *field_r)
{
	if (it->pos < it->len) {
		const uint8_t *line = it->data + it->pos;
		size_t n = line_len(it->data, it->len, it->pos);
		size_t name_len, value_start, end;
		bool field;

		if (is_blank_line(line, n)) {
			it->blank_line = line;
			it->blank_line_len = n;
			it->pos = it->len;
			return false;
		}
		field = line[0] != ' ' && line[0] != '\t' &&
			mime_header_line_is_field(line, n, &name_len,
						  &value_start);
		/* the field (or the junk line) extends over its
		   continuation lines */
		end = it->pos + n;
		while (end < it->len &&
		       (it->data[end] == ' ' || it->data[end] == '\t'))
			end += line_len(it->data, it->len, end);
		it->pos = end;
		if (!field) {
			name_len = 0;
			value_start = 0;
		}
		field_r->name = line;
		field_r->name_len = name_len;
		field_r->raw = line;
		field_r->raw_len = (size_t)(it->data + end - line);
		field_r->value = line + value_start;
		field_r->value_len = strip_eol(line, field_r->raw_len) -
				     value_start;
		return true;
	}
	return false;
}

bool
mime_header_name_eq(const void *name, size_t name_len, const char *wanted)
{
	return strlen(wanted) == name_len && mem_eq_icase(name, wanted,
							  name_len);
}

void
mime_header_unfold(const void *value, size_t len, struct buf *out)
{
	const uint8_t *p = value;
	size_t start = out->len, i = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			   p[i] == '\n'))
		i++;
	for (; i < len; i++) {
		if (p[i] == '\n')
			continue;
		if (p[i] == '\r') {
			if (i + 1 < len && p[i + 1] == '\n')
				continue;
			buf_append_c(out, ' ');
		} else if (p[i] == '\0') {
			buf_append_str(out, "\xef\xbf\xbd");
		} else {
			buf_append_c(out, (char)p[i]);
		}
	}
	while (out->len > start && (out->data[out->len - 1] == ' ' ||
				    out->data[out->len - 1] == '\t'))
		out->len--;
}

static bool
name_in_list(const struct mime_header_field *f, const char *const *names,
	     size_t n_names)
{
	if (f->name_len == 0)
		return false;
	for (size_t i = 0; i < n_names; i++) {
		if (mime_header_name_eq(f->name, f->name_len, names[i]))
			return true;
	}
	return false;
}

void
mime_header_filter(const void *hdr, size_t len, const char *const *names,
		   size_t n_names, bool exclude, struct buf *out)
{
	struct mime_header_iter it;
	struct mime_header_field f;

	mime_header_iter_init(&it, hdr, len);
	while (mime_header_iter_next(&it, &f)) {
		if (name_in_list(&f, names, n_names) != exclude)
			buf_append(out, f.raw, f.raw_len);
	}
	if (it.blank_line != NULL)
		buf_append(out, it.blank_line, it.blank_line_len);
}
