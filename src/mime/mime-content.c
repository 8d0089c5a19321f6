/* SPDX-License-Identifier: MIT */
/* Content-Type / Content-Disposition values and RFC 2231 parameters. */
#include "mime/mime-content.h"

#include "lib/buf.h"
#include "lib/str.h"
#include "lib/strnum.h"
#include "lib/vec.h"
#include "mime/mime-charset.h"
#include "mime/mime-lex.h"
#include "mime/mime-rfc2047.h"

#include <stdio.h>
#include <string.h>

/* A parameter as it was written, before RFC 2231 joining. */
struct raw_param {
	char *name;
	char *value;
	size_t base_len; /* name length before '*', or 0 if plain */
	unsigned int section; /* continuation number */
	bool continuation;    /* "name*N" or "name*N*" */
	bool extended;	      /* ends in '*' */
	bool used;
};

static bool
is_value_end(int c)
{
	return c == -1 || c == ';' || c == ' ' || c == '\t' || c == '\r' ||
	       c == '\n' || c == '"';
}

static void
classify(struct raw_param *p)
{
	const char *star = strchr(p->name, '*');
	const char *rest;
	uint64_t n;
	size_t digits;

	if (star == NULL || star == p->name)
		return;
	rest = star + 1;
	if (*rest == '\0') {
		p->base_len = (size_t)(star - p->name);
		p->extended = true;
		return;
	}
	digits = mem_to_u64(rest, strlen(rest), MIME_CONTENT_MAX_SECTION, &n);
	if (digits == 0 || (rest[digits] != '\0' &&
			    strcmp(rest + digits, "*") != 0))
		return; /* not RFC 2231: an odd but plain name */
	p->base_len = (size_t)(star - p->name);
	p->section = (unsigned int)n;
	p->continuation = true;
	p->extended = rest[digits] == '*';
}

typedef VEC(struct raw_param) raw_param_vec;

/* Reads "; attribute = value" pairs until the end. */
static void
parse_params(struct pool *pool, struct mime_lex *lx, raw_param_vec *raw)
{
	struct buf value = BUF_INIT;

	for (;;) {
		const uint8_t *name, *p;
		size_t name_len;

		mime_lex_skip_cfws(lx);
		if (mime_lex_eof(lx))
			break;
		if (mime_lex_peek(lx) != ';') {
			/* garbage: resynchronise at the next ';' */
			p = memchr(lx->p, ';', (size_t)(lx->end - lx->p));
			if (p == NULL)
				break;
			lx->p = p;
		}
		lx->p++;
		mime_lex_skip_cfws(lx);
		if (!mime_lex_token(lx, &name, &name_len))
			continue;
		mime_lex_skip_cfws(lx);
		if (mime_lex_peek(lx) != '=')
			continue;
		lx->p++;
		mime_lex_skip_cfws(lx);
		buf_clear(&value);
		if (!mime_lex_quoted(lx, &value)) {
			/* RFC 2045 wants a token; real mail has unquoted
			   '=', '/', '(' and 8-bit bytes in values. */
			p = lx->p;
			while (!is_value_end(mime_lex_peek(lx)))
				lx->p++;
			buf_append(&value, p, (size_t)(lx->p - p));
		}
		if (raw->n == MIME_CONTENT_MAX_PARAMS)
			continue;
		struct raw_param *rp = vec_push_new(raw);

		rp->name = pool_strndup(pool, (const char *)name, name_len);
		rp->value = pool_strndup(pool, buf_cstr(&value), value.len);
		classify(rp);
	}
	buf_free(&value);
}

static bool
same_base(const struct raw_param *a, const struct raw_param *b)
{
	return a->base_len == b->base_len &&
	       mem_eq_icase(a->name, b->name, a->base_len);
}

/* Appends a plain segment to an extended value: '%' must not be read as
   an escape there. */
static void
append_escaped(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			buf_append_str(b, "%25");
		else
			buf_append_c(b, *s);
	}
}

/* Joins the continuations of the group starting at raw[first]. */
static struct mime_param
join_group(struct pool *pool, struct raw_param *raw, unsigned int n,
	   unsigned int first)
{
	struct mime_param out;
	struct buf value = BUF_INIT;
	bool extended = false;
	unsigned int want;
	const struct raw_param *segs[MIME_CONTENT_MAX_PARAMS];
	unsigned int n_segs = 0;

	/* sections in order from the lowest, while they are consecutive;
	   the first occurrence of a number wins */
	want = raw[first].section;
	for (unsigned int i = first; i < n; i++) {
		if (raw[i].continuation && same_base(&raw[i], &raw[first]) &&
		    raw[i].section < want)
			want = raw[i].section;
	}
	for (bool found = true; found; want++) {
		found = false;
		for (unsigned int i = first; i < n && !found; i++) {
			if (raw[i].continuation && !raw[i].used &&
			    raw[i].section == want &&
			    same_base(&raw[i], &raw[first])) {
				raw[i].used = true;
				segs[n_segs++] = &raw[i];
				extended |= raw[i].extended;
				found = true;
			}
		}
	}
	for (unsigned int i = first; i < n; i++) {
		if (raw[i].continuation && same_base(&raw[i], &raw[first]))
			raw[i].used = true; /* duplicates and gaps: dropped */
	}
	if (extended && !segs[0]->extended)
		buf_append_str(&value, "''"); /* no charset, no language */
	for (unsigned int i = 0; i < n_segs; i++) {
		if (extended && !segs[i]->extended)
			append_escaped(&value, segs[i]->value);
		else
			buf_append_str(&value, segs[i]->value);
	}
	out.name = pool_printf(pool, "%.*s%s", (int)raw[first].base_len,
			       raw[first].name, extended ? "*" : "");
	out.value = pool_strndup(pool, buf_cstr(&value), value.len);
	buf_free(&value);
	return out;
}

