/* SPDX-License-Identifier: MIT */
/*
 * struct conn and the helpers shared by conn.c, conn-io.c, tls.c, timers.c
 * and accept.c.
 *
 * Ownership: `lock` protects sched and pending; everything below "owner" is
 * touched only by the thread that runs the connection (sched == RUNNING), and
 * the hand-over between threads goes through `lock` and the worker queue. The
 * dispatcher touches only the list links, `deadline` (atomically) and the
 * constant facts.
 */
#ifndef COFFER_NET_CONN_PRIVATE_H
#define COFFER_NET_CONN_PRIVATE_H

#include "net/conn.h"
#include "net/server-private.h"
#include "net/transport.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Internal event bits in conn.pending, above the public enum conn_event. */
#define CONN_EV_PUBLIC_MASK 0xffffu
#define CONN_RAW_READABLE (1u << 16) /* EPOLLIN */
#define CONN_RAW_WRITABLE (1u << 17) /* EPOLLOUT */
#define CONN_RAW_HUP (1u << 18)	     /* EPOLLHUP / EPOLLERR */
#define CONN_RAW_NEW (1u << 19)	     /* accepted: run accept callback */
#define CONN_RAW_TIMER (1u << 20)    /* deadline reached */
#define CONN_RAW_KILL (1u << 21)     /* stop timeout: close now */
#define CONN_RAW_KICK (1u << 22)     /* run the I/O step again (TLS switch) */
#define CONN_RAW_IO (CONN_RAW_READABLE | CONN_RAW_WRITABLE | CONN_RAW_HUP)

/* conn.deadline value meaning "expired, CONN_RAW_TIMER posted". */
#define CONN_DEADLINE_FIRED UINT64_MAX

enum conn_sched {
	CONN_SCHED_IDLE,    /* waiting for epoll, timer or wakeup */
	CONN_SCHED_QUEUED,  /* in the worker queue */
	CONN_SCHED_RUNNING, /* a worker owns it */
	CONN_SCHED_DEAD,    /* closed; events are dropped */
};

enum conn_tls_state {
	CONN_TLS_NONE,	    /* plaintext */
	CONN_TLS_DRAIN,	    /* sending plaintext before the handshake */
	CONN_TLS_HANDSHAKE, /* handshake in progress */
	CONN_TLS_UP,	    /* established */
};

/* A byte queue: data[off, len) is pending, cap allocated (0 = freed). */
struct conn_iobuf {
	uint8_t *data;
	size_t off, len, cap;
};

/* INET6_ADDRSTRLEN */
#define CONN_ADDR_MAX 46
#define CONN_SESSION_ID_LEN 13

struct conn {
	enum net_io_kind kind; /* NET_IO_CONN; must be first */
	struct net_job job;    /* worker queue link; later the dead list */
	struct conn *prev, *next; /* srv->conns, dispatcher only */
	struct net_server *srv;
	struct net_listener *listener;
	int fd;
	atomic_uint refcount;
	atomic_uint_fast64_t deadline; /* monotonic ms, 0 = none */
	atomic_bool closing; /* conn_is_closed(): close requested */

	pthread_mutex_t lock;
	enum conn_sched sched;
	unsigned pending;

	/* owner */
	const struct conn_handler *handler;
	void *ctx;
	struct net_transport *tr; /* top of the stack */
	struct net_transport plain;
	struct net_transport *tls_tr; /* TLS layer (bottom once up) */
	struct conn_iobuf in, out;
	size_t in_max;
	size_t plain_left; /* CONN_TLS_DRAIN: plaintext bytes still to send */
	unsigned held;	   /* events held back during a TLS switch */
	char *close_reason;
	uint64_t bytes_in, bytes_out;
	/* busy polling (busy-poll.c): when the connection last went idle
	   waiting for input (monotonic us, 0 = not), and whether the client's
	   last turn-around fitted in the busy-poll window */
	uint64_t idle_since_us;
	bool quick_peer;
	bool in_more; /* the last read got all it asked for: the socket
			 probably holds more (conn_io__input_waiting()) */
	uint32_t rd_need, wr_need; /* epoll bits the transport waits for */
	enum conn_tls_state tls_state;
	bool closed;	  /* tear down when the cycle ends */
	bool linger;	  /* ... gracefully: output was all sent */
	bool tr_flush_pending; /* a stacked transport holds output */
	bool want_input;
	bool in_eof;
	bool want_drained;
	bool out_blocked; /* last write would block: wait for the socket */
	bool flush_close; /* close once output is sent */
	bool implicit_tls;

