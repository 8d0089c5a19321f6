/* SPDX-License-Identifier: MIT */
/*
 * Connection buffers and socket I/O: the bounded input buffer, the output
 * buffer with its high-water mark and hard cap (max_net_buffer), reading
 * and flushing through the transport stack. Owning thread only.
 *
 * Both buffers are byte queues with a read offset, compacted only when the
 * tail runs out of room, so consuming a buffer full of short pipelined lines
 * costs no memmove per line. Buffers start at 4 KiB, grow by doubling up to
 * their maximum and are freed whenever a cycle ends with them empty: an idle
 * connection holds no I/O memory.
 */
#include "net/conn-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/panic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define CONN_IOBUF_MIN 4096
/* Smallest read worth a syscall; less tail room compacts or grows. */
#define CONN_READ_MIN 1024
/* Reads per cycle while the socket keeps filling the buffer; bounded so a
   fast sender cannot monopolise a worker. */
#define CONN_READ_ROUNDS 4
/* Bytes discarded at most while closing gracefully. */
#define CONN_LINGER_MAX 65536

static size_t
iobuf_used(const struct conn_iobuf *b)
{
	return b->len - b->off;
}

static void
iobuf_free(struct conn_iobuf *b)
{
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}

/* Makes room for need more bytes at the tail without letting the capacity
   exceed limit. The caller guarantees iobuf_used() + need <= limit. */
static void
iobuf_reserve(struct conn_iobuf *b, size_t need, size_t limit)
{
	size_t used = iobuf_used(b), cap;

	if (b->cap - b->len >= need)
		return;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
		if (b->cap - b->len >= need)
			return;
	}
	cap = b->cap == 0 ? CONN_IOBUF_MIN : b->cap;
	while (cap - used < need)
		cap *= 2;
	if (cap > limit)
		cap = limit;
	i_assert(cap - used >= need);
	b->data = xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

static bool
conn_tls_switching(const struct conn *c)
{
	return c->tls_state == CONN_TLS_DRAIN ||
	       c->tls_state == CONN_TLS_HANDSHAKE;
}

static bool
conn_reading_wanted(const struct conn *c)
{
	return c->handler != NULL && c->want_input && !c->in_eof &&
	       !c->closed && !c->flush_close && !conn_tls_switching(c) &&
	       iobuf_used(&c->in) < c->in_max;
}

/* Output to send: in our buffer or held by a stacked transport. */
static bool
conn_output_waiting(const struct conn *c)
{
	return iobuf_used(&c->out) > 0 || c->tr_flush_pending;
}

static bool
conn_transport_pending(const struct conn *c)
{
	return c->tr->v->pending != NULL && c->tr->v->pending(c->tr);
}

static unsigned
conn_read(struct conn *c)
{
	unsigned events = 0;
	struct err err;

	c->in_more = false;
	for (int round = 0; round < CONN_READ_ROUNDS; round++) {
		size_t used = iobuf_used(&c->in), room, want;
		ssize_t n;

		if (used >= c->in_max)
			break;
		room = c->in_max - used;
		/* 4 KiB at first; compacted or doubled only when the tail
		   gets short, i.e. when unconsumed input fills the buffer */
		iobuf_reserve(&c->in, MIN(room, (size_t)CONN_READ_MIN),
			      c->in_max);
		want = MIN(room, c->in.cap - c->in.len);
		n = c->tr->v->read(c->tr, c->in.data + c->in.len, want, &err);
		if (n > 0) {
			c->in.len += (size_t)n;
			c->bytes_in += (uint64_t)n;
			c->rd_need = EPOLLIN;
			events |= CONN_EV_INPUT;
			/* a short read emptied the socket; a full one
			   probably did not */
			c->in_more = (size_t)n == want;
			if (!c->in_more)
				break;
			continue;
		}
		if (n == 0) {
			c->in_eof = true;
			events |= CONN_EV_INPUT;
		} else if (n == NET_IO_WANT_READ) {
			c->rd_need = EPOLLIN;
		} else if (n == NET_IO_WANT_WRITE) {
			c->rd_need = EPOLLOUT;
		} else {
			log_debug("%s: read failed: %s", c->session_id,
				  err.msg);
			conn__mark_closed(c, err.msg);
			return 0;
		}
		break;
	}
	return events;
}

static int
conn_flush_transport(struct conn *c)
{
	struct err err;
	int ret;

	if (c->tr->v->flush == NULL)
		return 0;
	ret = c->tr->v->flush(c->tr, &err);
	c->tr_flush_pending = ret != 0;
	if (ret == NET_IO_WANT_READ || ret == NET_IO_WANT_WRITE) {
		c->wr_need = ret == NET_IO_WANT_READ ? EPOLLIN : EPOLLOUT;
		c->out_blocked = true;
		return 0;
	}
	if (ret < 0) {
		conn__mark_closed(c, err.msg);
		return -1;
	}
	return 0;
}

