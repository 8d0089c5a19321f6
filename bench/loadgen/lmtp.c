/* SPDX-License-Identifier: MIT */
/*
 * The LMTP client of the load generator (RFC 2033): each connection
 * delivers messages from the send set, one transaction after the other,
 * to opt->rcpts distinct recipients, pipelining MAIL, RCPT and DATA when
 * the server announces PIPELINING (RFC 2920), as MTAs do. Checks: every
 * reply code, and exactly one reply per accepted recipient after the
 * message (RFC 2033 section 4.2).
 */
#include "loadgen.h"
#include "lib/mem.h"
#include "lib/str.h"

#include <stdio.h>
#include <string.h>

/* RFC 5321 section 4.5.3.1.5: reply lines are at most 512 octets; we
   allow more for chatty servers. */
#define REPLY_LINE_MAX 4096

enum lmtp_phase {
	LMTP_GREETING,
	LMTP_LHLO,
	LMTP_TXN,
	LMTP_QUIT,
};

struct lmtp_state {
	enum lmtp_phase phase;
	bool pipelining;
	bool size;     /* RFC 1870 SIZE announced */
	unsigned step; /* replies received in this transaction */
	unsigned rcpt_base;
	const struct corpus_msg *msg;
};

static struct lmtp_state *
state(struct lg_conn *c)
{
	return c->ps;
}

/* The message with dot-stuffing (RFC 5321 section 4.5.2) and the final
   "." line. */
static void
send_data(struct lg_conn *c, const struct corpus_msg *m)
{
	const uint8_t *p = m->data, *end = p + m->len;

	(void)buf_reserve(&c->out, m->len + m->len / 64 + 8);
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n =
		    nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (*p == '.')
			(void)buf_append_c(&c->out, '.');
		(void)buf_append(&c->out, p, n);
		p += n;
	}
	if (m->len < 2 || memcmp(end - 2, "\r\n", 2) != 0)
		(void)buf_append(&c->out, "\r\n", 2);
	lg_send(c, ".\r\n", 3);
}

static void
send_rcpt(struct lg_conn *c, unsigned j)
{
	struct lmtp_state *s = state(c);
	char user[256];

	lg_user_name(c->lg, (s->rcpt_base + j) % c->lg->opt->users, user,
		     sizeof(user));
	if (strchr(user, '@') != NULL || c->lg->opt->rcpt_domain == NULL)
		lg_sendf(c, "RCPT TO:<%s>\r\n", user);
	else
		lg_sendf(c, "RCPT TO:<%s@%s>\r\n", user,
			 c->lg->opt->rcpt_domain);
}

static void
start_txn(struct lg_conn *c)
{
	struct lmtp_state *s = state(c);
	const struct lg_options *o = c->lg->opt;
	const struct corpus_set *set = corpus_set(c->lg->corpus, o->send_set);

	if (c->lg->stopping) {
		s->phase = LMTP_QUIT;
		lg_op_begin(c, LG_OP_QUIT);
		lg_conn_expect(c, true);
		lg_send(c, "QUIT\r\n", 6);
		return;
	}
	s->phase = LMTP_TXN;
	s->step = 0;
	s->msg = &set->msgs.v[lg_rand(c->lg, (uint32_t)set->msgs.n)];
	s->rcpt_base = lg_rand(c->lg, o->users);
	lg_op_begin(c, LG_OP_DELIVER);
	lg_conn_expect(c, true);
	if (s->size)
		lg_sendf(c, "MAIL FROM:<bench@example.net> SIZE=%zu\r\n",
			 s->msg->len);
	else
		lg_send(c, "MAIL FROM:<bench@example.net>\r\n", 31);
	if (!s->pipelining)
		return;
	for (unsigned j = 0; j < o->rcpts; j++)
		send_rcpt(c, j);
	lg_send(c, "DATA\r\n", 6);
}

