/* SPDX-License-Identifier: MIT */
/*
 * A throw-away PKI for TLS tests: a root CA, an intermediate, server and
 * client certificates (with subject e-mail, CN and subjectAltName e-mail),
 * written as PEM, DER or PKCS#12, keys optionally encrypted; and in-memory
 * handshakes between two SSL objects over a BIO pair (no sockets).
 * Failures panic: these are test fixtures.
 */
#ifndef COFFER_TEST_TLS_PKI_H
#define COFFER_TEST_TLS_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct pki_cert {
	X509 *cert;
	EVP_PKEY *key;
};

struct pki_name {
	const char *cn;	       /* subject commonName, or NULL */
	const char *email;     /* subject emailAddress, or NULL */
	const char *san_email; /* subjectAltName rfc822Name, or NULL */
	const char *uid;       /* subject userId (0.9.2342...1), or NULL */
};

enum pki_key_type { PKI_KEY_EC, PKI_KEY_RSA, PKI_KEY_ED25519 };

/* A self-signed CA (issuer NULL) or a certificate signed by issuer. ca:
   basicConstraints CA:TRUE. server/client: extended key usage. */
void pki_make(struct pki_cert *out, const struct pki_name *name,
	      const struct pki_cert *issuer, bool ca, enum pki_key_type type);
void pki_free(struct pki_cert *c);

/* Writers; password non-NULL encrypts the key (AES-256). */
void pki_write_cert_pem(const char *path, const struct pki_cert *c,
			const struct pki_cert *chain);
void pki_write_key_pem(const char *path, const struct pki_cert *c,
		       const char *password);
void pki_write_cert_der(const char *path, const struct pki_cert *c);
void pki_write_key_der(const char *path, const struct pki_cert *c);
void pki_write_p12(const char *path, const struct pki_cert *c,
		   const struct pki_cert *chain, const char *password);

/* A client context trusting nothing (no server verification) that presents
   c (may be NULL) with its chain (may be NULL); versions 0 = defaults. */
SSL_CTX *pki_client_ctx(const struct pki_cert *c, const struct pki_cert *chain,
			int min_version, int max_version);

/* Runs a handshake between a new server SSL from sctx and a new client SSL
   from cctx (session resumed if non-NULL). Returns true on success; the
   SSL objects are returned either way (SSL_free() both). */
bool pki_handshake(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *session,
		   SSL **server_r, SSL **client_r);
/* Moves application data both ways (lets TLS 1.3 tickets arrive). */
void pki_pump(SSL *server, SSL *client);

/* Exchanges close_notify and frees both (a session is only resumable
   after an orderly shutdown). NULL-safe. */
void pki_close(SSL *server, SSL *client);

/* mkdtemp() under $TMPDIR; path has room for size bytes. */
void pki_tmpdir(char *path, size_t size, const char *tag);
/* Removes the files below dir and dir itself (not recursive). */
void pki_rmdir(const char *dir);

#endif
