/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the incremental IMAP command parser. The first two
 * input bytes choose settings and a chunking seed; the rest is fed once in
 * one piece and once in pseudo-random chunks, and the two transcripts of
 * results must be identical. APPEND literals are streamed, collected or
 * rejected, and a line after AUTHENTICATE or IDLE is read with
 * imap_parser_read_line().
 */
#include "imap-fuzz-util.h"
#include "lib/buf.h"
#include "lib/pool.h"
#include "proto/imap/imap-parser.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run_cfg {
	struct imap_parser_settings set;
	bool utf8;
	unsigned policy; /* 0 stream, 1 collect, 2 reject */
	bool reject_continue;
};

struct feeder {
	const uint8_t *data;
	size_t size, delivered, consumed;
	uint32_t seed; /* 0: everything at once */
};

static void
deliver(struct feeder *f)
{
	size_t n = f->size - f->delivered;

	if (f->seed != 0) {
		f->seed = f->seed * 1103515245u + 12345u;
		n = 1 + ((f->seed >> 16) % 17);
		if (n > f->size - f->delivered)
			n = f->size - f->delivered;
	}
	f->delivered += n;
}

static void
record_result(struct buf *out, struct imap_parser *p, enum imap_parse_result r)
{
	const struct imap_parse_error *e;
	const struct imap_command *cmd;

	buf_printf(out, "%d", (int)r);
	switch (r) {
	case IMAP_PARSE_COMMAND:
		cmd = imap_parser_command(p);
		buf_printf(out, " %s %s", cmd->tag, cmd->name);
		fuzz_render_args(out, cmd->args, cmd->count);
		break;
	case IMAP_PARSE_ERROR:
	case IMAP_PARSE_FATAL:
		e = imap_parser_error(p);
		buf_printf(out, " %s %d %s", e->tag != NULL ? e->tag : "*",
			   (int)e->code, e->message);
		break;
	case IMAP_PARSE_CONTINUE:
	case IMAP_PARSE_LITERAL:
		buf_printf(out, " %llu %u",
			   (unsigned long long)imap_parser_literal(p)->size,
			   imap_parser_literal(p)->depth);
		break;
	default:
		break;
	}
	buf_append_c(out, '\n');
}

/* Handles one non-MORE result; returns false to stop. */
static bool
handle(struct imap_parser *p, const struct run_cfg *cfg,
       enum imap_parse_result r, uint64_t *stream_left, bool *line_mode,
       struct pool *pool)
{
	switch (r) {
	case IMAP_PARSE_COMMAND: {
		const char *name = imap_parser_command(p)->name;

		*line_mode = strcmp(name, "AUTHENTICATE") == 0 ||
			     strcmp(name, "IDLE") == 0;
		pool_clear(pool);
		return true;
	}
	case IMAP_PARSE_CONTINUE:
		if (cfg->reject_continue)
			imap_parser_literal_reject(p);
		return true;
	case IMAP_PARSE_LITERAL:
		if (cfg->policy == 0) {
			*stream_left = imap_parser_literal(p)->size;
			imap_parser_literal_stream(p);
		} else if (cfg->policy == 1 &&
			   imap_parser_literal_collect(p) == 0) {
			/* collected by the parser */
		} else {
			imap_parser_literal_reject(p);
		}
		return true;
	case IMAP_PARSE_ERROR:
	case IMAP_PARSE_LINE:
		pool_clear(pool);
		return true;
	default:
		return false;
	}
}

static char *
run(const struct run_cfg *cfg, const uint8_t *data, size_t size, uint32_t seed)
{
	struct pool *pool = pool_create(1024);
	struct imap_parser *p = imap_parser_create(pool, &cfg->set);
	struct feeder f = {data, size, 0, 0, seed};
	struct buf out;
	uint64_t stream_left = 0;
	bool line_mode = false, go = true;

	buf_init(&out, 1024 * 1024);
	imap_parser_set_utf8(p, cfg->utf8);
	while (go && f.delivered < f.size) {
		deliver(&f);
		while (go) {
			enum imap_parse_result r;
			const char *line;
			size_t used, len;

			if (stream_left > 0) {
				size_t n = f.delivered - f.consumed;

				if (n > stream_left)
					n = (size_t)stream_left;
				f.consumed += n;
				stream_left -= n;
				if (stream_left > 0)
					break;
			}
			if (f.consumed == f.delivered)
				break;
			if (line_mode) {
				r = imap_parser_read_line(
				    p, f.data + f.consumed,
				    f.delivered - f.consumed, &used, &line,
				    &len);
				if (r == IMAP_PARSE_LINE) {
					line_mode = false;
					buf_printf(&out, "LINE %zu\n", len);
				}
			} else {
				r = imap_parser_parse(p, f.data + f.consumed,
						      f.delivered - f.consumed,
						      &used);
			}
			f.consumed += used;
			if (r == IMAP_PARSE_MORE) {
				if (f.consumed != f.delivered)
					abort();
				break;
			}
			record_result(&out, p, r);
			go = handle(p, cfg, r, &stream_left, &line_mode, pool);
		}
	}
	imap_parser_destroy(&p);
	pool_destroy(&pool);
	return buf_steal(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_cfg cfg = {{0}, false, 0, false};
	char *whole, *chunked;
	uint8_t c;

	if (size < 2)
		return 0;
	c = data[0];
	cfg.set.literal_mode = (enum imap_literal_mode)(c % 3);
	cfg.utf8 = (c & 0x04) != 0;
	cfg.policy = (c >> 3) % 3;
	cfg.reject_continue = (c & 0x20) != 0;
	if ((c & 0x40) != 0) {
		/* small limits, to reach them */
		cfg.set.max_line_length = 256;
		cfg.set.max_depth = 4;
		cfg.set.max_args = 40;
		cfg.set.max_literal_size = 64;
		cfg.set.max_literal_total = 100;
		cfg.set.max_stream_literal = 1000;
	}
	whole = run(&cfg, data + 2, size - 2, 0);
	chunked = run(&cfg, data + 2, size - 2, data[1] | 0x100u);
	/* feeding in pieces must not change anything */
	if (strcmp(whole, chunked) != 0)
		abort();
	free(whole);
	free(chunked);
	return 0;
}
