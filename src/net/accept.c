/* SPDX-License-Identifier: MIT */
/*
 * Listeners inside a server: registration, accepting (on the dispatcher),
 * the connection limit and running out of descriptors.
 */
#include "net/conn-private.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connections accepted per listener event, so one busy listener cannot
   hold up the dispatcher. */
#define ACCEPT_BATCH 64
/* How long a listener pauses after EMFILE/ENFILE, instead of spinning on a
   connection it cannot accept. */
#define ACCEPT_PAUSE_MSECS 500
#define ACCEPT_LOG_INTERVAL_MSECS 5000

int
net_server_add_listener(struct net_server *srv, int fd,
			const struct net_listener_settings *set,
			struct err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct net_listener *l;
	bool created;
	int flags;

	pthread_mutex_lock(&srv->lock);
	created = srv->phase == NET_PHASE_CREATED;
	pthread_mutex_unlock(&srv->lock);
	if (!created || set->accept == NULL) {
		close(fd);
		return err_set(err, ERR_PARAMS, "listener %s: %s",
			       set->name != NULL ? set->name : "",
			       created ? "no accept callback"
				       : "server already running");
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err_set_errno(err, "fcntl", "O_NONBLOCK");
		close(fd);
		return -1;
	}
	l = xcalloc(1, sizeof(*l));
	l->kind = NET_IO_LISTENER;
	l->srv = srv;
	l->fd = fd;
	l->id = set->id;
	l->name = xstrdup(set->name != NULL ? set->name : "");
	l->tls = set->tls;
	l->accept = set->accept;
	l->ctx = set->ctx;
	ev.data.ptr = l;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err_set_errno(err, "epoll_ctl", "ADD");
		close(fd);
		free(l->name);
		free(l);
		return -1;
	}
	l->next = srv->listeners;
	srv->listeners = l;
	return 0;
}

static void
format_addr(const struct sockaddr_storage *ss, char *out, uint16_t *port_r)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	*port_r = 0;
	switch (ss->ss_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sin->sin_addr, out, CONN_ADDR_MAX);
		*port_r = ntohs(sin->sin_port);
		break;
	case AF_INET6:
		/* a dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d;
		   show them as the IPv4 address they are */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], out,
				  CONN_ADDR_MAX);
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, out,
				  CONN_ADDR_MAX);
		*port_r = ntohs(sin6->sin6_port);
		break;
	case AF_UNIX:
		str_copy(out, "unix", CONN_ADDR_MAX);
		break;
	default:
		str_copy(out, "unknown", CONN_ADDR_MAX);
		break;
	}
}

static void
accept_setup(int fd, const struct sockaddr_storage *peer,
	     struct conn_addrs *addrs)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	int on = 1;

	memset(addrs, 0, sizeof(*addrs));
	format_addr(peer, addrs->peer, &addrs->peer_port);
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		format_addr(&local, addrs->local, &addrs->local_port);
	else
		str_copy(addrs->local, "unknown", sizeof(addrs->local));
	if (peer->ss_family == AF_INET || peer->ss_family == AF_INET6) {
		/* Responses are written whole and flushed once; Nagle would
		   only add delayed-ACK stalls to pipelined exchanges. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
				 sizeof(on));
		/* finds dead peers of long-idle (IMAP IDLE) sessions */
		(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on,
				 sizeof(on));
	}
}

static void
accept_refuse(struct net_server *srv, struct net_listener *l, int fd,
	      uint64_t now)
{
	close(fd);
	srv->refused_since_log++;
	if (now < srv->refuse_log_next)
		return;
	log_warning("%s: connection limit (max_connections %u) reached, "
		    "refused %u connection(s)",
		    l->name, srv->set.max_connections, srv->refused_since_log);
	srv->refused_since_log = 0;
	srv->refuse_log_next = now + 1000;
}

static void
accept_pause(struct net_server *srv, struct net_listener *l, uint64_t now)
{
	struct epoll_event ev = { .events = 0, .data.ptr = l };

	if (now >= srv->emfile_log_next) {
		log_warning("%s: accept() failed: %m; pausing new connections",
			    l->name);
		srv->emfile_log_next = now + ACCEPT_LOG_INTERVAL_MSECS;
	}
	/* level-triggered: with no interest the pending connection stops
	   waking us up until the tick resumes the listener */
	(void)epoll_ctl(srv->epfd, EPOLL_CTL_MOD, l->fd, &ev);
	l->paused_until = now + ACCEPT_PAUSE_MSECS;
}

void
net_accept__ready(struct net_server *srv, struct net_listener *l)
{
	uint64_t now = time_mono_ms();

	for (int i = 0; i < ACCEPT_BATCH && l->fd >= 0; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		struct conn_addrs addrs;
		int fd;

		fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				accept_pause(srv, l, now);
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case EPERM:
			case ENETDOWN:
			case ENOPROTOOPT:
			case EHOSTDOWN:
			case ENONET:
			case EHOSTUNREACH:
			case EOPNOTSUPP:
			case ENETUNREACH:
				/* accept(2): errors of that connection */
				continue;
			default:
				log_err("%s: accept() failed: %m", l->name);
				return;
			}
		}
		if (srv->set.max_connections != 0 &&
		    srv->nconns >= srv->set.max_connections) {
			accept_refuse(srv, l, fd, now);
			continue;
		}
		accept_setup(fd, &peer, &addrs);
		(void)conn__create(srv, l, fd, &addrs);
	}
}

void
net_accept__resume(struct net_server *srv, uint64_t now)
{
	for (struct net_listener *l = srv->listeners; l != NULL; l = l->next) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };

		if (l->paused_until == 0 || now < l->paused_until ||
		    l->fd < 0)
			continue;
		l->paused_until = 0;
		(void)epoll_ctl(srv->epfd, EPOLL_CTL_MOD, l->fd, &ev);
	}
}
