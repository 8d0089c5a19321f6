/* SPDX-License-Identifier: MIT */
/*
 * The load generator's IMAP client, shared by imap*.c: response framing
 * and tokens (imap-parse.c), the session and the IDLE and SELECT modes
 * (imap.c), the mixed workload with its model of the mailbox
 * (imap-mixed.c). Client side of RFC 3501 plus UIDPLUS (RFC 4315), IDLE
 * (RFC 2177) and LITERAL+ (RFC 7888); just enough to drive and check a
 * server, not a general client.
 */
#ifndef COFFER_BENCH_IMAP_H
#define COFFER_BENCH_IMAP_H

#include "loadgen.h"
#include "lib/vec.h"

/* Longest response line outside literals (FETCH of a big envelope). */
#define IMAP_LINE_MAX (1u << 20)
/* Deepest parenthesis nesting accepted (BODYSTRUCTURE needs few). */
#define IMAP_DEPTH_MAX 32

/* ---- tokens ---- */

enum imap_tok_type {
	IMAP_TOK_EOL,
	IMAP_TOK_ATOM, /* includes [...] sections: BODY[HEADER], [UIDNEXT 5] */
	IMAP_TOK_STRING, /* quoted (escapes kept) or literal */
	IMAP_TOK_NIL,
	IMAP_TOK_LPAREN,
	IMAP_TOK_RPAREN,
	IMAP_TOK_ERROR,
};

struct imap_tok {
	enum imap_tok_type type;
	const uint8_t *p;
	size_t len;
	bool quoted;
};

struct imap_lex {
	const uint8_t *p, *end;
};

/* Frames responses: returns the length of the first complete response in
   in[0..len) (literals included, up to and with its final CRLF), 0 if
   more input is needed, -1 if it is malformed or too long. *scan and
   *lit_end keep the progress between calls; reset both to 0 after the
   response was consumed. */
int imap_frame(const uint8_t *in, size_t len, size_t *scan, size_t *lit_end,
	       size_t *resp_len_r);

void imap_lex_init(struct imap_lex *lx, const uint8_t *p, size_t len);
/* The next token; IMAP_TOK_ERROR for malformed input. */
void imap_lex_next(struct imap_lex *lx, struct imap_tok *t);
/* Skips one value (atom, string, NIL or a whole list). 0 or -1. */
int imap_lex_skip_value(struct imap_lex *lx, unsigned depth);
bool imap_tok_is(const struct imap_tok *t, const char *atom);
/* Decimal number token. 0 or -1. */
int imap_tok_u32(const struct imap_tok *t, uint32_t *num_r);
/* The text of a string token without quoting (escapes removed) into out
   (NUL-terminated, truncated). */
void imap_tok_text(const struct imap_tok *t, char *out, size_t size);

/* System flags as a bit mask (\Recent is reported but never compared). */
enum imap_flag {
	IMAP_F_SEEN = 0x01,
	IMAP_F_ANSWERED = 0x02,
	IMAP_F_FLAGGED = 0x04,
	IMAP_F_DELETED = 0x08,
	IMAP_F_DRAFT = 0x10,
	IMAP_F_RECENT = 0x20,
	IMAP_F_KEYWORD = 0x40,
};
#define IMAP_F_COMPARED 0x1f

/* A parsed FETCH response; pointers point into the response. */
struct imap_fetch {
	uint32_t seq, uid;
	bool has_uid, has_flags, has_size, has_body, has_hdr, has_env;
	uint8_t flags;
	uint32_t size;
	const uint8_t *body;
	size_t body_len;
	const uint8_t *hdr;
	size_t hdr_len;
	char env_msgid[CORPUS_MSGID_MAX + 1];
};

/* Parses what follows "* <seq> FETCH". 0 or -1. */
int imap_parse_fetch(struct imap_lex *lx, struct imap_fetch *f);
/* Parses a flag list "(...)". 0 or -1. */
int imap_parse_flags(struct imap_lex *lx, uint8_t *flags_r);
/* Formats flags as "\Seen \Flagged" (without \Recent). */
void imap_flags_str(uint8_t flags, char *out, size_t size);

