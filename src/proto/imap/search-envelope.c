/* SPDX-License-Identifier: MIT */
/* SEARCH SUBJECT/FROM/TO/CC/BCC on the cached ENVELOPE
   (search-envelope.h). */
#include "proto/imap/search-envelope.h"
#include "lib/buf.h"
#include "lib/mem.h"
#include "lib/strnum.h"
#include "mime/mime-casemap.h"
#include "mime/mime-rfc2047.h"

#include <stdlib.h>
#include <string.h>

/* RFC 3501 section 7.4.2: date, subject, from, sender, reply-to, to, cc,
   bcc, in-reply-to, message-id */
#define ENVELOPE_ELEMENTS 10
/* An envelope nests three deep: envelope, address list, address. */
#define MAX_DEPTH 4

static const unsigned element_of[SEARCH_ENVELOPE_FIELDS] = {
    [SEARCH_ENVELOPE_SUBJECT] = 1, [SEARCH_ENVELOPE_FROM] = 2,
    [SEARCH_ENVELOPE_TO] = 5,	   [SEARCH_ENVELOPE_CC] = 6,
    [SEARCH_ENVELOPE_BCC] = 7,
};

struct lex {
	const char *p, *end;
};

struct search_envelope {
	struct lex elements[ENVELOPE_ELEMENTS];
	bool ok;
	bool built[SEARCH_ENVELOPE_FIELDS];
	bool nil[SEARCH_ENVELOPE_FIELDS];
	struct buf text[SEARCH_ENVELOPE_FIELDS]; /* canonical form */
	struct buf plain, str, dec;
};

struct search_envelope *
search_envelope_create(void)
{
	return xcalloc(1, sizeof(struct search_envelope));
}

void
search_envelope_destroy(struct search_envelope **envp)
{
	struct search_envelope *env = *envp;

	if (env == NULL)
		return;
	for (unsigned i = 0; i < SEARCH_ENVELOPE_FIELDS; i++)
		buf_free(&env->text[i]);
	buf_free(&env->plain);
	buf_free(&env->str);
	buf_free(&env->dec);
	free(env);
	*envp = NULL;
}

static void
skip_sp(struct lex *lx)
{
	while (lx->p < lx->end && *lx->p == ' ')
		lx->p++;
}

/* Reads an nstring (RFC 3501 section 9) into out. Returns 1, 0 for NIL,
   -1 for anything else. */
static int
read_nstring(struct lex *lx, struct buf *out)
{
	buf_clear(out);
	skip_sp(lx);
	if (lx->end - lx->p >= 3 && memcmp(lx->p, "NIL", 3) == 0) {
		lx->p += 3;
		return 0;
	}
	if (lx->p < lx->end && *lx->p == '"') {
		for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			buf_append_c(out, *lx->p);
		}
		if (lx->p == lx->end)
			return -1;
		lx->p++;
		return 1;
	}
	if (lx->p < lx->end && *lx->p == '{') {
		uint64_t n;
		size_t digits = mem_to_u64(
		    lx->p + 1, (size_t)(lx->end - lx->p - 1), SIZE_MAX, &n);

		lx->p += 1 + digits;
		if (digits == 0 || lx->end - lx->p < 3 ||
		    memcmp(lx->p, "}\r\n", 3) != 0 ||
		    n > (uint64_t)(lx->end - lx->p - 3))
			return -1;
		lx->p += 3;
		buf_append(out, lx->p, (size_t)n);
		lx->p += n;
		return 1;
	}
	return -1;
}

/* Skips one value of any kind (strings are read into scratch). */
static bool
skip_value(struct lex *lx, unsigned depth, struct buf *scratch)
{
	skip_sp(lx);
	if (lx->p < lx->end && *lx->p == '(') {
		if (depth == MAX_DEPTH)
			return false;
		lx->p++;
		for (;;) {
			skip_sp(lx);
			if (lx->p == lx->end)
				return false;
			if (*lx->p == ')') {
				lx->p++;
				return true;
			}
			if (!skip_value(lx, depth + 1, scratch))
				return false;
		}
	}
	return read_nstring(lx, scratch) >= 0;
}

