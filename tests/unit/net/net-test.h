/* SPDX-License-Identifier: MIT */
/*
 * Shared harness of the net tests: a server on 127.0.0.1 port 0 running a
 * tiny line protocol (echo plus test commands), and blocking client sockets
 * (optionally TLS) with timeouts so a failing test ends instead of hanging.
 *
 * Protocol (lines end in LF; a CR before it is dropped):
 *   <text>         echoed back
 *   BIG <n>        n bytes of test_pattern(), produced in 16 KiB chunks
 *                  while conn_output_full() allows, resumed on DRAINED
 *   FLOOD          16 KiB chunks ignoring conn_output_full() until
 *                  conn_write() fails
 *   PAUSE <ms>     "PAUSED", stop reading for ms, then resume
 *   TIMEOUT <ms>   arm the idle timer; on expiry "TIMEOUT" and close
 *   KEEPALIVE <s>  conn_set_tcp_keepalive(s), then "KEEPALIVE <idle>"
 *                  with the idle time the kernel reports
 *   SLEEP <ms>     block the worker (disk-like work), then "SLEPT"
 *   QUIT           "BYE", close after flush
 *   CLOSE          close at once
 *   STARTTLS       "OK", then switch to TLS
 *   INFO           "INFO <peer> <local> <listener> <tls 0/1> <session id>"
 *   TLSINFO        "TLSINFO <version> <tls-exporter hex> <peer cert 0/1>"
 *   WAKEREG        register for wakeups from foreign threads; each WAKEUP
 *                  answers "W <connection number>"
 *   NOSHUT         ignore CONN_EV_SHUTDOWN (for the stop timeout)
 * Also: TLS_READY answers "TLS", SHUTDOWN answers "SHUTDOWN" and closes,
 * EOF closes after the remaining lines, a full buffer without a line
 * answers "ERR line too long" and closes.
 */
#ifndef COFFER_TEST_NET_H
#define COFFER_TEST_NET_H

#include "net/conn.h"
#include "net/server.h"
#include "net/tls.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#define TEST_CHUNK 16384
#define TEST_WAKE_MAX 256

struct test_env {
	struct net_server *srv;
	pthread_t thread;
	unsigned port;
	struct net_tls_ctx *tls; /* for STARTTLS */
	size_t input_max;	 /* per connection; 0 = server default */

	atomic_uint accepted, destroyed, closed_hooks;
	atomic_uint timeouts, shutdowns, wakeups, tls_ready;
	atomic_uint write_failures;  /* conn_write() returned -1 in FLOOD */
	atomic_uint pause_violations; /* input grew while paused */
	atomic_uint wrong_thread;     /* two threads in one connection */
	atomic_size_t max_pending;    /* highest conn_output_pending() */
	atomic_size_t max_input;      /* highest buffered input */
	atomic_uint next_id;

	/* WAKEREG registry: referenced connections, under wake_lock */
	pthread_mutex_t wake_lock;
	struct conn *wake_conns[TEST_WAKE_MAX];
	unsigned wake_ids[TEST_WAKE_MAX];
	unsigned wake_count;

	pthread_mutex_t reason_lock;
	char last_reason[128];
};

/* Starts a server (settings may be NULL) with one TCP listener on
   127.0.0.1 port 0; tls non-NULL makes it an implicit-TLS listener. */
void test_env_start(struct test_env *env,
		    const struct net_server_settings *set,
		    struct net_tls_ctx *implicit_tls);
/* As test_env_start() but with a caller-made listener fd. */
void test_env_start_fd(struct test_env *env,
		       const struct net_server_settings *set, int fd,
		       struct net_tls_ctx *implicit_tls);
/* Graceful stop (timeout_ms), join, destroy; drops WAKEREG references
   first. */
void test_env_stop(struct test_env *env, unsigned timeout_ms);
/* test_env_stop() with a 2 s timeout, then frees env (allocated with
   malloc). True if no two threads ever ran one connection and every
   accepted connection was destroyed (else the counts go to stderr). */
bool test_env_finish(struct test_env *env);
/* Waits up to timeout_ms for *counter >= value; true if reached. */
bool test_wait_count(atomic_uint *counter, unsigned value,
		     unsigned timeout_ms);
void test_env_last_reason(struct test_env *env, char *buf, size_t size);

/* The BIG pattern. */
static inline uint8_t
test_pattern(uint64_t i)
{
	return (uint8_t)(i * 31u + (i >> 13));
}

/* --- clients -------------------------------------------------------- */

struct tclient {
	int fd;
	SSL *ssl;
	size_t len;
	char buf[16384];
};

/* Blocking TCP connection with 10 s send/receive timeouts. */
int test_connect_tcp(const char *addr, unsigned port);
/* The same with SO_RCVBUF set before connecting (a small window). */
int test_connect_tcp_rcvbuf(const char *addr, unsigned port, int rcvbuf);
int test_connect_unix(const char *path);
void tclient_init(struct tclient *tc, int fd);
void tclient_close(struct tclient *tc);
/* Starts TLS on the client socket; returns 0 or -1. */
int tclient_start_tls(struct tclient *tc, SSL_CTX *ctx);
int tclient_send(struct tclient *tc, const void *data, size_t len);
int tclient_send_str(struct tclient *tc, const char *s);
/* Reads one line without its LF into line; returns its length, or -1 on
   EOF, error or timeout. */
int tclient_line(struct tclient *tc, char *line, size_t size);
/* rounds times: sends "<tag> n<i>" LF in one write (a second small write
   would wait for the first one's ACK: Nagle), reads the echo and checks
   it, then sleeps pause_us if > 0. Returns 0, or -1 (the mismatch on
   stderr). */
int tclient_ping_pong(struct tclient *tc, const char *tag, int rounds,
		      unsigned pause_us);
/* Reads exactly n bytes and checks them against test_pattern(); returns
   0, or -1 on short read or mismatch. sleep_us > 0 sleeps between reads
   of at most read_size bytes (a slow reader). */
int tclient_pattern(struct tclient *tc, uint64_t n, size_t read_size,
		    unsigned sleep_us);
/* True if the server closed the connection (EOF or reset) within the
   socket timeout, ignoring data. */
bool tclient_wait_eof(struct tclient *tc);

/* --- TLS material ---------------------------------------------------- */

/* Writes a fresh self-signed P-256 certificate and key into dir. */
void test_make_cert(const char *dir, char *cert_path, char *key_path,
		    size_t size);
SSL_CTX *test_client_ssl_ctx(void);

/* CPU seconds used by the process so far (to catch busy loops). */
double test_cpu_seconds(void);

/* Raises RLIMIT_NOFILE to its hard limit. */
void test_raise_nofile(void);

#endif
