/* SPDX-License-Identifier: MIT */
/* RFC 5322 address-list parsing into IMAP address structures. */
#include "mime/mime-address.h"

#include "lib/str.h"
#include "mime/mime-quote.h"
#include "mime/mime-lex.h"

#include <string.h>

struct addr_parser {
	struct pool *pool;
	struct mime_lex lx;
	struct mime_address *head, **tail;
	unsigned int count;
	bool in_group;
	/* the phrase before '<', ':' or '@', read both ways */
	struct buf display; /* words joined by one space */
	struct buf local;   /* words joined without space (local-part) */
	unsigned int words;
	struct buf tmp;
};

static const char *
pstr(struct addr_parser *ap, struct buf *b)
{
	return pool_strndup(ap->pool, buf_cstr(b), b->len);
}

static struct mime_address *
add(struct addr_parser *ap, const char *name, const char *route,
    const char *mailbox, const char *domain)
{
	struct mime_address *a;

	if (ap->count == MIME_ADDRESS_MAX)
		return NULL;
	a = pool_alloc(ap->pool, sizeof(*a));
	a->name = name;
	a->route = route;
	a->mailbox = mailbox;
	a->domain = domain;
	*ap->tail = a;
	ap->tail = &a->next;
	ap->count++;
	return a;
}

/* obs-phrase / local-part: words (atoms, quoted strings) and dots. */
static void
read_phrase(struct addr_parser *ap)
{
	buf_clear(&ap->display);
	buf_clear(&ap->local);
	ap->words = 0;
	for (;;) {
		mime_lex_skip_cfws(&ap->lx);
		if (mime_lex_peek(&ap->lx) == '.') {
			ap->lx.p++;
			buf_append_c(&ap->display, '.');
			buf_append_c(&ap->local, '.');
			continue;
		}
		buf_clear(&ap->tmp);
		if (!mime_lex_word(&ap->lx, &ap->tmp))
			break;
		if (ap->words > 0)
			buf_append_c(&ap->display, ' ');
		buf_append(&ap->display, ap->tmp.data, ap->tmp.len);
		buf_append(&ap->local, ap->tmp.data, ap->tmp.len);
		ap->words++;
	}
}

static const char *
read_domain(struct addr_parser *ap)
{
	buf_clear(&ap->tmp);
	mime_lex_skip_cfws(&ap->lx);
	if (!mime_lex_domain_literal(&ap->lx, &ap->tmp))
		(void)mime_lex_dot_atom(&ap->lx, &ap->tmp);
	return pstr(ap, &ap->tmp);
}

/* obs-route = obs-domain-list ":" ; returns "@a,@b" or NULL */
static const char *
read_route(struct addr_parser *ap)
{
	struct buf route = BUF_INIT;
	const char *ret = NULL;

	for (;;) {
		mime_lex_skip_cfws(&ap->lx);
		if (mime_lex_peek(&ap->lx) == ',') {
			ap->lx.p++;
			continue;
		}
		if (mime_lex_peek(&ap->lx) != '@')
			break;
		ap->lx.p++;
		if (route.len > 0)
			buf_append_c(&route, ',');
		buf_append_c(&route, '@');
		buf_append_str(&route, read_domain(ap));
	}
	if (mime_lex_peek(&ap->lx) == ':')
		ap->lx.p++;
	if (route.len > 0)
		ret = pstr(ap, &route);
	buf_free(&route);
	return ret;
}

static void
read_angle_addr(struct addr_parser *ap, const char *name)
{
	const char *route = NULL, *mailbox, *domain = "";

	ap->lx.p++; /* '<' */
	mime_lex_skip_cfws(&ap->lx);
	if (mime_lex_peek(&ap->lx) == '@')
		route = read_route(ap);
	read_phrase(ap);
	mailbox = pstr(ap, &ap->local);
	mime_lex_skip_cfws(&ap->lx);
	if (mime_lex_peek(&ap->lx) == '@') {
		ap->lx.p++;
		domain = read_domain(ap);
	}
	/* skip to '>' (or give up at the element end) */
	while (!mime_lex_eof(&ap->lx)) {
		int c = mime_lex_peek(&ap->lx);

		if (c == ',' || c == ';')
			break;
		ap->lx.p++;
		if (c == '>')
			break;
	}
	(void)add(ap, name, route, mailbox, domain);
}

/* The comment text as a display name: white space collapsed. */
static const char *
comment_name(struct addr_parser *ap)
{
	const uint8_t *c = ap->lx.comment;
	size_t len = ap->lx.comment_len;

	buf_clear(&ap->tmp);
	for (size_t i = 0; i < len; i++) {
		bool ws = c[i] == ' ' || c[i] == '\t' || c[i] == '\r' ||
			  c[i] == '\n';

		if (!ws)
			buf_append_c(&ap->tmp, (char)c[i]);
		else if (ap->tmp.len > 0 &&
			 ap->tmp.data[ap->tmp.len - 1] != ' ')
			buf_append_c(&ap->tmp, ' ');
	}
	while (ap->tmp.len > 0 && ap->tmp.data[ap->tmp.len - 1] == ' ')
		ap->tmp.len--;
	return ap->tmp.len == 0 ? NULL : pstr(ap, &ap->tmp);
}

