/* SPDX-License-Identifier: MIT */
/*
 * Server object: creation and destruction, stopping, generic work and
 * watched file descriptors. The dispatcher loop itself is in dispatcher.c.
 */
#include "net/server-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/panic.h"
#include "lib/rand.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define NET_DEFAULT_INPUT_BUFFER 8192
#define NET_MIN_NET_BUFFER 4096
#define NET_HIGH_WATER_MAX 65536

static void
settings_resolve(struct net_server *srv, const struct net_server_settings *in)
{
	struct net_server_settings *set = &srv->set;

	*set = *in;
	if (set->max_net_buffer == 0)
		set->max_net_buffer = NET_DEFAULT_MAX_NET_BUFFER;
	if (set->max_net_buffer < NET_MIN_NET_BUFFER)
		set->max_net_buffer = NET_MIN_NET_BUFFER;
	if (set->input_buffer_size == 0)
		set->input_buffer_size = NET_DEFAULT_INPUT_BUFFER;
	if (set->thread_pool_max == 0)
		set->thread_pool_max = NET_DEFAULT_THREAD_POOL_MAX;
	if (set->close_flush_timeout_ms == 0)
		set->close_flush_timeout_ms = 30000;
	if (set->tls_handshake_timeout_ms == 0)
		set->tls_handshake_timeout_ms = 60000;
	if (set->stop_timeout_ms == 0)
		set->stop_timeout_ms = 10000;
	if (set->busy_poll_us > NET_MAX_BUSY_POLL_US)
		set->busy_poll_us = NET_MAX_BUSY_POLL_US;
	srv->high_water = MIN((size_t)NET_HIGH_WATER_MAX,
			      set->max_net_buffer / 2);
	srv->low_water = srv->high_water / 2;
	/* conn_write() pushes to the socket once this much is buffered: big
	   enough to avoid a syscall per line, small enough to keep data
	   flowing while a handler produces a long response */
	srv->flush_threshold = MIN((size_t)16384, srv->high_water / 2);
}

static int
server_add_fd_kind(struct net_server *srv, int fd, enum net_io_kind *kind,
		   struct err *err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = kind };

	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return err_set_errno(err, "epoll_ctl", "ADD");
	return 0;
}

static int
server_open_signalfd(struct net_server *srv, struct err *err)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked here, in the creating thread, so every thread created
	   later inherits the mask and the signals reach the signalfd. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	srv->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->sigfd < 0)
		return err_set_errno(err, "signalfd", NULL);
	srv->sigfd_kind = NET_IO_SIGNALFD;
	return server_add_fd_kind(srv, srv->sigfd, &srv->sigfd_kind, err);
}

static void
server_close_fds(struct net_server *srv)
{
	if (srv->sigfd >= 0)
		close(srv->sigfd);
	if (srv->evfd >= 0)
		close(srv->evfd);
	if (srv->epfd >= 0)
		close(srv->epfd);
}

struct net_server *
net_server_create(const struct net_server_settings *set, struct err *err)
{
	struct net_server *srv = xcalloc(1, sizeof(*srv));
	unsigned nworkers;

	/* Process-wide on purpose: a peer that disappears must give EPIPE,
	   never kill the server (OpenSSL writes with plain write()). */
	signal(SIGPIPE, SIG_IGN);

	settings_resolve(srv, set);
	srv->epfd = srv->evfd = srv->sigfd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->cond, NULL);
	atomic_init(&srv->id_counter, 0);
	atomic_init(&srv->nconns_public, 0);
	atomic_init(&srv->live_conns, 0);
	atomic_init(&srv->stopping, false);
	atomic_init(&srv->wake_pending, false);
	atomic_init(&srv->busy_pollers, 0);
	/* at most half the CPUs watch sockets; the rest do the work */
	srv->max_busy_pollers = MAX(net_workers_online_cpus() / 2, 1u);
	rand_bytes(&srv->id_base, sizeof(srv->id_base));

	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0) {
		err_set_errno(err, "epoll_create1", NULL);
		goto fail;
	}
	srv->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->evfd < 0) {
		err_set_errno(err, "eventfd", NULL);
		goto fail;
	}
	srv->evfd_kind = NET_IO_EVENTFD;
	if (server_add_fd_kind(srv, srv->evfd, &srv->evfd_kind, err) < 0)
		goto fail;
	if (set->handle_signals && server_open_signalfd(srv, err) < 0)
		goto fail;

	nworkers = net_workers_pick_count(set->thread_pool_min,
					  srv->set.thread_pool_max);
	srv->workers = net_workers_create(nworkers, err);
	if (srv->workers == NULL)
		goto fail;
	return srv;
fail:
	server_close_fds(srv);
	pthread_cond_destroy(&srv->cond);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	return NULL;
}

