/* SPDX-License-Identifier: MIT */
/* FETCH data items, sections, partials and modifiers. */
#include "proto/imap/imap-fetch-parse.h"
#include "proto/imap/imap-ext.h"
#include "proto/imap/imap-flags.h"
#include "lib/str.h"

#include <string.h>

/* RFC 5322 line length bounds a field name */
#define HEADER_NAME_MAX 998

struct fetch_ctx {
	struct pool *pool;
	struct imap_fetch_request *req;
	size_t items_max;
	const char *error;
};

struct cursor {
	const struct imap_arg *args;
	size_t count;
	size_t pos;
};

static int
fail(struct fetch_ctx *ctx, const char *error)
{
	ctx->error = error;
	return -1;
}

static struct imap_fetch_item *
new_item(struct fetch_ctx *ctx, enum imap_fetch_att att, uint32_t ext)
{
	struct imap_fetch_request *req = ctx->req;
	struct imap_fetch_item *item;

	if (req->count == ctx->items_max) {
		/* grow: only macros expand one argument into several items */
		struct imap_fetch_item *items = pool_alloc_array(
		    ctx->pool, ctx->items_max * 2, sizeof(*items));

		memcpy(items, req->items, req->count * sizeof(*items));
		req->items = items;
		ctx->items_max *= 2;
	}
	item = &req->items[req->count++];
	item->att = att;
	item->ext = ext;
	req->ext |= ext;
	/* RFC 3501 section 6.4.5: these set \Seen */
	if (att == IMAP_FETCH_RFC822 || att == IMAP_FETCH_RFC822_TEXT)
		req->sets_seen = true;
	return item;
}

/* Items without a section. */
static const struct {
	const char *name;
	enum imap_fetch_att att;
	uint32_t ext;
} simple_atts[] = {
    {"ENVELOPE", IMAP_FETCH_ENVELOPE, 0},
    {"FLAGS", IMAP_FETCH_FLAGS, 0},
    {"INTERNALDATE", IMAP_FETCH_INTERNALDATE, 0},
    {"RFC822", IMAP_FETCH_RFC822, 0},
    {"RFC822.HEADER", IMAP_FETCH_RFC822_HEADER, 0},
    {"RFC822.SIZE", IMAP_FETCH_RFC822_SIZE, 0},
    {"RFC822.TEXT", IMAP_FETCH_RFC822_TEXT, 0},
    {"BODY", IMAP_FETCH_BODY, 0},
    {"BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE, 0},
    {"UID", IMAP_FETCH_UID, 0},
    {"MODSEQ", IMAP_FETCH_MODSEQ, IMAP_EXT_CONDSTORE},
    {"EMAILID", IMAP_FETCH_EMAILID, IMAP_EXT_OBJECTID},
    {"THREADID", IMAP_FETCH_THREADID, IMAP_EXT_OBJECTID},
    {"SAVEDATE", IMAP_FETCH_SAVEDATE, IMAP_EXT_SAVEDATE},
    {"PREVIEW", IMAP_FETCH_PREVIEW, IMAP_EXT_PREVIEW},
};

/* Items with a section: name "[" ... */
static const struct {
	const char *name;
	enum imap_fetch_att att;
	bool peek;
	uint32_t ext;
} section_atts[] = {
    {"BODY", IMAP_FETCH_BODY_SECTION, false, 0},
    {"BODY.PEEK", IMAP_FETCH_BODY_SECTION, true, 0},
    {"BINARY", IMAP_FETCH_BINARY, false, IMAP_EXT_BINARY},
    {"BINARY.PEEK", IMAP_FETCH_BINARY, true, IMAP_EXT_BINARY},
    {"BINARY.SIZE", IMAP_FETCH_BINARY_SIZE, false, IMAP_EXT_BINARY},
};

static bool
word_equals(const char *s, size_t len, const char *upper)
{
	return len == strlen(upper) && mem_eq_icase(s, upper, len);
}

/* nz-number at s: no leading zero, 32-bit. Returns bytes used or 0. */
static size_t
parse_nz_number(const char *s, size_t len, uint32_t *value_r)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || s[0] < '1' || s[0] > '9')
		return 0;
	for (i = 0; i < len && ascii_isdigit(s[i]); i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	*value_r = (uint32_t)v;
	return i;
}

/* number = 1*DIGIT, 32-bit; leading zeros are legal. */
static size_t
parse_number(const char *s, size_t len, uint32_t *value_r)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && ascii_isdigit(s[i]); i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return 0;
	}
	*value_r = (uint32_t)v;
	return i;
}

