/* SPDX-License-Identifier: MIT */
/* The LMTP command-line parser (RFC 5321 section 4.1, RFC 2033). */
#include "proto/lmtp/lmtp-command.h"
#include "proto/lmtp/lmtp-status.h"
#include "lib/macros.h"
#include "lib/str.h"

#include <string.h>

struct cursor {
	const char *p;
	size_t len, pos;
};

static const struct {
	const char *name;
	enum lmtp_verb verb;
} verbs[] = {
    {"LHLO", LMTP_VERB_LHLO}, {"HELO", LMTP_VERB_HELO},
    {"EHLO", LMTP_VERB_EHLO}, {"MAIL", LMTP_VERB_MAIL},
    {"RCPT", LMTP_VERB_RCPT}, {"DATA", LMTP_VERB_DATA},
    {"BDAT", LMTP_VERB_BDAT}, {"RSET", LMTP_VERB_RSET},
    {"NOOP", LMTP_VERB_NOOP}, {"QUIT", LMTP_VERB_QUIT},
    {"VRFY", LMTP_VERB_VRFY}, {"HELP", LMTP_VERB_HELP},
};

const char *
lmtp_command_verb_name(enum lmtp_verb verb)
{
	for (size_t i = 0; i < N_ELEMENTS(verbs); i++) {
		if (verbs[i].verb == verb)
			return verbs[i].name;
	}
	return "?";
}

static int
peek(const struct cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->p[c->pos] : -1;
}

static void
skip_spaces(struct cursor *c)
{
	while (peek(c) == ' ')
		c->pos++;
}

static bool
rest_blank(struct cursor *c)
{
	skip_spaces(c);
	return c->pos == c->len;
}

/* Matches a case-insensitive literal and advances past it. */
static bool
match(struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->len - c->pos < n || !mem_eq_icase(c->p + c->pos, lit, n))
		return false;
	c->pos += n;
	return true;
}

