/* SPDX-License-Identifier: MIT */
/*
 * Connection transports (internal to the net layer). A connection reads and
 * writes through a stack of transports; the top one is what conn-io.c sees:
 *
 *	conn buffers -> [deflate, later] -> [TLS] -> socket
 *
 * The bottom transport owns the socket side: the plain transport (send/recv)
 * or TLS, which runs OpenSSL directly on the socket (so TLS is always at the
 * bottom). A layer above TLS, such as IMAP COMPRESS=DEFLATE (RFC 4978
 * section 3: compress first, then encrypt; reversed when reading), is stacked
 * by setting its `lower` to the connection's current top transport and
 * making it the new top. The helper doing that belongs with the first such
 * layer: like the STARTTLS drain it must first send the output buffered
 * under the old stack (the tagged OK of COMPRESS goes out uncompressed).
 * The layer keeps `lower` and implements
 *
 *   read:    return inflated bytes it holds, else read from `lower` into a
 *            small buffer of its own and inflate; pass WANT_* through;
 *   write:   deflate the caller's bytes into its own bounded buffer and
 *            write that to `lower`; return the bytes *consumed* (not sent),
 *            or WANT_* when its buffer is full and `lower` would block;
 *   flush:   push its buffered bytes (and a sync flush) down to `lower`;
 *   pending: true if it holds inflated bytes or `lower` is pending.
 *
 * All functions are called on the connection's owning thread only.
 */
#ifndef COFFER_NET_TRANSPORT_H
#define COFFER_NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "lib/err.h"

/* Results of read/write/flush besides byte counts (> 0), 0 (EOF, reads
   only; "done" for flush) and -1 (error, err set). */
#define NET_IO_WANT_READ (-2)  /* retry when the socket is readable */
#define NET_IO_WANT_WRITE (-3) /* retry when the socket is writable */

struct net_transport;

struct net_transport_vfuncs {
	const char *name;
	/* Reads up to size (> 0) bytes. */
	ssize_t (*read)(struct net_transport *t, void *data, size_t size,
			struct err *err);
	/* Writes up to size (> 0) bytes; returns how many were taken. */
	ssize_t (*write)(struct net_transport *t, const void *data,
			 size_t size, struct err *err);
	/* Optional (NULL: never buffers output). Pushes buffered output
	   down; 0 when nothing remains, else WANT_* or -1. */
	int (*flush)(struct net_transport *t, struct err *err);
	/* Optional. Announces an orderly close (TLS close_notify); best
	   effort, never blocks. */
	void (*shutdown)(struct net_transport *t);
	/* Optional. True if read() can return bytes without the socket
	   becoming readable (decrypted or inflated data held inside). */
	bool (*pending)(struct net_transport *t);
	/* Optional. Frees the transport (not `lower`). */
	void (*destroy)(struct net_transport *t);
};

struct net_transport {
	const struct net_transport_vfuncs *v;
	struct net_transport *lower; /* toward the socket; NULL at bottom */
	int fd;			     /* the socket */
};

/* The plain transport: recv()/send(MSG_NOSIGNAL) on fd. */
extern const struct net_transport_vfuncs net_transport_plain;

#endif