int
conn_io__flush(struct conn *c)
{
	struct net_transport *tr = c->tr;
	struct err err;

	if (c->closed)
		return -1;
	if (c->tls_state == CONN_TLS_HANDSHAKE)
		return 0; /* held until the handshake is done */
	while (c->out.len > c->out.off) {
		size_t len = c->out.len - c->out.off;
		ssize_t n;

		if (c->tls_state == CONN_TLS_DRAIN) {
			/* only what was buffered before conn_start_tls() */
			if (c->plain_left == 0)
				return 0;
			len = MIN(len, c->plain_left);
			tr = &c->plain;
		}
		n = tr->v->write(tr, c->out.data + c->out.off, len, &err);
		if (n > 0) {
			c->out.off += (size_t)n;
			c->bytes_out += (uint64_t)n;
			if (c->tls_state == CONN_TLS_DRAIN)
				c->plain_left -= (size_t)n;
			c->wr_need = EPOLLOUT;
			continue;
		}
		if (n == NET_IO_WANT_READ || n == NET_IO_WANT_WRITE) {
			c->wr_need = n == NET_IO_WANT_READ ? EPOLLIN : EPOLLOUT;
			c->out_blocked = true;
			return 0;
		}
		if (n == 0)
			err_set(&err, ERR_INTERNAL, "Connection closed");
		log_debug("%s: write failed: %s", c->session_id, err.msg);
		conn__mark_closed(c, err.msg);
		return -1;
	}
	c->out.off = c->out.len = 0;
	if (c->tls_state == CONN_TLS_DRAIN)
		return 0;
	return conn_flush_transport(c);
}

/* EPOLLHUP/EPOLLERR while not reading: the peer is gone in both
   directions, nothing we send can arrive. */
static void
conn_hangup(struct conn *c)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
	    soerr != 0)
		conn__mark_closed(c, strerror(soerr));
	else
		conn__mark_closed(c, "Connection closed by peer");
}

static unsigned
conn_drained(struct conn *c)
{
	if (!c->want_drained || iobuf_used(&c->out) > c->srv->low_water)
		return 0;
	c->want_drained = false;
	return CONN_EV_DRAINED;
}

unsigned
conn_io__run(struct conn *c, unsigned raw)
{
	unsigned events = 0;

	if ((raw & CONN_RAW_IO) != 0)
		c->out_blocked = false;
	if (conn_tls_switching(c)) {
		events = conn_tls__step(c);
		if (c->closed || c->tls_state != CONN_TLS_UP)
			return events;
		/* handshake done: application data may follow at once */
	}
	if ((raw & CONN_RAW_HUP) != 0 && !conn_reading_wanted(c)) {
		conn_hangup(c);
		return 0;
	}
	if (!c->out_blocked && conn_output_waiting(c)) {
		if (conn_io__flush(c) < 0)
			return 0;
	}
	events |= conn_drained(c);
	if (conn_reading_wanted(c) &&
	    ((raw & CONN_RAW_IO) != 0 || conn_transport_pending(c)))
		events |= conn_read(c);
	return events;
}

void
conn_io__after_run(struct conn *c)
{
	if (!c->out_blocked && conn_output_waiting(c)) {
		if (conn_io__flush(c) < 0)
			return;
	}
	if (conn_tls_switching(c))
		return; /* conn_start_tls() queued the next step */
	if (c->flush_close) {
		if (iobuf_used(&c->out) == 0 && !c->tr_flush_pending) {
			c->linger = true;
			c->closed = true;
		}
		return;
	}
	if (conn_drained(c) != 0)
		conn__post(c, CONN_EV_DRAINED);
	if (conn_reading_wanted(c) && conn_transport_pending(c))
		conn__post(c, CONN_RAW_READABLE);
}

bool
conn_io__input_waiting(const struct conn *c)
{
	return c->in_more && conn_reading_wanted(c);
}

uint32_t
conn_io__interest(const struct conn *c)
{
	uint32_t ev = 0;

	if (c->tls_state == CONN_TLS_HANDSHAKE)
		return c->rd_need;
	if (c->tls_state == CONN_TLS_DRAIN)
		return c->wr_need;
	if (conn_reading_wanted(c))
		ev |= c->rd_need;
	if (conn_output_waiting(c))
		ev |= c->wr_need;
	return ev;
}

void
conn_io__release_buffers(struct conn *c)
{
	if (c->in.cap > 0 && iobuf_used(&c->in) == 0)
		iobuf_free(&c->in);
	if (c->out.cap > 0 && iobuf_used(&c->out) == 0)
		iobuf_free(&c->out);
}

