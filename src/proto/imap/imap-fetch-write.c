/* SPDX-License-Identifier: MIT */
/* FETCH response item names (RFC 3501 section 7.4.2). */
#include "proto/imap/imap-fetch-parse.h"
#include "proto/imap/imap-quote.h"

#include <inttypes.h>
#include <string.h>

static const char *
simple_name(enum imap_fetch_att att)
{
	switch (att) {
	case IMAP_FETCH_ENVELOPE:
		return "ENVELOPE";
	case IMAP_FETCH_FLAGS:
		return "FLAGS";
	case IMAP_FETCH_INTERNALDATE:
		return "INTERNALDATE";
	case IMAP_FETCH_RFC822:
		return "RFC822";
	case IMAP_FETCH_RFC822_HEADER:
		return "RFC822.HEADER";
	case IMAP_FETCH_RFC822_SIZE:
		return "RFC822.SIZE";
	case IMAP_FETCH_RFC822_TEXT:
		return "RFC822.TEXT";
	case IMAP_FETCH_BODY:
		return "BODY";
	case IMAP_FETCH_BODYSTRUCTURE:
		return "BODYSTRUCTURE";
	case IMAP_FETCH_UID:
		return "UID";
	case IMAP_FETCH_MODSEQ:
		return "MODSEQ";
	case IMAP_FETCH_EMAILID:
		return "EMAILID";
	case IMAP_FETCH_THREADID:
		return "THREADID";
	case IMAP_FETCH_SAVEDATE:
		return "SAVEDATE";
	case IMAP_FETCH_PREVIEW:
		return "PREVIEW";
	case IMAP_FETCH_BODY_SECTION:
		return "BODY";
	case IMAP_FETCH_BINARY:
		return "BINARY";
	case IMAP_FETCH_BINARY_SIZE:
		return "BINARY.SIZE";
	}
	return "?";
}

static const char *
text_name(enum imap_fetch_section_text text)
{
	switch (text) {
	case IMAP_SECTION_ALL:
		return "";
	case IMAP_SECTION_HEADER:
		return "HEADER";
	case IMAP_SECTION_HEADER_FIELDS:
		return "HEADER.FIELDS";
	case IMAP_SECTION_HEADER_FIELDS_NOT:
		return "HEADER.FIELDS.NOT";
	case IMAP_SECTION_TEXT:
		return "TEXT";
	case IMAP_SECTION_MIME:
		return "MIME";
	}
	return "";
}

static int
append_section(struct buf *out, const struct imap_fetch_section *sec)
{
	if (buf_append_c(out, '[') < 0)
		return -1;
	for (size_t i = 0; i < sec->part_count; i++) {
		if (buf_printf(out, "%s%u", i > 0 ? "." : "", sec->parts[i]) <
		    0)
			return -1;
	}
	if (sec->text != IMAP_SECTION_ALL &&
	    buf_printf(out, "%s%s", sec->part_count > 0 ? "." : "",
		       text_name(sec->text)) < 0)
		return -1;
	if (sec->field_count > 0) {
		if (buf_append_str(out, " (") < 0)
			return -1;
		for (size_t i = 0; i < sec->field_count; i++) {
			if ((i > 0 && buf_append_c(out, ' ') < 0) ||
			    imap_append_astring(out, sec->fields[i],
						strlen(sec->fields[i]), 0) < 0)
				return -1;
		}
		if (buf_append_c(out, ')') < 0)
			return -1;
	}
	return buf_append_c(out, ']');
}

int
imap_fetch_item_append_name(struct buf *out, const struct imap_fetch_item *item)
{
	size_t start = out->len;

	if (buf_append_str(out, simple_name(item->att)) < 0)
		goto full;
	switch (item->att) {
	case IMAP_FETCH_BODY_SECTION:
		if (append_section(out, &item->section) < 0)
			goto full;
		/* msg-att-static: "BODY" section ["<" number ">"] */
		if (item->partial &&
		    buf_printf(out, "<%" PRIu64 ">", item->partial_offset) < 0)
			goto full;
		break;
	case IMAP_FETCH_BINARY:
	case IMAP_FETCH_BINARY_SIZE:
		/* RFC 3516 section 7: "BINARY" section-binary */
		if (append_section(out, &item->section) < 0)
			goto full;
		break;
	default:
		break;
	}
	return 0;
full:
	buf_truncate(out, start);
	return -1;
}
