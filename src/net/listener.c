/* SPDX-License-Identifier: MIT */
/* Opening TCP and Unix-domain listening sockets. */
#include "net/listener.h"
#include "lib/str.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* "[::1]:143" style text for error messages. */
static void
format_sockaddr(const struct sockaddr *sa, socklen_t len, char *out,
		size_t size)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, size, "(unprintable address)");
	else if (sa->sa_family == AF_INET6)
		snprintf(out, size, "[%s]:%s", host, serv);
	else
		snprintf(out, size, "%s:%s", host, serv);
}

/* Sets err from errno, closes fd and returns -1 with errno preserved. */
static int
listen_fail(int fd, const char *call, const char *name, struct err *err)
{
	int saved_errno = errno;

	err_set_errno(err, call, name);
	close(fd);
	errno = saved_errno;
	return -1;
}

/* Returns a listening socket, or -1 with err and errno set. */
static int
listen_sockaddr(const struct sockaddr *sa, socklen_t len, int backlog,
		bool v6only, struct err *err)
{
	char name[NI_MAXHOST + NI_MAXSERV + 4];
	int fd, on = 1, v6 = v6only ? 1 : 0;

	format_sockaddr(sa, len, name, sizeof(name));
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return err_set_errno(err, "socket", name);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof(v6)) < 0))
		return listen_fail(fd, "setsockopt", name, err);
	if (bind(fd, sa, len) < 0)
		return listen_fail(fd, "bind", name, err);
	if (listen(fd, backlog) < 0)
		return listen_fail(fd, "listen", name, err);
	return fd;
}

static int
listen_any(unsigned port, int backlog, int *fds_r, struct err *err)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons((uint16_t)port),
				     .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_ANY) };

	/* one dual-stack socket serves IPv4 (as mapped addresses) and IPv6 */
	fds_r[0] = listen_sockaddr((struct sockaddr *)&sin6, sizeof(sin6),
				   backlog, false, err);
	if (fds_r[0] >= 0)
		return 1;
	if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL)
		return -1;
	fds_r[0] = listen_sockaddr((struct sockaddr *)&sin, sizeof(sin),
				   backlog, false, err);
	return fds_r[0] >= 0 ? 1 : -1;
}

int
net_listen_tcp(const char *host, unsigned port, int backlog, int *fds_r,
	       size_t max_fds, struct err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	char name[NI_MAXHOST], portstr[8];
	size_t n = 0, len;
	int ret;

	if (port > 65535)
		return err_set(err, ERR_PARAMS, "invalid port %u", port);
	if (max_fds == 0)
		return err_set(err, ERR_PARAMS, "no room for descriptors");
	if (host == NULL || host[0] == '\0' || strcmp(host, "*") == 0)
		return listen_any(port, backlog, fds_r, err);

	/* accept "[::1]" as well as "::1" */
	len = strlen(host);
	if (len >= sizeof(name) || (host[0] == '[' && host[len - 1] != ']'))
		return err_set(err, ERR_PARAMS, "invalid host %s", host);
	if (host[0] == '[')
		snprintf(name, sizeof(name), "%.*s", (int)(len - 2), host + 1);
	else
		str_copy(name, host, sizeof(name));
	snprintf(portstr, sizeof(portstr), "%u", port);
	ret = getaddrinfo(name, portstr, &hints, &res);
	if (ret != 0)
		return err_set(err, ERR_NOTFOUND, "getaddrinfo(%s) failed: %s",
			       name, gai_strerror(ret));
	for (ai = res; ai != NULL && n < max_fds; ai = ai->ai_next) {
		int fd = listen_sockaddr(ai->ai_addr, ai->ai_addrlen, backlog,
					 true, err);

		if (fd < 0) {
			while (n > 0)
				close(fds_r[--n]);
			freeaddrinfo(res);
			return -1;
		}
		fds_r[n++] = fd;
	}
	freeaddrinfo(res);
	if (n == 0)
		return err_set(err, ERR_NOTFOUND, "no address for %s", name);
	return (int)n;
}

/* 1 if a server answers on the socket at path, 0 if it is stale. */
static int
unix_socket_alive(const struct sockaddr_un *sun)
{
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (ret == 0 || errno == EAGAIN)
		ret = 1; /* accepting, or alive with a full backlog */
	else if (errno == ECONNREFUSED || errno == ENOENT)
		ret = 0;
	else
		ret = -1;
	close(fd);
	return ret;
}

static int
unix_remove_stale(const char *path, const struct sockaddr_un *sun,
		  struct err *err)
{
	struct stat st;
	int alive;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set_errno(err, "lstat", path);
	}
	if (!S_ISSOCK(st.st_mode))
		return err_set(err, ERR_EXISTS, "%s exists and is not a socket",
			       path);
	alive = unix_socket_alive(sun);
	if (alive != 0)
		return alive < 0 ? err_set_errno(err, "connect", path)
				 : err_set(err, ERR_EXISTS,
					   "%s is in use by another server",
					   path);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set_errno(err, "unlink", path);
	return 0;
}

int
net_listen_unix(const char *path, mode_t mode, int backlog, struct err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return err_set(err, ERR_PARAMS, "socket path too long: %s",
			       path);
	str_copy(sun.sun_path, path, sizeof(sun.sun_path));
	if (unix_remove_stale(path, &sun, err) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set_errno(err, "socket", path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return listen_fail(fd, "bind", path, err);
	/* before listen(): until then every connect() is refused, so the
	   umask-derived permissions of bind() are never usable */
	if (chmod(path, mode) < 0) {
		listen_fail(fd, "chmod", path, err);
		(void)unlink(path);
		return -1;
	}
	if (listen(fd, backlog) < 0) {
		listen_fail(fd, "listen", path, err);
		(void)unlink(path);
		return -1;
	}
	return fd;
}

unsigned
net_socket_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}
