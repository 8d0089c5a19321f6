/* SPDX-License-Identifier: MIT */
/* SEARCH text matching over a streamed message and its summary. */
#include "mime/mime-search.h"

#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/vec.h"
#include "mime/mime-casemap.h"
#include "mime/mime-charset.h"
#include "mime/mime-decode.h"
#include "mime/mime-header.h"
#include "mime/mime-rfc2047.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Body bytes decoded per round, bounding the work buffers. */
#define BODY_PIECE 8192
#define FIELD_NAME_MAX 256

struct search_key {
	enum mime_search_type type;
	char *field;
	uint8_t *needle; /* canonical form */
	size_t len;
};

struct mime_search {
	struct search_key keys[MIME_SEARCH_MAX_KEYS];
	unsigned int n_keys;
};

enum region_kind {
	REGION_TOP_HEADER, /* the message's own header */
	REGION_HEADER,	   /* the header of an embedded message */
	REGION_TEXT,	   /* the body of a text/ leaf part */
};

struct region {
	uint64_t start, end;
	enum region_kind kind;
	enum mime_encoding encoding;
	const char *charset;
};

struct mime_search_ctx {
	const struct mime_search *s;
	VEC(struct region) regions;
	size_t cur;
	bool region_open;
	uint64_t offset;
	uint64_t matched;
	uint64_t all_keys, header_keys;
	/* per key: the last len-1 canonical bytes of the current body */
	uint8_t *carry[MIME_SEARCH_MAX_KEYS];
	size_t carry_len[MIME_SEARCH_MAX_KEYS];
	/* body region */
	struct mime_decoder dec;
	struct mime_charset *cs;
	struct buf decoded, utf8, canon;
	/* header region */
	struct buf field;
	bool line_start;
	struct buf value, text;
};

struct mime_search *
mime_search_create(void)
{
	return xcalloc(1, sizeof(struct mime_search));
}

void
mime_search_destroy(struct mime_search **sp)
{
	struct mime_search *s = *sp;

	if (s == NULL)
		return;
	for (unsigned int i = 0; i < s->n_keys; i++) {
		free(s->keys[i].field);
		free(s->keys[i].needle);
	}
	free(s);
	*sp = NULL;
}

int
mime_search_add(struct mime_search *s, enum mime_search_type type,
		const char *field, const void *needle, size_t len,
		struct err *err)
{
	struct search_key *k;
	struct buf canon = BUF_INIT;
	size_t name_len, value_start;

	if (s->n_keys == MIME_SEARCH_MAX_KEYS)
		return err_set(err, ERR_LIMIT, "too many search keys");
	if (type == MIME_SEARCH_HEADER) {
		char line[FIELD_NAME_MAX + 2];

		/* a valid field name is what "name:" would accept */
		if (field == NULL || strlen(field) > FIELD_NAME_MAX ||
		    strchr(field, ':') != NULL)
			return err_set(err, ERR_PARAMS, "bad header name");
		snprintf(line, sizeof(line), "%s:", field);
		if (!mime_header_line_is_field((const uint8_t *)line,
					       strlen(line), &name_len,
					       &value_start) ||
		    name_len != strlen(field))
			return err_set(err, ERR_PARAMS, "bad header name");
	}
	/* the canonical form is at least 2/3 of the input (3-byte code
	   points with 2-byte titlecase forms shrink the most) */
	if (len > MIME_SEARCH_NEEDLE_MAX / 2 * 3)
		return err_set(err, ERR_LIMIT, "search string too long");
	mime_casemap_append(needle, len, &canon);
	if (canon.len > MIME_SEARCH_NEEDLE_MAX) {
		buf_free(&canon);
		return err_set(err, ERR_LIMIT, "search string too long");
	}
	k = &s->keys[s->n_keys];
	k->type = type;
	k->field = type == MIME_SEARCH_HEADER ? xstrdup(field) : NULL;
	k->len = canon.len;
	k->needle = xmemdup(canon.len == 0 ? (const uint8_t *)"" : canon.data,
			    canon.len == 0 ? 1 : canon.len);
	buf_free(&canon);
	return (int)s->n_keys++;
}

