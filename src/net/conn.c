/* SPDX-License-Identifier: MIT */
/*
 * Connection lifecycle: hand-over between the dispatcher and the workers,
 * the worker cycle (I/O, handler, re-arm), closing, references and facts.
 *
 * Scheduling state machine (conn.sched, under conn.lock):
 *
 *   IDLE --event--> QUEUED --worker picks--> RUNNING --no events--> IDLE
 *                     ^                         |
 *                     +----events meanwhile-----+
 *                                               +--------closed-------> DEAD
 *
 * Events posted while QUEUED or RUNNING only set bits in conn.pending; a
 * RUNNING connection with new bits goes to the tail of the queue again, so
 * one busy connection cannot starve the others. A RUNNING connection whose
 * last read left input in the socket reads it in the same turn instead of
 * through epoll, for at most CONN_TURN_CYCLES_MAX cycles and only while no
 * other job is queued (conn_next_in_turn()). EPOLLONESHOT guarantees that
 * the socket reports nothing more until the worker re-arms it at the end of
 * the cycle, under conn.lock.
 *
 * Teardown: the owning worker unregisters the socket, closes it and puts the
 * connection on the server's dead list; the dispatcher unlinks it between
 * two epoll batches (so no event pointer to it survives) and queues the
 * release of the net layer's reference; the last conn_unref() frees it.
 */
#include "net/conn-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/panic.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Cycles a connection may run in one turn on input already in its socket
   (each reads up to the connection's input buffer, e.g. 64 KiB). */
#define CONN_TURN_CYCLES_MAX 16

static void conn_job_run(struct net_job *job);

/* The RFC 4648 base32 alphabet, lowercased for readability in logs. */
static const char session_alphabet[32] = "abcdefghijklmnopqrstuvwxyz234567";

static void
conn_make_session_id(struct net_server *srv, char *out)
{
	uint64_t z = srv->id_base + atomic_fetch_add(&srv->id_counter, 1);

	/* The splitmix64 finaliser is a bijection: ids stay unique within
	   the process, yet do not reveal the connection count. */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	for (int i = CONN_SESSION_ID_LEN - 1; i >= 0; i--) {
		out[i] = session_alphabet[z & 31];
		z >>= 5;
	}
	out[CONN_SESSION_ID_LEN] = '\0';
}

int
conn__create(struct net_server *srv, struct net_listener *l, int fd,
	     const struct conn_addrs *addrs)
{
	struct epoll_event ev = { .events = EPOLLONESHOT };
	struct conn *c = xcalloc(1, sizeof(*c));

	c->kind = NET_IO_CONN;
	c->job.run = conn_job_run;
	c->srv = srv;
	c->listener = l;
	c->fd = fd;
	atomic_init(&c->refcount, 1);
	atomic_init(&c->deadline, 0);
	atomic_init(&c->closing, false);
	pthread_mutex_init(&c->lock, NULL);
	c->sched = CONN_SCHED_QUEUED;
	c->pending = CONN_RAW_NEW;
	c->plain.v = &net_transport_plain;
	c->plain.fd = fd;
	c->tr = &c->plain;
	c->in_max = srv->set.input_buffer_size;
	c->rd_need = EPOLLIN;
	c->wr_need = EPOLLOUT;
	c->want_input = true;
	c->quick_peer = true;
	c->peer_port = addrs->peer_port;
	c->local_port = addrs->local_port;
	memcpy(c->peer_addr, addrs->peer, sizeof(c->peer_addr));
	memcpy(c->local_addr, addrs->local, sizeof(c->local_addr));
	conn_make_session_id(srv, c->session_id);

	/* Registered with no interest: the first cycle runs the accept
	   callback and then arms what the protocol needs. */
	ev.data.ptr = c;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_err("epoll_ctl(ADD, %d) failed: %m", fd);
		close(fd);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -1;
	}
	c->next = srv->conns;
	if (c->next != NULL)
		c->next->prev = c;
	srv->conns = c;
	srv->nconns++;
	atomic_fetch_add(&srv->nconns_public, 1);
	atomic_fetch_add(&srv->live_conns, 1);
	log_debug("%s: %s connection from %s port %u", c->session_id,
		  l->name, c->peer_addr, c->peer_port);
	net_workers_push(srv->workers, &c->job);
	return 0;
}