	/* constant after accept */
	uint16_t peer_port, local_port;
	char peer_addr[CONN_ADDR_MAX];
	char local_addr[CONN_ADDR_MAX];
	char session_id[CONN_SESSION_ID_LEN + 1];
};

/* Addresses of an accepted socket, formatted by accept.c. */
struct conn_addrs {
	char peer[CONN_ADDR_MAX];
	char local[CONN_ADDR_MAX];
	uint16_t peer_port, local_port;
};

/* conn.c */
/* Creates a connection for an accepted socket, registers it and queues its
   first run. Dispatcher only. Returns -1 (fd closed, logged) on failure. */
int conn__create(struct net_server *srv, struct net_listener *l, int fd,
		 const struct conn_addrs *addrs);
/* Adds event bits and queues the connection if it is idle. No-op once the
   connection is dead. Any thread that keeps the connection alive. */
void conn__post(struct conn *c, unsigned bits);
/* Sets the close reason (first one wins) and marks the connection closed;
   the owning worker tears it down when the current cycle ends. */
void conn__mark_closed(struct conn *c, const char *reason);
/* Takes the posted event bits (conn.lock not held). Owning worker. */
unsigned conn__take_pending(struct conn *c);
/* Queues the release of the net layer's reference on a worker, after the
   connection was torn down and unlinked. Dispatcher only. */
void conn__release(struct conn *c);

/* timers.c: sets the deadline msecs from now (0 disarms), bypassing the
   rules of conn_set_timeout(). Owning thread. */
void conn__set_deadline(struct conn *c, unsigned msecs);

/* conn-io.c */
/* Socket I/O of one cycle; returns CONN_EV_INPUT / DRAINED / START /
   TLS_READY bits for the handler. */
unsigned conn_io__run(struct conn *c, unsigned raw);
/* After run(): flush, close-after-flush, DRAINED and transport-pending
   bookkeeping. */
void conn_io__after_run(struct conn *c);
/* Whether input is known to wait in the socket (the last read filled
   everything it asked for) and the connection wants to read it. */
bool conn_io__input_waiting(const struct conn *c);
/* epoll interest for re-arming. */
uint32_t conn_io__interest(const struct conn *c);
/* Frees empty buffers so an idle connection costs little memory. */
void conn_io__release_buffers(struct conn *c);
/* Writes out buffered output; returns -1 if the connection got closed. */
int conn_io__flush(struct conn *c);
/* Graceful teardown of the socket: transport shutdown, FIN, discard what
   the peer still sends (so unread input does not turn the FIN into a
   reset that destroys our last reply). */
void conn_io__linger(struct conn *c);
void conn_io__free(struct conn *c);

/* busy-poll.c */
/* Called by the owning worker when a cycle ended with nothing to do but
   wait for input (conn.lock not held). If the client answered quickly
   before, watches the socket for up to busy_poll_us and returns the raw
   event bits to run next (READABLE plus anything posted meanwhile); 0 if
   nothing came, the window was not worth it, or other jobs wait. */
unsigned conn__busy_poll(struct conn *c);
/* Start of a cycle: learns from how long an idle connection waited. */
void conn__busy_poll_note_wake(struct conn *c, unsigned raw);
/* The connection goes idle waiting for input (conn.lock held). */
void conn__busy_poll_note_idle(struct conn *c);

/* tls.c */
/* Drives the plaintext drain and the handshake; returns CONN_EV_START or
   CONN_EV_TLS_READY when the handshake completes. */
unsigned conn_tls__step(struct conn *c);
/* Starts the handshake of an implicit-TLS listener. -1 closes. */
int conn_tls__begin_implicit(struct conn *c, struct net_tls_ctx *ctx);

#endif
