/* SPDX-License-Identifier: MIT */
/*
 * How protocol services plug into cofferd. A service (IMAP, POP3, LMTP,
 * later ManageSieve) is a struct service_def; cofferd creates one shared
 * struct service_env per process, calls init() of every enabled service,
 * binds the service's listeners (service_def.listeners) before dropping
 * privileges, and passes accepted connections to accept(). Everything a
 * service needs is reached through the environment; there are no globals.
 */
#ifndef COFFER_PROTO_COMMON_SERVICE_H
#define COFFER_PROTO_COMMON_SERVICE_H

#include <pthread.h>
#include <stdbool.h>
#include "config/config.h"
#include "lib/err.h"
#include "net/server.h"

struct store;
struct userdb;
struct net_tls_ctx;
struct login_delay;

struct service_env {
	struct net_server *net;
	struct store *store;
	struct userdb *userdb;
	/* Server TLS context for STARTTLS and implicit-TLS listeners, or
	   NULL when no certificate is configured. */
	struct net_tls_ctx *tls;
	/* This host's name, for greetings and trace headers. */
	const char *hostname;
	/* The data directory (ms.conf data_dir): nologin file etc. */
	const char *data_dir;

	/* private: the current configuration snapshot (swapped on SIGHUP) */
	pthread_mutex_t cfg_lock;
	struct ms_config *cfg;
	/* private: failed-login delays shared by every service of the
	   process (proto/common/login-delay.h) */
	struct login_delay *login_delay;
};

/* Initialises the config holder with a reference to cfg and creates the
   failed-login delay table; the other members are zeroed for the caller
   to fill in. One thread, before the environment is shared. */
void service_env_init(struct service_env *env, struct ms_config *cfg);
/* Drops the configuration and frees the delay table. The caller owns and
   frees what it put into the public members. */
void service_env_deinit(struct service_env *env);
/* Returns a new reference to the current configuration; the caller drops
   it with config_unref(). A session takes one at its start and keeps it
   for its lifetime. Any thread. */
struct ms_config *service_env_config(struct service_env *env);
/* Replaces the current configuration (SIGHUP); takes a reference. */
void service_env_set_config(struct service_env *env, struct ms_config *cfg);

/* True if the nologin file exists in data_dir; its first line (without
   the line end, at most size-1 bytes) goes to msg. Services refuse logins
   then and send the line as an alert (M-Store nologin behaviour). */
bool service_env_nologin(struct service_env *env, char *msg, size_t size);

/* One listening address of a service, resolved from ms.conf. */
struct service_listen {
	const struct config_listen *addr;
	bool implicit_tls; /* imaps/pop3s */
	const char *label; /* "imap", "imaps", ... for logs */
};

#define SERVICE_LISTEN_MAX (2 * CONFIG_MAX_LISTENERS)

struct service_def {
	/* "imap", "pop3", "lmtp": the names used by ms.conf `services` and
	   cofferd -S. */
	const char *name;
	/* Fills out[] with the addresses to listen on for this configuration
	   (e.g. imap_host/imap_port and, if enable_imaps, imaps_host) and
	   returns the count. */
	size_t (*listeners)(const struct ms_config *cfg,
			    struct service_listen out[SERVICE_LISTEN_MAX]);
	/* Called once after the environment is ready; *ctx_r is passed to
	   accept() and deinit(). Returns 0 or -1. */
	int (*init)(struct service_env *env, void **ctx_r, struct err *err);
	/* Optional. Called when net_server_run() has returned: listeners and
	   connections are closed, but worker threads still run and the
	   server still exists. Remove fd watches the service added
	   (net_server_remove_fd()) and stop posting work. */
	void (*stopping)(void *ctx);
	/* Called after the net server has stopped and been destroyed: every
	   connection's destroy() has run and no worker thread is left, so
	   nothing else runs concurrently. Frees ctx. */
	void (*deinit)(void *ctx);
	/* Sets up a new connection (see net_accept_cb); ctx is init()'s. */
	net_accept_cb *accept;
};

#endif
