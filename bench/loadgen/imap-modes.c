/* SPDX-License-Identifier: MIT */
/*
 * Two IMAP modes of the load generator (imap.h):
 *   imap-idle    hold many connections in IDLE while the server's memory
 *                is measured: LOGIN, SELECT INBOX, IDLE; once all are
 *                idling, write the ready file; DONE and LOGOUT when the
 *                hold time ends or the ready file is removed;
 *   imap-select  time SELECT and FETCH 1:* (UID FLAGS) of a big mailbox,
 *                in --repeat sessions one after the other.
 */
#include "imap.h"
#include "lib/mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* IDLE mode: when nobody became ready for this long, the connections
   that are ready are reported as all there is. */
#define IDLE_STALL_US (30u * 1000000)

struct idle_mode {
	unsigned ready;
	bool reported, released;
	uint64_t last_progress, ready_at;
};

struct select_mode {
	unsigned reps_done;
	uint64_t t_select, t_fetch;
	uint32_t fetched, last_uid;
	bool first_done;
	uint64_t first_select_us, first_fetch_us;
};

static struct imap_state *
state(struct lg_conn *c)
{
	return c->ps;
}

void
imap_modes_init(struct lg *lg)
{
	if (lg->opt->mode == LG_MODE_IMAP_IDLE)
		lg->mode = xcalloc(1, sizeof(struct idle_mode));
	if (lg->opt->mode == LG_MODE_IMAP_SELECT)
		lg->mode = xcalloc(1, sizeof(struct select_mode));
}

/* ---- IMAP IDLE mode ---- */

static void
idle_over(struct lg_conn *c, struct imap_state *s, bool ok, const uint8_t *text,
	  size_t len)
{
	lg_op_end(c, 0, 0);
	imap_logout(c, s);
}

static void
idle_selected(struct lg_conn *c, struct imap_state *s, bool ok,
	      const uint8_t *text, size_t len)
{
	if (!s->idle) {
		(void)lg_fail(c, "the server does not announce IDLE");
		return;
	}
	imap_idle(c, s, idle_over);
}

static void
write_ready(struct lg *lg, unsigned ready)
{
	char line[64];
	int fd, n;

	printf("idle-ready %u\n", ready);
	fflush(stdout);
	if (lg->opt->ready_file == NULL)
		return;
	n = snprintf(line, sizeof(line), "%u\n", ready);
	fd = open(lg->opt->ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		perror("loadgen: ready file");
	if (fd >= 0)
		close(fd);
}

static void
idle_tick(struct lg *lg, uint64_t now)
{
	struct idle_mode *im = lg->mode;
	bool all = im->ready == lg->nconns;

	if (im->last_progress == 0)
		im->last_progress = now;
	if (!im->reported && (all || now - im->last_progress > IDLE_STALL_US)) {
		im->reported = true;
		im->ready_at = now;
		write_ready(lg, im->ready);
		return;
	}
	if (!im->reported || im->released)
		return;
	/* released by the hold time or by the driver removing the file */
	if (now - im->ready_at < (uint64_t)(lg->opt->hold * 1e6) &&
	    (lg->opt->ready_file == NULL ||
	     access(lg->opt->ready_file, F_OK) == 0))
		return;
	im->released = true;
	for (unsigned i = 0; i < lg->nconns; i++) {
		struct lg_conn *c = &lg->conns[i];

		if (c->fd >= 0 && c->ps != NULL)
			imap_idle_done(c, state(c));
	}
}

/* ---- IMAP SELECT mode ---- */

static int
select_fetch(struct lg_conn *c, struct imap_state *s,
	     const struct imap_fetch *f)
{
	struct select_mode *sm = c->lg->mode;

	if (!f->has_uid || !f->has_flags)
		return lg_fail(c, "FETCH %u without UID or FLAGS", f->seq);
	if (f->seq != sm->fetched + 1 || f->uid <= sm->last_uid)
		return lg_fail(c, "FETCH %u UID %u out of order", f->seq,
			       f->uid);
	sm->fetched++;
	sm->last_uid = f->uid;
	return 0;
}

static void
select_fetched(struct lg_conn *c, struct imap_state *s, bool ok,
	       const uint8_t *text, size_t len)
{
	struct select_mode *sm = c->lg->mode;
	uint64_t now = lg_now();

	if (sm->fetched != s->exists) {
		(void)lg_fail(c, "FETCH 1:* returned %u of %u messages",
			      sm->fetched, s->exists);
		return;
	}
	lg_op_end(c, 0, sm->fetched);
	if (!sm->first_done) {
		sm->first_done = true;
		sm->first_select_us = sm->t_fetch - sm->t_select;
		sm->first_fetch_us = now - sm->t_fetch;
	}
	imap_logout(c, s);
}

static void
select_selected(struct lg_conn *c, struct imap_state *s, bool ok,
		const uint8_t *text, size_t len)
{
	struct select_mode *sm = c->lg->mode;
	uint32_t expect = c->lg->opt->expect_count;

	if (expect != 0 && s->exists != expect) {
		(void)lg_fail(c, "mailbox has %u messages, expected %u",
			      s->exists, expect);
		return;
	}
	sm->t_fetch = lg_now();
	sm->t_select = c->op_start_us;
	sm->fetched = sm->last_uid = 0;
	imap_cmd(c, LG_OP_FETCH_FLAGS, select_fetched, "FETCH 1:* (UID FLAGS)");
	s->on_fetch = select_fetch;
}

void
imap_idle_mode_start(struct lg_conn *c, struct imap_state *s)
{
	imap_select(c, s, idle_selected);
}

void
imap_idle_mode_started(struct lg_conn *c, struct imap_state *s)
{
	struct idle_mode *im = c->lg->mode;

	s->idle_ready = true;
	im->ready++;
	im->last_progress = lg_now();
	lg_conn_established(c);
	if (c->lg->stopping || im->released)
		imap_idle_done(c, s);
}

void
imap_select_mode_start(struct lg_conn *c, struct imap_state *s)
{
	imap_select(c, s, select_selected);
}

bool
imap_select_mode_again(struct lg *lg)
{
	struct select_mode *sm = lg->mode;

	return ++sm->reps_done < lg->opt->repeat;
}

void
imap_modes_tick(struct lg *lg, uint64_t now)
{
	if (lg->opt->mode == LG_MODE_IMAP_IDLE)
		idle_tick(lg, now);
}

void
imap_modes_report(const struct lg *lg)
{
	const struct select_mode *sm = lg->mode;
	const struct idle_mode *im = lg->mode;

	if (lg->opt->mode == LG_MODE_IMAP_IDLE && im != NULL)
		printf("metric idle.ready %u\n", im->ready);
	if (lg->opt->mode != LG_MODE_IMAP_SELECT || sm == NULL)
		return;
	printf("metric select.first_ms %.3f\n", sm->first_select_us / 1000.0);
	printf("metric fetch_flags.first_ms %.3f\n",
	       sm->first_fetch_us / 1000.0);
}
