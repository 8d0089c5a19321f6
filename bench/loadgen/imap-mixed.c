/* SPDX-License-Identifier: MIT */
/*
 * The mixed IMAP workload: each client logs in to its own account,
 * SELECTs INBOX, synchronises flags (UID FETCH 1:* (FLAGS)), reads the
 * envelopes of the newest messages, then runs session_ops operations
 * picked at random -- read a message, change a flag, append, expunge,
 * resynchronise flags, IDLE -- and logs out. The client keeps a model of
 * the mailbox (UIDs, flags, sizes) and checks every answer against it and
 * against the corpus: sequence numbers and UIDs of FETCH and EXPUNGE,
 * flags after STORE, RFC822.SIZE, ENVELOPE message-id, message bodies,
 * APPENDUID (RFC 4315).
 */
#include "imap.h"
#include "lib/str.h"

#include <string.h>

/* Operation mix in percent (cumulative thresholds), after the session
   start (LOGIN, SELECT, flag sync, envelopes of the newest messages). */
#define MIX_FETCH_BODY 30
#define MIX_FETCH_ENV 45
#define MIX_STORE 70
#define MIX_APPEND_EXPUNGE 85
#define MIX_RESYNC 95

static void next_op(struct lg_conn *c, struct imap_state *s);

static void
op_done(struct lg_conn *c, struct imap_state *s, bool ok, const uint8_t *text,
	size_t len)
{
	lg_op_end(c, s->bytes, 0);
	next_op(c, s);
}

/* A FETCH during a command that names a UID must agree with the model.
   Returns 1 if it is about s->arg_uid, 0 if about another message, -1
   after failing the connection. */
static int
check_fetch(struct lg_conn *c, struct imap_state *s, const struct imap_fetch *f)
{
	if (f->seq > s->m.uids.n)
		return lg_fail(c, "FETCH %u beyond the %zu known messages",
			       f->seq, s->m.uids.n);
	if (f->has_uid && s->m.uids.v[f->seq - 1] != f->uid)
		return lg_fail(c, "FETCH %u has UID %u, expected %u", f->seq,
			       f->uid, s->m.uids.v[f->seq - 1]);
	if (f->has_flags && (!f->has_uid || f->uid != s->arg_uid))
		s->m.flags.v[f->seq - 1] = f->flags;
	return f->has_uid && f->uid == s->arg_uid ? 1 : 0;
}

/* ---- flag synchronisation ---- */

static int
sync_fetch(struct lg_conn *c, struct imap_state *s, const struct imap_fetch *f)
{
	struct imap_model *m = &s->m;

	if (!f->has_uid || !f->has_flags)
		return lg_fail(c, "FETCH %u without UID or FLAGS", f->seq);
	if (f->seq != m->uids.n + 1 ||
	    (m->uids.n > 0 && f->uid <= vec_last(&m->uids)))
		return lg_fail(c, "FETCH %u UID %u out of order", f->seq,
			       f->uid);
	vec_push(&m->uids, f->uid);
	vec_push(&m->flags, f->flags);
	vec_push(&m->sizes, 0);
	return 0;
}

static int
resync_fetch(struct lg_conn *c, struct imap_state *s,
	     const struct imap_fetch *f)
{
	const struct imap_model *m = &s->m;
	uint8_t want;

	if (!f->has_uid || !f->has_flags)
		return lg_fail(c, "FETCH %u without UID or FLAGS", f->seq);
	if (f->seq > m->uids.n || m->uids.v[f->seq - 1] != f->uid)
		return lg_fail(c, "FETCH %u UID %u not in the model", f->seq,
			       f->uid);
	want = m->flags.v[f->seq - 1] & IMAP_F_COMPARED;
	if ((f->flags & IMAP_F_COMPARED) != want) {
		char got_s[128], want_s[128];

		imap_flags_str(f->flags, got_s, sizeof(got_s));
		imap_flags_str(want, want_s, sizeof(want_s));
		return lg_fail(c, "UID %u has flags (%s), expected (%s)",
			       f->uid, got_s, want_s);
	}
	return 0;
}