static void
read_addr_spec(struct addr_parser *ap)
{
	const char *mailbox = pstr(ap, &ap->local), *domain, *name;

	ap->lx.p++; /* '@' */
	domain = read_domain(ap);
	ap->lx.comment = NULL;
	mime_lex_skip_cfws(&ap->lx);
	name = ap->lx.comment != NULL ? comment_name(ap) : NULL;
	(void)add(ap, name, NULL, mailbox, domain);
}

static void
end_group(struct addr_parser *ap)
{
	if (ap->in_group)
		(void)add(ap, NULL, NULL, NULL, NULL);
	ap->in_group = false;
}

/* One list element: mailbox, group start, or junk up to the next
   separator. */
static void
read_element(struct addr_parser *ap)
{
	const uint8_t *start = ap->lx.p;
	int c;

	read_phrase(ap);
	c = mime_lex_peek(&ap->lx);
	if (c == '<') {
		read_angle_addr(ap, ap->display.len == 0 ? NULL :
				    pstr(ap, &ap->display));
	} else if (c == ':') {
		ap->lx.p++;
		end_group(ap); /* groups do not nest */
		if (add(ap, NULL, NULL, pstr(ap, &ap->display), NULL) != NULL)
			ap->in_group = true;
		return; /* the members follow */
	} else if (c == '@') {
		read_addr_spec(ap);
	} else if (ap->words > 0) {
		/* a lone word is a local part without domain; several are a
		   display name without an address */
		if (ap->words == 1)
			(void)add(ap, NULL, NULL, pstr(ap, &ap->local), "");
		else
			(void)add(ap, pstr(ap, &ap->display), NULL, "", "");
	}
	/* resynchronise at the next separator */
	while (!mime_lex_eof(&ap->lx)) {
		c = mime_lex_peek(&ap->lx);
		if (c == ',' || c == ';')
			break;
		ap->lx.p++;
	}
	if (ap->lx.p == start && !mime_lex_eof(&ap->lx))
		ap->lx.p++;
}

struct mime_address *
mime_address_parse(struct pool *pool, const void *value, size_t len)
{
	struct addr_parser ap = {
		.pool = pool,
		.display = BUF_INIT,
		.local = BUF_INIT,
		.tmp = BUF_INIT,
	};

	ap.tail = &ap.head;
	mime_lex_init(&ap.lx, value, len);
	for (;;) {
		mime_lex_skip_cfws(&ap.lx);
		if (mime_lex_eof(&ap.lx))
			break;
		switch (mime_lex_peek(&ap.lx)) {
		case ',':
			ap.lx.p++; /* obs-addr-list: empty elements */
			break;
		case ';':
			ap.lx.p++;
			end_group(&ap);
			break;
		default:
			read_element(&ap);
			break;
		}
	}
	end_group(&ap);
	buf_free(&ap.display);
	buf_free(&ap.local);
	buf_free(&ap.tmp);
	return ap.head;
}

/* Display names as humans read them: runs of white space become one
   space, none at the ends; an empty name is NIL. */
static int
write_name(struct buf *out, const char *name)
{
	struct buf tmp = BUF_INIT;
	int ret;

	if (name == NULL)
		return buf_append_str(out, "NIL");
	for (const char *p = name; *p != '\0'; p++) {
		bool ws = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';

		if (!ws)
			buf_append_c(&tmp, *p);
		else if (tmp.len > 0 && tmp.data[tmp.len - 1] != ' ')
			buf_append_c(&tmp, ' ');
	}
	while (tmp.len > 0 && tmp.data[tmp.len - 1] == ' ')
		tmp.len--;
	if (tmp.len == 0)
		ret = buf_append_str(out, "NIL");
	else
		ret = mime_quote_string(out, tmp.data, tmp.len);
	buf_free(&tmp);
	return ret;
}

int
mime_address_write_imap(const struct mime_address *a, struct buf *out)
{
	int ret = 0;

	if (a == NULL)
		return buf_append_str(out, "NIL");
	ret |= buf_append_c(out, '(');
	for (; a != NULL; a = a->next) {
		ret |= buf_append_c(out, '(');
		if (a->domain == NULL) {
			/* RFC 3501 section 7.4.2: group start and end */
			ret |= buf_append_str(out, "NIL NIL ");
			ret |= mime_quote_nstring(out, a->mailbox);
			ret |= buf_append_str(out, " NIL)");
			continue;
		}
		ret |= write_name(out, a->name);
		ret |= buf_append_c(out, ' ');
		ret |= mime_quote_nstring(out, a->route);
		ret |= buf_append_c(out, ' ');
		ret |= mime_quote_nstring(out, a->mailbox[0] == '\0' ?
					   "MISSING_MAILBOX" : a->mailbox);
		ret |= buf_append_c(out, ' ');
		ret |= mime_quote_nstring(out, a->domain[0] == '\0' ?
					   "MISSING_DOMAIN" : a->domain);
		ret |= buf_append_c(out, ')');
	}
	return ret | buf_append_c(out, ')');
}