/* section-part = nz-number *("." nz-number); stops before a "." that is
   not followed by a digit. Returns bytes used. */
static int
parse_parts(struct fetch_ctx *ctx, const char *s, size_t len,
	    struct imap_fetch_section *sec, size_t *used_r)
{
	uint32_t parts[IMAP_FETCH_MAX_PARTS];
	size_t pos = 0, n = 0;

	while (pos < len && ascii_isdigit(s[pos])) {
		size_t k;

		if (n == IMAP_FETCH_MAX_PARTS)
			return fail(ctx, "Section part nested too deeply");
		k = parse_nz_number(s + pos, len - pos, &parts[n]);
		if (k == 0)
			return fail(ctx, "Invalid section part number");
		n++;
		pos += k;
		if (pos + 1 < len && s[pos] == '.' && ascii_isdigit(s[pos + 1]))
			pos++;
		else
			break;
	}
	sec->parts = pool_memdup(ctx->pool, parts, n * sizeof(parts[0]));
	sec->part_count = n;
	*used_r = pos;
	return 0;
}

/* Parses the section-spec text between "[" and "]" (or the end of the
   atom when the bracket stays open for a header list). */
static int
parse_section_text(struct fetch_ctx *ctx, const char *s, size_t len,
		   bool binary, struct imap_fetch_section *sec)
{
	size_t pos;

	if (parse_parts(ctx, s, len, sec, &pos) < 0)
		return -1;
	sec->text = IMAP_SECTION_ALL;
	if (pos == len)
		return 0;
	/* RFC 3516 section 7: section-binary = "[" [section-part] "]" */
	if (binary)
		return fail(ctx, "Invalid BINARY section");
	if (sec->part_count > 0) {
		if (s[pos] != '.')
			return fail(ctx, "Invalid section");
		pos++;
	}
	s += pos;
	len -= pos;
	if (word_equals(s, len, "HEADER"))
		sec->text = IMAP_SECTION_HEADER;
	else if (word_equals(s, len, "HEADER.FIELDS"))
		sec->text = IMAP_SECTION_HEADER_FIELDS;
	else if (word_equals(s, len, "HEADER.FIELDS.NOT"))
		sec->text = IMAP_SECTION_HEADER_FIELDS_NOT;
	else if (word_equals(s, len, "TEXT"))
		sec->text = IMAP_SECTION_TEXT;
	else if (word_equals(s, len, "MIME") && sec->part_count > 0)
		sec->text = IMAP_SECTION_MIME; /* section-text only */
	else
		return fail(ctx, "Invalid section");
	return 0;
}

/* header-list = "(" header-fld-name *(SP header-fld-name) ")" */
static int
parse_header_list(struct fetch_ctx *ctx, const struct imap_arg *arg,
		  struct imap_fetch_section *sec)
{
	const struct imap_arg *list;
	const char **fields;
	size_t count;

	if (arg == NULL || !imap_arg_get_list(arg, &list, &count) || count == 0)
		return fail(ctx, "Header field list expected");
	fields = pool_alloc_array(ctx->pool, count, sizeof(*fields));
	for (size_t i = 0; i < count; i++) {
		const char *name;
		size_t len;

		if (!imap_arg_get_astring(&list[i], &name, &len) || len == 0 ||
		    len > HEADER_NAME_MAX)
			return fail(ctx, "Invalid header field name");
		/* RFC 5322 section 3.6.8: ftext = %d33-57 / %d59-126 */
		for (size_t j = 0; j < len; j++) {
			unsigned char c = (unsigned char)name[j];

			if (c < 33 || c > 126 || c == ':')
				return fail(ctx, "Invalid header field name");
		}
		fields[i] = name;
	}
	sec->fields = fields;
	sec->field_count = count;
	return 0;
}

/* Parses what follows "]": [ "<" number "." nz-number ">" ] */
static int
parse_partial(struct fetch_ctx *ctx, const char *s, size_t len,
	      struct imap_fetch_item *item)
{
	uint32_t offset, count;
	size_t pos = 1, n;

	if (len == 0)
		return 0;
	if (item->att == IMAP_FETCH_BINARY_SIZE)
		return fail(ctx, "BINARY.SIZE takes no partial");
	if (s[0] != '<')
		return fail(ctx, "Invalid partial");
	n = parse_number(s + pos, len - pos, &offset);
	if (n == 0)
		return fail(ctx, "Invalid partial");
	pos += n;
	if (pos == len || s[pos++] != '.')
		return fail(ctx, "Invalid partial");
	n = parse_nz_number(s + pos, len - pos, &count);
	if (n == 0)
		return fail(ctx, "Invalid partial");
	pos += n;
	if (pos + 1 != len || s[pos] != '>')
		return fail(ctx, "Invalid partial");
	item->partial = true;
	item->partial_offset = offset;
	item->partial_count = count;
	return 0;
}