static void
resync_done(struct lg_conn *c, struct imap_state *s, bool ok,
	    const uint8_t *text, size_t len)
{
	if (s->fetches != s->m.uids.n || s->exists != s->m.uids.n) {
		(void)lg_fail(c, "flag sync: %u FETCH, %u EXISTS, model %zu",
			      s->fetches, s->exists, s->m.uids.n);
		return;
	}
	op_done(c, s, ok, text, len);
}

static void
op_resync(struct lg_conn *c, struct imap_state *s)
{
	s->arg_uid = 0;
	imap_cmd(c, LG_OP_FETCH_FLAGS, resync_done, "UID FETCH 1:* (FLAGS)");
	s->on_fetch = resync_fetch;
}

/* ---- envelopes ---- */

static int
env_fetch(struct lg_conn *c, struct imap_state *s, const struct imap_fetch *f)
{
	const struct corpus_msg *m;
	const uint8_t *colon;

	if (check_fetch(c, s, f) < 0)
		return -1;
	if (!f->has_uid || !f->has_size || !f->has_hdr || !f->has_env)
		return lg_fail(c,
			       "FETCH %u lacks UID, RFC822.SIZE, header "
			       "or ENVELOPE",
			       f->seq);
	colon = memchr(f->hdr, ':', f->hdr_len);
	if (colon == NULL || colon - f->hdr != 10 ||
	    !mem_eq_icase(f->hdr, "X-Bench-Id", 10))
		return lg_fail(c, "UID %u: no X-Bench-Id header", f->uid);
	colon++;
	m = corpus_find_id(c->lg->corpus, colon,
			   (size_t)(f->hdr + f->hdr_len - colon));
	if (m == NULL)
		return lg_fail(c, "UID %u: unknown X-Bench-Id", f->uid);
	if (f->size != m->len)
		return lg_fail(c, "UID %u (%s): RFC822.SIZE %u, expected %zu",
			       f->uid, m->id, f->size, m->len);
	if (strcmp(f->env_msgid, m->msgid) != 0)
		return lg_fail(c,
			       "UID %u (%s): ENVELOPE message-id %s, "
			       "expected %s",
			       f->uid, m->id, f->env_msgid, m->msgid);
	s->m.sizes.v[f->seq - 1] = f->size;
	s->bytes += f->hdr_len;
	return 0;
}

#define ENV_ITEMS                                 \
	"(UID RFC822.SIZE INTERNALDATE ENVELOPE " \
	"BODY.PEEK[HEADER.FIELDS (X-Bench-Id)])"

static void
env_done(struct lg_conn *c, struct imap_state *s, bool ok, const uint8_t *text,
	 size_t len)
{
	if (s->fetches != s->expect) {
		(void)lg_fail(c, "envelope fetch: %u answers, expected %u",
			      s->fetches, s->expect);
		return;
	}
	op_done(c, s, ok, text, len);
}

static void
op_fetch_env(struct lg_conn *c, struct imap_state *s, uint32_t uid)
{
	s->arg_uid = uid;
	imap_cmd(c, LG_OP_FETCH_ENV, env_done, "UID FETCH %u " ENV_ITEMS, uid);
	s->on_fetch = env_fetch;
	s->expect = 1;
}

/* The envelopes of the newest messages, as a client opening a mailbox
   does. */
static void
fetch_newest(struct lg_conn *c, struct imap_state *s)
{
	uint32_t n = (uint32_t)s->m.uids.n, want = c->lg->opt->env_fetch;
	uint32_t first = n > want ? n - want + 1 : 1;

	if (n == 0 || want == 0) {
		next_op(c, s);
		return;
	}
	s->arg_uid = 0;
	imap_cmd(c, LG_OP_FETCH_ENV, env_done, "FETCH %u:%u " ENV_ITEMS, first,
		 n);
	s->on_fetch = env_fetch;
	s->expect = n - first + 1;
}