/* ---- session ---- */

struct imap_state;
typedef void imap_done_fn(struct lg_conn *c, struct imap_state *s, bool ok,
			  const uint8_t *text, size_t len);
typedef int imap_fetch_fn(struct lg_conn *c, struct imap_state *s,
			  const struct imap_fetch *f);

/* What one client remembers across its sessions. */
struct imap_user {
	bool known;
	uint32_t uidvalidity;
	uint32_t baseline; /* messages at the first SELECT */
};

/* The session's model of the selected mailbox (sequence order). */
struct imap_model {
	VEC(uint32_t) uids;
	VEC(uint8_t) flags;
	VEC(uint32_t) sizes; /* 0 = not known yet */
};

enum imap_phase {
	IMAP_GREETING,
	IMAP_COMMAND, /* waiting for the tagged answer */
	IMAP_IDLE_WAIT,
	IMAP_IDLING,
	IMAP_APPEND_WAIT, /* synchronizing literal: waiting for "+" */
};

struct imap_state {
	enum imap_phase phase;
	size_t scan, lit_end;
	unsigned tagn;
	char tag[16];
	/* capabilities */
	bool caps, literal_plus, uidplus, idle;
	/* selected mailbox */
	bool selected, model_valid, got_bye;
	uint32_t exists, uidvalidity, uidnext;
	struct imap_model m;
	struct imap_user user;
	/* the command in progress */
	imap_done_fn *done;
	imap_fetch_fn *on_fetch;
	imap_done_fn *next; /* what follows a multi-command step */
	uint32_t arg_uid;
	uint8_t arg_flags;
	const struct corpus_msg *arg_msg;
	unsigned fetches, expunges;
	uint32_t expect; /* FETCH answers still expected */
	uint64_t bytes;
	uint64_t session_start;
	unsigned ops_left;
	bool idle_ready;
};

/* Sends "<tag> <command>\r\n" and times it as op; done is called with
   the tagged answer. */
void imap_cmd(struct lg_conn *c, enum lg_op op, imap_done_fn *done,
	      const char *fmt, ...) ATTR_FORMAT(4, 5);
/* Sends LOGOUT; the session ends with its answer. */
void imap_logout(struct lg_conn *c, struct imap_state *s);
/* Sends SELECT INBOX; next runs once it succeeded and was checked. */
void imap_select(struct lg_conn *c, struct imap_state *s, imap_done_fn *next);
/* Sends IDLE; the "+" calls imap_idle_started(); DONE finishes it. */
void imap_idle(struct lg_conn *c, struct imap_state *s, imap_done_fn *done);
void imap_idle_done(struct lg_conn *c, struct imap_state *s);
/* Sequence number (1-based) of uid in the model, 0 if absent. */
uint32_t imap_model_seq(const struct imap_model *m, uint32_t uid);
void imap_model_clear(struct imap_model *m);

/* Mode hooks: the mixed workload (imap-mixed.c). */
void imap_mixed_start(struct lg_conn *c, struct imap_state *s);
void imap_mixed_idle_started(struct lg_conn *c, struct imap_state *s);
void imap_mixed_timer(struct lg_conn *c, struct imap_state *s);
void imap_mixed_stop(struct lg_conn *c, struct imap_state *s);

/* The IDLE and SELECT modes (imap-modes.c). imap_modes_init() creates
   lg->mode (freed by the caller of lg_run()). */
void imap_modes_init(struct lg *lg);
void imap_idle_mode_start(struct lg_conn *c, struct imap_state *s);
/* The server accepted IDLE ("+"). */
void imap_idle_mode_started(struct lg_conn *c, struct imap_state *s);
void imap_select_mode_start(struct lg_conn *c, struct imap_state *s);
/* Counts a finished session: true if another one is due. */
bool imap_select_mode_again(struct lg *lg);
void imap_modes_tick(struct lg *lg, uint64_t now_us);
void imap_modes_report(const struct lg *lg);

#endif
