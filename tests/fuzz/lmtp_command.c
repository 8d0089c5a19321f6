/* SPDX-License-Identifier: MIT */
/* Fuzz target: LMTP command lines. The input is split at LF into lines;
   each is parsed, and what parses must respect the documented bounds. */
#include "proto/lmtp/lmtp-command.h"
#include "proto/lmtp/lmtp-status.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);

	if (len > max)
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f)
			abort();
	}
}

static void
parse_line(const char *line, size_t len)
{
	const struct lmtp_status *st = NULL;
	struct lmtp_command cmd;

	if (lmtp_command_parse(line, len, &cmd, &st) < 0) {
		/* every refusal is a 5xx with an enhanced code */
		if (st == NULL || st->code < 500 || st->code > 555 ||
		    st->enh == NULL || st->enh[0] != '5')
			abort();
		return;
	}
	if (cmd.verb > LMTP_VERB_HELP)
		abort();
	/* only printable ASCII reaches replies, logs and headers */
	check_text(cmd.domain, LMTP_DOMAIN_MAX);
	check_text(cmd.path.domain, LMTP_DOMAIN_MAX);
	check_text(cmd.path.mailbox, LMTP_PATH_MAX - 2);
	check_text(cmd.path.local, LMTP_PATH_MAX - 2);
	if (cmd.path.null && cmd.path.mailbox[0] != '\0')
		abort();
	if (cmd.verb == LMTP_VERB_BDAT && !cmd.has_size)
		abort();
	if ((cmd.verb == LMTP_VERB_MAIL || cmd.verb == LMTP_VERB_RCPT) &&
	    !cmd.path.null && cmd.path.mailbox[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		size_t len = lf != NULL ? (size_t)(lf - p) : (size_t)(end - p);
		/* a copy of exactly len octets, so ASan sees overreads */
		char *line = malloc(len > 0 ? len : 1);

		memcpy(line, p, len);
		if (len > 0 && line[len - 1] == '\r')
			parse_line(line, len - 1);
		else
			parse_line(line, len);
		free(line);
		p += len + (lf != NULL ? 1 : 0);
	}
	return 0;
}