void
conn__post(struct conn *c, unsigned bits)
{
	bool queue = false;

	pthread_mutex_lock(&c->lock);
	if (c->sched != CONN_SCHED_DEAD) {
		c->pending |= bits;
		if (c->sched == CONN_SCHED_IDLE) {
			c->sched = CONN_SCHED_QUEUED;
			queue = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (queue)
		net_workers_push(c->srv->workers, &c->job);
}

void
conn__mark_closed(struct conn *c, const char *reason)
{
	if (c->close_reason == NULL)
		c->close_reason = xstrdup(reason);
	atomic_store(&c->closing, true);
	c->closed = true;
}

/* A posted CONN_RAW_TIMER: turn it into the right action, unless the timer
   was re-armed or disarmed after it expired. */
static unsigned
conn_timer_fired(struct conn *c)
{
	uint_fast64_t fired = CONN_DEADLINE_FIRED;

	if (!atomic_compare_exchange_strong(&c->deadline, &fired, 0))
		return 0;
	if (c->flush_close) {
		log_debug("%s: output flush timed out", c->session_id);
		conn__mark_closed(c, "Output flush timed out");
		return 0;
	}
	if (c->tls_state == CONN_TLS_DRAIN ||
	    c->tls_state == CONN_TLS_HANDSHAKE) {
		log_info("%s: TLS handshake with %s timed out", c->session_id,
			 c->peer_addr);
		conn__mark_closed(c, "TLS handshake timed out");
		return 0;
	}
	return CONN_EV_TIMEOUT;
}

static unsigned
conn_accepted(struct conn *c)
{
	struct net_listener *l = c->listener;

	l->accept(c, l->ctx);
	if (c->closed)
		return 0;
	if (c->handler == NULL)
		i_panic("accept callback of %s set no handler", l->name);
	if (l->tls == NULL)
		return CONN_EV_START;
	/* START is delivered when the handshake completes */
	(void)conn_tls__begin_implicit(c, l->tls);
	return 0;
}

static void
conn_deliver(struct conn *c, unsigned events)
{
	if (c->tls_state == CONN_TLS_DRAIN ||
	    c->tls_state == CONN_TLS_HANDSHAKE) {
		c->held |= events;
		return;
	}
	events |= c->held;
	c->held = 0;
	if (events == 0 || c->flush_close)
		return;
	c->handler->run(c, events, c->ctx);
}

static void
conn_cycle(struct conn *c, unsigned raw)
{
	unsigned events = raw & CONN_EV_PUBLIC_MASK;

	if ((raw & CONN_RAW_NEW) != 0)
		events |= conn_accepted(c);
	if ((raw & CONN_RAW_KILL) != 0 && !c->closed) {
		log_debug("%s: closing at the end of the stop timeout",
			  c->session_id);
		conn__mark_closed(c, "Server shutting down");
	}
	if ((raw & CONN_RAW_TIMER) != 0 && !c->closed)
		events |= conn_timer_fired(c);
	if (c->closed)
		return;
	events |= conn_io__run(c, raw);
	if (c->closed)
		return;
	conn_deliver(c, events);
	if (!c->closed)
		conn_io__after_run(c);
}

static void
conn_rearm(struct conn *c)
{
	struct epoll_event ev = {
		.events = conn_io__interest(c) | EPOLLONESHOT,
		.data.ptr = c,
	};

	/* Cannot fail for a registered, open socket: a failure is a bug. */
	if (epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		i_panic("epoll_ctl(MOD, %d) failed: %m", c->fd);
}

static void
conn_teardown(struct conn *c)
{
	struct net_server *srv = c->srv;

	if (c->handler != NULL && c->handler->closed != NULL)
		c->handler->closed(c, c->ctx);
	pthread_mutex_lock(&c->lock);
	c->sched = CONN_SCHED_DEAD;
	c->pending = 0;
	pthread_mutex_unlock(&c->lock);

	(void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->linger)
		conn_io__linger(c);
	conn_io__free(c);
	close(c->fd);
	c->fd = -1;
	log_debug("%s: connection closed: %s", c->session_id,
		  c->close_reason);

	pthread_mutex_lock(&srv->lock);
	c->job.next = srv->dead;
	srv->dead = &c->job;
	pthread_mutex_unlock(&srv->lock);
	net_server__wake(srv);
}

unsigned
conn__take_pending(struct conn *c)
{
	unsigned bits;

	pthread_mutex_lock(&c->lock);
	bits = c->pending;
	c->pending = 0;
	pthread_mutex_unlock(&c->lock);
	return bits;
}

/* What the worker runs next without handing the connection back to
   epoll: input that the last read left in the socket (a client streaming
   a message), at most CONN_TURN_CYCLES_MAX cycles a turn and only while
   no other job waits for a worker; else what busy polling finds. Going
   through epoll for input known to be there costs a dispatcher wake-up
   and a hand-over to another thread per buffer of input. */
static unsigned
conn_next_in_turn(struct conn *c, unsigned *cycles)
{
	if (conn_io__input_waiting(c) && *cycles < CONN_TURN_CYCLES_MAX &&
	    !net_workers_have_queued(c->srv->workers)) {
		(*cycles)++;
		return CONN_RAW_READABLE | conn__take_pending(c);
	}
	return conn__busy_poll(c);
}

static void
conn_job_run(struct net_job *job)
{
	struct conn *c = CONTAINER_OF(job, struct conn, job);
	unsigned raw, cycles = 1;

	pthread_mutex_lock(&c->lock);
	i_assert(c->sched == CONN_SCHED_QUEUED);
	c->sched = CONN_SCHED_RUNNING;
	raw = c->pending;
	c->pending = 0;
	pthread_mutex_unlock(&c->lock);

	conn__busy_poll_note_wake(c, raw);
	do {
		conn_cycle(c, raw);
		if (c->closed) {
			conn_teardown(c);
			return;
		}
		/* more input, or the client's next command if it comes
		   quickly */
		raw = conn_next_in_turn(c, &cycles);
	} while (raw != 0);

	pthread_mutex_lock(&c->lock);
	if (c->pending != 0) {
		/* more to do: back to the tail, fair to the others */
		c->sched = CONN_SCHED_QUEUED;
		pthread_mutex_unlock(&c->lock);
		net_workers_push(c->srv->workers, &c->job);
		return;
	}
	conn_io__release_buffers(c);
	conn__busy_poll_note_idle(c);
	c->sched = CONN_SCHED_IDLE;
	conn_rearm(c);
	pthread_mutex_unlock(&c->lock);
}

static void
conn_free(struct conn *c)
{
	struct net_server *srv = c->srv;

	i_assert(c->sched == CONN_SCHED_DEAD);
	if (c->handler != NULL && c->handler->destroy != NULL)
		c->handler->destroy(c, c->ctx);
	pthread_mutex_destroy(&c->lock);
	free(c->close_reason);
	free(c);
	atomic_fetch_sub(&srv->live_conns, 1);
}

static void
conn_release_job(struct net_job *job)
{
	struct conn *c = CONTAINER_OF(job, struct conn, job);

	conn_unref(&c);
}

void
conn__release(struct conn *c)
{
	c->job.run = conn_release_job;
	net_workers_push(c->srv->workers, &c->job);
}

void
conn_ref(struct conn *c)
{
	unsigned old = atomic_fetch_add_explicit(&c->refcount, 1,
						 memory_order_relaxed);

	i_assert(old > 0);
}

void
conn_unref(struct conn **cp)
{
	struct conn *c = *cp;

	*cp = NULL;
	if (atomic_fetch_sub_explicit(&c->refcount, 1,
				      memory_order_acq_rel) == 1)
		conn_free(c);
}

void
conn_wakeup(struct conn *c)
{
	conn__post(c, CONN_EV_WAKEUP);
}

void
conn_set_handler(struct conn *c, const struct conn_handler *h, void *ctx)
{
	i_assert(c->handler == NULL && h != NULL && h->run != NULL);
	c->handler = h;
	c->ctx = ctx;
}

void *
conn_get_context(const struct conn *c)
{
	return c->ctx;
}

void
conn_close(struct conn *c, const char *reason)
{
	if (!c->closed)
		log_debug("%s: closing: %s", c->session_id, reason);
	conn__mark_closed(c, reason);
}

void
conn_close_after_flush(struct conn *c, const char *reason)
{
	if (c->closed || c->flush_close)
		return;
	if (c->tls_state == CONN_TLS_DRAIN ||
	    c->tls_state == CONN_TLS_HANDSHAKE) {
		/* nothing sensible to flush in the middle of a TLS switch */
		conn_close(c, reason);
		return;
	}
	log_debug("%s: closing after flush: %s", c->session_id, reason);
	if (c->close_reason == NULL)
		c->close_reason = xstrdup(reason);
	atomic_store(&c->closing, true);
	c->flush_close = true;
	c->want_drained = false;
	conn__set_deadline(c, c->srv->set.close_flush_timeout_ms);
}

bool
conn_is_closed(const struct conn *c)
{
	return atomic_load(&c->closing);
}

const char *
conn_close_reason(const struct conn *c)
{
	return c->close_reason;
}

bool
conn_shutting_down(const struct conn *c)
{
	return atomic_load(&c->srv->stopping);
}

const char *
conn_peer_addr(const struct conn *c)
{
	return c->peer_addr;
}

unsigned
conn_peer_port(const struct conn *c)
{
	return c->peer_port;
}

const char *
conn_local_addr(const struct conn *c)
{
	return c->local_addr;
}

unsigned
conn_local_port(const struct conn *c)
{
	return c->local_port;
}

unsigned
conn_listener_id(const struct conn *c)
{
	return c->listener->id;
}

const char *
conn_listener_name(const struct conn *c)
{
	return c->listener->name;
}

bool
conn_listener_implicit_tls(const struct conn *c)
{
	return c->listener->tls != NULL;
}

const char *
conn_session_id(const struct conn *c)
{
	return c->session_id;
}

struct net_server *
conn_server(const struct conn *c)
{
	return c->srv;
}

uint64_t
conn_bytes_in(const struct conn *c)
{
	return c->bytes_in;
}

uint64_t
conn_bytes_out(const struct conn *c)
{
	return c->bytes_out;
}

/* Keep-alive probes only make sense on TCP sockets. */
static bool
is_tcp(const struct conn *c)
{
	int domain = 0;
	socklen_t len = sizeof(domain);

	return getsockopt(c->fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	       (domain == AF_INET || domain == AF_INET6);
}

int
conn_set_tcp_keepalive(struct conn *c, unsigned idle_secs, struct err *err)
{
	int on = idle_secs > 0, idle = (int)idle_secs;
	int intvl = idle_secs < 75 ? (int)idle_secs : 75;

	if (c->fd < 0 || !is_tcp(c))
		return 0;
	if (idle_secs > 32767)
		idle = intvl = 32767; /* the kernel's MAX_TCP_KEEPIDLE */
	if (setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0)
		return err_set_errno(err, "setsockopt", "SO_KEEPALIVE");
	if (!on)
		return 0;
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
		       sizeof(idle)) < 0 ||
	    setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
		       sizeof(intvl)) < 0)
		return err_set_errno(err, "setsockopt", "TCP_KEEPIDLE");
	return 0;
}

unsigned
conn_tcp_keepalive(const struct conn *c)
{
	int on = 0, idle = 0;
	socklen_t len = sizeof(on);

	if (c->fd < 0 || !is_tcp(c) ||
	    getsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) < 0 || !on)
		return 0;
	len = sizeof(idle);
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &len) < 0)
		return 0;
	return idle > 0 ? (unsigned)idle : 0;
}
