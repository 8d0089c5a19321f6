/* SPDX-License-Identifier: MIT */
/* The DATA/BDAT stream normaliser (RFC 5321 sections 4.1.1.4, 4.5.2). */
#include "proto/lmtp/lmtp-normalize.h"
#include "lib/macros.h"
#include "lib/str.h"

#include <string.h>

/* Wire states: where we are in the client's octet stream. */
enum {
	W_BOL,	  /* at the start of a wire line (after CRLF) */
	W_DOT,	  /* DOT mode: "." at the start of a line */
	W_DOT_CR, /* DOT mode: ".\r" at the start of a line */
	W_MID,	  /* inside a line */
	W_CR,	  /* a CR that may be followed by LF */
};

/* Header field states for the Message-ID capture. */
enum {
	F_NAME,	 /* matching the field name at the start of a line */
	F_SKIP,	 /* some other field, or its name did not match */
	F_VALUE, /* inside the Message-ID value */
	F_FOLD,	 /* a Message-ID line ended: folded continuation? */
};

static const char msgid_name[] = "message-id:";

struct out {
	uint8_t *p;
	size_t len;
};

void
lmtp_norm_init(struct lmtp_norm *n, enum lmtp_norm_mode mode, bool strip_8bit)
{
	memset(n, 0, sizeof(*n));
	n->mode = mode;
	n->strip_8bit = strip_8bit;
	n->wire = W_BOL;
	n->out_bol = true;
	n->in_header = true;
	n->field = F_NAME;
}

static void
msgid_end(struct lmtp_norm *n)
{
	while (n->msgid_len > 0 &&
	       ascii_isspace((unsigned char)n->msgid[n->msgid_len - 1]))
		n->msgid_len--;
	n->msgid[n->msgid_len] = '\0';
	n->msgid_done = true;
}

/* Follows a header octet (not CR or LF) for the Message-ID capture. */
static void
field_octet(struct lmtp_norm *n, uint8_t ch, bool line_start)
{
	if (line_start) {
		bool wsp = ch == ' ' || ch == '\t';

		if (n->field == F_FOLD) {
			if (!wsp) {
				msgid_end(n);
				n->field = F_NAME;
			} else {
				n->field = F_VALUE;
			}
		} else {
			/* a continuation line of another field is not a
			   field name */
			n->field = wsp ? F_SKIP : F_NAME;
		}
		n->name_pos = 0;
	}
	switch (n->field) {
	case F_NAME:
		if (n->msgid_done ||
		    ascii_tolower((char)ch) != msgid_name[n->name_pos]) {
			n->field = F_SKIP;
		} else if (++n->name_pos == sizeof(msgid_name) - 1) {
			n->field = F_VALUE;
		}
		break;
	case F_VALUE:
		/* leading white space is skipped; a tab counts as a space
		   and other control octets (NUL!) are left out, so msgid is
		   a proper C string */
		if (ch == '\t')
			ch = ' ';
		if (n->msgid_len < LMTP_NORM_MSGID_MAX && ch >= 0x20 &&
		    ch != 0x7f && (n->msgid_len > 0 || ch != ' '))
			n->msgid[n->msgid_len++] = (char)ch;
		break;
	default:
		break;
	}
}

/* Appends one octet of message content (never CR or LF). */
static void
emit(struct lmtp_norm *n, struct out *o, uint8_t ch)
{
	if (n->in_header) {
		if (ch >= 0x80) {
			n->header_8bit = true;
			if (n->strip_8bit) {
				ch &= 0x7f;
				if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
					ch = '?';
			}
		}
		field_octet(n, ch, n->out_bol);
	}
	o->p[o->len++] = ch;
	n->out_bol = false;
	n->out_bytes++;
}

static void
emit_crlf(struct lmtp_norm *n, struct out *o)
{
	if (n->in_header) {
		if (n->out_bol) {
			/* the empty line ending the header section */
			n->in_header = false;
			if (n->field == F_FOLD)
				msgid_end(n);
		} else if (n->field == F_VALUE) {
			n->field = F_FOLD;
		}
	}
	o->p[o->len++] = '\r';
	o->p[o->len++] = '\n';
	n->out_bol = true;
	n->out_bytes += 2;
}

/* Copies a run of ordinary body octets at once (the rest of a line that
   body_lines() did not take). */
