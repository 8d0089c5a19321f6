/* SPDX-License-Identifier: MIT */
/* struct net_server and the helpers shared by the net layer's files. */
#ifndef COFFER_NET_SERVER_PRIVATE_H
#define COFFER_NET_SERVER_PRIVATE_H

#include "net/server.h"
#include "net/workers.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Timer scan period: the resolution of conn_set_timeout() and of the
   other deadlines. */
#define NET_TICK_MSECS 250

/* First member of every object registered in the epoll set, so the
   dispatcher can tell what an event's data.ptr points to. */
enum net_io_kind {
	NET_IO_CONN = 1,
	NET_IO_LISTENER,
	NET_IO_WATCH,
	NET_IO_EVENTFD,
	NET_IO_SIGNALFD,
};

struct net_listener {
	enum net_io_kind kind; /* NET_IO_LISTENER; must be first */
	struct net_listener *next;
	struct net_server *srv;
	int fd;
	unsigned id;
	char *name;
	struct net_tls_ctx *tls;
	net_accept_cb *accept;
	void *ctx;
	/* dispatcher only */
	uint64_t paused_until; /* accept paused after EMFILE; 0 = active */
};

enum net_watch_state {
	NET_WATCH_ARMED,   /* in epoll, waiting */
	NET_WATCH_QUEUED,  /* readable; job queued or running */
};

struct net_fd_watch {
	enum net_io_kind kind; /* NET_IO_WATCH; must be first */
	struct net_server *srv;
	int fd;
	net_fd_cb *cb;
	void *ctx;
	struct net_job job;
	/* protected by srv->lock */
	enum net_watch_state state;
	bool removing;
	bool unregistered; /* removed from epoll; dispatcher drops events */
	struct net_fd_watch *next_removal;
};

enum net_phase {
	NET_PHASE_CREATED,
	NET_PHASE_RUNNING,
	NET_PHASE_STOPPED,
};

struct net_server {
	struct net_server_settings set; /* defaults resolved */
	size_t high_water, low_water, flush_threshold;
	int epfd, evfd, sigfd;
	enum net_io_kind evfd_kind, sigfd_kind; /* epoll data for both */
	struct net_workers *workers;
	uint64_t id_base;
	atomic_uint_fast64_t id_counter;

	/* Owned by the dispatcher thread (and by create/destroy). */
	struct conn *conns; /* every registered connection */
	unsigned nconns;
	struct net_listener *listeners;
	uint64_t next_tick;
	bool stop_begun, killed;
	uint64_t stop_deadline;
	uint64_t refuse_log_next, emfile_log_next;
	unsigned refused_since_log;

	atomic_uint nconns_public;
	atomic_uint live_conns; /* allocated, until the last unref */
	atomic_bool stopping;
	atomic_bool wake_pending; /* eventfd written, not yet read */
	atomic_uint busy_pollers; /* workers in conn__busy_poll() */
	unsigned max_busy_pollers;

	/* Protected by lock. cond signals phase changes and watch state. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum net_phase phase;
	bool stop_requested;
	unsigned stop_timeout_ms;
	struct net_job *dead; /* torn-down connections (conn.job) */
	struct net_fd_watch *removals;
};

/* Wakes the dispatcher (eventfd). Any thread. */
void net_server__wake(struct net_server *srv);

/* dispatcher.c: begins the graceful stop. Dispatcher only. */
void net_dispatcher__begin_stop(struct net_server *srv, unsigned timeout_ms);
/* server.c: handles watch removals requested by other threads, and a
   readable watched fd. Dispatcher only. */
void net_server__process_removals(struct net_server *srv);
void net_server__watch_ready(struct net_server *srv, struct net_fd_watch *w);
/* accept.c: accepts what a listener has pending. Dispatcher only. */
void net_accept__ready(struct net_server *srv, struct net_listener *l);
/* accept.c: re-enables listeners paused after EMFILE. Dispatcher only. */
void net_accept__resume(struct net_server *srv, uint64_t now);
/* timers.c: posts expired connection timers. Dispatcher only. */
void net_timers__scan(struct net_server *srv, uint64_t now);

#endif
