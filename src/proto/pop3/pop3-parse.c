/* SPDX-License-Identifier: MIT */
/* POP3 command-line and PLAIN message parsing (see pop3-parse.h). */
#include "proto/pop3/pop3-parse.h"
#include "lib/macros.h"
#include "lib/str.h"
#include "lib/strnum.h"
#include "lib/utf8.h"

#include <string.h>

/* Arity of each command: min and max arguments; REST takes the rest of
   the line as one argument. */
#define REST 0xff

static const struct {
	const char *name;
	uint8_t min, max;
} commands[POP3_CMD_COUNT] = {
    [POP3_CMD_USER] = {"USER", 1, 1},	 /* RFC 1939 section 7 */
    [POP3_CMD_PASS] = {"PASS", 1, REST}, /* RFC 1939 section 7 */
    [POP3_CMD_APOP] = {"APOP", 2, 2},	 /* RFC 1939 section 7 */
    [POP3_CMD_AUTH] = {"AUTH", 0, 2},	 /* RFC 5034 section 4 */
    [POP3_CMD_STLS] = {"STLS", 0, 0},	 /* RFC 2595 section 4 */
    [POP3_CMD_CAPA] = {"CAPA", 0, 0},	 /* RFC 2449 section 5 */
    [POP3_CMD_QUIT] = {"QUIT", 0, 0},	 /* RFC 1939 sections 4, 6 */
    [POP3_CMD_STAT] = {"STAT", 0, 0},	 /* RFC 1939 section 5 */
    [POP3_CMD_LIST] = {"LIST", 0, 1},	 /* RFC 1939 section 5 */
    [POP3_CMD_RETR] = {"RETR", 1, 1},	 /* RFC 1939 section 5 */
    [POP3_CMD_DELE] = {"DELE", 1, 1},	 /* RFC 1939 section 5 */
    [POP3_CMD_NOOP] = {"NOOP", 0, 0},	 /* RFC 1939 section 5 */
    [POP3_CMD_RSET] = {"RSET", 0, 0},	 /* RFC 1939 section 5 */
    [POP3_CMD_TOP] = {"TOP", 2, 2},	 /* RFC 1939 section 7 */
    [POP3_CMD_UIDL] = {"UIDL", 0, 1},	 /* RFC 1939 section 7 */
};

const char *
pop3_parse_verb_name(enum pop3_verb verb)
{
	return verb < POP3_CMD_COUNT ? commands[verb].name : "?";
}

/* RFC 1939 section 3: "Keywords and arguments consist of printable ASCII
   characters"; we also let 8-bit bytes through for UTF-8 credentials.
   Control characters (TAB included) and DEL never belong in a command. */
static bool
line_chars_ok(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static int
find_verb(const char *kw, size_t len)
{
	/* RFC 1939 section 3: "Keywords are three or four characters long" */
	if (len < 3 || len > 4)
		return -1;
	for (int i = 0; i < POP3_CMD_COUNT; i++) {
		if (strlen(commands[i].name) == len &&
		    mem_eq_icase(kw, commands[i].name, len))
			return i;
	}
	return -1;
}

enum pop3_parse_result
pop3_parse_command(const char *line, size_t len, struct pop3_cmd *cmd_r)
{
	size_t pos = 0, start;
	int verb;

	memset(cmd_r, 0, sizeof(*cmd_r));
	if (!line_chars_ok(line, len))
		return POP3_PARSE_BAD_CHAR;
	while (pos < len && line[pos] == ' ')
		pos++;
	if (pos == len)
		return POP3_PARSE_EMPTY;
	start = pos;
	while (pos < len && line[pos] != ' ')
		pos++;
	verb = find_verb(line + start, pos - start);
	if (verb < 0)
		return POP3_PARSE_UNKNOWN;
	cmd_r->verb = (enum pop3_verb)verb;

	if (commands[verb].max == REST) {
		/* exactly one separator, then everything verbatim */
		if (pos + 1 >= len)
			return POP3_PARSE_SYNTAX;
		cmd_r->args[0].p = line + pos + 1;
		cmd_r->args[0].len = len - pos - 1;
		cmd_r->nargs = 1;
		return POP3_PARSE_OK;
	}
	for (;;) {
		while (pos < len && line[pos] == ' ')
			pos++;
		if (pos == len)
			break;
		if (cmd_r->nargs == commands[verb].max)
			return POP3_PARSE_SYNTAX;
		start = pos;
		while (pos < len && line[pos] != ' ')
			pos++;
		cmd_r->args[cmd_r->nargs].p = line + start;
		cmd_r->args[cmd_r->nargs].len = pos - start;
		cmd_r->nargs++;
	}
	if (cmd_r->nargs < commands[verb].min)
		return POP3_PARSE_SYNTAX;
	return POP3_PARSE_OK;
}

int
pop3_parse_msgnum(const struct pop3_arg *arg, uint32_t *num_r)
{
	uint64_t n;

	if (arg->len == 0 || arg->len > 10 ||
	    mem_to_u64(arg->p, arg->len, UINT32_MAX, &n) != arg->len || n == 0)
		return -1;
	*num_r = (uint32_t)n;
	return 0;
}

int
pop3_parse_count(const struct pop3_arg *arg, uint64_t *num_r)
{
	if (arg->len == 0 || arg->len > 19 ||
	    mem_to_u64(arg->p, arg->len, UINT64_MAX, num_r) != arg->len)
		return -1;
	return 0;
}

int
pop3_parse_plain(const uint8_t *msg, size_t len, size_t max_part,
		 struct pop3_plain *plain_r)
{
	const uint8_t *nul1, *nul2;

	memset(plain_r, 0, sizeof(*plain_r));
	if (len == 0)
		return -1;
	nul1 = memchr(msg, '\0', len);
	if (nul1 == NULL)
		return -1;
	nul2 = memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - msg));
	if (nul2 == NULL)
		return -1;
	plain_r->authzid = (const char *)msg;
	plain_r->authzid_len = (size_t)(nul1 - msg);
	plain_r->authcid = (const char *)nul1 + 1;
	plain_r->authcid_len = (size_t)(nul2 - nul1 - 1);
	plain_r->passwd = (const char *)nul2 + 1;
	plain_r->passwd_len = len - (size_t)(nul2 + 1 - msg);
	/* passwd = 1*SAFE: a third NUL is not SAFE */
	if (plain_r->authcid_len == 0 || plain_r->passwd_len == 0 ||
	    memchr(plain_r->passwd, '\0', plain_r->passwd_len) != NULL)
		return -1;
	if (plain_r->authzid_len > max_part ||
	    plain_r->authcid_len > max_part || plain_r->passwd_len > max_part)
		return -1;
	if (!utf8_valid(plain_r->authzid, plain_r->authzid_len) ||
	    !utf8_valid(plain_r->authcid, plain_r->authcid_len) ||
	    !utf8_valid(plain_r->passwd, plain_r->passwd_len))
		return -1;
	return 0;
}
