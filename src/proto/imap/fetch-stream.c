/* SPDX-License-Identifier: MIT */
/* Chunked response output with file ranges (fetch-stream.h). */
#include "proto/imap/fetch-stream.h"
#include "config/config.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/panic.h"
#include "lib/vec.h"
#include "net/conn.h"

#include <string.h>
#include <unistd.h>

#define CHUNK_MIN 512
#define CHUNK_MAX 32768
/* Response text beyond this is not kept allocated between flushes. */
#define TEXT_KEEP_MAX 65536

/* Text up to text_end, then the file range. */
struct segment {
	size_t text_end;
	uint64_t offset;
	uint64_t size;
};

struct fetch_stream {
	struct imap_session *session;
	struct buf text;
	size_t text_done;
	VEC(struct segment) segs;
	size_t seg;	   /* segment being written */
	uint64_t seg_done; /* bytes of its file range written */
	uint64_t file_pending;
	int fd;
	size_t chunk_size;
	uint8_t *chunk;
};

struct fetch_stream *
fetch_stream_create(struct imap_session *s)
{
	struct fetch_stream *st = xcalloc(1, sizeof(*st));
	uint64_t max = s->cfg->max_net_buffer / 4;

	/* conn_write() closes a connection whose pending output would
	   exceed max_net_buffer; it is only called below the high-water
	   mark (at most half of it), so pieces of a quarter always fit */
	st->chunk_size = (size_t)(max < CHUNK_MIN   ? CHUNK_MIN
				  : max > CHUNK_MAX ? CHUNK_MAX
						    : max);
	st->session = s;
	st->fd = -1;
	return st;
}

void
fetch_stream_reset(struct fetch_stream *st)
{
	if (st->fd >= 0)
		(void)close(st->fd);
	st->fd = -1;
	buf_clear(&st->text);
	if (st->text.cap > TEXT_KEEP_MAX)
		buf_free(&st->text);
	st->text_done = 0;
	vec_clear(&st->segs);
	st->seg = 0;
	st->seg_done = 0;
	st->file_pending = 0;
}

void
fetch_stream_destroy(struct fetch_stream **stp)
{
	struct fetch_stream *st = *stp;

	if (st == NULL)
		return;
	fetch_stream_reset(st);
	buf_free(&st->text);
	vec_free(&st->segs);
	free(st->chunk);
	free(st);
	*stp = NULL;
}

struct buf *
fetch_stream_text(struct fetch_stream *st)
{
	return &st->text;
}

void
fetch_stream_set_file(struct fetch_stream *st, int fd)
{
	i_assert(st->file_pending == 0);
	if (st->fd >= 0)
		(void)close(st->fd);
	st->fd = fd;
}

void
fetch_stream_file_ranges(struct fetch_stream *st,
			 const struct fetch_ranges *ranges)
{
	i_assert(st->fd >= 0 || ranges->n == 0);
	for (size_t i = 0; i < ranges->n; i++) {
		struct segment *seg = vec_push_new(&st->segs);

		seg->text_end = st->text.len;
		seg->offset = ranges->v[i].offset;
		seg->size = ranges->v[i].size;
		st->file_pending += ranges->v[i].size;
	}
}

uint64_t
fetch_stream_pending(const struct fetch_stream *st)
{
	return (uint64_t)(st->text.len - st->text_done) + st->file_pending;
}

bool
fetch_stream_has_file(const struct fetch_stream *st)
{
	return st->file_pending > 0;
}

size_t
fetch_stream_chunk_size(const struct fetch_stream *st)
{
	return st->chunk_size;
}

/* RFC 3501 section 9: CHAR8 = %x01-ff; the octet count stays exact. */
static void
replace_nul(uint8_t *p, size_t len)
{
	uint8_t *end = p + len;

	while ((p = memchr(p, '\0', (size_t)(end - p))) != NULL)
		*p++ = 0x80;
}

static void
read_failed(struct fetch_stream *st, const struct err *err)
{
	struct imap_session *s = st->session;

	log_err("imap(%s): %s: cannot send a message: %s",
		s->userid != NULL ? s->userid : "-", conn_session_id(s->conn),
		err->msg);
	conn_close(s->conn, "Message file could not be read");
}

/* Writes the next piece of the current file range. */
static int
write_file_piece(struct fetch_stream *st, struct segment *seg)
{
	struct conn *conn = st->session->conn;
	size_t want =
	    (size_t)MIN((uint64_t)st->chunk_size, seg->size - st->seg_done);
	ssize_t n;

	if (st->chunk == NULL)
		st->chunk = xmalloc(st->chunk_size);
	n = pread_full(st->fd, st->chunk, want,
		       (off_t)(seg->offset + st->seg_done));
	if (n <= 0) {
		struct err err;

		/* the literal's size is announced: a short message file
		   leaves no way to complete the response */
		if (n < 0)
			err_set_errno(&err, "pread", "message file");
		else
			err_set(&err, ERR_CORRUPT,
				"message file is shorter "
				"than its index says");
		read_failed(st, &err);
		return -1;
	}
	replace_nul(st->chunk, (size_t)n);
	if (conn_write(conn, st->chunk, (size_t)n) < 0)
		return -1;
	st->seg_done += (uint64_t)n;
	st->file_pending -= (uint64_t)n;
	return 0;
}

int
fetch_stream_flush(struct fetch_stream *st)
{
	struct conn *conn = st->session->conn;

	for (;;) {
		size_t stop = st->seg < st->segs.n
				  ? st->segs.v[st->seg].text_end
				  : st->text.len;

		if (st->text_done < stop) {
			size_t n = MIN(st->chunk_size, stop - st->text_done);

			if (conn_output_full(conn))
				return 0;
			if (conn_write(conn, st->text.data + st->text_done, n) <
			    0)
				return -1;
			st->text_done += n;
			continue;
		}
		if (st->seg == st->segs.n)
			break;
		if (st->seg_done < st->segs.v[st->seg].size) {
			if (conn_output_full(conn))
				return 0;
			if (write_file_piece(st, &st->segs.v[st->seg]) < 0)
				return -1;
			continue;
		}
		st->seg++;
		st->seg_done = 0;
	}
	fetch_stream_reset(st);
	return 1;
}
