/* SPDX-License-Identifier: MIT */
/*
 * Incremental IMAP command parser: a byte-driven state machine over
 * RFC 3501 section 9 "command" syntax, with RFC 7888 non-synchronising
 * literals and RFC 4466 literal8. See imap-parser.h for the contract.
 */
#include "proto/imap/imap-parser.h"
#include "proto/imap/imap-parser-private.h"
#include "lib/mem.h"
#include "lib/panic.h"
#include "lib/str.h"

#include <string.h>

#define DEFAULT_MAX_LINE 65536
#define DEFAULT_MAX_DEPTH 32
#define DEFAULT_MAX_ARGS 10000
#define DEFAULT_MAX_LITERAL 65536
#define DEFAULT_MAX_LITERAL_TOTAL (1024 * 1024)
#define DEFAULT_MAX_STREAM_LITERAL (64 * 1024 * 1024)
/* scratch memory kept from one command to the next */
#define KEEP_ARGS 256
#define KEEP_TOKEN 4096

static void
settings_apply_defaults(struct imap_parser_settings *set)
{
	if (set->max_line_length == 0)
		set->max_line_length = DEFAULT_MAX_LINE;
	if (set->max_depth == 0)
		set->max_depth = DEFAULT_MAX_DEPTH;
	if (set->max_args == 0)
		set->max_args = DEFAULT_MAX_ARGS;
	if (set->max_literal_size == 0)
		set->max_literal_size = DEFAULT_MAX_LITERAL;
	if (set->max_literal_total == 0)
		set->max_literal_total = DEFAULT_MAX_LITERAL_TOTAL;
	if (set->max_stream_literal == 0)
		set->max_stream_literal = DEFAULT_MAX_STREAM_LITERAL;
	/* RFC 3501 section 9: the octet count is a 32-bit number */
	if (set->max_stream_literal > UINT32_MAX)
		set->max_stream_literal = UINT32_MAX;
}

struct imap_parser *
imap_parser_create(struct pool *pool, const struct imap_parser_settings *set)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	if (set != NULL)
		p->set = *set;
	settings_apply_defaults(&p->set);
	p->pool = pool;
	buf_init(&p->tok, p->set.max_line_length);
	p->state = PS_DONE;
	return p;
}

void
imap_parser_destroy(struct imap_parser **parser)
{
	struct imap_parser *p = *parser;

	if (p == NULL)
		return;
	buf_free(&p->tok);
	vec_free(&p->stack);
	vec_free(&p->lists);
	free(p);
	*parser = NULL;
}

void
imap_parser_set_pool(struct imap_parser *p, struct pool *pool)
{
	i_assert(p->state == PS_DONE);
	p->pool = pool;
}

void
imap_parser_set_utf8(struct imap_parser *p, bool enabled)
{
	p->utf8 = enabled;
}

static void
begin_command(struct imap_parser *p)
{
	p->state = PS_TAG;
	p->tag_len = 0;
	p->tag[0] = '\0';
	p->tag_valid = false;
	p->name_len = 0;
	p->name[0] = '\0';
	p->line_used = 0;
	p->arg_count = 0;
	p->literal_total = 0;
	p->after_open = false;
	p->bracket_pending = false;
	p->after_bracket_list = false;
	p->silent = false;
	p->cmd = NULL;
	memset(&p->trk, 0, sizeof(p->trk));
	/* a connection may idle for hours after one huge command: keep
	   only small scratch buffers between commands */
	if (p->stack.cap > KEEP_ARGS)
		vec_free(&p->stack);
	if (p->tok.cap > KEEP_TOKEN)
		buf_free(&p->tok);
	vec_clear(&p->stack);
	vec_clear(&p->lists);
	buf_clear(&p->tok);
}

void
imap_parser__error(struct imap_parser *p, enum imap_parse_error_code code,
		   const char *message)
{
	p->error.code = code;
	p->error.fatal = false;
	p->error.tag = p->tag_valid ? p->tag : NULL;
	p->error.message = message;
	/* the tracker has seen the line so far and carries on from here */
	p->state = PS_SKIP_LINE;
}