/* An item with a section: atom "NAME[spec]<p>" or, for HEADER.FIELDS,
   atom "NAME[...HEADER.FIELDS" + header list + atom "]<p>". */
static int
parse_section_att(struct fetch_ctx *ctx, struct cursor *cur, const char *s,
		  size_t len, const char *bracket)
{
	size_t name_len = (size_t)(bracket - s);
	const char *spec = bracket + 1, *close, *tail;
	struct imap_fetch_item *item = NULL;
	size_t i, tail_len;

	for (i = 0; i < N_ELEMENTS(section_atts); i++) {
		if (word_equals(s, name_len, section_atts[i].name))
			break;
	}
	if (i == N_ELEMENTS(section_atts))
		return fail(ctx, "Unknown FETCH item");
	item = new_item(ctx, section_atts[i].att, section_atts[i].ext);
	item->peek = section_atts[i].peek;
	/* RFC 3501 section 6.4.5 BODY[], RFC 3516 section 4.2 BINARY[]:
	   only the .PEEK forms leave \Seen alone */
	if (item->att != IMAP_FETCH_BINARY_SIZE && !item->peek)
		ctx->req->sets_seen = true;
	close = memchr(spec, ']', len - (size_t)(spec - s));
	if (close != NULL) {
		if (parse_section_text(ctx, spec, (size_t)(close - spec),
				       item->att != IMAP_FETCH_BODY_SECTION,
				       &item->section) < 0)
			return -1;
		if (item->section.text == IMAP_SECTION_HEADER_FIELDS ||
		    item->section.text == IMAP_SECTION_HEADER_FIELDS_NOT)
			return fail(ctx, "Header field list expected");
		tail = close + 1;
		tail_len = len - (size_t)(tail - s);
	} else {
		const struct imap_arg *list, *end;

		if (parse_section_text(ctx, spec, len - (size_t)(spec - s),
				       item->att != IMAP_FETCH_BODY_SECTION,
				       &item->section) < 0)
			return -1;
		if (item->section.text != IMAP_SECTION_HEADER_FIELDS &&
		    item->section.text != IMAP_SECTION_HEADER_FIELDS_NOT)
			return fail(ctx, "Missing ']'");
		list = cur->pos < cur->count ? &cur->args[cur->pos++] : NULL;
		if (parse_header_list(ctx, list, &item->section) < 0)
			return -1;
		end = cur->pos < cur->count ? &cur->args[cur->pos++] : NULL;
		if (end == NULL || end->type != IMAP_ARG_ATOM ||
		    (end->flags & IMAP_ARG_FLAG_NO_SP) == 0)
			return fail(ctx, "Missing ']'");
		tail = end->u.str + 1;
		tail_len = end->len - 1;
	}
	return parse_partial(ctx, tail, tail_len, item);
}

/* PREVIEW [SP "(" preview-mod *(SP preview-mod) ")"] (RFC 8970 section
   6): a following list made only of preview-mods belongs to PREVIEW. */
static void
parse_preview_mods(struct cursor *cur, struct imap_fetch_item *item)
{
	const struct imap_arg *list;
	size_t count;

	if (cur->pos == cur->count ||
	    !imap_arg_get_list(&cur->args[cur->pos], &list, &count) ||
	    count == 0)
		return;
	for (size_t i = 0; i < count; i++) {
		if (!imap_arg_atom_equals(&list[i], "LAZY"))
			return;
	}
	item->preview_lazy = true;
	cur->pos++;
}

static int
parse_att(struct fetch_ctx *ctx, struct cursor *cur)
{
	const struct imap_arg *arg = &cur->args[cur->pos++];
	const char *bracket;

	if (arg->type != IMAP_ARG_ATOM ||
	    (arg->flags & ~IMAP_ARG_FLAG_BRACKET) != 0)
		return fail(ctx, "Invalid FETCH item");
	bracket = memchr(arg->u.str, '[', arg->len);
	if (bracket != NULL)
		return parse_section_att(ctx, cur, arg->u.str, arg->len,
					 bracket);
	for (size_t i = 0; i < N_ELEMENTS(simple_atts); i++) {
		struct imap_fetch_item *item;

		if (!imap_arg_atom_equals(arg, simple_atts[i].name))
			continue;
		item = new_item(ctx, simple_atts[i].att, simple_atts[i].ext);
		if (item->att == IMAP_FETCH_PREVIEW)
			parse_preview_mods(cur, item);
		return 0;
	}
	return fail(ctx, "Unknown FETCH item");
}

