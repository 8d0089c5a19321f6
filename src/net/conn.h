/* SPDX-License-Identifier: MIT */
/*
 * One client connection of a net_server (see server.h and docs/net-model.md).
 *
 * Execution model. A connection is an actor owned by exactly one thread at a
 * time. The server's dispatcher thread only watches sockets and timers; the
 * connection's I/O and its protocol handler run on a worker thread of the
 * server's pool, never on two threads at once. Events that arrive while the
 * handler runs are coalesced and cause another run() right after it returns,
 * so the handler never has to lock its own state.
 *
 * The handler reads from the input buffer and writes into the output buffer;
 * it never touches the socket. After run() returns, the worker flushes the
 * output and re-arms the socket for what is needed: input if the protocol
 * wants input and the input buffer has room, output if output is pending.
 *
 * Thread affinity. Unless a function says "any thread", it may only be called
 * by the thread that currently owns the connection: inside the handler's
 * run(), closed() or destroy(), or inside the listener's accept callback.
 * Functions marked "any thread" only need a reference (conn_ref()) or the
 * guarantee that the connection is alive.
 */
#ifndef COFFER_NET_CONN_H
#define COFFER_NET_CONN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "lib/macros.h"

struct conn;
struct net_server;

/* Bits of the `events` argument of conn_handler.run(). */
enum conn_event {
	/* First call, after the accept callback (and, on an implicit-TLS
	   listener, after the TLS handshake). */
	CONN_EV_START = 1u << 0,
	/* New bytes were buffered, or end of input was seen
	   (conn_input_eof()). Also posted when conn_want_input(c, true)
	   re-enables input while bytes are already buffered. */
	CONN_EV_INPUT = 1u << 1,
	/* Output fell to the low-water mark after conn_output_full() had
	   returned true: produce more output. */
	CONN_EV_DRAINED = 1u << 2,
	/* The timer set with conn_set_timeout() expired (once per expiry). */
	CONN_EV_TIMEOUT = 1u << 3,
	/* Someone called conn_wakeup(). */
	CONN_EV_WAKEUP = 1u << 4,
	/* The TLS handshake started by conn_start_tls() completed. */
	CONN_EV_TLS_READY = 1u << 5,
	/* The server is stopping: finish up (say goodbye) and close. If the
	   connection is still open when the stop timeout expires, it is closed
	   without further calls. conn_shutting_down() stays true. */
	CONN_EV_SHUTDOWN = 1u << 6,
};

struct conn_handler {
	/* Runs the protocol for `events` (a mask of enum conn_event). Called
	   on a worker thread; may block on disk I/O, never on the network.
	   Not called again once the connection is closed or is closing after
	   a flush. */
	void (*run)(struct conn *c, unsigned events, void *ctx);
	/* Optional. Called once on the owning thread when the connection
	   closes for any reason, before the socket is released. Drop
	   references to `c` held elsewhere here (notification registries):
	   destroy() only runs when the last reference is gone. */
	void (*closed)(struct conn *c, void *ctx);
	/* Frees the protocol state. Called exactly once, when the last
	   reference to the connection goes away: on a worker thread, or on
	   the foreign thread that drops the last reference. The connection's
	   facts (addresses, session id, counters, close reason) are still
	   readable; I/O functions must not be used. */
	void (*destroy)(struct conn *c, void *ctx);
};

/* Attaches the protocol. Called from the accept callback (see server.h), at
   most once. `h` must stay valid for the connection's lifetime. */
void conn_set_handler(struct conn *c, const struct conn_handler *h,
		      void *ctx);
void *conn_get_context(const struct conn *c);

/* --- Input ------------------------------------------------------------ */

/* Buffered input not yet consumed; *len_r is set (0 when empty). The
   pointer is valid until the next conn_input_consume() or the end of the
   current run(). */
const uint8_t *conn_input_data(struct conn *c, size_t *len_r);
/* Marks n bytes at the front of the input as used; n <= buffered bytes. */
void conn_input_consume(struct conn *c, size_t n);
/* True once the peer closed its sending side and every byte before the end
   of input has been buffered. Buffered bytes may still remain. */
bool conn_input_eof(const struct conn *c);
/* True when the buffer holds its maximum: no more input is read until the
   protocol consumes some. A protocol that cannot consume a full buffer
   (line too long) must treat that as a protocol error. */
bool conn_input_full(const struct conn *c);
/* Sets the input buffer's maximum (default: net_server_settings.
   input_buffer_size). Must not be below the bytes buffered now. */
void conn_set_input_max(struct conn *c, size_t max);
/* Enables (default) or disables reading. A protocol that is busy sets false
   so the kernel's TCP window, not our memory, absorbs pipelined input. */
void conn_want_input(struct conn *c, bool want);

/* --- Output ----------------------------------------------------------- */

