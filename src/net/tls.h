/* SPDX-License-Identifier: MIT */
/*
 * TLS for connections, over OpenSSL 3: server contexts built from settings,
 * STARTTLS-style upgrades (conn_start_tls()), implicit-TLS listeners
 * (net_listener_settings.tls) and the facts SASL needs from a TLS channel
 * (channel bindings, the verified client certificate).
 *
 * The TLS transport uses non-blocking SSL_read()/SSL_write() directly on the
 * socket (no memory BIOs); the handshake is driven inside worker runs and
 * OpenSSL's WANT_READ/WANT_WRITE become the connection's epoll interest.
 * SSL_MODE_RELEASE_BUFFERS keeps idle TLS connections small.
 *
 * A struct net_tls_ctx is a stable handle around the current OpenSSL
 * context: net_tls_ctx_reload() swaps in a new one (SIGHUP), new handshakes
 * use it, and connections already using the old one keep it (OpenSSL counts
 * its references) until they close. Listeners and services keep the handle.
 */
#ifndef COFFER_NET_TLS_H
#define COFFER_NET_TLS_H

#include <stdbool.h>
#include <stdint.h>
#include <openssl/types.h>
#include "lib/err.h"

struct conn;
struct net_tls_ctx;

/* Client certificates (the CertificateRequest of the handshake). */
enum net_tls_client_certs {
	/* never asked for */
	NET_TLS_CLIENT_CERTS_NONE,
	/* asked for; a client without one still connects */
	NET_TLS_CLIENT_CERTS_REQUEST,
	/* the handshake fails without a certificate that verifies */
	NET_TLS_CLIENT_CERTS_REQUIRE,
};

struct net_tls_settings {
	/* The server certificate: PEM (leaf first, then the chain), DER, or
	   PKCS#12 when the name ends in .p12 or .pfx (key and chain
	   included). Required. */
	const char *cert_file;
	/* The private key, PEM or DER; NULL or "" means cert_file holds
	   it. Ignored for PKCS#12. */
	const char *key_file;
	/* Password of an encrypted key or PKCS#12 file; NULL or "" for
	   none. Only used while loading. */
	const char *key_password;
	/* Trust anchors for client certificates (and for completing the
	   server chain when cert_file holds only the leaf). NULL or "". */
	const char *ca_file;
	const char *ca_path;
	/* OpenSSL cipher string for TLS 1.2; NULL or "" means "DEFAULT".
	   Anonymous, NULL-encryption, export, RC4, single-DES and MD5 suites
	   are always removed, whatever it says. */
	const char *cipher_list;
	/* TLS 1.3 suites (SSL_CTX_set_ciphersuites()); NULL or "" keeps
	   OpenSSL's default. */
	const char *ciphersuites;
	/* Oldest protocol accepted: TLS1_2_VERSION (also for 0) or
	   TLS1_3_VERSION. Older protocols are never accepted. */
	int min_version;
	/* NONE unless ca_file or ca_path is set. */
	enum net_tls_client_certs client_certs;
	/* Longest client certificate chain accepted (intermediates). */
	unsigned verify_depth;
	/* With REQUEST: a certificate that fails verification does not end
	   the handshake (the client continues without an identity:
	   conn_tls_peer_cert() returns NULL). When false such a handshake
	   fails. (ms.conf tls_force_verify, whose meaning is this.) */
	bool accept_unverified;
};

/* Creates a server context. Returns NULL with a one-line err naming the
   file or option at fault (ERR_NOTFOUND for a missing file, ERR_PARAMS for
   unusable contents or settings). Any thread. */
struct net_tls_ctx *net_tls_ctx_create(const struct net_tls_settings *set,
				       struct err *err);
/* Shorthand: PEM certificate chain and key, no client certificates. */
struct net_tls_ctx *net_tls_ctx_create_server(const char *cert_file,
					      const char *key_file,
					      struct err *err);
/* Builds a new OpenSSL context from set and makes it current; handshakes
   starting afterwards use it, established connections keep the old one.
   Session-ticket keys are carried over, so tickets issued before the
   reload still resume. On failure (-1, err set) the old context stays
   current. Any thread; concurrent with handshakes. */
int net_tls_ctx_reload(struct net_tls_ctx *ctx,
		       const struct net_tls_settings *set, struct err *err);
/* Frees the handle. Connections still using it keep OpenSSL's own
   reference, but listeners must be gone. Sets *ctx to NULL; NULL-safe. */
void net_tls_ctx_destroy(struct net_tls_ctx **ctx);
/* The current OpenSSL context, valid until the next reload or destroy.
   For inspection and tests; settings belong in net_tls_settings. */
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
   bindings (net_tls_channel_binding()) and for logging the protocol and
   cipher. Owned by the connection; owning thread only. */
SSL *conn_tls_ssl(struct conn *c);
/* The client certificate if the client sent one and it verified, else NULL.
   Owned by the connection (do not free). Owning thread only. */
X509 *conn_tls_peer_cert(struct conn *c);

/* --- Channel bindings (RFC 5056) ----------------------------------------- */

enum net_tls_cb {
	/* RFC 5929 section 3: the first Finished message of the handshake.
	   Defined for TLS 1.2 only (RFC 8446 section C.5), and only used
	   with the extended master secret (RFC 7627). */
	NET_TLS_CB_UNIQUE,
	/* RFC 5929 section 4: a hash of the server's certificate. Undefined
	   for signature algorithms without a single hash (Ed25519). */
	NET_TLS_CB_SERVER_END_POINT,
	/* RFC 9266: 32 bytes of exported keying material. Defined for TLS
	   1.3, and for TLS 1.2 with the extended master secret. */
	NET_TLS_CB_EXPORTER,
};

#define NET_TLS_CB_COUNT 3
/* Largest channel binding (SHA-512 of a certificate). */
#define NET_TLS_CB_MAX 64

/* "tls-unique", "tls-server-end-point", "tls-exporter". */
const char *net_tls_cb_name(enum net_tls_cb type);
/* Computes the channel binding of an established TLS connection, as this
   side sees it (server or client; both sides get the same bytes). Returns
   the length (> 0), 0 if the type is not defined for this connection
   (protocol version, no extended master secret, certificate algorithm),
   or -1 if OpenSSL fails. Thread of the connection's owner. */
int net_tls_channel_binding(SSL *ssl, enum net_tls_cb type,
			    uint8_t out[NET_TLS_CB_MAX]);

#endif
