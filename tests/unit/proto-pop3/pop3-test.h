/* SPDX-License-Identifier: MIT */
/*
 * Harness of the POP3 session tests: the service on a net_server on
 * 127.0.0.1 port 0 over a real store in a temporary directory, with a
 * scripted login backend in place of proto/common/login.c (so that every
 * login outcome -- disabled account, denied service, nologin, temporary
 * failure, delays -- can be produced on demand), and blocking clients.
 *
 * Stub users (the domain example.com is added to bare names):
 *   alice@example.com / secret      LOGIN_OK
 *   bob@example.com / secret        LOGIN_OK
 *   disabled@example.com / secret   LOGIN_ACCOUNT_DISABLED
 *   denied@example.com / secret     LOGIN_SERVICE_DENIED
 *   temp@example.com / secret       LOGIN_TEMPFAIL
 *   anything else                   LOGIN_FAILED after stub.delay_ms
 * With stub.nologin set every login gets LOGIN_NOLOGIN and the alert
 * "Down for maintenance". proto_login_failed() answers LOGIN_FAILED after
 * stub.delay_ms.
 */
#ifndef COFFER_TEST_POP3_H
#define COFFER_TEST_POP3_H

#include "net-test.h"
#include "proto/common/service.h"
#include "lib/buf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pop3_stub {
	atomic_uint logins;  /* proto_login_password() calls */
	atomic_uint logouts; /* proto_log_logout() calls */
	atomic_uint delay_ms;
	atomic_bool nologin;
	pthread_mutex_t lock;
	char last_authzid[128];
};
extern struct pop3_stub stub;

struct pop3_env {
	char *dir;
	struct store *store;
	struct store_user *alice; /* for appending test messages */
	struct ms_config *cfg;
	struct service_env env;
	struct net_server *srv;
	pthread_t thread;
	unsigned port;
	void *svc_ctx;
	char cert[512], key[512];
};

struct pop3_env_opts {
	const char *conf;      /* extra ms.conf elements */
	bool tls;	       /* offer STLS */
	size_t max_net_buffer; /* 0 = default */
	int64_t pop_timeout;   /* seconds; 0 = from the configuration */
};

void pop3_env_start(struct pop3_env *e, const struct pop3_env_opts *o);
void pop3_env_stop(struct pop3_env *e);
/* Appends a message with the given bytes to alice's INBOX; returns its
   UID. */
uint32_t pop3_env_append(struct pop3_env *e, const void *msg, size_t len);
uint32_t pop3_env_append_str(struct pop3_env *e, const char *msg);
/* Messages in alice's INBOX now. */
uint32_t pop3_env_count(struct pop3_env *e);

/* Connects and reads the greeting. */
void pc_open(struct pop3_env *e, struct tclient *tc);
/* Sends line + CRLF. */
void pc_send(struct tclient *tc, const char *line);
/* Reads one reply line (CR removed) into line (512 bytes). */
void pc_read(struct tclient *tc, char *line);
/* Sends a command and checks that the reply starts with prefix. */
void pc_expect(struct tclient *tc, const char *cmd, const char *prefix);
/* Reads a reply line and checks its prefix. */
void pc_expect_reply(struct tclient *tc, const char *prefix);
/* USER/PASS as alice. */
void pc_login(struct pop3_env *e, struct tclient *tc);
/* Reads a multi-line body up to ".", removes the stuffing and appends the
   lines, with their CRLF line ends, to out; returns the bytes read. */
size_t pc_multiline(struct tclient *tc, struct buf *out);

#endif