/* RFC 5322 section 3.2.3 atext. */
static bool
is_atext(int ch)
{
	return ch > 0 && (ascii_isalpha(ch) || ascii_isdigit(ch) ||
			  strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

/* Host-name characters, with '_' tolerated (see the header). */
static bool
is_domain_char(int ch)
{
	return ch > 0 && (ascii_isalpha(ch) || ascii_isdigit(ch) || ch == '-' ||
			  ch == '.' || ch == '_');
}

/* RFC 5321 section 4.1.3: dcontent = %d33-90 / %d94-126. */
static bool
is_dcontent(int ch)
{
	return (ch >= 33 && ch <= 90) || (ch >= 94 && ch <= 126);
}

/* Domain / address-literal, copied into out (size LMTP_DOMAIN_MAX + 1)
   when out is not NULL. Returns false on a syntax error. */
static bool
parse_domain(struct cursor *c, char *out)
{
	size_t start = c->pos, n;

	if (peek(c) == '[') {
		c->pos++;
		while (is_dcontent(peek(c)))
			c->pos++;
		if (c->pos == start + 1 || peek(c) != ']')
			return false;
		c->pos++;
	} else {
		while (is_domain_char(peek(c)))
			c->pos++;
		if (c->pos == start)
			return false;
	}
	n = c->pos - start;
	if (n > LMTP_DOMAIN_MAX)
		return false;
	if (out != NULL) {
		memcpy(out, c->p + start, n);
		out[n] = '\0';
	}
	return true;
}

/* A-d-l ":" (RFC 5321 section 4.1.2): parsed and dropped. */
static bool
skip_source_route(struct cursor *c)
{
	for (;;) {
		if (peek(c) != '@')
			return false;
		c->pos++;
		if (!parse_domain(c, NULL))
			return false;
		if (peek(c) == ':') {
			c->pos++;
			return true;
		}
		if (peek(c) != ',')
			return false;
		c->pos++;
	}
}

/* Local-part = Dot-string / Quoted-string, unquoted into out. The caller
   bounds the path so out (LMTP_PATH_MAX + 1) cannot overflow: every octet
   written comes from the path. */
static bool
parse_local(struct cursor *c, size_t limit, char *out, bool *quoted_r)
{
	size_t n = 0;
	int ch;

	*quoted_r = peek(c) == '"';
	if (*quoted_r) {
		c->pos++;
		for (;;) {
			if (c->pos >= limit)
				return false;
			ch = peek(c);
			if (ch == '"')
				break;
			if (ch == '\\') {
				/* quoted-pairSMTP = %d92 %d32-126 */
				c->pos++;
				ch = peek(c);
				if (ch < 32 || ch > 126)
					return false;
			} else if (ch < 32 || ch > 126) {
				return false;
			}
			out[n++] = (char)ch;
			c->pos++;
		}
		c->pos++;
	} else {
		while (c->pos < limit && (is_atext(peek(c)) || peek(c) == '.'))
			out[n++] = c->p[c->pos++];
		if (n == 0)
			return false;
	}
	out[n] = '\0';
	return true;
}

/* Path (RFC 5321 section 4.1.2), "<>" when is_sender, "<Postmaster>"
   when not. Returns NULL or the error status. */
static const struct lmtp_status *
parse_path(struct cursor *c, bool is_sender, struct lmtp_path *path)
{
	const struct lmtp_status *bad =
	    is_sender ? &lmtp_st_bad_sender : &lmtp_st_bad_rcpt;
	size_t start = c->pos, limit = MIN(c->len, start + LMTP_PATH_MAX);
	size_t mb_start;

	memset(path, 0, sizeof(*path));
	if (peek(c) != '<')
		return bad;
	c->pos++;
	if (is_sender && peek(c) == '>') {
		c->pos++;
		path->null = true;
		return NULL;
	}
	if (peek(c) == '@' && !skip_source_route(c))
		return bad;
	mb_start = c->pos;
	if (!parse_local(c, limit, path->local, &path->quoted))
		return bad;
	if (peek(c) == '>' && !is_sender && !path->quoted &&
	    str_eq_icase(path->local, "postmaster")) {
		/* RFC 5321 section 4.1.1.3: "<Postmaster>" without domain */
	} else {
		if (peek(c) != '@')
			return bad;
		c->pos++;
		if (!parse_domain(c, path->domain))
			return bad;
	}
	if (c->pos >= limit || peek(c) != '>')
		return bad;
	memcpy(path->mailbox, c->p + mb_start, c->pos - mb_start);
	path->mailbox[c->pos - mb_start] = '\0';
	c->pos++;
	return NULL;
}

/* esmtp-value = 1*(%d33-60 / %d62-126) */
static bool
is_param_value_char(int ch)
{
	return (ch >= 33 && ch <= 60) || (ch >= 62 && ch <= 126);
}

/* RFC 1870 section 3: size-value = 1*20DIGIT. Saturates at UINT64_MAX
   (a 20-digit value may exceed it): such a message is too big anyway. */
static bool
parse_size_value(const char *v, size_t n, uint64_t *size_r)
{
	uint64_t size = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (!ascii_isdigit(v[i]))
			return false;
		d = (unsigned)(v[i] - '0');
		size =
		    size > (UINT64_MAX - d) / 10 ? UINT64_MAX : size * 10 + d;
	}
	*size_r = size;
	return true;
}

static const struct lmtp_status *
apply_mail_param(struct lmtp_command *cmd, const char *kw, size_t kw_len,
		 const char *v, size_t v_len)
{
	if (kw_len == 4 && mem_eq_icase(kw, "SIZE", 4)) {
		if (cmd->has_size)
			return &lmtp_st_syntax;
		if (!parse_size_value(v, v_len, &cmd->size))
			return &lmtp_st_param_value;
		cmd->has_size = true;
		return NULL;
	}
	if (kw_len == 4 && mem_eq_icase(kw, "BODY", 4)) {
		if (cmd->body != LMTP_BODY_DEFAULT)
			return &lmtp_st_syntax;
		if (v_len == 4 && mem_eq_icase(v, "7BIT", 4))
			cmd->body = LMTP_BODY_7BIT;
		else if (v_len == 8 && mem_eq_icase(v, "8BITMIME", 8))
			cmd->body = LMTP_BODY_8BITMIME;
		else /* BINARYMIME is not offered (RFC 3030 section 3) */
			return &lmtp_st_param_unknown;
		return NULL;
	}
	return &lmtp_st_param_unknown;
}

/* Mail-parameters / Rcpt-parameters (RFC 5321 section 4.1.2). */
static const struct lmtp_status *
parse_params(struct cursor *c, struct lmtp_command *cmd, bool is_mail)
{
	for (;;) {
		size_t kw_start, kw_len, v_start, v_len = 0;
		const struct lmtp_status *st;

		skip_spaces(c);
		if (c->pos == c->len)
			return NULL;
		kw_start = c->pos;
		if (!ascii_isalpha(peek(c)) && !ascii_isdigit(peek(c)))
			return &lmtp_st_syntax;
		while (ascii_isalpha(peek(c)) || ascii_isdigit(peek(c)) ||
		       peek(c) == '-')
			c->pos++;
		kw_len = c->pos - kw_start;
		v_start = c->pos;
		if (peek(c) == '=') {
			c->pos++;
			v_start = c->pos;
			while (is_param_value_char(peek(c)))
				c->pos++;
			v_len = c->pos - v_start;
			if (v_len == 0)
				return &lmtp_st_syntax;
		}
		if (c->pos < c->len && peek(c) != ' ')
			return &lmtp_st_syntax;
		/* RFC 5321 section 4.1.1.3: only parameters of offered
		   extensions; we offer none for RCPT */
		if (!is_mail)
			return &lmtp_st_param_unknown;
		st = apply_mail_param(cmd, c->p + kw_start, kw_len,
				      c->p + v_start, v_len);
		if (st != NULL)
			return st;
	}
}

/* "MAIL FROM:" / "RCPT TO:" Path [SP parameters]. */
static const struct lmtp_status *
parse_mail_rcpt(struct cursor *c, struct lmtp_command *cmd)
{
	bool is_mail = cmd->verb == LMTP_VERB_MAIL;
	const struct lmtp_status *st;

	if (peek(c) != ' ')
		return &lmtp_st_syntax;
	c->pos++;
	if (!match(c, is_mail ? "FROM:" : "TO:"))
		return &lmtp_st_syntax;
	skip_spaces(c);
	st = parse_path(c, is_mail, &cmd->path);
	if (st != NULL)
		return st;
	if (c->pos < c->len && peek(c) != ' ')
		return is_mail ? &lmtp_st_bad_sender : &lmtp_st_bad_rcpt;
	return parse_params(c, cmd, is_mail);
}

/* LHLO/HELO/EHLO: the first word must be a (tolerant) Domain or an
   address literal (RFC 5321 section 4.1.1.1). */
static const struct lmtp_status *
parse_hello(struct cursor *c, struct lmtp_command *cmd)
{
	skip_spaces(c);
	if (c->pos == c->len)
		return &lmtp_st_missing_arg;
	if (!parse_domain(c, cmd->domain) ||
	    (c->pos < c->len && peek(c) != ' '))
		return &lmtp_st_bad_domain;
	return NULL;
}

/* "BDAT" SP chunk-size [SP end-marker] (RFC 3030 section 2). */
static const struct lmtp_status *
parse_bdat(struct cursor *c, struct lmtp_command *cmd)
{
	size_t start;

	if (peek(c) != ' ')
		return &lmtp_st_bad_chunk_size;
	c->pos++;
	start = c->pos;
	cmd->size = 0;
	while (ascii_isdigit(peek(c))) {
		unsigned d = (unsigned)(peek(c) - '0');

		if (cmd->size > (UINT64_MAX - d) / 10)
			return &lmtp_st_bad_chunk_size;
		cmd->size = cmd->size * 10 + d;
		c->pos++;
	}
	if (c->pos == start)
		return &lmtp_st_bad_chunk_size;
	cmd->has_size = true;
	if (peek(c) == ' ') {
		skip_spaces(c);
		if (match(c, "LAST"))
			cmd->last = true;
	}
	if (!rest_blank(c))
		return &lmtp_st_bad_chunk_size;
	return NULL;
}

static bool
line_chars_valid(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch < 0x20 || ch >= 0x7f)
			return false;
	}
	return true;
}

