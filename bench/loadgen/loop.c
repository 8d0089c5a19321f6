/* SPDX-License-Identifier: MIT */
/* The load generator's epoll loop, sockets and timers (loadgen.h). */
#include "loadgen.h"
#include "lib/mem.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK (64u * 1024)
/* Empty buffers above this are freed: small for thousands of idle
   clients, large enough for busy ones to keep a message's worth instead
   of reallocating it for every FETCH. */
#define KEEP_BUF_IDLE (16u * 1024)
#define KEEP_BUF_BUSY (1u << 20)
/* How often deadlines and the stop condition are checked. */
#define TICK_MS 50
#define GRACE_MS 10000

/* ---- timers: a binary min-heap on timer_us ---- */

static bool
heap_less(struct lg *lg, size_t a, size_t b)
{
	return lg->heap[a]->timer_us < lg->heap[b]->timer_us;
}

static void
heap_swap(struct lg *lg, size_t a, size_t b)
{
	struct lg_conn *t = lg->heap[a];

	lg->heap[a] = lg->heap[b];
	lg->heap[b] = t;
	lg->heap[a]->heap_pos = a + 1;
	lg->heap[b]->heap_pos = b + 1;
}

static void
heap_fix(struct lg *lg, size_t i)
{
	while (i > 0 && heap_less(lg, i, (i - 1) / 2)) {
		heap_swap(lg, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < lg->heap_n && heap_less(lg, l, m))
			m = l;
		if (r < lg->heap_n && heap_less(lg, r, m))
			m = r;
		if (m == i)
			break;
		heap_swap(lg, i, m);
		i = m;
	}
}

static void
heap_remove(struct lg *lg, struct lg_conn *c)
{
	size_t i = c->heap_pos - 1;

	c->heap_pos = 0;
	lg->heap_n--;
	if (i == lg->heap_n)
		return;
	lg->heap[i] = lg->heap[lg->heap_n];
	lg->heap[i]->heap_pos = i + 1;
	heap_fix(lg, i);
}

void
lg_conn_timer(struct lg_conn *c, uint64_t at_us)
{
	struct lg *lg = c->lg;

	if (c->heap_pos != 0)
		heap_remove(lg, c);
	c->timer_us = at_us;
	if (at_us == 0)
		return;
	lg->heap[lg->heap_n] = c;
	c->heap_pos = ++lg->heap_n;
	heap_fix(lg, lg->heap_n - 1);
}

static void vreport(struct lg_conn *c, const char *fmt, va_list ap)
    ATTR_FORMAT(2, 0);

