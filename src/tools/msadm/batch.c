/* SPDX-License-Identifier: MIT */
/* Batch mode: commands from standard input, one per line, with shell-like
   quoting and '#' comments. A failing line is reported with its number and
   the next line runs; the exit status is the worst one. */
#include "tools/msadm/msadm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Longest command line and most words per line. */
#define MSADM_LINE_MAX 65536
#define MSADM_WORDS_MAX 1024

int
msadm_split(const char *line, struct buf *words, char **argv, int max,
	    const char **error_r)
{
	size_t starts[MSADM_WORDS_MAX];
	const char *p = line;
	int n = 0;

	buf_clear(words);
	for (;;) {
		char quote = 0;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n >= max || n >= MSADM_WORDS_MAX) {
			*error_r = "too many words";
			return -1;
		}
		starts[n++] = words->len;
		for (; *p != '\0'; p++) {
			if (quote == '\'') {
				if (*p == '\'')
					quote = 0;
				else
					buf_append_c(words, *p);
			} else if (quote == '"') {
				if (*p == '"')
					quote = 0;
				else if (*p == '\\' && p[1] != '\0' &&
					 strchr("\\\"$`", p[1]) != NULL)
					buf_append_c(words, *++p);
				else
					buf_append_c(words, *p);
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1] != '\0') {
				buf_append_c(words, *++p);
			} else if (*p == ' ' || *p == '\t' || *p == '\r') {
				break;
			} else {
				buf_append_c(words, *p);
			}
		}
		if (quote != 0) {
			*error_r = "unterminated quote";
			return -1;
		}
		buf_append_c(words, '\0');
	}
	for (int i = 0; i < n; i++)
		argv[i] = (char *)words->data + starts[i];
	argv[n] = NULL;
	return n;
}

static int
run_line(struct msadm *ctx, const char *line, struct buf *words)
{
	char *argv[MSADM_WORDS_MAX + 1];
	const char *error;
	int argc;

	argc = msadm_split(line, words, argv, MSADM_WORDS_MAX, &error);
	if (argc < 0) {
		msadm_error(ctx, "%s", error);
		return CLI_EXIT_USAGE;
	}
	return msadm_run(ctx, argc, argv);
}

/* Takes the next line out of in (NUL-terminated in place). Returns its
   length, or -1 if in holds no complete line. */
static ssize_t
next_line(struct buf *in, size_t *consumed)
{
	uint8_t *nl;

	if (in->len == *consumed)
		return -1;
	nl = memchr(in->data + *consumed, '\n', in->len - *consumed);
	if (nl == NULL)
		return -1;
	*nl = '\0';
	return nl - (in->data + *consumed);
}

int
msadm_batch(struct msadm *ctx, int fd)
{
	struct buf in = BUF_INIT, words = BUF_INIT;
	bool eof = false, skipping = false;
	size_t consumed = 0;
	int worst = 0;

	buf_init(&in, MSADM_LINE_MAX * 2);
	while (!eof || consumed < in.len) {
		ssize_t len = next_line(&in, &consumed);
		int ret = 0;

		if (len < 0 && !eof && in.len - consumed < MSADM_LINE_MAX) {
			ssize_t n;

			buf_consume(&in, consumed);
			consumed = 0;
			if (buf_reserve(&in, 4096) < 0)
				break;
			n = read(fd, buf_tail(&in), buf_room(&in) - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				eof = true;
				/* a last line without newline */
				if (in.len > 0)
					buf_append_c(&in, '\n');
			} else {
				in.len += (size_t)n;
			}
			continue;
		}
		if (len < 0) {
			/* over-long line: report once, drop up to its end */
			if (!skipping) {
				ctx->line++;
				msadm_error(ctx,
					    "line too long (more than %d "
					    "bytes)",
					    MSADM_LINE_MAX);
				worst = MAX(worst, CLI_EXIT_USAGE);
				skipping = true;
			}
			buf_clear(&in);
			consumed = 0;
			continue;
		}
		if (skipping) {
			skipping = false;
		} else if ((size_t)len > MSADM_LINE_MAX) {
			ctx->line++;
			msadm_error(ctx, "line too long (more than %d bytes)",
				    MSADM_LINE_MAX);
			ret = CLI_EXIT_USAGE;
		} else if (memchr(in.data + consumed, '\0', (size_t)len) !=
			   NULL) {
			ctx->line++;
			ret = msadm_error(ctx, "line contains a NUL byte");
		} else {
			ctx->line++;
			ret = run_line(ctx, (const char *)in.data + consumed,
				       &words);
		}
		consumed += (size_t)len + 1;
		worst = MAX(worst, ret);
		fflush(stdout);
	}
	buf_free(&in);
	buf_free(&words);
	return worst;
}