enum imap_parse_result
imap_parser__fatal(struct imap_parser *p, enum imap_parse_error_code code,
		   const char *message)
{
	p->error.code = code;
	p->error.fatal = true;
	p->error.tag = p->tag_valid ? p->tag : NULL;
	p->error.message = message;
	p->state = PS_FATAL;
	return IMAP_PARSE_FATAL;
}

/* --- the line: tag, command name, end of command ------------------------ */

static enum imap_parse_result
step_tag(struct imap_parser *p, const uint8_t *data, size_t end, size_t *pos)
{
	size_t i = *pos;

	while (i < end && imap_is_tag_char(data[i])) {
		if (p->tag_len == IMAP_TAG_MAX) {
			*pos = i;
			imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
					   "Tag too long");
			return IMAP_PARSE_MORE;
		}
		p->tag[p->tag_len++] = (char)data[i++];
	}
	*pos = i;
	if (i == end)
		return IMAP_PARSE_MORE;
	if (data[i] == ' ' && p->tag_len > 0) {
		p->tag[p->tag_len] = '\0';
		p->tag_valid = true;
		p->state = PS_NAME;
		*pos = i + 1;
	} else if (p->tag_len == 0 && (data[i] == '\r' || data[i] == '\n')) {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Empty command line");
	} else {
		/* RFC 3501 section 9: tag = 1*<any ASTRING-CHAR except "+"> */
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX, "Invalid tag");
	}
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result
step_name(struct imap_parser *p, const uint8_t *data, size_t end, size_t *pos)
{
	size_t i = *pos;

	while (i < end && imap_is_atom_char(data[i])) {
		if (p->name_len == IMAP_COMMAND_NAME_MAX) {
			*pos = i;
			imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
					   "Unknown command");
			return IMAP_PARSE_MORE;
		}
		p->name[p->name_len++] = ascii_toupper((char)data[i++]);
	}
	p->name[p->name_len] = '\0';
	*pos = i;
	if (i == end)
		return IMAP_PARSE_MORE;
	if (p->name_len == 0) {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Missing command name");
	} else if (data[i] == ' ') {
		p->state = PS_ARG_START;
		*pos = i + 1;
	} else if (data[i] == '\r') {
		p->state = PS_CMD_LF;
		*pos = i + 1;
	} else {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "Invalid command name");
	}
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result
finish_command(struct imap_parser *p)
{
	struct imap_command *cmd = pool_alloc(p->pool, sizeof(*cmd));

	cmd->tag = pool_memdup(p->pool, p->tag, p->tag_len + 1);
	cmd->name = pool_memdup(p->pool, p->name, p->name_len + 1);
	cmd->count = p->stack.n;
	cmd->args = pool_memdup(p->pool, p->stack.v,
				p->stack.n * sizeof(struct imap_arg));
	p->cmd = cmd;
	p->state = PS_DONE;
	return IMAP_PARSE_COMMAND;
}

static enum imap_parse_result
step_cmd_lf(struct imap_parser *p, const uint8_t *data, size_t *pos)
{
	if (data[*pos] != '\n') {
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX,
				   "CR not followed by LF");
		return IMAP_PARSE_MORE;
	}
	*pos += 1;
	if (p->lists.n > 0) {
		/* the line is over: nothing left to skip */
		imap_parser__error(p, IMAP_PARSE_ERR_SYNTAX, "Missing ')'");
		p->state = PS_DONE;
		return IMAP_PARSE_ERROR;
	}
	return finish_command(p);
}

/* --- skipping the rest of a bad command --------------------------------- */