/* --- matching --------------------------------------------------------- */

static void
match_key(struct mime_search_ctx *ctx, unsigned int i, const uint8_t *data,
	  size_t len)
{
	const struct search_key *k = &ctx->s->keys[i];

	if (k->len == 0 || (len > 0 && memmem(data, len, k->needle,
					      k->len) != NULL))
		ctx->matched |= 1ull << i;
}

/* Searches a body stream block, including matches that straddle the
   previous block. */
static void
match_stream(struct mime_search_ctx *ctx, unsigned int i,
	     const uint8_t *data, size_t len)
{
	const struct search_key *k = &ctx->s->keys[i];
	uint8_t *carry = ctx->carry[i];
	size_t *clen = &ctx->carry_len[i], keep, n = k->len;

	if (n == 0 || len == 0)
		return; /* empty needles matched at the start */
	if (n == 1) {
		match_key(ctx, i, data, len); /* nothing can straddle */
		return;
	}
	if (*clen > 0) {
		uint8_t tmp[2 * MIME_SEARCH_NEEDLE_MAX];
		size_t take = MIN(len, n - 1);

		memcpy(tmp, carry, *clen);
		memcpy(tmp + *clen, data, take);
		if (memmem(tmp, *clen + take, k->needle, n) != NULL) {
			ctx->matched |= 1ull << i;
			return;
		}
	}
	match_key(ctx, i, data, len);
	if (len >= n - 1) {
		memcpy(carry, data + len - (n - 1), n - 1);
		*clen = n - 1;
	} else {
		keep = MIN(*clen, n - 1 - len);
		memmove(carry, carry + *clen - keep, keep);
		memcpy(carry + keep, data, len);
		*clen = keep + len;
	}
}

static bool
key_applies(const struct search_key *k, enum region_kind kind)
{
	switch (kind) {
	case REGION_TOP_HEADER:
		return k->type == MIME_SEARCH_HEADER ||
		       k->type == MIME_SEARCH_TEXT;
	case REGION_HEADER:
	case REGION_TEXT:
		return k->type == MIME_SEARCH_BODY ||
		       k->type == MIME_SEARCH_TEXT;
	}
	return false;
}

/* Matches one decoded field: ctx->text holds "NAME: VALUE" canonical,
   the value starting at value_at. */
static void
match_field(struct mime_search_ctx *ctx, enum region_kind kind,
	    const uint8_t *name, size_t name_len, size_t value_at)
{
	for (unsigned int i = 0; i < ctx->s->n_keys; i++) {
		const struct search_key *k = &ctx->s->keys[i];

		if ((ctx->matched & (1ull << i)) != 0 || !key_applies(k, kind))
			continue;
		if (k->type != MIME_SEARCH_HEADER)
			match_key(ctx, i, ctx->text.data, ctx->text.len);
		else if (mime_header_name_eq(name, name_len, k->field))
			match_key(ctx, i, ctx->text.data + value_at,
				  ctx->text.len - value_at);
	}
}

/* One complete header field of a header region. */
static void
field_done(struct mime_search_ctx *ctx, enum region_kind kind)
{
	const uint8_t *f = ctx->field.data;
	size_t name_len, value_start, value_at;

	if (ctx->field.len == 0 || f[0] == ' ' || f[0] == '\t' ||
	    !mime_header_line_is_field(f, ctx->field.len, &name_len,
				       &value_start)) {
		buf_clear(&ctx->field);
		return;
	}
	/* unfold, decode RFC 2047, canonicalise "Name: value" */
	buf_clear(&ctx->value);
	buf_clear(&ctx->text);
	mime_header_unfold(f + value_start, ctx->field.len - value_start,
			   &ctx->text);
	mime_rfc2047_decode(ctx->text.len == 0 ? (const uint8_t *)"" :
			    ctx->text.data, ctx->text.len, &ctx->value);
	buf_clear(&ctx->text);
	mime_casemap_append(f, name_len, &ctx->text);
	buf_append(&ctx->text, ": ", 2);
	value_at = ctx->text.len;
	mime_casemap_append(ctx->value.len == 0 ? (const uint8_t *)"" :
			    ctx->value.data, ctx->value.len, &ctx->text);
	match_field(ctx, kind, f, name_len, value_at);
	buf_clear(&ctx->field);
}

