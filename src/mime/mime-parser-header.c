/* SPDX-License-Identifier: MIT */
/* The parser's header handling: storing the fields IMAP needs and
   interpreting them when a part's header ends. */
#include "mime/mime-parser-private.h"

#include "lib/str.h"
#include "mime/mime-header.h"
#include "mime/mime-lex.h"

#include <string.h>

static const char *const field_names[FIELD_COUNT] = {
	[FIELD_CONTENT_TYPE] = "Content-Type",
	[FIELD_CONTENT_TRANSFER_ENCODING] = "Content-Transfer-Encoding",
	[FIELD_CONTENT_ID] = "Content-ID",
	[FIELD_CONTENT_DESCRIPTION] = "Content-Description",
	[FIELD_CONTENT_DISPOSITION] = "Content-Disposition",
	[FIELD_CONTENT_LANGUAGE] = "Content-Language",
	[FIELD_CONTENT_LOCATION] = "Content-Location",
	[FIELD_CONTENT_MD5] = "Content-MD5",
	[FIELD_DATE] = "Date",
	[FIELD_SUBJECT] = "Subject",
	[FIELD_FROM] = "From",
	[FIELD_SENDER] = "Sender",
	[FIELD_REPLY_TO] = "Reply-To",
	[FIELD_TO] = "To",
	[FIELD_CC] = "Cc",
	[FIELD_BCC] = "Bcc",
	[FIELD_IN_REPLY_TO] = "In-Reply-To",
	[FIELD_MESSAGE_ID] = "Message-ID",
};

static int
lookup_field(const uint8_t *name, size_t len)
{
	for (int i = 0; i < FIELD_COUNT; i++) {
		if (mime_header_name_eq(name, len, field_names[i]))
			return i;
	}
	return -1;
}

static bool
is_address_field(int f)
{
	return f == FIELD_FROM || f == FIELD_SENDER || f == FIELD_REPLY_TO ||
	       f == FIELD_TO || f == FIELD_CC || f == FIELD_BCC;
}

static void
store(struct mime_parser *p, const uint8_t *data, size_t len)
{
	size_t room = p->limits.max_header_bytes - p->header_stored;

	room = MIN(room, p->limits.max_total_header_bytes - p->total_stored);
	if (len > room) {
		len = room;
		p->header_overflow = true;
	}
	buf_append(&p->values[p->field], data, len);
	p->header_stored += len;
	p->total_stored += len;
}

static void
note_bytes(struct mime_parser *p, struct mime_part *part, const uint8_t *seg,
	   size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (seg[i] >= 0x80) {
			part->flags |= MIME_PART_HEADER_8BIT;
			p->msg->flags |= MIME_MSG_HEADER_8BIT;
		} else if (seg[i] == '\0') {
			p->msg->flags |= MIME_MSG_HEADER_NUL;
		}
	}
}

/* A new field starts: decide whether and how to keep its value. */
static int
begin_field(struct mime_parser *p, const struct mime_part *part,
	    const uint8_t *name, size_t name_len)
{
	int f = lookup_field(name, name_len);

	if (f < 0)
		return -1;
	if (f >= FIELD_FIRST_ENVELOPE) {
		if ((part->flags & MIME_PART_ROOT) == 0)
			return -1;
		if (is_address_field(f)) {
			/* repeated address fields: one joined list */
			if (p->seen[f]) {
				p->field = f;
				store(p, (const uint8_t *)",", 1);
			}
		} else {
			/* the last occurrence wins */
			p->header_stored -= p->values[f].len;
			p->total_stored -= p->values[f].len;
			buf_clear(&p->values[f]);
		}
	} else if (p->seen[f]) {
		return -1; /* Content-*: the first occurrence wins */
	}
	p->seen[f] = true;
	return f;
}

void
mime_parser__header_segment(struct mime_parser *p, const uint8_t *seg,
			    size_t len, bool line_start)
{
	struct mime_part *part = parser_cur(p)->part;
	size_t name_len, value_start;

	note_bytes(p, part, seg, len);
	if (line_start && seg[0] != ' ' && seg[0] != '\t') {
		p->in_field = true;
		p->field = -1;
		if (!mime_header_line_is_field(seg, len, &name_len,
					       &value_start))
			return; /* junk line, with its continuations */
		p->field = begin_field(p, part, seg, name_len);
		seg += value_start;
		len -= value_start;
	}
	if (p->in_field && p->field >= 0)
		store(p, seg, len);
}

/* Unfolded value of a stored field as a pool string, NULL if absent. */
static const char *
value(struct mime_parser *p, enum mime_field f)
{
	struct buf tmp = BUF_INIT;
	const char *s;

	if (!p->seen[f])
		return NULL;
	mime_header_unfold(p->values[f].data == NULL ? (const uint8_t *)"" :
			   p->values[f].data, p->values[f].len, &tmp);
	s = pool_strndup(p->pool, tmp.len == 0 ? "" : buf_cstr(&tmp),
			 tmp.len);
	buf_free(&tmp);
	return s;
}