static void
tracker_byte(struct skip_tracker *t, unsigned char c)
{
	switch (c) {
	case '{':
		t->st = TRK_OPEN;
		t->size = 0;
		t->overflow = false;
		t->plus = false;
		return;
	case '+':
		t->st = t->st == TRK_DIGITS ? TRK_PLUS : TRK_NONE;
		t->plus = t->st == TRK_PLUS;
		return;
	case '}':
		t->st = t->st == TRK_DIGITS || t->st == TRK_PLUS ? TRK_CLOSE
								 : TRK_NONE;
		return;
	case '\r':
		t->st = t->st == TRK_CLOSE ? TRK_CR : TRK_NONE;
		return;
	default:
		break;
	}
	if (ascii_isdigit(c) && (t->st == TRK_OPEN || t->st == TRK_DIGITS)) {
		t->st = TRK_DIGITS;
		if (t->size > (UINT32_MAX - (c - '0')) / 10)
			t->overflow = true;
		else
			t->size = t->size * 10 + (c - '0');
		return;
	}
	t->st = TRK_NONE;
}

static enum imap_parse_result
end_of_skipped_command(struct imap_parser *p)
{
	if (p->silent) {
		/* the caller has answered already; the main loop goes on
		   with the next command in the same call */
		p->state = PS_RESTART;
		return IMAP_PARSE_MORE;
	}
	p->state = PS_DONE;
	return IMAP_PARSE_ERROR;
}

enum imap_parse_result
imap_parser__skip_literal(struct imap_parser *p, uint64_t size)
{
	if (size > p->set.max_stream_literal) {
		return imap_parser__fatal(p, IMAP_PARSE_ERR_TOOBIG,
					  "Literal too large");
	}
	p->skip_left = size;
	p->state = PS_SKIP_LITERAL;
	return IMAP_PARSE_MORE;
}

static enum imap_parse_result
step_skip_line(struct imap_parser *p, const uint8_t *data, size_t end,
	       size_t *pos)
{
	struct skip_tracker *t = &p->trk;
	size_t i = *pos;
	uint64_t size;

	while (i < end && data[i] != '\n')
		tracker_byte(t, data[i++]);
	*pos = i;
	if (i == end)
		return IMAP_PARSE_MORE;
	*pos = i + 1;
	if (t->st != TRK_CR || !t->plus)
		return end_of_skipped_command(p);
	/* RFC 7888 section 3: a non-synchronising literal at the end of a
	   line belongs to the same command, and its octets are on the way */
	if (t->overflow)
		return imap_parser__fatal(p, IMAP_PARSE_ERR_TOOBIG,
					  "Literal too large");
	size = t->size;
	memset(t, 0, sizeof(*t));
	return imap_parser__skip_literal(p, size);
}

static enum imap_parse_result
step_skip_literal(struct imap_parser *p, size_t avail, size_t *pos)
{
	size_t n = avail < p->skip_left ? avail : (size_t)p->skip_left;

	*pos += n;
	p->skip_left -= n;
	if (p->skip_left == 0) {
		p->state = PS_SKIP_LINE;
		memset(&p->trk, 0, sizeof(p->trk));
	}
	return IMAP_PARSE_MORE;
}

/* --- the main loop ------------------------------------------------------- */

static bool
state_counts_line(enum parser_state state)
{
	return state != PS_LIT_DATA && state != PS_SKIP_LITERAL;
}

static enum imap_parse_result
step(struct imap_parser *p, const uint8_t *data, size_t end, size_t *pos)
{
	switch (p->state) {
	case PS_TAG:
		return step_tag(p, data, end, pos);
	case PS_NAME:
		return step_name(p, data, end, pos);
	case PS_CMD_LF:
		return step_cmd_lf(p, data, pos);
	case PS_LIT_OPEN:
	case PS_LIT_SIZE:
	case PS_LIT_CLOSE:
	case PS_LIT_CR:
	case PS_LIT_LF:
		return imap_parser__step_literal_size(p, data[*pos], pos);
	case PS_LIT_DATA:
		return imap_parser__step_literal_data(p, data, end - *pos, pos);
	case PS_SKIP_LINE:
		return step_skip_line(p, data, end, pos);
	case PS_SKIP_LITERAL:
		return step_skip_literal(p, end - *pos, pos);
	case PS_FATAL:
		return IMAP_PARSE_FATAL;
	case PS_PAUSED:
	case PS_DONE:
	case PS_RESTART:
	case PS_READ_LINE:
		i_unreached();
	default:
		return imap_parser__step_arg(p, data, end, pos);
	}
}