static void
header_feed(struct mime_search_ctx *ctx, enum region_kind kind,
	    const uint8_t *data, size_t len)
{
	while (len > 0) {
		const uint8_t *nl = memchr(data, '\n', len);
		size_t n = nl == NULL ? len : (size_t)(nl - data) + 1;

		if (ctx->line_start && data[0] != ' ' && data[0] != '\t')
			field_done(ctx, kind);
		/* beyond the limit a field is matched on its start only */
		buf_append(&ctx->field, data,
			   MIN(n, MIME_SEARCH_FIELD_MAX - ctx->field.len));
		ctx->line_start = nl != NULL;
		data += n;
		len -= n;
	}
}

static void
text_block(struct mime_search_ctx *ctx, bool final)
{
	buf_clear(&ctx->utf8);
	mime_charset_convert(ctx->cs, ctx->decoded.data, ctx->decoded.len,
			     &ctx->utf8);
	if (final)
		mime_charset_flush(ctx->cs, &ctx->utf8);
	buf_clear(&ctx->decoded);
	buf_clear(&ctx->canon);
	mime_casemap_append(ctx->utf8.data == NULL ? (const uint8_t *)"" :
			    ctx->utf8.data, ctx->utf8.len, &ctx->canon);
	for (unsigned int i = 0; i < ctx->s->n_keys; i++) {
		if ((ctx->matched & (1ull << i)) == 0 &&
		    key_applies(&ctx->s->keys[i], REGION_TEXT))
			match_stream(ctx, i, ctx->canon.data == NULL ?
					     (const uint8_t *)"" :
					     ctx->canon.data,
				     ctx->canon.len);
	}
}

static void
text_feed(struct mime_search_ctx *ctx, const uint8_t *data, size_t len)
{
	while (len > 0) {
		size_t n = MIN(len, BODY_PIECE);

		mime_decoder_feed(&ctx->dec, data, n, &ctx->decoded);
		text_block(ctx, false);
		data += n;
		len -= n;
	}
}

/* --- regions ---------------------------------------------------------- */

static void
add_region(struct mime_search_ctx *ctx, uint64_t start, uint64_t size,
	   enum region_kind kind, const struct mime_summary_part *part)
{
	struct region *r = vec_push_new(&ctx->regions);

	r->start = start;
	r->end = start + size;
	r->kind = kind;
	r->encoding = part->encoding;
	r->charset = part->charset;
}

/* The parts' header and text ranges in file order (pre-order). */
static void
build_regions(struct mime_search_ctx *ctx, const struct mime_summary *sum)
{
	for (uint32_t i = 0; i < sum->part_count; i++) {
		const struct mime_summary_part *p = &sum->parts[i];

		if ((p->flags & MIME_PART_ROOT) != 0)
			add_region(ctx, p->header_offset, p->header_size,
				   i == 0 ? REGION_TOP_HEADER : REGION_HEADER,
				   p);
		if ((p->flags & MIME_PART_TEXT) != 0)
			add_region(ctx, p->body_offset, p->body_size,
				   REGION_TEXT, p);
	}
}

