/* SPDX-License-Identifier: MIT */
/*
 * Shared harness of the LMTP tests: a temporary data directory with an
 * ms.conf, a local user database and a store; optionally an LMTP server
 * on a net server listening on 127.0.0.1 (port 0) and a Unix socket; and
 * blocking client sockets with timeouts, so a failing test ends instead
 * of hanging.
 */
#ifndef COFFER_TEST_LMTP_UTIL_H
#define COFFER_TEST_LMTP_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/account.h"
#include "lib/buf.h"

struct ms_config;
struct userdb;
struct store;
struct net_server;
struct lmtp_server;

struct lmtp_fixture {
	char dir[128];
	char spool_dir[192];
	char socket_path[192];
	struct ms_config *cfg;
	struct userdb *userdb;
	struct store *store;
	struct lmtp_server *lmtp;
	struct net_server *net;
	pthread_t thread;
	unsigned port;
	unsigned idle_timeout_ms;
	/* 0: the net layer's default; else also a 4 KiB kernel send buffer
	   on the TCP listener, so that output backs up in the session */
	size_t max_net_buffer;
};

/* Creates the directory, ms.conf (data_dir, domain example.com, plus
   `extra` inside <ms_options>), the user database and the store. */
void lmtp_fixture_init(struct lmtp_fixture *f, const char *extra);
/* Starts the LMTP server on a net server (TCP and Unix socket). */
void lmtp_fixture_start(struct lmtp_fixture *f);
/* Stops the net server (graceful: sessions get CONN_EV_SHUTDOWN). */
void lmtp_fixture_stop(struct lmtp_fixture *f);
/* Stops everything and removes the directory. */
void lmtp_fixture_deinit(struct lmtp_fixture *f);

/* A started fixture for session tests (extra as for lmtp_fixture_init(),
   idle_ms and max_net_buffer 0 for the defaults) with the accounts
   joe@example.com (alias joseph@example.org), ann@example.com,
   off@example.com (disabled) and tiny@example.com (quota 1 KiB). */
struct lmtp_fixture *lmtp_test_fixture(const char *extra, unsigned idle_ms,
				       size_t max_net_buffer);
/* cmocka teardown for lmtp_test_fixture(). */
int lmtp_test_teardown(void **state);

/* Adds an account (alias may be NULL; quota_kib 0 = none set). */
void lmtp_fixture_add_user(struct lmtp_fixture *f, const char *userid,
			   const char *alias, enum account_status status,
			   uint64_t quota_kib);
/* Messages in a mailbox of an account (or, with shared, of the shared
   root named userid); 0 if the mailbox or store does not exist. */
uint32_t lmtp_fixture_count(struct lmtp_fixture *f, const char *userid,
			    bool shared, const char *mailbox);
/* Appends message seq (1-based) of the mailbox to out. */
void lmtp_fixture_message(struct lmtp_fixture *f, const char *userid,
			  bool shared, const char *mailbox, uint32_t seq,
			  struct buf *out);
/* Replaces out with message seq as a C string (buf_cstr()). */
void lmtp_fixture_text(struct lmtp_fixture *f, const char *userid, bool shared,
		       const char *mailbox, uint32_t seq, struct buf *out);
/* Creates a mailbox of an account (or of the first shared root). */
void lmtp_fixture_create_mailbox(struct lmtp_fixture *f, const char *owner,
				 bool shared, const char *name);
/* Hard-link count of message seq's file. */
unsigned lmtp_fixture_nlink(struct lmtp_fixture *f, const char *userid,
			    const char *mailbox, uint32_t seq);
/* Spool files: named ones in the spool directory, and unnamed ones the
   server holds open anywhere under the fixture's directory. */
unsigned lmtp_fixture_spool_files(struct lmtp_fixture *f);
/* Waits (up to 5 s) until the spool directory is empty: sessions notice
   a lost connection asynchronously. */
void lmtp_fixture_wait_spool_empty(struct lmtp_fixture *f);

struct lclient {
	int fd;
	size_t len;
	char buf[65536];
};

/* Connects to the fixture's TCP port (or Unix socket) with 10 s send and
   receive timeouts. Reads and checks the 220 greeting. */
void lclient_open(struct lclient *c, struct lmtp_fixture *f);
/* The same with a small receive window (SO_RCVBUF before connect). */
void lclient_open_rcvbuf(struct lclient *c, struct lmtp_fixture *f, int rcvbuf);
void lclient_open_unix(struct lclient *c, struct lmtp_fixture *f);
void lclient_close(struct lclient *c);
void lclient_send(struct lclient *c, const char *s);
void lclient_send_raw(struct lclient *c, const void *data, size_t len);
/* Reads one line (without CRLF) into line; returns its length, -1 on EOF
   or timeout. */
int lclient_line(struct lclient *c, char *line, size_t size);
/* Reads one whole (possibly multi-line) reply; its last line goes to
   line. Returns the reply code, -1 on EOF or timeout. */
int lclient_reply(struct lclient *c, char *line, size_t size);
/* Reads one reply and fails the test unless its last line starts with
   prefix ("250 2.1.5"). */
void lclient_expect(struct lclient *c, const char *prefix);
/* True if the server closes the connection (data is ignored). */
bool lclient_wait_eof(struct lclient *c);
/* LHLO and reads the reply. */
void lclient_lhlo(struct lclient *c);
/* A whole transaction from s@x.org to rcpts, each of which must be
   accepted and delivered (body ends in CRLF; the "." is added). */
void lclient_send_message(struct lclient *c, const char *rcpts[], size_t n,
			  const char *body);

#endif