/* RFC 3501 section 6.4.5 macros */
static bool
expand_macro(struct fetch_ctx *ctx, const struct imap_arg *arg)
{
	static const enum imap_fetch_att all[] = {
	    IMAP_FETCH_FLAGS,	    IMAP_FETCH_INTERNALDATE,
	    IMAP_FETCH_RFC822_SIZE, IMAP_FETCH_ENVELOPE,
	    IMAP_FETCH_BODY,
	};
	size_t n;

	if (imap_arg_atom_equals(arg, "FAST"))
		n = 3;
	else if (imap_arg_atom_equals(arg, "ALL"))
		n = 4;
	else if (imap_arg_atom_equals(arg, "FULL"))
		n = 5;
	else
		return false;
	for (size_t i = 0; i < n; i++)
		new_item(ctx, all[i], 0);
	return true;
}

/* fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")" */
static int
parse_modifiers(struct fetch_ctx *ctx, const struct imap_arg *arg, bool uid)
{
	struct imap_fetch_request *req = ctx->req;
	const struct imap_arg *mods;
	size_t count;

	if (!imap_arg_get_list(arg, &mods, &count) || count == 0)
		return fail(ctx, "Invalid FETCH modifiers");
	for (size_t i = 0; i < count; i++) {
		if (imap_arg_atom_equals(&mods[i], "CHANGEDSINCE") &&
		    !req->changedsince_set) {
			/* chgsince-fetch-mod = "CHANGEDSINCE" SP
			   mod-sequence-value: not 0 */
			if (i + 1 == count ||
			    !imap_arg_get_modseq(&mods[++i], false,
						 &req->changedsince))
				return fail(ctx, "Invalid CHANGEDSINCE value");
			req->changedsince_set = true;
			req->ext |= IMAP_EXT_CONDSTORE;
		} else if (imap_arg_atom_equals(&mods[i], "VANISHED") &&
			   !req->vanished) {
			/* rexpunges-fetch-mod: only in UID FETCH */
			if (!uid)
				return fail(ctx, "VANISHED needs UID FETCH");
			req->vanished = true;
			req->ext |= IMAP_EXT_QRESYNC;
		} else {
			return fail(ctx, "Unknown or repeated FETCH modifier");
		}
	}
	/* RFC 7162 section 3.2.6 */
	if (req->vanished && !req->changedsince_set)
		return fail(ctx, "VANISHED needs CHANGEDSINCE");
	return 0;
}

static int
parse_items(struct fetch_ctx *ctx, struct cursor *cur)
{
	const struct imap_arg *arg = &cur->args[cur->pos];
	const struct imap_arg *list;
	size_t count;

	if (imap_arg_get_list(arg, &list, &count)) {
		struct cursor sub = {list, count, 0};

		cur->pos++;
		if (count == 0)
			return fail(ctx, "Empty FETCH item list");
		while (sub.pos < sub.count) {
			if (parse_att(ctx, &sub) < 0)
				return -1;
		}
		return 0;
	}
	if (expand_macro(ctx, arg)) {
		cur->pos++;
		return 0;
	}
	return parse_att(ctx, cur);
}

int
imap_fetch_parse(struct pool *pool, const struct imap_arg *args, size_t count,
		 bool uid, struct imap_fetch_request **req_r,
		 const char **error_r)
{
	struct fetch_ctx ctx = {.pool = pool};
	struct cursor cur = {args, count, 0};

	ctx.req = pool_alloc(pool, sizeof(*ctx.req));
	/* each item takes an argument of its list; a macro gives five */
	ctx.items_max =
	    count > 0 && args[0].type == IMAP_ARG_LIST ? args[0].len + 1 : 5;
	ctx.req->items = pool_alloc_array(pool, ctx.items_max,
					  sizeof(struct imap_fetch_item));
	if (count == 0) {
		*error_r = "Missing FETCH items";
		return -1;
	}
	if (parse_items(&ctx, &cur) < 0)
		goto bad;
	if (cur.pos < count && parse_modifiers(&ctx, &args[cur.pos++], uid) < 0)
		goto bad;
	if (cur.pos < count) {
		ctx.error = "Unexpected FETCH arguments";
		goto bad;
	}
	*req_r = ctx.req;
	return 0;
bad:
	*error_r = ctx.error;
	return -1;
}
