/* SPDX-License-Identifier: MIT */
/*
 * cofferd internals shared by the files of src/daemon/. The program's
 * state lives in one struct daemon owned by main() (no globals); the start
 * sequence is in daemon-main.c:
 *
 *   command line, ms.conf, service selection, log sink, ms_user lookup,
 *   directories, pid file lock, listeners (still as root), privilege
 *   drop, detach (without -d), pid file, then either the supervisor
 *   (managed_services, daemon-supervise.c) forking worker processes, or
 *   the worker itself (daemon-worker.c).
 *
 * Single-threaded until the worker creates its net server; nothing here
 * is used by more than one thread except the reload context
 * (daemon-worker.c), which has its own lock.
 */
#ifndef COFFER_DAEMON_DAEMON_PRIVATE_H
#define COFFER_DAEMON_DAEMON_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include "config/cli.h"
#include "config/config.h"
#include "lib/err.h"
#include "lib/macros.h"
#include "lib/vec.h"
#include "proto/common/service.h"

/* Services one process may run (the registry is far smaller). */
#define DAEMON_SERVICES_MAX 16
/* Longest -s label (the log keeps 63 bytes of it). */
#define DAEMON_LABEL_MAX 48
/* listen(2) backlog of every listener. */
#define DAEMON_LISTEN_BACKLOG 1024

/* One listening socket, bound before privileges are dropped. */
struct daemon_listener {
	int fd;		/* -1 once handed to the net server */
	size_t service; /* index into daemon.services */
	bool implicit_tls;
	const char *path; /* Unix socket path (in the config), or NULL */
	char label[32];	  /* "imap", "imaps", ... */
	char where[300];  /* "127.0.0.1:143" or the socket path, for logs */
};

struct daemon {
	const char *prog; /* "cofferd" */
	/* The services compiled into this binary. */
	const struct service_def *const *registry;
	size_t registry_count;

	/* command line */
	struct cli_options opts;
	const char *services_arg; /* -S value, or NULL */
	char *label;		  /* logging label and pid file name */
	char *config_path;	  /* absolute, for SIGHUP */

	/* the configuration at start (restart-only options come from it) */
	struct ms_config *cfg;
	/* selected services, in registry order */
	const struct service_def *services[DAEMON_SERVICES_MAX];
	size_t service_count;
	/* names in `services` that this binary lacks (point into cfg) */
	const char *skipped[DAEMON_SERVICES_MAX];
	size_t skipped_count;
	VEC(struct daemon_listener) listeners;

	/* ms_user, resolved when started as root */
	bool drop_privileges;
	uid_t uid;
	gid_t gid;
	char *user;

	/* process state */
	sigset_t old_mask; /* the signal mask cofferd was started with */
	int pid_fd;	   /* locked pid file, or -1 */
	char *pid_path;
	pid_t pid_owner; /* the process that wrote the pid file */
	int detach_fd;	 /* readiness pipe to the process that started us */
	int ready_fd;	 /* worker: readiness pipe to the supervisor */
	bool stdio_detached;
};

/* daemon-cli.c: the command line, ms.conf and the log sink. Each returns
   -1 to continue or an exit status, after printing the one error line. */
int daemon_cli_parse(struct daemon *d, int argc, char **argv);
int daemon_cli_load_config(struct daemon *d);
int daemon_cli_open_log(struct daemon *d);
/* A start-up failure: logged, and also printed on stderr when the log
   does not go there (so "cofferd" run from a shell shows why it failed). */
void daemon_error(struct daemon *d, const char *fmt, ...) ATTR_FORMAT(2, 3);
void daemon_warning(struct daemon *d, const char *fmt, ...) ATTR_FORMAT(2, 3);

/* daemon-registry.c: picks the services to run from -S or the
   `services` option. Returns 0, or -1 with err (ERR_PARAMS: unknown name,
   ERR_NOTPOSSIBLE: not part of this build). */
int daemon_registry_select(struct daemon *d, struct err *err);
const struct service_def *daemon_registry_find(const struct daemon *d,
					       const char *name);
/* Warns about the skipped names (after the log is open). */
void daemon_registry_log(const struct daemon *d);
/* "imap,lmtp" into buf. */
void daemon_registry_names(const struct daemon *d, char *buf, size_t size);

/* daemon-listen.c: opens every listener of every selected service.
   Returns 0 or -1 with err (everything opened so far is closed). */
int daemon_listen_open(struct daemon *d, struct err *err);
/* Closes this process's listener descriptors. */
void daemon_listen_close(struct daemon *d);
/* Removes the Unix socket files (at the final exit). */
void daemon_listen_unlink(struct daemon *d);

/* daemon-privs.c */
/* Looks ms_user up when running as root. */
int daemon_privs_resolve(struct daemon *d, struct err *err);
/* Creates data_dir, userdir and run_dir when missing, owned by ms_user. */
int daemon_privs_prepare_dirs(struct daemon *d, struct err *err);
/* setgroups/setgid/setuid to ms_user (no-op unless started as root). */
int daemon_privs_drop(struct daemon *d, struct err *err);

/* daemon-process.c: pid file, detaching, readiness. */
int daemon_pidfile_lock(struct daemon *d, struct err *err);
int daemon_pidfile_write(struct daemon *d, struct err *err);
void daemon_pidfile_remove(struct daemon *d);
/* Double fork and setsid; the original process waits until the daemon
   reports readiness (exit 0) or dies first (exit 1). Returns 0 in the
   daemon, or -1 with err. */
int daemon_process_detach(struct daemon *d, struct err *err);
/* Start-up succeeded: tells the supervisor or the original process, and
   without -d points stdio at /dev/null. */
void daemon_process_ready(struct daemon *d);
/* Closes the readiness descriptors without reporting (forked workers). */
void daemon_process_forget(struct daemon *d);

/* daemon-supervise.c: managed_services. Returns the exit status. */
int daemon_supervise(struct daemon *d);

/* The worker: one process running the selected services on one net
   server, with the environment they share. */
struct daemon_worker {
	struct daemon *d;
	struct service_env env;
	struct net_server *net;
	struct store *store;
	struct userdb *userdb;
	struct net_tls_ctx *tls;
	struct net_fd_watch *notify_watch;
	void *svc_ctx[DAEMON_SERVICES_MAX];
	bool svc_ready[DAEMON_SERVICES_MAX];
	bool env_ready; /* service_env_init() was called */
	char hostname[256];
	/* serialises SIGHUP reloads (each runs on some net worker) */
	pthread_mutex_t reload_lock;
};

/* daemon-worker.c: runs the selected services until SIGTERM. Returns the
   exit status. */
int daemon_worker_run(struct daemon *d);

/* daemon-env.c: the shared environment (net server, store, user
   database, TLS, host name). Returns 0, or -1 with err (whatever was
   created is released by daemon_env_destroy()). */
int daemon_env_create(struct daemon_worker *w, struct err *err);
/* After net_server_run() returned: stops watching the store and destroys
   the net server (every connection is gone afterwards). */
void daemon_env_stop(struct daemon_worker *w);
/* Releases everything else (and the net server if still there). */
void daemon_env_destroy(struct daemon_worker *w);

/* daemon-reload.c: the SIGHUP handler (net_server_settings.reload). */
void daemon_reload(void *ctx);

#endif
