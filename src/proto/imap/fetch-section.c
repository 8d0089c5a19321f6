/* SPDX-License-Identifier: MIT */
/* Body sections of FETCH as byte ranges of the message (fetch-section.h). */
#include "proto/imap/fetch-section.h"
#include "lib/hash.h"
#include "lib/mem.h"
#include "lib/panic.h"
#include "mime/mime-header.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Name lists up to this length are searched linearly. */
#define NAMES_LINEAR_MAX 8
/* "4294967295." per part number, at most IMAP_FETCH_MAX_PARTS of them */
#define PATH_MAX_LEN (IMAP_FETCH_MAX_PARTS * 11 + 1)

void
fetch_ranges_clear(struct fetch_ranges *r)
{
	r->n = 0;
	r->total = 0;
}

void
fetch_ranges_free(struct fetch_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void
fetch_ranges_add(struct fetch_ranges *r, uint64_t offset, uint64_t size)
{
	if (size == 0)
		return;
	r->total += size;
	if (r->n > 0 && r->v[r->n - 1].offset + r->v[r->n - 1].size == offset) {
		r->v[r->n - 1].size += size;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 4 : r->cap * 2;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	r->v[r->n].offset = offset;
	r->v[r->n].size = size;
	r->n++;
}

void
fetch_ranges_window(struct fetch_ranges *r, uint64_t origin, uint64_t count)
{
	size_t out = 0;
	uint64_t pos = 0, end, total = 0;

	/* origin and count are 32-bit values (RFC 3501 section 9
	   "number", "nz-number"): no overflow in 64 bits */
	end = origin + count;
	for (size_t i = 0; i < r->n; i++) {
		uint64_t lo = r->v[i].offset, hi = lo + r->v[i].size;
		uint64_t from = pos, to = pos + r->v[i].size;

		pos = to;
		if (to <= origin || from >= end)
			continue;
		if (from < origin)
			lo += origin - from;
		if (to > end)
			hi -= to - end;
		r->v[out].offset = lo;
		r->v[out].size = hi - lo;
		total += hi - lo;
		out++;
	}
	r->n = out;
	r->total = total;
}

bool
fetch_section_is_body(const struct imap_fetch_item *item)
{
	switch (item->att) {
	case IMAP_FETCH_RFC822:
	case IMAP_FETCH_RFC822_HEADER:
	case IMAP_FETCH_RFC822_TEXT:
	case IMAP_FETCH_BODY_SECTION:
		return true;
	default:
		return false;
	}
}

bool
fetch_section_needs_summary(const struct imap_fetch_item *item)
{
	if (item->att == IMAP_FETCH_RFC822)
		return false;
	return item->att != IMAP_FETCH_BODY_SECTION ||
	       item->section.part_count > 0 ||
	       item->section.text != IMAP_SECTION_ALL;
}

bool
fetch_section_is_subset(const struct imap_fetch_item *item)
{
	return item->att == IMAP_FETCH_BODY_SECTION &&
	       (item->section.text == IMAP_SECTION_HEADER_FIELDS ||
		item->section.text == IMAP_SECTION_HEADER_FIELDS_NOT);
}

static enum mime_section_kind
section_kind(enum imap_fetch_section_text text)
{
	switch (text) {
	case IMAP_SECTION_ALL:
		return MIME_SECTION_WHOLE;
	case IMAP_SECTION_HEADER:
	case IMAP_SECTION_HEADER_FIELDS:
	case IMAP_SECTION_HEADER_FIELDS_NOT:
		return MIME_SECTION_HEADER;
	case IMAP_SECTION_TEXT:
		return MIME_SECTION_TEXT;
	case IMAP_SECTION_MIME:
		return MIME_SECTION_MIME;
	}
	return MIME_SECTION_WHOLE;
}

int
fetch_section_locate(const struct mime_summary *sum, uint64_t msg_size,
		     const struct imap_fetch_item *item, uint64_t *offset_r,
		     uint64_t *size_r)
{
	const struct imap_fetch_section *sec = &item->section;
	enum mime_section_kind kind;
	char path[PATH_MAX_LEN];
	size_t len = 0;

	switch (item->att) {
	case IMAP_FETCH_RFC822:
		/* RFC 3501 section 6.4.5: "Functionally equivalent to
		   BODY[]" */
		*offset_r = 0;
		*size_r = msg_size;
		return 1;
	case IMAP_FETCH_RFC822_HEADER:
		kind = MIME_SECTION_HEADER; /* BODY.PEEK[HEADER] */
		break;
	case IMAP_FETCH_RFC822_TEXT:
		kind = MIME_SECTION_TEXT; /* BODY[TEXT] */
		break;
	case IMAP_FETCH_BODY_SECTION:
		if (sec->part_count == 0 && sec->text == IMAP_SECTION_ALL) {
			*offset_r = 0;
			*size_r = msg_size;
			return 1;
		}
		kind = section_kind(sec->text);
		/* the parser bounds the part count, so this fits */
		for (size_t i = 0; i < sec->part_count; i++)
			len += (size_t)snprintf(path + len, sizeof(path) - len,
						"%s%u", i > 0 ? "." : "",
						sec->parts[i]);
		break;
	default:
		return 0;
	}
	path[len] = '\0';
	i_assert(sum != NULL);
	return mime_summary_find_section(sum, path, kind, offset_r, size_r,
					 NULL) == 1
		   ? 1
		   : 0;
}

struct name_set {
	const char *const *names;
	size_t n;
	struct hash hash; /* used above NAMES_LINEAR_MAX names */
	bool hashed;
};

static void
name_set_init(struct name_set *set, const char *const *names, size_t n)
{
	set->names = names;
	set->n = n;
	set->hashed = n > NAMES_LINEAR_MAX;
	if (!set->hashed)
		return;
	hash_init(&set->hash, true);
	for (size_t i = 0; i < n; i++)
		hash_put(&set->hash, names[i], strlen(names[i]),
			 (void *)names[i]);
}

static bool
name_set_has(const struct name_set *set, const uint8_t *name, size_t len)
{
	/* a line that is not a field has no name and never matches */
	if (len == 0)
		return false;
	if (set->hashed)
		return hash_get(&set->hash, name, len) != NULL;
	for (size_t i = 0; i < set->n; i++) {
		if (mime_header_name_eq(name, len, set->names[i]))
			return true;
	}
	return false;
}

void
fetch_section_header_fields(const uint8_t *hdr, size_t len, uint64_t base,
			    const char *const *names, size_t n_names,
			    bool exclude, struct fetch_ranges *out)
{
	struct mime_header_iter it;
	struct mime_header_field f;
	struct name_set set;

	name_set_init(&set, names, n_names);
	mime_header_iter_init(&it, hdr, len);
	while (mime_header_iter_next(&it, &f)) {
		if (name_set_has(&set, f.name, f.name_len) != exclude)
			fetch_ranges_add(out, base + (uint64_t)(f.raw - hdr),
					 f.raw_len);
	}
	/* "the blank line is included in all header fetches, except in the
	   case of a message which has no body and no blank line" */
	if (it.blank_line != NULL)
		fetch_ranges_add(out, base + (uint64_t)(it.blank_line - hdr),
				 it.blank_line_len);
	if (set.hashed)
		hash_free(&set.hash);
}