/* One complete reply with code in the transaction. */
static int
txn_reply(struct lg_conn *c, unsigned code, const char *text)
{
	struct lmtp_state *s = state(c);
	unsigned n = c->lg->opt->rcpts, step = s->step++;

	if (step == 0 && code != 250)
		return lg_fail(c, "MAIL: %u %s", code, text);
	if (step >= 1 && step <= n && code != 250 && code != 251)
		return lg_fail(c, "RCPT %u: %u %s", step, code, text);
	if (step == n + 1 && code != 354)
		return lg_fail(c, "DATA: %u %s", code, text);
	if (step > n + 1 && code / 100 != 2)
		return lg_fail(c, "delivery to recipient %u: %u %s",
			       step - n - 1, code, text);
	if (!s->pipelining && step < n)
		send_rcpt(c, step);
	else if (!s->pipelining && step == n)
		lg_send(c, "DATA\r\n", 6);
	if (step == n + 1)
		send_data(c, s->msg);
	if (step == 2 * n + 1) {
		/* RFC 2033 section 4.2: one reply per recipient, done */
		lg_op_end(c, s->msg->len * n, n);
		start_txn(c);
	}
	return 0;
}

static int
reply(struct lg_conn *c, unsigned code, const char *text, bool last)
{
	struct lmtp_state *s = state(c);

	switch (s->phase) {
	case LMTP_GREETING:
		if (!last)
			return 0;
		if (code != 220)
			return lg_fail(c, "greeting: %u %s", code, text);
		lg_op_end(c, 0, 0);
		s->phase = LMTP_LHLO;
		lg_op_begin(c, LG_OP_LHLO);
		lg_send(c, "LHLO loadgen.example.net\r\n", 26);
		return 0;
	case LMTP_LHLO:
		if (code != 250)
			return lg_fail(c, "LHLO: %u %s", code, text);
		if (str_eq_icase(text, "PIPELINING"))
			s->pipelining = true;
		if (str_eq_icase(text, "SIZE") ||
		    str_has_prefix_icase(text, "SIZE "))
			s->size = true;
		if (!last)
			return 0;
		lg_op_end(c, 0, 0);
		lg_conn_established(c);
		start_txn(c);
		return 0;
	case LMTP_TXN:
		return last ? txn_reply(c, code, text) : 0;
	case LMTP_QUIT:
		if (!last)
			return 0;
		if (code != 221)
			return lg_fail(c, "QUIT: %u %s", code, text);
		lg_op_end(c, 0, 0);
		lg_conn_finish(c);
		return -1;
	}
	return 0;
}

static int
lmtp_input(struct lg_conn *c)
{
	size_t len;
	int ret;

	while ((ret = lg_next_line(c, REPLY_LINE_MAX, &len)) > 0) {
		char text[REPLY_LINE_MAX + 1];
		const uint8_t *p = c->in.data;
		unsigned code;
		size_t tlen;

		/* "250-text" continues, "250 text" or "250" ends a reply */
		if (len < 5 || p[len - 2] != '\r' || !ascii_isdigit(p[0]) ||
		    !ascii_isdigit(p[1]) || !ascii_isdigit(p[2]) ||
		    (len > 5 && p[3] != ' ' && p[3] != '-'))
			return lg_fail(c, "malformed reply line");
		code = (unsigned)(p[0] - '0') * 100 +
		       (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
		tlen = len > 5 ? len - 6 : 0;
		memcpy(text, p + 4, tlen);
		text[tlen] = '\0';
		lg_conn_expect(c, true);
		if (reply(c, code, text, len == 5 || p[3] == ' ') < 0)
			return -1;
		if (c->fd < 0)
			return -1;
		buf_consume(&c->in, len);
	}
	if (ret < 0)
		return lg_fail(c, "reply line too long");
	return 0;
}

static void
lmtp_init(struct lg_conn *c)
{
	c->ps = xcalloc(1, sizeof(struct lmtp_state));
}

static void
lmtp_deinit(struct lg_conn *c)
{
	xfree(&c->ps);
}

static void
lmtp_connected(struct lg_conn *c)
{
	memset(c->ps, 0, sizeof(struct lmtp_state));
}

const struct lg_proto lg_proto_lmtp = {
    .name = "lmtp",
    .init = lmtp_init,
    .deinit = lmtp_deinit,
    .connected = lmtp_connected,
    .input = lmtp_input,
};