/* Appends to the output buffer; flushes opportunistically when enough is
   buffered and the socket accepts data. If the pending output would exceed
   the server's max_net_buffer the connection is closed ("output buffer
   overflow, slow reader", logged at WARNING). Returns 0, or -1 if the
   connection is closed (now or earlier); nothing is buffered then. */
int conn_write(struct conn *c, const void *data, size_t len);
int conn_write_str(struct conn *c, const char *s);
int conn_printf(struct conn *c, const char *fmt, ...) ATTR_FORMAT(2, 3);
int conn_vprintf(struct conn *c, const char *fmt, va_list ap)
	ATTR_FORMAT(2, 0);
/* Tries to send buffered output now without blocking (a worker also does
   this after every run()). Returns 0, or -1 if the connection is closed. */
int conn_flush(struct conn *c);
/* Bytes buffered and not yet accepted by the socket. */
size_t conn_output_pending(const struct conn *c);
/* True when pending output is at or above the high-water mark
   (min(64 KiB, max_net_buffer / 2)). A true result arms CONN_EV_DRAINED:
   the handler should return and continue producing output on DRAINED. */
bool conn_output_full(struct conn *c);

/* --- Lifecycle -------------------------------------------------------- */

/* Closes now: buffered output is discarded and run() is not called again.
   `reason` (copied) is logged at DEBUG and kept for conn_close_reason().
   Idempotent: the first reason wins. */
void conn_close(struct conn *c, const char *reason);
/* Closes after all buffered output has been sent (e.g. after a BYE or QUIT
   reply). Input is no longer read and run() is not called again. Bounded by
   net_server_settings.close_flush_timeout_ms; conn_set_timeout() no longer
   applies. */
void conn_close_after_flush(struct conn *c, const char *reason);
/* True once conn_close() or conn_close_after_flush() was called, or the
   net layer closed the connection (I/O error, overflow, server stop).
   Any thread. */
bool conn_is_closed(const struct conn *c);
/* The reason given when the connection was closed, or NULL while open.
   Meant for the session summary logged in closed() or destroy(). */
const char *conn_close_reason(const struct conn *c);

/* Arms the idle timer: CONN_EV_TIMEOUT is delivered once, about msecs from
   now (resolution about 0.25 s). 0 disarms. Calling it again re-arms, and
   an expiry not yet delivered is dropped. Ignored while closing after a
   flush or during a TLS switch, which have their own bounds; the timer is
   disarmed when TLS comes up, so set it again on CONN_EV_TLS_READY (and on
   CONN_EV_START of an implicit-TLS listener). */
void conn_set_timeout(struct conn *c, unsigned msecs);

/* TCP keep-alive (SO_KEEPALIVE): probes start after idle_secs without
   traffic and repeat every min(idle_secs, 75) seconds; 0 turns it off.
   For idle connections that middle boxes would otherwise drop (M-Box
   guide 2.2.8 tcp_keepalive). A no-op on Unix sockets. Returns 0, or -1
   with err set if the kernel refuses. */
int conn_set_tcp_keepalive(struct conn *c, unsigned idle_secs,
			   struct err *err);
/* The keep-alive idle time the kernel has for the socket in seconds, 0
   when keep-alive is off or the socket is not TCP. */
unsigned conn_tcp_keepalive(const struct conn *c);

/* True once the server is stopping (see CONN_EV_SHUTDOWN). Any thread. */
bool conn_shutting_down(const struct conn *c);

/* References. The net layer holds its own reference while the connection is
   open; hold one to use the connection from another thread (conn_wakeup()).
   Any thread. conn_unref() sets *c to NULL; dropping the last reference
   calls the handler's destroy() on the calling thread. */
void conn_ref(struct conn *c);
void conn_unref(struct conn **c);
/* Posts CONN_EV_WAKEUP (coalesced with other pending events). A no-op on a
   closed connection. Any thread holding a reference. */
void conn_wakeup(struct conn *c);

/* --- Facts for protocols and logs (any thread, constant) -------------- */

/* "192.0.2.1", "2001:db8::1" (IPv4-mapped IPv6 shown as IPv4) or "unix". */
const char *conn_peer_addr(const struct conn *c);
unsigned conn_peer_port(const struct conn *c);
/* The address the client connected to (for virtual-server lookups). */
const char *conn_local_addr(const struct conn *c);
unsigned conn_local_port(const struct conn *c);
/* From the listener's net_listener_settings. */
unsigned conn_listener_id(const struct conn *c);
const char *conn_listener_name(const struct conn *c);
bool conn_listener_implicit_tls(const struct conn *c);
/* Short unique session id (13 characters of base32) for log lines. */
const char *conn_session_id(const struct conn *c);
struct net_server *conn_server(const struct conn *c);

/* Protocol bytes received / sent so far (after TLS decryption, before
   encryption). Owning thread, or any thread once destroy() runs. */
uint64_t conn_bytes_in(const struct conn *c);
uint64_t conn_bytes_out(const struct conn *c);

#endif