static void
set_content_type(struct mime_parser *p, struct mime_part *part)
{
	const char *v = value(p, FIELD_CONTENT_TYPE);
	const struct mime_part *parent = part->parent;
	const char *type, *subtype;

	if (v != NULL && mime_content_parse(p->pool, v, strlen(v), true,
					    &part->content)) {
		type = part->content.type;
		subtype = part->content.subtype;
	} else {
		if (v != NULL)
			p->msg->flags |= MIME_MSG_MALFORMED;
		memset(&part->content, 0, sizeof(part->content));
		part->flags |= MIME_PART_DEFAULT_TYPE;
		/* RFC 2046 section 5.1.5: in a digest the default is
		   message/rfc822; RFC 2045 section 5.2: otherwise text/plain
		   (the us-ascii charset is added when writing). */
		if (v == NULL && parent != NULL &&
		    (parent->flags & MIME_PART_MULTIPART) != 0 &&
		    str_eq_icase(parent->content.subtype, "digest")) {
			type = "message";
			subtype = "rfc822";
		} else {
			type = "text";
			subtype = "plain";
		}
		part->content.type = type;
		part->content.subtype = subtype;
	}
	if (str_eq_icase(type, "text"))
		part->flags |= MIME_PART_TEXT;
	else if (str_eq_icase(type, "multipart"))
		part->flags |= MIME_PART_MULTIPART;
	else if (str_eq_icase(type, "message") &&
		 (str_eq_icase(subtype, "rfc822") ||
		  str_eq_icase(subtype, "global"))) {
		part->flags |= MIME_PART_MESSAGE;
		if (str_eq_icase(subtype, "global"))
			part->flags |= MIME_PART_GLOBAL;
	}
}

static void
set_encoding(struct mime_parser *p, struct mime_part *part)
{
	const char *v = value(p, FIELD_CONTENT_TRANSFER_ENCODING);
	struct mime_lex lx;
	const uint8_t *tok;
	size_t len;

	part->encoding = MIME_ENC_7BIT;
	if (v == NULL)
		return;
	mime_lex_init(&lx, v, strlen(v));
	mime_lex_skip_cfws(&lx);
	if (!mime_lex_token(&lx, &tok, &len))
		return;
	part->encoding_name = pool_strndup(p->pool, (const char *)tok, len);
	part->encoding = mime_encoding_parse(tok, len);
}

static void
set_languages(struct mime_parser *p, struct mime_part *part)
{
	const char *v = value(p, FIELD_CONTENT_LANGUAGE);
	VEC(const char *) langs = VEC_INIT;
	struct mime_lex lx;
	const uint8_t *tok;
	size_t len;

	if (v == NULL)
		return;
	/* RFC 3282: Language-List = Language-Tag [CFWS] *("," [CFWS]
	   Language-Tag [CFWS]) */
	mime_lex_init(&lx, v, strlen(v));
	for (;;) {
		mime_lex_skip_cfws(&lx);
		if (mime_lex_eof(&lx))
			break;
		if (mime_lex_token(&lx, &tok, &len))
			vec_push(&langs, pool_strndup(p->pool,
						      (const char *)tok, len));
		else
			lx.p++; /* ',' or junk */
	}
	if (langs.n > 0) {
		part->languages = pool_memdup(p->pool, langs.v,
					      langs.n * sizeof(*langs.v));
		part->n_languages = (unsigned int)langs.n;
	}
	vec_free(&langs);
}

static void
set_envelope(struct mime_parser *p, struct mime_part *part)
{
	struct mime_envelope *env = pool_alloc(p->pool, sizeof(*env));

	env->date = value(p, FIELD_DATE);
	env->subject = value(p, FIELD_SUBJECT);
	env->from = value(p, FIELD_FROM);
	env->sender = value(p, FIELD_SENDER);
	env->reply_to = value(p, FIELD_REPLY_TO);
	env->to = value(p, FIELD_TO);
	env->cc = value(p, FIELD_CC);
	env->bcc = value(p, FIELD_BCC);
	env->in_reply_to = value(p, FIELD_IN_REPLY_TO);
	env->message_id = value(p, FIELD_MESSAGE_ID);
	part->envelope = env;
}

void
mime_parser__header_finish(struct mime_parser *p, struct mime_part *part)
{
	const char *v;

	set_content_type(p, part);
	set_encoding(p, part);
	part->id = value(p, FIELD_CONTENT_ID);
	part->description = value(p, FIELD_CONTENT_DESCRIPTION);
	part->md5 = value(p, FIELD_CONTENT_MD5);
	part->location = value(p, FIELD_CONTENT_LOCATION);
	v = value(p, FIELD_CONTENT_DISPOSITION);
	if (v != NULL && !mime_content_parse(p->pool, v, strlen(v), false,
					     &part->disposition))
		memset(&part->disposition, 0, sizeof(part->disposition));
	set_languages(p, part);
	if ((part->flags & MIME_PART_ROOT) != 0)
		set_envelope(p, part);
	if (p->header_overflow)
		p->msg->flags |= MIME_MSG_MALFORMED;

	for (int i = 0; i < FIELD_COUNT; i++) {
		buf_clear(&p->values[i]);
		p->seen[i] = false;
	}
	p->field = -1;
	p->in_field = false;
	p->header_stored = 0;
	p->header_overflow = false;
}

void
mime_parser__header_deinit(struct mime_parser *p)
{
	for (int i = 0; i < FIELD_COUNT; i++)
		buf_free(&p->values[i]);
}
