/* SPDX-License-Identifier: MIT */
/*
 * The load generator's IMAP sessions (imap.h): greeting, LOGIN, SELECT,
 * untagged responses, LOGOUT and IDLE. The modes are in imap-mixed.c
 * (the mixed workload) and imap-modes.c (IDLE holding, SELECT timing).
 */
#include "imap.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct imap_state *
state(struct lg_conn *c)
{
	return c->ps;
}

void
imap_cmd(struct lg_conn *c, enum lg_op op, imap_done_fn *done, const char *fmt,
	 ...)
{
	struct imap_state *s = state(c);
	va_list ap;

	snprintf(s->tag, sizeof(s->tag), "A%u", ++s->tagn);
	s->phase = IMAP_COMMAND;
	s->done = done;
	s->on_fetch = NULL;
	s->fetches = 0;
	s->expunges = 0;
	s->bytes = 0;
	lg_op_begin(c, op);
	lg_conn_expect(c, true);
	lg_sendf(c, "%s ", s->tag);
	va_start(ap, fmt);
	(void)buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	lg_send(c, "\r\n", 2);
}

uint32_t
imap_model_seq(const struct imap_model *m, uint32_t uid)
{
	size_t lo = 0, hi = m->uids.n;

	/* UIDs ascend with sequence numbers (RFC 3501 section 2.3.1.1) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->uids.v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->uids.n && m->uids.v[lo] == uid ? (uint32_t)lo + 1 : 0;
}

void
imap_model_clear(struct imap_model *m)
{
	vec_clear(&m->uids);
	vec_clear(&m->flags);
	vec_clear(&m->sizes);
}

/* ---- capabilities and response codes ---- */

static void
parse_caps(struct imap_state *s, struct imap_lex *lx)
{
	struct imap_tok t;

	s->caps = true;
	s->literal_plus = s->uidplus = s->idle = false;
	for (imap_lex_next(lx, &t); t.type == IMAP_TOK_ATOM;
	     imap_lex_next(lx, &t)) {
		/* the last atom of a response code ends in ']' */
		size_t len =
		    t.len > 0 && t.p[t.len - 1] == ']' ? t.len - 1 : t.len;

		if (len == 8 && mem_eq_icase(t.p, "LITERAL+", 8))
			s->literal_plus = true;
		else if (len == 7 && mem_eq_icase(t.p, "UIDPLUS", 7))
			s->uidplus = true;
		else if (len == 4 && mem_eq_icase(t.p, "IDLE", 4))
			s->idle = true;
	}
}

/* Response codes of untagged OK and tagged answers (RFC 3501 section
   7.1): CAPABILITY, UIDVALIDITY and UIDNEXT matter here. */
static void
parse_code(struct imap_state *s, const uint8_t *p, size_t len)
{
	struct imap_lex lx;
	struct imap_tok t;

	if (len < 2 || p[0] != '[')
		return;
	imap_lex_init(&lx, p + 1, len - 1);
	imap_lex_next(&lx, &t);
	if (t.type != IMAP_TOK_ATOM)
		return;
	if (imap_tok_is(&t, "CAPABILITY")) {
		parse_caps(s, &lx);
		return;
	}
	if (imap_tok_is(&t, "UIDVALIDITY") || imap_tok_is(&t, "UIDNEXT")) {
		bool validity = t.len == 11;
		uint32_t n = 0;

		imap_lex_next(&lx, &t);
		if (t.len > 0 && t.p[t.len - 1] == ']')
			t.len--;
		if (imap_tok_u32(&t, &n) < 0)
			return;
		if (validity)
			s->uidvalidity = n;
		else
			s->uidnext = n;
	}
}

/* The response code after the status word the lexer just read. */
static void
code_after(struct imap_state *s, struct imap_lex *lx)
{
	const uint8_t *p = lx->p;

	while (p < lx->end && *p == ' ')
		p++;
	parse_code(s, p, (size_t)(lx->end - p));
}

/* ---- untagged responses ---- */

static int
untagged_expunge(struct lg_conn *c, struct imap_state *s, uint32_t seq)
{
	if (seq == 0 || seq > s->exists)
		return lg_fail(c, "EXPUNGE %u of %u messages", seq, s->exists);
	s->exists--;
	s->expunges++;
	if (!s->model_valid)
		return 0;
	if (seq > s->m.uids.n)
		return lg_fail(c, "EXPUNGE %u, model has %zu", seq,
			       s->m.uids.n);
	if (c->op == LG_OP_EXPUNGE && s->m.uids.v[seq - 1] != s->arg_uid)
		return lg_fail(c, "EXPUNGE %u is UID %u, expected UID %u", seq,
			       s->m.uids.v[seq - 1], s->arg_uid);
	vec_delete(&s->m.uids, seq - 1);
	vec_delete(&s->m.flags, seq - 1);
	vec_delete(&s->m.sizes, seq - 1);
	return 0;
}

static int
untagged_fetch(struct lg_conn *c, struct imap_state *s, uint32_t seq,
	       struct imap_lex *lx)
{
	struct imap_fetch f;

	memset(&f, 0, sizeof(f));
	f.seq = seq;
	if (imap_parse_fetch(lx, &f) < 0)
		return lg_fail(c, "malformed FETCH response");
	if (seq == 0 || seq > s->exists)
		return lg_fail(c, "FETCH %u of %u messages", seq, s->exists);
	s->fetches++;
	if (s->on_fetch != NULL)
		return s->on_fetch(c, s, &f);
	/* unsolicited: flag changes of a message we know */
	if (s->model_valid && seq <= s->m.uids.n && f.has_flags)
		s->m.flags.v[seq - 1] = f.flags;
	return 0;
}

static int
untagged(struct lg_conn *c, struct imap_state *s, struct imap_lex *lx)
{
	struct imap_tok t;
	uint32_t n;

	imap_lex_next(lx, &t);
	if (imap_tok_is(&t, "OK") || imap_tok_is(&t, "NO")) {
		code_after(s, lx);
		return 0;
	}
	if (imap_tok_is(&t, "BYE")) {
		s->got_bye = true;
		return c->op == LG_OP_LOGOUT
			   ? 0
			   : lg_fail(c, "BYE during %s", lg_op_name(c->op));
	}
	if (imap_tok_is(&t, "BAD"))
		return lg_fail(c, "untagged BAD");
	if (imap_tok_is(&t, "CAPABILITY")) {
		parse_caps(s, lx);
		return 0;
	}
	if (imap_tok_u32(&t, &n) < 0)
		return 0; /* FLAGS, LIST, SEARCH, ...: not checked */
	imap_lex_next(lx, &t);
	if (imap_tok_is(&t, "EXISTS")) {
		if (s->model_valid && n < s->m.uids.n)
			return lg_fail(c, "EXISTS %u, but %zu messages known",
				       n, s->m.uids.n);
		s->exists = n;
		return 0;
	}
	if (imap_tok_is(&t, "EXPUNGE"))
		return untagged_expunge(c, s, n);
	if (imap_tok_is(&t, "FETCH"))
		return untagged_fetch(c, s, n, lx);
	return 0; /* RECENT */
}

/* ---- dispatch ---- */

static void after_login(struct lg_conn *c, struct imap_state *s, bool ok,
			const uint8_t *text, size_t len);

static void
login(struct lg_conn *c, struct imap_state *s)
{
	char user[256];

	lg_user_name(c->lg, lg_client_user(c->lg, c), user, sizeof(user));
	imap_cmd(c, LG_OP_LOGIN, after_login, "LOGIN \"%s\" \"%s\"", user,
		 c->lg->opt->password);
}

static void
after_capability(struct lg_conn *c, struct imap_state *s, bool ok,
		 const uint8_t *text, size_t len)
{
	if (!ok || !s->caps) {
		(void)lg_fail(c, "CAPABILITY failed");
		return;
	}
	lg_op_end(c, 0, 0);
	login(c, s);
}

static int
greeting(struct lg_conn *c, struct imap_state *s, struct imap_lex *lx)
{
	struct imap_tok t;

	imap_lex_next(lx, &t);
	if (t.type != IMAP_TOK_ATOM || t.len != 1 || t.p[0] != '*')
		return lg_fail(c, "bad greeting");
	imap_lex_next(lx, &t);
	if (!imap_tok_is(&t, "OK"))
		return lg_fail(c, "greeting is not OK");
	code_after(s, lx);
	lg_op_end(c, 0, 0);
	s->session_start = lg_now();
	if (s->caps)
		login(c, s);
	else
		imap_cmd(c, LG_OP_CAPABILITY, after_capability, "CAPABILITY");
	return 0;
}

static int
continuation(struct lg_conn *c, struct imap_state *s)
{
	if (s->phase == IMAP_IDLE_WAIT) {
		lg_op_end(c, 0, 0);
		lg_conn_expect(c, false);
		s->phase = IMAP_IDLING;
		if (c->lg->opt->mode == LG_MODE_IMAP_MIXED)
			imap_mixed_idle_started(c, s);
		else
			imap_idle_mode_started(c, s);
		return 0;
	}
	if (s->phase == IMAP_APPEND_WAIT) {
		s->phase = IMAP_COMMAND;
		lg_send(c, s->arg_msg->data, s->arg_msg->len);
		lg_send(c, "\r\n", 2);
		return 0;
	}
	return lg_fail(c, "unexpected continuation during %s",
		       lg_op_name(c->op));
}

static int
tagged(struct lg_conn *c, struct imap_state *s, const uint8_t *p, size_t len)
{
	struct imap_lex lx;
	struct imap_tok t;
	imap_done_fn *done = s->done;
	bool ok;

	imap_lex_init(&lx, p, len);
	imap_lex_next(&lx, &t);
	if (t.type != IMAP_TOK_ATOM || t.len != strlen(s->tag) ||
	    memcmp(t.p, s->tag, t.len) != 0 || done == NULL)
		return lg_fail(c, "unexpected tagged answer");
	imap_lex_next(&lx, &t);
	ok = imap_tok_is(&t, "OK");
	if (!ok && !imap_tok_is(&t, "NO") && !imap_tok_is(&t, "BAD"))
		return lg_fail(c, "malformed tagged answer");
	while (lx.p < lx.end && *lx.p == ' ')
		lx.p++;
	if (ok)
		parse_code(s, lx.p, (size_t)(lx.end - lx.p));
	lg_conn_expect(c, false);
	s->done = NULL;
	if (!ok) {
		char text[200];

		str_escape_log(text, sizeof(text), p, len > 2 ? len - 2 : len);
		return lg_fail(c, "%s failed: %s", lg_op_name(c->op), text);
	}
	done(c, s, ok, lx.p, (size_t)(lx.end - lx.p));
	return c->fd < 0 ? -1 : 0;
}

static int
response(struct lg_conn *c, struct imap_state *s, const uint8_t *p, size_t len)
{
	struct imap_lex lx;

	imap_lex_init(&lx, p, len);
	if (s->phase == IMAP_GREETING)
		return greeting(c, s, &lx);
	if (len >= 2 && p[0] == '*' && p[1] == ' ') {
		lx.p += 2;
		return untagged(c, s, &lx);
	}
	if (p[0] == '+')
		return continuation(c, s);
	return tagged(c, s, p, len);
}

static int
imap_input(struct lg_conn *c)
{
	struct imap_state *s = state(c);
	size_t off = 0, len;
	int ret;

	while ((ret = imap_frame(c->in.data + off, c->in.len - off, &s->scan,
				 &s->lit_end, &len)) > 0) {
		if (response(c, s, c->in.data + off, len) < 0 || c->fd < 0)
			return -1;
		off += len;
		s->scan = 0;
		s->lit_end = 0;
	}
	if (ret < 0)
		return lg_fail(c, "malformed or oversized response");
	/* one move for all that was answered: consuming response by
	   response would copy the rest of the buffer each time, quadratic
	   in the lines of a FETCH 1:* */
	buf_consume(&c->in, off);
	return 0;
}

/* ---- LOGIN, SELECT, LOGOUT, IDLE ---- */

static void
after_select(struct lg_conn *c, struct imap_state *s, bool ok,
	     const uint8_t *text, size_t len)
{
	imap_done_fn *next = s->next;

	if (s->uidvalidity == 0) {
		(void)lg_fail(c, "SELECT without UIDVALIDITY");
		return;
	}
	if (s->user.known && s->user.uidvalidity != s->uidvalidity) {
		(void)lg_fail(c, "UIDVALIDITY changed from %u to %u",
			      s->user.uidvalidity, s->uidvalidity);
		return;
	}
	if (!s->user.known) {
		s->user.known = true;
		s->user.uidvalidity = s->uidvalidity;
		s->user.baseline = s->exists;
	}
	s->selected = true;
	lg_op_end(c, 0, 0);
	next(c, s, ok, text, len);
}

void
imap_select(struct lg_conn *c, struct imap_state *s, imap_done_fn *next)
{
	s->uidvalidity = s->uidnext = s->exists = 0;
	s->model_valid = false;
	imap_model_clear(&s->m);
	s->next = next;
	imap_cmd(c, LG_OP_SELECT, after_select, "SELECT INBOX");
}

static void
after_logout(struct lg_conn *c, struct imap_state *s, bool ok,
	     const uint8_t *text, size_t len)
{
	struct lg *lg = c->lg;

	if (!s->got_bye) {
		(void)lg_fail(c, "LOGOUT without BYE");
		return;
	}
	lg_op_end(c, 0, 0);
	lg_op_record(lg, LG_OP_SESSION, s->session_start,
		     lg_now() - s->session_start, 0, 0);
	c->sessions++;
	if (lg->opt->mode == LG_MODE_IMAP_SELECT &&
	    imap_select_mode_again(lg)) {
		lg_conn_close(c, true, 0);
		return;
	}
	if (lg->opt->mode == LG_MODE_IMAP_MIXED && !lg->stopping)
		lg_conn_close(c, true, 0);
	else
		lg_conn_finish(c);
}

void
imap_logout(struct lg_conn *c, struct imap_state *s)
{
	s->got_bye = false;
	imap_cmd(c, LG_OP_LOGOUT, after_logout, "LOGOUT");
}

void
imap_idle(struct lg_conn *c, struct imap_state *s, imap_done_fn *done)
{
	imap_cmd(c, LG_OP_IDLE, done, "IDLE");
	s->phase = IMAP_IDLE_WAIT;
}

void
imap_idle_done(struct lg_conn *c, struct imap_state *s)
{
	if (s->phase != IMAP_IDLING)
		return;
	s->phase = IMAP_COMMAND;
	lg_conn_timer(c, 0);
	lg_op_begin(c, LG_OP_DONE);
	lg_conn_expect(c, true);
	lg_send(c, "DONE\r\n", 6);
}

/* ---- the protocol ---- */

static void
after_login(struct lg_conn *c, struct imap_state *s, bool ok,
	    const uint8_t *text, size_t len)
{
	lg_op_end(c, 0, 0);
	if (c->lg->stopping) {
		imap_logout(c, s);
		return;
	}
	switch (c->lg->opt->mode) {
	case LG_MODE_IMAP_IDLE:
		imap_idle_mode_start(c, s);
		break;
	case LG_MODE_IMAP_SELECT:
		imap_select_mode_start(c, s);
		break;
	default:
		imap_mixed_start(c, s);
	}
}

static void
imap_init(struct lg_conn *c)
{
	struct lg *lg = c->lg;

	c->ps = xcalloc(1, sizeof(struct imap_state));
	if (c->idx == 0)
		imap_modes_init(lg);
}

static void
imap_deinit(struct lg_conn *c)
{
	struct imap_state *s = state(c);

	vec_free(&s->m.uids);
	vec_free(&s->m.flags);
	vec_free(&s->m.sizes);
	xfree(&c->ps);
}

static void
imap_connected(struct lg_conn *c)
{
	struct imap_state *s = state(c);
	struct imap_user user = s->user;
	struct imap_model m = s->m;

	/* a new session: only what the client remembers survives */
	imap_model_clear(&m);
	memset(s, 0, sizeof(*s));
	s->user = user;
	s->m = m;
	s->phase = IMAP_GREETING;
}

static void
imap_timer(struct lg_conn *c)
{
	if (c->lg->opt->mode == LG_MODE_IMAP_MIXED)
		imap_mixed_timer(c, state(c));
}

static void
imap_stop(struct lg_conn *c)
{
	struct imap_state *s = state(c);

	if (c->lg->opt->mode == LG_MODE_IMAP_MIXED)
		imap_mixed_stop(c, s);
	else if (s->phase == IMAP_IDLING)
		imap_idle_done(c, s);
}

const struct lg_proto lg_proto_imap = {
    .name = "imap",
    .init = imap_init,
    .deinit = imap_deinit,
    .connected = imap_connected,
    .input = imap_input,
    .timer = imap_timer,
    .stop = imap_stop,
    .tick = imap_modes_tick,
    .report = imap_modes_report,
};
