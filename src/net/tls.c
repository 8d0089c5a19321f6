/* SPDX-License-Identifier: MIT */
/*
 * The TLS transport over OpenSSL 3: the STARTTLS switch, implicit TLS and
 * the handshake, driven inside worker cycles (contexts: tls-ctx.c).
 *
 * OpenSSL keeps its error queue per thread. Every call is preceded by
 * ERR_clear_error() and followed, on failure, by draining the queue into the
 * error message, so nothing leaks into the next connection a worker runs.
 */
#include "net/tls.h"
#include "net/tls-private.h"
#include "net/conn-private.h"
#include "lib/log.h"
#include "lib/mem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct tls_transport {
	struct net_transport t;
	SSL *ssl;
};

/* Describes the first queued OpenSSL error and empties the queue. */
static void
tls_error_string(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, size, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
}

static int
tls_set_err(struct err *err, const char *what)
{
	char msg[256];

	tls_error_string(msg, sizeof(msg));
	return err_set(err, ERR_INTERNAL, "%s: %s", what, msg);
}

/* --- Transport ------------------------------------------------------------ */

static ssize_t
tls_io_result(struct tls_transport *tt, int ret, bool reading, struct err *err)
{
	int saved_errno = errno;

	switch (SSL_get_error(tt->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return NET_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return NET_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		/* close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF) */
		if (reading)
			return 0;
		err_set(err, ERR_INTERNAL, "Connection closed by peer");
		return -1;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			err_set(err, ERR_INTERNAL, "%s",
				saved_errno != 0 ? strerror(saved_errno)
						 : "Connection closed by peer");
			return -1;
		}
		break;
	default:
		break;
	}
	tls_set_err(err, "TLS");
	return -1;
}

static ssize_t
tls_read(struct net_transport *t, void *data, size_t size, struct err *err)
{
	struct tls_transport *tt = (struct tls_transport *)t;
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_read(tt->ssl, data, (int)MIN(size, (size_t)INT_MAX));
	if (ret > 0)
		return ret;
	return tls_io_result(tt, ret, true, err);
}

static ssize_t
tls_write(struct net_transport *t, const void *data, size_t size,
	  struct err *err)
{
	struct tls_transport *tt = (struct tls_transport *)t;
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_write(tt->ssl, data, (int)MIN(size, (size_t)INT_MAX));
	if (ret > 0)
		return ret;
	return tls_io_result(tt, ret, false, err);
}

static void
tls_shutdown(struct net_transport *t)
{
	struct tls_transport *tt = (struct tls_transport *)t;

	if (!SSL_is_init_finished(tt->ssl))
		return;
	/* sends close_notify if the socket takes it; never waits for the
	   peer's */
	ERR_clear_error();
	(void)SSL_shutdown(tt->ssl);
	ERR_clear_error();
}

static bool
tls_pending(struct net_transport *t)
{
	struct tls_transport *tt = (struct tls_transport *)t;

	/* decrypted bytes only: SSL_has_pending() would also count a
	   partial record, which cannot be read without the socket */
	return SSL_pending(tt->ssl) > 0;
}

static void
tls_destroy(struct net_transport *t)
{
	struct tls_transport *tt = (struct tls_transport *)t;

	SSL_free(tt->ssl);
	free(tt);
}

static const struct net_transport_vfuncs tls_vfuncs = {
    .name = "tls",
    .read = tls_read,
    .write = tls_write,
    .shutdown = tls_shutdown,
    .pending = tls_pending,
    .destroy = tls_destroy,
};

/* --- Switching a connection to TLS --------------------------------------- */

static int
tls_prepare(struct conn *c, struct net_tls_ctx *ctx, struct err *err)
{
	struct tls_transport *tt;
	SSL *ssl;

	ssl = tls__ssl_new(ctx, err);
	if (ssl == NULL)
		return -1;
	if (SSL_set_fd(ssl, c->fd) != 1) {
		SSL_free(ssl);
		return tls_set_err(err, "SSL_set_fd()");
	}
	SSL_set_accept_state(ssl);
	tt = xcalloc(1, sizeof(*tt));
	tt->t.v = &tls_vfuncs;
	tt->t.fd = c->fd;
	tt->ssl = ssl;
	c->tls_tr = &tt->t;
	c->rd_need = EPOLLIN;
	c->wr_need = EPOLLOUT;
	conn__set_deadline(c, c->srv->set.tls_handshake_timeout_ms);
	return 0;
}