static const struct lmtp_status *
parse_line(struct cursor *c, struct lmtp_command *cmd)
{
	size_t vlen = 0;
	size_t i;

	if (c->len == 0)
		return &lmtp_st_empty_line;
	if (!line_chars_valid(c->p, c->len))
		return &lmtp_st_bad_chars;
	while (vlen < c->len && c->p[vlen] != ' ')
		vlen++;
	for (i = 0; i < N_ELEMENTS(verbs); i++) {
		if (vlen == 4 && mem_eq_icase(c->p, verbs[i].name, 4))
			break;
	}
	if (i == N_ELEMENTS(verbs))
		return &lmtp_st_unknown_cmd;
	cmd->verb = verbs[i].verb;
	c->pos = vlen;
	switch (cmd->verb) {
	case LMTP_VERB_LHLO:
	case LMTP_VERB_HELO:
	case LMTP_VERB_EHLO:
		return parse_hello(c, cmd);
	case LMTP_VERB_MAIL:
	case LMTP_VERB_RCPT:
		return parse_mail_rcpt(c, cmd);
	case LMTP_VERB_BDAT:
		return parse_bdat(c, cmd);
	case LMTP_VERB_DATA:
	case LMTP_VERB_RSET:
	case LMTP_VERB_QUIT:
		/* RFC 5321 section 4.1.1: no parameters */
		return rest_blank(c) ? NULL : &lmtp_st_no_params;
	case LMTP_VERB_VRFY:
		return rest_blank(c) ? &lmtp_st_missing_arg : NULL;
	case LMTP_VERB_NOOP: /* section 4.1.1.9: arguments are ignored */
	case LMTP_VERB_HELP:
		return NULL;
	}
	return &lmtp_st_unknown_cmd;
}

int
lmtp_command_parse(const char *line, size_t len, struct lmtp_command *cmd,
		   const struct lmtp_status **error_r)
{
	struct cursor c = {line, len, 0};
	const struct lmtp_status *st;

	memset(cmd, 0, sizeof(*cmd));
	st = parse_line(&c, cmd);
	if (st != NULL) {
		*error_r = st;
		return -1;
	}
	return 0;
}
