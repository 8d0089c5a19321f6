/* SPDX-License-Identifier: MIT */
/*
 * TLS for connections, over OpenSSL 3: STARTTLS-style upgrades
 * (conn_start_tls()) and implicit-TLS listeners (net_listener_settings.tls).
 *
 * The TLS transport uses non-blocking SSL_read()/SSL_write() directly on the
 * socket (no memory BIOs); the handshake is driven inside worker runs and
 * OpenSSL's WANT_READ/WANT_WRITE become the connection's epoll interest.
 * SSL_MODE_RELEASE_BUFFERS keeps idle TLS connections small.
 *
 * This module only configures what every server context needs (certificate,
 * key, TLS >= 1.2, no renegotiation); cipher lists, client certificates and
 * other options are applied to net_tls_ctx_get_ssl_ctx() by the caller.
 */
#ifndef COFFER_NET_TLS_H
#define COFFER_NET_TLS_H

#include <stdbool.h>
#include <openssl/types.h>
#include "lib/err.h"

struct conn;
struct net_tls_ctx;

/* Creates a server context from PEM files: cert_file may hold the chain
   (leaf first). Returns NULL with err set if a file cannot be loaded or the
   key does not match. Any thread. */
struct net_tls_ctx *net_tls_ctx_create_server(const char *cert_file,
					      const char *key_file,
					      struct err *err);
/* Frees the context. Connections still using it keep OpenSSL's own
   reference, but listeners must be gone. Sets *ctx to NULL; NULL-safe. */
void net_tls_ctx_destroy(struct net_tls_ctx **ctx);
/* The OpenSSL context, for options this module does not set. Configure it
   before the first connection uses it. */
SSL_CTX *net_tls_ctx_get_ssl_ctx(struct net_tls_ctx *ctx);

/* Upgrades the connection to TLS (IMAP STARTTLS, POP3 STLS, LMTP STARTTLS).
   Call from run() right after writing the positive reply:
     - input already buffered is discarded: bytes a client sent after the
       command, before the handshake, must never be interpreted once TLS is
       up (plaintext command injection: RFC 9051 section 6.2.1, option 2
       "extra data from the TCP buffer is thrown away"); bytes still in the
       kernel are read by the handshake, which fails on plaintext;
     - output buffered so far (the reply) is sent in plaintext first;
     - then the handshake runs; CONN_EV_TLS_READY follows on success (other
       events are held until then), and on failure the connection is closed
       and the failure logged.
   Output written after this call is held and sent encrypted.
   Returns 0, or -1 with err set (already TLS, closed, or OpenSSL error);
   the connection is unchanged then. */
int conn_start_tls(struct conn *c, struct net_tls_ctx *ctx, struct err *err);

/* True when the connection runs over TLS with a completed handshake. */
bool conn_is_tls(const struct conn *c);
/* The connection's SSL object once TLS is up, else NULL. Meant for channel
   bindings (SSL_export_keying_material() for tls-exporter, RFC 9266; the
   own certificate for tls-server-end-point, RFC 5929) and for logging the
   protocol and cipher. Owned by the connection; owning thread only. */
SSL *conn_tls_ssl(struct conn *c);
/* The client certificate if the client sent one and it verified, else NULL.
   Owned by the connection (do not free). Owning thread only. */
X509 *conn_tls_peer_cert(struct conn *c);

#endif
