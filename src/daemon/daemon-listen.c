/* SPDX-License-Identifier: MIT */
/* Opening every listener of the selected services, while still root so
   that privileged ports work; the descriptors are inherited by workers. */
#include "daemon/daemon-private.h"
#include "lib/log.h"
#include "lib/str.h"
#include "net/listener.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unix sockets (LMTP): owner and group may connect, nobody else. Whoever
   can connect can deliver mail to any local recipient (RFC 2033 has no
   authentication), so the MTA is given access through the group: add
   its user (e.g. postfix) to ms_user's group. See cofferd(8). */
#define DAEMON_UNIX_SOCKET_MODE 0660

static void
describe(const struct config_listen *addr, char *buf, size_t size)
{
	if (addr->path != NULL)
		snprintf(buf, size, "%s", addr->path);
	else if (addr->host == NULL)
		snprintf(buf, size, "*:%u", addr->port);
	else if (strchr(addr->host, ':') != NULL)
		snprintf(buf, size, "[%s]:%u", addr->host, addr->port);
	else
		snprintf(buf, size, "%s:%u", addr->host, addr->port);
}

static void
add(struct daemon *d, int fd, size_t service, const struct service_listen *sl,
    const char *where)
{
	struct daemon_listener *l = vec_push_new(&d->listeners);

	l->fd = fd;
	l->service = service;
	l->implicit_tls = sl->implicit_tls;
	l->path = sl->addr->path;
	str_copy(l->label,
		 sl->label != NULL ? sl->label : d->services[service]->name,
		 sizeof(l->label));
	str_copy(l->where, where, sizeof(l->where));
}

static int
open_unix(struct daemon *d, size_t service, const struct service_listen *sl,
	  const char *where, struct err *err)
{
	int fd = net_listen_unix(sl->addr->path, DAEMON_UNIX_SOCKET_MODE,
				 DAEMON_LISTEN_BACKLOG, err);

	if (fd < 0)
		return -1;
	/* the socket belongs to ms_user's group, not root's */
	if (d->drop_privileges && chown(sl->addr->path, d->uid, d->gid) < 0) {
		err_set_errno(err, "chown", sl->addr->path);
		close(fd);
		return -1;
	}
	add(d, fd, service, sl, where);
	return 0;
}

static int
open_tcp(struct daemon *d, size_t service, const struct service_listen *sl,
	 const char *where, struct err *err)
{
	int fds[NET_LISTEN_MAX_FDS];
	int n = net_listen_tcp(sl->addr->host != NULL ? sl->addr->host : "*",
			       sl->addr->port, DAEMON_LISTEN_BACKLOG, fds,
			       N_ELEMENTS(fds), err);

	for (int i = 0; i < n; i++)
		add(d, fds[i], service, sl, where);
	return n < 0 ? -1 : 0;
}

static int
open_service(struct daemon *d, size_t service, struct err *err)
{
	const struct service_def *svc = d->services[service];
	struct service_listen out[SERVICE_LISTEN_MAX];
	size_t n = svc->listeners(d->cfg, out);
	char where[300];

	if (n > SERVICE_LISTEN_MAX)
		n = SERVICE_LISTEN_MAX;
	for (size_t i = 0; i < n; i++) {
		int ret;

		describe(out[i].addr, where, sizeof(where));
		ret = out[i].addr->path != NULL
			  ? open_unix(d, service, &out[i], where, err)
			  : open_tcp(d, service, &out[i], where, err);
		if (ret < 0) {
			err_prefix(err, "%s: cannot listen on %s",
				   out[i].label != NULL ? out[i].label
							: svc->name,
				   where);
			return -1;
		}
		log_debug("%s: listening on %s",
			  out[i].label != NULL ? out[i].label : svc->name,
			  where);
	}
	return 0;
}

int
daemon_listen_open(struct daemon *d, struct err *err)
{
	for (size_t i = 0; i < d->service_count; i++) {
		if (open_service(d, i, err) < 0) {
			daemon_listen_close(d);
			return -1;
		}
	}
	return 0;
}

void
daemon_listen_close(struct daemon *d)
{
	for (size_t i = 0; i < d->listeners.n; i++) {
		if (d->listeners.v[i].fd >= 0)
			close(d->listeners.v[i].fd);
		d->listeners.v[i].fd = -1;
	}
}

void
daemon_listen_unlink(struct daemon *d)
{
	for (size_t i = 0; i < d->listeners.n; i++) {
		const char *path = d->listeners.v[i].path;
		struct stat st;

		/* only our socket: never a file someone put there since */
		if (path != NULL && lstat(path, &st) == 0 &&
		    S_ISSOCK(st.st_mode) && unlink(path) < 0 && errno != ENOENT)
			log_debug("unlink(%s) failed: %m", path);
	}
}
