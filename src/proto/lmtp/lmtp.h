/* SPDX-License-Identifier: MIT */
/*
 * The LMTP delivery service (RFC 2033): mail reaches Coffer from an MTA
 * (Postfix, Exim, M-Switch) over TCP (ms.conf lmtp_host/lmtp_port, several
 * allowed) or a Unix-domain socket.
 *
 * There is no LMTP authentication (seed section 6): whoever can connect
 * can deliver mail to any local recipient. Restrict the Unix socket with
 * its mode and the permissions of its directory (only the MTA's user or
 * group), and keep TCP listeners on loopback or behind a firewall.
 *
 * Offered extensions (LHLO): PIPELINING (RFC 2920), ENHANCEDSTATUSCODES
 * (RFC 2034), 8BITMIME (RFC 6152), SIZE <max_message_size> (RFC 1870) and
 * CHUNKING (BDAT, RFC 3030), and STARTTLS (RFC 3207) on TCP connections
 * when a certificate is configured. After DATA or BDAT LAST there is one reply
 * per accepted recipient, in RCPT order (RFC 2033 sections 4.2, 4.3); a
 * recipient gets 250 only once its copy is durable in the store. The
 * message is written once to a spool file and linked into every
 * recipient's mailbox (lmtp-spool.h); the session's memory stays bounded
 * whatever the message size.
 *
 * Sessions are event-driven on the net layer's workers (net/conn.h): one
 * worker runs a session at a time, store and user-database calls block
 * that worker only.
 */
#ifndef COFFER_PROTO_LMTP_LMTP_H
#define COFFER_PROTO_LMTP_LMTP_H

#include <stdbool.h>
#include "lib/err.h"
#include "proto/common/service.h"

struct conn;
struct ms_config;
struct store;
struct userdb;
struct lmtp_server;
struct net_tls_ctx;

/* The service for cofferd: name "lmtp"; listeners from lmtp_host (TCP on
   lmtp_port, or a Unix socket path); init() prepares the spool directory
   <data_dir>/spool and removes files left by a crash. */
extern const struct service_def lmtp_service;

struct lmtp_server_settings {
	/* Shared by all sessions; must outlive the server. */
	struct store *store;
	struct userdb *userdb;
	/* This host's name: greeting, LHLO reply, Received fields, spool
	   file names. Copied. */
	const char *hostname;
	/* The spool directory. Copied. */
	const char *spool_dir;
	/* Returns a new reference to the configuration a new session uses
	   (service_env_config() in cofferd). Called on worker threads. */
	struct ms_config *(*config_get)(void *ctx);
	void *config_ctx;
	/* Idle timeout while waiting for a command or for message data;
	   0 means LMTP_IDLE_TIMEOUT_MS. */
	unsigned idle_timeout_ms;
	/* fdatasync() spool files before delivery. Not needed for
	   durability (false in production): the store fdatasync()s the
	   message file it links for the first recipient, which is the spool
	   file's inode, and every copy, before its commit. */
	bool spool_fsync;
	/* STARTTLS (RFC 3207) on TCP connections; NULL: not offered. Must
	   outlive the server. */
	struct net_tls_ctx *tls;
};

/* RFC 5321 section 4.5.3.2.7: a server waits at least 5 minutes for the
   next command. */
#define LMTP_IDLE_TIMEOUT_MS (5u * 60u * 1000u)

/* Creates the server: the spool directory is created and this host's
   stale spool files are removed. Any thread. Returns 0 or -1. */
int lmtp_server_create(const struct lmtp_server_settings *set,
		       struct lmtp_server **srv_r, struct err *err);
/* Frees the server once no session uses it (after the net server
   stopped). Sets *srv to NULL; NULL-safe. */
void lmtp_server_destroy(struct lmtp_server **srv);

/* The accept callback (net_accept_cb) with the server as ctx: attaches an
   LMTP session to the new connection. */
void lmtp_server_accept(struct conn *c, void *ctx);

#endif