void
net_server_destroy(struct net_server **srvp)
{
	struct net_server *srv = *srvp;
	struct net_listener *l, *next;

	if (srv == NULL)
		return;
	*srvp = NULL;
	pthread_mutex_lock(&srv->lock);
	i_assert(srv->phase != NET_PHASE_RUNNING);
	pthread_mutex_unlock(&srv->lock);

	/* runs the queued releases, so every destroy() has been called */
	net_workers_destroy(&srv->workers);
	if (atomic_load(&srv->live_conns) != 0)
		i_panic("net_server_destroy(): %u connection(s) still "
			"referenced", atomic_load(&srv->live_conns));
	for (l = srv->listeners; l != NULL; l = next) {
		next = l->next;
		if (l->fd >= 0)
			close(l->fd);
		free(l->name);
		free(l);
	}
	server_close_fds(srv);
	pthread_cond_destroy(&srv->cond);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

void
net_server__wake(struct net_server *srv)
{
	uint64_t one = 1;

	/* one write until the dispatcher has read it: no syscall storm */
	if (atomic_exchange(&srv->wake_pending, true))
		return;
	if (write(srv->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		i_panic("write(eventfd) failed: %m");
}

void
net_server_stop_async(struct net_server *srv, unsigned timeout_ms)
{
	pthread_mutex_lock(&srv->lock);
	if (srv->phase == NET_PHASE_CREATED) {
		/* never ran: nothing to finish; run() will return at once */
		srv->phase = NET_PHASE_STOPPED;
		atomic_store(&srv->stopping, true);
		pthread_cond_broadcast(&srv->cond);
	} else if (!srv->stop_requested) {
		srv->stop_requested = true;
		srv->stop_timeout_ms = timeout_ms;
	}
	pthread_mutex_unlock(&srv->lock);
	net_server__wake(srv);
}

void
net_server_stop(struct net_server *srv, unsigned timeout_ms)
{
	net_server_stop_async(srv, timeout_ms);
	pthread_mutex_lock(&srv->lock);
	while (srv->phase != NET_PHASE_STOPPED)
		pthread_cond_wait(&srv->cond, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
}

bool
net_server_stopping(const struct net_server *srv)
{
	return atomic_load(&srv->stopping);
}

unsigned
net_server_worker_count(const struct net_server *srv)
{
	return net_workers_count(srv->workers);
}

unsigned
net_server_connection_count(const struct net_server *srv)
{
	return atomic_load(&srv->nconns_public);
}

/* --- Generic work -------------------------------------------------------- */

struct post_job {
	struct net_job job;
	void (*fn)(void *ctx);
	void *ctx;
};

static void
post_job_run(struct net_job *job)
{
	struct post_job *pj = CONTAINER_OF(job, struct post_job, job);

	pj->fn(pj->ctx);
	free(pj);
}

void
net_server_post(struct net_server *srv, void (*fn)(void *ctx), void *ctx)
{
	struct post_job *pj = xmalloc(sizeof(*pj));

	pj->job.run = post_job_run;
	pj->fn = fn;
	pj->ctx = ctx;
	net_workers_push(srv->workers, &pj->job);
}

/* --- Watched descriptors ------------------------------------------------ */

/* Protocol between the three parties, all under srv->lock:
   - dispatcher: an event on an ARMED, not removing watch makes it QUEUED
     and queues its job (EPOLLONESHOT keeps it quiet meanwhile);
   - worker: runs the callback, then re-arms (ARMED) or, when removing,
     only marks it ARMED and signals the remover;
   - remover: sets removing, lets the dispatcher unregister the fd between
     two epoll batches (so no stale event pointer survives), waits for both
     and frees the watch. */

static void
watch_job_run(struct net_job *job)
{
	struct net_fd_watch *w = CONTAINER_OF(job, struct net_fd_watch, job);
	struct net_server *srv = w->srv;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
				  .data.ptr = w };

	w->cb(w->fd, w->ctx);
	pthread_mutex_lock(&srv->lock);
	w->state = NET_WATCH_ARMED;
	if (w->removing)
		pthread_cond_broadcast(&srv->cond);
	else if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		log_err("epoll_ctl(MOD, %d) failed: %m", w->fd);
	pthread_mutex_unlock(&srv->lock);
}

struct net_fd_watch *
net_server_add_fd(struct net_server *srv, int fd, net_fd_cb *cb, void *ctx,
		  struct err *err)
{
	struct net_fd_watch *w = xcalloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
				  .data.ptr = w };

	w->kind = NET_IO_WATCH;
	w->srv = srv;
	w->fd = fd;
	w->cb = cb;
	w->ctx = ctx;
	w->job.run = watch_job_run;
	w->state = NET_WATCH_ARMED;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err_set_errno(err, "epoll_ctl", "ADD");
		free(w);
		return NULL;
	}
	return w;
}

void
net_server__watch_ready(struct net_server *srv, struct net_fd_watch *w)
{
	bool queue = false;

	pthread_mutex_lock(&srv->lock);
	if (!w->removing && w->state == NET_WATCH_ARMED) {
		w->state = NET_WATCH_QUEUED;
		queue = true;
	}
	pthread_mutex_unlock(&srv->lock);
	if (queue)
		net_workers_push(srv->workers, &w->job);
}

static void
watch_unregister(struct net_server *srv, struct net_fd_watch *w)
{
	(void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->unregistered = true;
}

void
net_server__process_removals(struct net_server *srv)
{
	struct net_fd_watch *w;

	pthread_mutex_lock(&srv->lock);
	while ((w = srv->removals) != NULL) {
		srv->removals = w->next_removal;
		watch_unregister(srv, w);
	}
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
}

void
net_server_remove_fd(struct net_server *srv, struct net_fd_watch **wp)
{
	struct net_fd_watch *w = *wp;

	if (w == NULL)
		return;
	*wp = NULL;
	pthread_mutex_lock(&srv->lock);
	w->removing = true;
	if (srv->phase == NET_PHASE_RUNNING) {
		w->next_removal = srv->removals;
		srv->removals = w;
		pthread_mutex_unlock(&srv->lock);
		net_server__wake(srv);
		pthread_mutex_lock(&srv->lock);
	} else {
		/* no dispatcher holds event pointers */
		watch_unregister(srv, w);
	}
	while (!w->unregistered || w->state != NET_WATCH_ARMED)
		pthread_cond_wait(&srv->cond, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	free(w);
}
