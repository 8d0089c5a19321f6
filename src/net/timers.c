/* SPDX-License-Identifier: MIT */
/*
 * Connection timers. Each connection has one atomic deadline (monotonic
 * milliseconds). The owning worker stores it; the dispatcher scans every
 * registered connection once per tick (NET_TICK_MSECS) and posts
 * CONN_RAW_TIMER for expired ones, after swapping the deadline to "fired"
 * with a compare-and-swap. The worker swaps "fired" back to 0 before acting,
 * so an expiry is delivered once, and a timer re-armed in between wins.
 *
 * The scan is O(connections) per tick without locks: cheap for tens of
 * thousands of connections (an atomic load each), and it needs no shared
 * timer structure that every command's re-arm would have to lock.
 */
#include "net/conn-private.h"
#include "lib/timeutil.h"

void
conn__set_deadline(struct conn *c, unsigned msecs)
{
	atomic_store(&c->deadline, msecs == 0 ? 0 : time_mono_ms() + msecs);
}

void
conn_set_timeout(struct conn *c, unsigned msecs)
{
	/* the flush and TLS handshake bounds are the net layer's */
	if (c->flush_close || c->tls_state == CONN_TLS_DRAIN ||
	    c->tls_state == CONN_TLS_HANDSHAKE)
		return;
	conn__set_deadline(c, msecs);
}

void
net_timers__scan(struct net_server *srv, uint64_t now)
{
	for (struct conn *c = srv->conns; c != NULL; c = c->next) {
		uint_fast64_t d = atomic_load_explicit(&c->deadline,
						       memory_order_relaxed);

		if (d == 0 || d == CONN_DEADLINE_FIRED || d > now)
			continue;
		if (atomic_compare_exchange_strong(&c->deadline, &d,
						   CONN_DEADLINE_FIRED))
			conn__post(c, CONN_RAW_TIMER);
	}
}