void
conn_io__linger(struct conn *c)
{
	uint8_t scratch[4096];
	size_t total = 0;

	for (struct net_transport *t = c->tr; t != NULL; t = t->lower) {
		if (t->v->shutdown != NULL)
			t->v->shutdown(t);
	}
	(void)shutdown(c->fd, SHUT_WR);
	while (total < CONN_LINGER_MAX) {
		ssize_t n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

void
conn_io__free(struct conn *c)
{
	struct net_transport *t = c->tr, *lower;
	bool tls_seen = false;

	while (t != NULL) {
		lower = t->lower;
		if (t == c->tls_tr)
			tls_seen = true;
		if (t != &c->plain && t->v->destroy != NULL)
			t->v->destroy(t);
		t = lower;
	}
	if (c->tls_tr != NULL && !tls_seen)
		c->tls_tr->v->destroy(c->tls_tr);
	c->tr = c->tls_tr = NULL;
	iobuf_free(&c->in);
	iobuf_free(&c->out);
}

/* --- Public input API -------------------------------------------------- */

const uint8_t *
conn_input_data(struct conn *c, size_t *len_r)
{
	*len_r = iobuf_used(&c->in);
	if (c->in.data == NULL)
		return (const uint8_t *)"";
	return c->in.data + c->in.off;
}

void
conn_input_consume(struct conn *c, size_t n)
{
	i_assert(n <= iobuf_used(&c->in));
	c->in.off += n;
	if (c->in.off == c->in.len)
		c->in.off = c->in.len = 0;
}

bool
conn_input_eof(const struct conn *c)
{
	return c->in_eof;
}

bool
conn_input_full(const struct conn *c)
{
	return iobuf_used(&c->in) >= c->in_max;
}

void
conn_set_input_max(struct conn *c, size_t max)
{
	i_assert(max > 0 && max >= iobuf_used(&c->in));
	c->in_max = max;
	if (c->in.cap > max && iobuf_used(&c->in) == 0)
		iobuf_free(&c->in);
}

void
conn_want_input(struct conn *c, bool want)
{
	/* bytes already buffered will not make the socket readable again */
	if (want && !c->want_input && iobuf_used(&c->in) > 0)
		conn__post(c, CONN_EV_INPUT);
	c->want_input = want;
}

/* --- Public output API ------------------------------------------------- */

int
conn_write(struct conn *c, const void *data, size_t len)
{
	const struct net_server *srv = c->srv;
	size_t max = srv->set.max_net_buffer, pending;

	if (c->closed || c->flush_close)
		return -1;
	if (len == 0)
		return 0;
	pending = iobuf_used(&c->out);
	if (len > max - pending && !c->out_blocked) {
		/* last chance: the socket may take some right now */
		if (conn_io__flush(c) < 0)
			return -1;
		pending = iobuf_used(&c->out);
	}
	if (len > max - pending) {
		/* M-Box guide section 2.2.14.4: protect the server from
		   clients that never read */
		log_warning("%s: output buffer overflow, slow reader "
			    "(%s port %u, %zu bytes pending, max_net_buffer "
			    "%zu)",
			    c->session_id, c->peer_addr, c->peer_port,
			    pending, max);
		conn__mark_closed(c, "Output buffer overflow (slow reader)");
		return -1;
	}
	iobuf_reserve(&c->out, len, max);
	memcpy(c->out.data + c->out.len, data, len);
	c->out.len += len;
	if (pending + len >= srv->flush_threshold && !c->out_blocked)
		return conn_io__flush(c);
	return 0;
}

int
conn_write_str(struct conn *c, const char *s)
{
	return conn_write(c, s, strlen(s));
}

int
conn_vprintf(struct conn *c, const char *fmt, va_list ap)
{
	char small[512], *big;
	va_list ap2;
	int n, ret;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		/* an invalid format is a bug; write nothing */
		log_err("%s: conn_printf(\"%s\") failed: %m", c->session_id,
			fmt);
		va_end(ap2);
		return c->closed || c->flush_close ? -1 : 0;
	}
	if ((size_t)n < sizeof(small)) {
		va_end(ap2);
		return conn_write(c, small, (size_t)n);
	}
	big = xmalloc((size_t)n + 1);
	vsnprintf(big, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	ret = conn_write(c, big, (size_t)n);
	free(big);
	return ret;
}

int
conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = conn_vprintf(c, fmt, ap);
	va_end(ap);
	return ret;
}

int
conn_flush(struct conn *c)
{
	if (c->closed || c->flush_close)
		return c->closed ? -1 : 0;
	if (c->out_blocked)
		return 0;
	return conn_io__flush(c);
}

size_t
conn_output_pending(const struct conn *c)
{
	return iobuf_used(&c->out);
}

bool
conn_output_full(struct conn *c)
{
	if (iobuf_used(&c->out) < c->srv->high_water)
		return false;
	c->want_drained = true;
	return true;
}
