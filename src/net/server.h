/* SPDX-License-Identifier: MIT */
/*
 * The event-driven I/O runtime shared by every service (IMAP, POP3, LMTP...).
 *
 * One process, one dispatcher thread and a bounded pool of worker threads:
 *
 *   - the dispatcher (the thread calling net_server_run()) owns an epoll set
 *     (EPOLLONESHOT per connection), a coarse timer scan, an eventfd for
 *     cross-thread wakeups and optionally a signalfd. It accepts connections
 *     and queues connections with pending events; it never runs protocol
 *     code;
 *   - workers (clamp(ncpu, thread_pool_min, thread_pool_max)) run a queued
 *     connection's I/O and its protocol handler (conn.h), generic work
 *     (net_server_post()) and callbacks for watched fds.
 *
 * There is never a thread or process per connection. See docs/net-model.md.
 */
#ifndef COFFER_NET_SERVER_H
#define COFFER_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/err.h"

struct conn;
struct net_server;
struct net_tls_ctx;

/* Defaults of the M-Box guide section 2.2.14. */
#define NET_DEFAULT_MAX_NET_BUFFER 131072
#define NET_DEFAULT_THREAD_POOL_MAX 8
/* Upper bound of net_server_settings.busy_poll_us. */
#define NET_MAX_BUSY_POLL_US 1000

struct net_server_settings {
	/* Workers = clamp(online CPUs, thread_pool_min, thread_pool_max).
	   0 means 1 for min and NET_DEFAULT_THREAD_POOL_MAX for max. */
	unsigned thread_pool_min;
	unsigned thread_pool_max;
	/* Per-connection output ceiling in bytes (ms.conf max_net_buffer);
	   0 means NET_DEFAULT_MAX_NET_BUFFER. Minimum 4096. */
	size_t max_net_buffer;
	/* Default input buffer maximum of new connections (conn_set_input_max
	   changes it); 0 means 8192. */
	size_t input_buffer_size;
	/* Open connections beyond this are refused (accepted and closed, with
	   a log line); 0 means unlimited. */
	unsigned max_connections;
	/* Bound for conn_close_after_flush(); 0 means 30000. */
	unsigned close_flush_timeout_ms;
	/* Bound for a TLS handshake; 0 means 60000. */
	unsigned tls_handshake_timeout_ms;
	/* Graceful-stop bound used when SIGTERM/SIGINT stop the server;
	   0 means 10000. */
	unsigned stop_timeout_ms;
	/* Microseconds a worker keeps watching a connection that just sent
	   its answer, for the client's next command, before handing it back
	   to epoll; 0 turns this off. See docs/net-model.md. */
	unsigned busy_poll_us;
	/* If true, the dispatcher owns a signalfd: SIGTERM and SIGINT stop
	   the server, SIGHUP calls reload() on a worker. These signals are
	   blocked in the calling thread by net_server_create(), so create
	   the server before starting any other thread. At most one server
	   per process may set this. */
	bool handle_signals;
	void (*reload)(void *ctx);
	void *reload_ctx;
};

/* Creates the server and starts its workers. SIGPIPE is set to ignored for
   the process (peers that vanish must give EPIPE, not kill us). Returns NULL
   and sets err if a kernel object cannot be created. Any thread. */
struct net_server *net_server_create(const struct net_server_settings *set,
				     struct err *err);
/* Joins the workers after they finished queued work and frees the server.
   net_server_run() must have returned (or never been called) and every
   connection reference must be gone. Sets *srv to NULL. */
void net_server_destroy(struct net_server **srv);

/* Runs the dispatcher on the calling thread until the server has stopped
   (net_server_stop(), or SIGTERM/SIGINT with handle_signals). Returns at
   once if the server was already stopped. */
void net_server_run(struct net_server *srv);
/* Graceful stop: stops accepting, delivers CONN_EV_SHUTDOWN to every
   connection, waits up to timeout_ms for them to close, closes the rest,
   and returns when net_server_run() has finished. Any thread except the
   server's own dispatcher and workers. */
void net_server_stop(struct net_server *srv, unsigned timeout_ms);
/* Starts the same graceful stop without waiting for it; net_server_run()
   returns when it is done. Any thread, including workers (an
   administrative command). */
void net_server_stop_async(struct net_server *srv, unsigned timeout_ms);
/* True once a stop has begun. Any thread. */
bool net_server_stopping(const struct net_server *srv);

/* Runs fn(ctx) on a worker thread. Any thread. */
void net_server_post(struct net_server *srv, void (*fn)(void *ctx),
		     void *ctx);

/* Number of worker threads. */
unsigned net_server_worker_count(const struct net_server *srv);
/* Open connections (accepted and not yet released). Any thread;
   approximate while connections come and go. */
unsigned net_server_connection_count(const struct net_server *srv);

/* --- Watching other file descriptors --------------------------------- */

struct net_fd_watch;
/* Called on a worker when the fd is readable; one call at a time per fd,
   re-armed when it returns. The callback must consume what made the fd
   readable, or it is called again at once. */
typedef void net_fd_cb(int fd, void *ctx);

/* Watches fd (owned by the caller) for readability. Any thread. Returns
   NULL and sets err on failure. */
struct net_fd_watch *net_server_add_fd(struct net_server *srv, int fd,
				       net_fd_cb *cb, void *ctx,
				       struct err *err);
/* Stops watching and frees the watch; when it returns the callback is not
   running and will not run again, so the caller may close the fd and free
   ctx. Any thread except from inside this watch's own callback. */
void net_server_remove_fd(struct net_server *srv, struct net_fd_watch **w);

/* --- Listeners ------------------------------------------------------- */

/* Called on a worker thread for each new connection, before any I/O. It
   must attach a handler with conn_set_handler() (and may set the input
   maximum or a timeout), or call conn_close() to refuse the connection.
   It must not write output. */
typedef void net_accept_cb(struct conn *c, void *ctx);

struct net_listener_settings {
	/* Service name for logs and conn_listener_name() ("imap"); copied. */
	const char *name;
	/* Caller's identifier, returned by conn_listener_id(). */
	unsigned id;
	/* Non-NULL: implicit TLS; the handshake runs before CONN_EV_START.
	   Must outlive the server. */
	struct net_tls_ctx *tls;
	net_accept_cb *accept;
	void *ctx;
};

/* Adds a listening socket (see listener.h); the server takes ownership of
   the fd and closes it when stopping or on destroy. Call before
   net_server_run(). Returns 0, or -1 with err set (the fd is then closed). */
int net_server_add_listener(struct net_server *srv, int fd,
			    const struct net_listener_settings *set,
			    struct err *err);

#endif