static void
sync_done(struct lg_conn *c, struct imap_state *s, bool ok, const uint8_t *text,
	  size_t len)
{
	if (s->m.uids.n != s->exists) {
		(void)lg_fail(c, "FETCH 1:* returned %zu of %u messages",
			      s->m.uids.n, s->exists);
		return;
	}
	s->model_valid = true;
	lg_op_end(c, 0, 0);
	fetch_newest(c, s);
}

static void
selected(struct lg_conn *c, struct imap_state *s, bool ok, const uint8_t *text,
	 size_t len)
{
	if (!s->uidplus) {
		(void)lg_fail(c, "the server does not announce UIDPLUS");
		return;
	}
	s->arg_uid = 0;
	imap_cmd(c, LG_OP_FETCH_FLAGS, sync_done, "UID FETCH 1:* (FLAGS)");
	s->on_fetch = sync_fetch;
}

void
imap_mixed_start(struct lg_conn *c, struct imap_state *s)
{
	s->ops_left = c->lg->opt->session_ops;
	imap_select(c, s, selected);
}

/* ---- message bodies ---- */

static int
body_fetch(struct lg_conn *c, struct imap_state *s, const struct imap_fetch *f)
{
	const struct corpus_msg *m;
	uint32_t known;
	char why[256];
	int ret;

	if ((ret = check_fetch(c, s, f)) <= 0)
		return ret;
	if (!f->has_body)
		return lg_fail(c, "UID %u: FETCH without BODY[]", f->uid);
	if (corpus_verify(c->lg->corpus, f->body, f->body_len, &m, why,
			  sizeof(why)) < 0)
		return lg_fail(c, "UID %u: %s", f->uid, why);
	known = s->m.sizes.v[f->seq - 1];
	if (known != 0 && known != f->body_len)
		return lg_fail(c, "UID %u: %zu bytes, RFC822.SIZE was %u",
			       f->uid, f->body_len, known);
	s->bytes += f->body_len;
	s->expect--;
	return 0;
}

static void
body_done(struct lg_conn *c, struct imap_state *s, bool ok, const uint8_t *text,
	  size_t len)
{
	if (s->expect != 0) {
		(void)lg_fail(c, "UID %u: no message body returned",
			      s->arg_uid);
		return;
	}
	op_done(c, s, ok, text, len);
}

static void
op_fetch_body(struct lg_conn *c, struct imap_state *s, uint32_t uid)
{
	s->arg_uid = uid;
	imap_cmd(c, LG_OP_FETCH_BODY, body_done, "UID FETCH %u (BODY.PEEK[])",
		 uid);
	s->on_fetch = body_fetch;
	s->expect = 1;
}

/* ---- flags ---- */

static int
store_fetch(struct lg_conn *c, struct imap_state *s, const struct imap_fetch *f)
{
	int ret;

	if ((ret = check_fetch(c, s, f)) <= 0)
		return ret;
	if (!f->has_flags)
		return lg_fail(c, "UID %u: STORE answer without FLAGS", f->uid);
	if ((f->flags & IMAP_F_COMPARED) != s->arg_flags) {
		char got_s[128], want_s[128];

		imap_flags_str(f->flags, got_s, sizeof(got_s));
		imap_flags_str(s->arg_flags, want_s, sizeof(want_s));
		return lg_fail(c,
			       "UID %u: flags (%s) after STORE, expected "
			       "(%s)",
			       f->uid, got_s, want_s);
	}
	s->m.flags.v[f->seq - 1] = f->flags;
	if (s->expect > 0)
		s->expect--;
	return 0;
}