int
conn_start_tls(struct conn *c, struct net_tls_ctx *ctx, struct err *err)
{
	if (c->closed || c->flush_close)
		return err_set(err, ERR_NOTPOSSIBLE, "connection is closing");
	if (c->tls_state != CONN_TLS_NONE || c->tr != &c->plain)
		return err_set(err, ERR_NOTPOSSIBLE, "TLS is already active");
	if (tls_prepare(c, ctx, err) < 0)
		return -1;
	/* RFC 9051 section 6.2.1: data received after the CRLF of the
	   STARTTLS command is thrown away, never interpreted under TLS. */
	if (c->in.len > c->in.off)
		log_debug("%s: discarding %zu plaintext bytes sent before "
			  "the TLS handshake",
			  c->session_id, c->in.len - c->in.off);
	c->in.off = c->in.len = 0;
	/* the positive reply goes out in plaintext first */
	c->plain_left = c->out.len - c->out.off;
	c->tls_state = c->plain_left > 0 ? CONN_TLS_DRAIN : CONN_TLS_HANDSHAKE;
	if (c->tls_state == CONN_TLS_HANDSHAKE) {
		c->tls_tr->lower = NULL;
		c->tr = c->tls_tr;
	}
	/* the drain or handshake starts in the next cycle, after run() */
	conn__post(c, CONN_RAW_KICK);
	return 0;
}

int
conn_tls__begin_implicit(struct conn *c, struct net_tls_ctx *ctx)
{
	struct err err;

	if (tls_prepare(c, ctx, &err) < 0) {
		log_err("%s: %s", c->session_id, err.msg);
		conn__mark_closed(c, "TLS setup failed");
		return -1;
	}
	c->implicit_tls = true;
	c->tls_state = CONN_TLS_HANDSHAKE;
	c->tr = c->tls_tr;
	return 0;
}

unsigned
conn_tls__step(struct conn *c)
{
	struct tls_transport *tt = (struct tls_transport *)c->tls_tr;
	char msg[256];
	int ret;

	if (c->tls_state == CONN_TLS_DRAIN) {
		if (conn_io__flush(c) < 0 || c->plain_left > 0)
			return 0;
		/* TLS runs on the socket itself: it is the bottom layer */
		c->tls_state = CONN_TLS_HANDSHAKE;
		c->tls_tr->lower = NULL;
		c->tr = c->tls_tr;
	}
	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(tt->ssl);
	if (ret == 1) {
		c->tls_state = CONN_TLS_UP;
		c->rd_need = EPOLLIN;
		c->wr_need = EPOLLOUT;
		conn__set_deadline(c, 0);
		log_debug("%s: TLS established: %s %s", c->session_id,
			  SSL_get_version(tt->ssl),
			  SSL_get_cipher_name(tt->ssl));
		return c->implicit_tls ? CONN_EV_START : CONN_EV_TLS_READY;
	}
	switch (SSL_get_error(tt->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		c->rd_need = EPOLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->rd_need = EPOLLOUT;
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			snprintf(msg, sizeof(msg), "%s",
				 errno != 0 ? strerror(errno)
					    : "connection closed by peer");
			break;
		}
		tls_error_string(msg, sizeof(msg));
		break;
	default:
		tls_error_string(msg, sizeof(msg));
		break;
	}
	log_info("%s: TLS handshake with %s failed: %s", c->session_id,
		 c->peer_addr, msg);
	conn__mark_closed(c, "TLS handshake failed");
	return 0;
}

bool
conn_is_tls(const struct conn *c)
{
	return c->tls_state == CONN_TLS_UP;
}

SSL *
conn_tls_ssl(struct conn *c)
{
	if (c->tls_state != CONN_TLS_UP)
		return NULL;
	return ((struct tls_transport *)c->tls_tr)->ssl;
}

X509 *
conn_tls_peer_cert(struct conn *c)
{
	SSL *ssl = conn_tls_ssl(c);
	X509 *cert;

	if (ssl == NULL)
		return NULL;
	cert = SSL_get0_peer_certificate(ssl);
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return NULL;
	return cert;
}
