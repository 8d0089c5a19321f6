/* SPDX-License-Identifier: MIT */
/* Helpers shared by the IMAP unit tests. */
#include "imap-test-util.h"

#include <string.h>

const struct imap_arg *
test_parse_args(struct pool *pool, const char *args, size_t *count_r)
{
	struct imap_parser_settings set = {
	    .literal_mode = IMAP_LITERAL_PLUS,
	};
	struct imap_parser *parser = imap_parser_create(pool, &set);
	const struct imap_command *cmd = NULL;
	struct buf line = BUF_INIT;
	enum imap_parse_result r;
	size_t used, pos = 0;

	buf_printf(&line, "t X %s\r\n", args);
	/* synchronising literals: carry on after each continuation */
	do {
		r = imap_parser_parse(parser, line.data + pos, line.len - pos,
				      &used);
		pos += used;
	} while (r == IMAP_PARSE_CONTINUE);
	if (r == IMAP_PARSE_COMMAND && pos == line.len)
		cmd = imap_parser_command(parser);
	imap_parser_destroy(&parser);
	buf_free(&line);
	if (cmd == NULL)
		return NULL;
	*count_r = cmd->count;
	return cmd->args;
}

static void
render_bytes(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_append_c(out, (char)c);
	}
}

void
test_render_args(struct buf *out, const struct imap_arg *args, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct imap_arg *a = &args[i];

		if (i > 0 && (a->flags & IMAP_ARG_FLAG_NO_SP) == 0)
			buf_append_c(out, ' ');
		switch (a->type) {
		case IMAP_ARG_ATOM:
		case IMAP_ARG_NIL:
			render_bytes(out, a->u.str, a->len);
			break;
		case IMAP_ARG_QUOTED:
			buf_append_c(out, '"');
			for (size_t j = 0; j < a->len; j++) {
				if (a->u.str[j] == '"' || a->u.str[j] == '\\')
					buf_append_c(out, '\\');
				render_bytes(out, a->u.str + j, 1);
			}
			buf_append_c(out, '"');
			break;
		case IMAP_ARG_LITERAL:
		case IMAP_ARG_LITERAL8:
			buf_printf(out, "%s{%zu}",
				   a->type == IMAP_ARG_LITERAL8 ? "~" : "",
				   a->len);
			render_bytes(out, a->u.str, a->len);
			break;
		case IMAP_ARG_LIST:
			buf_append_c(out, '(');
			test_render_args(out, a->u.list, a->len);
			buf_append_c(out, ')');
			break;
		case IMAP_ARG_LITERAL_STREAM:
			buf_printf(out, "<stream %zu>", a->len);
			break;
		}
	}
}
