/* SPDX-License-Identifier: MIT */
/*
 * Multi-line responses produced in steps: LIST and UIDL listings and
 * RETR/TOP messages. Each step writes until conn_output_full() and then
 * waits for CONN_EV_DRAINED, so a connection holds at most the high-water
 * mark plus one chunk, however large the maildrop or the message; a
 * message is read from its file in chunks and never held in memory whole.
 */
#include "proto/pop3/pop3-maildrop.h"
#include "proto/pop3/pop3-private.h"
#include "net/conn.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Listing lines are batched into one conn_write() per this many bytes. */
#define LISTING_BATCH 4096
/* "<10 digits> <20 digits>\r\n" or "<10 digits> <uidl>\r\n" */
#define LISTING_LINE_MAX 48

void
pop3_send_listing(struct pop3_session *s, enum pop3_job_kind kind)
{
	s->job.kind = kind;
	s->job.next = 1;
}

void
pop3_send_message(struct pop3_session *s, uint32_t msg, int fd, bool retr,
		  uint64_t top_lines)
{
	s->job.kind = POP3_JOB_MSG;
	s->job.msg = msg;
	s->job.fd = fd;
	s->job.retr = retr;
	pop3_stuff_init(&s->job.stuff, !retr, top_lines);
}

void
pop3_send_abort(struct pop3_session *s)
{
	if (s->job.fd >= 0)
		close(s->job.fd);
	s->job.fd = -1;
	s->job.kind = POP3_JOB_NONE;
}

/* Bytes produced per step: at most a quarter of the output bound, so
   that the high-water mark (half of it) plus one chunk of output -- a
   message chunk grows by at most half through stuffing -- never exceeds
   max_net_buffer. */
static size_t
chunk_size(const struct pop3_session *s)
{
	uint64_t quarter = s->cfg->max_net_buffer / 4;

	if (quarter < 512)
		return 512;
	return quarter < POP3_READ_CHUNK ? (size_t)quarter : POP3_READ_CHUNK;
}

static bool
listing_step(struct pop3_session *s)
{
	struct pop3_job *job = &s->job;
	uint32_t count = pop3_maildrop_count(s->drop);
	char batch[LISTING_BATCH];
	size_t n = 0, limit = MIN(sizeof(batch), chunk_size(s));

	while (job->next <= count) {
		uint32_t msg = job->next;
		char uidl[POP3_UIDL_MAX];

		if (n + LISTING_LINE_MAX > limit) {
			if (conn_write(s->conn, batch, n) < 0) {
				pop3_send_abort(s); /* connection closed */
				return true;
			}
			n = 0;
			if (conn_output_full(s->conn))
				return false;
		}
		job->next++;
		/* RFC 1939 section 5: "messages marked as deleted are not
		   listed" */
		if (!pop3_maildrop_valid(s->drop, msg))
			continue;
		if (job->kind == POP3_JOB_LIST) {
			n += (size_t)snprintf(
			    batch + n, sizeof(batch) - n, "%u %llu\r\n", msg,
			    (unsigned long long)pop3_maildrop_size(s->drop,
								   msg));
		} else {
			pop3_maildrop_uidl(s->drop, msg, uidl);
			n += (size_t)snprintf(batch + n, sizeof(batch) - n,
					      "%u %s\r\n", msg, uidl);
		}
	}
	memcpy(batch + n, ".\r\n", 3);
	conn_write(s->conn, batch, n + 3);
	job->kind = POP3_JOB_NONE;
	return true;
}

static void
emit_conn(void *ctx, const void *data, size_t len)
{
	conn_write(ctx, data, len);
}

static bool
message_step(struct pop3_session *s)
{
	struct pop3_job *job = &s->job;
	uint8_t buf[POP3_READ_CHUNK];
	size_t chunk = chunk_size(s);

	while (!job->stuff.done) {
		ssize_t n;

		if (conn_output_full(s->conn))
			return false;
		n = read(job->fd, buf, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* the +OK is out: the response cannot be completed
			   honestly, so the connection ends */
			log_err("pop3: %s: read(message %u) failed: %m [%s]",
				s->userid, job->msg, conn_session_id(s->conn));
			pop3_send_abort(s);
			conn_close(s->conn, "Message read error");
			return true;
		}
		if (n == 0)
			break;
		pop3_stuff(&job->stuff, buf, (size_t)n, emit_conn, s->conn);
		if (conn_is_closed(s->conn)) {
			pop3_send_abort(s);
			return true;
		}
	}
	pop3_stuff_finish(&job->stuff, emit_conn, s->conn);
	if (job->retr)
		pop3_maildrop_mark_retrieved(s->drop, job->msg);
	pop3_send_abort(s);
	return true;
}

bool
pop3_send_continue(struct pop3_session *s)
{
	switch (s->job.kind) {
	case POP3_JOB_NONE:
		return true;
	case POP3_JOB_LIST:
	case POP3_JOB_UIDL:
		return listing_step(s);
	case POP3_JOB_MSG:
		return message_step(s);
	}
	return true;
}