static void
store_done(struct lg_conn *c, struct imap_state *s, bool ok,
	   const uint8_t *text, size_t len)
{
	uint32_t seq = imap_model_seq(&s->m, s->arg_uid);

	/* RFC 3501 section 6.4.6: without .SILENT the server sends the
	   new flags; with it, the client knows them */
	if (s->expect != 0) {
		(void)lg_fail(c, "UID %u: no FETCH answer to STORE",
			      s->arg_uid);
		return;
	}
	if (seq != 0)
		s->m.flags.v[seq - 1] = s->arg_flags;
	if (s->next != NULL) {
		lg_op_end(c, 0, 0);
		s->next(c, s, ok, text, len);
		return;
	}
	op_done(c, s, ok, text, len);
}

static void
op_store(struct lg_conn *c, struct imap_state *s, uint32_t seq)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} toggles[] = {{IMAP_F_FLAGGED, "\\Flagged"},
		       {IMAP_F_SEEN, "\\Seen"},
		       {IMAP_F_ANSWERED, "\\Answered"}};
	unsigned t = lg_rand(c->lg, N_ELEMENTS(toggles));
	uint8_t cur = s->m.flags.v[seq - 1] & IMAP_F_COMPARED;
	bool set = (cur & toggles[t].bit) == 0;

	s->arg_uid = s->m.uids.v[seq - 1];
	s->arg_flags = set ? cur | toggles[t].bit : cur & ~toggles[t].bit;
	s->next = NULL;
	imap_cmd(c, LG_OP_STORE, store_done, "UID STORE %u %cFLAGS (%s)",
		 s->arg_uid, set ? '+' : '-', toggles[t].name);
	s->on_fetch = store_fetch;
	s->expect = 1;
}

/* ---- EXPUNGE and APPEND keep the mailbox near its first size ---- */

static void
expunge_done(struct lg_conn *c, struct imap_state *s, bool ok,
	     const uint8_t *text, size_t len)
{
	if (s->expunges != 1 || imap_model_seq(&s->m, s->arg_uid) != 0) {
		(void)lg_fail(c, "UID EXPUNGE %u: %u EXPUNGE answers",
			      s->arg_uid, s->expunges);
		return;
	}
	op_done(c, s, ok, text, len);
}

static void
expunge_step(struct lg_conn *c, struct imap_state *s, bool ok,
	     const uint8_t *text, size_t len)
{
	/* RFC 4315 section 2.1: only this message, even if others are
	   \Deleted */
	s->next = NULL;
	imap_cmd(c, LG_OP_EXPUNGE, expunge_done, "UID EXPUNGE %u", s->arg_uid);
}

static void
op_expunge(struct lg_conn *c, struct imap_state *s)
{
	uint32_t seq = (uint32_t)s->m.uids.n;

	s->arg_uid = s->m.uids.v[seq - 1];
	s->arg_flags =
	    (s->m.flags.v[seq - 1] & IMAP_F_COMPARED) | IMAP_F_DELETED;
	imap_cmd(c, LG_OP_STORE, store_done,
		 "UID STORE %u +FLAGS.SILENT (\\Deleted)", s->arg_uid);
	s->on_fetch = store_fetch;
	s->expect = 0;
	s->next = expunge_step;
}

/* RFC 4315 section 3: "[APPENDUID <uidvalidity> <uid>]" */
static int
parse_appenduid(const uint8_t *text, size_t len, uint32_t *validity_r,
		uint32_t *uid_r)
{
	struct imap_lex lx;
	struct imap_tok t;

	if (len < 12 || !mem_eq_icase(text, "[APPENDUID ", 11))
		return -1;
	imap_lex_init(&lx, text + 11, len - 11);
	imap_lex_next(&lx, &t);
	if (imap_tok_u32(&t, validity_r) < 0)
		return -1;
	imap_lex_next(&lx, &t);
	if (t.len < 2 || t.p[t.len - 1] != ']')
		return -1;
	t.len--;
	return imap_tok_u32(&t, uid_r);
}

