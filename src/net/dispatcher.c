/* SPDX-License-Identifier: MIT */
/*
 * The dispatcher loop: epoll events become connection events and worker
 * jobs; between two epoll batches it releases closed connections, handles
 * watch removals and stop requests, and once per tick scans timers, resumes
 * paused listeners and enforces the stop timeout. It never runs protocol
 * code and never blocks on anything but epoll_wait().
 */
#include "net/conn-private.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define DISPATCH_BATCH 256
/* While connections outlive the stop timeout (a handler stuck in a long
   run), say so this often. */
#define STOP_WAIT_LOG_MSECS 5000

static void
dispatch_conn(struct conn *c, uint32_t events)
{
	unsigned bits = 0;

	if ((events & EPOLLIN) != 0)
		bits |= CONN_RAW_READABLE;
	if ((events & EPOLLOUT) != 0)
		bits |= CONN_RAW_WRITABLE;
	if ((events & (EPOLLHUP | EPOLLERR)) != 0)
		bits |= CONN_RAW_HUP | CONN_RAW_READABLE | CONN_RAW_WRITABLE;
	/* a dead connection here (closed during this batch) ignores it */
	conn__post(c, bits);
}

static void
dispatch_eventfd(struct net_server *srv)
{
	uint64_t value;

	/* Read, then clear the flag: a waker that still saw the flag set
	   queued its work before this point, and housekeeping() after this
	   batch picks it up; any later waker writes the eventfd again.
	   An exchange, not a store: reading the waker's write orders its
	   queued work before ours. */
	if (read(srv->evfd, &value, sizeof(value)) < 0 && errno != EAGAIN)
		i_panic("read(eventfd) failed: %m");
	(void)atomic_exchange(&srv->wake_pending, false);
}

static void
dispatch_signals(struct net_server *srv)
{
	struct signalfd_siginfo si;

	while (read(srv->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("received %s, stopping",
				 si.ssi_signo == SIGTERM ? "SIGTERM"
							 : "SIGINT");
			net_dispatcher__begin_stop(srv,
						   srv->set.stop_timeout_ms);
			break;
		case SIGHUP:
			log_info("received SIGHUP, reloading");
			if (srv->set.reload != NULL)
				net_server_post(srv, srv->set.reload,
						srv->set.reload_ctx);
			break;
		default:
			break;
		}
	}
}

static void
dispatch_event(struct net_server *srv, const struct epoll_event *ev)
{
	enum net_io_kind *kind = ev->data.ptr;

	switch (*kind) {
	case NET_IO_CONN:
		dispatch_conn((struct conn *)kind, ev->events);
		break;
	case NET_IO_LISTENER:
		net_accept__ready(srv, (struct net_listener *)kind);
		break;
	case NET_IO_WATCH:
		net_server__watch_ready(srv, (struct net_fd_watch *)kind);
		break;
	case NET_IO_EVENTFD:
		dispatch_eventfd(srv);
		break;
	case NET_IO_SIGNALFD:
		dispatch_signals(srv);
		break;
	}
}

/* Unlinks connections torn down by workers and queues the release of
   their last net-layer reference. Safe here: no epoll batch that could
   still point to them is being processed. */
static void
release_dead(struct net_server *srv, struct net_job *dead)
{
	while (dead != NULL) {
		struct conn *c = CONTAINER_OF(dead, struct conn, job);

		dead = dead->next;
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			srv->conns = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		srv->nconns--;
		atomic_fetch_sub(&srv->nconns_public, 1);
		conn__release(c);
	}
}

static void
housekeeping(struct net_server *srv)
{
	struct net_job *dead;
	bool stop;
	unsigned timeout;

	pthread_mutex_lock(&srv->lock);
	dead = srv->dead;
	srv->dead = NULL;
	stop = srv->stop_requested;
	timeout = srv->stop_timeout_ms;
	pthread_mutex_unlock(&srv->lock);

	release_dead(srv, dead);
	net_server__process_removals(srv);
	if (stop)
		net_dispatcher__begin_stop(srv, timeout);
}

static void
tick(struct net_server *srv, uint64_t now)
{
	net_timers__scan(srv, now);
	net_accept__resume(srv, now);
	if (!srv->stop_begun || now < srv->stop_deadline)
		return;
	if (!srv->killed) {
		if (srv->nconns > 0)
			log_info("stop timeout: closing %u connection(s)",
				 srv->nconns);
		for (struct conn *c = srv->conns; c != NULL; c = c->next)
			conn__post(c, CONN_RAW_KILL);
		srv->killed = true;
		srv->stop_deadline = now + STOP_WAIT_LOG_MSECS;
	} else {
		log_warning("still waiting for %u connection(s) to finish",
			    srv->nconns);
		srv->stop_deadline = now + STOP_WAIT_LOG_MSECS;
	}
}

void
net_dispatcher__begin_stop(struct net_server *srv, unsigned timeout_ms)
{
	if (srv->stop_begun)
		return;
	srv->stop_begun = true;
	atomic_store(&srv->stopping, true);
	for (struct net_listener *l = srv->listeners; l != NULL; l = l->next) {
		if (l->fd < 0)
			continue;
		(void)epoll_ctl(srv->epfd, EPOLL_CTL_DEL, l->fd, NULL);
		close(l->fd);
		l->fd = -1;
	}
	for (struct conn *c = srv->conns; c != NULL; c = c->next)
		conn__post(c, CONN_EV_SHUTDOWN);
	srv->stop_deadline = time_mono_ms() + timeout_ms;
}

static int
next_timeout(const struct net_server *srv, uint64_t now)
{
	return srv->next_tick > now ? (int)(srv->next_tick - now) : 0;
}

void
net_server_run(struct net_server *srv)
{
	struct epoll_event events[DISPATCH_BATCH];
	uint64_t now;

	pthread_mutex_lock(&srv->lock);
	if (srv->phase != NET_PHASE_CREATED) {
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	srv->phase = NET_PHASE_RUNNING;
	pthread_mutex_unlock(&srv->lock);

	now = time_mono_ms();
	srv->next_tick = now + NET_TICK_MSECS;
	for (;;) {
		int n = epoll_wait(srv->epfd, events, DISPATCH_BATCH,
				   next_timeout(srv, now));

		if (n < 0 && errno != EINTR)
			i_panic("epoll_wait() failed: %m");
		for (int i = 0; i < n; i++)
			dispatch_event(srv, &events[i]);
		housekeeping(srv);
		now = time_mono_ms();
		if (now >= srv->next_tick) {
			tick(srv, now);
			srv->next_tick = now + NET_TICK_MSECS;
		}
		if (srv->stop_begun && srv->nconns == 0)
			break;
	}

	pthread_mutex_lock(&srv->lock);
	srv->phase = NET_PHASE_STOPPED;
	pthread_mutex_unlock(&srv->lock);
	/* removals requested while we were finishing; later ones see
	   STOPPED and unregister themselves */
	net_server__process_removals(srv);
	log_debug("server stopped");
}