enum imap_parse_result
imap_parser_parse(struct imap_parser *p, const uint8_t *data, size_t len,
		  size_t *consumed_r)
{
	enum imap_parse_result ret = IMAP_PARSE_MORE;
	size_t pos = 0;

	i_assert(p->state != PS_PAUSED && p->state != PS_READ_LINE);
	*consumed_r = 0;
	if (p->state == PS_FATAL)
		return IMAP_PARSE_FATAL;
	if (p->state == PS_DONE)
		begin_command(p);
	p->cont_pending = false;
	while (ret == IMAP_PARSE_MORE && pos < len) {
		size_t before = pos, end = len;
		enum parser_state state = p->state;
		bool counts = state_counts_line(state);

		if (counts) {
			size_t room = p->set.max_line_length - p->line_used;

			if (room == 0) {
				ret = imap_parser__fatal(
				    p, IMAP_PARSE_ERR_LINE_TOO_LONG,
				    "Command line too long");
				break;
			}
			if (end - pos > room)
				end = pos + room;
		}
		ret = step(p, data, end, &pos);
		if (!counts)
			continue;
		p->line_used += pos - before;
		/* RFC 7888 section 3: the end of every line is checked for a
		   non-synchronising literal, also when the line turns out to
		   be bad; the skipper feeds the tracker itself */
		if (state != PS_SKIP_LINE) {
			for (size_t i = before; i < pos; i++)
				tracker_byte(&p->trk, data[i]);
		}
		/* only now, so the skipped line is not charged to the next
		   command */
		if (p->state == PS_RESTART)
			begin_command(p);
	}
	*consumed_r = pos;
	return ret;
}

/* --- "rest of the line" mode ---------------------------------------------- */

enum imap_parse_result
imap_parser_read_line(struct imap_parser *p, const uint8_t *data, size_t len,
		      size_t *consumed_r, const char **line_r, size_t *len_r)
{
	const uint8_t *lf;
	size_t n;

	i_assert(p->state == PS_DONE || p->state == PS_READ_LINE ||
		 p->state == PS_FATAL);
	*consumed_r = 0;
	if (p->state == PS_FATAL)
		return IMAP_PARSE_FATAL;
	if (p->state == PS_DONE) {
		begin_command(p);
		p->state = PS_READ_LINE;
	}
	lf = memchr(data, '\n', len);
	n = lf == NULL ? len : (size_t)(lf - data);
	if (buf_append(&p->tok, data, n) < 0) {
		return imap_parser__fatal(p, IMAP_PARSE_ERR_LINE_TOO_LONG,
					  "Line too long");
	}
	*consumed_r = n;
	if (lf == NULL)
		return IMAP_PARSE_MORE;
	*consumed_r = n + 1;
	p->state = PS_DONE;
	if (p->tok.len == 0 || p->tok.data[p->tok.len - 1] != '\r') {
		p->error.code = IMAP_PARSE_ERR_SYNTAX;
		p->error.fatal = false;
		p->error.tag = NULL;
		p->error.message = "Line not terminated by CRLF";
		return IMAP_PARSE_ERROR;
	}
	buf_truncate(&p->tok, p->tok.len - 1);
	*line_r = buf_cstr(&p->tok);
	*len_r = p->tok.len;
	return IMAP_PARSE_LINE;
}

/* --- getters ------------------------------------------------------------- */

const struct imap_command *
imap_parser_command(const struct imap_parser *p)
{
	i_assert(p->cmd != NULL);
	return p->cmd;
}

const struct imap_parse_error *
imap_parser_error(const struct imap_parser *p)
{
	return &p->error;
}
