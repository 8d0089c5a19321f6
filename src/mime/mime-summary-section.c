/* SPDX-License-Identifier: MIT */
/* Section lookup in a summary (RFC 3501 section 6.4.5). */
#include "mime/mime-summary.h"

#include "lib/str.h"

static bool
is_container(const struct mime_summary_part *p, uint32_t type)
{
	return (p->flags & type) != 0 && (p->flags & MIME_PART_OPAQUE) == 0;
}

static uint32_t
nth_child(const struct mime_summary *s, uint32_t parent, uint32_t n)
{
	uint32_t i = s->parts[parent].first_child;

	while (i != MIME_SUMMARY_NONE && --n > 0)
		i = s->parts[i].next_sibling;
	return i;
}

/* One step down the numbering: part number n below node (depth = how
   many numbers were consumed before). */
static uint32_t
step(const struct mime_summary *s, uint32_t node, unsigned int depth,
     uint32_t n)
{
	const struct mime_summary_part *p = &s->parts[node];
	uint32_t child;

	if (is_container(p, MIME_PART_MULTIPART))
		return nth_child(s, node, n);
	/* "Non-[MIME-IMB] messages, and non-multipart [MIME-IMB] messages
	   with no encapsulated message, only have a part 1." */
	if (depth == 0)
		return n == 1 ? node : MIME_SUMMARY_NONE;
	if (!is_container(p, MIME_PART_MESSAGE))
		return MIME_SUMMARY_NONE;
	/* "A part of type MESSAGE/RFC822 also has nested part numbers,
	   referring to parts of the MESSAGE part's body." */
	child = p->first_child;
	if (is_container(&s->parts[child], MIME_PART_MULTIPART))
		return nth_child(s, child, n);
	return n == 1 ? child : MIME_SUMMARY_NONE;
}

int
mime_summary_find_section(const struct mime_summary *s, const char *path,
			  enum mime_section_kind kind, uint64_t *offset_r,
			  uint64_t *size_r,
			  const struct mime_summary_part **part_r)
{
	const struct mime_summary_part *p;
	uint32_t node = 0;
	unsigned int depth = 0;
	const char *c = path;

	/* section-part = nz-number *("." nz-number) */
	while (*c != '\0') {
		uint64_t n = 0;

		if (depth > 0 && *c++ != '.')
			return -1;
		if (!ascii_isdigit(*c) || *c == '0')
			return -1;
		while (ascii_isdigit(*c)) {
			n = n * 10 + (uint64_t)(*c++ - '0');
			if (n > UINT32_MAX)
				return -1;
		}
		if (node != MIME_SUMMARY_NONE)
			node = step(s, node, depth, (uint32_t)n);
		depth++;
	}
	if (node == MIME_SUMMARY_NONE)
		return 0;
	p = &s->parts[node];
	switch (kind) {
	case MIME_SECTION_WHOLE:
		if (depth == 0) {
			*offset_r = 0;
			*size_r = s->message_size;
		} else {
			*offset_r = p->body_offset;
			*size_r = p->body_size;
		}
		break;
	case MIME_SECTION_MIME:
		if (depth == 0)
			return 0;
		*offset_r = p->header_offset;
		*size_r = p->header_size;
		break;
	case MIME_SECTION_HEADER:
	case MIME_SECTION_TEXT:
		/* the message itself, or the one embedded in a message part */
		if (depth > 0) {
			if (!is_container(p, MIME_PART_MESSAGE))
				return 0;
			node = p->first_child;
			p = &s->parts[node];
		}
		if (kind == MIME_SECTION_HEADER) {
			*offset_r = p->header_offset;
			*size_r = p->header_size;
		} else {
			*offset_r = p->body_offset;
			*size_r = p->body_size;
		}
		break;
	}
	if (part_r != NULL)
		*part_r = p;
	return 1;
}