static void
join_params(struct pool *pool, struct raw_param *raw, unsigned int n,
	    struct mime_content *out)
{
	unsigned int count = 0;

	out->params = pool_alloc_array(pool, n == 0 ? 1 : n,
				       sizeof(*out->params));
	for (unsigned int i = 0; i < n; i++) {
		if (raw[i].base_len == 0) {
			out->params[count].name = raw[i].name;
			out->params[count++].value = raw[i].value;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		if (raw[i].base_len == 0 || raw[i].used)
			continue;
		if (!raw[i].continuation) {
			out->params[count].name = raw[i].name;
			out->params[count++].value = raw[i].value;
			continue;
		}
		out->params[count++] = join_group(pool, raw, n, i);
	}
	out->n_params = count;
}

bool
mime_content_parse(struct pool *pool, const void *value, size_t len,
		   bool with_subtype, struct mime_content *out)
{
	raw_param_vec raw = VEC_INIT;
	struct mime_lex lx;
	const uint8_t *type, *subtype = NULL;
	size_t type_len, subtype_len = 0;
	bool valid;

	memset(out, 0, sizeof(*out));
	mime_lex_init(&lx, value, len);
	mime_lex_skip_cfws(&lx);
	valid = mime_lex_token(&lx, &type, &type_len);
	if (valid && with_subtype) {
		mime_lex_skip_cfws(&lx);
		valid = mime_lex_peek(&lx) == '/';
		if (valid) {
			lx.p++;
			mime_lex_skip_cfws(&lx);
			valid = mime_lex_token(&lx, &subtype, &subtype_len);
		}
	}
	if (valid) {
		out->type = pool_strndup(pool, (const char *)type, type_len);
		if (with_subtype)
			out->subtype = pool_strndup(pool,
						    (const char *)subtype,
						    subtype_len);
	}
	parse_params(pool, &lx, &raw);
	join_params(pool, raw.v, (unsigned int)raw.n, out);
	vec_free(&raw);
	return valid;
}

const char *
mime_content_param(const struct mime_content *c, const char *name)
{
	for (unsigned int i = 0; i < c->n_params; i++) {
		if (str_eq_icase(c->params[i].name, name))
			return c->params[i].value;
	}
	return NULL;
}

/* A pool copy of b with each NUL written as U+FFFD. */
static char *
pool_text(struct pool *pool, const struct buf *b)
{
	struct buf tmp = BUF_INIT;
	char *s;

	if (b->len == 0)
		return pool_strdup(pool, "");
	if (memchr(b->data, '\0', b->len) == NULL)
		return pool_strndup(pool, (const char *)b->data, b->len);
	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\0')
			buf_append_str(&tmp, "\xef\xbf\xbd");
		else
			buf_append_c(&tmp, (char)b->data[i]);
	}
	s = pool_strndup(pool, buf_cstr(&tmp), tmp.len);
	buf_free(&tmp);
	return s;
}

static int
hex_digit(char c)
{
	if (ascii_isdigit(c))
		return c - '0';
	c = ascii_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *
mime_content_rfc2231_decode(struct pool *pool, const char *value)
{
	const char *q1 = strchr(value, '\''), *q2 = NULL, *text = value;
	char charset[MIME_CHARSET_NAME_MAX + 1] = "";
	struct buf bytes = BUF_INIT, utf8 = BUF_INIT;
	char *result;

	if (q1 != NULL)
		q2 = strchr(q1 + 1, '\'');
	if (q2 != NULL) {
		if ((size_t)(q1 - value) <= MIME_CHARSET_NAME_MAX) {
			memcpy(charset, value, (size_t)(q1 - value));
			charset[q1 - value] = '\0';
		}
		text = q2 + 1;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if (p[0] == '%' && hex_digit(p[1]) >= 0 &&
		    hex_digit(p[2]) >= 0) {
			buf_append_c(&bytes, (char)(hex_digit(p[1]) << 4 |
						    hex_digit(p[2])));
			p += 2;
		} else {
			buf_append_c(&bytes, *p);
		}
	}
	mime_charset_to_utf8(charset, bytes.data, bytes.len, &utf8);
	result = pool_text(pool, &utf8);
	buf_free(&bytes);
	buf_free(&utf8);
	return result;
}

const char *
mime_content_param_decode(struct pool *pool, const struct mime_content *c,
			  const char *name)
{
	char ext[128];
	const char *v;
	struct buf utf8 = BUF_INIT;
	char *result;

	if ((size_t)snprintf(ext, sizeof(ext), "%s*", name) < sizeof(ext) &&
	    (v = mime_content_param(c, ext)) != NULL)
		return mime_content_rfc2231_decode(pool, v);
	v = mime_content_param(c, name);
	if (v == NULL)
		return NULL;
	mime_rfc2047_decode(v, strlen(v), &utf8);
	result = pool_text(pool, &utf8);
	buf_free(&utf8);
	return result;
}