static void
vreport(struct lg_conn *c, const char *fmt, va_list ap)
{
	struct lg *lg = c->lg;

	if (++lg->st.errors <= LG_ERRORS_SHOWN) {
		fprintf(stderr, "loadgen: %s client %u: ", lg->proto->name,
			c->idx);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

void
lg_error(struct lg_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
}

int
lg_fail(struct lg_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
	c->lg->st.reconnects++;
	lg_conn_close(c, true, 200);
	return -1;
}

/* ---- connections ---- */

static void
conn_release_bufs(struct lg_conn *c)
{
	size_t keep = c->lg->opt->mode == LG_MODE_IMAP_IDLE ? KEEP_BUF_IDLE
							     : KEEP_BUF_BUSY;

	if (c->in.len == 0 && c->in.cap > keep)
		buf_free(&c->in);
	if (c->out.len == 0 && c->out.cap > keep)
		buf_free(&c->out);
}

void
lg_conn_expect(struct lg_conn *c, bool on)
{
	c->io_deadline_us =
	    on ? lg_now() + (uint64_t)c->lg->opt->timeout_ms * 1000 : 0;
}

void
lg_conn_open(struct lg_conn *c)
{
	struct lg *lg = c->lg;
	int one = 1;

	c->fd = socket(lg->ai->ai_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		lg_error(c, "socket: %s", strerror(errno));
		lg_conn_timer(c, lg_now() + 1000000);
		return;
	}
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	buf_clear(&c->in);
	buf_clear(&c->out);
	c->out_off = 0;
	c->connecting = true;
	lg_op_begin(c, LG_OP_CONNECT);
	lg_conn_expect(c, true);
	if (connect(c->fd, lg->ai->ai_addr, lg->ai->ai_addrlen) < 0 &&
	    errno != EINPROGRESS) {
		(void)lg_fail(c, "connect: %s", strerror(errno));
		return;
	}
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
				 .data.ptr = c};
	if (epoll_ctl(lg->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		(void)lg_fail(c, "epoll_ctl: %s", strerror(errno));
}

void
lg_conn_close(struct lg_conn *c, bool reconnect, unsigned delay_ms)
{
	struct lg *lg = c->lg;

	if (c->fd >= 0) {
		close(c->fd); /* also leaves the epoll set */
		c->fd = -1;
	}
	c->connecting = false;
	c->io_deadline_us = 0;
	buf_free(&c->in);
	buf_free(&c->out);
	c->out_off = 0;
	if (reconnect && !lg->stopping && !c->finished) {
		lg_conn_timer(c, lg_now() + (uint64_t)delay_ms * 1000 + 1);
	} else {
		lg_conn_finish(c);
	}
}

void
lg_conn_finish(struct lg_conn *c)
{
	struct lg *lg = c->lg;

	if (c->fd >= 0)
		lg_conn_close(c, false, 0);
	lg_conn_timer(c, 0);
	if (c->finished)
		return;
	c->finished = true;
	lg_conn_established(c);
	lg->open--;
}

static void
open_next(struct lg *lg)
{
	while (lg->next_open < lg->nconns && lg->setting_up < lg->opt->ramp &&
	       !lg->stopping) {
		struct lg_conn *c = &lg->conns[lg->next_open++];

		lg->setting_up++;
		lg_conn_open(c);
	}
}

void
lg_conn_established(struct lg_conn *c)
{
	struct lg *lg = c->lg;

	if (c->established)
		return;
	c->established = true;
	lg->setting_up--;
	open_next(lg);
}

static void
flush_out(struct lg_conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = write(c->fd, c->out.data + c->out_off,
				  c->out.len - c->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			(void)lg_fail(c, "write: %s", strerror(errno));
			return;
		}
		c->out_off += (size_t)n;
	}
	buf_clear(&c->out);
	c->out_off = 0;
}

void
lg_send(struct lg_conn *c, const void *data, size_t len)
{
	if (c->fd < 0)
		return;
	(void)buf_append(&c->out, data, len); /* no maximum: cannot fail */
	if (!c->connecting)
		flush_out(c);
}

void
lg_sendf(struct lg_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->fd < 0)
		return;
	va_start(ap, fmt);
	(void)buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
	if (!c->connecting)
		flush_out(c);
}

/* Reads everything available; returns 0, 1 at end of file, or -1 if the
   connection failed. */
static int
read_in(struct lg_conn *c)
{
	for (;;) {
		size_t room;
		ssize_t n;

		if (c->in.len >= LG_IN_MAX)
			return lg_fail(c, "response larger than %u bytes",
				       LG_IN_MAX);
		(void)buf_reserve(&c->in, READ_CHUNK);
		room = buf_room(&c->in);
		n = read(c->fd, buf_tail(&c->in), room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return lg_fail(c, "read: %s", strerror(errno));
		if (n == 0)
			return 1;
		c->in.len += (size_t)n;
		if ((size_t)n < room)
			return 0; /* short read: the socket is drained */
	}
}

static void
conn_event(struct lg_conn *c, uint32_t events)
{
	struct lg *lg = c->lg;
	int eof;

	if (c->fd < 0)
		return; /* closed earlier in this batch of events */
	if (c->connecting) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 ||
		    soerr != 0) {
			(void)lg_fail(c, "connect: %s", strerror(soerr));
			return;
		}
		c->connecting = false;
		lg->proto->connected(c);
		if (c->fd < 0)
			return;
		flush_out(c);
	}
	if ((events & EPOLLOUT) != 0 && c->out.len > 0)
		flush_out(c);
	if (c->fd < 0 || (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0)
		return;
	if ((eof = read_in(c)) < 0)
		return;
	/* what arrived before the end of file is processed first: a server
	   closes right after its answer to LOGOUT or QUIT */
	if (c->in.len > 0 && lg->proto->input(c) < 0)
		return;
	if (c->fd >= 0 && eof)
		(void)lg_fail(c, "connection closed by the server (%s)",
			      lg_op_name(c->op));
	else if (c->fd >= 0)
		conn_release_bufs(c);
}

static void
fire_timers(struct lg *lg, uint64_t now)
{
	while (lg->heap_n > 0 && lg->heap[0]->timer_us <= now) {
		struct lg_conn *c = lg->heap[0];

		lg_conn_timer(c, 0);
		if (c->finished)
			continue;
		if (c->fd < 0)
			lg_conn_open(c);
		else if (lg->proto->timer != NULL)
			lg->proto->timer(c);
	}
}

static void
check_deadlines(struct lg *lg, uint64_t now)
{
	for (unsigned i = 0; i < lg->nconns; i++) {
		struct lg_conn *c = &lg->conns[i];

		if (c->fd >= 0 && c->io_deadline_us != 0 &&
		    c->io_deadline_us < now)
			(void)lg_fail(c, "no answer within %u ms (%s)",
				      lg->opt->timeout_ms, lg_op_name(c->op));
	}
}

static void
start_stopping(struct lg *lg, uint64_t now)
{
	lg->stopping = true;
	lg->t_stopped = now;
	for (unsigned i = 0; i < lg->nconns; i++) {
		struct lg_conn *c = &lg->conns[i];

		if (c->finished)
			continue;
		if (c->fd < 0)
			lg_conn_finish(c); /* waiting to (re)connect */
		else if (lg->proto->stop != NULL)
			lg->proto->stop(c);
	}
}

static int
timeout_ms(struct lg *lg, uint64_t now)
{
	uint64_t next = now + TICK_MS * 1000;

	if (lg->heap_n > 0 && lg->heap[0]->timer_us < next)
		next = lg->heap[0]->timer_us;
	return next <= now ? 0 : (int)((next - now + 999) / 1000);
}

static int
resolve(struct lg *lg)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	int ret;

	ret = getaddrinfo(lg->opt->host, lg->opt->port, &hints, &lg->ai);
	if (ret != 0) {
		fprintf(stderr, "loadgen: %s:%s: %s\n", lg->opt->host,
			lg->opt->port, gai_strerror(ret));
		return -1;
	}
	return 0;
}