struct mime_search_ctx *
mime_search_begin(const struct mime_search *s,
		  const struct mime_summary *summary)
{
	struct mime_search_ctx *ctx = xcalloc(1, sizeof(*ctx));

	ctx->s = s;
	for (unsigned int i = 0; i < s->n_keys; i++) {
		const struct search_key *k = &s->keys[i];

		ctx->all_keys |= 1ull << i;
		if (k->type == MIME_SEARCH_HEADER)
			ctx->header_keys |= 1ull << i;
		else if (k->len == 0)
			ctx->matched |= 1ull << i; /* "" is in any text */
		if (k->len > 1)
			ctx->carry[i] = xmalloc(k->len);
	}
	build_regions(ctx, summary);
	return ctx;
}

static void
region_open(struct mime_search_ctx *ctx, const struct region *r)
{
	ctx->region_open = true;
	if (r->kind != REGION_TEXT) {
		ctx->line_start = true;
		buf_clear(&ctx->field);
		return;
	}
	memset(ctx->carry_len, 0, sizeof(ctx->carry_len));
	mime_decoder_init(&ctx->dec, r->encoding);
	ctx->cs = mime_charset_create(r->charset);
}

static void
region_close(struct mime_search_ctx *ctx, const struct region *r)
{
	ctx->region_open = false;
	if (r->kind != REGION_TEXT) {
		field_done(ctx, r->kind);
		return;
	}
	mime_decoder_finish(&ctx->dec, &ctx->decoded);
	text_block(ctx, true);
	mime_charset_destroy(&ctx->cs);
}

/* True when nothing that is left can change the result. */
static bool
decided(const struct mime_search_ctx *ctx)
{
	uint64_t open = ctx->all_keys & ~ctx->matched;

	if (open == 0 || ctx->cur >= ctx->regions.n)
		return true;
	/* only HEADER keys left, and the message header is behind us */
	return (open & ~ctx->header_keys) == 0 &&
	       (ctx->cur > 0 || ctx->regions.v[0].kind != REGION_TOP_HEADER);
}

int
mime_search_feed(struct mime_search_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *d = data;

	while (!decided(ctx)) {
		const struct region *r = &ctx->regions.v[ctx->cur];
		size_t n;

		if (ctx->offset > r->end) {
			/* overlapping ranges (not from our parser): skip */
			if (ctx->region_open)
				region_close(ctx, r);
			ctx->cur++;
			continue;
		}
		if (ctx->offset < r->start) {
			if (len == 0)
				break;
			n = (size_t)MIN((uint64_t)len, r->start - ctx->offset);
		} else {
			if (!ctx->region_open)
				region_open(ctx, r);
			n = (size_t)MIN((uint64_t)len, r->end - ctx->offset);
			if (r->kind == REGION_TEXT)
				text_feed(ctx, d, n);
			else
				header_feed(ctx, r->kind, d, n);
			if (ctx->offset + n == r->end) {
				region_close(ctx, r);
				ctx->cur++;
			} else if (n == 0) {
				break;
			}
		}
		ctx->offset += n;
		d += n;
		len -= n;
	}
	return decided(ctx) ? 1 : 0;
}

uint64_t
mime_search_end(struct mime_search_ctx **ctxp)
{
	struct mime_search_ctx *ctx = *ctxp;
	uint64_t matched = ctx->matched;

	if (ctx->region_open)
		region_close(ctx, &ctx->regions.v[ctx->cur]);
	matched = ctx->matched;
	mime_charset_destroy(&ctx->cs);
	for (unsigned int i = 0; i < MIME_SEARCH_MAX_KEYS; i++)
		free(ctx->carry[i]);
	vec_free(&ctx->regions);
	buf_free(&ctx->decoded);
	buf_free(&ctx->utf8);
	buf_free(&ctx->canon);
	buf_free(&ctx->field);
	buf_free(&ctx->value);
	buf_free(&ctx->text);
	free(ctx);
	*ctxp = NULL;
	return matched;
}

uint64_t
mime_search_message(const struct mime_search *s,
		    const struct mime_summary *summary, const void *data,
		    size_t len)
{
	struct mime_search_ctx *ctx = mime_search_begin(s, summary);

	(void)mime_search_feed(ctx, data, len);
	return mime_search_end(&ctx);
}