static void
append_done(struct lg_conn *c, struct imap_state *s, bool ok,
	    const uint8_t *text, size_t len)
{
	struct imap_model *m = &s->m;
	uint32_t validity, uid;

	if (parse_appenduid(text, len, &validity, &uid) < 0) {
		(void)lg_fail(c, "APPEND answer without APPENDUID");
		return;
	}
	if (validity != s->uidvalidity ||
	    (m->uids.n > 0 && uid <= vec_last(&m->uids))) {
		(void)lg_fail(c, "APPENDUID %u %u after UID %u, UIDVALIDITY %u",
			      validity, uid,
			      m->uids.n > 0 ? vec_last(&m->uids) : 0,
			      s->uidvalidity);
		return;
	}
	vec_push(&m->uids, uid);
	vec_push(&m->flags, IMAP_F_SEEN);
	vec_push(&m->sizes, (uint32_t)s->arg_msg->len);
	s->bytes = s->arg_msg->len;
	op_done(c, s, ok, text, len);
}

static void
op_append(struct lg_conn *c, struct imap_state *s)
{
	const struct corpus_set *set =
	    corpus_set(c->lg->corpus, c->lg->opt->send_set);
	const struct corpus_msg *msg =
	    &set->msgs.v[lg_rand(c->lg, (uint32_t)set->msgs.n)];

	s->arg_msg = msg;
	s->arg_uid = 0;
	if (s->literal_plus) {
		/* RFC 7888: the literal follows without waiting */
		imap_cmd(c, LG_OP_APPEND, append_done,
			 "APPEND INBOX (\\Seen) {%zu+}", msg->len);
		lg_send(c, msg->data, msg->len);
		lg_send(c, "\r\n", 2);
	} else {
		imap_cmd(c, LG_OP_APPEND, append_done,
			 "APPEND INBOX (\\Seen) {%zu}", msg->len);
		s->phase = IMAP_APPEND_WAIT;
	}
}

/* ---- IDLE ---- */

static void
idle_done(struct lg_conn *c, struct imap_state *s, bool ok, const uint8_t *text,
	  size_t len)
{
	op_done(c, s, ok, text, len);
}

void
imap_mixed_idle_started(struct lg_conn *c, struct imap_state *s)
{
	if (c->lg->stopping) {
		imap_idle_done(c, s);
		return;
	}
	lg_conn_timer(c, lg_now() + (uint64_t)c->lg->opt->idle_ms * 1000);
}

void
imap_mixed_timer(struct lg_conn *c, struct imap_state *s)
{
	imap_idle_done(c, s);
}

void
imap_mixed_stop(struct lg_conn *c, struct imap_state *s)
{
	imap_idle_done(c, s);
}

/* ---- the mix ---- */

static void
next_op(struct lg_conn *c, struct imap_state *s)
{
	uint32_t n = (uint32_t)s->m.uids.n, r;

	if (c->lg->stopping || s->ops_left == 0) {
		imap_logout(c, s);
		return;
	}
	s->ops_left--;
	r = lg_rand(c->lg, 100);
	if (n == 0)
		op_append(c, s);
	else if (r < MIX_FETCH_BODY)
		op_fetch_body(c, s, s->m.uids.v[lg_rand(c->lg, n)]);
	else if (r < MIX_FETCH_ENV)
		op_fetch_env(c, s, s->m.uids.v[lg_rand(c->lg, n)]);
	else if (r < MIX_STORE)
		op_store(c, s, lg_rand(c->lg, n) + 1);
	else if (r < MIX_APPEND_EXPUNGE && n > s->user.baseline)
		op_expunge(c, s);
	else if (r < MIX_APPEND_EXPUNGE)
		op_append(c, s);
	else if (r < MIX_RESYNC || !s->idle)
		op_resync(c, s);
	else
		imap_idle(c, s, idle_done);
}
