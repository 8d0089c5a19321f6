/* SPDX-License-Identifier: MIT */
/* Fuzz target: POP3 command lines as a client sends them (CRLF or LF
   separated, pipelined), the argument parsers, and the same bytes as a
   decoded PLAIN message. Checks that results stay inside the input and
   match the command table. */
#include "proto/pop3/pop3-parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_inside(const char *line, size_t len, const struct pop3_arg *arg)
{
	if (arg->p < line || arg->p + arg->len > line + len)
		abort();
}

static void
one_line(const char *line, size_t len)
{
	struct pop3_cmd cmd;
	enum pop3_parse_result r = pop3_parse_command(line, len, &cmd);
	uint32_t msg;
	uint64_t count;

	if (r != POP3_PARSE_OK && r != POP3_PARSE_SYNTAX)
		return;
	if (cmd.verb >= POP3_CMD_COUNT || cmd.nargs > POP3_ARGS_MAX)
		abort();
	if (r == POP3_PARSE_SYNTAX)
		return;
	for (unsigned i = 0; i < cmd.nargs; i++) {
		check_inside(line, len, &cmd.args[i]);
		if (cmd.args[i].len == 0)
			abort();
		if (cmd.verb != POP3_CMD_PASS &&
		    memchr(cmd.args[i].p, ' ', cmd.args[i].len) != NULL)
			abort();
		if (pop3_parse_msgnum(&cmd.args[i], &msg) == 0 && msg == 0)
			abort();
		(void)pop3_parse_count(&cmd.args[i], &count);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct pop3_plain plain;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len < POP3_LINE_MAX)
			one_line(p, len);
		p = nl != NULL ? nl + 1 : end;
	}
	if (pop3_parse_plain(data, size, 255, &plain) == 0) {
		if (plain.authcid_len == 0 || plain.passwd_len == 0 ||
		    plain.authzid_len + plain.authcid_len + plain.passwd_len +
			    2 !=
			size)
			abort();
	}
	return 0;
}