static void
loop(struct lg *lg)
{
	struct epoll_event evs[256];
	uint64_t last_check = 0;

	while (lg->open > 0) {
		int n = epoll_wait(lg->epfd, evs, N_ELEMENTS(evs),
				   timeout_ms(lg, lg_now()));
		uint64_t now;

		for (int i = 0; i < n; i++)
			conn_event(evs[i].data.ptr, evs[i].events);
		now = lg_now();
		fire_timers(lg, now);
		if (now - last_check < TICK_MS * 1000)
			continue;
		last_check = now;
		check_deadlines(lg, now);
		if (!lg->stopping && now >= lg->t_end)
			start_stopping(lg, now);
		if (lg->proto->tick != NULL)
			lg->proto->tick(lg, now);
		if (lg->stopping && now - lg->t_stopped > GRACE_MS * 1000) {
			for (unsigned i = 0; i < lg->nconns; i++) {
				if (!lg->conns[i].finished)
					lg_error(&lg->conns[i],
						 "still busy after the run");
				lg_conn_finish(&lg->conns[i]);
			}
		}
	}
}

int
lg_run(struct lg *lg)
{
	const struct lg_options *o = lg->opt;

	if (resolve(lg) < 0)
		return -1;
	if ((lg->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		perror("loadgen: epoll_create1");
		return -1;
	}
	lg->nconns = o->clients;
	lg->conns = xcalloc(lg->nconns, sizeof(*lg->conns));
	lg->heap = xcalloc(lg->nconns, sizeof(*lg->heap));
	for (unsigned i = 0; i < lg->nconns; i++) {
		struct lg_conn *c = &lg->conns[i];

		c->lg = lg;
		c->idx = i;
		c->fd = -1;
		lg->proto->init(c);
	}
	lg->open = lg->nconns;
	lg->t_start = lg_now();
	lg->t_measure = lg->t_start + (uint64_t)(o->warmup * 1e6);
	lg->t_end = o->duration > 0
			? lg->t_measure + (uint64_t)(o->duration * 1e6)
			: UINT64_MAX;
	open_next(lg);
	loop(lg);
	lg->t_finish = lg_now();
	if (lg->t_end > lg->t_stopped && lg->stopping)
		lg->t_end = lg->t_stopped;
	if (lg->t_end == UINT64_MAX)
		lg->t_end = lg->t_finish;
	for (unsigned i = 0; i < lg->nconns; i++)
		lg->proto->deinit(&lg->conns[i]);
	free(lg->conns);
	free(lg->heap);
	freeaddrinfo(lg->ai);
	close(lg->epfd);
	return 0;
}
