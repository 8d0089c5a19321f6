/* SPDX-License-Identifier: MIT */
/* The plaintext transport: recv()/send() on the connection's socket. */
#include "net/transport.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static ssize_t
plain_failed(const char *call, struct err *err)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return call[0] == 'r' ? NET_IO_WANT_READ : NET_IO_WANT_WRITE;
	err_set(err, ERR_INTERNAL, "%s", strerror(errno));
	return -1;
}

static ssize_t
plain_read(struct net_transport *t, void *data, size_t size,
	   struct err *err)
{
	ssize_t n;

	do
		n = recv(t->fd, data, size, 0);
	while (n < 0 && errno == EINTR);
	return n >= 0 ? n : plain_failed("recv", err);
}

static ssize_t
plain_write(struct net_transport *t, const void *data, size_t size,
	    struct err *err)
{
	ssize_t n;

	/* MSG_NOSIGNAL: a vanished peer gives EPIPE, never SIGPIPE */
	do
		n = send(t->fd, data, size, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n >= 0 ? n : plain_failed("send", err);
}

const struct net_transport_vfuncs net_transport_plain = {
	.name = "plain",
	.read = plain_read,
	.write = plain_write,
};
