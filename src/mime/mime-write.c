/* SPDX-License-Identifier: MIT */
/* ENVELOPE and BODYSTRUCTURE writers (RFC 3501 sections 7.4.2 and 9). */
#include "mime/mime-write.h"

#include "lib/pool.h"
#include "lib/str.h"
#include "mime/mime-quote.h"
#include "mime/mime-address.h"

#include <string.h>

/* What a multipart without parts gets as its only part. */
#define EMPTY_BODY                                                            \
	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0"
#define EMPTY_ENVELOPE "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"

/* Subject as humans read it: white space runs collapsed, ends trimmed. */
static int
write_humane(struct buf *out, const char *s)
{
	struct buf tmp = BUF_INIT;
	int ret;

	if (s == NULL)
		return buf_append_str(out, "NIL");
	for (; *s != '\0'; s++) {
		if (*s != ' ' && *s != '\t')
			buf_append_c(&tmp, *s);
		else if (tmp.len > 0 && tmp.data[tmp.len - 1] != ' ')
			buf_append_c(&tmp, ' ');
	}
	if (tmp.len > 0 && tmp.data[tmp.len - 1] == ' ')
		tmp.len--;
	ret = mime_quote_string(out, tmp.len == 0 ? (const uint8_t *)"" :
				 tmp.data, tmp.len);
	buf_free(&tmp);
	return ret;
}

static struct mime_address *
parse_list(struct pool *pool, const char *value)
{
	return value == NULL ? NULL : mime_address_parse(pool, value,
							 strlen(value));
}

int
mime_write_envelope(const struct mime_envelope *env, struct buf *out)
{
	struct pool *pool;
	struct mime_address *from, *sender, *reply_to;
	int ret = 0;

	if (env == NULL)
		return buf_append_str(out, EMPTY_ENVELOPE);
	pool = pool_create(4096);
	from = parse_list(pool, env->from);
	/* RFC 3501 section 7.4.2: absent or empty Sender and Reply-To are
	   set to the From value */
	sender = parse_list(pool, env->sender);
	if (sender == NULL)
		sender = from;
	reply_to = parse_list(pool, env->reply_to);
	if (reply_to == NULL)
		reply_to = from;
	ret |= buf_append_c(out, '(');
	ret |= mime_quote_nstring(out, env->date);
	ret |= buf_append_c(out, ' ');
	ret |= write_humane(out, env->subject);
	ret |= buf_append_c(out, ' ');
	ret |= mime_address_write_imap(from, out);
	ret |= buf_append_c(out, ' ');
	ret |= mime_address_write_imap(sender, out);
	ret |= buf_append_c(out, ' ');
	ret |= mime_address_write_imap(reply_to, out);
	ret |= buf_append_c(out, ' ');
	ret |= mime_address_write_imap(parse_list(pool, env->to), out);
	ret |= buf_append_c(out, ' ');
	ret |= mime_address_write_imap(parse_list(pool, env->cc), out);
	ret |= buf_append_c(out, ' ');
	ret |= mime_address_write_imap(parse_list(pool, env->bcc), out);
	ret |= buf_append_c(out, ' ');
	ret |= mime_quote_nstring(out, env->in_reply_to);
	ret |= buf_append_c(out, ' ');
	ret |= mime_quote_nstring(out, env->message_id);
	ret |= buf_append_c(out, ')');
	pool_destroy(&pool);
	return ret;
}

