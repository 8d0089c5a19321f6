/* SPDX-License-Identifier: MIT */
/*
 * The POP3 client of the load generator (RFC 1939): download sessions.
 * Each session logs in with USER/PASS, asks STAT, UIDL and LIST, RETRs
 * the first opt->retr messages (all with 0) and QUITs without deleting,
 * so that the maildrop stays the same from session to session. Checks:
 * +OK everywhere, UIDL and LIST agree with STAT, every message is byte
 * for byte a corpus message (after removing the dot-stuffing) and has
 * the size LIST announced.
 */
#include "loadgen.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/strnum.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* RFC 1939 section 3: responses up to 512 octets; RFC 2449 allows more
   for multi-line capability lines. */
#define STATUS_LINE_MAX 4096
/* Bounds on what STAT may announce before we allocate for LIST. */
#define MAILDROP_MAX 10000000u

enum pop3_phase {
	POP3_GREETING,
	POP3_USER,
	POP3_PASS,
	POP3_STAT,
	POP3_UIDL,
	POP3_LIST,
	POP3_RETR,
	POP3_QUIT,
};

struct pop3_state {
	enum pop3_phase phase;
	bool in_data;	/* a multi-line answer's data follows */
	size_t scan;	/* where to look for the terminating line */
	uint32_t count; /* STAT */
	uint32_t next;	/* next message to RETR (1-based) */
	uint32_t last;	/* last message to RETR */
	uint64_t session_start;
	VEC(uint32_t) sizes; /* LIST, index = message number - 1 */
	struct buf msg;	     /* a RETR answer without its dot-stuffing */
};

static struct pop3_state *
state(struct lg_conn *c)
{
	return c->ps;
}

static void command(struct lg_conn *c, enum pop3_phase phase, enum lg_op op,
		    const char *fmt, ...) ATTR_FORMAT(4, 5);

static void
command(struct lg_conn *c, enum pop3_phase phase, enum lg_op op,
	const char *fmt, ...)
{
	struct pop3_state *s = state(c);
	va_list ap;

	s->phase = phase;
	s->in_data = false;
	s->scan = 0;
	lg_op_begin(c, op);
	lg_conn_expect(c, true);
	va_start(ap, fmt);
	(void)buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	lg_send(c, "\r\n", 2);
}

static void
quit(struct lg_conn *c)
{
	command(c, POP3_QUIT, LG_OP_QUIT, "QUIT");
}

static void
next_retr(struct lg_conn *c)
{
	struct pop3_state *s = state(c);

	if (c->lg->stopping || s->next > s->last)
		quit(c);
	else
		command(c, POP3_RETR, LG_OP_RETR, "RETR %u", s->next);
}

/* The data of a multi-line answer, dot-stuffing removed (RFC 1939
   section 3), into s->msg. */
static void
unstuff(struct pop3_state *s, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;

	buf_clear(&s->msg);
	(void)buf_reserve(&s->msg, len);
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n =
		    nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (*p == '.') {
			p++;
			n--;
		}
		(void)buf_append(&s->msg, p, n);
		p += n;
	}
}

static int
retr_done(struct lg_conn *c, const uint8_t *data, size_t len)
{
	struct pop3_state *s = state(c);
	const struct corpus_msg *m;
	char why[256];

	unstuff(s, data, len);
	if (corpus_verify(c->lg->corpus, s->msg.data, s->msg.len, &m, why,
			  sizeof(why)) < 0)
		return lg_fail(c, "RETR %u: %s", s->next, why);
	if (s->msg.len != s->sizes.v[s->next - 1])
		return lg_fail(c, "RETR %u: %zu bytes, LIST said %u", s->next,
			       s->msg.len, s->sizes.v[s->next - 1]);
	lg_op_end(c, s->msg.len, 1);
	s->next++;
	next_retr(c);
	return 0;
}

/* "n size" lines of LIST, or "n uid" of UIDL: numbered 1..count. */
static int
scan_listing(struct lg_conn *c, const uint8_t *p, size_t len, bool list)
{
	struct pop3_state *s = state(c);
	const uint8_t *end = p + len;
	uint32_t n = 0;

	vec_clear(&s->sizes);
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		uint64_t num, size;
		size_t d;

		if (nl == NULL)
			return lg_fail(c, "listing without line end");
		d = mem_to_u64(p, (size_t)(nl - p), UINT32_MAX, &num);
		if (d == 0 || num != ++n || p[d] != ' ')
			return lg_fail(c, "listing line %u malformed", n);
		if (list) {
			if (mem_to_u64(p + d + 1, (size_t)(nl - p - d - 1),
				       CORPUS_MSG_MAX, &size) == 0)
				return lg_fail(c, "LIST %u: bad size", n);
			vec_push(&s->sizes, (uint32_t)size);
		}
		p = nl + 1;
	}
	if (n != s->count)
		return lg_fail(c, "%s has %u lines, STAT said %u",
			       list ? "LIST" : "UIDL", n, s->count);
	return 0;
}

/* A complete multi-line answer: data is what lies between the status
   line and the terminating ".". */