static size_t
body_run(struct lmtp_norm *n, const uint8_t *in, size_t len, struct out *o,
	 size_t out_size)
{
	size_t max = MIN(len, out_size - o->len), i = 0;

	while (i < max && in[i] != '\r' && in[i] != '\n')
		i++;
	if (i > 0) {
		memcpy(o->p + o->len, in, i);
		o->len += i;
		n->out_bytes += i;
		n->out_bol = false;
	}
	return i;
}

/* Copies whole body lines that need no change at once: each ends in
   CRLF, holds no other CR or LF, and (DOT mode) does not start with a
   period. That is nearly every line of a message body; memchr() finds
   the line ends far faster than the octet-by-octet state machine, which
   takes over at the first line that is not of this kind. Called with
   the wire at W_BOL or W_MID (a line started in an earlier call). */
static size_t
body_lines(struct lmtp_norm *n, const uint8_t *in, size_t len, struct out *o,
	   size_t out_size)
{
	size_t max = MIN(len, out_size - o->len), i = 0;
	bool bol = n->wire == W_BOL;

	while (i < max) {
		const uint8_t *lf;
		size_t end;

		if (bol && in[i] == '.' && n->mode == LMTP_NORM_DOT)
			break;
		lf = memchr(in + i, '\n', max - i);
		if (lf == NULL)
			break;
		end = (size_t)(lf - in) + 1;
		if (end - i < 2 || in[end - 2] != '\r' ||
		    memchr(in + i, '\r', end - 2 - i) != NULL)
			break;
		i = end;
		bol = true;
	}
	if (i > 0) {
		memcpy(o->p + o->len, in, i);
		o->len += i;
		n->out_bytes += i;
		n->out_bol = true;
		n->wire = W_BOL;
	}
	return i;
}

/* Inside a line: CR, LF or content. */
static void
mid_octet(struct lmtp_norm *n, struct out *o, uint8_t ch)
{
	if (ch == '\r') {
		n->wire = W_CR;
	} else if (ch == '\n') {
		emit_crlf(n, o); /* bare LF */
		n->wire = W_MID;
	} else {
		emit(n, o, ch);
		n->wire = W_MID;
	}
}

/* Processes one input octet. */
static void
step(struct lmtp_norm *n, struct out *o, uint8_t ch)
{
	switch (n->wire) {
	case W_BOL:
		if (ch == '.' && n->mode == LMTP_NORM_DOT)
			n->wire = W_DOT;
		else
			mid_octet(n, o, ch);
		break;
	case W_DOT:
		if (ch == '\r') {
			n->wire = W_DOT_CR;
		} else {
			/* RFC 5321 section 4.5.2: a leading period followed
			   by other characters is deleted */
			mid_octet(n, o, ch);
		}
		break;
	case W_DOT_CR:
		if (ch == '\n') {
			n->done = true;
			break;
		}
		/* "." and a bare CR: the period is deleted, the CR is a
		   line end of its own */
		emit_crlf(n, o);
		mid_octet(n, o, ch);
		break;
	case W_CR:
		if (ch == '\n') {
			emit_crlf(n, o);
			n->wire = W_BOL;
		} else {
			emit_crlf(n, o); /* bare CR */
			mid_octet(n, o, ch);
		}
		break;
	default: /* W_MID */
		mid_octet(n, o, ch);
		break;
	}
}

size_t
lmtp_norm_feed(struct lmtp_norm *n, const uint8_t *in, size_t len, uint8_t *out,
	       size_t out_size, size_t *out_len_r)
{
	struct out o = {out, 0};
	size_t i = 0;

	while (i < len && !n->done && out_size - o.len >= LMTP_NORM_MIN_ROOM) {
		if (!n->in_header &&
		    (n->wire == W_BOL || n->wire == W_MID)) {
			i += body_lines(n, in + i, len - i, &o, out_size);
			if (n->wire == W_MID)
				i += body_run(n, in + i, len - i, &o,
					      out_size);
			if (i == len || out_size - o.len < LMTP_NORM_MIN_ROOM)
				break;
		}
		step(n, &o, in[i++]);
	}
	*out_len_r = o.len;
	return i;
}

size_t
lmtp_norm_finish(struct lmtp_norm *n, uint8_t *out, size_t out_size)
{
	struct out o = {out, 0};

	if (n->wire == W_CR && out_size >= 2) {
		emit_crlf(n, &o);
		n->wire = W_BOL;
	}
	if (!n->msgid_done && (n->field == F_VALUE || n->field == F_FOLD))
		msgid_end(n);
	return o.len;
}