/* body-fld-param; text parts get the RFC 2045 default charset. */
static int
write_params(struct buf *out, const struct mime_content *c, bool text)
{
	bool add_charset = text && mime_content_param(c, "charset") == NULL;
	int ret = 0;

	if (c->n_params == 0 && !add_charset)
		return buf_append_str(out, "NIL");
	ret |= buf_append_c(out, '(');
	for (unsigned int i = 0; i < c->n_params; i++) {
		if (i > 0)
			ret |= buf_append_c(out, ' ');
		ret |= mime_quote_nstring(out, c->params[i].name);
		ret |= buf_append_c(out, ' ');
		ret |= mime_quote_nstring(out, c->params[i].value);
	}
	if (add_charset)
		ret |= buf_append_str(out, c->n_params > 0 ?
					   " \"charset\" \"us-ascii\"" :
					   "\"charset\" \"us-ascii\"");
	return ret | buf_append_c(out, ')');
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static int
write_ext_common(struct buf *out, const struct mime_part *part)
{
	int ret = buf_append_c(out, ' ');

	if (part->disposition.type == NULL) {
		ret |= buf_append_str(out, "NIL");
	} else {
		ret |= buf_append_c(out, '(');
		ret |= mime_quote_nstring(out, part->disposition.type);
		ret |= buf_append_c(out, ' ');
		ret |= write_params(out, &part->disposition, false);
		ret |= buf_append_c(out, ')');
	}
	ret |= buf_append_c(out, ' ');
	if (part->n_languages == 0) {
		ret |= buf_append_str(out, "NIL");
	} else {
		ret |= buf_append_c(out, '(');
		for (unsigned int i = 0; i < part->n_languages; i++) {
			if (i > 0)
				ret |= buf_append_c(out, ' ');
			ret |= mime_quote_nstring(out, part->languages[i]);
		}
		ret |= buf_append_c(out, ')');
	}
	ret |= buf_append_c(out, ' ');
	return ret | mime_quote_nstring(out, part->location);
}

static int write_part(const struct mime_part *part, unsigned int flags,
		      struct buf *out);

static int
write_multipart(const struct mime_part *part, unsigned int flags,
		struct buf *out)
{
	bool extended = (flags & MIME_WRITE_EXTENDED) != 0;
	int ret = 0;

	if (part->children == NULL) {
		ret |= buf_append_str(out, EMPTY_BODY);
		ret |= buf_append_str(out, extended ? " NIL NIL NIL NIL)"
						    : ")");
	}
	for (const struct mime_part *c = part->children; c != NULL;
	     c = c->next)
		ret |= write_part(c, flags, out);
	ret |= buf_append_c(out, ' ');
	ret |= mime_quote_nstring(out, part->content.subtype);
	if (extended) {
		ret |= buf_append_c(out, ' ');
		ret |= write_params(out, &part->content, false);
		ret |= write_ext_common(out, part);
	}
	return ret;
}

static int
write_message_fields(const struct mime_part *part, unsigned int flags,
		     struct buf *out)
{
	const struct mime_part *child = part->children;
	int ret = buf_append_c(out, ' ');

	ret |= mime_write_envelope(child == NULL ? NULL : child->envelope,
				   out);
	ret |= buf_append_c(out, ' ');
	if (child != NULL) {
		ret |= write_part(child, flags, out);
	} else {
		ret |= buf_append_str(out, EMPTY_BODY);
		ret |= buf_append_str(out, (flags & MIME_WRITE_EXTENDED) != 0 ?
						   " NIL NIL NIL NIL)" : ")");
	}
	return ret | buf_printf(out, " %llu",
				(unsigned long long)part->body_lines);
}

static int
write_single(const struct mime_part *part, unsigned int flags,
	     struct buf *out)
{
	bool opaque_multipart = (part->flags & MIME_PART_MULTIPART) != 0;
	bool text = (part->flags & MIME_PART_TEXT) != 0;
	bool message = (part->flags & MIME_PART_MESSAGE) != 0 &&
		       ((part->flags & MIME_PART_GLOBAL) == 0 ||
			(flags & MIME_WRITE_GLOBAL_AS_MESSAGE) != 0);
	int ret = 0;

	if (opaque_multipart) {
		ret |= buf_append_str(out, "\"application\" \"octet-stream\"");
	} else {
		ret |= mime_quote_nstring(out, part->content.type);
		ret |= buf_append_c(out, ' ');
		ret |= mime_quote_nstring(out, part->content.subtype);
	}
	ret |= buf_append_c(out, ' ');
	ret |= write_params(out, &part->content, text);
	ret |= buf_append_c(out, ' ');
	ret |= mime_quote_nstring(out, part->id);
	ret |= buf_append_c(out, ' ');
	ret |= mime_quote_nstring(out, part->description);
	ret |= buf_append_c(out, ' ');
	ret |= mime_quote_nstring(out, part->encoding_name != NULL ?
					part->encoding_name : "7bit");
	ret |= buf_printf(out, " %llu", (unsigned long long)part->body_size);
	if (message)
		ret |= write_message_fields(part, flags, out);
	else if (text)
		ret |= buf_printf(out, " %llu",
				  (unsigned long long)part->body_lines);
	if ((flags & MIME_WRITE_EXTENDED) != 0) {
		ret |= buf_append_c(out, ' ');
		ret |= mime_quote_nstring(out, part->md5);
		ret |= write_ext_common(out, part);
	}
	return ret;
}

static int
write_part(const struct mime_part *part, unsigned int flags, struct buf *out)
{
	int ret = buf_append_c(out, '(');

	if ((part->flags & (MIME_PART_MULTIPART | MIME_PART_OPAQUE)) ==
	    MIME_PART_MULTIPART)
		ret |= write_multipart(part, flags, out);
	else
		ret |= write_single(part, flags, out);
	return ret | buf_append_c(out, ')');
}

int
mime_write_bodystructure(const struct mime_part *part, unsigned int flags,
			 struct buf *out)
{
	return write_part(part, flags, out);
}