bool
search_envelope_set(struct search_envelope *env, const char *s, size_t len)
{
	struct lex lx = {s, s + len};

	memset(env->built, 0, sizeof(env->built));
	env->ok = false;
	skip_sp(&lx);
	if (lx.p == lx.end || *lx.p != '(')
		return false;
	lx.p++;
	for (unsigned i = 0; i < ENVELOPE_ELEMENTS; i++) {
		skip_sp(&lx);
		env->elements[i].p = lx.p;
		if (!skip_value(&lx, 1, &env->str))
			return false;
		env->elements[i].end = lx.p;
	}
	skip_sp(&lx);
	env->ok = lx.p < lx.end && *lx.p == ')';
	return env->ok;
}

/* Appends `Name <mailbox@host>` (or a group marker) for one address
   (RFC 3501 section 7.4.2: group start has a NIL host and the group name
   as mailbox, group end NIL for both). */
static bool
add_address(struct search_envelope *env, struct lex *lx, bool *need_sep,
	    bool *group_start)
{
	struct buf name = BUF_INIT, mailbox = BUF_INIT, host = BUF_INIT;
	struct buf *out = &env->plain;
	int has_name, has_mailbox, has_host;
	bool ok = false;

	skip_sp(lx);
	if (lx->p == lx->end || *lx->p != '(')
		goto out;
	lx->p++;
	has_name = read_nstring(lx, &name);
	if (has_name < 0 || read_nstring(lx, &env->str) < 0)
		goto out;
	has_mailbox = read_nstring(lx, &mailbox);
	has_host = read_nstring(lx, &host);
	skip_sp(lx);
	if (has_mailbox < 0 || has_host < 0 || lx->p == lx->end ||
	    *lx->p != ')')
		goto out;
	lx->p++;
	ok = true;
	if (has_host == 0 && has_mailbox == 0) {
		buf_append_c(out, ';');
		*need_sep = true;
		goto out;
	}
	if (*need_sep)
		buf_append_str(out, ", ");
	else if (*group_start)
		buf_append_c(out, ' ');
	*group_start = false;
	if (has_host == 0) {
		buf_append(out, mailbox.data, mailbox.len);
		buf_append_c(out, ':');
		*need_sep = false;
		*group_start = true;
		goto out;
	}
	if (has_name > 0) {
		buf_clear(&env->dec);
		mime_rfc2047_decode(name.data, name.len, &env->dec);
		buf_append(out, env->dec.data, env->dec.len);
		buf_append_c(out, ' ');
	}
	buf_append_c(out, '<');
	buf_append(out, mailbox.data, mailbox.len);
	buf_append_c(out, '@');
	buf_append(out, host.data, host.len);
	buf_append_c(out, '>');
	*need_sep = true;
out:
	buf_free(&name);
	buf_free(&mailbox);
	buf_free(&host);
	return ok;
}

/* Writes an address list as text into env->plain. Returns 1, 0 for NIL,
   -1 if malformed. */
static int
address_text(struct search_envelope *env, struct lex *lx)
{
	bool need_sep = false, group_start = false;

	skip_sp(lx);
	if (lx->end - lx->p >= 3 && memcmp(lx->p, "NIL", 3) == 0)
		return 0;
	if (lx->p == lx->end || *lx->p != '(')
		return -1;
	lx->p++;
	for (;;) {
		skip_sp(lx);
		if (lx->p == lx->end)
			return -1;
		if (*lx->p == ')')
			return 1;
		if (!add_address(env, lx, &need_sep, &group_start))
			return -1;
	}
}

static void
build(struct search_envelope *env, enum search_envelope_field field)
{
	struct lex lx = env->elements[element_of[field]];
	int ret;

	env->built[field] = true;
	buf_clear(&env->text[field]);
	buf_clear(&env->plain);
	if (!env->ok) {
		env->nil[field] = true;
		return;
	}
	if (field == SEARCH_ENVELOPE_SUBJECT) {
		ret = read_nstring(&lx, &env->str);
		if (ret > 0)
			mime_rfc2047_decode(env->str.data, env->str.len,
					    &env->plain);
	} else {
		ret = address_text(env, &lx);
	}
	env->nil[field] = ret <= 0;
	if (ret > 0)
		mime_casemap_append(env->plain.data, env->plain.len,
				    &env->text[field]);
}

bool
search_envelope_match(struct search_envelope *env,
		      enum search_envelope_field field, const uint8_t *needle,
		      size_t len)
{
	const struct buf *t = &env->text[field];

	if (!env->built[field])
		build(env, field);
	if (env->nil[field])
		return false;
	return len == 0 ||
	       (t->len >= len && memmem(t->data, t->len, needle, len) != NULL);
}
