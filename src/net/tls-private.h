/* SPDX-License-Identifier: MIT */
/* Internals shared by the TLS files of the net layer (tls*.c). */
#ifndef COFFER_NET_TLS_PRIVATE_H
#define COFFER_NET_TLS_PRIVATE_H

#include "net/tls.h"
#include "lib/err.h"

#include <openssl/ssl.h>

/* tls-ctx.c: a new SSL for a connection from the context that is current
   now (it keeps its own reference to that context). NULL with err set. */
SSL *tls__ssl_new(struct net_tls_ctx *ctx, struct err *err);

/* tls-load.c: loads cert_file/key_file/key_password into sctx. */
int tls__load_identity(SSL_CTX *sctx, const struct net_tls_settings *set,
		       struct err *err);

/* Sets err to "<what>: <problem> (<first OpenSSL error>)", empties the
   thread's OpenSSL error queue and returns -1. */
int tls__openssl_err(struct err *err, enum err_code code, const char *what,
		     const char *problem);

#endif