static int
data_done(struct lg_conn *c, const uint8_t *data, size_t len)
{
	struct pop3_state *s = state(c);
	const struct lg_options *o = c->lg->opt;

	switch (s->phase) {
	case POP3_UIDL:
		if (scan_listing(c, data, len, false) < 0)
			return -1;
		lg_op_end(c, 0, 0);
		command(c, POP3_LIST, LG_OP_LIST, "LIST");
		return 0;
	case POP3_LIST:
		if (scan_listing(c, data, len, true) < 0)
			return -1;
		lg_op_end(c, 0, 0);
		s->next = 1;
		s->last = o->retr == 0 ? s->count : MIN(o->retr, s->count);
		next_retr(c);
		return 0;
	default:
		return retr_done(c, data, len);
	}
}

static void
session_end(struct lg_conn *c)
{
	struct pop3_state *s = state(c);

	lg_op_record(c->lg, LG_OP_SESSION, s->session_start,
		     lg_now() - s->session_start, 0, 0);
	c->sessions++;
	if (c->lg->stopping)
		lg_conn_finish(c);
	else
		lg_conn_close(c, true, 0);
}

static int
stat_answer(struct lg_conn *c, const uint8_t *line, size_t len)
{
	struct pop3_state *s = state(c);
	uint64_t n;
	size_t d;

	/* RFC 1939 section 5: "+OK nn mm" */
	if (len < 5 || line[3] != ' ' ||
	    (d = mem_to_u64(line + 4, len - 4, MAILDROP_MAX, &n)) == 0 ||
	    line[4 + d] != ' ')
		return lg_fail(c, "malformed STAT answer");
	s->count = (uint32_t)n;
	lg_op_end(c, 0, 0);
	command(c, POP3_UIDL, LG_OP_UIDL, "UIDL");
	return 0;
}

static int
status(struct lg_conn *c, const uint8_t *line, size_t len)
{
	struct pop3_state *s = state(c);
	const struct lg_options *o = c->lg->opt;
	bool ok = len >= 3 && memcmp(line, "+OK", 3) == 0;
	char user[256];

	if (!ok) {
		char text[200];

		str_escape_log(text, sizeof(text), line, len > 2 ? len - 2 : 0);
		return lg_fail(c, "%s: %s", lg_op_name(c->op), text);
	}
	switch (s->phase) {
	case POP3_GREETING:
		lg_op_end(c, 0, 0);
		s->session_start = lg_now();
		lg_user_name(c->lg, lg_client_user(c->lg, c), user,
			     sizeof(user));
		command(c, POP3_USER, LG_OP_USER, "USER %s", user);
		return 0;
	case POP3_USER:
		lg_op_end(c, 0, 0);
		command(c, POP3_PASS, LG_OP_PASS, "PASS %s", o->password);
		return 0;
	case POP3_PASS:
		lg_op_end(c, 0, 0);
		command(c, POP3_STAT, LG_OP_STAT, "STAT");
		return 0;
	case POP3_STAT:
		return stat_answer(c, line, len);
	case POP3_QUIT:
		lg_op_end(c, 0, 0);
		session_end(c);
		return -1;
	default:
		s->in_data = true; /* UIDL, LIST, RETR: the data follows */
		return 0;
	}
}

/* The end of a multi-line answer in c->in: 1 with the data length and
   the bytes to consume, 0 if incomplete. */
static int
find_end(struct lg_conn *c, size_t *data_len_r, size_t *total_r)
{
	struct pop3_state *s = state(c);
	const uint8_t *p = c->in.data, *hit;

	if (c->in.len >= 3 && memcmp(p, ".\r\n", 3) == 0) {
		*data_len_r = 0;
		*total_r = 3;
		return 1;
	}
	if (c->in.len < 5)
		return 0;
	hit = memmem(p + s->scan, c->in.len - s->scan, "\r\n.\r\n", 5);
	if (hit == NULL) {
		s->scan = c->in.len - 4;
		return 0;
	}
	*data_len_r = (size_t)(hit - p) + 2;
	*total_r = *data_len_r + 3;
	return 1;
}

static int
pop3_input(struct lg_conn *c)
{
	struct pop3_state *s = state(c);
	size_t len, total;
	int ret;

	for (;;) {
		if (s->in_data) {
			if (find_end(c, &len, &total) == 0)
				return 0;
			s->in_data = false;
			s->scan = 0;
			if (data_done(c, c->in.data, len) < 0 || c->fd < 0)
				return -1;
			buf_consume(&c->in, total);
			continue;
		}
		ret = lg_next_line(c, STATUS_LINE_MAX, &len);
		if (ret == 0)
			return 0;
		if (ret < 0)
			return lg_fail(c, "status line too long");
		if (status(c, c->in.data, len) < 0 || c->fd < 0)
			return -1;
		buf_consume(&c->in, len);
	}
}

static void
pop3_init(struct lg_conn *c)
{
	c->ps = xcalloc(1, sizeof(struct pop3_state));
}

static void
pop3_deinit(struct lg_conn *c)
{
	struct pop3_state *s = state(c);

	vec_free(&s->sizes);
	buf_free(&s->msg);
	xfree(&c->ps);
}

static void
pop3_connected(struct lg_conn *c)
{
	struct pop3_state *s = state(c);

	s->phase = POP3_GREETING;
	s->in_data = false;
	s->scan = 0;
}

const struct lg_proto lg_proto_pop3 = {
    .name = "pop3",
    .init = pop3_init,
    .deinit = pop3_deinit,
    .connected = pop3_connected,
    .input = pop3_input,
};
