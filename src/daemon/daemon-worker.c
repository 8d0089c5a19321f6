/* SPDX-License-Identifier: MIT */
/* The worker process: starts the selected services on the shared
   environment, serves until SIGTERM, and tears everything down in the
   order the service contract promises (proto/common/service.h). */
#include "daemon/daemon-private.h"
#include "lib/log.h"
#include "lib/version.h"
#include "net/server.h"

#include <signal.h>
#include <unistd.h>

/* Once the net server has stopped, the rest of the shutdown (joining
   workers, closing stores) must not hang forever on a stuck thread: a
   supervisor or init system is waiting for us. */
#define TEARDOWN_BOUND_SECS 30

static int
init_services(struct daemon_worker *w, struct err *err)
{
	struct daemon *d = w->d;

	for (size_t i = 0; i < d->service_count; i++) {
		const struct service_def *svc = d->services[i];

		if (svc->init(&w->env, &w->svc_ctx[i], err) < 0) {
			err_prefix(err, "%s", svc->name);
			return -1;
		}
		w->svc_ready[i] = true;
	}
	return 0;
}

/* Hands every listener to the net server, which owns the descriptors
   from then on (the supervisor keeps its own copies for restarts). */
static int
add_listeners(struct daemon_worker *w, struct err *err)
{
	struct daemon *d = w->d;

	for (size_t i = 0; i < d->listeners.n; i++) {
		struct daemon_listener *l = &d->listeners.v[i];
		const struct service_def *svc = d->services[l->service];
		struct net_listener_settings set = {
		    .name = l->label,
		    .id = (unsigned)i,
		    .tls = l->implicit_tls ? w->tls : NULL,
		    .accept = svc->accept,
		    .ctx = w->svc_ctx[l->service],
		};
		int fd = l->fd;

		l->fd = -1;
		if (net_server_add_listener(w->net, fd, &set, err) < 0) {
			err_prefix(err, "%s: %s", l->label, l->where);
			return -1;
		}
	}
	return 0;
}

static void
stop_services(struct daemon_worker *w)
{
	for (size_t i = 0; i < w->d->service_count; i++) {
		if (w->svc_ready[i] && w->d->services[i]->stopping != NULL)
			w->d->services[i]->stopping(w->svc_ctx[i]);
	}
}

static void
deinit_services(struct daemon_worker *w)
{
	for (size_t i = w->d->service_count; i-- > 0;) {
		if (w->svc_ready[i] && w->d->services[i]->deinit != NULL)
			w->d->services[i]->deinit(w->svc_ctx[i]);
		w->svc_ready[i] = false;
	}
}

static void
log_ready(const struct daemon_worker *w)
{
	char names[256];

	daemon_registry_names(w->d, names, sizeof(names));
	if (w->d->service_count == 0)
		log_warning("no services to run (none selected or none "
			    "built in); waiting for SIGTERM");
	/* the test harness and init scripts wait for this line */
	log_notice("ready: %s %s services=%s listeners=%zu workers=%u",
		   COFFER_NAME, COFFER_VERSION, names, w->d->listeners.n,
		   net_server_worker_count(w->net));
}

static void
teardown(struct daemon_worker *w)
{
	stop_services(w);
	daemon_env_stop(w);
	deinit_services(w);
	daemon_env_destroy(w);
	pthread_mutex_destroy(&w->reload_lock);
}

int
daemon_worker_run(struct daemon *d)
{
	struct daemon_worker w = {.d = d};
	struct err err;

	pthread_mutex_init(&w.reload_lock, NULL);
	if (daemon_env_create(&w, &err) < 0 || init_services(&w, &err) < 0 ||
	    add_listeners(&w, &err) < 0) {
		daemon_error(d, "%s", err.msg);
		daemon_listen_close(d);
		teardown(&w);
		return CLI_EXIT_FAIL;
	}
	log_ready(&w);
	daemon_process_ready(d);
	net_server_run(w.net);
	log_info("stopping");
	(void)alarm(TEARDOWN_BOUND_SECS);
	teardown(&w);
	(void)alarm(0);
	return CLI_EXIT_OK;
}
