/* SPDX-License-Identifier: MIT */
/*
 * Busy polling: after a worker sends a connection's answer, it may watch
 * the socket for a few tens of microseconds before handing the connection
 * back to epoll. A client that issues one command at a time (a POP3 RETR
 * loop, an IMAP FETCH loop, an LMTP transaction after its replies) usually
 * sends the next one within that window, and the worker runs it at once:
 * no dispatcher wake-up, no hand-over to another thread. Each of those
 * wake-ups is an inter-processor interrupt, which costs far more on a
 * virtual machine than the few system calls of the watch.
 *
 * It is bounded so that it never takes CPU time from other work:
 *   - only a connection whose previous turn-around fitted in the window is
 *     watched (conn.quick_peer), so idle IMAP sessions, IDLE and slow
 *     clients cost nothing after their first miss;
 *   - at most half the CPUs watch at once (srv->max_busy_pollers);
 *   - the watch ends as soon as any job waits in the worker queue or an
 *     event is posted to the connection.
 * The connection stays RUNNING meanwhile, so nothing else can own it; its
 * epoll registration is still disarmed (EPOLLONESHOT).
 */
#include "net/conn-private.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static bool
conn_waits_for_input_only(const struct conn *c)
{
	return (c->tls_state == CONN_TLS_NONE || c->tls_state == CONN_TLS_UP) &&
	       !c->flush_close && !c->closed && !c->in_eof &&
	       conn_io__interest(c) == EPOLLIN;
}

static bool
claim_poller(struct net_server *srv)
{
	unsigned n = atomic_load_explicit(&srv->busy_pollers,
					  memory_order_relaxed);

	do {
		if (n >= srv->max_busy_pollers)
			return false;
	} while (!atomic_compare_exchange_weak(&srv->busy_pollers, &n, n + 1));
	return true;
}

/* Bytes, end of stream or an error on the socket: all are for the next
   cycle's read to find out. */
static bool
socket_has_news(int fd)
{
	char byte;

	if (recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
		return true;
	return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

unsigned
conn__busy_poll(struct conn *c)
{
	struct net_server *srv = c->srv;
	uint64_t start, now;
	unsigned raw = 0;

	if (srv->set.busy_poll_us == 0 || !c->quick_peer ||
	    !conn_waits_for_input_only(c) ||
	    net_workers_have_queued(srv->workers) || !claim_poller(srv))
		return 0;
	start = now = time_mono_us();
	for (;;) {
		if (socket_has_news(c->fd)) {
			raw = CONN_RAW_READABLE;
			break;
		}
		if (net_workers_have_queued(srv->workers))
			break;
		raw = conn__take_pending(c);
		if (raw != 0)
			break;
		now = time_mono_us();
		if (now - start >= srv->set.busy_poll_us) {
			/* too slow this time: epoll from now on, until a
			   turn-around fits again; the wait began here */
			c->quick_peer = false;
			c->idle_since_us = start;
			break;
		}
	}
	atomic_fetch_sub(&srv->busy_pollers, 1);
	if (raw == 0)
		return 0;
	return raw | conn__take_pending(c);
}

void
conn__busy_poll_note_idle(struct conn *c)
{
	if (c->srv->set.busy_poll_us == 0 || !conn_waits_for_input_only(c))
		c->idle_since_us = 0;
	else if (c->idle_since_us == 0)
		c->idle_since_us = time_mono_us();
}

void
conn__busy_poll_note_wake(struct conn *c, unsigned raw)
{
	if (c->idle_since_us == 0)
		return;
	if ((raw & CONN_RAW_READABLE) != 0)
		c->quick_peer = time_mono_us() - c->idle_since_us <=
				c->srv->set.busy_poll_us;
	c->idle_since_us = 0;
}
