/* SPDX-License-Identifier: MIT */
/*
 * Creating listening sockets. Kept apart from adding them to a server
 * (net_server_add_listener()) because listeners on privileged ports are
 * created while the process still runs as root, before privileges are
 * dropped and before the server starts.
 *
 * All functions may be called from any thread; the returned descriptors are
 * non-blocking and close-on-exec.
 */
#ifndef COFFER_NET_LISTENER_H
#define COFFER_NET_LISTENER_H

#include <stddef.h>
#include <sys/types.h>
#include "lib/err.h"

/* Upper bound of sockets one net_listen_tcp() call opens. */
#define NET_LISTEN_MAX_FDS 16

/* Opens TCP listening sockets for host:port with SO_REUSEADDR.
   host "" or "*" means all interfaces: one dual-stack IPv6 socket, or an
   IPv4 one where IPv6 is unavailable. An IPv4 or IPv6 literal ("::1", no
   brackets) gives one socket; a name is resolved with getaddrinfo() and may
   give several (one per address). port 0 picks a free port (see
   net_socket_local_port()). Stores up to max_fds descriptors in fds_r and
   returns how many (>= 1), or -1 with err set and nothing left open. */
int net_listen_tcp(const char *host, unsigned port, int backlog, int *fds_r,
		   size_t max_fds, struct err *err);

/* Opens a Unix-domain stream listener at path with permission bits mode.
   An existing socket file is replaced only if nothing answers on it (a stale
   socket from a crashed server); a live socket or any other kind of file is
   an error (ERR_EXISTS). mode is applied before listen(), so no client can
   connect while looser permissions apply.
   Security: whoever can connect to the socket can use the service -- for
   LMTP, deliver mail to any local recipient. Restrict it with mode and with
   the permissions of the containing directory, which must not be writable
   by untrusted users.
   Returns the descriptor, or -1 with err set. */
int net_listen_unix(const char *path, mode_t mode, int backlog,
		    struct err *err);

/* The local port a TCP socket is bound to (for listeners opened on port 0).
   Returns the port, or 0 if fd is not a bound TCP socket. */
unsigned net_socket_local_port(int fd);

#endif
