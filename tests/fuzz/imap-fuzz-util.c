/* SPDX-License-Identifier: MIT */
/* Helpers for the IMAP fuzz targets. */
#include "imap-fuzz-util.h"

#include <string.h>

const struct imap_arg *
fuzz_parse_args(struct pool *pool, const uint8_t *data, size_t size,
		size_t *count_r)
{
	struct imap_parser_settings set = {
	    .literal_mode = IMAP_LITERAL_PLUS,
	    .max_literal_size = 4096,
	};
	struct imap_parser *parser = imap_parser_create(pool, &set);
	const struct imap_command *cmd = NULL;
	struct buf line = BUF_INIT;
	enum imap_parse_result r;
	size_t used, pos = 0;

	buf_append(&line, "t X ", 4);
	buf_append(&line, data, size);
	buf_append(&line, "\r\n", 2);
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

void
fuzz_render_args(struct buf *out, const struct imap_arg *args, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct imap_arg *a = &args[i];

		buf_printf(out, " %d/%x:", (int)a->type, a->flags);
		if (a->type == IMAP_ARG_LIST) {
			buf_append_c(out, '(');
			fuzz_render_args(out, a->u.list, a->len);
			buf_append_c(out, ')');
		} else if (a->type == IMAP_ARG_LITERAL_STREAM) {
			buf_printf(out, "<%zu>", a->len);
		} else {
			buf_printf(out, "%zu:", a->len);
			buf_append(out, a->u.str, a->len);
		}
	}
}
